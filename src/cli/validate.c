/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kdv/cli.h"
#include "kdv/collect.h"

int validation_run(const struct collect_options *o, struct validation *v) {
        int k;

        *v = (struct validation) {};
        k = snapshot_collect(o, &v->snapshot);
        if (k < 0)
                return k;
        k = plan_build(v->snapshot, &v->plan);
        if (k >= 0)
                k = findings_build(v->snapshot, &v->plan, &v->findings);
        if (k < 0)
                validation_clear(v);
        return k;
}

void validation_clear(struct validation *v) {
        findings_clear(&v->findings);
        plan_clear(&v->plan);
        snapshot_free(v->snapshot);
        *v = (struct validation) {};
}
