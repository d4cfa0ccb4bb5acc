/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kdv/cli.h"
#include "kdv/collect.h"
#include "kdv/snapshot-file.h"

/* plan → findings over v->snapshot, whichever way it was obtained. */
static int validation_analyse(const struct findings_options *fo, struct validation *v) {
        int k;

        k = plan_build(v->snapshot, &v->plan);
        if (k >= 0)
                k = findings_build(v->snapshot, &v->plan, fo, &v->findings);
        if (k < 0)
                validation_clear(v);
        return k;
}

int validation_run(const struct collect_options *o, const struct findings_options *fo, struct validation *v) {
        int k;

        *v = (struct validation) {};
        k = snapshot_collect(o, &v->snapshot);
        if (k < 0)
                return k;
        return validation_analyse(fo, v);
}

int validation_load(const struct collect_options *o, const char *snapshot_path, const struct findings_options *fo,
                    struct validation *v, struct fact_error *err) {
        int k;

        *v = (struct validation) {};
        k = snapshot_load_file(o, snapshot_path, &v->snapshot, err);
        if (k < 0)
                return k;
        return validation_analyse(fo, v);
}

void validation_clear(struct validation *v) {
        findings_clear(&v->findings);
        plan_clear(&v->plan);
        snapshot_free(v->snapshot);
        *v = (struct validation) {};
}
