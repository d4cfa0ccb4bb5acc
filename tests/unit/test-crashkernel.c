/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashkernel= parsing/evaluation (plan/crashkernel.c) and the crashkernel.* findings. */
#include "kdv/collect.h"
#include "kdv/findings.h"
#include "kdv/plan.h"
#include "tap.h"

#define M (1024ULL * 1024)
#define G (1024ULL * M)

static struct crashkernel_request R;

static void ck(const char *cmdline, uint64_t ram, const char *arch, const char *release) {
        crashkernel_request_clear(&R);
        if (crashkernel_parse(cmdline, ram, arch, release, &R) < 0)
                printf("# crashkernel_parse failed on '%s'\n", cmdline);
}

static void syntax_tests(void) {
        ck("ro crashkernel=256M quiet", 8 * G, "x86_64", "6.1.0-56-amd64");
        ok(R.present && R.valid && !R.range_form && R.size == 256 * M && R.offset == 0, "simple size");
        is_str(R.text, "256M", "text is the value");

        ck("crashkernel=256M@16M", 8 * G, "x86_64", "6.1.0");
        ok(R.valid && R.size == 256 * M && R.offset == 16 * M, "size@offset");

        ck("crashkernel=0x10000000", 8 * G, "x86_64", "6.1.0");
        is_int(R.size, 256 * M, "hex size (memparse base 0)");

        ck("crashkernel=1g", 8 * G, "x86_64", "6.1.0");
        is_int(R.size, 1 * G, "lower-case suffix");

        ck("crashkernel=512M-2G:64M,2G-:128M", 1 * G, "x86_64", "6.1.0");
        ok(R.valid && R.range_form && R.size == 64 * M, "range: first entry matches 1G");
        ck("crashkernel=512M-2G:64M,2G-:128M", 4 * G, "x86_64", "6.1.0");
        is_int(R.size, 128 * M, "range: open end matches 4G");
        ck("crashkernel=1G-2G:64M,2G-:128M", 2 * G, "x86_64", "6.1.0");
        is_int(R.size, 128 * M, "range: end is exclusive");
        ck("crashkernel=512M-2G:64M,2G-:128M", 256 * M, "x86_64", "6.1.0");
        ok(R.valid && R.size == 0 && R.error && strstr(R.error, "crashkernel size resulted in zero bytes"),
           "range: no match on a small machine → zero bytes");

        /* 6.1 rounds RAM up to 128M: oracle-memory "Reserving 256MB ... (System RAM: 2047MB)" with 2G-64G:256M */
        ck("crashkernel=2G-64G:256M,64G-:512M", 2047 * M, "x86_64", "6.1.0-56-amd64");
        ok(R.size == 256 * M && R.ram_evaluated == 2 * G, "range: RAM rounded up to 128M on 6.1");
        ck("crashkernel=2G-64G:256M,64G-:512M", 2047 * M, "x86_64", "4.15.0-76-generic");
        ok(R.valid && R.size == 0, "range: no round-up on 4.15 → zero");
        ck("crashkernel=2G-64G:256M,64G-:512M", 2047 * M, "x86_64", NULL);
        is_int(R.size, 256 * M, "range: unknown release uses the newest rule (round-up)");

        /* offset + size wrapping past 2^64: memblock is asked for an empty range */
        ck("crashkernel=256M@0xffffffffffffffff", 8 * G, "x86_64", "6.12.0");
        ok(!R.valid && R.offset == UINT64_MAX && R.error && strstr(R.error, "0xffffffffffffffff") &&
           strstr(R.error, "memory is in use"), "size@offset wrapping 64 bits is invalid, error names the offset");
        ck("crashkernel=512M-:128M@0xfffffffff8000000", 4 * G, "x86_64", "6.12.0");
        ok(!R.valid && R.error && strstr(R.error, "0xfffffffff8000000"), "range@offset wrapping 64 bits is invalid");
        ck("crashkernel=128M@0xfffffffff8000000", 8 * G, "x86_64", "6.12.0");
        ok(!R.valid, "size@offset ending exactly at 2^64: crash_base + crash_size wraps to 0, invalid");
        ck("crashkernel=128M@0xfffffffff0000000", 8 * G, "x86_64", "6.12.0");
        ok(R.valid && R.offset == 0xfffffffff0000000ull, "size@offset below 2^64 does not wrap (left to the reservation check)");
        ck("crashkernel=512M-:128M@64M", 4 * G, "x86_64", "6.1.0");
        ok(R.size == 128 * M && R.offset == 64 * M, "range@offset");
        ck("crashkernel=512M-:128M@", 4 * G, "x86_64", "6.1.0");
        ok(!R.valid && R.error && streq(R.error, "crashkernel: Memory value expected after '@'"), "range@ without value");

        ck("crashkernel=abc", 4 * G, "x86_64", "6.1.0");
        ok(!R.valid && R.error && streq(R.error, "crashkernel: memory value expected"), "no number");
        ck("crashkernel=256Mx", 4 * G, "x86_64", "6.1.0");
        ok(!R.valid && R.error && streq(R.error, "crashkernel: unrecognized char: x"), "trailing junk");
        ck("crashkernel=2G-1G:64M", 4 * G, "x86_64", "6.1.0");
        ok(!R.valid && R.error && streq(R.error, "crashkernel: end <= start"), "end <= start");
        ck("crashkernel=1G:64M", 4 * G, "x86_64", "6.1.0");
        ok(!R.valid && R.error && streq(R.error, "crashkernel: '-' expected"), "'-' expected");
        ck("crashkernel=1G-2Gx:64M", 4 * G, "x86_64", "6.1.0");
        ok(!R.valid && R.error && streq(R.error, "crashkernel: ':' expected"), "':' expected");
        ck("crashkernel=1G-:", 4 * G, "x86_64", "6.1.0");
        ok(!R.valid && R.error && streq(R.error, "crashkernel: Memory value expected"), "range without size");
        ck("crashkernel=-1G:64M", 4 * G, "x86_64", "6.1.0");
        ok(!R.valid && R.error && streq(R.error, "crashkernel: Memory value expected"), "range without start");
        ck("crashkernel=1G-:4G", 2 * G, "x86_64", "6.1.0");
        ok(!R.valid && R.error && startswith(R.error, "crashkernel: invalid size"), "range size >= RAM");
        ck("crashkernel=4G", 2 * G, "x86_64", "6.1.0");
        ok(!R.valid && R.error && strstr(R.error, "not smaller than the system RAM"), "simple size >= RAM");
        ck("crashkernel=0", 2 * G, "x86_64", "6.1.0");
        ok(R.valid && R.size == 0 && R.error, "crashkernel=0 → nothing");

        ck("crashkernel=128M crashkernel=256M", 4 * G, "x86_64", "6.1.0");
        ok(R.size == 256 * M && streq(R.text, "256M"), "last crashkernel= wins");
        ck("crashkernel=256M crashkernel=1G,high", 8 * G, "x86_64", "6.12.0");
        ok(R.size == 256 * M && !R.high, "suffixed forms do not override the plain one");

        ck("crashkernel=1G,high", 8 * G, "x86_64", "6.12.0");
        ok(R.valid && R.high && R.size == 1 * G && R.low_size == 256 * M && !R.low_given, ",high: default low 256M");
        ck("crashkernel=1G,high crashkernel=128M,low", 8 * G, "x86_64", "6.12.0");
        ok(R.high && R.low_given && R.low_size == 128 * M, ",high + ,low");
        ck("crashkernel=1G,high crashkernel=0,low", 8 * G, "x86_64", "6.12.0");
        ok(R.high && R.low_given && R.low_size == 0, ",high + 0,low disables the low part");
        ck("swiotlb=131072 crashkernel=1G,high", 8 * G, "x86_64", "6.12.0");
        is_int(R.low_size, 264 * M, ",high with swiotlb=131072 → low = 256M+8M");
        ck("crashkernel=1G,high", 8 * G, "aarch64", "6.12.0");
        is_int(R.low_size, 128 * M, "arm64 generic: default low 128M");
        ck("crashkernel=1G,high", 8 * G, "aarch64", "6.1.0-56-arm64");
        ok(R.high && R.low_size == 0, "arm64 6.1: ,high without ,low reserves no low region");
        ck("crashkernel=1G,high", 8 * G, "ppc64le", "6.1.0");
        ok(R.present && !R.valid, "ppc64: ,high not supported");
        ck("crashkernel=128M,low", 8 * G, "x86_64", "6.12.0");
        ok(R.present && !R.valid && R.size == 0, ",low alone reserves nothing");

        ck("crashkernel=auto crashkernel=512M,high", 8 * G, "x86_64", "6.1.0");
        ok(R.valid && R.high && R.size == 512 * M && R.error, "6.1 x86: invalid plain form falls back to ,high");
        ck("crashkernel=auto crashkernel=512M,high", 8 * G, "x86_64", "6.12.0");
        ok(!R.valid && R.error && streq(R.error, "crashkernel: memory value expected"), "6.12: plain form present → no ,high");
        ck("crashkernel=1G,high crashkernel=xx,low", 8 * G, "x86_64", "6.12.0");
        ok(!R.valid, "generic: invalid ,low fails the whole request");
        ck("crashkernel=1G,high crashkernel=xx,low", 8 * G, "x86_64", "6.1.0");
        ok(R.valid && R.low_size == 256 * M && !R.low_given, "6.1: invalid ,low → default low");

        ck("crashkernel=auto", 1 * G, "x86_64", "3.10.0-957.el7.x86_64");
        ok(R.auto_form && !R.valid && R.error && strstr(R.error, "crashkernel=auto resulted in zero bytes"), "RHEL7 auto below 2G");
        ck("crashkernel=auto", 8 * G, "x86_64", NULL);
        ok(R.auto_form && R.valid && R.size == 0 && R.error, "auto with unknown release: valid, size unknown");
        ck("crashkernel=auto", 8 * G, "x86_64", "6.1.0-56-amd64");
        ok(!R.valid && !R.auto_form && streq(R.error, "crashkernel: memory value expected"), "auto on upstream: rejected");

        ck("crashkernel=256M crashkernel=64M,cma", 8 * G, "x86_64", "6.1.0");
        ok(!R.valid && streq(R.error, "crashkernel: unrecognized char: ,"), "6.1 has no ,cma suffix");
        ck("crashkernel=256M crashkernel=64M,cma", 8 * G, "x86_64", "6.16.0");
        is_int(R.size, 256 * M, "6.16: ,cma is a suffix, plain 256M counts");

        ck("root=/dev/sda1 quiet", 8 * G, "x86_64", "6.1.0");
        ok(!R.present, "no crashkernel=");
        ck("crashkernel=512M-:128M", 0, "x86_64", "6.1.0");
        ok(R.present && R.valid && R.range_form && R.ram_evaluated == 0 && R.size == 0, "range with unknown RAM: not evaluated");
}

/* Real command lines: expected sizes from the kernel's own reservation lines (see PROVENANCE.md). */
static void real_cmdline_tests(void) {
        static const struct {
                const char *file, *release;
                uint64_t ram_mb;        /* "(System RAM: NMB)" */
                int expect_mb;          /* -1 = rejected, -2 = no crashkernel= */
        } t[] = {
                { "dell-optiplex-5055.from-dmesg-Command-line.txt", "5.15.0-rc7", 16283, 256 },     /* Reserving 256MB */
                { "dell-optiplex-7010.from-dmesg-Command-line.txt", "5.4.5", 8146, 256 },
                { "dell-poweredge-r640.from-dmesg-Command-line.txt", "4.15.0-76-generic", 195209, 700 },   /* last wins */
                { "dell-poweredge-r730.from-dmesg-Command-line.txt", "5.10.70", 196386, 256 },
                { "dell-poweredge-r740-ice-host.from-dmesg-Command-line.txt", "6.5.0-rc1", 97730, 512 },
                { "dell-poweredge-r7425-first-and-capture-kernel.from-dmesg-Command-line.txt", "4.19.57", 1044154, 256 },
                { "dell-poweredge-r7425-crashkernel-auto-unsupported.from-dmesg-Command-line.txt", "5.2.0-rc4+", 65536, -1 },
                { "dell-poweredge-r7615.from-dmesg-Command-line.txt", "6.12.49", 130641, 256 },    /* Memory: .../133776556K */
                { "dell-poweredge-t440-furoncles.from-dmesg-Command-line.txt", "5.10.70", 130690, 256 },
                { "dell-poweredge-t440-wayofthedodo.from-dmesg-Command-line.txt", "5.10.70", 130696, 256 },
                { "dell-poweredge-t630.from-dmesg-Command-line.txt", "5.15.86", 98210, 256 },
                { "hp-proliant-dl388p-gen8.from-dmesg-Command-line.txt", "5.4.0-1.elrdy.x86_64", 49117, 160 },
                { "hpe-proliant-dl380-gen10.from-dmesg-Command-line.txt", "6.2.0.kasan+", 32409, 1024 },
                { "intel-s2600bpb.from-dmesg-Command-line.txt", "6.2.0-rc2", 130762, 512 },
                { "nutanix-ahv-vm-centos7-crashkernel-auto.from-dmesg-Command-line.txt", "3.10.0-957.el7.x86_64", 12283, 161 },
                { "zte-r5300-g4x.from-dmesg-Command-line.txt", "4.18.0-147.el8.x86_64", 523612, 256 },
                /* e820 usable sum 521436MB; 6.16 failed with "cannot allocate crashkernel low memory (size:0x10800000)" */
                { "dell-poweredge-r6515.from-dmesg-Command-line.txt", "6.16.0-next-20250807", 521436, 512 },
                { "fujitsu-laptop-parrot-nvidia.txt", "5.18.0-14parrot1-amd64", 16000, -2 },
                { "msi-x99a-sli-plus-ms-7885-desktop.txt", "4.2.0-22-generic", 16000, -2 },
                { "supermicro-sys-4028gr-tr-8gpu.txt", "4.4.0-87-generic", 256000, -2 },
                { "supermicro-sys-7048gr-tr-x10drg-q-4gpu.txt", "5.0.0-36-generic", 128000, -2 },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                char path[256];
                char *text, *nl;

                snprintf(path, sizeof(path), "fixtures/crashkernel/cmdline/%s", t[i].file);
                text = tap_slurp(path, NULL);
                if (!text) {
                        ok(0, "read %s", path);
                        continue;
                }
                nl = strchr(text, '\n');        /* first line: the first kernel's command line */
                if (nl)
                        *nl = 0;
                ck(text, t[i].ram_mb * M, "x86_64", t[i].release);
                if (t[i].expect_mb == -2)
                        ok(!R.present, "%s: no crashkernel=", t[i].file);
                else if (t[i].expect_mb == -1)
                        ok(R.present && !R.valid && R.error && streq(R.error, "crashkernel: memory value expected"),
                           "%s: rejected like dmesg says", t[i].file);
                else {
                        ok(R.valid && R.size == (uint64_t) t[i].expect_mb * M, "%s: %d MB", t[i].file, t[i].expect_mb);
                        if (R.size != (uint64_t) t[i].expect_mb * M)
                                printf("#   got %llu MB (%s)\n", (unsigned long long) (R.size / M), strempty(R.error));
                }
                if (strstr(t[i].file, "r6515"))
                        is_int(R.low_size, 0x10800000, "r6515: low part swiotlb=131072 → 0x10800000 as in dmesg");
                free(text);
        }
}

/* ---- plan + findings on hand-built snapshots ---- */

static struct iomem_range rng(uint64_t start, uint64_t end, unsigned depth, const char *name) {
        return (struct iomem_range) { .start = start, .end = end, .depth = depth, .name = (char *) name };
}

static void base_snapshot(struct snapshot *s, const char *cmdline) {
        *s = (struct snapshot) {
                .arch = (char *) "x86_64",
                .kernel_release = (char *) "6.12.49",
                .cmdline_state = FACT_OK,
                .cmdline = (char *) cmdline,
                .flavor = KDUMP_FLAVOR_RHEL,
        };
        s->kexec.crash_loaded_state = FACT_OK;
        s->kexec.crash_loaded = true;
}

static const struct finding *find(const struct findings *f, const char *id) {
        for (size_t i = 0; i < f->n; i++)
                if (streq(f->items[i].id, id))
                        return &f->items[i];
        return NULL;
}

static const char *field(const struct finding *x, const char *key) {
        for (size_t i = 0; x && i < x->n_fields; i++)
                if (streq(x->fields[i].key, key))
                        return x->fields[i].value;
        return NULL;
}

/* Run plan + crashkernel/memory findings; returns the number of findings. */
static size_t run(const struct snapshot *s, struct plan *p, struct findings *f) {
        *f = (struct findings) {};
        *p = (struct plan) {};
        if (crashkernel_plan_build(s, &p->crashkernel) < 0 ||
            memory_plan_build(s, &p->capture, &p->crashkernel, &p->memory) < 0 ||
            findings_crashkernel(s, p, f) < 0 || findings_memory(s, p, f) < 0)
                printf("# plan/findings failed\n");
        for (size_t i = 0; i < f->n; i++)
                printf("#   %s [%s] %s\n", f->items[i].id, severity_to_string(f->items[i].severity), f->items[i].message);
        return f->n;
}

static void done(struct plan *p, struct findings *f) {
        findings_clear(f);
        crashkernel_plan_clear(&p->crashkernel);
}

static void plan_tests(void) {
        struct snapshot s;
        struct plan p;
        struct findings f;
        const struct finding *x;
        char *text;
        struct iomem io = {};
        bool parsed;

        /* Real amd-laptop /proc/iomem: one 1 GiB "Crash kernel" at 0x9c000000 (below 4G). */
        text = tap_slurp("fixtures/crashkernel/iomem/amd-laptop-crashkernel-1g-below-4g.iomem.txt", NULL);
        ok(text && iomem_parse(text, &io) >= 0 && io.n_ranges > 0, "amd-laptop iomem parses");
        free(text);
        parsed = io.n_ranges > 0;
        if (!parsed) {
                /* iomem_parse still a stub: the System RAM and Crash kernel lines by hand */
                static struct iomem_range r[3];
                r[0] = rng(0x0a20f000, 0xe6057fff, 0, "System RAM");
                r[1] = rng(0x9c000000, 0xdbffffff, 1, "Crash kernel");
                r[2] = rng(0x100000000, 0x3ee2fffff, 0, "System RAM");
                io = (struct iomem) { .state = FACT_OK, .ranges = r, .n_ranges = 3,
                                      .system_ram = 0xe6057fff - 0x0a20f000 + 1 + 0x3ee2fffff - 0x100000000 + 1 };
        }

        base_snapshot(&s, "BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1p2 crashkernel=1G");
        s.iomem = io;
        s.kexec.crash_size_state = FACT_OK;
        s.kexec.crash_size = 1 * G;
        is_int(run(&s, &p, &f), 0, "amd-laptop crashkernel=1G reserved and loaded: no findings");
        ok(p.crashkernel.facts_known && p.crashkernel.reserved == 1 * G && p.crashkernel.reserved_low == 1 * G &&
           p.crashkernel.reserved_high == 0 && p.crashkernel.n_regions == 1, "amd-laptop: 1G, all below 4G, 1 region");
        ok(p.crashkernel.request.valid && p.crashkernel.request.size == 1 * G, "request evaluated against iomem RAM");
        done(&p, &f);

        s.kexec.crash_loaded = false;
        run(&s, &p, &f);
        x = find(&f, "crashkernel.not-loaded");
        ok(x && x->severity == SEVERITY_WARNING, "reserved but not loaded → warning");
        done(&p, &f);
        s.kexec.crash_loaded = true;

        s.cmdline = (char *) "crashkernel=512M";
        run(&s, &p, &f);
        x = find(&f, "crashkernel.size-mismatch");
        ok(x && x->severity == SEVERITY_WARNING && field(x, "RESERVED_BYTES") &&
           streq(field(x, "RESERVED_BYTES"), "1073741824"), "512M requested, 1G reserved → size-mismatch");
        done(&p, &f);

        /* Privilege-less read: addresses zeroed. */
        s.cmdline = (char *) "crashkernel=1G";
        s.iomem.all_zero = true;
        s.kexec.crash_size_state = FACT_MISSING;
        s.meminfo = (struct meminfo) { .state = FACT_OK, .mem_total = 14 * G };
        run(&s, &p, &f);
        x = find(&f, "crashkernel.not-reserved");
        ok(x && x->severity == SEVERITY_UNKNOWN, "iomem hidden, no kexec_crash_size → could not check");
        done(&p, &f);
        s.kexec.crash_size_state = FACT_OK;
        s.kexec.crash_size = 1 * G;
        is_int(run(&s, &p, &f), 0, "iomem hidden but kexec_crash_size 1G → no findings");
        done(&p, &f);
        s.iomem.all_zero = false;

        /* Requested but nothing in iomem. */
        s.kexec.crash_size = 0;
        {
                struct iomem_range r[] = { rng(0x100000, 0x7fffffff, 0, "System RAM"), rng(0x100000000, 0x47fffffff, 0, "System RAM") };
                s.iomem = (struct iomem) { .state = FACT_OK, .ranges = r, .n_ranges = 2, .system_ram = 0x7ff00000ULL + 16 * G };
                s.cmdline = (char *) "crashkernel=512M@3G";
                run(&s, &p, &f);
                x = find(&f, "crashkernel.not-reserved");
                ok(x && x->severity == SEVERITY_ERROR && strstr(x->message, "memory is in use") && field(x, "OFFSET_BYTES"),
                   "not reserved with @offset → error naming the offset");
                done(&p, &f);

                /* range that matches nothing */
                s.cmdline = (char *) "crashkernel=64G-:256M";
                run(&s, &p, &f);
                x = find(&f, "crashkernel.invalid");
                ok(x && x->severity == SEVERITY_ERROR && strstr(x->message, "resulted in zero bytes") && !find(&f, "crashkernel.not-reserved"),
                   "64G-:256M on 18G → invalid (zero bytes), error");
                done(&p, &f);

                s.cmdline = (char *) "crashkernel=auto";
                run(&s, &p, &f);
                x = find(&f, "crashkernel.invalid");
                ok(x && x->severity == SEVERITY_ERROR && strstr(x->message, "crashkernel: memory value expected"),
                   "auto on 6.12 → invalid with the kernel's message");
                done(&p, &f);

                s.flavor = KDUMP_FLAVOR_NONE;
                s.cmdline = (char *) "quiet";
                is_int(run(&s, &p, &f), 0, "no kdump, no crashkernel= → nothing");
                done(&p, &f);
                s.flavor = KDUMP_FLAVOR_DEBIAN;
                run(&s, &p, &f);
                x = find(&f, "crashkernel.missing");
                ok(x && x->severity == SEVERITY_ERROR && x->remedy && strstr(x->remedy, "crashkernel="), "kdump configured, no crashkernel= → missing");
                done(&p, &f);
                s.flavor = KDUMP_FLAVOR_RHEL;
        }

        /* Everything above 4G, no low region. */
        {
                struct iomem_range r[] = {
                        rng(0x100000, 0x7fffffff, 0, "System RAM"),
                        rng(0x100000000, 0x47fffffff, 0, "System RAM"),
                        rng(0x400000000, 0x43fffffff, 1, "Crash kernel"),
                };
                struct pci_function fn[3] = {};

                snprintf(fn[0].slot, sizeof(fn[0].slot), "0000:00:1c.0");
                fn[0].class = 0x060400; fn[0].header_type = 1; fn[0].driver = (char *) "pcieport";
                fn[0].dma_mask_bits = 32; fn[0].consistent_dma_mask_bits = 32;
                snprintf(fn[1].slot, sizeof(fn[1].slot), "0000:00:17.0");
                fn[1].class = 0x010601; fn[1].driver = (char *) "ahci";
                fn[1].dma_mask_bits = 64; fn[1].consistent_dma_mask_bits = 64;
                snprintf(fn[2].slot, sizeof(fn[2].slot), "0000:03:00.0");
                fn[2].class = 0x010700; fn[2].driver = NULL;
                fn[2].dma_mask_bits = 32; fn[2].consistent_dma_mask_bits = 32;

                s.iomem = (struct iomem) { .state = FACT_OK, .ranges = r, .n_ranges = 3, .system_ram = 0x7ff00000ULL + 16 * G };
                s.pci = (struct pci_facts) { .state = FACT_OK, .functions = fn, .n_functions = 3 };
                s.cmdline = (char *) "crashkernel=1G,high crashkernel=0,low";
                s.kexec.crash_size = 1 * G;
                run(&s, &p, &f);
                ok(p.crashkernel.reserved_high == 1 * G && p.crashkernel.reserved_low == 0, "high-only reservation split");
                is_int(p.crashkernel.min_dma_mask_bits, 64, "bridges and unbound devices do not count for the DMA mask");
                x = find(&f, "crashkernel.no-low-memory");
                ok(x && x->severity == SEVERITY_WARNING, "no low region, only 64-bit devices → warning");
                done(&p, &f);

                fn[1].consistent_dma_mask_bits = 32;    /* e.g. qla2xxx's 32-bit coherent mask (research D) */
                run(&s, &p, &f);
                x = find(&f, "crashkernel.no-low-memory");
                ok(x && x->severity == SEVERITY_ERROR && field(x, "DEVICE") && streq(field(x, "DEVICE"), "0000:00:17.0") &&
                   streq(field(x, "DRIVER"), "ahci") && streq(field(x, "DMA_MASK_BITS"), "32"),
                   "no low region + 32-bit device → error naming the device");
                done(&p, &f);

                /* The same request without iomem: judged from the request. */
                s.iomem = (struct iomem) { .state = FACT_MISSING };
                run(&s, &p, &f);
                x = find(&f, "crashkernel.no-low-memory");
                ok(x && x->severity == SEVERITY_ERROR, "crashkernel=0,low with iomem unreadable → still flagged");
                done(&p, &f);
                fn[1].consistent_dma_mask_bits = 64;
                s.pci = (struct pci_facts) {};
        }

        /* High + too small low part. */
        {
                struct iomem_range r[] = {
                        rng(0x100000, 0x7fffffff, 0, "System RAM"),
                        rng(0x7e000000, 0x7fffffff, 1, "Crash kernel"),
                        rng(0x100000000, 0x47fffffff, 0, "System RAM"),
                        rng(0x400000000, 0x43fffffff, 1, "Crash kernel"),
                };
                s.iomem = (struct iomem) { .state = FACT_OK, .ranges = r, .n_ranges = 4, .system_ram = 0x7ff00000ULL + 16 * G };
                s.cmdline = (char *) "crashkernel=1G,high crashkernel=32M,low";
                run(&s, &p, &f);
                ok(p.crashkernel.n_regions == 2 && p.crashkernel.reserved_low == 32 * M, "high + low: two regions");
                x = find(&f, "crashkernel.low-too-small");
                ok(x && x->severity == SEVERITY_WARNING && field(x, "NEEDED_LOW_BYTES") &&
                   streq(field(x, "NEEDED_LOW_BYTES"), "67141632"), "32M low < 64M+32K swiotlb → low-too-small");
                ok(!find(&f, "crashkernel.size-mismatch"), "low part matches ,low → no mismatch");
                done(&p, &f);
        }

        /* Too small for the capture kernel (memory.*). */
        {
                struct iomem_range r[] = { rng(0x100000, 0x7fffffff, 0, "System RAM"), rng(0x70000000, 0x75ffffff, 1, "Crash kernel") };
                s.iomem = (struct iomem) { .state = FACT_OK, .ranges = r, .n_ranges = 2, .system_ram = 0x7ff00000ULL };
                s.cmdline = (char *) "crashkernel=96M";
                run(&s, &p, &f);
                x = find(&f, "memory.insufficient");
                ok(x && x->severity == SEVERITY_ERROR && x->remedy && strstr(x->remedy, "crashkernel="), "96M → memory.insufficient");
                done(&p, &f);
        }

        if (parsed)
                iomem_clear(&io);
        crashkernel_request_clear(&R);
}

/* findings/inputs.c: optional inputs present but unreadable are noted, by file. */
static void input_notes_tests(void) {
        struct snapshot s;
        struct plan p = {};
        struct findings f = {};
        const struct finding *x;

        base_snapshot(&s, "crashkernel=256M");
        s.meminfo.state = FACT_MISSING;
        s.meminfo.error = (struct fact_error) { .file = (char *) "proc/meminfo",
                                                .message = (char *) "permission denied (run as root to read it)" };
        s.pci.state = FACT_OK;
        s.pci.error = (struct fact_error) { .file = (char *) "sys/bus/pci/devices/0000:00:02.0/config",
                                            .message = (char *) "cannot be read (Permission denied)" };
        is_int(findings_inputs(&s, &p, &f), 0, "findings_inputs runs");
        x = NULL;
        for (size_t i = 0; i < f.n; i++)
                if (streq(f.items[i].id, "input.unavailable") && strstr(f.items[i].message, "proc/meminfo"))
                        x = &f.items[i];
        ok(x && x->severity == SEVERITY_INFO && strstr(x->message, "permission denied"),
           "unreadable proc/meminfo: input.unavailable note (info) naming the file");
        x = NULL;
        for (size_t i = 0; i < f.n; i++)
                if (streq(f.items[i].id, "input.unavailable") && streq_ptr(field(&f.items[i], "FILE"),
                                                                            "sys/bus/pci/devices/0000:00:02.0/config"))
                        x = &f.items[i];
        ok(x && x->severity == SEVERITY_INFO && strstr(x->message, "0000:00:02.0/config"),
           "unreadable PCI config with usable PCI facts: info note naming the file");
        ok(!find(&f, "input.invalid"), "neither is reported as invalid");
        findings_clear(&f);

        /* a capture that simply lacks meminfo (System RAM comes from iomem): no note */
        s.meminfo.error.message = (char *) "not found";
        s.pci.error = (struct fact_error) {};
        is_int(findings_inputs(&s, &p, &f), 0, "findings_inputs runs (meminfo not found)");
        x = NULL;
        for (size_t i = 0; i < f.n; i++)
                if (streq(f.items[i].id, "input.unavailable") &&
                    (streq_ptr(field(&f.items[i], "INPUT"), "proc/meminfo") || field(&f.items[i], "FILE")))
                        x = &f.items[i];
        ok(!x, "meminfo not found, PCI fine: no note about either");
        findings_clear(&f);
}

int main(void) {
        syntax_tests();
        real_cmdline_tests();
        plan_tests();
        input_notes_tests();
        crashkernel_request_clear(&R);
        return tap_done();
}
