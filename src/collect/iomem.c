/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/iomem: one resource per line, printed by kernel/resource.c r_show():
 *     seq_printf(m, "%*s%0*llx-%0*llx : %s\n", depth * 2, "", width, start, width, end, name);
 * Children are indented by two spaces per level (r_next() stops at MAX_IORES_LEVEL). Without
 * CAP_SYS_ADMIN the kernel prints start = end = 0 for every line (r_show(): "if (!iomem_is_...":
 * file_ns_capable(..., CAP_SYS_ADMIN) ? r->start : 0), so the addresses are useless then. */
#include <inttypes.h>

#include "kdv/collect.h"
#include "kdv/util.h"

#define IOMEM_FILE "proc/iomem"
#define IOMEM_MAX_RANGES 1000000u
/* r_show() prints "%*s%0*llx-%0*llx : %s\n": at most 2 * MAX_IORES_LEVEL (5) spaces, two
 * 16-digit addresses and the resource name (a driver string such as "0000:00:02.0" or
 * "ACPI Non-volatile Storage"); a line longer than a page never comes from the kernel. */
#define IOMEM_MAX_LINE 4096u

void iomem_clear(struct iomem *m) {
        if (!m)
                return;
        for (size_t i = 0; i < m->n_ranges; i++)
                free(m->ranges[i].name);
        free(m->ranges);
        m->ranges = NULL;
        m->n_ranges = 0;
        m->system_ram = 0;
        m->all_zero = false;
        fact_error_clear(&m->error);
}

/* Hex number without "0x", as %llx prints it. Returns characters consumed, 0 if none,
 * -ERANGE on overflow of 64 bits. */
static int parse_hex_u64(const char *p, uint64_t *ret) {
        uint64_t v = 0;
        int n = 0;

        for (;; n++) {
                char c = p[n];
                unsigned d;

                if (c >= '0' && c <= '9')
                        d = (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        d = (unsigned) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        d = (unsigned) (c - 'A' + 10);
                else
                        break;
                if (v > (UINT64_MAX >> 4))
                        return -ERANGE;
                v = (v << 4) | d;
                if (n > 64)     /* absurdly many leading zeros: still bounded */
                        return -ERANGE;
        }
        *ret = v;
        return n;
}

#define FAIL(...) do {                                                         \
                fact_error_set(&m.error, IOMEM_FILE, lineno, __VA_ARGS__);      \
                m.state = FACT_INVALID;                                         \
                r = -EBADMSG;                                                   \
                goto fail;                                                      \
        } while (0)

int iomem_parse(const char *text, struct iomem *ret) {
        struct iomem m = {};
        _cleanup_free_ unsigned *linenos = NULL;
        size_t cap = 0;
        unsigned lineno = 0;
        bool any_nonzero = false;
        int prev_depth = -1;
        const char *p = text;
        int linelen = 0, r;

        if (!text || !ret)
                return -EINVAL;

        *ret = (struct iomem) {};

        while (*p) {
                const char *eol = strchr(p, '\n'), *q, *line, *name, *name_end;
                size_t len = eol ? (size_t) (eol - p) : strlen(p);
                uint64_t start, end;
                unsigned spaces = 0;
                int k;

                lineno++;
                q = line = p;
                p = eol ? eol + 1 : p + len;

                /* CRLF captures (copied through Windows tools) are tolerated: drop one '\r'. */
                if (len > 0 && q[len - 1] == '\r')
                        len--;
                linelen = len > 60 ? 60 : (int) len;
                if (len > IOMEM_MAX_LINE) {
                        FAIL("line of %zu characters (the kernel prints at most %u per resource)", len, IOMEM_MAX_LINE);
                }

                /* Blank lines never come from the kernel; skip them (captures often end with one). */
                {
                        size_t i;
                        for (i = 0; i < len && (q[i] == ' ' || q[i] == '\t'); i++)
                                ;
                        if (i == len)
                                continue;
                }

                while (spaces < len && q[spaces] == ' ')
                        spaces++;
                if (q[spaces] == '\t') {
                        FAIL("tab in indentation (the kernel indents with two spaces per level)");
                }
                if (spaces % 2 != 0) {
                        FAIL("odd indentation (the kernel indents with two spaces per level)");
                }
                if ((int) (spaces / 2) > prev_depth + 1) {
                        FAIL("indentation deeper than its parent%s", prev_depth < 0 ? " (first line must not be indented)" : "");
                }

                k = parse_hex_u64(q + spaces, &start);
                if (k == -ERANGE) {
                        FAIL("start address does not fit in 64 bits");
                }
                if (k == 0) {
                        FAIL("expected \"start-end : name\" with hexadecimal addresses, got \"%.*s\"", linelen, line);
                }
                q += spaces + (size_t) k;
                len -= spaces + (size_t) k;
                if (len == 0 || *q != '-') {
                        FAIL("expected '-' after the start address in \"%.*s\"", linelen, line);
                }
                q++, len--;
                k = parse_hex_u64(q, &end);
                if (k == -ERANGE) {
                        FAIL("end address does not fit in 64 bits");
                }
                if (k == 0 || (size_t) k > len) {
                        FAIL("missing end address in \"%.*s\"", linelen, line);
                }
                q += k;
                len -= (size_t) k;
                if (len < 2 || q[0] != ' ' || q[1] != ':' || (len > 2 && q[2] != ' ')) {
                        FAIL("expected \" : \" and a name after the address range in \"%.*s\"", linelen, line);
                }
                if (start > end) {
                        FAIL("start address %" PRIx64 " is above the end address %" PRIx64, start, end);
                }
                name = len > 2 ? q + 3 : q + 2;
                name_end = q + len;
                while (name_end > name && (name_end[-1] == ' ' || name_end[-1] == '\t'))
                        name_end--;

                if (m.n_ranges >= IOMEM_MAX_RANGES) {
                        FAIL("more than 1000000 ranges");
                }
                if (m.n_ranges == cap) {
                        size_t ncap = cap ? cap * 2 : 64;
                        struct iomem_range *n = reallocarray(m.ranges, ncap, sizeof(*n));
                        if (!n) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        m.ranges = n;
                        unsigned *l = reallocarray(linenos, ncap, sizeof(*l));
                        if (!l) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        linenos = l;
                        cap = ncap;
                }
                m.ranges[m.n_ranges] = (struct iomem_range) {
                        .start = start,
                        .end = end,
                        .depth = spaces / 2,
                        .name = strndup(name, (size_t) (name_end - name)),
                };
                if (!m.ranges[m.n_ranges].name) {
                        r = -ENOMEM;
                        goto fail;
                }
                linenos[m.n_ranges] = lineno;
                m.n_ranges++;
                prev_depth = (int) (spaces / 2);
                if (start != 0 || end != 0)
                        any_nonzero = true;
        }

        if (m.n_ranges == 0) {
                FAIL("empty file: no ranges");
        }

        m.all_zero = !any_nonzero;
        /* The resource tree is strict (kernel/resource.c __request_resource(): a new resource
         * must lie within its parent, "if (end > root->end) return root", and is linked into the
         * parent's child list in ascending order, refusing any overlap with a sibling). r_show()
         * walks that tree depth-first, so a child lies within the line it is indented under and
         * siblings ascend without overlapping. Without CAP_SYS_ADMIN all addresses print as 0,
         * so the check only applies to a capture with real addresses. */
        if (!m.all_zero) {
                /* stack[d]: index of the last range seen at depth d on the current path */
                size_t stack[16] = {};

                for (size_t i = 0; i < m.n_ranges; i++) {
                        const struct iomem_range *c = &m.ranges[i];
                        unsigned d = c->depth;

                        lineno = linenos[i];
                        if (d >= ELEMENTSOF(stack)) {
                                FAIL("nested deeper than %zu levels (the kernel stops at 5)", ELEMENTSOF(stack));
                        }
                        if (d > 0) {
                                const struct iomem_range *pa = &m.ranges[stack[d - 1]];
                                if (c->start < pa->start || c->end > pa->end) {
                                        FAIL("range %" PRIx64 "-%" PRIx64 " \"%s\" is not within its parent %" PRIx64 "-%" PRIx64 " \"%s\" (line %u)",
                                             c->start, c->end, c->name, pa->start, pa->end, pa->name, linenos[stack[d - 1]]);
                                }
                        }
                        /* the previous sibling: the last range at this depth, if it has the same parent */
                        if (i > 0 && m.ranges[i - 1].depth >= d &&
                            (d == 0 || stack[d] > stack[d - 1])) {
                                const struct iomem_range *sb = &m.ranges[stack[d]];
                                if (c->start <= sb->end) {
                                        FAIL("range %" PRIx64 "-%" PRIx64 " \"%s\" %s the range %" PRIx64 "-%" PRIx64 " \"%s\" before it at the same level (line %u); the kernel keeps them ascending and disjoint",
                                             c->start, c->end, c->name, c->end >= sb->start ? "overlaps" : "is below",
                                             sb->start, sb->end, sb->name, linenos[stack[d]]);
                                }
                        }
                        stack[d] = i;
                }
        }
        if (!m.all_zero)
                for (size_t i = 0; i < m.n_ranges; i++)
                        if (m.ranges[i].depth == 0 && streq(m.ranges[i].name, "System RAM")) {
                                uint64_t sz = m.ranges[i].end - m.ranges[i].start + 1;
                                /* 0-ffffffffffffffff would wrap to 0; saturate */
                                if (sz == 0 || m.system_ram > UINT64_MAX - sz)
                                        m.system_ram = UINT64_MAX;
                                else
                                        m.system_ram += sz;
                        }
        m.state = FACT_OK;
        *ret = m;
        return 0;

fail:
        /* Keep only the error: no half-parsed ranges reach the caller. */
        for (size_t i = 0; i < m.n_ranges; i++)
                free(m.ranges[i].name);
        free(m.ranges);
        if (r == -ENOMEM)
                fact_error_clear(&m.error);
        *ret = (struct iomem) { .state = m.state, .error = m.error };
        return r;
}
