/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The snapshot: every fact collect/ gathered about one machine, as plain data.
 * plan/ reads only this; nothing after collect/ touches the filesystem.
 * Each fact group carries a state: a missing input is a fact ("not available"), not an error. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

enum fact_state {
        FACT_MISSING = 0,       /* the input does not exist on this machine / in this root */
        FACT_OK,
        FACT_INVALID,           /* present but malformed: see the group's error fields */
};

const char *fact_state_to_string(enum fact_state s);

/* Where a malformed input was found, for "file:line: what" messages. */
struct fact_error {
        char *file;             /* path relative to the root, e.g. "proc/iomem" */
        unsigned line;          /* 0 when not line-oriented */
        char *message;
};

/* ---- /proc/iomem ---- */
struct iomem_range {
        uint64_t start, end;    /* inclusive, as printed */
        unsigned depth;         /* indentation level / 2 */
        char *name;
};

struct iomem {
        enum fact_state state;
        struct fact_error error;
        struct iomem_range *ranges;
        size_t n_ranges;
        uint64_t system_ram;    /* sum of top-level "System RAM" */
        bool all_zero;          /* addresses all 0: read without privilege (kernel hides them) */
};

/* ---- /proc/meminfo ---- */
struct meminfo {
        enum fact_state state;
        struct fact_error error;
        uint64_t mem_total;     /* bytes */
};

/* ---- /proc/interrupts (running kernel; evidence only, never the capture prediction) ---- */
struct irq_line {
        char *irq;              /* "0", "24", "NMI", ... */
        uint64_t *per_cpu;      /* n_cpus counts */
        char *chip;             /* "IO-APIC", "PCI-MSI", "IR-PCI-MSIX-0000:00:02.0", ... */
        char *hwirq;            /* "2-edge", "512000-edge" (may be NULL) */
        char *actions;          /* handler names, comma separated */
};

struct interrupts {
        enum fact_state state;
        struct fact_error error;
        unsigned n_cpus;
        struct irq_line *lines;
        size_t n_lines;
};

/* ---- CPUs ---- */
struct cpus {
        enum fact_state state;
        struct fact_error error;
        unsigned possible, present, online;     /* counts from the cpu lists */
};

/* ---- kexec state ---- */
struct kexec_state {
        enum fact_state crash_size_state;
        uint64_t crash_size;            /* /sys/kernel/kexec_crash_size */
        enum fact_state crash_loaded_state;
        bool crash_loaded;              /* /sys/kernel/kexec_crash_loaded */
};

/* ---- PCI (collected through libpci) ---- */
struct pci_function {
        char slot[20];                  /* "0000:00:02.0"; domains go up to 0x7fffffff ("7fffffff:ff:1f.7") */
        uint32_t domain;
        uint8_t bus, dev, func;
        uint16_t vendor_id, device_id, subsys_vendor_id, subsys_id;
        uint32_t class;                 /* 24-bit class code: base<<16 | sub<<8 | prog-if */
        uint8_t revision;
        uint8_t header_type;            /* 0 normal, 1 bridge, 2 cardbus */
        uint8_t irq_pin;                /* 0 none, 1..4 = INTA..INTD */
        int irq_line;                   /* sysfs irq, -1 unknown */

        bool has_msi;
        unsigned msi_max_vectors;       /* multiple message capable: 1 << MMC */
        bool msi_per_vector_mask;
        bool msi_64bit;

        bool has_msix;
        unsigned msix_table_size;

        bool is_pcie;
        uint8_t pcie_type;              /* PCI_EXP_TYPE_*: 4 root port, 5 upstream, 6 downstream, ... */
        bool pcie_slot_hotplug;         /* slot capabilities: hot-plug capable */
        bool has_aer, has_dpc;
        uint8_t secondary_bus, subordinate_bus;  /* bridges */

        char *driver;                   /* bound driver now, NULL if none / unknown */
        char *modalias;                 /* "pci:v...": from sysfs or built from the ids */
        int dma_mask_bits;              /* -1 unknown */
        int consistent_dma_mask_bits;   /* -1 unknown */
        unsigned msi_irqs_now;          /* entries in msi_irqs/ now (running kernel) */
        bool config_full;               /* config space beyond 64 bytes was readable */

        char **modules;                 /* modules whose alias matches (libkmod), NULL-terminated */
};

enum pci_source {
        PCI_SOURCE_NONE = 0,
        PCI_SOURCE_SYSFS,
        PCI_SOURCE_DUMP,
};

const char *pci_source_to_string(enum pci_source s);    /* "none", "sysfs", "dump" */

struct pci_facts {
        enum fact_state state;
        struct fact_error error;
        enum pci_source source;
        char *source_path;              /* sysfs dir or dump file */
        struct pci_function *functions; /* sorted by domain/bus/dev/func = probe order */
        size_t n_functions;
};

/* ---- kdump configuration ---- */
enum kdump_flavor {
        KDUMP_FLAVOR_NONE = 0,          /* no kdump configuration found */
        KDUMP_FLAVOR_RHEL,              /* /etc/sysconfig/kdump with KDUMP_COMMANDLINE_APPEND (+ /etc/kdump.conf) */
        KDUMP_FLAVOR_SUSE,              /* /etc/sysconfig/kdump with KDUMP_CPUS / KDUMP_SAVEDIR */
        KDUMP_FLAVOR_DEBIAN,            /* /etc/default/kdump-tools */
};

const char *kdump_flavor_to_string(enum kdump_flavor f);

/* One shell assignment NAME=value as the shell would see it (quotes removed, escapes applied). */
struct shell_assignment {
        char *name;
        char *value;                    /* NULL if the value used expansions we refuse to evaluate */
        unsigned line;                  /* first line of the assignment */
        unsigned last_line;             /* last line (continuations) */
        bool has_expansion;             /* $VAR, $(...), `...` in the value */
};

struct shell_file {
        enum fact_state state;
        struct fact_error error;
        char *path;                     /* relative to the root */
        struct shell_assignment *vars;
        size_t n_vars;
};

/* Returns the last assignment of NAME (what sourcing the file leaves), or NULL. */
const struct shell_assignment *shell_file_get(const struct shell_file *f, const char *name);

/* /etc/kdump.conf: "directive args..." lines. */
struct kdump_conf_directive {
        char *key;
        char *value;                    /* the rest of the line, trimmed */
        unsigned line;
};

struct kdump_conf {
        enum fact_state state;
        struct fact_error error;
        struct kdump_conf_directive *directives;
        size_t n_directives;
};

const char *kdump_conf_get(const struct kdump_conf *c, const char *key);

/* ---- where the dump goes ---- */
enum dump_target_kind {
        DUMP_TARGET_UNKNOWN = 0,
        DUMP_TARGET_LOCAL_FS,           /* path on a local filesystem (default /var/crash) */
        DUMP_TARGET_RAW,                /* raw block device */
        DUMP_TARGET_NFS,
        DUMP_TARGET_SSH,
};

const char *dump_target_kind_to_string(enum dump_target_kind k);        /* "local-fs", ... "unknown" */

struct dump_target {
        enum dump_target_kind kind;
        char *spec;                     /* as configured: "raw /dev/disk/by-id/...", "path /var/crash" */
        char *block_device;             /* "vda", "sda", NULL if not resolved */
        char *pci_slot;                 /* PCI function the block device or NIC sits on, NULL if unknown */
        char *why_unresolved;           /* message when block_device/pci_slot could not be found */
};

/* ---- the capture kernel's module set ---- */
struct initramfs_facts {
        enum fact_state state;
        struct fact_error error;
        char *path;                     /* the kdump initramfs, relative to root */
        char **modules;                 /* module names found inside (NULL-terminated) */
};

struct modules_facts {
        enum fact_state state;          /* module directory of the capture kernel */
        char *dir;                      /* "lib/modules/<kver>" */
        char **builtin;                 /* modules.builtin names */
        struct fact_error error;        /* why invalid: libkmod could not be loaded or failed */
};

/* ---- the whole snapshot ---- */
struct snapshot {
        char *root;                     /* the root it was collected from */
        bool live;

        char *arch;                     /* "x86_64", ... */
        bool arch_from_option;
        char *kernel_release;           /* "6.1.0-56-amd64", NULL if unknown */
        char *kernel_version_banner;    /* /proc/version */

        enum fact_state cmdline_state;
        struct fact_error cmdline_error;
        char *cmdline;                  /* /proc/cmdline, trimmed */
        struct fact_error release_error;        /* proc/sys/kernel/osrelease unusable */

        struct iomem iomem;
        struct meminfo meminfo;
        struct interrupts interrupts;
        struct cpus cpus;
        struct kexec_state kexec;
        struct pci_facts pci;

        enum kdump_flavor flavor;
        struct shell_file kdump_sysconfig;      /* /etc/sysconfig/kdump or /etc/default/kdump-tools */
        struct kdump_conf kdump_conf;           /* /etc/kdump.conf (RHEL/Fedora) */
        bool kdump_enabled_known;
        bool kdump_enabled;                     /* Debian USE_KDUMP, else "configured" */

        struct dump_target dump_target;
        struct initramfs_facts initramfs;
        struct modules_facts modules;

        struct driver_table *driver_table;     /* conf/drivers.conf + drop-ins (see vectors.h) */
        struct fact_error driver_table_error;
};

struct collect_options {
        const char *root;               /* default "/" */
        const char *pci_dump;           /* lspci -xxxx file instead of sysfs */
        const char *arch;               /* override */
        const char *driver_table;       /* drivers.conf path; default: installed copy */
};

/* The driver table a collection reads: --driver-table, else $KDV_CONF_DIR (tests), else the
 * installed copy (NULL); a binary run from its build tree falls back to the source tree's conf/. */
const char *collect_driver_table_path(const struct collect_options *opts);

/* Collect everything. Returns 0 even when individual facts are missing or invalid (recorded in
 * the snapshot); negative errno only when the root itself cannot be used. */
int snapshot_collect(const struct collect_options *opts, struct snapshot **ret);
/* Free everything a snapshot owns and zero it (for snapshots not allocated by snapshot_collect). */
void snapshot_clear(struct snapshot *s);
void snapshot_free(struct snapshot *s);
static inline void snapshot_freep(struct snapshot **s) { if (*s) snapshot_free(*s); }
#define _cleanup_snapshot_ _cleanup_(snapshot_freep)
