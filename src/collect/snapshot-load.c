/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a snapshot file (check --snapshot): the format is described at the top of
 * src/act/snapshot-dump.c. The file is hostile input read as root, so the reader is strict: the
 * exact version, known keys in the writer's order, every field checked and every number
 * range-checked, array sizes capped like the collectors cap them; and at the end every invariant
 * the collectors guarantee and plan/ and findings/ rely on (per_cpu arrays of n_cpus counts, PCI
 * functions in probe order, MSI vector counts a power of two <= 32, fact states consistent with
 * their errors, ...) is checked again, the same way the collector establishes it. A file that
 * passes is a snapshot the collectors could have produced. */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "kdv/collect.h"
#include "kdv/snapshot-file.h"
#include "kdv/util.h"
#include "kdv/vectors.h"

/* The collectors' own caps (src/collect/): a file asking for more is not from a collector. */
#define LOAD_IOMEM_MAX_RANGES   1000000u        /* iomem.c IOMEM_MAX_RANGES */
#define LOAD_IOMEM_MAX_NAME     4096u           /* iomem.c IOMEM_MAX_LINE */
#define LOAD_IRQ_MAX_CPUS       65536u          /* interrupts.c INTERRUPTS_MAX_CPUS */
#define LOAD_IRQ_MAX_CELLS      (1u << 22)      /* interrupts.c INTERRUPTS_MAX_CELLS */
#define LOAD_CPU_MAX            (1u << 20)      /* cpus.c CPULIST_MAX: ids below it */
#define LOAD_PCI_MAX_FUNCTIONS  65536u          /* pci.c PCI_MAX_FUNCTIONS */
#define LOAD_MAX_ONE_LINE       (64u << 10)     /* proc.c KDV_MAX_ONE_LINE: proc/cmdline */
#define LOAD_MAX_CONFIG_ITEMS   (KDV_MAX_CONFIG_FILE / 2)  /* assignments/directives of a 4 MiB file */
#define LOAD_MAX_MODULES        (1u << 20)

enum key {
        K_ROOT, K_LIVE, K_ARCH, K_RELEASE, K_BANNER, K_CMDLINE, K_CMDLINE_ERROR, K_RELEASE_ERROR,
        K_IOMEM, K_IOMEM_ERROR, K_IOMEM_RANGE, K_MEMINFO, K_MEMINFO_ERROR,
        K_INTERRUPTS, K_INTERRUPTS_ERROR, K_INTERRUPTS_LINE, K_CPUS, K_CPUS_ERROR, K_KEXEC,
        K_PCI, K_PCI_ERROR, K_PCI_FUNCTION, K_FLAVOR, K_KDUMP_ENABLED,
        K_SYSCONFIG, K_SYSCONFIG_ERROR, K_SYSCONFIG_VAR, K_KDUMP_CONF, K_KDUMP_CONF_ERROR,
        K_KDUMP_CONF_DIRECTIVE, K_DUMP_TARGET, K_INITRAMFS, K_INITRAMFS_ERROR, K_INITRAMFS_MODULES,
        K_MODULES, K_MODULES_ERROR, K_MODULES_BUILTIN, K_END,
        _K_MAX,
};

enum { ONCE, OPTIONAL, REPEAT };

static const struct {
        const char *name;
        int kind;
        int n_fields;           /* fixed field count after the key, -1: variable */
} keys[_K_MAX] = {
        [K_ROOT]                 = { "root", ONCE, 1 },
        [K_LIVE]                 = { "live", ONCE, 1 },
        [K_ARCH]                 = { "arch", ONCE, 2 },
        [K_RELEASE]              = { "kernel_release", ONCE, 1 },
        [K_BANNER]               = { "kernel_version_banner", ONCE, 1 },
        [K_CMDLINE]              = { "cmdline", ONCE, 2 },
        [K_CMDLINE_ERROR]        = { "cmdline.error", OPTIONAL, 3 },
        [K_RELEASE_ERROR]        = { "release.error", OPTIONAL, 3 },
        [K_IOMEM]                = { "iomem", ONCE, 3 },
        [K_IOMEM_ERROR]          = { "iomem.error", OPTIONAL, 3 },
        [K_IOMEM_RANGE]          = { "iomem.range", REPEAT, 4 },
        [K_MEMINFO]              = { "meminfo", ONCE, 2 },
        [K_MEMINFO_ERROR]        = { "meminfo.error", OPTIONAL, 3 },
        [K_INTERRUPTS]           = { "interrupts", ONCE, 2 },
        [K_INTERRUPTS_ERROR]     = { "interrupts.error", OPTIONAL, 3 },
        [K_INTERRUPTS_LINE]      = { "interrupts.line", REPEAT, -1 },
        [K_CPUS]                 = { "cpus", ONCE, 4 },
        [K_CPUS_ERROR]           = { "cpus.error", OPTIONAL, 3 },
        [K_KEXEC]                = { "kexec", ONCE, 4 },
        [K_PCI]                  = { "pci", ONCE, 3 },
        [K_PCI_ERROR]            = { "pci.error", OPTIONAL, 3 },
        [K_PCI_FUNCTION]         = { "pci.function", REPEAT, -1 },
        [K_FLAVOR]               = { "flavor", ONCE, 1 },
        [K_KDUMP_ENABLED]        = { "kdump_enabled", ONCE, 2 },
        [K_SYSCONFIG]            = { "kdump_sysconfig", ONCE, 2 },
        [K_SYSCONFIG_ERROR]      = { "kdump_sysconfig.error", OPTIONAL, 3 },
        [K_SYSCONFIG_VAR]        = { "kdump_sysconfig.var", REPEAT, 5 },
        [K_KDUMP_CONF]           = { "kdump_conf", ONCE, 1 },
        [K_KDUMP_CONF_ERROR]     = { "kdump_conf.error", OPTIONAL, 3 },
        [K_KDUMP_CONF_DIRECTIVE] = { "kdump_conf.directive", REPEAT, 3 },
        [K_DUMP_TARGET]          = { "dump_target", ONCE, 5 },
        [K_INITRAMFS]            = { "initramfs", ONCE, 2 },
        [K_INITRAMFS_ERROR]      = { "initramfs.error", OPTIONAL, 3 },
        [K_INITRAMFS_MODULES]    = { "initramfs.modules", OPTIONAL, -1 },
        [K_MODULES]              = { "modules", ONCE, 2 },
        [K_MODULES_ERROR]        = { "modules.error", OPTIONAL, 3 },
        [K_MODULES_BUILTIN]      = { "modules.builtin", OPTIONAL, -1 },
        [K_END]                  = { "end", ONCE, 0 },
};

struct field {
        const char *p;
        size_t n;
};

struct loader {
        const char *name;
        unsigned line;
        struct fact_error *err;
        struct snapshot *s;
        const char *key;                /* of the current record, for messages */
        struct field *f;                /* fields of the current line, after the key */
        size_t n_f, cap_f;
        size_t cap_ranges, cap_lines, cap_functions, cap_vars, cap_directives;
        size_t irq_cells;
};

static int fail(struct loader *l, const char *fmt, ...) _printf_(2, 3);
static int fail(struct loader *l, const char *fmt, ...) {
        _cleanup_free_ char *m = NULL;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        if (l->key)
                fact_error_set(l->err, l->name, l->line, "%s: %s", l->key, m);
        else
                fact_error_set(l->err, l->name, l->line, "%s", m);
        return l->err->message ? -EBADMSG : -ENOMEM;
}

/* A raw field for messages: at most 40 bytes, anything unprintable as \xNN. */
static const char *shown(const struct field *f, char buf[static 200]) {
        size_t o = 0;

        for (size_t i = 0; i < f->n && i < 40; i++) {
                unsigned char c = (unsigned char) f->p[i];
                if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
                        buf[o++] = (char) c;
                else
                        o += (size_t) snprintf(buf + o, 5, "\\x%02x", c);
        }
        if (f->n > 40) {
                memcpy(buf + o, "...", 3);
                o += 3;
        }
        buf[o] = 0;
        return buf;
}

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Decode one token (see the format): "-" NULL (when allow_null), "~" "", else %XX escapes.
 * Lists are split at ',' by the caller. */
static int decode(struct loader *l, const char *p, size_t n, bool allow_null, const char *what, char **ret) {
        char *s, *o;

        *ret = NULL;
        if (n == 1 && p[0] == '-') {
                if (!allow_null)
                        return fail(l, "%s must not be missing (\"-\")", what);
                return 0;
        }
        if (n == 1 && p[0] == '~') {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        s = o = malloc(n + 1);
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) p[i];

                if (c == '%') {
                        int hi = i + 2 < n ? hexval(p[i + 1]) : -1;
                        int lo = i + 2 < n ? hexval(p[i + 2]) : -1;

                        if (hi < 0 || lo < 0) {
                                free(s);
                                return fail(l, "%s: bad escape (expected %%XX with two hex digits)", what);
                        }
                        if (hi == 0 && lo == 0) {
                                free(s);
                                return fail(l, "%s: %%00 (a NUL byte) is not allowed", what);
                        }
                        *o++ = (char) (hi << 4 | lo);
                        i += 2;
                } else if (c <= 0x20 || c >= 0x7f) {
                        free(s);
                        return fail(l, "%s: byte 0x%02x must be escaped as %%%02X", what, c, c);
                } else
                        *o++ = (char) c;
        }
        *o = 0;
        *ret = s;
        return 0;
}

static int get_str(struct loader *l, size_t i, bool allow_null, const char *what, char **ret) {
        return decode(l, l->f[i].p, l->f[i].n, allow_null, what, ret);
}

static bool field_is(const struct field *f, const char *s) {
        return f->n == strlen(s) && memcmp(f->p, s, f->n) == 0;
}

static int get_bool_field(struct loader *l, const struct field *f, const char *what, bool *ret) {
        char b[200];

        if (field_is(f, "yes"))
                *ret = true;
        else if (field_is(f, "no"))
                *ret = false;
        else
                return fail(l, "%s: expected yes or no, got \"%s\"", what, shown(f, b));
        return 0;
}

static int get_bool(struct loader *l, size_t i, const char *what, bool *ret) {
        return get_bool_field(l, &l->f[i], what, ret);
}

static int get_state(struct loader *l, size_t i, const char *what, enum fact_state *ret) {
        char b[200];

        if (field_is(&l->f[i], "ok"))
                *ret = FACT_OK;
        else if (field_is(&l->f[i], "missing"))
                *ret = FACT_MISSING;
        else if (field_is(&l->f[i], "invalid"))
                *ret = FACT_INVALID;
        else
                return fail(l, "%s: expected ok, missing or invalid, got \"%s\"", what, shown(&l->f[i], b));
        return 0;
}

/* Decimal (or with hex, "0x" + hex digits) unsigned in [0, max]. */
static int get_u64_field(struct loader *l, const struct field *f, bool hex, uint64_t max, const char *what,
                         uint64_t *ret) {
        const char *p = f->p;
        size_t n = f->n, i = 0;
        uint64_t v = 0;
        char b[200];

        if (hex) {
                if (n < 3 || p[0] != '0' || p[1] != 'x')
                        return fail(l, "%s: expected a hexadecimal number (0x...), got \"%s\"", what, shown(f, b));
                i = 2;
        } else if (n == 0)
                return fail(l, "%s: expected a number, got nothing", what);
        for (; i < n; i++) {
                int d = hex ? hexval(p[i]) : (p[i] >= '0' && p[i] <= '9' ? p[i] - '0' : -1);
                unsigned base = hex ? 16 : 10;

                if (d < 0)
                        return fail(l, "%s: expected a %s number, got \"%s\"", what, hex ? "hexadecimal" : "decimal",
                                    shown(f, b));
                if (v > (UINT64_MAX - (unsigned) d) / base)
                        return fail(l, "%s: number \"%s\" does not fit in 64 bits", what, shown(f, b));
                v = v * base + (unsigned) d;
        }
        if (v > max)
                return fail(l, "%s: %s is out of range (at most %" PRIu64 ")", what, shown(f, b), max);
        *ret = v;
        return 0;
}

static int get_u64(struct loader *l, size_t i, uint64_t max, const char *what, uint64_t *ret) {
        return get_u64_field(l, &l->f[i], false, max, what, ret);
}

static int get_unsigned(struct loader *l, size_t i, unsigned max, const char *what, unsigned *ret) {
        uint64_t v;
        int k = get_u64(l, i, max, what, &v);
        if (k >= 0)
                *ret = (unsigned) v;
        return k;
}

/* -1 or 0..max */
static int get_int_field(struct loader *l, const struct field *f, int max, const char *what, int *ret) {
        uint64_t v;
        int k;

        if (field_is(f, "-1")) {
                *ret = -1;
                return 0;
        }
        k = get_u64_field(l, f, false, (uint64_t) max, what, &v);
        if (k >= 0)
                *ret = (int) v;
        return k;
}

static int get_error(struct loader *l, struct fact_error *e) {
        int k;

        k = get_str(l, 0, true, "file", &e->file);
        if (k >= 0)
                k = get_unsigned(l, 1, UINT_MAX, "line", &e->line);
        if (k >= 0)
                k = get_str(l, 2, true, "message", &e->message);
        if (k >= 0 && !e->file && !e->message && e->line == 0)
                k = fail(l, "an error record with nothing in it (leave the record out)");
        return k;
}

static bool has_char(const char *s, const char *set) {
        return s && strpbrk(s, set);
}

/* Grow *a (of *cap elements of size sz) to hold n + 1; max elements in all. */
static int grow(struct loader *l, void **a, size_t *cap, size_t n, size_t sz, size_t max, const char *what) {
        void *na;
        size_t nc;

        if (n >= max)
                return fail(l, "more than %zu %s", max, what);
        if (n < *cap)
                return 0;
        nc = *cap ? *cap * 2 : 16;
        if (nc > max)
                nc = max;
        na = reallocarray(*a, nc, sz);
        if (!na)
                return -ENOMEM;
        *a = na;
        *cap = nc;
        return 0;
}

/* ---- records ---- */

static int rec_iomem_range(struct loader *l) {
        struct iomem *m = &l->s->iomem;
        struct iomem_range r = {};
        uint64_t depth;
        int k;

        k = grow(l, (void **) &m->ranges, &l->cap_ranges, m->n_ranges, sizeof(r), LOAD_IOMEM_MAX_RANGES, "ranges");
        if (k < 0)
                return k;
        k = get_u64(l, 0, LOAD_IOMEM_MAX_NAME, "depth", &depth);
        if (k >= 0)
                k = get_u64_field(l, &l->f[1], true, UINT64_MAX, "start", &r.start);
        if (k >= 0)
                k = get_u64_field(l, &l->f[2], true, UINT64_MAX, "end", &r.end);
        if (k < 0)
                return k;
        r.depth = (unsigned) depth;
        if (r.start > r.end)
                return fail(l, "start 0x%" PRIx64 " is above the end 0x%" PRIx64, r.start, r.end);
        k = get_str(l, 3, false, "name", &r.name);
        if (k < 0)
                return k;
        m->ranges[m->n_ranges++] = r;
        if (strlen(r.name) > LOAD_IOMEM_MAX_NAME || strchr(r.name, '\n'))
                return fail(l, "name longer than %u bytes or with a newline (the kernel prints one line)",
                            LOAD_IOMEM_MAX_NAME);
        return 0;
}

static bool all_digits(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

static int rec_interrupts_line(struct loader *l) {
        struct interrupts *in = &l->s->interrupts;
        struct irq_line *x;
        int k;

        if (l->n_f != 4 + (size_t) in->n_cpus)
                return fail(l, "%zu counts, the interrupts record has %u CPUs", l->n_f < 4 ? 0 : l->n_f - 4,
                            in->n_cpus);
        if (in->n_cpus == 0)
                return fail(l, "a line, but the interrupts record has no CPUs");
        if (l->irq_cells + in->n_cpus > LOAD_IRQ_MAX_CELLS)
                return fail(l, "too many lines for %u CPUs (more than %u counts)", in->n_cpus, LOAD_IRQ_MAX_CELLS);
        l->irq_cells += in->n_cpus;
        k = grow(l, (void **) &in->lines, &l->cap_lines, in->n_lines, sizeof(*x), SIZE_MAX, "lines");
        if (k < 0)
                return k;
        x = &in->lines[in->n_lines];
        *x = (struct irq_line) {};
        x->per_cpu = calloc(in->n_cpus, sizeof(uint64_t));
        if (!x->per_cpu)
                return -ENOMEM;
        in->n_lines++;          /* owned by the snapshot from here: freed with it */
        k = get_str(l, 0, false, "irq", &x->irq);
        if (k >= 0)
                k = get_str(l, 1, true, "chip", &x->chip);
        if (k >= 0)
                k = get_str(l, 2, true, "hwirq", &x->hwirq);
        if (k >= 0)
                k = get_str(l, 3, true, "actions", &x->actions);
        for (unsigned c = 0; k >= 0 && c < in->n_cpus; c++)
                k = get_u64(l, 4 + c, UINT64_MAX, "count", &x->per_cpu[c]);
        if (k < 0)
                return k;
        /* interrupts.c: the label is the text before the first ':', one word */
        if (!*x->irq || has_char(x->irq, " \t\n\r:"))
                return fail(l, "irq \"%.40s\" is not one word without ':'", x->irq);
        if ((x->chip && (!*x->chip || has_char(x->chip, " \t\n\r"))) ||
            (x->hwirq && (!*x->hwirq || has_char(x->hwirq, "\n\r"))) ||
            (x->actions && (!*x->actions || has_char(x->actions, "\n\r"))))
                return fail(l, "chip, hwirq and actions are missing (\"-\") or non-empty text on one line, "
                            "the chip one word");
        if (!all_digits(x->irq) && (x->chip || x->hwirq))
                return fail(l, "irq %s is an architecture row (not a number): it has no chip or hwirq", x->irq);
        if (x->hwirq && !x->chip)
                return fail(l, "a hwirq without a chip");
        return 0;
}

/* Slot "DDDD:BB:DD.F" exactly as pci.c prints it ("%04x:%02x:%02x.%d"), domain <= 0x7fffffff. */
static bool parse_slot(const char *s, unsigned *dom, unsigned *bus, unsigned *dev, unsigned *fn) {
        char canon[32];
        int n = 0;

        if (strlen(s) >= sizeof(((struct pci_function *) NULL)->slot))
                return false;
        if (sscanf(s, "%8x:%2x:%2x.%1u%n", dom, bus, dev, fn, &n) != 4 || s[n])
                return false;
        if (*dom > 0x7fffffff || *dev >= 32 || *fn >= 8)
                return false;
        snprintf(canon, sizeof(canon), "%04x:%02x:%02x.%u", *dom, *bus, *dev, *fn);
        return streq(canon, s);
}

enum pci_key_type { PK_HEX8, PK_HEX16, PK_HEX24, PK_U8, PK_UNSIGNED, PK_INT, PK_DMA, PK_BOOL, PK_STR, PK_LIST };

static const struct {
        const char *name;
        enum pci_key_type type;
        size_t off;
        unsigned max;
} pci_keys[] = {
#define O(m) offsetof(struct pci_function, m)
        { "vendor", PK_HEX16, O(vendor_id), 0 },
        { "device", PK_HEX16, O(device_id), 0 },
        { "subsys_vendor", PK_HEX16, O(subsys_vendor_id), 0 },
        { "subsys", PK_HEX16, O(subsys_id), 0 },
        { "class", PK_HEX24, O(class), 0 },
        { "revision", PK_HEX8, O(revision), 0 },
        { "header_type", PK_U8, O(header_type), 127 },       /* pci.c: & 0x7f */
        { "irq_pin", PK_U8, O(irq_pin), 4 },                 /* 0 none, 1..4 INTA..INTD */
        { "irq_line", PK_INT, O(irq_line), INT_MAX },
        { "msi", PK_BOOL, O(has_msi), 0 },
        { "msi_max_vectors", PK_UNSIGNED, O(msi_max_vectors), 32 },
        { "msi_per_vector_mask", PK_BOOL, O(msi_per_vector_mask), 0 },
        { "msi_64bit", PK_BOOL, O(msi_64bit), 0 },
        { "msix", PK_BOOL, O(has_msix), 0 },
        { "msix_table_size", PK_UNSIGNED, O(msix_table_size), 2048 },  /* PCI_MSIX_TABSIZE + 1 */
        { "pcie", PK_BOOL, O(is_pcie), 0 },
        { "pcie_type", PK_U8, O(pcie_type), 15 },            /* 4-bit field */
        { "pcie_slot_hotplug", PK_BOOL, O(pcie_slot_hotplug), 0 },
        { "aer", PK_BOOL, O(has_aer), 0 },
        { "dpc", PK_BOOL, O(has_dpc), 0 },
        { "secondary_bus", PK_U8, O(secondary_bus), 255 },
        { "subordinate_bus", PK_U8, O(subordinate_bus), 255 },
        { "driver", PK_STR, O(driver), 0 },
        { "modalias", PK_STR, O(modalias), 0 },
        { "dma_mask_bits", PK_DMA, O(dma_mask_bits), 64 },
        { "consistent_dma_mask_bits", PK_DMA, O(consistent_dma_mask_bits), 64 },
        { "msi_irqs_now", PK_UNSIGNED, O(msi_irqs_now), UINT_MAX },
        { "config_full", PK_BOOL, O(config_full), 0 },
        { "modules", PK_LIST, O(modules), 0 },
#undef O
};

/* A list field: "-" NULL, "~" empty, else non-empty escaped names joined by ','. */
static int get_list(struct loader *l, const char *p, size_t n, const char *what, char ***ret) {
        _cleanup_strv_free_ char **v = NULL;
        size_t nv = 0;
        int k;

        *ret = NULL;
        if (n == 1 && p[0] == '-')
                return 0;
        if (n == 1 && p[0] == '~') {
                *ret = calloc(1, sizeof(char *));
                return *ret ? 0 : -ENOMEM;
        }
        for (const char *e = p + n; p <= e;) {
                const char *c = memchr(p, ',', (size_t) (e - p));
                char *x;

                if (!c)
                        c = e;
                if (c == p || (c - p == 1 && (*p == '-' || *p == '~')))
                        return fail(l, "%s: empty or missing name in the list", what);
                if (nv >= LOAD_MAX_MODULES)
                        return fail(l, "%s: more than %u names", what, LOAD_MAX_MODULES);
                k = decode(l, p, (size_t) (c - p), false, what, &x);
                if (k < 0)
                        return k;
                k = strv_push(&v, &nv, x);      /* takes x, counts it */
                if (k < 0)
                        return k;
                p = c + 1;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

static int rec_pci_function(struct loader *l) {
        struct pci_facts *pf = &l->s->pci;
        struct pci_function *f;
        _cleanup_free_ char *slot = NULL;
        unsigned dom, bus, dev, fn;
        int k;

        if (l->n_f != 1 + ELEMENTSOF(pci_keys))
                return fail(l, "expected the slot and %zu key=value fields, got %zu fields", ELEMENTSOF(pci_keys), l->n_f);
        k = grow(l, (void **) &pf->functions, &l->cap_functions, pf->n_functions, sizeof(*f),
                 LOAD_PCI_MAX_FUNCTIONS, "PCI functions");
        if (k < 0)
                return k;
        f = &pf->functions[pf->n_functions];
        *f = (struct pci_function) {};
        pf->n_functions++;      /* owned by the snapshot from here */

        k = get_str(l, 0, false, "slot", &slot);
        if (k < 0)
                return k;
        if (!parse_slot(slot, &dom, &bus, &dev, &fn)) {
                char b[200];
                return fail(l, "bad slot \"%s\" (expected DDDD:BB:DD.F as the kernel names it)", shown(&l->f[0], b));
        }
        strcpy(f->slot, slot);
        f->domain = dom;
        f->bus = (uint8_t) bus;
        f->dev = (uint8_t) dev;
        f->func = (uint8_t) fn;

        for (size_t i = 0; i < ELEMENTSOF(pci_keys); i++) {
                const struct field *x = &l->f[1 + i];
                size_t kl = strlen(pci_keys[i].name);
                struct field v;
                char *base = (char *) f + pci_keys[i].off;
                uint64_t u;
                char b[200];

                if (x->n <= kl || memcmp(x->p, pci_keys[i].name, kl) != 0 || x->p[kl] != '=')
                        return fail(l, "field %zu: expected %s=..., got \"%s\"", i + 2, pci_keys[i].name, shown(x, b));
                v = (struct field) { x->p + kl + 1, x->n - kl - 1 };
                switch (pci_keys[i].type) {
                case PK_HEX8:
                case PK_HEX16:
                case PK_HEX24:
                        k = get_u64_field(l, &v, true, pci_keys[i].type == PK_HEX8 ? 0xff :
                                          pci_keys[i].type == PK_HEX16 ? 0xffff : 0xffffff, pci_keys[i].name, &u);
                        if (k < 0)
                                return k;
                        if (pci_keys[i].type == PK_HEX8)
                                *(uint8_t *) base = (uint8_t) u;
                        else if (pci_keys[i].type == PK_HEX16)
                                *(uint16_t *) base = (uint16_t) u;
                        else
                                *(uint32_t *) base = (uint32_t) u;
                        break;
                case PK_U8:
                        k = get_u64_field(l, &v, false, pci_keys[i].max, pci_keys[i].name, &u);
                        if (k < 0)
                                return k;
                        *(uint8_t *) base = (uint8_t) u;
                        break;
                case PK_UNSIGNED:
                        k = get_u64_field(l, &v, false, pci_keys[i].max, pci_keys[i].name, &u);
                        if (k < 0)
                                return k;
                        *(unsigned *) base = (unsigned) u;
                        break;
                case PK_INT:
                case PK_DMA:
                        k = get_int_field(l, &v, (int) pci_keys[i].max, pci_keys[i].name, (int *) base);
                        if (k < 0)
                                return k;
                        break;
                case PK_BOOL:
                        k = get_bool_field(l, &v, pci_keys[i].name, (bool *) base);
                        if (k < 0)
                                return k;
                        break;
                case PK_STR:
                        k = decode(l, v.p, v.n, true, pci_keys[i].name, (char **) base);
                        if (k < 0)
                                return k;
                        break;
                case PK_LIST:
                        k = get_list(l, v.p, v.n, pci_keys[i].name, (char ***) base);
                        if (k < 0)
                                return k;
                        break;
                }
        }

        /* what pci.c's fill_from_config() and sysfs_extras() guarantee */
        if (f->has_msi ? (f->msi_max_vectors == 0 || (f->msi_max_vectors & (f->msi_max_vectors - 1))) :
                         (f->msi_max_vectors || f->msi_per_vector_mask || f->msi_64bit))
                return fail(l, "%s: msi_max_vectors must be a power of two up to 32 with MSI, and 0 (with no MSI "
                            "flags) without", f->slot);
        if (f->has_msix ? f->msix_table_size == 0 : f->msix_table_size != 0)
                return fail(l, "%s: msix_table_size must be 1..2048 with MSI-X, 0 without", f->slot);
        if (!f->is_pcie && (f->pcie_type || f->pcie_slot_hotplug))
                return fail(l, "%s: pcie_type and pcie_slot_hotplug need pcie=yes", f->slot);
        if (f->pcie_slot_hotplug && f->pcie_type != 4 && f->pcie_type != 6 && f->pcie_type != 8)
                return fail(l, "%s: only root ports, downstream ports and PCI bridges (pcie_type 4, 6, 8) have "
                            "hot-plug slots", f->slot);
        if (f->header_type != 1 && f->header_type != 2 && (f->secondary_bus || f->subordinate_bus))
                return fail(l, "%s: secondary_bus and subordinate_bus need a bridge header (header_type 1 or 2)", f->slot);
        if (f->driver && (!*f->driver || has_char(f->driver, "/\n")))
                return fail(l, "%s: driver must be a non-empty name without '/' or newline", f->slot);
        if (!f->modalias || !startswith(f->modalias, "pci:") || has_char(f->modalias, "\n"))
                return fail(l, "%s: modalias must be \"pci:...\" on one line", f->slot);
        for (char **m = f->modules; m && *m; m++)
                if (has_char(*m, "\n"))
                        return fail(l, "%s: a module name with a newline", f->slot);
        if (pf->n_functions > 1) {
                const struct pci_function *p = &pf->functions[pf->n_functions - 2];
                unsigned long pdom = strtoul(p->slot, NULL, 16);

                /* pci.c pci_function_cmp(): domain (from the slot), bus, device, function */
                if (pdom > dom || (pdom == dom && (p->bus > f->bus || (p->bus == f->bus &&
                    (p->dev > f->dev || (p->dev == f->dev && p->func >= f->func))))))
                        return fail(l, "%s after %s: functions must be in probe order (domain, bus, device, "
                                    "function), each once", f->slot, p->slot);
        }
        return 0;
}

static bool valid_shell_name(const char *s) {
        if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
                return false;
        for (s++; *s; s++)
                if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
                        return false;
        return true;
}

static int rec_sysconfig_var(struct loader *l) {
        struct shell_file *sf = &l->s->kdump_sysconfig;
        struct shell_assignment *a;
        int k;

        k = grow(l, (void **) &sf->vars, &l->cap_vars, sf->n_vars, sizeof(*a), LOAD_MAX_CONFIG_ITEMS, "assignments");
        if (k < 0)
                return k;
        a = &sf->vars[sf->n_vars];
        *a = (struct shell_assignment) {};
        sf->n_vars++;
        k = get_unsigned(l, 0, UINT_MAX, "line", &a->line);
        if (k >= 0)
                k = get_unsigned(l, 1, UINT_MAX, "last line", &a->last_line);
        if (k >= 0)
                k = get_bool(l, 2, "has_expansion", &a->has_expansion);
        if (k >= 0)
                k = get_str(l, 3, false, "name", &a->name);
        if (k >= 0)
                k = get_str(l, 4, true, "value", &a->value);
        if (k < 0)
                return k;
        if (a->line == 0 || a->last_line < a->line)
                return fail(l, "lines %u..%u: the first line is 1 or more, the last not before it", a->line, a->last_line);
        if (!valid_shell_name(a->name))
                return fail(l, "\"%.40s\" is not a shell variable name", a->name);
        /* shellfile.c push_var(): the value is NULL exactly when it used an expansion */
        if (a->has_expansion != !a->value)
                return fail(l, "%s: the value is missing (\"-\") exactly when has_expansion is yes", a->name);
        if (sf->n_vars > 1 && sf->vars[sf->n_vars - 2].line > a->line)
                return fail(l, "%s: assignments must be in file order", a->name);
        return 0;
}

static bool valid_conf_key(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
                      *s == '_' || *s == '-'))
                        return false;
        return true;
}

static int rec_kdump_conf_directive(struct loader *l) {
        struct kdump_conf *c = &l->s->kdump_conf;
        struct kdump_conf_directive *d;
        int k;

        k = grow(l, (void **) &c->directives, &l->cap_directives, c->n_directives, sizeof(*d),
                 LOAD_MAX_CONFIG_ITEMS, "directives");
        if (k < 0)
                return k;
        d = &c->directives[c->n_directives];
        *d = (struct kdump_conf_directive) {};
        c->n_directives++;
        k = get_unsigned(l, 0, UINT_MAX, "line", &d->line);
        if (k >= 0)
                k = get_str(l, 1, false, "key", &d->key);
        if (k >= 0)
                k = get_str(l, 2, false, "value", &d->value);
        if (k < 0)
                return k;
        if (!valid_conf_key(d->key))
                return fail(l, "\"%.40s\" is not a kdump.conf directive name", d->key);
        if (has_char(d->value, "\n"))
                return fail(l, "%s: the value is one line", d->key);
        /* kdumpconf.c: one directive per line, in file order */
        if (d->line == 0 || (c->n_directives > 1 && c->directives[c->n_directives - 2].line >= d->line))
                return fail(l, "%s: line %u: directives are on lines 1, 2, ... one per line, in order", d->key, d->line);
        return 0;
}

static int rec_module_list(struct loader *l, char ***ret) {
        _cleanup_strv_free_ char **v = NULL;
        size_t nv = 0;
        int k;

        if (l->n_f > LOAD_MAX_MODULES)
                return fail(l, "more than %u names", LOAD_MAX_MODULES);
        v = calloc(1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < l->n_f; i++) {
                char *x;

                k = get_str(l, i, false, "module name", &x);
                if (k < 0)
                        return k;
                if (!*x || strchr(x, '\n')) {
                        free(x);
                        return fail(l, "field %zu: a module name is not empty and on one line", i + 1);
                }
                k = strv_push(&v, &nv, x);      /* takes x, counts it */
                if (k < 0)
                        return k;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

static int get_enum(struct loader *l, size_t i, const char *const *names, size_t n, const char *what, int *ret) {
        char b[200];

        for (size_t j = 0; j < n; j++)
                if (field_is(&l->f[i], names[j])) {
                        *ret = (int) j;
                        return 0;
                }
        return fail(l, "unknown %s \"%s\"", what, shown(&l->f[i], b));
}

static int record(struct loader *l, enum key key) {
        static const char *const flavors[] = { "none", "rhel", "suse", "debian" };
        static const char *const sources[] = { "none", "sysfs", "dump" };
        static const char *const kinds[] = { "unknown", "local-fs", "raw", "nfs", "ssh" };
        struct snapshot *s = l->s;
        int k = 0, e = 0;

        switch (key) {
        case K_ROOT:
                return get_str(l, 0, true, "root", &s->root);
        case K_LIVE:
                return get_bool(l, 0, "live", &s->live);
        case K_ARCH:
                k = get_str(l, 0, true, "arch", &s->arch);
                return k < 0 ? k : get_bool(l, 1, "arch_from_option", &s->arch_from_option);
        case K_RELEASE:
                return get_str(l, 0, true, "release", &s->kernel_release);
        case K_BANNER:
                return get_str(l, 0, true, "banner", &s->kernel_version_banner);
        case K_CMDLINE:
                k = get_state(l, 0, "state", &s->cmdline_state);
                return k < 0 ? k : get_str(l, 1, true, "command line", &s->cmdline);
        case K_CMDLINE_ERROR:
                return get_error(l, &s->cmdline_error);
        case K_RELEASE_ERROR:
                return get_error(l, &s->release_error);
        case K_IOMEM:
                k = get_state(l, 0, "state", &s->iomem.state);
                if (k >= 0)
                        k = get_u64(l, 1, UINT64_MAX, "system_ram", &s->iomem.system_ram);
                return k < 0 ? k : get_bool(l, 2, "all_zero", &s->iomem.all_zero);
        case K_IOMEM_ERROR:
                return get_error(l, &s->iomem.error);
        case K_IOMEM_RANGE:
                return rec_iomem_range(l);
        case K_MEMINFO:
                k = get_state(l, 0, "state", &s->meminfo.state);
                return k < 0 ? k : get_u64(l, 1, UINT64_MAX, "mem_total", &s->meminfo.mem_total);
        case K_MEMINFO_ERROR:
                return get_error(l, &s->meminfo.error);
        case K_INTERRUPTS:
                k = get_state(l, 0, "state", &s->interrupts.state);
                return k < 0 ? k : get_unsigned(l, 1, LOAD_IRQ_MAX_CPUS, "n_cpus", &s->interrupts.n_cpus);
        case K_INTERRUPTS_ERROR:
                return get_error(l, &s->interrupts.error);
        case K_INTERRUPTS_LINE:
                return rec_interrupts_line(l);
        case K_CPUS:
                k = get_state(l, 0, "state", &s->cpus.state);
                if (k >= 0)
                        k = get_unsigned(l, 1, LOAD_CPU_MAX, "possible", &s->cpus.possible);
                if (k >= 0)
                        k = get_unsigned(l, 2, LOAD_CPU_MAX, "present", &s->cpus.present);
                return k < 0 ? k : get_unsigned(l, 3, LOAD_CPU_MAX, "online", &s->cpus.online);
        case K_CPUS_ERROR:
                return get_error(l, &s->cpus.error);
        case K_KEXEC:
                k = get_state(l, 0, "crash_size state", &s->kexec.crash_size_state);
                if (k >= 0)
                        k = get_u64(l, 1, UINT64_MAX, "crash_size", &s->kexec.crash_size);
                if (k >= 0)
                        k = get_state(l, 2, "crash_loaded state", &s->kexec.crash_loaded_state);
                return k < 0 ? k : get_bool(l, 3, "crash_loaded", &s->kexec.crash_loaded);
        case K_PCI:
                k = get_state(l, 0, "state", &s->pci.state);
                if (k >= 0)
                        k = get_enum(l, 1, sources, ELEMENTSOF(sources), "PCI source", &e);
                if (k < 0)
                        return k;
                s->pci.source = (enum pci_source) e;
                return get_str(l, 2, true, "source path", &s->pci.source_path);
        case K_PCI_ERROR:
                return get_error(l, &s->pci.error);
        case K_PCI_FUNCTION:
                return rec_pci_function(l);
        case K_FLAVOR:
                k = get_enum(l, 0, flavors, ELEMENTSOF(flavors), "flavor", &e);
                if (k >= 0)
                        s->flavor = (enum kdump_flavor) e;
                return k;
        case K_KDUMP_ENABLED:
                k = get_bool(l, 0, "known", &s->kdump_enabled_known);
                return k < 0 ? k : get_bool(l, 1, "enabled", &s->kdump_enabled);
        case K_SYSCONFIG:
                k = get_state(l, 0, "state", &s->kdump_sysconfig.state);
                return k < 0 ? k : get_str(l, 1, true, "path", &s->kdump_sysconfig.path);
        case K_SYSCONFIG_ERROR:
                return get_error(l, &s->kdump_sysconfig.error);
        case K_SYSCONFIG_VAR:
                return rec_sysconfig_var(l);
        case K_KDUMP_CONF:
                return get_state(l, 0, "state", &s->kdump_conf.state);
        case K_KDUMP_CONF_ERROR:
                return get_error(l, &s->kdump_conf.error);
        case K_KDUMP_CONF_DIRECTIVE:
                return rec_kdump_conf_directive(l);
        case K_DUMP_TARGET:
                k = get_enum(l, 0, kinds, ELEMENTSOF(kinds), "dump target kind", &e);
                if (k < 0)
                        return k;
                s->dump_target.kind = (enum dump_target_kind) e;
                k = get_str(l, 1, true, "spec", &s->dump_target.spec);
                if (k >= 0)
                        k = get_str(l, 2, true, "block device", &s->dump_target.block_device);
                if (k >= 0)
                        k = get_str(l, 3, true, "PCI slot", &s->dump_target.pci_slot);
                return k < 0 ? k : get_str(l, 4, true, "why unresolved", &s->dump_target.why_unresolved);
        case K_INITRAMFS:
                k = get_state(l, 0, "state", &s->initramfs.state);
                return k < 0 ? k : get_str(l, 1, true, "path", &s->initramfs.path);
        case K_INITRAMFS_ERROR:
                return get_error(l, &s->initramfs.error);
        case K_INITRAMFS_MODULES:
                return rec_module_list(l, &s->initramfs.modules);
        case K_MODULES:
                k = get_state(l, 0, "state", &s->modules.state);
                return k < 0 ? k : get_str(l, 1, true, "dir", &s->modules.dir);
        case K_MODULES_ERROR:
                return get_error(l, &s->modules.error);
        case K_MODULES_BUILTIN:
                return rec_module_list(l, &s->modules.builtin);
        case K_END:
        case _K_MAX:
                break;
        }
        return 0;
}

/* ---- whole-snapshot invariants, checked at "end" ---- */

static bool error_set(const struct fact_error *e) {
        return e->file || e->message || e->line;
}

/* A fact group: OK without an error (unless ok_error), INVALID with a message, and data only
 * when OK (has_data). */
static int check_group(struct loader *l, const char *what, enum fact_state st, const struct fact_error *e,
                       bool has_data, bool ok_error) {
        if (st == FACT_OK && error_set(e) && !ok_error)
                return fail(l, "%s: state ok, but it has an error record", what);
        if (st == FACT_INVALID && !e->message)
                return fail(l, "%s: state invalid needs an error record with a message", what);
        if (st != FACT_OK && has_data)
                return fail(l, "%s: data with state %s (only an ok fact has data)", what, fact_state_to_string(st));
        return 0;
}

/* What iomem.c iomem_parse() establishes: the first range at depth 0, each at most one deeper
 * than the one before; with real addresses, children within their parent and siblings ascending
 * and disjoint; all_zero and system_ram as it computes them. */
static int check_iomem(struct loader *l) {
        const struct iomem *m = &l->s->iomem;
        size_t stack[16] = {};
        uint64_t ram = 0;
        bool any_nonzero = false;

        for (size_t i = 0; i < m->n_ranges; i++) {
                if (m->ranges[i].depth > (i == 0 ? 0 : m->ranges[i - 1].depth + 1))
                        return fail(l, "iomem: range %zu (\"%.40s\") is nested deeper than the range before it allows",
                                    i + 1, m->ranges[i].name);
                if (m->ranges[i].start || m->ranges[i].end)
                        any_nonzero = true;
        }
        if (m->state == FACT_OK && m->n_ranges == 0)
                return fail(l, "iomem: state ok needs at least one range");
        if (m->state == FACT_OK && m->all_zero != !any_nonzero)
                return fail(l, "iomem: all_zero is %s, but the ranges say %s", m->all_zero ? "yes" : "no",
                            any_nonzero ? "no" : "yes");
        if (m->state != FACT_OK && (m->all_zero || m->system_ram))
                return fail(l, "iomem: system_ram and all_zero are 0/no without ranges");
        if (m->state != FACT_OK || m->all_zero)
                return m->system_ram ? fail(l, "iomem: system_ram must be 0 when the addresses are hidden") : 0;

        for (size_t i = 0; i < m->n_ranges; i++) {
                const struct iomem_range *c = &m->ranges[i];
                unsigned d = c->depth;

                if (d >= ELEMENTSOF(stack))
                        return fail(l, "iomem: range %zu is nested deeper than %zu levels", i + 1, ELEMENTSOF(stack));
                if (d > 0) {
                        const struct iomem_range *pa = &m->ranges[stack[d - 1]];
                        if (c->start < pa->start || c->end > pa->end)
                                return fail(l, "iomem: range 0x%" PRIx64 "-0x%" PRIx64 " is not within its parent",
                                            c->start, c->end);
                }
                if (i > 0 && m->ranges[i - 1].depth >= d && (d == 0 || stack[d] > stack[d - 1]) &&
                    c->start <= m->ranges[stack[d]].end)
                        return fail(l, "iomem: range 0x%" PRIx64 "-0x%" PRIx64 " overlaps or is below the range "
                                    "before it at the same level", c->start, c->end);
                stack[d] = i;
                if (d == 0 && streq(c->name, "System RAM")) {
                        uint64_t sz = c->end - c->start + 1;
                        ram = sz == 0 || ram > UINT64_MAX - sz ? UINT64_MAX : ram + sz;
                }
        }
        if (ram != m->system_ram)
                return fail(l, "iomem: system_ram is %" PRIu64 ", the top-level System RAM ranges add up to %" PRIu64,
                            m->system_ram, ram);
        return 0;
}

static int check_all(struct loader *l) {
        const struct snapshot *s = l->s;
        int k;

        l->key = NULL;
        if (s->cmdline_state == FACT_OK ? !s->cmdline : !!s->cmdline)
                return fail(l, "cmdline: a command line exactly when the state is ok");
        if (s->cmdline && (strlen(s->cmdline) > LOAD_MAX_ONE_LINE || strchr(s->cmdline, '\n')))
                return fail(l, "cmdline: one line of at most %u bytes", LOAD_MAX_ONE_LINE);
        k = check_group(l, "cmdline", s->cmdline_state, &s->cmdline_error, false, false);
        if (k < 0)
                return k;
        if (s->kernel_release && (!*s->kernel_release || strlen(s->kernel_release) > 64 ||
                                  has_char(s->kernel_release, " \t\n/")))
                return fail(l, "kernel_release: 1..64 bytes without spaces or '/'");
        if (s->kernel_release && error_set(&s->release_error))
                return fail(l, "release.error with a kernel release");
        if (s->arch_from_option && !s->arch)
                return fail(l, "arch: from the option, but missing");

        k = check_group(l, "iomem", s->iomem.state, &s->iomem.error, s->iomem.n_ranges > 0, false);
        if (k >= 0)
                k = check_iomem(l);
        if (k >= 0)
                k = check_group(l, "meminfo", s->meminfo.state, &s->meminfo.error, s->meminfo.mem_total > 0, false);
        if (k < 0)
                return k;
        /* meminfo.c: MemTotal in kB, not 0 */
        if (s->meminfo.state == FACT_OK && (s->meminfo.mem_total == 0 || s->meminfo.mem_total % 1024))
                return fail(l, "meminfo: mem_total is a non-zero multiple of 1024 when ok");

        k = check_group(l, "interrupts", s->interrupts.state, &s->interrupts.error,
                        s->interrupts.n_lines > 0 || s->interrupts.n_cpus > 0, false);
        if (k < 0)
                return k;
        if (s->interrupts.state == FACT_OK && (s->interrupts.n_cpus == 0 || s->interrupts.n_lines == 0))
                return fail(l, "interrupts: state ok needs CPUs and at least one line");

        k = check_group(l, "cpus", s->cpus.state, &s->cpus.error, false, false);
        if (k < 0)
                return k;
        if (s->cpus.state == FACT_OK && (!s->cpus.possible || !s->cpus.present || !s->cpus.online))
                return fail(l, "cpus: state ok needs at least one possible, present and online CPU");

        if ((s->kexec.crash_size_state != FACT_OK && s->kexec.crash_size) ||
            (s->kexec.crash_loaded_state != FACT_OK && s->kexec.crash_loaded))
                return fail(l, "kexec: values are 0/no unless their state is ok");

        /* pci.c: FACT_OK may carry the error of one unreadable config file */
        k = check_group(l, "pci", s->pci.state, &s->pci.error, s->pci.n_functions > 0, true);
        if (k < 0)
                return k;

        k = check_group(l, "kdump_sysconfig", s->kdump_sysconfig.state, &s->kdump_sysconfig.error, false, false);
        if (k < 0)
                return k;
        if (s->kdump_sysconfig.state == FACT_MISSING && s->kdump_sysconfig.n_vars)
                return fail(l, "kdump_sysconfig: assignments of a missing file");
        k = check_group(l, "kdump_conf", s->kdump_conf.state, &s->kdump_conf.error, false, false);
        if (k < 0)
                return k;
        if (s->kdump_conf.state == FACT_MISSING && s->kdump_conf.n_directives)
                return fail(l, "kdump_conf: directives of a missing file");

        k = check_group(l, "initramfs", s->initramfs.state, &s->initramfs.error, false, false);
        if (k < 0)
                return k;
        /* modules.c collect_initramfs(): ok = a path and a (possibly empty) module list */
        if (s->initramfs.state == FACT_OK ? !s->initramfs.modules || !s->initramfs.path : !!s->initramfs.modules)
                return fail(l, "initramfs: a path and a module list (initramfs.modules) exactly when ok");
        /* modules.c: invalid when libkmod could not be loaded or failed, with why */
        k = check_group(l, "modules", s->modules.state, &s->modules.error, false, false);
        if (k < 0)
                return k;
        if (s->modules.state != FACT_OK && s->modules.builtin)
                return fail(l, "modules: builtin modules need state ok");
        return 0;
}

/* ---- the driver ---- */

static int split_fields(struct loader *l, const char *p, size_t n) {
        l->n_f = 0;
        for (const char *e = p + n; p < e;) {
                const char *sp = memchr(p, ' ', (size_t) (e - p));

                if (!sp)
                        sp = e;
                if (sp == p || (sp + 1 == e && sp < e))
                        return fail(l, "empty field (fields are separated by exactly one space, none at the end)");
                if (l->n_f == l->cap_f) {
                        size_t nc = l->cap_f ? l->cap_f * 2 : 64;
                        struct field *nf = reallocarray(l->f, nc, sizeof(*nf));
                        if (!nf)
                                return -ENOMEM;
                        l->f = nf;
                        l->cap_f = nc;
                }
                l->f[l->n_f++] = (struct field) { p, (size_t) (sp - p) };
                p = sp < e ? sp + 1 : e;
        }
        return 0;
}

static int load(struct loader *l, const char *data, size_t size) {
        const char *p = data, *end = data + size;
        bool seen[_K_MAX] = {};
        int last = -1, k;

        if (size > SNAPSHOT_FILE_MAX)
                return fail(l, "larger than %zu bytes: not a snapshot file", SNAPSHOT_FILE_MAX);

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p)), *line = p, *sp;
                size_t len, kl;
                int key = -1;

                l->line++;
                l->key = NULL;
                if (!eol)
                        return fail(l, "the last line does not end with a newline: the file is truncated");
                len = (size_t) (eol - line);
                p = eol + 1;
                if (len > SNAPSHOT_LINE_MAX)
                        return fail(l, "line of %zu bytes (at most %zu)", len, SNAPSHOT_LINE_MAX);
                if (memchr(line, 0, len))
                        return fail(l, "NUL byte: not a snapshot file");
                if (len > 0 && line[len - 1] == '\r')
                        return fail(l, "carriage return at the end of the line (CRLF): not a snapshot file");

                if (l->line == 1) {
                        static const char magic[] = SNAPSHOT_FILE_MAGIC " ";
                        const char *v = line + strlen(magic);

                        if (len < strlen(magic) || memcmp(line, magic, strlen(magic)) != 0)
                                return fail(l, "not a kdump-validator snapshot (the first line must be \"%s %d\")",
                                            SNAPSHOT_FILE_MAGIC, SNAPSHOT_FILE_VERSION);
                        if ((size_t) (eol - v) != 1 || *v != '0' + SNAPSHOT_FILE_VERSION)
                                return fail(l, "unsupported snapshot format version \"%.*s\" (this kdump-validate "
                                            "reads version %d)", (int) ((size_t) (eol - v) > 20 ? 20 : eol - v), v,
                                            SNAPSHOT_FILE_VERSION);
                        continue;
                }
                if (last == K_END)
                        return fail(l, "text after the \"end\" line");

                sp = memchr(line, ' ', len);
                kl = sp ? (size_t) (sp - line) : len;
                for (int i = 0; i < _K_MAX; i++)
                        if (strlen(keys[i].name) == kl && memcmp(keys[i].name, line, kl) == 0) {
                                key = i;
                                break;
                        }
                if (key < 0) {
                        struct field f = { line, kl };
                        char b[200];
                        return fail(l, "unknown record \"%s\"", shown(&f, b));
                }
                l->key = keys[key].name;
                if (key < last || (key == last && keys[key].kind != REPEAT))
                        return fail(l, "%s: records must come once each, in the order of the format",
                                    key == last ? "repeated" : "out of order");
                for (int q = last + 1; q < key; q++)
                        if (keys[q].kind == ONCE)
                                return fail(l, "expected a \"%s\" record before it", keys[q].name);
                last = key;
                seen[key] = true;

                k = split_fields(l, sp ? sp + 1 : line + len, sp ? (size_t) (eol - sp - 1) : 0);
                if (k >= 0 && sp && sp + 1 == eol)
                        k = fail(l, "a space at the end of the line");
                if (k < 0)
                        return k;
                if (keys[key].n_fields >= 0 && l->n_f != (size_t) keys[key].n_fields)
                        return fail(l, "expected %d fields, got %zu", keys[key].n_fields, l->n_f);
                if (keys[key].n_fields < 0 && key == K_INTERRUPTS_LINE && l->n_f < 4)
                        return fail(l, "expected IRQ CHIP HWIRQ ACTIONS and the counts");
                k = record(l, key);
                if (k < 0)
                        return k;
        }
        if (l->line == 0)
                return fail(l, "empty file: not a snapshot");
        if (!seen[K_END])
                return fail(l, "no \"end\" line: the file is truncated");
        return check_all(l);
}

int snapshot_load(const char *data, size_t size, const char *name, struct snapshot *s, struct fact_error *err) {
        struct loader l = { .name = name ? name : "snapshot", .err = err, .s = s };
        int k;

        if ((!data && size) || !s || !err)
                return -EINVAL;
        *s = (struct snapshot) {};
        k = load(&l, data ? data : "", size);
        free(l.f);
        if (k < 0) {
                /* error lines name the line; the end-of-file checks name the "end" line */
                snapshot_clear(s);
                if (k != -EBADMSG)
                        fact_error_clear(err);
        }
        return k;
}

/* ---- reading a file ---- */

int snapshot_load_file(const struct collect_options *o, const char *path, struct snapshot **ret,
                       struct fact_error *err) {
        static const struct collect_options none = {};
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int fd = -1;
        struct snapshot *s;
        size_t len = 0;
        struct stat st;
        int k;

        if (!path || !ret || !err)
                return -EINVAL;
        if (!o)
                o = &none;
        if (streq(path, "-"))
                k = read_full_fd(STDIN_FILENO, SNAPSHOT_FILE_MAX, &data, &len);
        else {
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                if (fd < 0) {
                        fact_error_set(err, path, 0, "cannot open the snapshot file: %s", strerror(errno));
                        return err->message ? -EBADMSG : -ENOMEM;
                }
                if (fstat(fd, &st) < 0)
                        k = -errno;
                else if (!S_ISREG(st.st_mode))
                        k = -EBADFD;
                else if ((uint64_t) st.st_size > SNAPSHOT_FILE_MAX)
                        k = -EFBIG;
                else
                        k = read_full_fd(fd, SNAPSHOT_FILE_MAX, &data, &len);
        }
        if (k == -ENOMEM)
                return k;
        if (k < 0) {
                fact_error_set(err, path, 0, "cannot read the snapshot file: %s",
                               k == -EBADFD ? "not a regular file" :
                               k == -EFBIG ? "larger than 64 MiB, not a snapshot" :
                               k == -EBADMSG ? "a NUL byte: not a snapshot" : strerror(-k));
                return err->message ? -EBADMSG : -ENOMEM;
        }

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        k = snapshot_load(data, len, path, s, err);
        if (k >= 0)
                k = collect_driver_table(collect_driver_table_path(o), s);
        if (k >= 0 && o->arch) {
                free(s->arch);
                s->arch = strdup(o->arch);
                s->arch_from_option = true;
                if (!s->arch)
                        k = -ENOMEM;
        }
        if (k < 0) {
                snapshot_free(s);
                return k;
        }
        *ret = s;
        return 0;
}
