/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Applying the remedies to the distribution's kdump configuration (DESIGN.md §5):
 *   RHEL/Fedora /etc/sysconfig/kdump       KDUMP_COMMANDLINE_APPEND
 *   SUSE        /etc/sysconfig/kdump       KDUMP_CPUS, KDUMP_COMMANDLINE_APPEND
 *   Debian      /etc/default/kdump-tools   KDUMP_CMDLINE_APPEND
 * Planning is pure (rewrite_plan_change: snapshot + plan + findings + policy + the file's text);
 * reading the file, the diff and the atomic write are the thin I/O layer around it. */
#pragma once

#include "kdv/atomic-file.h"
#include "kdv/cli.h"
#include "kdv/policy.h"
#include "kdv/util.h"

struct root;

struct rewrite_edit {
        char *variable;
        char *old_value;                /* as the shell sees it; NULL when not assigned in the file */
        char *new_value;
};

#define REWRITE_MAX_EDITS 2

struct rewrite_plan {
        bool change;                    /* a change was planned: new_text differs from old_text */
        bool errors_remain;             /* error findings this change does not address */
        char *path;                     /* the config file, relative to the root */
        char *remedy;                   /* one sentence: what the change does and why */
        char *message;                  /* no change: why (nothing to do, or the refusal) */
        char *advice;                   /* what the admin can do instead (crashkernel=, policy) */
        struct rewrite_edit edits[REWRITE_MAX_EDITS];
        size_t n_edits;
        unsigned cpus_before, cpus_after;
        char **blacklisted;             /* modules newly kept out of the capture kernel */
        char *old_text, *new_text;
        size_t old_len, new_len;
        struct file_identity id;        /* of the file when it was read */
        bool have_id;
};

void rewrite_plan_clear(struct rewrite_plan *p);

/* Pure: decide the change for the configuration whose content is TEXT (LEN bytes; it must parse
 * to the snapshot's kdump_sysconfig). Returns 1 (change planned), 0 (nothing to do: no error a
 * configuration change can fix; ret->message says so) or a negative errno with ret->message:
 *   -ENOENT   no kdump configuration file to edit
 *   -EBADMSG  the file is malformed, or the variable uses $-expansions or shares its line
 *   -ENODATA  a fact the remedy rests on is missing (PCI, capture command line, CPUs)
 *   -ERANGE   no change within the policy and the reservation fixes it (ret->advice says what would)
 *   -EILSEQ   the value would contain a character outside the whitelist
 *   -ESTALE   TEXT does not match what was collected
 *   -ENOMEM */
int rewrite_plan_change(const struct snapshot *s, const struct plan *p, const struct findings *f,
                        const struct policy *pol, const char *text, size_t len, struct rewrite_plan *ret);

/* Read the configuration file under the root (refusing a symlink, a file not owned by root or
 * writable by others, or one that changed since the snapshot), then rewrite_plan_change(). Same
 * returns, plus -ELOOP (symlink), -EPERM (ownership/permissions). */
int rewrite_prepare(const struct root *r, const struct validation *v, const struct policy *pol,
                    struct rewrite_plan *ret);

/* The unified diff of a planned change ("--- a/PATH" / "+++ b/PATH", 3 lines of context). */
int rewrite_format_diff(const struct rewrite_plan *p, struct strbuf *out);

/* Write a planned change: kdumpctl's lock when it exists, backup PATH.kdump-validator~, atomic
 * replace (kdv/atomic-file.h). sys NULL = the plain system calls. *ret_replaced as in
 * atomic_file_replace(). Returns 0 or -errno (-ESTALE: changed under us, -EBUSY: lock held). */
int rewrite_write(const struct root *r, const struct rewrite_plan *p, const struct atomic_file_syscalls *sys,
                  bool *ret_replaced);

/* Is VALUE safe to write between quotes into a file root's shell sources? Words separated by
 * single blanks; each word of [A-Za-z0-9_.,=:/+@%-] (no quote, $, `, \, ;, &, |, <, >, (, ), *, ?,
 * [, ], {, }, ~, #, !, control or non-ASCII character). Words we add must pass the strict form:
 * rewrite_word_is_strict() [a-z0-9_.,=-], driver names [a-z0-9_], numbers [0-9]. */
bool rewrite_value_is_safe(const char *value);
bool rewrite_word_is_strict(const char *word);
bool rewrite_driver_name_is_safe(const char *name);

/* What to run so kdump picks up the change ("kdumpctl restart", "systemctl restart kdump-tools"). */
const char *rewrite_reload_command(enum kdump_flavor f);

/* check --diff: the unified diff apply would write, into out. Returns 1 when there is a change,
 * 0 when none is needed, negative errno when no safe change can be made (the reason on stderr).
 * Writes nothing. policy_path NULL = the default policy file under the root. */
int rewrite_diff(const struct validation *v, const char *policy_path, struct strbuf *out);
