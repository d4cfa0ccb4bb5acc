/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The human report: a one-line verdict, a short block of facts, then the findings grouped by
 * severity, each with what was seen and the concrete fix. Wrapped at 100 columns. Every string
 * that came from the machine is sanitised: control characters and invalid UTF-8 never reach
 * the terminal (a hostile device name must not be able to send escape sequences). */
#include <inttypes.h>

#include "kdv/report.h"

#define WIDTH 100

#define ANSI_RED     "\033[1;31m"
#define ANSI_YELLOW  "\033[1;33m"
#define ANSI_MAGENTA "\033[1;35m"
#define ANSI_BLUE    "\033[1;34m"
#define ANSI_GREEN   "\033[1;32m"
#define ANSI_BOLD    "\033[1m"
#define ANSI_RESET   "\033[0m"

struct tw {
        struct strbuf *sb;
        bool color;
};

static void tw_color(struct tw *t, const char *seq) {
        if (t->color)
                strbuf_append(t->sb, seq);
}

/* Length of a valid UTF-8 sequence at p, 0 if invalid (same rules as RFC 3629). */
static size_t utf8_len(const unsigned char *p) {
        unsigned char c = p[0];

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                return (p[1] & 0xc0) == 0x80 ? 2 : 0;
        if (c >= 0xe0 && c <= 0xef) {
                unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
                return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
        }
        if (c >= 0xf0 && c <= 0xf4) {
                unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
                return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
        }
        return 0;
}

/* Copy s into a new buffer with control characters (except '\n' when keep_newlines) shown as
 * "\xNN" and invalid UTF-8 bytes as "\xNN" too. Returns NULL on OOM. */
static char *sanitize(const char *s, bool keep_newlines) {
        struct strbuf sb = {};
        const unsigned char *p = (const unsigned char *) strempty(s);

        strbuf_append(&sb, "");
        while (*p) {
                size_t l;

                if (*p == '\n' && keep_newlines) {
                        strbuf_append(&sb, "\n");
                        p++;
                        continue;
                }
                if (*p == '\t') {
                        strbuf_append(&sb, " ");
                        p++;
                        continue;
                }
                if (*p < 0x20 || *p == 0x7f) {
                        strbuf_printf(&sb, "\\x%02x", *p);
                        p++;
                        continue;
                }
                l = utf8_len(p);
                if (l == 0) {
                        strbuf_printf(&sb, "\\x%02x", *p);
                        p++;
                        continue;
                }
                /* C1 controls (U+0080..U+009F) act as escape introducers on some terminals. */
                if (l == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
                        strbuf_printf(&sb, "\\u%04x", p[1]);
                        p += 2;
                        continue;
                }
                strbuf_appendn(&sb, (const char *) p, l);
                p += l;
        }
        if (sb.oom) {
                strbuf_done(&sb);
                return NULL;
        }
        return sb.buf;
}

/* Display columns of n bytes of (sanitised, valid) UTF-8: one per code point. */
static size_t columns(const char *s, size_t n) {
        size_t c = 0;

        for (size_t i = 0; i < n; i++)
                if (((unsigned char) s[i] & 0xc0) != 0x80)
                        c++;
        return c;
}

/* Append raw (trusted or sanitised) text wrapped at WIDTH: the first line continues at column
 * `col`, following lines start with `indent` spaces. Newlines in text are hard breaks. */
static void wrap(struct tw *t, const char *text, size_t col, size_t indent) {
        const char *p = text;
        bool line_empty = true;

        while (*p) {
                size_t wlen, wcols;

                if (*p == '\n') {
                        strbuf_append(t->sb, "\n");
                        strbuf_printf(t->sb, "%*s", (int) indent, "");
                        col = indent;
                        line_empty = true;
                        p++;
                        while (*p == ' ')
                                p++;
                        continue;
                }
                if (*p == ' ') {
                        p++;
                        continue;
                }
                wlen = strcspn(p, " \n");
                wcols = columns(p, wlen);
                if (!line_empty && col + 1 + wcols > WIDTH) {
                        strbuf_append(t->sb, "\n");
                        strbuf_printf(t->sb, "%*s", (int) indent, "");
                        col = indent;
                        line_empty = true;
                }
                if (!line_empty) {
                        strbuf_append(t->sb, " ");
                        col++;
                }
                strbuf_appendn(t->sb, p, wlen);
                col += wcols;
                line_empty = false;
                p += wlen;
        }
}

/* Untrusted text, sanitised then wrapped. */
static void wrap_untrusted(struct tw *t, const char *text, size_t col, size_t indent) {
        _cleanup_free_ char *clean = sanitize(text, true);

        if (!clean) {
                t->sb->oom = true;
                return;
        }
        wrap(t, clean, col, indent);
}

/* ---- the verdict line ---- */

static const struct finding *first_of(const struct findings *f, enum severity sev, size_t *count) {
        const struct finding *first = NULL;

        *count = 0;
        for (size_t i = 0; i < f->n; i++)
                if (f->items[i].severity == sev) {
                        if (!first)
                                first = &f->items[i];
                        (*count)++;
                }
        return first;
}

static bool has_finding(const struct findings *f, const char *id, enum severity sev) {
        for (size_t i = 0; i < f->n; i++)
                if (streq(f->items[i].id, id) && f->items[i].severity == sev)
                        return true;
        return false;
}

static void text_verdict(struct tw *t, const struct findings *f) {
        enum severity v = findings_verdict(f);
        size_t n_err, n_warn, n_unk;
        const struct finding *unk;
        struct strbuf line = {};
        const char *word, *color;

        (void) first_of(f, SEVERITY_ERROR, &n_err);
        (void) first_of(f, SEVERITY_WARNING, &n_warn);
        unk = first_of(f, SEVERITY_UNKNOWN, &n_unk);

        switch (v) {
        case SEVERITY_ERROR:
                word = "ERROR";
                color = ANSI_RED;
                strbuf_append(&line, "kdump is expected to fail on this machine");
                break;
        case SEVERITY_WARNING:
                word = "WARNING";
                color = ANSI_YELLOW;
                strbuf_append(&line, "kdump should work, but see the warnings below");
                break;
        case SEVERITY_UNKNOWN: {
                _cleanup_free_ char *why = NULL;

                word = "UNKNOWN";
                color = ANSI_MAGENTA;
                why = sanitize(unk && unk->message ? unk->message : "a required input is missing", false);
                if (why) {
                        /* The first sentence is enough here; the full message follows below. */
                        char *dot = strstr(why, ". ");
                        size_t l;
                        if (dot)
                                *dot = 0;
                        l = strlen(why);
                        if (l > 0 && why[l - 1] == '.')
                                why[l - 1] = 0;
                }
                strbuf_printf(&line, "could not validate: %s", strempty(why));
                if (n_unk > 1)
                        strbuf_printf(&line, " (and %zu more)", n_unk - 1);
                break;
        }
        case SEVERITY_INFO:
        default:
                word = "OK";
                color = ANSI_GREEN;
                if (has_finding(f, "kdump.not-configured", SEVERITY_INFO))
                        strbuf_append(&line, "kdump is not set up on this machine; nothing to validate");
                else
                        strbuf_append(&line, "no problems found; kdump is expected to capture a vmcore");
                break;
        }

        strbuf_append(t->sb, "kdump-validate: ");
        tw_color(t, color);
        strbuf_append(t->sb, word);
        tw_color(t, ANSI_RESET);
        strbuf_append(t->sb, " — ");
        if (line.oom)
                t->sb->oom = true;
        else
                wrap(t, line.buf, strlen("kdump-validate: ") + strlen(word) + 3, 4);
        strbuf_append(t->sb, "\n");
        if (v == SEVERITY_ERROR || v == SEVERITY_WARNING)
                strbuf_printf(t->sb, "%zu error%s, %zu warning%s%s\n",
                              n_err, n_err == 1 ? "" : "s", n_warn, n_warn == 1 ? "" : "s",
                              n_unk > 0 ? ", and some checks could not be made" : "");
        strbuf_done(&line);
}

/* ---- facts ---- */

#define LABEL_WIDTH 15

static void fact_line(struct tw *t, const char *label, const char *value) {
        _cleanup_free_ char *clean = sanitize(value, false);

        if (!clean) {
                t->sb->oom = true;
                return;
        }
        strbuf_printf(t->sb, "%*s: ", LABEL_WIDTH, label);
        wrap(t, clean, LABEL_WIDTH + 2, LABEL_WIDTH + 2);
        strbuf_append(t->sb, "\n");
}

static void text_facts(struct tw *t, const struct snapshot *s, const struct plan *p) {
        const struct crashkernel_request *r = &p->crashkernel.request;
        const struct capture_plan *c = &p->capture;
        const struct vectors_plan *v = &p->vectors;
        const struct dump_target *d = &s->dump_target;
        struct strbuf sb = {};
        char a[32], b[32];

        strbuf_printf(&sb, "%s (%s)", s->kernel_release ? s->kernel_release : "unknown",
                      s->arch ? s->arch : "unknown architecture");
        fact_line(t, "Kernel", sb.buf);
        strbuf_done(&sb);

        if (s->flavor != KDUMP_FLAVOR_NONE) {
                strbuf_printf(&sb, "%s", kdump_flavor_to_string(s->flavor));
                if (s->kdump_sysconfig.path)
                        strbuf_printf(&sb, " (%s)", s->kdump_sysconfig.path);
                if (s->kdump_enabled_known && !s->kdump_enabled)
                        strbuf_append(&sb, ", disabled");
        } else
                strbuf_append(&sb, "not configured");
        fact_line(t, "kdump", sb.buf);
        strbuf_done(&sb);

        /* crashkernel=: what was asked, what the kernel set aside, whether kdump loaded. */
        if (r->present) {
                strbuf_printf(&sb, "crashkernel=%s", strempty(r->text));
                if (r->valid && r->size > 0)
                        strbuf_printf(&sb, " (%s)", format_size(r->size, a));
                else if (!r->valid)
                        strbuf_append(&sb, " (invalid)");
        } else if (s->cmdline_state == FACT_OK)
                strbuf_append(&sb, "none on the kernel command line");
        else
                strbuf_append(&sb, "unknown (no kernel command line)");
        if (p->crashkernel.facts_known)
                strbuf_printf(&sb, ", reserved %s", p->crashkernel.reserved ? format_size(p->crashkernel.reserved, b) : "nothing");
        else if (s->kexec.crash_size_state == FACT_OK)
                strbuf_printf(&sb, ", reserved %s", s->kexec.crash_size ? format_size(s->kexec.crash_size, b) : "nothing");
        else
                strbuf_append(&sb, ", reservation unknown");
        if (p->crashkernel.loaded_known ? p->crashkernel.loaded : (s->kexec.crash_loaded_state == FACT_OK && s->kexec.crash_loaded))
                strbuf_append(&sb, ", capture kernel loaded");
        else if (p->crashkernel.loaded_known || s->kexec.crash_loaded_state == FACT_OK)
                strbuf_append(&sb, ", capture kernel not loaded");
        fact_line(t, "crashkernel", sb.buf);
        strbuf_done(&sb);

        if (p->memory.known) {
                strbuf_printf(&sb, "needs about %s", format_size(p->memory.estimate, a));
                if (p->memory.recommended > 0) {
                        char k[32];
                        strbuf_printf(&sb, "; recommended crashkernel=%s", format_kernel_size(p->memory.recommended, k));
                }
                fact_line(t, "Capture memory", sb.buf);
                strbuf_done(&sb);
        }

        if (c->cmdline_known)
                fact_line(t, "Capture cmdline", c->cmdline);
        if (c->cpus > 0) {
                strbuf_printf(&sb, "%u", c->cpus);
                if (c->cpus_from_cmdline && c->cpus_param)
                        strbuf_printf(&sb, " (%s)", c->cpus_param);
                else
                        strbuf_append(&sb, " (all CPUs: no nr_cpus= or maxcpus=)");
                fact_line(t, "Capture CPUs", sb.buf);
                strbuf_done(&sb);
        }
        if (c->blacklist && c->blacklist[0]) {
                for (char **i = c->blacklist; *i; i++)
                        strbuf_printf(&sb, "%s%s", i == c->blacklist ? "" : ", ", *i);
                fact_line(t, "Kept out", sb.buf);
                strbuf_done(&sb);
        }

        if (d->spec || d->kind != DUMP_TARGET_UNKNOWN) {
                strbuf_append(&sb, d->spec ? d->spec : "default");
                if (d->block_device)
                        strbuf_printf(&sb, " → %s", d->block_device);
                if (d->pci_slot)
                        strbuf_printf(&sb, " (PCI %s)", d->pci_slot);
                if (!d->block_device && !d->pci_slot && d->why_unresolved)
                        strbuf_printf(&sb, " (device unknown: %s)", d->why_unresolved);
                fact_line(t, "Dump target", sb.buf);
                strbuf_done(&sb);
        }

        if (v->applicable) {
                strbuf_printf(&sb, "%u needed of %u (%u per CPU × %u CPU%s)",
                              v->demand, v->capacity, v->capacity_per_cpu, v->capture_cpus,
                              v->capture_cpus == 1 ? "" : "s");
                if (v->upper_bound)
                        strbuf_append(&sb, "; upper bound: drivers bound now, not the kdump initramfs");
                fact_line(t, "IRQ vectors", sb.buf);
                strbuf_done(&sb);
        }
        if (sb.oom)
                t->sb->oom = true;
}

/* ---- findings ---- */

static void text_finding(struct tw *t, const struct finding *x, const char *color, const char *mark) {
        _cleanup_free_ char *subject = sanitize(x->subject, false);

        if (!subject) {
                t->sb->oom = true;
                return;
        }
        strbuf_append(t->sb, "  ");
        tw_color(t, color);
        strbuf_append(t->sb, mark);
        tw_color(t, ANSI_RESET);
        strbuf_append(t->sb, " ");
        tw_color(t, ANSI_BOLD);
        strbuf_printf(t->sb, "[%s]", x->id);
        tw_color(t, ANSI_RESET);
        if (*subject) {
                strbuf_append(t->sb, " ");
                wrap(t, subject, 5 + strlen(x->id) + 2, 6);
        }
        strbuf_append(t->sb, "\n");
        if (x->message) {
                strbuf_append(t->sb, "    ");
                wrap_untrusted(t, x->message, 4, 4);
                strbuf_append(t->sb, "\n");
        }
        if (x->remedy) {
                strbuf_append(t->sb, "    ");
                tw_color(t, ANSI_BOLD);
                strbuf_append(t->sb, "Fix:");
                tw_color(t, ANSI_RESET);
                strbuf_append(t->sb, " ");
                wrap_untrusted(t, x->remedy, 9, 9);
                strbuf_append(t->sb, "\n");
        }
}

static void text_findings(struct tw *t, const struct findings *f) {
        static const struct {
                enum severity sev;
                const char *title, *color, *mark;
        } groups[] = {
                { SEVERITY_ERROR,   "Errors (kdump will fail)",  ANSI_RED,     "x" },
                { SEVERITY_WARNING, "Warnings",                  ANSI_YELLOW,  "!" },
                { SEVERITY_UNKNOWN, "Could not check",           ANSI_MAGENTA, "?" },
                { SEVERITY_INFO,    "Notes",                     ANSI_BLUE,    "-" },
        };

        for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
                size_t n;

                (void) first_of(f, groups[g].sev, &n);
                if (n == 0)
                        continue;
                strbuf_append(t->sb, "\n");
                tw_color(t, groups[g].color);
                strbuf_printf(t->sb, "%s:", groups[g].title);
                tw_color(t, ANSI_RESET);
                strbuf_append(t->sb, "\n");
                for (size_t i = 0; i < f->n; i++)
                        if (f->items[i].severity == groups[g].sev)
                                text_finding(t, &f->items[i], groups[g].color, groups[g].mark);
        }
}

int report_text(const struct snapshot *s, const struct plan *p, const struct findings *f,
                bool color, struct strbuf *out) {
        struct tw t = { .sb = out, .color = color };

        if (!s || !p || !f || !out)
                return -EINVAL;

        text_verdict(&t, f);
        strbuf_append(out, "\n");
        text_facts(&t, s, p);
        text_findings(&t, f);

        return out->oom ? -ENOMEM : 0;
}
