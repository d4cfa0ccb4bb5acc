/* SPDX-License-Identifier: GPL-2.0-or-later */
/* act/: the journal and Prometheus writers. */
#pragma once

#include <stdint.h>
#include <sys/uio.h>

#include "kdv/report.h"

/* ---- journal ---- */

#define KDV_SYSLOG_IDENTIFIER "kdump-validate"

/* MESSAGE_ID of the one summary entry per run (the verdict). Derived like the finding ids
 * (sha256("kdump-validator:verdict"), first 32 hex digits), frozen; units/kdump-validator.catalog
 * has its entry. */
#define KDV_MESSAGE_ID_VERDICT "d8a75061f16ad3570914fff1910f36f0"

/* syslog priority of a severity: error 3 (err), warning 4, unknown 4, info 6. */
int journal_priority(enum severity s);

/* A journal field name we may send: [A-Z0-9_], 1..64 characters, not starting with a digit or
 * '_' (journald drops '_' fields from clients as trusted ones: journald-native.c,
 * journal-file.c field_name_valid()). */
bool journal_field_name_valid(const char *name);

/* One entry = the "KEY=value" items sd_journal_sendv() takes. */
struct journal_entry {
        struct iovec *iov;              /* each iov_base malloc'd, "KEY=value", no NUL counted */
        size_t n;
};

struct journal_entries {
        struct journal_entry *items;
        size_t n;
        size_t skipped_fields;          /* finding fields dropped: invalid or reserved name */
};

/* One entry per finding, then one summary entry (KDV_MESSAGE_ID_VERDICT). s and p may be NULL.
 * Per finding: MESSAGE, MESSAGE_ID (catalog), PRIORITY, SYSLOG_IDENTIFIER, FINDING, SEVERITY,
 * SUBJECT, REMEDY (when set), then the finding's own fields by their keys (DEVICE=, DRIVER=,
 * VECTORS_NEEDED=, ...) when the key is valid and not one of those names. */
int journal_build(const struct findings *f, const struct snapshot *s, const struct plan *p,
                  struct journal_entries *ret);
void journal_entries_clear(struct journal_entries *e);

/* What would be sent, in the Journal Export Format (systemd.io/JOURNAL_EXPORT_FORMATS):
 * "KEY=value\n" per field, a value with a newline or control character as
 * "KEY\n" + 64-bit little-endian length + bytes + "\n"; a blank line after each entry. */
int journal_format_findings(const struct findings *f, const struct snapshot *s, const struct plan *p,
                            struct strbuf *out);

/* Send them with sd_journal_sendv(). Returns 0 or the first negative errno (keeps going). */
int journal_log_findings(const struct findings *f, const struct snapshot *s, const struct plan *p);

/* ---- Prometheus (node_exporter textfile collector) ---- */

/* The metrics, text exposition format 0.0.4. now_usec: CLOCK_REALTIME microseconds for
 * kdump_validator_last_run_timestamp_seconds. */
int prometheus_format_at(const struct snapshot *s, const struct plan *p, const struct findings *f,
                         uint64_t now_usec, struct strbuf *out);
/* Same, at the current time. */
int prometheus_format(const struct snapshot *s, const struct plan *p, const struct findings *f,
                      struct strbuf *out);

/* Replace PATH atomically with CONTENT (mode 0644): hidden temp file in the same directory
 * (".NAME.XXXXXX", which the collector's "*.prom" glob skips), fsync, rename, fsync the
 * directory. Returns 0 or -errno; PATH is untouched on failure. */
int prometheus_write_file(const char *path, const char *content);
