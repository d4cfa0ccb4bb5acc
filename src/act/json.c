/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON report. The schema is stable (fleets parse it): key names and order never change,
 * sizes are bytes as JSON numbers, anything unknown is null. Documented in kdump-validate(8),
 * section JSON OUTPUT. Output is deterministic: fixed key order, 2-space indent, trailing newline. */
#include <inttypes.h>

#include "kdv/report.h"

/* ---- string escaping (RFC 8259) ---- */

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if the bytes there are not valid UTF-8
 * (overlong forms, surrogates, code points above U+10FFFF, truncated sequences: RFC 3629 §4). */
static size_t utf8_valid_len(const unsigned char *p) {
        unsigned char c = p[0];

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                return (p[1] & 0xc0) == 0x80 ? 2 : 0;
        if (c >= 0xe0 && c <= 0xef) {
                unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
                if (p[1] < lo || p[1] > hi)
                        return 0;
                return (p[2] & 0xc0) == 0x80 ? 3 : 0;
        }
        if (c >= 0xf0 && c <= 0xf4) {
                unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
                if (p[1] < lo || p[1] > hi)
                        return 0;
                if ((p[2] & 0xc0) != 0x80)
                        return 0;
                return (p[3] & 0xc0) == 0x80 ? 4 : 0;
        }
        return 0;  /* 0x80..0xc1 (continuation / overlong lead), 0xf5..0xff */
}

void json_escape(struct strbuf *out, const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        if (!s) {
                strbuf_append(out, "null");
                return;
        }
        strbuf_append(out, "\"");
        while (*p) {
                const unsigned char *run = p;
                size_t l;

                /* Copy plain printable runs in one go. */
                while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
                        p++;
                if (p > run)
                        strbuf_appendn(out, (const char *) run, (size_t) (p - run));
                if (!*p)
                        break;

                switch (*p) {
                case '"':  strbuf_append(out, "\\\""); p++; continue;
                case '\\': strbuf_append(out, "\\\\"); p++; continue;
                case '\n': strbuf_append(out, "\\n"); p++; continue;
                case '\r': strbuf_append(out, "\\r"); p++; continue;
                case '\t': strbuf_append(out, "\\t"); p++; continue;
                case '\b': strbuf_append(out, "\\b"); p++; continue;
                case '\f': strbuf_append(out, "\\f"); p++; continue;
                default: break;
                }
                if (*p < 0x20 || *p == 0x7f) {
                        /* Other control characters (and DEL, harmless in JSON but not on a terminal). */
                        strbuf_printf(out, "\\u%04x", *p);
                        p++;
                        continue;
                }
                l = utf8_valid_len(p);
                if (l == 0) {
                        /* One replacement character per invalid byte, then resynchronise. */
                        strbuf_append(out, "\\ufffd");
                        p++;
                        continue;
                }
                strbuf_appendn(out, (const char *) p, l);
                p += l;
        }
        strbuf_append(out, "\"");
}

/* ---- a tiny pretty-printing writer ---- */

#define JW_MAX_DEPTH 16

struct jw {
        struct strbuf *sb;
        unsigned depth;
        bool has_items[JW_MAX_DEPTH];   /* per open container: something was written already */
};

static void jw_indent(struct jw *w) {
        for (unsigned i = 0; i < w->depth; i++)
                strbuf_append(w->sb, "  ");
}

/* Start a new member (key may be NULL inside arrays): comma, newline, indent, key. */
static void jw_member(struct jw *w, const char *key) {
        if (w->depth > 0) {
                if (w->has_items[w->depth - 1])
                        strbuf_append(w->sb, ",");
                w->has_items[w->depth - 1] = true;
                strbuf_append(w->sb, "\n");
                jw_indent(w);
        }
        if (key) {
                json_escape(w->sb, key);
                strbuf_append(w->sb, ": ");
        }
}

static void jw_open(struct jw *w, const char *key, char c) {
        jw_member(w, key);
        strbuf_appendn(w->sb, &c, 1);
        if (w->depth < JW_MAX_DEPTH)
                w->has_items[w->depth] = false;
        w->depth++;
}

static void jw_close(struct jw *w, char c) {
        bool had;

        w->depth--;
        had = w->depth < JW_MAX_DEPTH && w->has_items[w->depth];
        if (had) {
                strbuf_append(w->sb, "\n");
                jw_indent(w);
        }
        strbuf_appendn(w->sb, &c, 1);
}

static void jw_object(struct jw *w, const char *key) { jw_open(w, key, '{'); }
static void jw_object_end(struct jw *w) { jw_close(w, '}'); }
static void jw_array(struct jw *w, const char *key) { jw_open(w, key, '['); }
static void jw_array_end(struct jw *w) { jw_close(w, ']'); }

static void jw_string(struct jw *w, const char *key, const char *value) {
        jw_member(w, key);
        json_escape(w->sb, value);      /* NULL → null */
}

static void jw_null(struct jw *w, const char *key) {
        jw_member(w, key);
        strbuf_append(w->sb, "null");
}

static void jw_u64(struct jw *w, const char *key, uint64_t v) {
        jw_member(w, key);
        strbuf_printf(w->sb, "%" PRIu64, v);
}

static void jw_u64_or_null(struct jw *w, const char *key, bool known, uint64_t v) {
        if (known)
                jw_u64(w, key, v);
        else
                jw_null(w, key);
}

static void jw_bool(struct jw *w, const char *key, bool v) {
        jw_member(w, key);
        strbuf_append(w->sb, v ? "true" : "false");
}

static void jw_bool_or_null(struct jw *w, const char *key, bool known, bool v) {
        if (known)
                jw_bool(w, key, v);
        else
                jw_null(w, key);
}

/* ---- sections ---- */

static const char *verdict_to_string(enum severity v) {
        /* The verdict "info" means nothing worse than notes: report it as "ok". */
        return v == SEVERITY_INFO ? "ok" : severity_to_string(v);
}

/* "file:line: message", "file: message" or "message"; NULL when there is nothing to say. */
static void jw_fact_error(struct jw *w, enum fact_state state, const struct fact_error *e) {
        struct strbuf sb = {};

        if (state != FACT_INVALID && !e->message) {
                jw_null(w, "error");
                return;
        }
        if (e->file) {
                strbuf_append(&sb, e->file);
                if (e->line > 0)
                        strbuf_printf(&sb, ":%u", e->line);
                strbuf_append(&sb, ": ");
        }
        strbuf_append(&sb, e->message ? e->message : "malformed");
        if (sb.oom)
                w->sb->oom = true;
        jw_string(w, "error", sb.buf);
        strbuf_done(&sb);
}

static void jw_fact(struct jw *w, const char *key, enum fact_state state, const struct fact_error *e) {
        jw_object(w, key);
        jw_string(w, "state", fact_state_to_string(state));
        if (e)
                jw_fact_error(w, state, e);
        else
                jw_null(w, "error");
}

static enum fact_state kexec_state(const struct kexec_state *k) {
        if (k->crash_size_state == FACT_INVALID || k->crash_loaded_state == FACT_INVALID)
                return FACT_INVALID;
        if (k->crash_size_state == FACT_OK && k->crash_loaded_state == FACT_OK)
                return FACT_OK;
        return FACT_MISSING;
}

static void json_facts(struct jw *w, const struct snapshot *s) {
        const struct fact_error none = {};
        enum fact_state st;

        jw_object(w, "facts");

        jw_fact(w, "proc/cmdline", s->cmdline_state, NULL);
        jw_object_end(w);

        jw_fact(w, "proc/iomem", s->iomem.state, &s->iomem.error);
        jw_bool(w, "addresses_hidden", s->iomem.state == FACT_OK && s->iomem.all_zero);
        jw_object_end(w);

        jw_fact(w, "proc/meminfo", s->meminfo.state, &s->meminfo.error);
        jw_object_end(w);

        jw_fact(w, "proc/interrupts", s->interrupts.state, &s->interrupts.error);
        jw_object_end(w);

        jw_fact(w, "cpus", s->cpus.state, &s->cpus.error);
        jw_object_end(w);

        st = kexec_state(&s->kexec);
        jw_fact(w, "kexec", st, NULL);
        jw_string(w, "crash_size", fact_state_to_string(s->kexec.crash_size_state));
        jw_string(w, "crash_loaded", fact_state_to_string(s->kexec.crash_loaded_state));
        jw_object_end(w);

        jw_fact(w, "pci", s->pci.state, &s->pci.error);
        jw_string(w, "source", s->pci.source == PCI_SOURCE_NONE ? NULL : pci_source_to_string(s->pci.source));
        jw_u64(w, "functions", s->pci.n_functions);
        jw_object_end(w);

        jw_fact(w, "kdump_config", s->kdump_sysconfig.state, &s->kdump_sysconfig.error);
        jw_string(w, "flavor", kdump_flavor_to_string(s->flavor));
        jw_string(w, "path", s->kdump_sysconfig.path);
        jw_bool_or_null(w, "enabled", s->kdump_enabled_known, s->kdump_enabled);
        jw_object_end(w);

        jw_fact(w, "kdump.conf", s->kdump_conf.state, &s->kdump_conf.error);
        jw_object_end(w);

        jw_fact(w, "initramfs", s->initramfs.state, &s->initramfs.error);
        jw_string(w, "path", s->initramfs.path);
        jw_u64(w, "modules", strv_length(s->initramfs.modules));
        jw_object_end(w);

        jw_fact(w, "modules", s->modules.state, &s->modules.error);
        jw_string(w, "dir", s->modules.dir);
        jw_object_end(w);

        /* Our own driver knowledge (conf/drivers.conf): not a machine fact, but an input. */
        st = s->driver_table_error.message ? FACT_INVALID : s->driver_table ? FACT_OK : FACT_MISSING;
        jw_fact(w, "driver_table", st, s->driver_table_error.message ? &s->driver_table_error : &none);
        jw_object_end(w);

        jw_object_end(w);
}

static void json_capture(struct jw *w, const struct snapshot *s, const struct capture_plan *c) {
        jw_object(w, "capture");
        jw_string(w, "cmdline", c->cmdline_known ? c->cmdline : NULL);
        jw_u64_or_null(w, "cpus", c->cpus > 0, c->cpus);
        jw_string(w, "cpus_param", c->cpus_param);
        jw_array(w, "blacklist");
        for (char **b = c->blacklist; b && *b; b++)
                jw_string(w, NULL, *b);
        jw_array_end(w);
        jw_string(w, "flavor", kdump_flavor_to_string(s->flavor));
        jw_object_end(w);
}

static void json_crashkernel(struct jw *w, const struct snapshot *s, const struct crashkernel_plan *ck) {
        const struct crashkernel_request *r = &ck->request;
        bool size_known, loaded_known, loaded;
        uint64_t size;

        /* The plan interprets the facts; when it has nothing, the raw sysfs facts still stand. */
        size_known = ck->crash_size_known || s->kexec.crash_size_state == FACT_OK;
        size = ck->crash_size_known ? ck->crash_size : s->kexec.crash_size;
        loaded_known = ck->loaded_known || s->kexec.crash_loaded_state == FACT_OK;
        loaded = ck->loaded_known ? ck->loaded : s->kexec.crash_loaded;

        jw_object(w, "crashkernel");
        jw_u64_or_null(w, "requested", r->present && r->valid && r->size > 0, r->size);
        jw_string(w, "requested_text", r->present ? r->text : NULL);
        jw_bool(w, "high", r->present && r->high);
        jw_u64_or_null(w, "low_requested", r->present && r->valid && (r->low_given || r->high), r->low_size);
        jw_u64_or_null(w, "reserved", ck->facts_known, ck->reserved);
        jw_u64_or_null(w, "reserved_low", ck->facts_known, ck->reserved_low);
        jw_bool_or_null(w, "loaded", loaded_known, loaded);
        jw_u64_or_null(w, "kexec_crash_size", size_known, size);
        jw_object_end(w);
}

static void json_memory(struct jw *w, const struct plan *p) {
        const struct memory_plan *m = &p->memory;

        jw_object(w, "memory");
        jw_u64_or_null(w, "estimate", m->known, m->estimate);
        if (m->known)
                jw_u64(w, "reserved", m->reserved);
        else
                jw_u64_or_null(w, "reserved", p->crashkernel.facts_known, p->crashkernel.reserved);
        jw_u64_or_null(w, "recommended", m->known && m->recommended > 0, m->recommended);
        jw_object_end(w);
}

static void json_vectors(struct jw *w, const struct vectors_plan *v) {
        if (!v->applicable) {
                jw_null(w, "vectors");
                return;
        }
        jw_object(w, "vectors");
        jw_u64(w, "capacity_per_cpu", v->capacity_per_cpu);
        jw_u64(w, "capture_cpus", v->capture_cpus);
        jw_u64(w, "capacity", v->capacity);
        jw_u64(w, "demand", v->demand);
        jw_u64_or_null(w, "min_cpus", v->min_cpus > 0, v->min_cpus);
        jw_bool(w, "upper_bound", v->upper_bound);
        jw_array(w, "devices");
        for (size_t i = 0; i < v->n_devices; i++) {
                const struct vector_device *d = &v->devices[i];
                jw_object(w, NULL);
                jw_string(w, "slot", d->slot);
                jw_string(w, "driver", d->driver);
                jw_u64(w, "vectors", d->vectors);
                jw_string(w, "fallback", d->fallback);
                jw_bool(w, "fails", d->fails);
                jw_bool(w, "dump_target", d->dump_target);
                jw_object_end(w);
        }
        jw_array_end(w);
        jw_object_end(w);
}

static void json_dump_target(struct jw *w, const struct dump_target *t) {
        jw_object(w, "dump_target");
        jw_string(w, "kind", dump_target_kind_to_string(t->kind));
        jw_string(w, "spec", t->spec);
        jw_string(w, "device", t->block_device);
        jw_string(w, "pci_slot", t->pci_slot);
        jw_object_end(w);
}

static void json_findings(struct jw *w, const struct findings *f) {
        jw_array(w, "findings");
        for (size_t i = 0; i < f->n; i++) {
                const struct finding *x = &f->items[i];
                const struct finding_kind *k = finding_kind_lookup(x->id);

                jw_object(w, NULL);
                jw_string(w, "id", x->id);
                jw_string(w, "severity", severity_to_string(x->severity));
                jw_string(w, "subject", x->subject);
                jw_string(w, "message", x->message);
                jw_string(w, "remedy", x->remedy);
                jw_string(w, "message_id", k ? k->message_id : NULL);
                jw_object(w, "fields");
                for (size_t j = 0; j < x->n_fields; j++) {
                        bool dup = false;

                        if (!x->fields[j].key)
                                continue;
                        /* A JSON object cannot repeat a key: the first value of a key wins. */
                        for (size_t l = 0; l < j && !dup; l++)
                                dup = streq_ptr(x->fields[l].key, x->fields[j].key);
                        if (!dup)
                                jw_string(w, x->fields[j].key, x->fields[j].value);
                }
                jw_object_end(w);
                jw_object_end(w);
        }
        jw_array_end(w);
}

int report_json(const struct snapshot *s, const struct plan *p, const struct findings *f,
                struct strbuf *out) {
        struct jw w = { .sb = out };

        if (!s || !p || !f || !out)
                return -EINVAL;

        jw_object(&w, NULL);
        jw_string(&w, "verdict", verdict_to_string(findings_verdict(f)));
        jw_string(&w, "arch", s->arch);
        jw_string(&w, "kernel", s->kernel_release);
        jw_string(&w, "root", s->root);
        json_capture(&w, s, &p->capture);
        json_crashkernel(&w, s, &p->crashkernel);
        json_memory(&w, p);
        json_vectors(&w, &p->vectors);
        json_dump_target(&w, &s->dump_target);
        json_facts(&w, s);
        json_findings(&w, f);
        jw_object_end(&w);
        strbuf_append(out, "\n");

        return out->oom ? -ENOMEM : 0;
}
