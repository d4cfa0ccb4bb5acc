/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The administrator's policy: /etc/kdump-validator.conf (INI, read with inih).
 * Documented in conf/kdump-validator.conf and kdump-validator.conf(5).
 *
 *   [policy]  mode, max_capture_cpus, vector_margin, never_blacklist, allow_blacklist, restart_kdump
 *   [daemon]  debounce_ms, report_dir, prometheus_textfile
 *
 * A missing file means the defaults. A bad line never aborts the load: it becomes a diagnostic
 * (file:line: message) and the key keeps its default; the caller decides what to do with them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "kdv/findings.h"

struct root;

#ifdef KDV_SYSCONFDIR
#  define POLICY_DEFAULT_PATH KDV_SYSCONFDIR "/kdump-validator.conf"
#else
#  define POLICY_DEFAULT_PATH "/etc/kdump-validator.conf"
#endif

enum policy_mode {
        POLICY_MODE_WARN = 0,           /* log findings, never block kdump, never write */
        POLICY_MODE_REFUSE,             /* the hook exits non-zero on errors: kdump does not start */
        POLICY_MODE_REWRITE,            /* apply the remedies to the kdump config, then continue */
};

const char *policy_mode_to_string(enum policy_mode m);
int policy_mode_from_string(const char *s);     /* enum value or -EINVAL */

#define POLICY_DEFAULT_MAX_CAPTURE_CPUS 4u
#define POLICY_DEFAULT_VECTOR_MARGIN    FINDINGS_DEFAULT_VECTOR_MARGIN
#define POLICY_DEFAULT_DEBOUNCE_MS      2000u
#define POLICY_DEFAULT_REPORT_DIR       "/run/kdump-validator"

/* Limits of the numeric keys (inclusive). */
#define POLICY_MAX_CAPTURE_CPUS_LIMIT   8192u   /* x86_64 NR_CPUS upper bound (arch/x86/Kconfig: MAXSMP) */
#define POLICY_VECTOR_MARGIN_LIMIT      100000u
#define POLICY_DEBOUNCE_MS_LIMIT        600000u /* 10 minutes */

struct policy {
        enum policy_mode mode;
        unsigned max_capture_cpus;      /* the rewriter never raises the capture CPU count above this */
        unsigned vector_margin;         /* free vectors the capture kernel must keep (total) */
        char **never_blacklist;         /* NULL-terminated, normalised names; "*" = nothing at all */
        char **allow_blacklist;         /* NULL or empty: any driver not on the dump path */
        bool restart_kdump;             /* after a rewrite, restart the kdump unit (daemon/hook) */

        unsigned debounce_ms;           /* [daemon] delay before revalidating after an event */
        char *report_dir;               /* [daemon] JSON report directory (absolute) */
        char *prometheus_textfile;      /* [daemon] node_exporter textfile (*.prom), NULL = off */

        char *source;                   /* file it was read from; NULL when the defaults apply */
};

/* One problem in the policy file. */
struct policy_diagnostic {
        char *file;
        unsigned line;                  /* 0 when not about one line */
        char *message;
};

struct policy_diagnostics {
        struct policy_diagnostic *items;
        size_t n;
};

/* Fill *p with the defaults (no allocation except report_dir). Returns 0 or -ENOMEM. */
int policy_init(struct policy *p);
void policy_clear(struct policy *p);
void policy_diagnostics_clear(struct policy_diagnostics *d);

/* Parse TEXT (LEN bytes, the content of PATH, used in messages) on top of *p (call policy_init
 * first). Returns 0 when every line was valid, -EBADMSG when diagnostics were added (every
 * valid key still applied, every bad one left as it was), -ENOMEM. */
int policy_parse(const char *text, size_t len, const char *path, struct policy *p,
                 struct policy_diagnostics *diags);

/* Load the policy. With a root, PATH is relative to it (NULL = POLICY_DEFAULT_PATH); without
 * (r == NULL), PATH is a plain path (e.g. from --config). *ret is always a usable policy:
 * defaults plus every valid key. Returns 0 (file read cleanly, or absent: ret->source == NULL),
 * -EBADMSG (diagnostics added), or another -errno when the file exists but cannot be read
 * (one diagnostic added, defaults apply). */
int policy_load(const struct root *r, const char *path, struct policy *ret,
                struct policy_diagnostics *diags);

/* Driver names: '-' becomes '_'; then [a-z0-9_], 1..55 characters (kernel MODULE_NAME_LEN - 1,
 * include/linux/module.h with 64-bit unsigned long). Returns a new string or NULL (invalid/OOM). */
char *policy_normalize_driver(const char *name);

/* May the rewriter keep DRIVER out of the capture kernel? Never when it is in never_blacklist
 * (or never_blacklist has "*"); otherwise yes when allow_blacklist is empty or lists it.
 * (The dump target's own path is excluded by the planner, whatever the policy says.) */
bool policy_may_blacklist(const struct policy *p, const char *driver);
