/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How much memory the capture kernel needs, against what is reserved.
 *
 * The model is the one fitted to the QEMU measurements in fixtures/oracle-memory (README,
 * "A model that fits all 38 guest verdicts"; Debian 6.1.0-56-amd64, x86_64). With X the
 * crashkernel size, c/u the packed/unpacked initramfs and n the capture CPUs (all MiB):
 *   F(X)   = BASE + X/64 + PERCPU·(n−1)        memory outside MemTotal: kernel image, memmap, percpu
 *   unpack : X ≥ F(X) + c + u + S + bitmap      everything live while the initramfs is unpacked
 *   tmpfs  : X ≥ F(X) + c + u·100/pct           rootfs is a tmpfs capped at pct% of RAM (50 by default)
 *                                              unless the capture command line has root= (ramfs)
 * Every measured failure happened in the unpack phase; makedumpfile (≈12 MiB) never set the limit.
 * kdumpctl's formula (3 × initrd + 16M + kernel) falls below measured failures (README "Estimators"),
 * so we do not use it. The estimate is solved for X: X = A · 64/63. */
#include <ctype.h>

#include "kdv/plan.h"
#include "kdv/util.h"

/* 51.5 MiB: "After subtracting X/64 this is a constant ≈ 51.5 MiB" (README "Where the memory goes"):
 * kernel image 44.9 MiB incl. bss, page tables, percpu first chunk, ACPI and early reservations. */
#define MEM_BASE                ((uint64_t) 51 * MiB + 512 * KiB)
/* Per capture CPU beyond the first: X−MemTotal +248 kB, Slab ≈ +710 kB, KernelStack ≈ +133 kB
 * (README table "Per capture CPU", 1→4 CPUs) = 1091 KiB. SUSE's calibrate charges 505 KiB. */
#define MEM_PER_CPU             ((uint64_t) 1091 * KiB)
/* S: boot-time slab, stacks, vmalloc, watermarks and device state live during the unpack. Measured
 * intervals: a-baseline 1 CPU (30.5, 38.4], 2 CPUs (22.4, 30.3], b-blk (30.3, 38.2], ramfs pads
 * (30.0, 45.3]. We take the highest lower bound (30.5) plus the 8 MiB slack the README asks for
 * ("Keep ≥ 8 MiB of slack": run-to-run variation, the nr_cpus=1 watermark boost). */
#define MEM_UNPACK_SLACK        ((uint64_t) 38 * MiB + 512 * KiB)
/* Default initramfs when its size is unknown: the oracle's capture image (estimates.json
 * initrd_bytes / initrd_cpio_bytes). A distribution's dracut/initramfs-tools image is larger, so
 * with this default the estimate is a lower bound. */
#define MEM_DEFAULT_INITRD_PACKED       ((uint64_t) 7825248)
#define MEM_DEFAULT_INITRD_UNPACKED     ((uint64_t) 21782528)
/* makedumpfile cyclic bitmap buffer: min(2 bits per page of first-kernel RAM, 4 MiB)
 * ([makedumpfile] makedumpfile.c calculate_cyclic_buffer_size, research E). */
#define MEM_BITMAP_MAX          ((uint64_t) 4 * MiB)
/* Default rootfs tmpfs size: 50% of RAM (mm/shmem.c shmem_default_max_blocks, README rule 2). */
#define MEM_TMPFS_DEFAULT_PCT   50u
/* recommended = estimate + headroom, rounded up to 64M. Headroom = max(25%, 16 MiB): the measured
 * minimum varies by a few MiB run to run, and filesystem/network targets and LUKS were not measured
 * (README "Caveats"). memory.tight uses the same margin, so following the advice never warns. */
#define MEM_ROUND               ((uint64_t) 64 * MiB)
#define MEM_HEADROOM_MIN        ((uint64_t) 16 * MiB)


static uint64_t solve(uint64_t a) {
        /* X ≥ a + X/64  ⇔  X ≥ a·64/63 */
        return (a * 64 + 62) / 63;
}

uint64_t memory_headroom(uint64_t estimate) {
        return estimate / 4 > MEM_HEADROOM_MIN ? estimate / 4 : MEM_HEADROOM_MIN;
}

uint64_t memory_estimate(uint64_t initrd_packed, uint64_t initrd_unpacked, unsigned cpus,
                         uint64_t system_ram, unsigned tmpfs_pct, struct memory_plan *parts) {
        uint64_t per_cpu, bitmap, fixed, unpack, tmpfs = 0, tmpfs_initrd = 0;

        per_cpu = cpus > 1 ? MEM_PER_CPU * (cpus - 1) : 0;
        bitmap = system_ram / 4096 * 2 / 8;
        if (bitmap > MEM_BITMAP_MAX)
                bitmap = MEM_BITMAP_MAX;

        fixed = MEM_BASE + per_cpu;
        unpack = solve(fixed + initrd_packed + initrd_unpacked + MEM_UNPACK_SLACK + bitmap);
        if (tmpfs_pct > 0) {
                tmpfs_initrd = initrd_packed + initrd_unpacked * 100 / tmpfs_pct;
                tmpfs = solve(fixed + tmpfs_initrd);
        }

        if (parts) {
                parts->kernel_bytes = MEM_BASE;
                parts->per_cpu_bytes = per_cpu;
                parts->bitmap_bytes = bitmap;
                if (tmpfs > unpack) {
                        parts->initramfs_bytes = tmpfs_initrd;
                        parts->base_bytes = 0;
                } else {
                        parts->initramfs_bytes = initrd_packed + initrd_unpacked;
                        parts->base_bytes = MEM_UNPACK_SLACK;
                }
        }
        return tmpfs > unpack ? tmpfs : unpack;
}

/* Size cap of the rootfs tmpfs, in percent; 0 = rootfs is a ramfs (no cap).
 * init/do_mounts.c: rootfs is a tmpfs only when no root= was given; initramfs_options=size=N%
 * changes the cap (README: supported by 6.1.192, a stable backport). */
static unsigned rootfs_tmpfs_pct(const char *capture_cmdline) {
        _cleanup_free_ char *root = NULL, *opts = NULL;
        unsigned pct = MEM_TMPFS_DEFAULT_PCT;

        if (!capture_cmdline)
                return pct;             /* unknown: assume the tighter tmpfs */
        root = cmdline_get(capture_cmdline, "root");
        if (root && *root)
                return 0;
        opts = cmdline_get(capture_cmdline, "initramfs_options");
        if (opts) {
                const char *sz = strstr(opts, "size=");
                char *end;
                unsigned long v;

                if (sz) {
                        v = strtoul(sz + 5, &end, 10);
                        if (end != sz + 5 && *end == '%' && v > 0 && v <= 100)
                                pct = (unsigned) v;
                }
        }
        return pct;
}

/* The distributions' default crashkernel= for this RAM (anchors-tools.md §1.1, §3.1). */
static const char *distro_default_table(const struct snapshot *s) {
        const char *a = s->arch ? s->arch : "x86_64";
        bool arm = streq(a, "aarch64") || streq(a, "arm64");
        bool ppc = startswith(a, "ppc64") != NULL;

        if (s->flavor == KDUMP_FLAVOR_DEBIAN)
                return arm || ppc ? "2G-4G:320M,4G-32G:512M,32G-64G:1024M,64G-128G:2048M,128G-:4096M" : "512M-:192M";
        if (arm)
                return "2G-4G:256M,4G-64G:320M,64G-:576M";
        if (ppc)
                return "2G-4G:384M,4G-16G:512M,16G-64G:1G,64G-128G:2G,128G-:4G";
        return "2G-64G:256M,64G-:512M";        /* kdump-utils x86_64/s390x, commit fe18f93 */
}

int memory_plan_build(const struct snapshot *s, const struct capture_plan *cap,
                      const struct crashkernel_plan *ck, struct memory_plan *ret) {
        struct memory_plan m = {};
        uint64_t ram = 0, want;
        unsigned cpus = 1;
        const char *capture_cmdline = NULL;

        *ret = (struct memory_plan) {};

        if (s->iomem.state == FACT_OK && !s->iomem.all_zero && s->iomem.system_ram > 0)
                ram = s->iomem.system_ram;
        else if (s->meminfo.state == FACT_OK)
                ram = s->meminfo.mem_total;

        if (cap && cap->cpus > 0)
                cpus = cap->cpus;
        else if (s->cpus.state == FACT_OK && s->cpus.possible > 0)
                cpus = s->cpus.possible;   /* no nr_cpus=: the capture kernel brings up every CPU */
        if (cap && cap->cmdline_known)
                capture_cmdline = cap->cmdline;

        /* The snapshot carries no initramfs size: use the measured minimal image (lower bound). */
        m.initramfs_size_known = false;
        m.initrd_packed = MEM_DEFAULT_INITRD_PACKED;
        m.initrd_unpacked = MEM_DEFAULT_INITRD_UNPACKED;
        m.system_ram = ram;
        m.tmpfs_pct = rootfs_tmpfs_pct(capture_cmdline);
        m.estimate = memory_estimate(m.initrd_packed, m.initrd_unpacked, cpus, ram, m.tmpfs_pct, &m);
        m.known = true;

        if (ck) {
                if (ck->facts_known)
                        m.reserved = ck->reserved;
                else if (ck->crash_size_known)
                        m.reserved = ck->crash_size;
        }

        want = m.estimate + memory_headroom(m.estimate);
        m.recommended = (want + MEM_ROUND - 1) / MEM_ROUND * MEM_ROUND;
        if (!m.initramfs_size_known && ram > 0) {
                /* The estimate is a lower bound: never recommend less than the distribution's
                 * default, which was validated with its real initramfs (README: the RHEL table
                 * worked for every measured row). */
                _cleanup_free_ char *line = NULL;
                struct crashkernel_request r = {};

                if (asprintf(&line, "crashkernel=%s", distro_default_table(s)) < 0)
                        return -ENOMEM;
                if (crashkernel_parse(line, ram, s->arch, s->kernel_release, &r) >= 0) {
                        if (r.valid && r.size > m.recommended)
                                m.recommended = r.size;
                        crashkernel_request_clear(&r);
                }
        }

        *ret = m;
        return 0;
}

uint64_t memory_plan_estimate_at(const struct memory_plan *m, unsigned cpus) {
        if (!m->known)
                return 0;
        return memory_estimate(m->initrd_packed, m->initrd_unpacked, cpus, m->system_ram, m->tmpfs_pct, NULL);
}
