/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdump-validate hook: kdump's pre-start hook (ExecStartPre= of kdump.service /
 * kdump-tools.service, units/{kdump,kdump-tools}.service.d/50-kdump-validator.conf, no "-" prefix).
 * It follows the policy's mode:
 *   warn     log the findings to the journal (journal_log_findings), exit 0;
 *   refuse   exit 2 (EXIT_ERRORS) when an error finding says kdump will fail: any non-zero
 *            ExecStartPre= fails the unit, so kdump is not started (systemd.service(5));
 *            otherwise 0;
 *   rewrite  plan and write the configuration change (as 'apply'), log it, exit 0 — also when
 *            no safe change exists (logged loudly: rewrite never blocks kdump).
 * It FAILS OPEN: on its own internal errors (root unreadable, out of memory, a policy file with
 * errors, a write that failed, facts missing) it logs loudly to stderr and the journal and exits
 * 0, so kdump still starts. restart_kdump is moot here: kdump is starting and reads the rewritten
 * file right after this hook. */
#include <stdarg.h>
#include <syslog.h>

#include "kdv/act.h"
#include "kdv/cli.h"
#include "kdv/policy.h"
#include "kdv/rewrite.h"
#include "kdv/root.h"
#include "kdv/sd-dl.h"

static void loud(int priority, const char *fmt, ...) _printf_(2, 3);
static void loud(int priority, const char *fmt, ...) {
        va_list ap;
        char *m = NULL;

        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        fprintf(stderr, "kdump-validate hook: %s\n", m ? m : fmt);
        if (m && dlopen_libsystemd() >= 0)
                (void) sym_sd_journal_send("MESSAGE=kdump-validate hook: %s", m, "PRIORITY=%i", priority,
                                       "SYSLOG_IDENTIFIER=%s", KDV_SYSLOG_IDENTIFIER, NULL);
        free(m);
}

static int fail_open(const char *what, int k) {
        loud(LOG_ERR, "internal error, not blocking kdump (failing open): %s%s%s", what,
             k ? ": " : "", k ? strerror(k < 0 ? -k : k) : "");
        return EXIT_OK;
}

static bool has_error(const struct findings *f) {
        for (size_t i = 0; i < f->n; i++)
                if (f->items[i].severity == SEVERITY_ERROR)
                        return true;
        return false;
}

static void summary(const struct findings *f) {
        for (size_t i = 0; i < f->n; i++)
                if (f->items[i].severity == SEVERITY_ERROR || f->items[i].severity == SEVERITY_WARNING)
                        fprintf(stderr, "kdump-validate hook: %s [%s] %s\n",
                                severity_to_string(f->items[i].severity), f->items[i].id,
                                strempty(f->items[i].subject));
}

static int do_rewrite(const struct root *r, const struct validation *v, const struct policy *pol) {
        struct rewrite_plan plan = {};
        bool replaced = false;
        int k;

        k = rewrite_prepare(r, v, pol, &plan);
        if (k == 0)
                loud(plan.errors_remain ? LOG_WARNING : LOG_INFO, "%s%s%s", strempty(plan.message),
                     plan.advice ? " Instead: " : "", strempty(plan.advice));
        else if (k < 0)
                loud(LOG_ERR, "mode=rewrite, but no change made: %s%s%s", plan.message ? plan.message : strerror(-k),
                     plan.advice ? " Instead: " : "", strempty(plan.advice));
        else {
                k = rewrite_write(r, &plan, NULL, &replaced);
                if (k < 0 && !replaced)
                        loud(LOG_ERR, "mode=rewrite: could not write %s (%s); it is unchanged", plan.path, strerror(-k));
                else {
                        if (k < 0)
                                loud(LOG_WARNING, "%s replaced, but syncing its directory failed: %s", plan.path, strerror(-k));
                        loud(LOG_NOTICE, "rewrote %s (backup %s%s): %s. kdump reads it as it starts now; "
                             "no restart needed.", plan.path, plan.path, ATOMIC_FILE_BACKUP_SUFFIX, plan.remedy);
                }
        }
        rewrite_plan_clear(&plan);
        return EXIT_OK;
}

int cmd_hook(const struct cli_args *a) {
        struct validation v = {};
        struct root r = { .fd = -1 };
        struct policy pol = {};
        struct policy_diagnostics diags = {};
        int k, status = EXIT_OK;
        bool policy_ok;

        if (a->diff || a->output || a->format != REPORT_TEXT) {
                fprintf(stderr, "kdump-validate: 'hook' takes no --diff, --output or --format\n");
                return EXIT_USAGE;
        }
        k = root_open(a->collect.root ? a->collect.root : "/", &r);
        if (k < 0) {
                status = fail_open("cannot open the root directory", k);
                goto finish;
        }
        k = a->config ? policy_load(NULL, a->config, &pol, &diags) : policy_load(&r, NULL, &pol, &diags);
        for (size_t i = 0; i < diags.n; i++)
                loud(LOG_ERR, "%s:%u: %s", diags.items[i].file, diags.items[i].line, diags.items[i].message);
        policy_ok = k >= 0;
        if (k == -ENOMEM) {
                status = fail_open("out of memory", k);
                goto finish;
        }
        /* a policy with errors still gives every valid key (policy_load) */
        k = validation_run(&a->collect, &(struct findings_options) { .vector_margin = pol.vector_margin }, &v);
        if (k < 0) {
                status = fail_open(a->collect.root ? "cannot read the root directory" : "cannot read the system", k);
                goto finish;
        }

        k = journal_log_findings(&v.findings, v.snapshot, &v.plan);
        if (k < 0)
                fprintf(stderr, "kdump-validate hook: could not log to the journal (%s)\n",
                        k == -ELIBACC && dlopen_libsystemd_error() ? dlopen_libsystemd_error() : strerror(-k));
        summary(&v.findings);

        if (!policy_ok) {
                /* which mode the admin wanted is not certain: neither block nor write */
                status = fail_open("the policy file has errors; acting as mode=warn", 0);
                goto finish;
        }

        switch (pol.mode) {
        case POLICY_MODE_REFUSE:
                if (has_error(&v.findings)) {
                        loud(LOG_CRIT, "mode=refuse: kdump is expected to fail on this machine (see the findings "
                             "above); stopping the kdump service from starting");
                        status = EXIT_ERRORS;
                }
                break;
        case POLICY_MODE_REWRITE:
                status = do_rewrite(&r, &v, &pol);
                break;
        case POLICY_MODE_WARN:
        default:
                if (has_error(&v.findings))
                        loud(LOG_WARNING, "mode=warn: kdump is expected to fail on this machine; starting it anyway");
                break;
        }

finish:
        policy_clear(&pol);
        policy_diagnostics_clear(&diags);
        root_close(&r);
        validation_clear(&v);
        return status;
}
