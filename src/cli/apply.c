/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdump-validate apply: validate, plan the configuration change, show it, write it.
 * Exit: 0 written (or nothing to do), 2 no safe change while errors remain (or the change leaves
 * other errors, e.g. crashkernel=, unfixed), 3 could not validate / plan / write. The policy's
 * mode does not matter here (the administrator asked); its limits (max_capture_cpus,
 * never_blacklist, allow_blacklist) do, and a policy file with errors stops it. */
#include "kdv/cli.h"
#include "kdv/policy.h"
#include "kdv/rewrite.h"
#include "kdv/root.h"

static int exit_for(int k) {
        switch (k) {
        case -ERANGE:           /* no remedy fits the policy / the reservation */
        case -EBADMSG:          /* the file or the variable cannot be edited safely */
        case -EILSEQ:
        case -ELOOP:
        case -EPERM:
        case -EBADFD:
                return EXIT_ERRORS;
        default:                /* -ENODATA, -ENOENT, -ESTALE, -ENOMEM, I/O */
                return EXIT_COULD_NOT_VALIDATE;
        }
}

int cmd_apply(const struct cli_args *a) {
        struct validation v = {};
        struct root r = { .fd = -1 };
        struct policy pol = {};
        struct policy_diagnostics diags = {};
        struct rewrite_plan plan = {};
        struct strbuf diff = {};
        bool replaced = false;
        int k, status;

        if (a->diff || a->output || a->format != REPORT_TEXT) {
                fprintf(stderr, "kdump-validate: 'apply' takes no --diff, --output or --format "
                        "(use 'check --diff' for a dry run)\n");
                return EXIT_USAGE;
        }
        k = root_open(a->collect.root ? a->collect.root : "/", &r);
        if (k < 0) {
                fprintf(stderr, "kdump-validate: cannot open root: %s\n", strerror(-k));
                status = EXIT_COULD_NOT_VALIDATE;
                goto finish;
        }
        k = a->config ? policy_load(NULL, a->config, &pol, &diags) : policy_load(&r, NULL, &pol, &diags);
        for (size_t i = 0; i < diags.n; i++)
                fprintf(stderr, "kdump-validate: %s:%u: %s\n", diags.items[i].file, diags.items[i].line,
                        diags.items[i].message);
        if (k < 0) {
                fprintf(stderr, "kdump-validate: the policy %s has errors: not applying anything\n",
                        a->config ? a->config : "file");
                status = EXIT_COULD_NOT_VALIDATE;
                goto finish;
        }
        k = validation_run(&a->collect, &(struct findings_options) { .vector_margin = pol.vector_margin }, &v);
        if (k < 0) {
                fprintf(stderr, "kdump-validate: cannot read root '%s': %s\n",
                        a->collect.root ? a->collect.root : "/", strerror(-k));
                status = EXIT_COULD_NOT_VALIDATE;
                goto finish;
        }

        k = rewrite_prepare(&r, &v, &pol, &plan);
        if (k == 0) {
                printf("%s\n", plan.message ? plan.message : "Nothing to do.");
                if (plan.advice)
                        printf("Instead: %s\n", plan.advice);
                status = plan.errors_remain ? EXIT_ERRORS : EXIT_OK;
                goto finish;
        }
        if (k < 0) {
                fprintf(stderr, "kdump-validate: %s\n", plan.message ? plan.message : strerror(-k));
                if (plan.advice)
                        fprintf(stderr, "kdump-validate: instead: %s\n", plan.advice);
                fprintf(stderr, "kdump-validate: nothing written\n");
                status = exit_for(k);
                goto finish;
        }

        k = rewrite_format_diff(&plan, &diff);
        if (k < 0 || diff.oom) {
                fprintf(stderr, "kdump-validate: %s\n", strerror(k < 0 ? -k : ENOMEM));
                status = EXIT_COULD_NOT_VALIDATE;
                goto finish;
        }
        fwrite(diff.buf, 1, diff.len, stdout);
        fflush(stdout);

        k = rewrite_write(&r, &plan, NULL, &replaced);
        if (k < 0 && !replaced) {
                fprintf(stderr, "kdump-validate: not written, %s is unchanged: %s\n", plan.path,
                        k == -ESTALE ? "the file changed while we were working; run again" :
                        k == -EBUSY ? "kdumpctl holds its lock (/run/lock/kdump); try again when it is done" :
                        strerror(-k));
                status = EXIT_COULD_NOT_VALIDATE;
                goto finish;
        }
        if (k < 0)
                fprintf(stderr, "kdump-validate: warning: %s was replaced but syncing its directory failed (%s): "
                        "the change may not survive a power loss\n", plan.path, strerror(-k));
        printf("Wrote %s (previous version in %s%s): %s.\n", plan.path, plan.path, ATOMIC_FILE_BACKUP_SUFFIX,
               plan.remedy);
        printf("kdump must reload to use it: run '%s'.\n", rewrite_reload_command(v.snapshot->flavor));
        if (plan.errors_remain && plan.advice)
                printf("Errors remain that a configuration change cannot fix: %s\n", plan.advice);
        status = plan.errors_remain ? EXIT_ERRORS : EXIT_OK;

finish:
        if (fflush(stdout) != 0 && status < EXIT_COULD_NOT_VALIDATE)
                status = EXIT_COULD_NOT_VALIDATE;
        strbuf_done(&diff);
        rewrite_plan_clear(&plan);
        policy_clear(&pol);
        policy_diagnostics_clear(&diags);
        root_close(&r);
        validation_clear(&v);
        return status;
}
