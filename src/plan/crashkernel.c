/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashkernel=: parse and evaluate it exactly as the kernel does, then compare with what the
 * running kernel actually reserved (/proc/iomem "Crash kernel", /sys/kernel/kexec_crash_*).
 *
 * Kernel sources mirrored here (research/kernel-model.md §C, M3):
 *   [6.12]    kernel/crash_reserve.c: parse_crashkernel_mem :57-143, parse_crashkernel_simple :150-172,
 *             parse_crashkernel_suffix, get_last_crashkernel :216-253, parse_crashkernel :296-343,
 *             reserve_crashkernel_generic :378-452 (also torvalds/linux @ 35c18f2933c5)
 *   [6.1]     arch/x86/kernel/setup.c :479-621 (pre-generic x86: ,high tried when the plain form
 *             fails or is zero; ,low parsed whenever the region ended above 4G)
 *   [RHEL7.7] kernel/crash_core.c :157-180, :293-303 (crashkernel=auto formula)
 *   [RHEL8.3] kernel/crash_core.c :264-272 (crashkernel=auto tables)
 * Note: the kernel finds crashkernel= with strstr() on the raw command line and ends a word at
 * the next ' ' — it does NOT honour quotes for crashkernel= (get_last_crashkernel). We mirror that. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>

#include "kdv/plan.h"
#include "kdv/util.h"

#define SZ_4G (4 * GiB)

/* ---- what differs between kernels ---- */
enum ck_auto {
        CK_AUTO_UPSTREAM,       /* "auto" is not a number: "crashkernel: memory value expected" */
        CK_AUTO_UNKNOWN,        /* release unknown: cannot say */
        CK_AUTO_RHEL7,          /* formula, [RHEL7.7] crash_core.c:157-180 */
        CK_AUTO_RHEL8_OLD,      /* table "1G-64G:160M,64G-1T:256M,1T-:512M" (RHEL 8.0-8.2, kernel-ark elrdy) */
        CK_AUTO_RHEL8,          /* table "1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M" ([RHEL8.3]) */
};

enum ck_arch { CK_X86_64, CK_ARM64, CK_RISCV, CK_LOONGARCH, CK_PPC64, CK_S390, CK_OTHER };

struct ck_model {
        enum ck_arch arch;
        bool roundup_128m;      /* range form evaluates roundup(system_ram, 128M) */
        bool generic;           /* reserve_crashkernel_generic (,high only when no plain form) */
        bool cma_suffix;        /* ",cma" is a known suffix */
        bool high_supported;
        enum ck_auto auto_kind;
};

static enum ck_arch ck_arch_from_string(const char *arch) {
        if (!arch || streq(arch, "x86_64") || streq(arch, "amd64"))
                return CK_X86_64;       /* default: newest x86_64 behaviour */
        if (streq(arch, "aarch64") || streq(arch, "arm64"))
                return CK_ARM64;
        if (startswith(arch, "riscv"))
                return CK_RISCV;
        if (startswith(arch, "loongarch"))
                return CK_LOONGARCH;
        if (startswith(arch, "ppc64"))
                return CK_PPC64;
        if (startswith(arch, "s390"))
                return CK_S390;
        return CK_OTHER;
}

/* Build number of a RHEL-style release "4.18.0-240.el8.x86_64" → 240. */
static unsigned rhel_build(const char *release) {
        const char *dash = strchr(release, '-');
        return dash ? (unsigned) strtoul(dash + 1, NULL, 10) : 0;
}

static bool version_ge(unsigned maj, unsigned min, unsigned want_maj, unsigned want_min) {
        return maj > want_maj || (maj == want_maj && min >= want_min);
}

static void ck_model_init(struct ck_model *m, const char *arch, const char *release) {
        unsigned maj = 0, min = 0;
        bool known = release && kernel_version_parse(release, &maj, &min, NULL) >= 0;

        *m = (struct ck_model) { .arch = ck_arch_from_string(arch) };

        if (!known) {
                /* Unknown release: newest upstream behaviour, "auto" cannot be judged. */
                m->roundup_128m = m->generic = m->cma_suffix = true;
                m->auto_kind = CK_AUTO_UNKNOWN;
        } else if (strstr(release, ".el7")) {
                /* [RHEL7.7]: no round-up in parse_crashkernel_mem, auto = formula. */
                m->auto_kind = CK_AUTO_RHEL7;
        } else if (strstr(release, ".el8")) {
                /* Round-up backported by [RHEL8.3] (crash_core.c:53); the table changed there too. */
                m->roundup_128m = rhel_build(release) >= 240;
                m->auto_kind = rhel_build(release) >= 240 ? CK_AUTO_RHEL8 : CK_AUTO_RHEL8_OLD;
        } else if (strstr(release, ".elrdy")) {
                /* kernel-ark "el ready" builds carried RHEL 8's crashkernel=auto patch: real capture
                 * fixtures/real/dmesg/hp-proliant-dl388p-gen8.console.txt (5.4.0-1.elrdy: 160MB at 49117MB). */
                m->roundup_128m = version_ge(maj, min, 6, 0);
                m->auto_kind = CK_AUTO_RHEL8_OLD;
        } else {
                /* Upstream and every other distribution: "auto" is rejected, e.g.
                 * fixtures/real/dmesg/dell-poweredge-r7425-crashkernel-auto-unsupported.dmesg.txt. */
                m->auto_kind = CK_AUTO_UPSTREAM;
                /* Tao Liu's round-up: present in [6.1] crash_core.c:57, absent in 5.x; 6.0 vs 6.1 UNVERIFIED. */
                m->roundup_128m = version_ge(maj, min, 6, 0) || strstr(release, ".el9") || strstr(release, ".el10");
                /* Generic reservation (Baoquan He, 0ab97169aa05) for x86/arm64/riscv: 6.7 (research C.2, UNVERIFIED 6.6/6.7). */
                m->generic = version_ge(maj, min, 6, 7);
                /* ",cma" (Jiri Bohac) is not in 6.12.117 (research C.1); assume 6.16+ (UNVERIFIED). */
                m->cma_suffix = version_ge(maj, min, 6, 16);
        }

        switch (m->arch) {
        case CK_X86_64:
                m->high_supported = true;       /* x86 has parsed ,high since 3.9 ([4.15], [RHEL7.7]) */
                break;
        case CK_ARM64:
                m->high_supported = !known || version_ge(maj, min, 5, 19) || strstr(release, ".el9");
                break;
        case CK_RISCV:
        case CK_LOONGARCH:
                m->high_supported = !known || version_ge(maj, min, 6, 7);
                break;
        default:
                m->high_supported = false;      /* ppc64, s390: no ,high/,low (research C.4, C.5) */
        }
}

/* ---- the kernel's number parsing ---- */

/* memparse(): simple_strtoull(ptr, &end, 0) then an optional K/M/G/T/P/E suffix (lib/cmdline.c).
 * Base 0: "0x" hex when followed by a hex digit, leading "0" octal, else decimal. No sign, no
 * white space. Overflow wraps like the kernel's accumulator (it only flags it). */
static uint64_t kmemparse(const char *s, const char **end) {
        const char *p = s;
        unsigned base = 10;
        uint64_t v = 0;
        bool any = false;

        if (p[0] == '0' && tolower((unsigned char) p[1]) == 'x' && isxdigit((unsigned char) p[2])) {
                base = 16;
                p += 2;
        } else if (p[0] == '0')
                base = 8;

        for (;; p++) {
                unsigned d;

                if (isdigit((unsigned char) *p))
                        d = (unsigned) (*p - '0');
                else if (isxdigit((unsigned char) *p))
                        d = (unsigned) (tolower((unsigned char) *p) - 'a' + 10);
                else
                        break;
                if (d >= base)
                        break;
                v = v * base + d;
                any = true;
        }
        if (!any) {
                *end = s;
                return 0;
        }

        switch (*p) {
        case 'E': case 'e': v <<= 10; /* fall through */
        case 'P': case 'p': v <<= 10; /* fall through */
        case 'T': case 't': v <<= 10; /* fall through */
        case 'G': case 'g': v <<= 10; /* fall through */
        case 'M': case 'm': v <<= 10; /* fall through */
        case 'K': case 'k': v <<= 10;
                p++;
                break;
        default:
                break;
        }
        *end = p;
        return v;
}

static uint64_t roundup_u64(uint64_t v, uint64_t to) {
        return v % to ? v + (to - v % to) : v;
}

static int set_error(char **error, const char *fmt, ...) _printf_(2, 3);
static int set_error(char **error, const char *fmt, ...) {
        va_list ap;
        char *m;

        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        if (!m)
                return -ENOMEM;
        free(*error);
        *error = m;
        return 0;
}

/* Result of one parse, as the kernel function would leave it. */
struct ck_eval {
        int r;                  /* 0, -EINVAL, -ENOENT, -ENOMEM */
        uint64_t size, base, total;
        char *error;            /* kernel's message (pr_warn/pr_info), or ours when silent */
};

static void ck_eval_done(struct ck_eval *e) {
        free(e->error);
        *e = (struct ck_eval) {};
}

/* parse_crashkernel_mem ([6.12] crash_reserve.c:57-143). */
static int parse_mem(const char *cmdline, uint64_t system_ram, bool roundup, struct ck_eval *e) {
        const char *cur = cmdline, *tmp;
        /* system_ram 0 = unknown: check the syntax only (the caller discards the size) */
        uint64_t total = system_ram == 0 ? UINT64_MAX : roundup ? roundup_u64(system_ram, 128 * MiB) : system_ram;

        e->total = total;
        do {
                uint64_t start, end = UINT64_MAX, size;

                start = kmemparse(cur, &tmp);
                if (cur == tmp) {
                        e->r = -EINVAL;
                        return set_error(&e->error, "crashkernel: Memory value expected");
                }
                cur = tmp;
                if (*cur != '-') {
                        e->r = -EINVAL;
                        return set_error(&e->error, "crashkernel: '-' expected");
                }
                cur++;

                if (*cur != ':') {
                        end = kmemparse(cur, &tmp);
                        if (cur == tmp) {
                                e->r = -EINVAL;
                                return set_error(&e->error, "crashkernel: Memory value expected");
                        }
                        cur = tmp;
                        if (end <= start) {
                                e->r = -EINVAL;
                                return set_error(&e->error, "crashkernel: end <= start");
                        }
                }

                if (*cur != ':') {
                        e->r = -EINVAL;
                        return set_error(&e->error, "crashkernel: ':' expected");
                }
                cur++;

                size = kmemparse(cur, &tmp);
                if (cur == tmp) {
                        e->r = -EINVAL;
                        return set_error(&e->error, "crashkernel: Memory value expected");
                }
                cur = tmp;
                if (size >= total) {
                        char b1[32], b2[32];
                        e->r = -EINVAL;
                        return set_error(&e->error,
                                         "crashkernel: invalid size (a range size %s is not below the system RAM %s the ranges are evaluated against)",
                                         format_size(size, b1), format_size(total, b2));
                }

                if (total >= start && total < end) {
                        e->size = size;
                        break;
                }
        } while (*cur++ == ',');

        if (e->size > 0) {
                while (*cur && *cur != ' ' && *cur != '@')
                        cur++;
                if (*cur == '@') {
                        cur++;
                        e->base = kmemparse(cur, &tmp);
                        if (cur == tmp) {
                                e->r = -EINVAL;
                                return set_error(&e->error, "crashkernel: Memory value expected after '@'");
                        }
                }
        } else {
                char b[32];
                e->r = 0;
                return set_error(&e->error,
                                 "crashkernel size resulted in zero bytes (no range matches the system RAM %s)",
                                 format_size(total, b));
        }
        e->r = 0;
        return 0;
}

/* parse_crashkernel_simple ([6.12] crash_reserve.c:150-172). */
static int parse_simple(const char *cmdline, struct ck_eval *e) {
        const char *cur;

        e->size = kmemparse(cmdline, &cur);
        if (cur == cmdline) {
                e->r = -EINVAL;
                return set_error(&e->error, "crashkernel: memory value expected");
        }
        if (*cur == '@')
                e->base = kmemparse(cur + 1, &cur);     /* the kernel does not check this one */
        else if (*cur != ' ' && *cur != '\0') {
                e->r = -EINVAL;
                return set_error(&e->error, "crashkernel: unrecognized char: %c", *cur);
        }
        e->r = 0;
        return 0;
}

/* parse_crashkernel_suffix ([6.12] crash_reserve.c). */
static int parse_suffix(const char *cmdline, const char *suffix, struct ck_eval *e) {
        const char *cur;

        e->size = kmemparse(cmdline, &cur);
        if (cur == cmdline) {
                e->r = -EINVAL;
                return set_error(&e->error, "crashkernel: memory value expected");
        }
        if (strncmp(cur, suffix, strlen(suffix)) != 0) {
                e->r = -EINVAL;
                return set_error(&e->error, "crashkernel: unrecognized char: %c", *cur);
        }
        cur += strlen(suffix);
        if (*cur != ' ' && *cur != '\0') {
                e->r = -EINVAL;
                return set_error(&e->error, "crashkernel: unrecognized char: %c", *cur);
        }
        e->r = 0;
        return 0;
}

/* get_last_crashkernel ([6.12] crash_reserve.c:216-253): strstr, words end at ' '. */
static const char *get_last(const char *cmdline, const char *suffix, const struct ck_model *m) {
        static const char *const suffixes[] = { ",high", ",low", ",cma" };
        const char *name = "crashkernel=", *p, *found = NULL;

        for (p = strstr(cmdline, name); p; p = strstr(p + 1, name)) {
                const char *end_p = strchr(p, ' ');
                size_t len;

                if (!end_p)
                        end_p = p + strlen(p);
                len = (size_t) (end_p - p);
                if (!suffix) {
                        bool skip = false;
                        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                                size_t sl = strlen(suffixes[i]);
                                if (i == 2 && !m->cma_suffix)
                                        continue;
                                if (len >= sl && strncmp(end_p - sl, suffixes[i], sl) == 0)
                                        skip = true;
                        }
                        if (!skip)
                                found = p;
                } else {
                        size_t sl = strlen(suffix);
                        if (len >= sl && strncmp(end_p - sl, suffix, sl) == 0)
                                found = p;
                }
        }
        return found ? found + strlen(name) : NULL;
}

static char *word_dup(const char *p) {
        const char *e = strchr(p, ' ');
        return e ? strndup(p, (size_t) (e - p)) : strdup(p);
}

/* RHEL 7 arch_default_crash_size(): 0 below 2G (after rounding to 128M), else
 * 160M + roundup((total - 160M) / 16K, 1M): "2 bits per 4K page" ([RHEL7.7] crash_core.c:157-180,
 * include/asm-generic/kexec.h KEXEC_AUTO_RESERVED_SIZE, KEXEC_AUTO_THRESHOLD). */
static uint64_t rhel7_auto_size(uint64_t total) {
        const uint64_t base = 160 * MiB;

        if (roundup_u64(total, 128 * MiB) < 2 * GiB)
                return 0;
        return base + roundup_u64((total - base) / (16 * KiB), MiB);
}

static const char *rhel8_auto_table(enum ck_arch a, bool new_table) {
        /* [RHEL8.3] kernel/crash_core.c:264-272; pre-8.3 x86_64/s390 tables from the kernel's
         * __parse_crashkernel as quoted in a public note (find_string "1G-64G:160M,64G-1T:256M,1T-:512M"). */
        switch (a) {
        case CK_X86_64:
                return new_table ? "1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M" : "1G-64G:160M,64G-1T:256M,1T-:512M";
        case CK_S390:
                return new_table ? "1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M" : "4G-64G:160M,64G-1T:256M,1T-:512M";
        case CK_ARM64:
                return "2G-:448M";
        case CK_PPC64:
                return "2G-4G:384M,4G-16G:512M,16G-64G:1G,64G-128G:2G,128G-:4G";
        default:
                return NULL;
        }
}

/* swiotlb= on the command line: "<nslabs>[,<nareas>][,force|noforce]"; slabs of 2 KiB
 * (IO_TLB_SHIFT 11), aligned to IO_TLB_SEGSIZE 128 (kernel/dma/swiotlb.c setup_io_tlb_npages).
 * Default IO_TLB_DEFAULT_SIZE 64M ([6.12] include/linux/swiotlb.h:36). Last one wins (early_param). */
static uint64_t swiotlb_size_from_cmdline(const char *cmdline) {
        uint64_t size = 64 * MiB;
        const char *p = cmdline;

        while (p && *p) {
                const char *w, *e;
                bool in_quote = false;

                while (*p == ' ' || *p == '\t' || *p == '\n')
                        p++;
                if (!*p)
                        break;
                w = p;
                for (e = p; *e; e++) {
                        if (*e == '"')
                                in_quote = !in_quote;
                        else if (!in_quote && (*e == ' ' || *e == '\t' || *e == '\n'))
                                break;
                }
                if (strncmp(w, "swiotlb=", 8) == 0 && isdigit((unsigned char) w[8])) {
                        uint64_t nslabs = strtoull(w + 8, NULL, 0);
                        nslabs = roundup_u64(nslabs, 128);
                        size = nslabs << 11;
                }
                p = e;
        }
        return size;
}

/* DEFAULT_CRASH_KERNEL_LOW_SIZE: x86 max(swiotlb_size_or_default() + 8M, 256M)
 * ([6.12] arch/x86/include/asm/crash_reserve.h:31-39, [6.1] setup.c:523, [RHEL7.7] setup.c:561);
 * arm64/riscv/loongarch 128M ([6.12] include/linux/crash_reserve.h:23); arm64 before the generic
 * code (6.1) reserved no low region for ,high without ,low ([6.1] arch/arm64/mm/init.c:126-186). */
static uint64_t default_low_size(const struct ck_model *m, const char *cmdline) {
        uint64_t s;

        switch (m->arch) {
        case CK_X86_64:
                s = swiotlb_size_from_cmdline(cmdline) + 8 * MiB;
                return s > 256 * MiB ? s : 256 * MiB;
        case CK_ARM64:
                return m->generic ? 128 * MiB : 0;
        case CK_RISCV:
        case CK_LOONGARCH:
                return 128 * MiB;
        default:
                return 0;
        }
}

/* The plain form: "auto", range list, or size[@offset]. */
static int parse_plain(const char *ck, uint64_t system_ram, const struct ck_model *m,
                       struct crashkernel_request *r, struct ck_eval *e) {
        const char *colon, *space;
        int k;

        if (strncmp(ck, "auto", 4) == 0 && m->auto_kind != CK_AUTO_UPSTREAM) {
                r->auto_form = true;
                switch (m->auto_kind) {
                case CK_AUTO_RHEL7:
                        e->total = system_ram;
                        e->size = rhel7_auto_size(system_ram);
                        e->r = 0;
                        if (e->size == 0 && system_ram > 0) {
                                /* [RHEL7.7] crash_core.c:302 (returns -ENOMEM) */
                                e->r = -ENOMEM;
                                return set_error(&e->error, "crashkernel=auto resulted in zero bytes of reserved memory.");
                        }
                        return 0;
                case CK_AUTO_RHEL8:
                case CK_AUTO_RHEL8_OLD: {
                        const char *t = rhel8_auto_table(m->arch, m->auto_kind == CK_AUTO_RHEL8);
                        if (!t) {
                                e->r = 0;
                                return set_error(&e->error, "crashkernel=auto has no table for this architecture");
                        }
                        r->range_form = true;
                        return parse_mem(t, system_ram, m->roundup_128m, e);
                }
                default:
                        /* CK_AUTO_UNKNOWN */
                        e->r = 0;
                        e->total = system_ram;
                        return set_error(&e->error,
                                         "crashkernel=auto is only understood by RHEL 7/8 kernels (other kernels reject it with "
                                         "\"crashkernel: memory value expected\"); the kernel release is unknown, so its size cannot be evaluated");
                }
        }

        colon = strchr(ck, ':');
        space = strchr(ck, ' ');
        if (colon && (!space || colon < space)) {
                r->range_form = true;
                k = parse_mem(ck, system_ram, m->roundup_128m, e);
        } else {
                e->total = system_ram;
                k = parse_simple(ck, e);
        }
        if (k < 0)
                return k;
        if (e->r == 0 && e->size == 0 && !e->error)
                return set_error(&e->error, "crashkernel=0 requests no memory: nothing is reserved");
        return 0;
}

int crashkernel_parse(const char *cmdline, uint64_t system_ram, const char *arch,
                      const char *kernel_release, struct crashkernel_request *ret) {
        struct ck_model m;
        const char *plain, *high, *low;
        struct ck_eval pe = {}, he = {}, le = {};
        struct crashkernel_request r = {};
        bool use_high = false;
        int k = 0;

        *ret = (struct crashkernel_request) {};
        if (!cmdline)
                return 0;

        ck_model_init(&m, arch, kernel_release);
        plain = get_last(cmdline, NULL, &m);
        high = get_last(cmdline, ",high", &m);
        low = get_last(cmdline, ",low", &m);
        r.present = plain || high || low || strstr(cmdline, "crashkernel=");
        if (!r.present)
                return 0;
        r.ram_evaluated = system_ram;

        if (plain) {
                r.text = word_dup(plain);
                if (!r.text)
                        return -ENOMEM;
                k = parse_plain(plain, system_ram, &m, &r, &pe);
                if (k < 0)
                        goto finish;
                r.ram_evaluated = system_ram == 0 ? 0 : pe.total;
                r.valid = pe.r == 0;
                r.size = pe.size;
                r.offset = pe.base;
                if (pe.error)
                        r.error = TAKE_PTR(pe.error);
                if (system_ram == 0 && r.valid && (r.range_form || r.auto_form)) {
                        /* ram_evaluated == 0 with range_form/auto_form marks "could not evaluate" */
                        r.size = 0;
                        k = set_error(&r.error, "the system RAM size is unknown (/proc/iomem and /proc/meminfo unreadable): crashkernel=%s cannot be evaluated", r.text);
                        if (k < 0)
                                goto finish;
                }
                /* parse_crashkernel(): "if (*crash_size >= system_ram) ret = -EINVAL" */
                if (r.valid && r.size > 0 && system_ram > 0 && r.size >= system_ram) {
                        char b1[32], b2[32];
                        r.valid = false;
                        k = set_error(&r.error, "crashkernel size %s is not smaller than the system RAM %s: the kernel rejects it",
                                      format_size(r.size, b1), format_size(system_ram, b2));
                        if (k < 0)
                                goto finish;
                }
                /* size@offset asks memblock for exactly [offset, offset + size): [6.12]
                 * crash_reserve.c reserve_crashkernel_generic() "search_end = crash_base +
                 * crash_size" and pre-generic x86 ([6.1] setup.c reserve_crashkernel()
                 * "memblock_phys_alloc_range(crash_size, SZ_1M, crash_base, crash_base + crash_size)").
                 * When the sum wraps past 2^64 the range is empty: nothing is allocated and the
                 * kernel prints "crashkernel reservation failed - memory is in use." */
                if (r.valid && r.size > 0 && r.offset > UINT64_MAX - r.size) {
                        char b1[32];
                        r.valid = false;
                        k = set_error(&r.error, "the offset 0x%" PRIx64 " plus the size %s runs past the end of the 64-bit "
                                      "address space, so the range [offset, offset + size) the kernel asks memblock for is empty "
                                      "(\"crashkernel reservation failed - memory is in use.\")",
                                      r.offset, format_size(r.size, b1));
                        if (k < 0)
                                goto finish;
                }
                /* Pre-generic x86 ([6.1] setup.c:561-568): if the plain form fails or is zero, try ,high. */
                if ((!r.valid || r.size == 0) && high && m.arch == CK_X86_64 && !m.generic)
                        use_high = true;
        } else if (high) {
                use_high = true;
        } else {
                /* Only ,low (or ,cma) words: parse_crashkernel() finds no size → nothing reserved. */
                r.text = word_dup(strstr(cmdline, "crashkernel=") + strlen("crashkernel="));
                if (!r.text)
                        return -ENOMEM;
                k = set_error(&r.error, "crashkernel=%s alone reserves nothing: it only sizes the low part of crashkernel=X,high", r.text);
                goto finish;
        }

        /* The low part a plain reservation gets if it has to go above 4G: generic code uses the
         * default and ignores ,low; pre-generic x86 parses ,low ([6.1] setup.c:502-547). */
        if (!use_high) {
                r.low_size = default_low_size(&m, cmdline);
                if (low && m.arch == CK_X86_64 && !m.generic) {
                        if (parse_suffix(low, ",low", &le) < 0) {
                                k = -ENOMEM;
                                goto finish;
                        }
                        if (le.r == 0) {
                                r.low_given = true;
                                r.low_size = le.size;
                        }
                }
                goto finish;
        }

        if (!m.high_supported) {
                free(r.text);
                r.text = word_dup(high);
                r.valid = false;
                k = set_error(&r.error, "crashkernel=X,high is not supported on %s: the kernel ignores it and reserves nothing",
                              strempty(arch));
                goto finish;
        }

        {
                _cleanup_free_ char *plain_error = TAKE_PTR(r.error);
                _cleanup_free_ char *plain_text = TAKE_PTR(r.text);

                r = (struct crashkernel_request) { .present = true, .ram_evaluated = system_ram };
                r.text = word_dup(high);
                if (!r.text)
                        return -ENOMEM;
                r.high = true;
                k = parse_suffix(high, ",high", &he);
                if (k < 0)
                        goto finish;
                if (he.r < 0 || he.size == 0) {
                        r.valid = false;
                        r.error = he.error ? TAKE_PTR(he.error) : strdup("crashkernel=0,high requests no memory: nothing is reserved");
                        goto finish;
                }
                r.valid = true;
                r.size = he.size;
                r.low_size = default_low_size(&m, cmdline);
                if (low) {
                        k = parse_suffix(low, ",low", &le);
                        if (k < 0)
                                goto finish;
                        if (le.r == 0) {
                                r.low_given = true;
                                r.low_size = le.size;
                        } else if (m.generic) {
                                /* generic: "invalid value is not allowed" → whole parse fails */
                                r.valid = false;
                                r.size = 0;
                                r.error = TAKE_PTR(le.error);
                                goto finish;
                        }
                        /* pre-generic x86: an invalid ,low silently falls back to the default */
                }
                if (plain_error && plain_text)
                        k = set_error(&r.error, "crashkernel=%s was not usable (%s); the kernel used crashkernel=%s instead",
                                      plain_text, plain_error, r.text);
        }

finish:
        ck_eval_done(&pe);
        ck_eval_done(&he);
        ck_eval_done(&le);
        if (k < 0) {
                crashkernel_request_clear(&r);
                return k;
        }
        *ret = r;
        return 0;
}

void crashkernel_request_clear(struct crashkernel_request *r) {
        free(r->text);
        free(r->error);
        *r = (struct crashkernel_request) {};
}

/* ---- the plan: request + what the kernel did ---- */

static bool is_crash_range(const char *name) {
        return name && (streq(name, "Crash kernel") || streq(name, "Crash kernel (low)"));
}

/* Bridges never do DMA of their own; their mask stays at the 32-bit default (probe.c:1964). */
static bool pci_is_bridge(const struct pci_function *f) {
        return (f->class >> 16) == 0x06 || f->header_type == 1 || f->header_type == 2;
}

int crashkernel_plan_build(const struct snapshot *s, struct crashkernel_plan *ret) {
        struct crashkernel_plan p = { .min_dma_mask_bits = -1 };
        uint64_t ram = 0;
        bool iomem_ok;
        int k;

        *ret = (struct crashkernel_plan) { .min_dma_mask_bits = -1 };

        iomem_ok = s->iomem.state == FACT_OK && !s->iomem.all_zero;

        p.crash_size_known = s->kexec.crash_size_state == FACT_OK;
        p.crash_size = p.crash_size_known ? s->kexec.crash_size : 0;
        p.loaded_known = s->kexec.crash_loaded_state == FACT_OK;
        p.loaded = p.loaded_known && s->kexec.crash_loaded;

        /* memblock_phys_mem_size() approximated by Σ top-level "System RAM" (kdump-utils
         * get_system_size does the same). MemTotal excludes the crash reservation (it is
         * memblock-reserved), so add kexec_crash_size back when we must fall back to it. */
        if (iomem_ok && s->iomem.system_ram > 0)
                ram = s->iomem.system_ram;
        else if (s->meminfo.state == FACT_OK && s->meminfo.mem_total > 0)
                ram = s->meminfo.mem_total + p.crash_size;

        if (s->cmdline_state == FACT_OK && s->cmdline) {
                k = crashkernel_parse(s->cmdline, ram, s->arch, s->kernel_release, &p.request);
                if (k < 0)
                        return k;
        }

        if (iomem_ok) {
                p.facts_known = true;
                for (size_t i = 0; i < s->iomem.n_ranges; i++) {
                        const struct iomem_range *rg = &s->iomem.ranges[i];
                        uint64_t len, lo;

                        if (!is_crash_range(rg->name) || rg->end < rg->start)
                                continue;
                        len = rg->end - rg->start + 1;
                        lo = rg->start >= SZ_4G ? 0 : (rg->end < SZ_4G ? len : SZ_4G - rg->start);
                        p.reserved += len;
                        p.reserved_low += lo;
                        p.reserved_high += len - lo;
                        p.n_regions++;
                }
        }

        if (s->pci.state == FACT_OK)
                for (size_t i = 0; i < s->pci.n_functions; i++) {
                        const struct pci_function *f = &s->pci.functions[i];
                        int bits = -1;

                        if (!f->driver || pci_is_bridge(f))
                                continue;
                        /* fls64(mask): 0 means no DMA mask at all (no DMA), skip it */
                        if (f->dma_mask_bits > 0)
                                bits = f->dma_mask_bits;
                        if (f->consistent_dma_mask_bits > 0 && (bits < 0 || f->consistent_dma_mask_bits < bits))
                                bits = f->consistent_dma_mask_bits;
                        if (bits < 0)
                                continue;
                        if (p.min_dma_mask_bits < 0 || bits < p.min_dma_mask_bits) {
                                char *slot = strdup(f->slot), *drv = strdup(f->driver);
                                if (!slot || !drv) {
                                        free(slot);
                                        free(drv);
                                        crashkernel_plan_clear(&p);
                                        return -ENOMEM;
                                }
                                free(p.min_dma_mask_slot);
                                free(p.min_dma_mask_driver);
                                p.min_dma_mask_bits = bits;
                                p.min_dma_mask_slot = slot;
                                p.min_dma_mask_driver = drv;
                        }
                }

        *ret = p;
        return 0;
}

void crashkernel_plan_clear(struct crashkernel_plan *p) {
        crashkernel_request_clear(&p->request);
        free(p->min_dma_mask_slot);
        free(p->min_dma_mask_driver);
        *p = (struct crashkernel_plan) { .min_dma_mask_bits = -1 };
}
