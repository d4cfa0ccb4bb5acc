/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interrupt vectors in the capture kernel (x86_64). Pure: reads the snapshot, writes the plan.
 *
 * Model (research/kernel-model.md A, M1, M2; measured in shared/fixtures/oracle):
 *  - Every CPU has C_base allocatable vectors (version dependent, M1). The platform takes the
 *    legacy IO-APIC lines that are really requested (timer, i8042, serial, rtc, ACPI SCI) and the
 *    IOMMU fault interrupts; we count them in the running /proc/interrupts (same built-in drivers).
 *  - Devices probe in a fixed order: drivers built in / in the PCI core at boot (PCI order),
 *    then modules from the initramfs (PCI order), then virtio children in virtio index order
 *    (= PCI order of their transport), as the oracle's deterministic loader and udev coldplug do.
 *  - Each probe asks for the vectors of its driver table entry at the capture CPU count; the
 *    request is tried whole (exact drivers) or shrunk down to "min"; then the fallback ladder
 *    (shared MSI-X, single MSI, INTx); nothing left = -ENOSPC, the probe fails.
 *  - 4.15+ matrix allocator (kernel/irq/matrix.c): a managed vector reserves one slot on every
 *    CPU of its affinity mask at allocation; a non-managed one is activated at request_irq() on
 *    the online CPU with the most free vectors. Vectors allocated but never requested (NICs
 *    that request at interface up) cost nothing. Before 4.15 every allocated entry costs. */
#include <ctype.h>

#include "kdv/plan.h"
#include "kdv/vectors.h"

#define MAX_SEARCH_CPUS 64u
#define VALUE_LIMIT 1000000000L

/* ---------------------------------------------------------------------------------------- */
/* The expression language of conf/drivers.conf. */

struct expr_parser {
        const char *p;
        const struct vectors_vars *vars;
        bool error;
        const char *error_pos;
        unsigned depth;                 /* nesting of '(' , '-' and calls: bounded, the input is an admin's file */
};

/* Deeper than any real expression; keeps the recursion far from the stack's end (fuzz-vexpr
 * overflowed it with 40,000 '(' ). */
#define EXPR_MAX_DEPTH 64u

static long clampv(long v) {
        return v > VALUE_LIMIT ? VALUE_LIMIT : v < -VALUE_LIMIT ? -VALUE_LIMIT : v;
}

static void skip_ws(struct expr_parser *e) {
        while (*e->p == ' ' || *e->p == '\t')
                e->p++;
}

static void expr_fail(struct expr_parser *e) {
        if (!e->error) {
                e->error = true;
                e->error_pos = e->p;
        }
}

static long parse_sum(struct expr_parser *e);

static long parse_primary(struct expr_parser *e) {
        skip_ws(e);
        if (isdigit((unsigned char) *e->p)) {
                char *end;
                unsigned long long v = strtoull(e->p, &end, 0);
                e->p = end;
                return clampv(v > (unsigned long long) VALUE_LIMIT ? VALUE_LIMIT : (long) v);
        }
        if (*e->p == '(') {
                long v;
                e->p++;
                v = parse_sum(e);
                skip_ws(e);
                if (*e->p != ')') {
                        expr_fail(e);
                        return 0;
                }
                e->p++;
                return v;
        }
        if (isalpha((unsigned char) *e->p) || *e->p == '_') {
                const char *start = e->p;
                size_t l;
                while (isalnum((unsigned char) *e->p) || *e->p == '_')
                        e->p++;
                l = (size_t) (e->p - start);
                skip_ws(e);
                if (*e->p == '(') {
                        long args[16];
                        size_t n = 0;
                        e->p++;
                        for (;;) {
                                long v = parse_sum(e);
                                if (n < ELEMENTSOF(args))
                                        args[n++] = v;
                                else
                                        expr_fail(e);
                                skip_ws(e);
                                if (*e->p == ',') {
                                        e->p++;
                                        continue;
                                }
                                if (*e->p == ')') {
                                        e->p++;
                                        break;
                                }
                                expr_fail(e);
                                return 0;
                        }
                        if (l == 3 && (strncmp(start, "min", 3) == 0 || strncmp(start, "max", 3) == 0)) {
                                bool mn = start[1] == 'i';
                                long r = args[0];
                                for (size_t i = 1; i < n; i++)
                                        r = mn ? (args[i] < r ? args[i] : r) : (args[i] > r ? args[i] : r);
                                return r;
                        }
                        if (l == 2 && strncmp(start, "nz", 2) == 0) {
                                if (n != 2)
                                        expr_fail(e);
                                return args[0] != 0 ? args[0] : (n > 1 ? args[1] : 0);
                        }
                        e->p = start;
                        expr_fail(e);
                        return 0;
                }
#define VAR(name, field) if (l == strlen(name) && strncmp(start, name, l) == 0) return clampv((long) e->vars->field)
                VAR("cpus", cpus);
                VAR("msix", msix);
                VAR("msi", msi);
                VAR("now", now);
                VAR("online_now", online_now);
                VAR("port_services", port_services);
                VAR("queues", queues);
#undef VAR
                e->p = start;
                expr_fail(e);
                return 0;
        }
        expr_fail(e);
        return 0;
}

static long parse_unary(struct expr_parser *e) {
        long v;

        skip_ws(e);
        if (e->error || e->depth >= EXPR_MAX_DEPTH) {
                expr_fail(e);
                return 0;
        }
        e->depth++;
        if (*e->p == '-') {
                e->p++;
                v = -parse_unary(e);
        } else
                v = parse_primary(e);
        e->depth--;
        return v;
}

static long parse_product(struct expr_parser *e) {
        long v = parse_unary(e);
        for (;;) {
                skip_ws(e);
                if (*e->p == '*') {
                        e->p++;
                        v = clampv(v * parse_unary(e));
                } else if (*e->p == '/') {
                        long d;
                        e->p++;
                        d = parse_unary(e);
                        v = d == 0 ? 0 : v / d;
                } else
                        return v;
        }
}

static long parse_sum(struct expr_parser *e) {
        long v = parse_product(e);
        for (;;) {
                skip_ws(e);
                if (*e->p == '+') {
                        e->p++;
                        v = clampv(v + parse_product(e));
                } else if (*e->p == '-') {
                        e->p++;
                        v = clampv(v - parse_product(e));
                } else
                        return v;
        }
}

int vectors_expr_eval(const char *expr, const struct vectors_vars *vars, long *ret, const char **error) {
        struct expr_parser e = { .p = expr, .vars = vars };
        long v;

        if (!expr)
                return -EINVAL;
        v = parse_sum(&e);
        skip_ws(&e);
        if (*e.p)
                expr_fail(&e);
        if (e.error) {
                if (error)
                        *error = e.error_pos;
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Kernel versions and capacity (research/kernel-model.md M1). */

struct kver { unsigned major, minor; bool known; };

static struct kver kver_of(const char *release) {
        struct kver k = {};
        unsigned patch;
        if (release && kernel_version_parse(release, &k.major, &k.minor, &patch) >= 0)
                k.known = true;
        return k;
}

static int kver_cmp(struct kver k, unsigned major, unsigned minor) {
        if (k.major != major)
                return k.major < major ? -1 : 1;
        if (k.minor != minor)
                return k.minor < minor ? -1 : 1;
        return 0;
}

/* C_base = (FIRST_SYSTEM_VECTOR - 0x20) - system vectors inside the window (0x80 syscall,
 * 0x32 PIC cascade, 0x20 IRQ_MOVE_CLEANUP_VECTOR before 6.6). */
unsigned vectors_capacity_per_cpu(const char *kernel_release) {
        struct kver k = kver_of(kernel_release);

        if (!k.known)
                return 201;
        if (kver_cmp(k, 4, 15) < 0)
                return 189;     /* legacy allocator (RHEL7 3.10): CPU0 loses the 16 ISA vectors */
        if (kver_cmp(k, 4, 16) < 0)
                return 203;     /* FSV 0xee */
        if (kver_cmp(k, 4, 18) < 0)
                return 202;     /* UNVERIFIED (0xed?) */
        if (kver_cmp(k, 6, 6) < 0)
                return 201;     /* FSV 0xec, cleanup vector 0x20 */
        if (kver_cmp(k, 6, 10) < 0)
                return 202;     /* cleanup vector gone (commit bdc1dad299bb) */
        return 201;             /* 0xeb posted-MSI vector carved out (v6.10) */
}

/* Legacy allocator: CPUs other than CPU0 keep the ISA range (kernel-model.md A.2, RHEL7). */
static unsigned capacity_of_cpu(const char *kernel_release, unsigned cpu) {
        struct kver k = kver_of(kernel_release);
        if (k.known && kver_cmp(k, 4, 15) < 0 && cpu > 0)
                return 205;
        return vectors_capacity_per_cpu(kernel_release);
}

/* ---------------------------------------------------------------------------------------- */
/* Which devices the capture kernel binds. */

static bool name_eq(const char *a, const char *b) {
        if (!a || !b)
                return false;
        for (; *a && *b; a++, b++) {
                char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
                if (x != y)
                        return false;
        }
        return *a == *b;
}

/* modules.builtin may hold paths ("kernel/drivers/x/y.ko") or names: compare the name. */
static bool module_in_list(char *const *l, const char *m) {
        for (; l && *l; l++) {
                const char *b = strrchr(*l, '/');
                size_t len;
                b = b ? b + 1 : *l;
                len = strlen(b);
                if (len > 3 && streq(b + len - 3, ".ko"))
                        len -= 3;
                else if (len > 6 && streq(b + len - 6, ".ko.xz"))
                        len -= 6;
                else if (len > 7 && streq(b + len - 7, ".ko.zst"))
                        len -= 7;
                if (strlen(m) == len) {
                        bool eq = true;
                        for (size_t i = 0; i < len && eq; i++) {
                                char x = b[i] == '-' ? '_' : b[i], y = m[i] == '-' ? '_' : m[i];
                                eq = x == y;
                        }
                        if (eq)
                                return true;
                }
        }
        return false;
}

static bool entry_matches_list(const struct driver_entry *e, const char *driver, char *const *l) {
        for (char *const *b = l; b && *b; b++) {
                if (driver && name_eq(*b, driver))
                        return true;
                if (e) {
                        if (name_eq(*b, e->name))
                                return true;
                        for (char **m = e->modules; m && *m; m++)
                                if (name_eq(*b, *m))
                                        return true;
                }
        }
        return false;
}

static const char *entry_module(const struct driver_entry *e, const char *fallback) {
        if (e && e->modules && e->modules[0])
                return e->modules[0];
        return e && !e->is_default ? e->name : fallback;
}

static bool is_pcie_port(const struct pci_function *f) {
        /* PCI-to-PCI bridge class with a PCIe capability of a port type: 4 root port,
         * 5 upstream, 6 downstream, 10 root complex event collector (portdrv.c pcie_portdrv_probe). */
        if ((f->class >> 8) != 0x0604 && (f->class >> 8) != 0x0807)
                return false;
        return f->is_pcie && (f->pcie_type == 4 || f->pcie_type == 5 || f->pcie_type == 6 || f->pcie_type == 10);
}

static long port_services(const struct pci_function *f) {
        long n = 0;
        /* get_port_device_capability(), portdrv.c:226-250 (6.12) */
        if (f->pcie_type == 4 || f->pcie_type == 10)
                n++;                                    /* PME */
        if ((f->pcie_type == 4 || f->pcie_type == 6) && f->pcie_slot_hotplug)
                n++;                                    /* pciehp */
        if (f->pcie_type == 4 && f->has_aer)
                n++;                                    /* AER */
        if (f->has_dpc)
                n++;                                    /* DPC */
        return n;
}

enum phase {
        PHASE_BOOT = 0,         /* built in / PCI core: probe during boot */
        PHASE_MODULES = 1,      /* modules loaded by udev from the initramfs, PCI order */
        PHASE_VIRTIO = 2,       /* virtio children, after their transport bound */
};

struct sim_dev {
        const struct pci_function *f;
        const struct driver_entry *e;   /* demand entry (the virtio child's for virtio) */
        char *driver;                   /* reported name */
        const char *module;             /* name for rd.driver.blacklist= */
        enum phase phase;
        size_t index;
        bool dump_target, unknown, builtin, network_target;
        bool transport_only;            /* virtio_pci without a child driver: 0 vectors */
        const char *transport;          /* module of the virtio transport under a child */
};

struct sim_setup {
        const struct snapshot *s;
        const struct driver_table *t;
        const char *release;
        struct kver kver;
        bool eager;                     /* < 4.15: every allocated entry costs */
        bool reset_devices;
        unsigned platform, platform_iommu;
        struct sim_dev *devs;
        size_t n_devs;
        bool upper_bound;
};

static const struct driver_entry *virtio_child_entry(const struct driver_table *t, uint16_t device_id) {
        for (size_t i = t->n_entries; i > 0; i--) {
                const struct driver_entry *e = &t->entries[i - 1];
                for (size_t j = 0; j < e->n_virtio_ids; j++)
                        if (e->virtio_ids[j] == device_id)
                                return e;
        }
        return NULL;
}

static bool module_available(const struct snapshot *s, const struct driver_entry *e, const char *name,
                             bool *builtin) {
        *builtin = false;
        if (module_in_list(s->modules.builtin, name) ||
            (e && (module_in_list(s->modules.builtin, e->name) ||
                   (e->modules && e->modules[0] && module_in_list(s->modules.builtin, e->modules[0]))))) {
                *builtin = true;
                return true;
        }
        if (s->initramfs.state != FACT_OK)
                return false;
        if (module_in_list(s->initramfs.modules, name))
                return true;
        if (e) {
                if (module_in_list(s->initramfs.modules, e->name))
                        return true;
                for (char **m = e->modules; m && *m; m++)
                        if (module_in_list(s->initramfs.modules, *m))
                                return true;
        }
        return false;
}

static int sim_dev_cmp(const void *a, const void *b) {
        const struct sim_dev *x = a, *y = b;
        if (x->phase != y->phase)
                return x->phase < y->phase ? -1 : 1;
        return x->index < y->index ? -1 : x->index > y->index;
}

static void sim_setup_clear(struct sim_setup *st) {
        for (size_t i = 0; i < st->n_devs; i++)
                free(st->devs[i].driver);
        free(st->devs);
        st->devs = NULL;
        st->n_devs = 0;
}

static bool interrupts_is_platform(const struct irq_line *l, bool *iommu) {
        const char *chip = strempty(l->chip), *act = strempty(l->actions);
        char *end;
        long irq;

        *iommu = false;
        if (strstr(chip, "DMAR") || startswith(act, "dmar") || strstr(act, "AMD-Vi")) {
                *iommu = true;
                return true;
        }
        if (!strstr(chip, "IO-APIC") && !strstr(chip, "XT-PIC"))
                return false;
        irq = strtol(strempty(l->irq), &end, 10);
        if (end == l->irq || *end)
                return false;
        /* ISA range: timer, i8042, serial, rtc, SCI (usually 9); SCI elsewhere is named "acpi" */
        return irq < 16 || strstr(act, "acpi");
}

static int sim_setup_build(const struct snapshot *s, const struct capture_plan *cap,
                           const struct vectors_options *o, struct sim_setup *st) {
        const struct driver_table *t = s->driver_table;
        bool compat = cap->pcie_ports_compat || o->pcie_ports_compat;
        bool initramfs_known = s->initramfs.state == FACT_OK && s->modules.state == FACT_OK;

        st->s = s;
        st->t = t;
        st->release = s->kernel_release;
        st->kver = kver_of(s->kernel_release);
        st->eager = st->kver.known && kver_cmp(st->kver, 4, 15) < 0;
        st->reset_devices = cap->reset_devices;
        st->upper_bound = !initramfs_known;

        /* Platform: what the running kernel's built-in drivers requested on the IO-APIC. */
        if (s->interrupts.state == FACT_OK) {
                for (size_t i = 0; i < s->interrupts.n_lines; i++) {
                        bool iommu;
                        if (interrupts_is_platform(&s->interrupts.lines[i], &iommu)) {
                                st->platform++;
                                if (iommu)
                                        st->platform_iommu++;
                        }
                }
        } else
                st->platform = 6;       /* measured on Debian 6.1/q35: timer, i8042 x2, serial, rtc, SCI */

        st->devs = calloc(s->pci.n_functions + 1, sizeof(*st->devs));
        if (!st->devs)
                return -ENOMEM;

        for (size_t i = 0; i < s->pci.n_functions; i++) {
                const struct pci_function *f = &s->pci.functions[i];
                const struct driver_entry *e = NULL;
                const char *name = NULL;
                bool builtin = false, bound = false;
                struct sim_dev *d = &st->devs[st->n_devs];

                if (is_pcie_port(f) || name_eq(f->driver, "pcieport")) {
                        e = driver_table_find(t, "pcieport");
                        if (e && e->core) {
                                name = "pcieport";
                                builtin = bound = true;
                        }
                }
                if (!bound && initramfs_known && f->modules) {
                        for (char **m = f->modules; *m && !bound; m++) {
                                const struct driver_entry *me = driver_table_find(t, *m);
                                if (module_available(s, me, *m, &builtin)) {
                                        e = me;
                                        name = me ? me->name : *m;
                                        bound = true;
                                }
                        }
                } else if (!bound && !f->driver && s->pci.source == PCI_SOURCE_DUMP &&
                           f->modules && f->modules[0]) {
                        /* An lspci dump has no bound drivers: every function is taken to bind
                         * the module its modalias resolves to in the root's module directory
                         * (collect/modules.c, libkmod), preferring one the table knows. The
                         * kdump initramfs usually holds fewer: an upper bound. */
                        const char *m = f->modules[0];
                        for (char **x = f->modules; *x; x++)
                                if (driver_table_find(t, *x)) {
                                        m = *x;
                                        break;
                                }
                        e = driver_table_find(t, m);
                        name = e ? e->name : m;
                        bound = true;
                        if (s->modules.state == FACT_OK)
                                (void) module_available(s, e, m, &builtin);
                        st->upper_bound = true;
                } else if (!bound && f->driver) {
                        /* initramfs unknown: the driver bound now (upper bound) */
                        e = driver_table_find(t, f->driver);
                        name = e ? e->name : f->driver;
                        bound = true;
                        if (s->modules.state == FACT_OK)
                                (void) module_available(s, e, f->driver, &builtin);
                        if (!initramfs_known)
                                st->upper_bound = true;
                }
                if (!bound)
                        continue;
                if (entry_matches_list(e, name, cap->blacklist) ||
                    entry_matches_list(e, name, o->extra_blacklist))
                        continue;
                if (e && e->disabled_by) {
                        if (streq(e->disabled_by, "pcie_ports=compat") && compat)
                                continue;
                        if (streq(e->disabled_by, "usbcore.nousb") && cap->usb_disabled)
                                continue;
                }

                *d = (struct sim_dev) {
                        .f = f, .e = e, .index = i,
                        .phase = builtin ? PHASE_BOOT : PHASE_MODULES,
                        .builtin = builtin,
                        .dump_target = s->dump_target.pci_slot && streq(s->dump_target.pci_slot, f->slot),
                };
                d->network_target = d->dump_target &&
                        (s->dump_target.kind == DUMP_TARGET_NFS || s->dump_target.kind == DUMP_TARGET_SSH);

                if (e && e->virtio_transport) {
                        const struct driver_entry *ce = virtio_child_entry(t, f->device_id);
                        bool child_builtin = false, child = false;
                        const char *cname = ce ? ce->name : NULL;

                        if (ce) {
                                if (initramfs_known)
                                        child = module_available(s, ce, ce->name, &child_builtin);
                                else {
                                        child = true;
                                        if (s->modules.state == FACT_OK)
                                                (void) module_available(s, ce, ce->name, &child_builtin);
                                }
                        } else if (f->device_id >= 0x1000 && f->device_id <= 0x107f) {
                                /* a virtio type not in the table: conservative default */
                                child = true;
                                cname = NULL;
                        }
                        if (child && ce && (entry_matches_list(ce, ce->name, cap->blacklist) ||
                                            entry_matches_list(ce, ce->name, o->extra_blacklist)))
                                child = false;
                        if (child) {
                                d->e = ce ? ce : t->fallback_entry;
                                d->unknown = !ce;
                                if (ce)
                                        d->driver = strdup(cname);
                                else if (asprintf(&d->driver, "virtio-%04x", f->device_id) < 0)
                                        d->driver = NULL;
                                d->module = ce ? entry_module(ce, cname) : NULL;
                                d->transport = entry_module(e, e->name);
                                d->phase = builtin && child_builtin ? PHASE_BOOT : PHASE_VIRTIO;
                        } else {
                                d->transport_only = true;
                                d->driver = strdup(e->name);
                                d->module = entry_module(e, e->name);
                        }
                } else {
                        d->unknown = !e;
                        if (!e)
                                d->e = t->fallback_entry;
                        d->driver = strdup(name);
                        d->module = e ? entry_module(e, name) : d->driver;
                        if (e && e->core)
                                d->module = NULL;       /* not a module: cannot be blacklisted */
                }
                if (!d->driver)
                        return -ENOMEM;
                st->n_devs++;
        }

        qsort(st->devs, st->n_devs, sizeof(*st->devs), sim_dev_cmp);

        if (o->first_driver) {
                /* stable: move the named driver's devices to the front of their phase */
                for (size_t i = 0; i < st->n_devs; i++) {
                        if (!name_eq(st->devs[i].driver, o->first_driver))
                                continue;
                        for (size_t j = i; j > 0 && st->devs[j - 1].phase == st->devs[j].phase &&
                             !name_eq(st->devs[j - 1].driver, o->first_driver); j--) {
                                struct sim_dev tmp = st->devs[j - 1];
                                st->devs[j - 1] = st->devs[j];
                                st->devs[j] = tmp;
                        }
                }
        }
        if (o->last_slot) {
                for (size_t i = 0; i + 1 < st->n_devs; i++)
                        if (streq(st->devs[i].f->slot, o->last_slot)) {
                                struct sim_dev tmp = st->devs[i];
                                memmove(&st->devs[i], &st->devs[i + 1], (st->n_devs - i - 1) * sizeof(*st->devs));
                                st->devs[st->n_devs - 1] = tmp;
                                break;
                        }
        }
        return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Demand of one device at a CPU count. */

struct demand {
        long vectors, managed, min, table, ifup, allocated;
        bool have_min, have_table, have_allocated;
};

static bool cond_holds(const struct sim_setup *st, const char *cond) {
        const char *v;
        unsigned a, b;

        if (!cond)
                return true;
        if (streq(cond, "reset_devices"))
                return st->reset_devices;
        if (!st->kver.known)
                return false;
        if ((v = startswith(cond, "since ")) && sscanf(v, "%u.%u", &a, &b) == 2)
                return kver_cmp(st->kver, a, b) >= 0;
        if ((v = startswith(cond, "before ")) && sscanf(v, "%u.%u", &a, &b) == 2)
                return kver_cmp(st->kver, a, b) < 0;
        return false;
}

static bool eval_key(const struct sim_setup *st, const struct driver_entry *e, const char *key,
                     const struct vectors_vars *vars, long *ret) {
        const struct driver_key *k = NULL;
        for (size_t i = 0; e && i < e->n_keys; i++)
                if (streq(e->keys[i].name, key) && cond_holds(st, e->keys[i].cond))
                        k = &e->keys[i];
        if (!k || vectors_expr_eval(k->value, vars, ret, NULL) < 0)
                return false;
        return true;
}

static void device_demand(const struct sim_setup *st, const struct sim_dev *d, unsigned cpus,
                          struct demand *ret) {
        const struct pci_function *f = d->f;
        struct vectors_vars vars = {
                .cpus = cpus,
                .msix = f->has_msix ? (long) f->msix_table_size : 0,
                .msi = f->has_msi ? (long) (f->msi_max_vectors ? f->msi_max_vectors : 1) : 0,
                .now = f->msi_irqs_now,
                .online_now = st->s->cpus.state == FACT_OK ? st->s->cpus.online : 0,
                .port_services = port_services(f),
        };
        struct demand r = {};
        long q;

        if (d->transport_only) {
                *ret = r;
                return;
        }
        if (eval_key(st, d->e, "queues", &vars, &q))
                vars.queues = q < 0 ? 0 : q;
        (void) eval_key(st, d->e, "vectors", &vars, &r.vectors);
        (void) eval_key(st, d->e, "managed", &vars, &r.managed);
        (void) eval_key(st, d->e, "ifup", &vars, &r.ifup);
        r.have_min = eval_key(st, d->e, "min", &vars, &r.min);
        r.have_table = eval_key(st, d->e, "table", &vars, &r.table);
        r.have_allocated = eval_key(st, d->e, "allocated", &vars, &r.allocated);
        if (r.vectors < 0)
                r.vectors = 0;
        if (r.ifup < 0)
                r.ifup = 0;
        if (r.managed < 0)
                r.managed = 0;
        if (r.managed > r.vectors)
                r.managed = r.vectors;
        *ret = r;
}

/* ---------------------------------------------------------------------------------------- */
/* The per-CPU matrix. */

struct matrix {
        unsigned n;
        long free[MAX_SEARCH_CPUS];
        long cap[MAX_SEARCH_CPUS];
};

static bool matrix_alloc_nm(struct matrix *m) {
        unsigned best = 0;
        for (unsigned c = 1; c < m->n; c++)
                if (m->free[c] > m->free[best])
                        best = c;
        if (m->free[best] <= 0)
                return false;
        m->free[best]--;
        return true;
}

/* Managed vector j of nvec: affinity masks spread the CPUs evenly (irq_create_affinity_masks);
 * the reservation takes one slot on every CPU of the mask (irq_matrix_reserve_managed). */
static bool matrix_alloc_managed(struct matrix *m, long j, long nvec) {
        unsigned lo, hi;
        if (nvec >= (long) m->n) {
                lo = (unsigned) (j % m->n);
                hi = lo + 1;
        } else {
                lo = (unsigned) (j * m->n / nvec);
                hi = (unsigned) ((j + 1) * m->n / nvec);
        }
        for (unsigned c = lo; c < hi; c++)
                if (m->free[c] <= 0)
                        return false;
        for (unsigned c = lo; c < hi; c++)
                m->free[c]--;
        return true;
}

/* All or nothing: managed reservations at allocation, then request_irq of the rest. */
static bool matrix_try(struct matrix *m, long nm, long managed) {
        struct matrix save = *m;
        for (long j = 0; j < managed; j++)
                if (!matrix_alloc_managed(m, j, managed)) {
                        *m = save;
                        return false;
                }
        for (long j = 0; j < nm; j++)
                if (!matrix_alloc_nm(m)) {
                        *m = save;
                        return false;
                }
        return true;
}

struct sim_result {
        unsigned *vectors;              /* per device */
        unsigned *wanted;
        const char **fallback;          /* per device: NULL or a static step name */
        bool *fails;
        unsigned n_fail;
        bool dump_fails;
        unsigned used[MAX_SEARCH_CPUS];
        unsigned total_cap, total_used;
};

static void sim_result_clear(struct sim_result *r) {
        free(r->vectors);
        free(r->wanted);
        free(r->fallback);
        free(r->fails);
        *r = (struct sim_result) {};
}

static int simulate(const struct sim_setup *st, unsigned cpus, bool ifup, struct sim_result *r) {
        struct matrix m = { .n = cpus };
        _cleanup_free_ int *intx_lines = NULL;
        _cleanup_free_ bool *intx_vector = NULL;        /* the GSI got a vector */
        size_t n_intx = 0;

        *r = (struct sim_result) {};
        if (cpus < 1 || cpus > MAX_SEARCH_CPUS)
                return -EINVAL;
        r->vectors = calloc(st->n_devs + 1, sizeof(unsigned));
        r->wanted = calloc(st->n_devs + 1, sizeof(unsigned));
        r->fallback = calloc(st->n_devs + 1, sizeof(char *));
        r->fails = calloc(st->n_devs + 1, sizeof(bool));
        intx_lines = calloc(st->n_devs + 1, sizeof(int));
        intx_vector = calloc(st->n_devs + 1, sizeof(bool));
        if (!r->vectors || !r->wanted || !r->fallback || !r->fails || !intx_lines || !intx_vector) {
                sim_result_clear(r);
                return -ENOMEM;
        }
        for (unsigned c = 0; c < cpus; c++)
                m.free[c] = m.cap[c] = capacity_of_cpu(st->release, c);

        /* Platform: the timer keeps its ISA vector on CPU0; the other legacy lines and IOMMU
         * fault irqs are ordinary non-managed activations. */
        for (unsigned i = 0; i < st->platform; i++) {
                if (i == 0)
                        m.free[0]--;
                else
                        (void) matrix_alloc_nm(&m);
        }

        for (size_t i = 0; i < st->n_devs; i++) {
                const struct sim_dev *d = &st->devs[i];
                struct demand dm;
                long want, nm, mg, mn;
                bool done = false;

                /* Before 4.15 (legacy allocator, RHEL7 3.10 with the 3.17+ IO-APIC irqdomain):
                 * pci_enable_device() maps the function's INTx GSI (acpi_pci_irq_enable ->
                 * mp_map_gsi_to_irq -> mp_irqdomain_map -> io_apic_setup_irq_pin ->
                 * assign_irq_vector) before the driver asks for MSI-X, one vector per GSI,
                 * kept while the device is enabled. If none is left the GSI stays without a
                 * vector (seed 001: the later INTx fallback then fails, and teardown hits
                 * BUG_ON(!cfg->vector) in __clear_irq_vector). Virtio children share their
                 * transport's enable. */
                if (st->eager && d->f->irq_pin != 0 && d->f->irq_line > 0) {
                        bool seen = false;
                        for (size_t j = 0; j < n_intx; j++)
                                if (intx_lines[j] == d->f->irq_line)
                                        seen = true;
                        if (!seen) {
                                intx_vector[n_intx] = matrix_alloc_nm(&m);
                                intx_lines[n_intx++] = d->f->irq_line;
                        }
                }

                device_demand(st, d, cpus, &dm);
                want = dm.vectors;
                if (ifup || d->network_target)
                        want += dm.ifup;
                mg = dm.managed;
                if (st->eager) {
                        /* pre-4.15: pci_enable_msix() assigns a vector to every entry */
                        want = dm.have_allocated ? dm.allocated : dm.vectors + dm.ifup;
                        mg = 0;
                }
                r->wanted[i] = (unsigned) (want > 0 ? want : 0);
                if (want <= 0)
                        continue;
                nm = want - mg;
                mn = dm.have_min ? dm.min : want;
                if (mn < 1)
                        mn = 1;
                /* Before 4.15 too a partial MSI-X allocation is reported as the count that
                 * worked (3.14+ msix_capability_init "If we had some success, report the
                 * number of irqs we succeeded in setting up") and pci_enable_msix_range()
                 * retries with it; with nothing left it fails (seed 001: "r=-1"). */
                if (dm.have_table && dm.table > 0 && want > dm.table) {
                        if (mn >= want)
                                mn = want + 1;          /* exact request above the table: step fails */
                        else
                                want = dm.table;
                }
                for (long k = want; k >= mn && k > 0; k--) {
                        long nm_k = nm < k ? nm : k, mg_k = k - nm_k;
                        if (matrix_try(&m, nm_k, mg_k)) {
                                r->vectors[i] = (unsigned) k;
                                done = true;
                                break;
                        }
                }
                for (char **step = d->e ? d->e->fallback : NULL; !done && step && *step; step++) {
                        const char *v;
                        unsigned k;

                        if (streq(*step, "intx")) {
                                bool shared = false, dead = false;
                                if (d->f->irq_pin == 0)
                                        continue;
                                for (size_t j = 0; j < n_intx; j++)
                                        if (d->f->irq_line > 0 && intx_lines[j] == d->f->irq_line) {
                                                shared = intx_vector[j];
                                                dead = !intx_vector[j];
                                        }
                                if (dead && st->eager)
                                        continue;       /* GSI mapped at enable without a vector */
                                if (shared || matrix_alloc_nm(&m)) {
                                        if (!shared) {
                                                intx_vector[n_intx] = true;
                                                intx_lines[n_intx++] = d->f->irq_line;
                                        }
                                        r->vectors[i] = shared ? 0 : 1;
                                        r->fallback[i] = "intx";
                                        done = true;
                                }
                        } else if ((v = startswith(*step, "shared:")) && sscanf(v, "%u", &k) == 1) {
                                if (!d->f->has_msix)
                                        continue;
                                if (matrix_try(&m, k, 0)) {
                                        r->vectors[i] = k;
                                        r->fallback[i] = "shared";
                                        done = true;
                                }
                        } else if ((v = startswith(*step, "msi:")) && sscanf(v, "%u", &k) == 1) {
                                if (!d->f->has_msi)
                                        continue;
                                if (matrix_try(&m, k, 0)) {
                                        r->vectors[i] = k;
                                        r->fallback[i] = "msi";
                                        done = true;
                                }
                        }
                }
                if (!done) {
                        r->fails[i] = true;
                        r->n_fail++;
                        if (d->dump_target)
                                r->dump_fails = true;
                }
        }

        for (unsigned c = 0; c < cpus; c++) {
                r->used[c] = (unsigned) (m.cap[c] - m.free[c]);
                r->total_used += r->used[c];
                r->total_cap += (unsigned) m.cap[c];
        }
        return 0;
}

/* ---------------------------------------------------------------------------------------- */

static bool arch_is_x86_64(const struct snapshot *s) {
        if (s->arch)
                return streq(s->arch, "x86_64") || streq(s->arch, "amd64");
        /* A captured tree may not say: the kernel release or the interrupt controller can. */
        if (s->kernel_release && (strstr(s->kernel_release, "amd64") || strstr(s->kernel_release, "x86_64")))
                return true;
        if (s->interrupts.state == FACT_OK)
                for (size_t i = 0; i < s->interrupts.n_lines; i++)
                        if (strstr(strempty(s->interrupts.lines[i].chip), "IO-APIC"))
                                return true;
        return false;
}

static unsigned capture_cpus_of(const struct snapshot *s, const struct capture_plan *cap) {
        if (cap->cpus > 0)
                return cap->cpus;
        if (s->cpus.state == FACT_OK && s->cpus.possible > 0)
                return s->cpus.possible;
        return 1;
}

/* Does the dump target survive (and nothing fail) at CPUS with this setup? */
static int sim_ok(const struct sim_setup *st, unsigned cpus, bool ifup, bool *no_fail, bool *dump_ok) {
        struct sim_result r;
        int k = simulate(st, cpus, ifup, &r);
        if (k < 0)
                return k;
        *no_fail = r.n_fail == 0;
        *dump_ok = !r.dump_fails;
        sim_result_clear(&r);
        return 0;
}

int vectors_plan_build_opts(const struct snapshot *s, const struct capture_plan *cap,
                            const struct vectors_options *o, struct vectors_plan *ret) {
        static const struct vectors_options none = {};
        struct sim_setup st = {};
        struct sim_result r = {};
        struct vectors_plan v = {};
        unsigned cpus, limit;
        const char *dump_slot = NULL;
        int k;

        *ret = (struct vectors_plan) {};
        if (!o)
                o = &none;
        if (!arch_is_x86_64(s) || s->pci.state != FACT_OK || !s->driver_table)
                return 0;

        cpus = capture_cpus_of(s, cap);
        if (cpus > MAX_SEARCH_CPUS)
                cpus = MAX_SEARCH_CPUS;         /* beyond this, vectors are never the limit */

        k = sim_setup_build(s, cap, o, &st);
        if (k < 0)
                goto fail;
        k = simulate(&st, cpus, o->ifup, &r);
        if (k < 0)
                goto fail;

        v.applicable = true;
        v.capacity_per_cpu = vectors_capacity_per_cpu(s->kernel_release);
        v.capture_cpus = cpus;
        v.capacity = r.total_cap;
        v.demand = r.total_used;
        v.platform = st.platform;
        v.upper_bound = st.upper_bound;
        v.legacy_allocator = st.eager;
        v.vectors_on_cpu = calloc(cpus, sizeof(unsigned));
        v.devices = calloc(st.n_devs + 1, sizeof(*v.devices));
        if (!v.vectors_on_cpu || !v.devices) {
                k = -ENOMEM;
                goto fail;
        }
        memcpy(v.vectors_on_cpu, r.used, cpus * sizeof(unsigned));
        for (size_t i = 0; i < st.n_devs; i++) {
                struct vector_device *d = &v.devices[v.n_devices++];
                *d = (struct vector_device) {
                        .slot = strdup(st.devs[i].f->slot),
                        .driver = strdup(st.devs[i].driver),
                        .vectors = r.vectors[i],
                        .wanted = r.wanted[i],
                        .fallback = r.fallback[i] ? strdup(r.fallback[i]) : NULL,
                        .fails = r.fails[i],
                        .dump_target = st.devs[i].dump_target,
                        .unknown_driver = st.devs[i].unknown,
                        .builtin = st.devs[i].builtin,
                };
                if (!d->slot || !d->driver || (r.fallback[i] && !d->fallback)) {
                        k = -ENOMEM;
                        goto fail;
                }
                if (st.devs[i].dump_target)
                        dump_slot = st.devs[i].f->slot;
        }

        limit = MAX_SEARCH_CPUS;
        if (s->cpus.state == FACT_OK && s->cpus.possible > 0 && s->cpus.possible < limit)
                limit = s->cpus.possible;
        if (limit < cpus)
                limit = cpus;
        v.search_limit = limit;

        if (!o->no_search) {
                struct sim_setup worst = {};
                struct vectors_options wo = *o;
                bool have_worst = false;

                /* The outcome is not monotonic in CPUs (fallbacks): try every count. */
                for (unsigned n = 1; n <= limit && !v.min_cpus; n++) {
                        bool nf, dok;
                        k = sim_ok(&st, n, o->ifup, &nf, &dok);
                        if (k < 0)
                                goto fail;
                        if (nf)
                                v.min_cpus = n;
                }

                /* Probe order is not fixed on real hardware (udev probes in parallel): the
                 * worst case for the dump target is to probe last. */
                if (dump_slot) {
                        wo.last_slot = dump_slot;
                        wo.first_driver = NULL;
                        k = sim_setup_build(s, cap, &wo, &worst);
                        if (k < 0) {
                                sim_setup_clear(&worst);
                                goto fail;
                        }
                        have_worst = true;
                        bool nf, dok;
                        k = sim_ok(&worst, cpus, o->ifup, &nf, &dok);
                        if (k >= 0)
                                v.order_sensitive = !r.dump_fails && !dok;
                        for (unsigned n = 1; k >= 0 && n <= limit && !v.min_cpus_any_order; n++) {
                                bool nf2, dok2;
                                k = sim_ok(&st, n, o->ifup, &nf, &dok);
                                if (k >= 0)
                                        k = sim_ok(&worst, n, o->ifup, &nf2, &dok2);
                                if (k >= 0 && nf && dok2)
                                        v.min_cpus_any_order = n;
                        }
                } else
                        v.min_cpus_any_order = v.min_cpus;
                if (have_worst)
                        sim_setup_clear(&worst);
                if (k < 0)
                        goto fail;

                /* Remedies when the dump target starves at the configured CPU count. */
                if (r.dump_fails) {
                        /* pcie_ports=compat, where ports take vectors */
                        bool ports = false;
                        for (size_t i = 0; i < st.n_devs; i++)
                                if (st.devs[i].e && st.devs[i].e->core && r.vectors[i] > 0)
                                        ports = true;
                        if (ports && !cap->pcie_ports_compat) {
                                struct vectors_options co = *o;
                                struct sim_setup cs = {};
                                bool nf, dok;
                                co.pcie_ports_compat = true;
                                k = sim_setup_build(s, cap, &co, &cs);
                                if (k >= 0)
                                        k = sim_ok(&cs, cpus, o->ifup, &nf, &dok);
                                sim_setup_clear(&cs);
                                if (k < 0)
                                        goto fail;
                                v.compat_remedy = dok;
                        }

                        /* Blacklist: modules off the dump path, by vectors they take. */
                        const char *keep[4] = {};
                        size_t n_keep = 0, n_cand = 0;
                        struct cand { const char *module; unsigned vectors; } *cand;

                        for (size_t i = 0; i < st.n_devs; i++)
                                if (st.devs[i].dump_target) {
                                        keep[n_keep++] = st.devs[i].module;
                                        keep[n_keep++] = st.devs[i].transport;
                                        break;
                                }
                        cand = calloc(st.n_devs + 1, sizeof(*cand));
                        if (!cand) {
                                k = -ENOMEM;
                                goto fail;
                        }
                        for (size_t i = 0; i < st.n_devs; i++) {
                                const char *mod = st.devs[i].module;
                                bool kept = false, found = false;
                                if (!mod || st.devs[i].dump_target)
                                        continue;
                                for (size_t j = 0; j < n_keep; j++)
                                        if (keep[j] && name_eq(keep[j], mod))
                                                kept = true;
                                if (kept)
                                        continue;
                                for (size_t j = 0; j < n_cand; j++)
                                        if (name_eq(cand[j].module, mod)) {
                                                cand[j].vectors += r.vectors[i];
                                                found = true;
                                        }
                                if (!found)
                                        cand[n_cand++] = (struct cand) { mod, r.vectors[i] };
                        }
                        /* rank: most vectors first (selection sort, n is small) */
                        for (size_t a = 0; a < n_cand; a++)
                                for (size_t b = a + 1; b < n_cand; b++)
                                        if (cand[b].vectors > cand[a].vectors) {
                                                struct cand tmp = cand[a];
                                                cand[a] = cand[b];
                                                cand[b] = tmp;
                                        }
                        char **bl = NULL;
                        size_t n_bl = 0;
                        unsigned saved = 0;
                        bool fixed = false;
                        for (size_t a = 0; a < n_cand && !fixed && cand[a].vectors > 0; a++) {
                                struct vectors_options bo = *o;
                                struct sim_setup bs = {};
                                _cleanup_strv_free_ char **all = NULL;
                                size_t n_all = 0;
                                bool nf, dok;

                                if (strv_extend(&bl, &n_bl, cand[a].module) < 0) {
                                        k = -ENOMEM;
                                        break;
                                }
                                saved += cand[a].vectors;
                                for (char *const *x = o->extra_blacklist; x && *x; x++)
                                        (void) strv_extend(&all, &n_all, *x);
                                for (char **x = bl; x && *x; x++)
                                        (void) strv_extend(&all, &n_all, *x);
                                bo.extra_blacklist = all;
                                k = sim_setup_build(s, cap, &bo, &bs);
                                if (k >= 0)
                                        k = sim_ok(&bs, cpus, o->ifup, &nf, &dok);
                                sim_setup_clear(&bs);
                                if (k < 0)
                                        break;
                                fixed = dok;
                        }
                        free(cand);
                        if (k < 0) {
                                strv_free(bl);
                                goto fail;
                        }
                        if (fixed) {
                                v.blacklist_remedy = bl;
                                v.blacklist_saves = saved;
                        } else
                                strv_free(bl);
                }
        }

        sim_result_clear(&r);
        sim_setup_clear(&st);
        *ret = v;
        return 0;

fail:
        sim_result_clear(&r);
        sim_setup_clear(&st);
        vectors_plan_clear(&v);
        return k;
}

int vectors_plan_build(const struct snapshot *s, const struct capture_plan *cap, struct vectors_plan *ret) {
        return vectors_plan_build_opts(s, cap, NULL, ret);
}

void vectors_plan_clear(struct vectors_plan *v) {
        for (size_t i = 0; i < v->n_devices; i++) {
                free(v->devices[i].slot);
                free(v->devices[i].driver);
                free(v->devices[i].fallback);
        }
        free(v->devices);
        free(v->vectors_on_cpu);
        strv_free(v->blacklist_remedy);
        *v = (struct vectors_plan) {};
}
