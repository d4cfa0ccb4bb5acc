/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>

#include "kdv/findings.h"
#include "kdv/util.h"

const char *severity_to_string(enum severity s) {
        switch (s) {
        case SEVERITY_INFO: return "info";
        case SEVERITY_WARNING: return "warning";
        case SEVERITY_ERROR: return "error";
        case SEVERITY_UNKNOWN: default: return "unknown";
        }
}

struct finding *findings_add(struct findings *f, const char *id, enum severity sev,
                             const char *subject, const char *message, const char *remedy) {
        struct finding *n, *item;

        if (!finding_kind_lookup(id))
                abort();  /* programming error: every id must be in the catalog */
        n = realloc(f->items, sizeof(*n) * (f->n + 1));
        if (!n)
                return NULL;
        f->items = n;
        item = &f->items[f->n++];
        *item = (struct finding) {
                .id = id,
                .severity = sev,
                .subject = subject ? strdup(subject) : NULL,
                .message = message ? strdup(message) : NULL,
                .remedy = remedy ? strdup(remedy) : NULL,
        };
        return item;
}

struct finding *findings_add_take(struct findings *f, const char *id, enum severity sev,
                                  const char *subject, char *message, char *remedy) {
        struct finding *x = NULL;

        if (message)
                x = findings_add(f, id, sev, subject, message, remedy);
        free(message);
        free(remedy);
        return x;
}

void finding_add_field(struct finding *f, const char *key, const char *fmt, ...) {
        struct finding_field *n;
        va_list ap;
        char *v;

        if (!f)
                return;
        va_start(ap, fmt);
        if (vasprintf(&v, fmt, ap) < 0)
                v = NULL;
        va_end(ap);
        if (!v)
                return;
        n = realloc(f->fields, sizeof(*n) * (f->n_fields + 1));
        if (!n) {
                free(v);
                return;
        }
        f->fields = n;
        f->fields[f->n_fields++] = (struct finding_field) { .key = strdup(key), .value = v };
}

void findings_clear(struct findings *f) {
        for (size_t i = 0; i < f->n; i++) {
                struct finding *x = &f->items[i];
                free(x->subject);
                free(x->message);
                free(x->remedy);
                for (size_t j = 0; j < x->n_fields; j++) {
                        free(x->fields[j].key);
                        free(x->fields[j].value);
                }
                free(x->fields);
        }
        free(f->items);
        *f = (struct findings) {};
}

/* Errors outrank "could not validate": a known failure is the most useful thing to report. */
enum severity findings_verdict(const struct findings *f) {
        bool warn = false, unknown = false;

        for (size_t i = 0; i < f->n; i++)
                switch (f->items[i].severity) {
                case SEVERITY_ERROR: return SEVERITY_ERROR;
                case SEVERITY_WARNING: warn = true; break;
                case SEVERITY_UNKNOWN: unknown = true; break;
                default: break;
                }
        if (unknown)
                return SEVERITY_UNKNOWN;
        return warn ? SEVERITY_WARNING : SEVERITY_INFO;
}

int verdict_exit_status(const struct findings *f) {
        switch (findings_verdict(f)) {
        case SEVERITY_ERROR: return 2;
        case SEVERITY_UNKNOWN: return 3;
        case SEVERITY_WARNING: return 1;
        default: return 0;
        }
}

/* Parameters kdump appends after a "--" inherited from /proc/cmdline go to init, not the kernel. */
static int findings_capture(const struct snapshot *s, const struct plan *p, struct findings *f) {
        const struct capture_plan *c = &p->capture;
        _cleanup_free_ char *words = NULL, *msg = NULL, *remedy = NULL;
        struct strbuf sb = {};
        struct finding *x;
        const char *var;

        if (!c->ignored_params || !c->ignored_params[0])
                return 0;
        for (char **w = c->ignored_params; *w; w++) {
                if (sb.len)
                        strbuf_append(&sb, " ");
                strbuf_append(&sb, *w);
        }
        if (sb.oom)
                return -ENOMEM;
        words = sb.buf;
        var = s->flavor == KDUMP_FLAVOR_DEBIAN ? "KDUMP_CMDLINE" : "KDUMP_COMMANDLINE";
        if (asprintf(&msg, "The capture kernel's command line is built from /proc/cmdline, which ends in "
                     "init arguments after a bare \"--\"; what kdump appends lands after it, and the kernel "
                     "hands those words to init (kernel/params.c parse_args): %s have no effect, and the "
                     "capture kernel brings up %u CPU%s.", words, c->cpus, c->cpus == 1 ? "" : "s") < 0 ||
            asprintf(&remedy, "set %s in /%s to the kernel parameters of /proc/cmdline without the \"--\" "
                     "and what follows it", var, strempty(s->kdump_sysconfig.path)) < 0)
                return -ENOMEM;
        x = findings_add(f, "capture.params-ignored", SEVERITY_WARNING, "capture kernel command line", msg, remedy);
        if (!x)
                return -ENOMEM;
        finding_add_field(x, "IGNORED_PARAMS", "%s", words);
        return 0;
}

int findings_build(const struct snapshot *s, const struct plan *p, const struct findings_options *o,
                   struct findings *ret) {
        int k;

        k = findings_inputs(s, p, ret);
        if (k >= 0)
                k = findings_capture(s, p, ret);
        if (k >= 0)
                k = findings_crashkernel(s, p, ret);
        if (k >= 0)
                k = findings_memory(s, p, ret);
        /* Without a kdump configuration nothing loads a capture kernel and its command line is
         * unknown: a vector prediction would be about a hypothetical kernel, so it stays out of
         * the verdict (the numbers are still in the report). */
        if (k >= 0 && s->flavor != KDUMP_FLAVOR_NONE)
                k = findings_vectors(s, p, o, ret);
        return k;
}
