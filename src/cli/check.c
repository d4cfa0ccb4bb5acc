/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdump-validate check: read-only validation and report. */
#include "kdv/act.h"
#include "kdv/cli.h"
#include "kdv/report.h"
#include "kdv/rewrite.h"

int cmd_check(const struct cli_args *a) {
        struct validation v;
        struct strbuf out = {};
        int k, status;

        k = validation_run(&a->collect, &v);
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
