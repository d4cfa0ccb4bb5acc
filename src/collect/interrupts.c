/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/interrupts of the running kernel (evidence only: the capture kernel is a different boot).
 *
 * Layout, kernel/irq/proc.c show_interrupts() (v3.x-v6.x; irq_seq_show() in newer trees):
 *   header:  "%*s" then "CPU%-8d" for each online CPU
 *   device:  "%*d:" irq, " %10u" per online CPU (zero runs written as "          0", still one per
 *            CPU), then " %8s" chip name (irq_print_chip() may print e.g. "IR-PCI-MSIX-0000:00:02.0";
 *            "None"/"-" without chip), " %*lu" hwirq when the irq has a domain (blank otherwise),
 *            " Level"/" Edge" with CONFIG_GENERIC_IRQ_SHOW_LEVEL (arm64), "-%-8s" desc->name
 *            (the flow handler: "edge", "fasteoi"), then "  name" ", name"... for each action.
 *   arch:    arch_show_interrupts() (arch/x86/kernel/irq.c): "%*s:" symbol ("NMI", "LOC", ...), one
 *            count per online CPU and a description; "ERR:" and "MIS:" print a single global count.
 * Old 2.6 kernels printed chip->typename "-" handler name as one word ("IO-APIC-edge") and no hwirq.
 *
 * Representation: device rows fill chip / hwirq / actions; arch rows (non-numeric label) leave chip
 * and hwirq NULL and put their description ("Non-maskable interrupts") in actions. A row with fewer
 * counts than CPU columns is kept with the missing counts 0 only for arch rows (ERR/MIS). */
#include "kdv/collect.h"
#include "kdv/util.h"

#define INTERRUPTS_FILE "proc/interrupts"
/* NR_CPUS is at most 8192 on every architecture (x86 CONFIG_MAXSMP); leave room. */
#define INTERRUPTS_MAX_CPUS 65536u
/* Bound memory for crafted input: rows x CPU columns. A real file within KDV_MAX_PROC_FILE (16 MiB,
 * 11 bytes per count) holds at most ~1.5 M counts. */
#define INTERRUPTS_MAX_CELLS (1u << 22)

static void irq_line_done(struct irq_line *l) {
        free(l->irq);
        free(l->per_cpu);
        free(l->chip);
        free(l->hwirq);
        free(l->actions);
}

void interrupts_clear(struct interrupts *i) {
        if (!i)
                return;
        for (size_t k = 0; k < i->n_lines; k++)
                irq_line_done(&i->lines[k]);
        free(i->lines);
        i->lines = NULL;
        i->n_lines = 0;
        i->n_cpus = 0;
        fact_error_clear(&i->error);
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static const char *skip_blank(const char *p, const char *end) {
        while (p < end && is_blank(*p))
                p++;
        return p;
}

static const char *token_end(const char *p, const char *end) {
        while (p < end && !is_blank(*p))
                p++;
        return p;
}

static bool all_digits(const char *p, const char *end) {
        if (p >= end)
                return false;
        for (; p < end; p++)
                if (*p < '0' || *p > '9')
                        return false;
        return true;
}

/* A hwirq column: digits, optionally followed by "-handler" ("2-edge", "512000-edge"), or only the
 * "-handler" part when the irq has no domain ("-edge"). */
static bool is_hwirq_token(const char *p, const char *end) {
        if (p >= end)
                return false;
        if (*p == '-')
                return end - p > 1;
        if (*p < '0' || *p > '9')
                return false;
        while (p < end && *p >= '0' && *p <= '9')
                p++;
        return p == end || *p == '-';
}

static int strndup_range(const char *p, const char *end, char **ret) {
        while (end > p && is_blank(end[-1]))
                end--;
        if (end == p) {
                *ret = NULL;
                return 0;
        }
        *ret = strndup(p, (size_t) (end - p));
        return *ret ? 0 : -ENOMEM;
}

#define FAIL(...) do {                                                                  \
                fact_error_set(&res.error, INTERRUPTS_FILE, lineno, __VA_ARGS__);       \
                res.state = FACT_INVALID;                                               \
                r = -EBADMSG;                                                           \
                goto fail;                                                              \
        } while (0)

int interrupts_parse(const char *text, struct interrupts *ret) {
        struct interrupts res = {};
        struct irq_line l = {};         /* the row being parsed, owned here until appended */
        size_t cap = 0, cells = 0;
        unsigned lineno = 0;
        bool have_header = false;
        const char *p = text;
        int r;

        if (!text || !ret)
                return -EINVAL;
        *ret = (struct interrupts) {};

        while (*p) {
                const char *eol = strchr(p, '\n'), *line = p, *end, *q, *colon;
                bool device_row;
                unsigned n;
                int linelen;

                lineno++;
                end = eol ? eol : p + strlen(p);
                p = eol ? eol + 1 : end;
                if (end > line && end[-1] == '\r')      /* CRLF captures are tolerated */
                        end--;
                linelen = end - line > 60 ? 60 : (int) (end - line);

                q = skip_blank(line, end);
                if (q == end)
                        continue;       /* blank lines: never from the kernel, harmless */
                /* Every row ends with seq_putc(p, '\n') (kernel/irq/proc.c show_interrupts(),
                 * arch_show_interrupts()); a last row without one was cut off (a partial read or a
                 * copy truncated at a size limit) and its counts or names cannot be trusted. */
                if (!eol)
                        FAIL("last line \"%.*s\" ends without a newline: the file is truncated", linelen, line);

                if (!have_header) {
                        /* "           CPU0       CPU1 ..." */
                        while (q < end) {
                                const char *t = token_end(q, end);

                                if (t - q < 4 || strncmp(q, "CPU", 3) != 0 || !all_digits(q + 3, t))
                                        FAIL("expected the header of CPU columns (\"CPU0 CPU1 ...\"), got \"%.*s\"",
                                             linelen, line);
                                if (++res.n_cpus > INTERRUPTS_MAX_CPUS)
                                        FAIL("more than %u CPU columns", INTERRUPTS_MAX_CPUS);
                                q = skip_blank(t, end);
                        }
                        have_header = true;
                        continue;
                }

                colon = memchr(q, ':', (size_t) (end - q));
                if (!colon || colon == q || token_end(q, colon) != colon)
                        FAIL("expected \"IRQ: counts...\", got \"%.*s\"", linelen, line);
                device_row = all_digits(q, colon);

                if (cells + res.n_cpus > INTERRUPTS_MAX_CELLS)
                        FAIL("too many rows for %u CPU columns", res.n_cpus);
                cells += res.n_cpus;

                l.irq = strndup(q, (size_t) (colon - q));
                l.per_cpu = calloc(res.n_cpus, sizeof(uint64_t));
                if (!l.irq || !l.per_cpu) {
                        r = -ENOMEM;
                        goto fail;
                }

                /* counts: one per CPU column */
                q = colon + 1;
                for (n = 0; n < res.n_cpus; n++) {
                        const char *t;
                        uint64_t v = 0;

                        q = skip_blank(q, end);
                        t = token_end(q, end);
                        if (!all_digits(q, t))
                                break;
                        for (const char *c = q; c < t; c++) {
                                unsigned d = (unsigned) (*c - '0');
                                if (v > (UINT64_MAX - d) / 10)
                                        FAIL("count of IRQ %s in CPU column %u does not fit in 64 bits",
                                             l.irq, n + 1);
                                v = v * 10 + d;
                        }
                        l.per_cpu[n] = v;
                        q = t;
                }
                if (n == 0 || (device_row && n < res.n_cpus))
                        FAIL("IRQ %s has %u counts, the header has %u CPU columns",
                             l.irq, n, res.n_cpus);
                /* If the next word is a number, the row has more counts than CPU columns. */
                q = skip_blank(q, end);
                if (q < end && all_digits(q, token_end(q, end)))
                        FAIL("IRQ %s has more counts than the %u CPU columns of the header",
                             l.irq, res.n_cpus);

                if (device_row && q < end) {
                        const char *t = token_end(q, end);

                        r = strndup_range(q, t, &l.chip);
                        if (r < 0)
                                goto fail;
                        q = skip_blank(t, end);
                        t = token_end(q, end);
                        if (is_hwirq_token(q, t)) {
                                const char *h = q, *he = t;

                                /* CONFIG_GENERIC_IRQ_SHOW_LEVEL: "27 Level" / "27 Edge" */
                                q = skip_blank(t, end);
                                t = token_end(q, end);
                                if ((t - q == 5 && strncmp(q, "Level", 5) == 0) ||
                                    (t - q == 4 && strncmp(q, "Edge", 4) == 0)) {
                                        he = t;
                                        q = skip_blank(t, end);
                                }
                                r = strndup_range(h, he, &l.hwirq);
                                if (r < 0)
                                        goto fail;
                        }
                }
                r = strndup_range(q, end, &l.actions);
                if (r < 0)
                        goto fail;

                if (res.n_lines == cap) {
                        size_t ncap = cap ? cap * 2 : 64;
                        struct irq_line *nl = reallocarray(res.lines, ncap, sizeof(*nl));
                        if (!nl) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        res.lines = nl;
                        cap = ncap;
                }
                res.lines[res.n_lines++] = l;
                l = (struct irq_line) {};
        }

        if (!have_header)
                FAIL("empty file: no header of CPU columns");
        if (res.n_cpus == 0)
                FAIL("the header has no CPU columns");
        if (res.n_lines == 0)
                FAIL("no interrupt rows after the header (a kernel always prints at least its own)");

        res.state = FACT_OK;
        *ret = res;
        return 0;

fail:
        irq_line_done(&l);
        {
                struct fact_error e = res.error;
                enum fact_state st = res.state;

                res.error = (struct fact_error) {};
                interrupts_clear(&res);
                if (r == -ENOMEM)
                        fact_error_clear(&e), st = FACT_MISSING;
                *ret = (struct interrupts) { .state = st, .error = e };
        }
        return r;
}
