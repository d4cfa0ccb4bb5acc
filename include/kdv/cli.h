/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line: one options struct, one function per command (src/cli/<command>.c). */
#pragma once

#include "kdv/findings.h"
#include "kdv/snapshot.h"

/* Exit statuses shared by every entry point (kdump-validate(8) "EXIT STATUS"). */
#define EXIT_OK                  0
#define EXIT_WARNINGS            1
#define EXIT_ERRORS              2
#define EXIT_COULD_NOT_VALIDATE  3
#define EXIT_USAGE               64

enum report_format {
        REPORT_TEXT = 0,
        REPORT_JSON,
        REPORT_PROMETHEUS,
};

struct cli_args {
        const char *command;
        struct collect_options collect;
        enum report_format format;
        bool color;
        bool diff;                      /* check --diff: print the config change, write nothing */
        const char *config;             /* policy file (default /etc/kdump-validator.conf) */
        const char *output;             /* write the report to this file (atomically) instead of stdout */
        const char *snapshot;           /* check --snapshot: analyse this saved snapshot, collect nothing */
        const char *dump_snapshot;      /* check --dump-snapshot: also save the snapshot here ("-": stdout) */
};

/* One validation run: collect → plan → findings. */
struct validation {
        struct snapshot *snapshot;
        struct plan plan;
        struct findings findings;
};

/* Returns 0, or negative errno when the root itself cannot be read (then nothing is filled). */
int validation_run(const struct collect_options *o, const struct findings_options *fo, struct validation *v);
/* The same from a snapshot file (kdv/snapshot-file.h) instead of collecting: 0, -EBADMSG with ERR
 * filled (unreadable or malformed file: "FILE:LINE: message"), or -ENOMEM. */
int validation_load(const struct collect_options *o, const char *snapshot_path, const struct findings_options *fo,
                    struct validation *v, struct fact_error *err);
void validation_clear(struct validation *v);

int cmd_check(const struct cli_args *a);
int cmd_apply(const struct cli_args *a);
int cmd_hook(const struct cli_args *a);
int cmd_daemon(const struct cli_args *a);
