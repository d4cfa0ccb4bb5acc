/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdump-validate check: read-only validation and report.
 * --snapshot FILE analyses a saved snapshot instead of the machine; --dump-snapshot FILE also saves
 * the snapshot it analysed (atomically, mode 0600: it holds the kdump configuration), "-" meaning
 * standard output when the report goes to --output. */
#include "kdv/act.h"
#include "kdv/atomic-file.h"
#include "kdv/cli.h"
#include "kdv/collect.h"
#include "kdv/policy.h"
#include "kdv/report.h"
#include "kdv/rewrite.h"
#include "kdv/snapshot-file.h"

static int dump_snapshot(const char *path, const struct snapshot *s) {
        struct strbuf b = {};
        int k;

        k = snapshot_format(s, &b);
        if (k >= 0) {
                if (streq(path, "-")) {
                        if (fwrite(b.buf, 1, b.len, stdout) != b.len || fflush(stdout) != 0)
                                k = -EIO;
                } else
                        k = atomic_file_write_path(path, b.buf, b.len, 0600, NULL);
        }
        strbuf_done(&b);
        if (k < 0)
                fprintf(stderr, "kdump-validate: cannot write the snapshot to %s: %s\n", path, strerror(-k));
        return k;
}

/* What the findings judge by: the policy of --config, else the root's /etc/kdump-validator.conf
 * (a saved snapshot has no root: --config or the defaults). check only reads it: a bad line is a
 * warning, every valid key still applies. Returns 0 or -ENOMEM. */
static int check_findings_options(const struct cli_args *a, struct findings_options *ret) {
        struct policy pol = {};
        struct policy_diagnostics diags = {};
        struct root r = { .fd = -1 };
        int k;

        *ret = (struct findings_options) { .vector_margin = FINDINGS_DEFAULT_VECTOR_MARGIN };
        if (a->config)
                k = policy_load(NULL, a->config, &pol, &diags);
        else if (a->snapshot || root_open(a->collect.root ? a->collect.root : "/", &r) < 0)
                return 0;       /* no root: the defaults (an unreadable root is reported later) */
        else
                k = policy_load(&r, NULL, &pol, &diags);
        root_close(&r);
        for (size_t i = 0; i < diags.n; i++)
                fprintf(stderr, "kdump-validate: warning: %s:%u: %s\n", diags.items[i].file, diags.items[i].line,
                        diags.items[i].message);
        if (k != -ENOMEM)
                ret->vector_margin = pol.vector_margin;
        policy_clear(&pol);
        policy_diagnostics_clear(&diags);
        return k == -ENOMEM ? k : 0;
}

int cmd_check(const struct cli_args *a) {
        struct findings_options fo;
        struct validation v;
        struct strbuf out = {};
        int k, status;

        if (check_findings_options(a, &fo) < 0) {
                fprintf(stderr, "kdump-validate: out of memory\n");
                return EXIT_COULD_NOT_VALIDATE;
        }
        if (a->snapshot) {
                struct fact_error e = {};

                k = validation_load(&a->collect, a->snapshot, &fo, &v, &e);
                if (k < 0) {
                        if (e.line)
                                fprintf(stderr, "kdump-validate: %s:%u: %s\n", strempty(e.file), e.line, strempty(e.message));
                        else if (e.message)
                                fprintf(stderr, "kdump-validate: %s: %s\n", strempty(e.file), e.message);
                        else
                                fprintf(stderr, "kdump-validate: cannot load the snapshot %s: %s\n", a->snapshot,
                                        strerror(-k));
                        fact_error_clear(&e);
                        return EXIT_COULD_NOT_VALIDATE;
                }
        } else
                k = validation_run(&a->collect, &fo, &v);
        if (k < 0) {
                fprintf(stderr, "kdump-validate: cannot read root '%s': %s\n",
                        a->collect.root ? a->collect.root : "/", strerror(-k));
                if (a->format == REPORT_JSON && !a->diff) {
                        /* consumers of --json always get a verdict */
                        strbuf_append(&out, "{\n  \"verdict\": \"unknown\",\n  \"error\": ");
                        strbuf_printf(&out, "\"cannot read root: %s\"\n}\n", strerror(-k));
                        if (!out.oom)
                                fwrite(out.buf, 1, out.len, stdout);
                        strbuf_done(&out);
                }
                return EXIT_COULD_NOT_VALIDATE;
        }
        if (a->dump_snapshot && dump_snapshot(a->dump_snapshot, v.snapshot) < 0) {
                validation_clear(&v);
                return EXIT_COULD_NOT_VALIDATE;
        }
        if (a->diff)
                k = rewrite_diff(&v, a->config, &out);
        else switch (a->format) {
        case REPORT_JSON:
                k = report_json(v.snapshot, &v.plan, &v.findings, &out);
                break;
        case REPORT_PROMETHEUS:
                k = prometheus_format(v.snapshot, &v.plan, &v.findings, &out);
                break;
        default:
                k = report_text(v.snapshot, &v.plan, &v.findings, a->color, &out);
        }
        if (k < 0 || out.oom) {
                fprintf(stderr, "kdump-validate: %s\n", strerror(k < 0 ? -k : ENOMEM));
                status = EXIT_COULD_NOT_VALIDATE;
        } else {
                status = a->diff ? (k > 0 ? EXIT_WARNINGS : EXIT_OK) : verdict_exit_status(&v.findings);
                if (a->output) {
                        k = prometheus_write_file(a->output, out.buf ? out.buf : "");
                        if (k < 0) {
                                fprintf(stderr, "kdump-validate: cannot write %s: %s\n", a->output, strerror(-k));
                                status = EXIT_COULD_NOT_VALIDATE;
                        }
                } else if (out.len)
                        fwrite(out.buf, 1, out.len, stdout);
        }
        if (fflush(stdout) != 0 && status < EXIT_COULD_NOT_VALIDATE)
                status = EXIT_COULD_NOT_VALIDATE;
        strbuf_done(&out);
        validation_clear(&v);
        return status;
}
