/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Findings to the systemd journal: one structured entry per finding, keyed by its catalog
 * MESSAGE_ID (units/kdump-validator.catalog explains it under journalctl -x), and one summary
 * entry with the verdict. The entries are built as iovec lists first, so the same data can be
 * printed (journal_format_findings, for tests and --dry-run) or sent (journal_log_findings). */
#include <inttypes.h>
#include <stdarg.h>

#include "kdv/act.h"
#include "kdv/plan.h"
#include "kdv/sd-dl.h"

int journal_priority(enum severity s) {
        switch (s) {
        case SEVERITY_ERROR:   return 3;        /* LOG_ERR */
        case SEVERITY_WARNING: return 4;        /* LOG_WARNING */
        case SEVERITY_INFO:    return 6;        /* LOG_INFO */
        case SEVERITY_UNKNOWN:
        default:               return 4;        /* could not validate: the admin must look */
        }
}

/* Names we set ourselves; a finding field must not duplicate or spoof them. */
static const char *const reserved_fields[] = {
        "MESSAGE", "MESSAGE_ID", "PRIORITY", "SYSLOG_IDENTIFIER", "SYSLOG_FACILITY", "SYSLOG_PID",
        "SYSLOG_TIMESTAMP", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "ERRNO", "DOCUMENTATION",
        "FINDING", "SEVERITY", "SUBJECT", "REMEDY", "VERDICT",
};

bool journal_field_name_valid(const char *name) {
        size_t l;

        if (!name)
                return false;
        l = strlen(name);
        /* journal-file.c journal_field_valid(): at most 64 bytes, no leading digit; a leading
         * '_' marks trusted fields, which journald refuses from clients. */
        if (l == 0 || l > 64 || name[0] == '_' || (name[0] >= '0' && name[0] <= '9'))
                return false;
        for (const char *c = name; *c; c++)
                if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
                        return false;
        return true;
}

static bool field_reserved(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(reserved_fields); i++)
                if (streq(name, reserved_fields[i]))
                        return true;
        return false;
}

static void entry_free(struct journal_entry *e) {
        for (size_t i = 0; i < e->n; i++)
                free(e->iov[i].iov_base);
        free(e->iov);
        *e = (struct journal_entry) {};
}

void journal_entries_clear(struct journal_entries *e) {
        for (size_t i = 0; i < e->n; i++)
                entry_free(&e->items[i]);
        free(e->items);
        *e = (struct journal_entries) {};
}

static int entry_add(struct journal_entry *e, const char *key, const char *fmt, ...) _printf_(3, 4);
static int entry_add(struct journal_entry *e, const char *key, const char *fmt, ...) {
        struct iovec *n;
        char *value = NULL, *field = NULL;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&value, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        k = asprintf(&field, "%s=%s", key, value);
        free(value);
        if (k < 0)
                return -ENOMEM;
        n = realloc(e->iov, sizeof(*n) * (e->n + 1));
        if (!n) {
                free(field);
                return -ENOMEM;
        }
        e->iov = n;
        e->iov[e->n++] = (struct iovec) { .iov_base = field, .iov_len = (size_t) k };
        return 0;
}

static int entries_push(struct journal_entries *es, struct journal_entry *e) {
        struct journal_entry *n = realloc(es->items, sizeof(*n) * (es->n + 1));

        if (!n)
                return -ENOMEM;
        es->items = n;
        es->items[es->n++] = *e;
        *e = (struct journal_entry) {};
        return 0;
}

static int build_finding(const struct finding *x, struct journal_entry *e, size_t *skipped) {
        const struct finding_kind *kind = finding_kind_lookup(x->id);
        int k = 0;

        if (x->subject && x->message)
                k |= entry_add(e, "MESSAGE", "%s: %s", x->subject, x->message);
        else
                k |= entry_add(e, "MESSAGE", "%s", x->message ? x->message : kind ? kind->title : x->id);
        if (kind)
                k |= entry_add(e, "MESSAGE_ID", "%s", kind->message_id);
        k |= entry_add(e, "PRIORITY", "%d", journal_priority(x->severity));
        k |= entry_add(e, "SYSLOG_IDENTIFIER", "%s", KDV_SYSLOG_IDENTIFIER);
        k |= entry_add(e, "FINDING", "%s", x->id);
        k |= entry_add(e, "SEVERITY", "%s", severity_to_string(x->severity));
        if (x->subject)
                k |= entry_add(e, "SUBJECT", "%s", x->subject);
        if (x->remedy)
                k |= entry_add(e, "REMEDY", "%s", x->remedy);
        for (size_t i = 0; i < x->n_fields; i++) {
                const struct finding_field *fl = &x->fields[i];

                if (!fl->value || !journal_field_name_valid(fl->key) || field_reserved(fl->key)) {
                        (*skipped)++;
                        continue;
                }
                k |= entry_add(e, fl->key, "%s", fl->value);
        }
        return k < 0 ? -ENOMEM : 0;
}

static int build_summary(const struct findings *f, const struct snapshot *s, const struct plan *p,
                         struct journal_entry *e) {
        enum severity v = findings_verdict(f);
        size_t n_err = 0, n_warn = 0, n_unknown = 0;
        int k = 0;

        for (size_t i = 0; i < f->n; i++)
                switch (f->items[i].severity) {
                case SEVERITY_ERROR: n_err++; break;
                case SEVERITY_WARNING: n_warn++; break;
                case SEVERITY_UNKNOWN: n_unknown++; break;
                default: break;
                }

        switch (v) {
        case SEVERITY_ERROR:
                k |= entry_add(e, "MESSAGE", "kdump is expected to fail: %zu error(s), %zu warning(s)", n_err, n_warn);
                break;
        case SEVERITY_UNKNOWN:
                k |= entry_add(e, "MESSAGE", "kdump could not be fully validated: %zu aspect(s) unknown, %zu warning(s)",
                               n_unknown, n_warn);
                break;
        case SEVERITY_WARNING:
                k |= entry_add(e, "MESSAGE", "kdump should work, with %zu warning(s)", n_warn);
                break;
        default:
                k |= entry_add(e, "MESSAGE", "kdump configuration validated: no problems found");
                break;
        }
        k |= entry_add(e, "MESSAGE_ID", "%s", KDV_MESSAGE_ID_VERDICT);
        /* The findings carry their own severity; the summary stays at notice so that
         * "journalctl -p err" lists each problem once. */
        k |= entry_add(e, "PRIORITY", "%d", v == SEVERITY_INFO ? 6 : 5);
        k |= entry_add(e, "SYSLOG_IDENTIFIER", "%s", KDV_SYSLOG_IDENTIFIER);
        k |= entry_add(e, "VERDICT", "%s", v == SEVERITY_INFO ? "ok" : severity_to_string(v));
        k |= entry_add(e, "EXIT_STATUS", "%d", verdict_exit_status(f));
        k |= entry_add(e, "FINDINGS", "%zu", f->n);
        k |= entry_add(e, "ERRORS", "%zu", n_err);
        k |= entry_add(e, "WARNINGS", "%zu", n_warn);
        if (s && s->kernel_release)
                k |= entry_add(e, "KERNEL_RELEASE", "%s", s->kernel_release);
        if (s)
                k |= entry_add(e, "KDUMP_FLAVOR", "%s", kdump_flavor_to_string(s->flavor));
        if (p) {
                if (p->capture.cmdline_known)
                        k |= entry_add(e, "CAPTURE_CPUS", "%u", p->capture.cpus);
                if (p->vectors.applicable) {
                        k |= entry_add(e, "VECTORS_DEMAND", "%u", p->vectors.demand);
                        k |= entry_add(e, "VECTORS_CAPACITY", "%u", p->vectors.capacity);
                }
                if (p->crashkernel.facts_known)
                        k |= entry_add(e, "CRASHKERNEL_RESERVED_BYTES", "%" PRIu64, p->crashkernel.reserved);
                if (p->memory.known)
                        k |= entry_add(e, "MEMORY_ESTIMATE_BYTES", "%" PRIu64, p->memory.estimate);
        }
        return k < 0 ? -ENOMEM : 0;
}

int journal_build(const struct findings *f, const struct snapshot *s, const struct plan *p,
                  struct journal_entries *ret) {
        struct journal_entries es = {};
        struct journal_entry e = {};
        int k;

        for (size_t i = 0; i < f->n; i++) {
                k = build_finding(&f->items[i], &e, &es.skipped_fields);
                if (k >= 0)
                        k = entries_push(&es, &e);
                if (k < 0)
                        goto fail;
        }
        k = build_summary(f, s, p, &e);
        if (k >= 0)
                k = entries_push(&es, &e);
        if (k < 0)
                goto fail;
        *ret = es;
        return 0;
fail:
        entry_free(&e);
        journal_entries_clear(&es);
        return k;
}

static bool needs_binary(const char *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) v[i] < 0x20 && v[i] != '\t')
                        return true;
        return false;
}

int journal_format_findings(const struct findings *f, const struct snapshot *s, const struct plan *p,
                            struct strbuf *out) {
        struct journal_entries es = {};
        int k;

        k = journal_build(f, s, p, &es);
        if (k < 0)
                return k;
        for (size_t i = 0; i < es.n; i++) {
                for (size_t j = 0; j < es.items[i].n; j++) {
                        const char *field = es.items[i].iov[j].iov_base;
                        size_t len = es.items[i].iov[j].iov_len;
                        const char *eq = memchr(field, '=', len);
                        size_t klen = (size_t) (eq - field), vlen = len - klen - 1;

                        if (!needs_binary(eq + 1, vlen)) {
                                strbuf_appendn(out, field, len);
                                strbuf_append(out, "\n");
                        } else {
                                unsigned char le[8];
                                for (unsigned b = 0; b < 8; b++)
                                        le[b] = (unsigned char) ((uint64_t) vlen >> (8 * b));
                                strbuf_appendn(out, field, klen);
                                strbuf_append(out, "\n");
                                strbuf_appendn(out, (const char *) le, 8);
                                strbuf_appendn(out, eq + 1, vlen);
                                strbuf_append(out, "\n");
                        }
                }
                strbuf_append(out, "\n");
        }
        journal_entries_clear(&es);
        return out->oom ? -ENOMEM : 0;
}

int journal_log_findings(const struct findings *f, const struct snapshot *s, const struct plan *p) {
        struct journal_entries es = {};
        int k, r = 0;

        k = dlopen_libsystemd();
        if (k < 0)
                return k;
        k = journal_build(f, s, p, &es);
        if (k < 0)
                return k;
        for (size_t i = 0; i < es.n; i++) {
                k = sym_sd_journal_sendv(es.items[i].iov, (int) es.items[i].n);
                if (k < 0 && r == 0)
                        r = k;
        }
        journal_entries_clear(&es);
        return r;
}
