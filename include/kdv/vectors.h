/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interrupt vectors in the capture kernel (x86_64): capacity, per-device demand from the
 * driver table (conf/drivers.conf), allocation in probe order with each driver's fallbacks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct snapshot;
struct capture_plan;

/* Loaded by collect/ from conf/drivers.conf (and admin drop-ins); opaque to the rest. */
struct driver_table;
void driver_table_free(struct driver_table *t);

struct vector_device {
        char *slot;
        char *driver;                   /* driver the capture kernel binds, NULL if none */
        unsigned vectors;               /* vectors it ends up with on the capture CPUs */
        char *fallback;                 /* NULL, "shared", "msi", "intx": the ladder step it ended on */
        bool fails;                     /* probe fails (-ENOSPC) */
        bool dump_target;
        bool unknown_driver;            /* demand from the conservative default */
};

struct vectors_plan {
        bool applicable;                /* x86_64 with PCI facts */
        unsigned capacity_per_cpu;
        unsigned capture_cpus;
        unsigned capacity;
        unsigned demand;
        unsigned min_cpus;              /* 0 = none up to the search limit */
        bool upper_bound;               /* driver set from "bound now", not the initramfs */
        struct vector_device *devices;
        size_t n_devices;
};

int vectors_plan_build(const struct snapshot *s, const struct capture_plan *cap, struct vectors_plan *ret);
void vectors_plan_clear(struct vectors_plan *v);
