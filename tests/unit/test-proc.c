/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsers of /proc and /sys/devices/system/cpu files, and collect_proc() over fixture roots.
 * Real inputs come from tests/fixtures/proc/ (see PROVENANCE.md there); expected values were
 * computed by hand from those files (hex arithmetic shown next to each). */
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kdv/collect.h"
#include "kdv/plan.h"
#include "tap.h"

static const struct iomem_range *iomem_find(const struct iomem *m, const char *name, size_t nth) {
        for (size_t i = 0; i < m->n_ranges; i++)
                if (streq(m->ranges[i].name, name) && nth-- == 0)
                        return &m->ranges[i];
        return NULL;
}

static const struct irq_line *irq_find(const struct interrupts *in, const char *irq) {
        for (size_t i = 0; i < in->n_lines; i++)
                if (streq(in->lines[i].irq, irq))
                        return &in->lines[i];
        return NULL;
}

/* ---------------- iomem ---------------- */

static void test_iomem_real(void) {
        struct iomem m;
        const struct iomem_range *ck, *low;
        char *t;
        int r;

        /* AMD laptop, crashkernel=1G reserved below 4G */
        t = tap_slurp("fixtures/proc/iomem/amd-laptop-crashkernel-1g-below-4g.iomem.txt", NULL);
        ok(t, "read amd-laptop iomem");
        r = iomem_parse(t ? t : "", &m);
        is_int(r, 0, "amd-laptop iomem parses");
        is_int(m.state, FACT_OK, "amd-laptop iomem state ok");
        is_int(m.n_ranges, 105, "amd-laptop: 105 ranges (one per line)");
        ck = iomem_find(&m, "Crash kernel", 0);
        ok(ck && ck->start == 0x9c000000 && ck->end == 0xdbffffff, "amd-laptop: Crash kernel 9c000000-dbffffff");
        ok(ck && ck->end - ck->start + 1 == GiB, "amd-laptop: Crash kernel is 1 GiB");
        is_int(ck ? ck->depth : 99, 1, "amd-laptop: Crash kernel nested under System RAM (depth 1)");
        ok(ck && ck > m.ranges && ck[-5].depth == 0 && streq(ck[-5].name, "System RAM") &&
           ck[-5].start == 0x0a20f000 && ck[-5].end == 0xe6057fff, "amd-laptop: parent is System RAM 0a20f000-e6057fff");
        /* sum of the 8 top-level System RAM lines, computed by hand */
        is_int(m.system_ram, 16517664768ULL, "amd-laptop: System RAM total 16517664768 bytes");
        ok(!m.all_zero, "amd-laptop: real addresses");
        {
                const struct iomem_range *last = &m.ranges[m.n_ranges - 1];
                ok(last->start == 0xfe30404000ULL && last->end == 0xfe30404fffULL && last->depth == 2 &&
                   streq(last->name, "0000:04:00.0"), "amd-laptop: last line 40-bit address at depth 2");
        }
        {
                const struct iomem_range *a = iomem_find(&m, "acp_pdm_iomem", 0);
                ok(a && a->depth == 4, "amd-laptop: acp_pdm_iomem at depth 4 (8 spaces)");
        }
        iomem_clear(&m);
        free(t);

        /* arm64 ThunderX2, crashkernel=4G crashkernel=100M,low: the verbatim mail snippet is not an
         * iomem file (dmesg lines first), the iomem lines sliced from it are. */
        t = tap_slurp("fixtures/proc/iomem/arm64-thunderx2-crashkernel-4G-plus-100M-low.snippet.txt", NULL);
        r = iomem_parse(t ? t : "", &m);
        is_int(r, -EBADMSG, "arm64 mail snippet (with dmesg lines) is rejected");
        is_int(m.state, FACT_INVALID, "arm64 snippet state invalid");
        is_int(m.error.line, 1, "arm64 snippet: error on line 1");
        is_str(m.error.file, "proc/iomem", "arm64 snippet: error names proc/iomem");
        ok(m.error.message && strstr(m.error.message, "2$ dmesg"), "arm64 snippet: message quotes the line");
        is_int(m.n_ranges, 0, "arm64 snippet: no ranges kept on error");
        iomem_clear(&m);
        free(t);

        t = tap_slurp("fixtures/proc/iomem/arm64-thunderx2-crashkernel-4G-plus-100M-low.iomem-lines.txt", NULL);
        r = iomem_parse(t ? t : "", &m);
        is_int(r, 0, "arm64 iomem lines parse");
        is_int(m.n_ranges, 5, "arm64: 5 ranges");
        low = iomem_find(&m, "Crash kernel (low)", 0);
        ck = iomem_find(&m, "Crash kernel", 0);
        ok(low && low->end - low->start + 1 == 100 * MiB, "arm64: Crash kernel (low) f1a00000-f7dfffff = 100 MiB");
        ok(ck && ck->start == 0xbe98c00000ULL && ck->end - ck->start + 1 == 4 * GiB,
           "arm64: Crash kernel be98c00000-bf98bfffff = 4 GiB (matches dmesg 4096 MB)");
        /* 9ffd000000-bffcffffff: 0xbffd000000 - 0x9ffd000000 = 0x2000000000 */
        is_int(m.system_ram, 128 * GiB, "arm64: System RAM 128 GiB (lowercase 'reserved' is not RAM)");
        iomem_clear(&m);
        free(t);

        t = tap_slurp("fixtures/proc/iomem/ibm-xseries-345-type-8670.txt", NULL);
        r = iomem_parse(t ? t : "", &m);
        is_int(r, 0, "IBM xSeries 345 (2.6 era) iomem parses");
        /* 0x9e000 + (0x9ffeac40 - 0x100000) */
        is_int(m.system_ram, 2683866176ULL, "IBM xSeries 345: System RAM 2683866176 bytes");
        ok(!iomem_find(&m, "Crash kernel", 0), "IBM xSeries 345: no crash kernel");
        iomem_clear(&m);
        free(t);

        t = tap_slurp("fixtures/proc/iomem/supermicro-sys-7048gr-tr-x10drg-q-4gpu.txt", NULL);
        r = iomem_parse(t ? t : "", &m);
        is_int(r, 0, "Supermicro 7048GR iomem parses");
        is_int(m.n_ranges, 180, "Supermicro 7048GR: 180 ranges");
        is_int(m.system_ram, 51239776256ULL, "Supermicro 7048GR: System RAM of 6 top-level ranges");
        iomem_clear(&m);
        free(t);
}

static void test_iomem_malformed(void) {
        static const struct {
                const char *text;
                unsigned line;
                const char *what;
                const char *needle;
        } bad[] = {
                { "", 0, "empty file", "empty" },
                { "\n\n", 2, "only blank lines", "empty" },
                { "garbage\n", 1, "garbage", "hexadecimal" },
                { "00000000-00000fff : Reserved\n00001000-0009", 2, "truncated line", "\" : \"" },
                { "00000000-00000fff : Reserved\n00001000", 2, "truncated after start", "'-'" },
                { "00000000- : Reserved\n", 1, "missing end", "missing end" },
                { "00001000-00000fff : System RAM\n", 1, "start > end", "above" },
                { "10000000000000000-1ffffffffffffffff : x\n", 1, "start overflows 64 bits", "64 bits" },
                { "0-10000000000000000 : x\n", 1, "end overflows 64 bits", "64 bits" },
                { "00000000-00000fff: Reserved\n", 1, "no space before colon", "\" : \"" },
                { "00000000-00000fffjunk : Reserved\n", 1, "trailing junk after end", "\" : \"" },
                { "00000000-00000fff Reserved\n", 1, "no separator", "\" : \"" },
                { "   00000000-00000fff : Reserved\n", 1, "odd indentation", "odd" },
                { "  00000000-00000fff : Reserved\n", 1, "first line indented", "first line" },
                { "00000000-ffffffff : PCI\n    00000000-00000fff : x\n", 2, "depth jumps by 2", "deeper" },
                { "00000000-ffffffff : PCI\n\t00000000-00000fff : x\n", 2, "tab indentation", "tab" },
                { "0x0-0xfff : Reserved\n", 1, "0x prefix", "'-'" },
                { "-00000fff : Reserved\n", 1, "no start", "hexadecimal" },
                /* the resource tree (kernel/resource.c __request_resource()) */
                { "00100000-598ccfff : System RAM\n  42000000-5fffffff : Crash kernel\n", 2,
                  "child ends beyond its parent", "not within its parent" },
                { "00100000-598ccfff : System RAM\n  00000000-0fffffff : Crash kernel\n", 2,
                  "child starts below its parent", "not within its parent" },
                { "00000000-0009ffff : System RAM\n00050000-7fffffff : System RAM\n", 2,
                  "overlapping siblings", "overlaps" },
                { "00100000-1fffffff : System RAM\n00000000-0009ffff : System RAM\n", 2,
                  "descending siblings", "is below" },
                { "00000000-ffffffff : PCI\n  00000000-00000fff : a\n    00000000-000000ff : a1\n"
                  "  00000800-00001fff : b\n", 4, "overlapping children after a grandchild", "overlaps" },
                { "00000000-ffffffff : PCI\n  00000000-00000fff : a\n1000000000-1fffffffff : RAM\n"
                  "  1000000000-2000000000 : x\n", 4, "child of the second parent beyond it", "not within" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct iomem m;
                int r = iomem_parse(bad[i].text, &m);
                char name[160];

                snprintf(name, sizeof(name), "iomem malformed: %s -> -EBADMSG", bad[i].what);
                is_int(r, -EBADMSG, name);
                snprintf(name, sizeof(name), "iomem malformed: %s -> invalid, line %u, says '%s'",
                         bad[i].what, bad[i].line, bad[i].needle);
                ok(m.state == FACT_INVALID && m.error.line == bad[i].line && m.error.message &&
                   strstr(m.error.message, bad[i].needle) && m.n_ranges == 0 && !m.ranges, "%s", name);
                if (m.error.message && !strstr(m.error.message, bad[i].needle))
                        printf("#   message: %s (line %u)\n", m.error.message, m.error.line);
                iomem_clear(&m);
        }
}

static void test_iomem_edge(void) {
        struct iomem m;
        int r;

        /* CRLF copy of a real snippet: same result as LF */
        r = iomem_parse("00001000-0009ffff : System RAM\r\n00100000-09bfefff : System RAM\r\n"
                        "  01000000-01b252c1 : Kernel code\r\n", &m);
        is_int(r, 0, "iomem CRLF tolerated");
        ok(m.n_ranges == 3 && streq(m.ranges[2].name, "Kernel code") && m.ranges[2].depth == 1,
           "iomem CRLF: names without \\r");
        is_int(m.system_ram, 0x9f000 + 0x9aff000, "iomem CRLF: System RAM sum");
        iomem_clear(&m);

        /* non-root view: the kernel prints zeros (kernel/resource.c r_show()) */
        r = iomem_parse("00000000-00000000 : System RAM\n  00000000-00000000 : Crash kernel\n", &m);
        is_int(r, 0, "iomem non-root view parses");
        ok(m.all_zero, "iomem non-root view: all_zero");
        is_int(m.system_ram, 0, "iomem non-root view: no System RAM total");
        iomem_clear(&m);

        /* full 64-bit range, name with spaces and " : " inside, no trailing newline, empty name */
        r = iomem_parse("0000000000000000-ffffffffffffffff : PCI mem : odd name  \n"
                        "  00000000-00000fff : ", &m);
        is_int(r, 0, "iomem 64-bit range, odd names");
        ok(m.n_ranges == 2 && m.ranges[0].end == UINT64_MAX && streq(m.ranges[0].name, "PCI mem : odd name") &&
           streq(m.ranges[1].name, ""), "iomem: name keeps inner ' : ', trailing spaces dropped, empty name ok");
        iomem_clear(&m);

        /* a System RAM range covering all of 64 bits saturates instead of wrapping to 0 */
        r = iomem_parse("0000000000000000-ffffffffffffffff : System RAM\n", &m);
        ok(r == 0 && m.system_ram == UINT64_MAX, "iomem: System RAM of the whole space saturates");
        iomem_clear(&m);

        /* children restart at the parent's start: siblings are per parent, not per depth */
        r = iomem_parse("00000000-0fffffff : System RAM\n  01000000-01ffffff : Kernel code\n"
                        "10000000-1fffffff : System RAM\n  10000000-10ffffff : Crash kernel\n"
                        "    10000000-100fffff : x\n  11000000-1fffffff : y\n", &m);
        is_int(r, 0, "iomem: children of different parents are not compared");
        iomem_clear(&m);

        /* a line longer than a page never comes from r_show() */
        {
                size_t n = 10 * 1024 * 1024;
                _cleanup_free_ char *big = malloc(n + 64);
                if (big) {
                        int k = snprintf(big, 64, "00000000-0009ffff : System RAM\n100000000-1ffffffff : ");
                        memset(big + k, 'R', n);
                        strcpy(big + k + n, "\n");
                        r = iomem_parse(big, &m);
                        ok(r == -EBADMSG && m.error.line == 2 && m.error.message &&
                           strstr(m.error.message, "characters"), "iomem: a 10 MB line is refused at line 2");
                        iomem_clear(&m);
                }
                r = iomem_parse("00000000-0009ffff : System RAM\n", &m);
                ok(r == 0, "iomem: ordinary line still parses");
                iomem_clear(&m);
        }

        /* nested System RAM (e.g. under a reserved parent) is not top-level */
        r = iomem_parse("00000000-ffffffff : Reserved\n  00000000-0fffffff : System RAM\n", &m);
        ok(r == 0 && m.system_ram == 0, "iomem: only depth-0 System RAM counts");
        iomem_clear(&m);
}

/* ---------------- meminfo ---------------- */

static void test_meminfo(void) {
        struct meminfo mi;
        char *t;
        int r;

        t = tap_slurp("fixtures/proc/root-a-baseline/proc/meminfo", NULL);
        r = meminfo_parse(t ? t : "", &mi);
        is_int(r, 0, "oracle meminfo parses");
        is_int(mi.mem_total, 1973768ULL * 1024, "oracle meminfo: MemTotal 1973768 kB in bytes");
        fact_error_clear(&mi.error);
        free(t);

        r = meminfo_parse("MemFree: 1 kB\nMemTotal:\t 16 kB\r\n", &mi);
        ok(r == 0 && mi.mem_total == 16384, "meminfo: MemTotal not first, tab, CRLF");
        fact_error_clear(&mi.error);

        r = meminfo_parse("MemFree:         1861016 kB\n", &mi);
        ok(r == -EBADMSG && mi.state == FACT_INVALID && mi.error.message && strstr(mi.error.message, "MemTotal"),
           "meminfo: missing MemTotal -> -EBADMSG");
        fact_error_clear(&mi.error);

        r = meminfo_parse("MemTotal: 18014398509481984 kB\n", &mi);    /* 2^54 kB = 2^64 bytes */
        ok(r == -EBADMSG && mi.error.line == 1 && strstr(strempty(mi.error.message), "64 bits"),
           "meminfo: MemTotal overflowing bytes -> -EBADMSG");
        fact_error_clear(&mi.error);

        r = meminfo_parse("MemTotal: 18014398509481983 kB\n", &mi);    /* 2^54-1 kB fits */
        ok(r == 0 && mi.mem_total == UINT64_MAX - 1023, "meminfo: largest MemTotal that fits");
        fact_error_clear(&mi.error);

        r = meminfo_parse("MemTotal: 12 MB\n", &mi);
        ok(r == -EBADMSG && mi.error.line == 1, "meminfo: unit other than kB rejected");
        fact_error_clear(&mi.error);

        r = meminfo_parse("MemTotal: kB\n", &mi);
        ok(r == -EBADMSG, "meminfo: no number rejected");
        fact_error_clear(&mi.error);

        r = meminfo_parse("", &mi);
        ok(r == -EBADMSG && mi.state == FACT_INVALID, "meminfo: empty -> -EBADMSG");
        fact_error_clear(&mi.error);
}

/* ---------------- interrupts ---------------- */

static void test_interrupts_real(void) {
        struct interrupts in;
        const struct irq_line *l;
        char *t;
        int r;

        /* the capture kernel's /proc/interrupts in the virtio-blk -28 incident (one CPU column) */
        t = tap_slurp("fixtures/proc/interrupts/amd-epyc-virtio-blk-enospc.capture-interrupts.txt", NULL);
        r = interrupts_parse(t ? t : "", &in);
        is_int(r, 0, "incident capture interrupts parse");
        is_int(in.n_cpus, 1, "incident: 1 CPU column (nr_cpus=1)");
        is_int(in.n_lines, 160, "incident: 160 rows");
        l = irq_find(&in, "0");
        ok(l && streq_ptr(l->chip, "IR-IO-APIC") && streq_ptr(l->hwirq, "2-edge") &&
           streq_ptr(l->actions, "timer") && l->per_cpu[0] == 67, "incident: IRQ 0 = IR-IO-APIC 2-edge timer, 67");
        l = irq_find(&in, "244");
        ok(l && streq_ptr(l->chip, "IR-PCI-MSI") && streq_ptr(l->hwirq, "90179584-edge") &&
           streq_ptr(l->actions, "ahci[0000:ac:00.1]"), "incident: IRQ 244 ahci[0000:ac:00.1]");
        l = irq_find(&in, "173");
        ok(l && streq_ptr(l->actions, "nvme0q1") && l->per_cpu[0] == 3165, "incident: IRQ 173 nvme0q1 3165");
        l = irq_find(&in, "39");
        is_str(l ? l->actions : NULL, "PCIe PME, pciehp", "incident: shared actions kept with their comma");
        {
                unsigned ahci = 0, msi = 0;
                for (size_t i = 0; i < in.n_lines; i++) {
                        if (in.lines[i].actions && startswith(in.lines[i].actions, "ahci"))
                                ahci++;
                        if (streq_ptr(in.lines[i].chip, "IR-PCI-MSI"))
                                msi++;
                }
                is_int(ahci, 42, "incident: 42 ahci rows (5 x 8 multi-MSI + ...)");
                is_int(msi, 148, "incident: 148 IR-PCI-MSI rows");
        }
        interrupts_clear(&in);
        free(t);

        /* 2.6 kernel, single CPU, "IO-APIC-edge" chip-handler word, no hwirq */
        t = tap_slurp("fixtures/proc/interrupts/ibm-xseries-345-type-8670-2.6-kernel.txt", NULL);
        r = interrupts_parse(t ? t : "", &in);
        is_int(r, 0, "2.6 interrupts parse");
        is_int(in.n_cpus, 1, "2.6: 1 CPU column");
        is_int(in.n_lines, 14, "2.6: 14 rows");
        l = irq_find(&in, "0");
        ok(l && l->per_cpu[0] == 699965 && streq_ptr(l->chip, "IO-APIC-edge") && !l->hwirq &&
           streq_ptr(l->actions, "timer"), "2.6: IRQ 0 699965 IO-APIC-edge timer, no hwirq");
        l = irq_find(&in, "27");
        ok(l && streq_ptr(l->chip, "IO-APIC-level") && streq_ptr(l->actions, "ioc0"), "2.6: IRQ 27 IO-APIC-level ioc0");
        l = irq_find(&in, "LOC");
        ok(l && l->per_cpu[0] == 699767 && !l->chip && !l->actions, "2.6: LOC 699767, no description");
        l = irq_find(&in, "MIS");
        ok(l && l->per_cpu[0] == 0, "2.6: MIS row");
        interrupts_clear(&in);
        free(t);

        /* modern desktop, 16 CPUs */
        t = tap_slurp("fixtures/proc/interrupts/intel-desktop-16cpu-nvme-i915.txt", NULL);
        r = interrupts_parse(t ? t : "", &in);
        is_int(r, 0, "16-CPU desktop interrupts parse");
        is_int(in.n_cpus, 16, "16-CPU desktop: 16 CPU columns");
        is_int(in.n_lines, 46, "16-CPU desktop: 46 rows");
        l = irq_find(&in, "27");
        ok(l && streq_ptr(l->hwirq, "27-fasteoi") && streq_ptr(l->actions, "idma64.0, i2c_designware.0"),
           "16-CPU desktop: IRQ 27 27-fasteoi idma64.0, i2c_designware.0");
        l = irq_find(&in, "124");
        ok(l && l->per_cpu[6] == 2 && l->per_cpu[8] == 20 && streq_ptr(l->hwirq, "524288-edge") &&
           streq_ptr(l->actions, "nvme0q0"), "16-CPU desktop: IRQ 124 nvme0q0 counts on CPU6/CPU8");
        l = irq_find(&in, "CAL");
        ok(l && l->per_cpu[0] == 2647194 && l->per_cpu[15] == 858498 && !l->chip &&
           streq_ptr(l->actions, "Function call interrupts"), "16-CPU desktop: CAL row, description in actions");
        l = irq_find(&in, "ERR");
        ok(l && l->per_cpu[0] == 0 && l->per_cpu[15] == 0, "16-CPU desktop: ERR single global count");
        interrupts_clear(&in);
        free(t);

        t = tap_slurp("fixtures/proc/interrupts/supermicro-sys-7048gr-tr-x10drg-q-4gpu.txt", NULL);
        r = interrupts_parse(t ? t : "", &in);
        is_int(r, 0, "Supermicro 7048GR interrupts parse");
        ok(in.n_cpus == 16 && in.n_lines == 93, "Supermicro 7048GR: 16 CPUs, 93 rows");
        l = irq_find(&in, "61");
        ok(l && streq_ptr(l->hwirq, "67633153-edge") && streq_ptr(l->actions, "eno1-TxRx-0"),
           "Supermicro 7048GR: IRQ 61 eno1-TxRx-0");
        interrupts_clear(&in);
        free(t);

        t = tap_slurp("fixtures/proc/interrupts/amd-rocm-mining-rig-6gpu-2cpu.txt", NULL);
        r = interrupts_parse(t ? t : "", &in);
        is_int(r, 0, "2-CPU rig interrupts parse");
        l = irq_find(&in, "134");
        ok(in.n_cpus == 2 && l && l->per_cpu[0] == 2018 && l->per_cpu[1] == 2730 &&
           streq_ptr(l->chip, "PCI-MSI") && streq_ptr(l->actions, "ahci[0000:00:17.0]"),
           "2-CPU rig: IRQ 134 ahci 2018/2730 on PCI-MSI (no remapping)");
        interrupts_clear(&in);
        free(t);
}

static void test_interrupts_formats(void) {
        struct interrupts in;
        const struct irq_line *l;
        int r;

        /* per-device MSI domains (v6.2+): "IR-PCI-MSIX-0000:00:02.0 0-edge"; virtio names */
        r = interrupts_parse("           CPU0       CPU1\n"
                             "  24:          0          5  IR-PCI-MSIX-0000:00:02.0    0-edge      virtio0-config\n"
                             "  25:       1234          0  PCI-MSI 512000-edge      virtio0-req.0\n"
                             " NMI:          0          0   Non-maskable interrupts\n"
                             " ERR:          0\n", &in);
        is_int(r, 0, "IR-PCI-MSIX per-device chip parses");
        l = irq_find(&in, "24");
        ok(l && streq_ptr(l->chip, "IR-PCI-MSIX-0000:00:02.0") && streq_ptr(l->hwirq, "0-edge") &&
           streq_ptr(l->actions, "virtio0-config") && l->per_cpu[1] == 5, "IRQ 24: chip, hwirq, action, count");
        l = irq_find(&in, "NMI");
        ok(l && !l->chip && !l->hwirq && streq_ptr(l->actions, "Non-maskable interrupts"), "NMI description");
        interrupts_clear(&in);

        /* arm64 GICv3 with CONFIG_GENERIC_IRQ_SHOW_LEVEL, ITS-MSI, IPI rows */
        r = interrupts_parse("           CPU0       CPU1       \n"
                             " 11:      11722      10918     GICv3  27 Level     arch_timer\n"
                             " 49:          0          0   ITS-MSI 524288 Edge      nvme0q0\n"
                             "IPI0:      1208       1100       Rescheduling interrupts\n"
                             "Err:          0\n", &in);
        is_int(r, 0, "arm64 format parses");
        l = irq_find(&in, "11");
        ok(l && streq_ptr(l->chip, "GICv3") && streq_ptr(l->hwirq, "27 Level") && streq_ptr(l->actions, "arch_timer"),
           "arm64: GICv3 '27 Level' arch_timer");
        l = irq_find(&in, "IPI0");
        ok(l && l->per_cpu[1] == 1100 && streq_ptr(l->actions, "Rescheduling interrupts"), "arm64: IPI0 row");
        interrupts_clear(&in);

        /* chip without domain and without action (counts but no handler left) */
        r = interrupts_parse("  CPU0\n  7:  3  XT-PIC\n 9:  0  None\n", &in);
        ok(r == 0 && in.n_lines == 2 && streq_ptr(in.lines[0].chip, "XT-PIC") && !in.lines[0].hwirq &&
           !in.lines[0].actions, "chip without hwirq and action");
        interrupts_clear(&in);

        /* CRLF */
        r = interrupts_parse("           CPU0\r\n  0:         67  IR-IO-APIC   2-edge      timer\r\n", &in);
        ok(r == 0 && in.n_lines == 1 && streq_ptr(in.lines[0].actions, "timer"), "interrupts CRLF tolerated");
        interrupts_clear(&in);
}

static void test_interrupts_malformed(void) {
        static const struct {
                const char *text;
                unsigned line;
                const char *what;
                const char *needle;
        } bad[] = {
                { "", 0, "empty file", "empty" },
                { "hello world\n", 1, "garbage", "header" },
                { "           CPU0       CPU1\n", 1, "only header", "no interrupt rows" },
                { "  0:  1  IO-APIC 2-edge timer\n", 1, "no header", "header" },
                { "   CPU0   CPU1\n  0:   5   IO-APIC   2-edge   timer\n", 2, "row with fewer counts than CPUs", "1 counts" },
                { "   CPU0   CPU1\n  0:   5", 2, "truncated row", "truncated" },
                /* a complete-looking last row without its '\n' was still cut off (bad/interrupts-truncated) */
                { "   CPU0\n  0:   5   IO-APIC   2-edge   timer\n  9:   0   IO-APIC   9-fa", 3,
                  "last row without newline", "truncated" },
                { "           CPU0       CPU1", 1, "header without newline", "truncated" },
                { "   CPU0\n  0:   5   6   IO-APIC   2-edge   timer\n", 2, "more counts than CPUs", "more counts" },
                { "   CPU0\n  0:   18446744073709551616   IO-APIC\n", 2, "count overflows 64 bits", "64 bits" },
                { "   CPU0\n  0    5   IO-APIC   2-edge   timer\n", 2, "no colon", "IRQ: counts" },
                { "   CPU0\n  :    5   IO-APIC   2-edge   timer\n", 2, "empty label", "IRQ: counts" },
                { "   CPU0\n  0:   IO-APIC   2-edge   timer\n", 2, "no counts", "0 counts" },
                { "   CPU0\n NMI:\n", 2, "arch row without counts", "0 counts" },
                { "   CPU0   CPUx\n", 1, "bad CPU column name", "header" },
                { "   CPU0\n  0:   5x   IO-APIC\n", 2, "count with junk", "0 counts" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct interrupts in;
                int r = interrupts_parse(bad[i].text, &in);
                char name[160];

                snprintf(name, sizeof(name), "interrupts malformed: %s -> -EBADMSG", bad[i].what);
                is_int(r, -EBADMSG, name);
                snprintf(name, sizeof(name), "interrupts malformed: %s -> invalid, line %u, says '%s'",
                         bad[i].what, bad[i].line, bad[i].needle);
                ok(in.state == FACT_INVALID && in.error.line == bad[i].line && in.error.message &&
                   strstr(in.error.message, bad[i].needle) && streq_ptr(in.error.file, "proc/interrupts") &&
                   in.n_lines == 0 && !in.lines, "%s", name);
                if (in.error.message && !strstr(in.error.message, bad[i].needle))
                        printf("#   message: %s (line %u)\n", in.error.message, in.error.line);
                interrupts_clear(&in);
        }
}

/* ---------------- cpulist ---------------- */

static void test_cpulist(void) {
        static const struct {
                const char *text;
                int r;
                unsigned count;
        } cases[] = {
                { "0-7", 0, 8 },
                { "0,2-3", 0, 3 },
                { "0-3\n", 0, 4 },
                { "0\n", 0, 1 },
                { "0-1,4-5,8\n", 0, 5 },
                { "0-1048575\n", 0, 1u << 20 },
                { "", -EBADMSG, 0 },
                { "\n", -EBADMSG, 0 },
                { "3-0", -EINVAL, 0 },
                { "0-3,2-5", -EINVAL, 0 },
                { "4,0", -EINVAL, 0 },
                { "0-", -EINVAL, 0 },
                { "-3", -EINVAL, 0 },
                { "0,,1", -EINVAL, 0 },
                { "0-7:2/4", -EINVAL, 0 },
                { "abc", -EINVAL, 0 },
                { "0-1048576", -EINVAL, 0 },
                { "99999999999999999999", -EINVAL, 0 },
                { "0 1", -EINVAL, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                unsigned n = 12345;
                int r = cpulist_count(cases[i].text, &n);
                char name[128], shown[64];
                size_t j = 0;

                for (const char *c = cases[i].text; *c && j < sizeof(shown) - 3; c++) {
                        if (*c == '\n') {
                                shown[j++] = '\\';
                                shown[j++] = 'n';
                        } else
                                shown[j++] = *c;
                }
                shown[j] = 0;
                snprintf(name, sizeof(name), "cpulist \"%s\" -> %d", shown, cases[i].r);
                if (cases[i].r == 0)
                        ok(r == 0 && n == cases[i].count, "%s, %u CPUs", name, cases[i].count);
                else
                        ok(r == cases[i].r && n == 12345, "%s (result untouched)", name);
        }
}

/* ---------------- collect_proc ---------------- */

static int collect_root(const char *path, struct snapshot *s, bool *live) {
        struct root r = { .fd = -1 };
        int k;

        k = root_open(path, &r);
        if (k < 0)
                return k;
        if (live)
                *live = r.live;
        k = collect_proc(&r, s);
        root_close(&r);
        return k;
}

static void snapshot_done(struct snapshot *s) {
        snapshot_clear(s);
}

static void test_collect_oracle(void) {
        struct snapshot s = {};
        const struct iomem_range *ck;
        const struct irq_line *l;
        int r;

        r = collect_root(tap_path("fixtures/proc/root-a-baseline"), &s, NULL);
        is_int(r, 0, "collect_proc on oracle a-baseline copy");
        is_int(s.cmdline_state, FACT_OK, "oracle: cmdline ok");
        is_str(s.cmdline, "console=ttyS0 loglevel=5 log_buf_len=8M printk.devkmsg=on panic=1 crashkernel=256M",
               "oracle: cmdline trimmed");
        is_int(s.iomem.state, FACT_OK, "oracle: iomem ok");
        ck = iomem_find(&s.iomem, "Crash kernel", 0);
        ok(ck && ck->start == 0x6c000000 && ck->end == 0x7bffffff, "oracle: Crash kernel 6c000000-7bffffff");
        /* 0x9f000 + (0x7ffdd000 - 0x100000) */
        is_int(s.iomem.system_ram, 2146941952ULL, "oracle: System RAM 2146941952");
        is_int(s.meminfo.state, FACT_OK, "oracle: meminfo ok");
        is_int(s.meminfo.mem_total, 1973768ULL * 1024, "oracle: MemTotal");
        is_int(s.interrupts.state, FACT_OK, "oracle: interrupts ok");
        is_int(s.interrupts.n_cpus, 8, "oracle: 8 CPU columns");
        is_int(s.interrupts.n_lines, 34, "oracle: 34 rows");
        l = irq_find(&s.interrupts, "1");
        ok(l && l->per_cpu[3] == 9 && streq_ptr(l->chip, "IO-APIC") && streq_ptr(l->actions, "i8042"),
           "oracle: IRQ 1 i8042, 9 on CPU3");
        ok(s.cpus.state == FACT_OK && s.cpus.possible == 8 && s.cpus.present == 8 && s.cpus.online == 8,
           "oracle: 8 possible/present/online CPUs");
        ok(s.kexec.crash_size_state == FACT_OK && s.kexec.crash_size == 256 * MiB, "oracle: kexec_crash_size 256 MiB");
        ok(ck && s.kexec.crash_size == ck->end - ck->start + 1, "oracle: kexec_crash_size equals the iomem Crash kernel range");
        ok(s.kexec.crash_loaded_state == FACT_OK && s.kexec.crash_loaded, "oracle: crash kernel loaded");
        is_str(s.kernel_release, "6.1.0-56-amd64", "oracle: release from proc/sys/kernel/osrelease");
        ok(s.kernel_version_banner && startswith(s.kernel_version_banner, "Linux version 6.1.0-56-amd64 (") &&
           !strchr(s.kernel_version_banner, '\n'), "oracle: /proc/version banner, trimmed");
        is_str(s.arch, "x86_64", "oracle: arch from the -amd64 release suffix");
        snapshot_done(&s);
}

static void test_collect_synthetic(void) {
        struct snapshot s = {};
        int r;

        r = collect_root(tap_path("fixtures/proc/root-nonroot-aarch64"), &s, NULL);
        is_int(r, 0, "collect_proc on non-root aarch64 tree");
        is_str(s.cmdline, "BOOT_IMAGE=(hd0,gpt2)/vmlinuz-5.14.0-284.11.1.el9_2.aarch64+debug root=/dev/mapper/rhel-root ro "
               "crashkernel=1G-4G:256M,4G-64G:384M,64G-:512M", "nonroot: cmdline trimmed both ends");
        ok(s.iomem.state == FACT_OK && s.iomem.all_zero && s.iomem.n_ranges == 5 && s.iomem.system_ram == 0,
           "nonroot: iomem all zero, no RAM total");
        is_int(s.meminfo.mem_total, 7863344ULL * 1024, "nonroot: MemTotal");
        is_int(s.interrupts.state, FACT_MISSING, "nonroot: interrupts missing");
        is_str(s.interrupts.error.file, "proc/interrupts", "nonroot: missing interrupts named");
        ok(s.cpus.state == FACT_OK && s.cpus.possible == 4 && s.cpus.present == 4 && s.cpus.online == 3,
           "nonroot: CPUs 4/4/3 (online 0,2-3)");
        ok(s.kexec.crash_size_state == FACT_MISSING && s.kexec.crash_loaded_state == FACT_MISSING,
           "nonroot: kexec files missing");
        is_str(s.kernel_release, "5.14.0-284.11.1.el9_2.aarch64+debug", "nonroot: release");
        is_str(s.arch, "aarch64", "nonroot: arch from '.aarch64+debug' suffix");
        ok(!s.kernel_version_banner, "nonroot: no /proc/version -> NULL banner");
        snapshot_done(&s);

        r = collect_root(tap_path("fixtures/proc/root-broken"), &s, NULL);
        is_int(r, 0, "collect_proc on a tree of malformed files does not fail");
        ok(s.cmdline_state == FACT_INVALID && !s.cmdline, "broken: cmdline with a NUL byte is invalid");
        ok(s.iomem.state == FACT_INVALID && s.iomem.error.line == 2 && streq_ptr(s.iomem.error.file, "proc/iomem") &&
           strstr(strempty(s.iomem.error.message), "above"), "broken: iomem start>end at proc/iomem:2");
        ok(s.meminfo.state == FACT_INVALID && strstr(strempty(s.meminfo.error.message), "MemTotal"),
           "broken: meminfo without MemTotal");
        ok(s.interrupts.state == FACT_INVALID && s.interrupts.error.line == 1, "broken: interrupts garbage at line 1");
        ok(s.cpus.state == FACT_INVALID && streq_ptr(s.cpus.error.file, "sys/devices/system/cpu/possible") &&
           strstr(strempty(s.cpus.error.message), "7-0"), "broken: possible '7-0' invalid, named");
        is_int(s.cpus.online, 8, "broken: online still counted");
        is_int(s.kexec.crash_size_state, FACT_INVALID, "broken: kexec_crash_size 'abc' invalid");
        is_int(s.kexec.crash_loaded_state, FACT_INVALID, "broken: kexec_crash_loaded '2' invalid");
        is_str(s.kernel_release, "6.8.0-31-generic", "broken: release");
        is_str(s.arch, "x86_64", "broken: '-generic' tells nothing, cpuinfo flags with lm -> x86_64");
        snapshot_done(&s);

        r = collect_root(tap_path("fixtures/proc/root-arch-sysctl"), &s, NULL);
        is_int(r, 0, "collect_proc on a nearly empty tree");
        is_str(s.arch, "s390x", "arch-sysctl: proc/sys/kernel/arch wins over the release suffix");
        ok(s.cmdline_state == FACT_MISSING && s.iomem.state == FACT_MISSING && s.meminfo.state == FACT_MISSING &&
           s.interrupts.state == FACT_MISSING && s.cpus.state == FACT_MISSING, "arch-sysctl: everything else missing");
        is_str(s.cpus.error.file, "sys/devices/system/cpu/possible", "arch-sysctl: cpus error names the first missing file");
        snapshot_done(&s);
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f) {
        (void) st; (void) flag; (void) f;
        return remove(p);
}

static int write_file(const char *dir, const char *rel, const char *content, size_t len) {
        char p[4096];
        int fd;
        ssize_t n;

        snprintf(p, sizeof(p), "%s/%s", dir, rel);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        n = write(fd, content, len);
        close(fd);
        return n == (ssize_t) len ? 0 : -EIO;
}

static void test_collect_io_errors(void) {
        char dir[] = "/tmp/kdv-test-proc-XXXXXX";
        char p[4096];
        struct snapshot s = {};
        int r, fd;

        if (!mkdtemp(dir)) {
                ok(0, "mkdtemp");
                return;
        }
        snprintf(p, sizeof(p), "%s/proc", dir);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/sys", dir);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/sys/kernel", dir);
        mkdir(p, 0755);

        /* interrupts larger than KDV_MAX_PROC_FILE (sparse file) */
        snprintf(p, sizeof(p), "%s/proc/interrupts", dir);
        fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        ok(fd >= 0 && ftruncate(fd, (off_t) KDV_MAX_PROC_FILE + 1) == 0, "create oversized proc/interrupts");
        if (fd >= 0)
                close(fd);
        /* meminfo with a NUL byte */
        write_file(dir, "proc/meminfo", "MemTotal: 1\0 kB\n", 16);
        /* iomem unreadable (only meaningful when not root) */
        write_file(dir, "proc/iomem", "00000000-00000fff : Reserved\n", 29);
        snprintf(p, sizeof(p), "%s/proc/iomem", dir);
        chmod(p, 0);
        /* sys/kernel/kexec_crash_size is a directory */
        snprintf(p, sizeof(p), "%s/sys/kernel/kexec_crash_size", dir);
        mkdir(p, 0755);

        r = collect_root(dir, &s, NULL);
        is_int(r, 0, "collect_proc with oversized/NUL/unreadable files");
        ok(s.interrupts.state == FACT_INVALID && strstr(strempty(s.interrupts.error.message), "larger than"),
           "oversized interrupts -> invalid 'larger than'");
        ok(s.meminfo.state == FACT_INVALID && strstr(strempty(s.meminfo.error.message), "NUL"),
           "meminfo with NUL byte -> invalid 'NUL'");
        is_int(s.kexec.crash_size_state, FACT_INVALID, "kexec_crash_size directory -> invalid");
        if (geteuid() != 0)
                ok(s.iomem.state == FACT_MISSING && strstr(strempty(s.iomem.error.message), "permission"),
                   "unreadable iomem -> missing, 'permission denied'");
        else {
                /* root reads anything: check EACCES as "nobody" in a child */
                pid_t pid;
                int status = -1;

                snapshot_done(&s);
                chmod(dir, 0755);
                fflush(stdout);
                pid = fork();
                if (pid == 0) {
                        if (setgid(65534) < 0 || setuid(65534) < 0)
                                _exit(2);
                        r = collect_root(dir, &s, NULL);
                        _exit(r == 0 && s.iomem.state == FACT_MISSING &&
                              strstr(strempty(s.iomem.error.message), "permission") ? 0 : 1);
                }
                if (pid > 0)
                        waitpid(pid, &status, 0);
                ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                   "unreadable iomem (as uid 65534) -> missing, 'permission denied'");
        }
        snapshot_done(&s);

        nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_collect_live(void) {
        struct snapshot s = {};
        bool live = false;
        int r;

        /* The live system: whatever is there, collect_proc must not fail and must leave arch to the
         * orchestrator (uname). */
        r = collect_root("/", &s, &live);
        is_int(r, 0, "collect_proc on the live system");
        ok(live && !s.arch, "live: arch left NULL for the orchestrator");
        ok(s.kernel_release && *s.kernel_release, "live: kernel release from uname(2)");
        snapshot_done(&s);
}

int main(void) {
        test_iomem_real();
        test_iomem_malformed();
        test_iomem_edge();
        test_meminfo();
        test_interrupts_real();
        test_interrupts_formats();
        test_interrupts_malformed();
        test_cpulist();
        test_collect_oracle();
        test_collect_synthetic();
        test_collect_io_errors();
        test_collect_live();
        return tap_done();
}
