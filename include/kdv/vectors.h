/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interrupt vectors in the capture kernel (x86_64): capacity, per-device demand from the
 * driver table (conf/drivers.conf), allocation in probe order with each driver's fallbacks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct snapshot;
struct capture_plan;

/* ---- the driver table (conf/drivers.conf), loaded by collect/driver-table.c ----
 * Values are kept as text and evaluated by plan/ with vectors_expr_eval(); collect/ only checks
 * that every expression parses. See the top of conf/drivers.conf for the language. */
struct driver_key {
        char *name;                     /* "vectors", "managed", "min", "ifup", "allocated", "queues", "table" */
        char *cond;                     /* NULL, "reset_devices", "since 6.12", "before 4.15" */
        char *value;                    /* the expression */
};

struct driver_entry {
        char *name;                     /* section name: driver as the kernel names it ("xhci_hcd") */
        char **modules;                 /* modules providing it ("xhci_pci"); name itself always counts */
        char **fallback;                /* ladder: "shared:2", "msi:1", "intx" */
        unsigned *virtio_ids;           /* PCI device ids of virtio functions this child driver binds */
        size_t n_virtio_ids;
        bool is_default;                /* the [default] section */
        bool core;                      /* part of the PCI core (pcieport): always present */
        bool virtio_transport;          /* virtio_pci: binds the function, children bring the vectors */
        char *disabled_by;              /* "pcie_ports=compat", "usbcore.nousb" */
        char *source;
        struct driver_key *keys;
        size_t n_keys;
};

struct driver_table {
        struct driver_entry *entries;
        size_t n_entries;
        struct driver_entry *fallback_entry;   /* [default], owned by entries[] */
        char **files;                   /* files read, for messages */
};

void driver_table_free(struct driver_table *t);
const struct driver_entry *driver_table_find(const struct driver_table *t, const char *driver_or_module);

/* Variables an expression may use. */
struct vectors_vars {
        long cpus;                      /* CPUs of the capture kernel */
        long msix;                      /* MSI-X table size, 0 if no MSI-X capability */
        long msi;                       /* MSI multiple-message capable count, 0 if no MSI */
        long now;                       /* msi_irqs/ entries in the running kernel */
        long online_now;                /* CPUs online in the running kernel */
        long port_services;             /* PCIe port services (PME, AER, hotplug, DPC) */
        long queues;                    /* the entry's "queues" key, once evaluated */
};

/* Evaluate EXPR: integers, + - * /, parentheses, min(a,b,...), max(a,b,...), nz(a,b) (a if
 * non-zero else b), and the variables above. Returns 0, or -EINVAL with *error_pos set. */
int vectors_expr_eval(const char *expr, const struct vectors_vars *vars, long *ret, const char **error);

/* ---- the plan ---- */
struct vector_device {
        char *slot;
        char *driver;                   /* driver the capture kernel binds, NULL if none */
        unsigned vectors;               /* vectors it ends up with on the capture CPUs */
        unsigned wanted;                /* vectors its first ladder step asks for */
        char *fallback;                 /* NULL, "shared", "msi", "intx": the ladder step it ended on */
        bool fails;                     /* probe fails (-ENOSPC) */
        bool dump_target;
        bool unknown_driver;            /* demand from the conservative default */
        bool builtin;                   /* probes at boot (built in / PCI core) */
};

struct vectors_plan {
        bool applicable;                /* x86_64 with PCI facts */
        unsigned capacity_per_cpu;
        unsigned capture_cpus;
        unsigned capacity;
        unsigned demand;                /* vectors in use after all probes (platform + devices) */
        unsigned platform;              /* legacy IO-APIC lines, ACPI SCI, IOMMU fault irqs */
        unsigned min_cpus;              /* 0 = none up to the search limit */
        unsigned min_cpus_any_order;    /* smallest count where the dump target survives probing last, 0 = none */
        unsigned search_limit;
        bool upper_bound;               /* driver set from "bound now", not the initramfs */
        bool order_sensitive;           /* dump target survives in PCI order but not when probed last */
        bool legacy_allocator;          /* < 4.15: pre-matrix allocator, other failure messages */
        unsigned *vectors_on_cpu;       /* capture_cpus entries: in use per CPU incl. managed reservations */
        struct vector_device *devices;
        size_t n_devices;
        char **blacklist_remedy;        /* modules to keep out (ranked), NULL if none helps */
        unsigned blacklist_saves;       /* vectors they free */
        bool compat_remedy;             /* pcie_ports=compat alone saves the dump target */
};

struct vectors_options {
        const char *first_driver;       /* probe this driver first within its phase (oracle "first=") */
        const char *last_slot;          /* probe this function last (worst order for it) */
        bool ifup;                      /* interfaces are brought up (network dump or oracle "ifup") */
        char *const *extra_blacklist;   /* modules kept out in addition to the capture plan's */
        bool pcie_ports_compat;         /* force pcie_ports=compat */
        bool no_search;                 /* skip min_cpus and remedy searches */
};

int vectors_plan_build(const struct snapshot *s, const struct capture_plan *cap, struct vectors_plan *ret);
int vectors_plan_build_opts(const struct snapshot *s, const struct capture_plan *cap,
                            const struct vectors_options *o, struct vectors_plan *ret);
void vectors_plan_clear(struct vectors_plan *v);

/* Per-CPU vector capacity of a kernel release on x86_64 (research/kernel-model.md M1). */
unsigned vectors_capacity_per_cpu(const char *kernel_release);
