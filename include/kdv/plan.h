/* SPDX-License-Identifier: GPL-2.0-or-later */
/* plan/: pure functions from the snapshot to plans. No I/O, no globals. */
#pragma once

#include "kdv/snapshot.h"
#include "kdv/util.h"
#include "kdv/vectors.h"

/* ---- crashkernel= ---- */
struct crashkernel_request {
        bool present;                   /* a crashkernel= word was on the command line */
        bool valid;
        char *text;                     /* the value that counts (last one), e.g. "512M-2G:64M,2G-:128M" */
        char *error;                    /* why invalid, in the kernel's wording */
        bool range_form;
        bool auto_form;                 /* "auto" (RHEL 7/8 only) */
        bool high;                      /* crashkernel=X,high */
        uint64_t size;                  /* evaluated against system RAM; 0 = nothing */
        uint64_t offset;                /* @offset, 0 = kernel chooses */
        bool low_given;
        uint64_t low_size;              /* ,low value, or the kernel's default when high */
        uint64_t ram_evaluated;         /* the RAM size the range was evaluated against */
};

/* Parse and evaluate every crashkernel= on CMDLINE the way the kernel does.
 * system_ram: memblock-like RAM size; kernel_release picks version-specific rules (may be NULL). */
int crashkernel_parse(const char *cmdline, uint64_t system_ram, const char *arch,
                      const char *kernel_release, struct crashkernel_request *ret);
void crashkernel_request_clear(struct crashkernel_request *r);

struct crashkernel_plan {
        struct crashkernel_request request;
        bool facts_known;               /* iomem readable */
        uint64_t reserved;              /* total "Crash kernel" bytes in iomem */
        uint64_t reserved_low;          /* part below 4 GiB */
        uint64_t reserved_high;         /* part at/above 4 GiB */
        size_t n_regions;
        bool loaded_known, loaded;
        bool crash_size_known;
        uint64_t crash_size;
        int min_dma_mask_bits;          /* smallest dma mask of a bound device, -1 unknown */
        char *min_dma_mask_slot;        /* that device */
        char *min_dma_mask_driver;
};

/* ---- capture kernel ---- */
struct capture_plan {
        char *cmdline;                  /* the capture kernel's command line as the kdump tooling builds it */
        bool cmdline_known;
        unsigned cpus;                  /* CPUs the capture kernel brings up */
        bool cpus_from_cmdline;         /* nr_cpus=/maxcpus=/KDUMP_CPUS set it */
        char *cpus_param;               /* "nr_cpus", "maxcpus", "KDUMP_CPUS" */
        char **blacklist;               /* modules kept out (rd.driver.blacklist, modprobe.blacklist, module_blacklist, omit-drivers) */
        bool pcie_ports_compat;
        bool usb_disabled;              /* usbcore.nousb=1 */
        bool reset_devices;
        char **ignored_params;          /* capture-kernel parameters placed after "--": the kernel hands them to init */
        const char *append_var;         /* name of the variable appended to: KDUMP_COMMANDLINE_APPEND / KDUMP_CMDLINE_APPEND */
};

int capture_plan_build(const struct snapshot *s, struct capture_plan *ret);
void capture_plan_clear(struct capture_plan *c);

/* Value of a kernel command line parameter (last occurrence); returns NULL if absent, "" if a flag. */
char *cmdline_get(const char *cmdline, const char *key);
/* Split a command line into words, honouring double quotes as the kernel does. */
int cmdline_split(const char *cmdline, char ***ret);

/* ---- memory ---- */
struct memory_plan {
        bool known;
        uint64_t estimate;              /* bytes the capture kernel needs */
        uint64_t kernel_bytes, initramfs_bytes, per_cpu_bytes, bitmap_bytes, base_bytes;
        bool initramfs_size_known;
        uint64_t reserved;              /* what is reserved now */
        uint64_t recommended;           /* the crashkernel= size to recommend (rounded up) */
        /* the inputs of the estimate, to price another CPU count (memory_plan_estimate_at) */
        uint64_t initrd_packed, initrd_unpacked, system_ram;
        unsigned tmpfs_pct;
};

/* The estimate for an initramfs of the given packed/unpacked size at CPUS capture CPUs; parts
 * (optional) receives the breakdown. tmpfs_pct: rootfs tmpfs cap (50 default, 90 with
 * initramfs_options=size=90%). */
uint64_t memory_estimate(uint64_t initrd_packed, uint64_t initrd_unpacked, unsigned cpus,
                         uint64_t system_ram, unsigned tmpfs_pct, struct memory_plan *parts);
/* The estimate of plan M had the capture kernel CPUS CPUs (0 when M is not known). */
uint64_t memory_plan_estimate_at(const struct memory_plan *m, unsigned cpus);
/* Headroom the recommendation adds over the estimate (and memory.tight's margin). */
uint64_t memory_headroom(uint64_t estimate);

int memory_plan_build(const struct snapshot *s, const struct capture_plan *cap,
                      const struct crashkernel_plan *ck, struct memory_plan *ret);

/* ---- the whole plan ---- */
struct plan {
        struct crashkernel_plan crashkernel;
        struct capture_plan capture;
        struct memory_plan memory;
        struct vectors_plan vectors;
};

int crashkernel_plan_build(const struct snapshot *s, struct crashkernel_plan *ret);
void crashkernel_plan_clear(struct crashkernel_plan *p);

int plan_build(const struct snapshot *s, struct plan *ret);
void plan_clear(struct plan *p);
