/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Findings about interrupt vectors in the capture kernel (plan/vectors.c). */
#include <stdarg.h>

#include "kdv/findings.h"
#include "kdv/util.h"


static char *join(char *const *l, const char *sep) {
        struct strbuf sb = {};
        for (char *const *p = l; p && *p; p++) {
                if (p != l)
                        strbuf_append(&sb, sep);
                strbuf_append(&sb, *p);
        }
        if (sb.oom || !sb.buf) {
                strbuf_done(&sb);
                return strdup("");
        }
        return sb.buf;
}

/* The remedy sentence: CPUs first when they fit, the blacklist, pcie_ports=compat. */
static char *remedy_text(const struct snapshot *s, const struct plan *p, bool for_dump_target) {
        const struct vectors_plan *v = &p->vectors;
        const char *var = p->capture.append_var ? p->capture.append_var : "the capture kernel command line";
        unsigned k = for_dump_target && v->min_cpus_any_order ? v->min_cpus_any_order : v->min_cpus;
        struct strbuf sb = {};

        if (k > 0 && k != v->capture_cpus) {
                /* what the extra CPUs cost, against what is reserved (plan/memory.c) */
                uint64_t need = memory_plan_estimate_at(&p->memory, k), have = p->memory.reserved;
                char b1[32], b2[32], b3[32];

                strbuf_printf(&sb, "Boot the capture kernel with nr_cpus=%u (in %s", k, var);
                if (need && have >= need + memory_headroom(need))
                        strbuf_printf(&sb, "; capture memory at %u CPUs: about %s, %s reserved: fits)", k,
                                      format_size(need, b1), format_size(have, b2));
                else if (need && have)
                        strbuf_printf(&sb, "; capture memory at %u CPUs: about %s, only %s reserved: also set "
                                      "crashkernel=%s and reboot)", k, format_size(need, b1), format_size(have, b2),
                                      format_kernel_size((need + memory_headroom(need) + 64 * MiB - 1) / (64 * MiB) * (64 * MiB), b3));
                else
                        strbuf_printf(&sb, "; each CPU costs capture memory: check crashkernel= still fits)");
        }
        if (v->blacklist_remedy) {
                _cleanup_free_ char *l = join(v->blacklist_remedy, ",");
                const char *param = s->flavor == KDUMP_FLAVOR_DEBIAN ? "module_blacklist" : "rd.driver.blacklist"; /* as apply writes it (act/rewrite.c) */
                strbuf_printf(&sb, "%sKeep %s out of the capture kernel: add %s=%s to %s (frees %u vectors)",
                              sb.len ? "; or: " : "", l, param, l, var, v->blacklist_saves);
        }
        if (v->compat_remedy)
                strbuf_printf(&sb, "%sAdd pcie_ports=compat to %s (PCIe port services take a vector per port)",
                              sb.len ? "; or: " : "", var);
        if (sb.oom || !sb.buf) {
                strbuf_done(&sb);
                return NULL;
        }
        return sb.buf;
}

/* How the failed probe shows in the capture kernel's log. 4.15+ (matrix allocator,
 * kernel/irq/matrix.c): -ENOSPC, "error -28" / "unable to allocate interrupt". Before, seed
 * incident 001 (RHEL 7, 3.10): "pci_enable_msix failed (r=-1)" and "unable to allocate interrupt
 * 214, r: -38" from mpt3sas (../shared/fixtures/real/incidents/rhel7-mpt3sas-i40e). */
static const char *failure_text(const struct vectors_plan *v) {
        return v->legacy_allocator ?
                "fails (on this pre-4.15 kernel drivers log e.g. \"pci_enable_msix failed (r=-1)\" or \"unable to allocate interrupt ..., r: -38\")" :
                "fails with -ENOSPC (error -28)";
}

/* The journal fields every vectors.* finding carries: the device it names (when there is one),
 * what is left, the CPUs it was computed for and the fewest that fit (0: none within reach). */
static void add_vector_fields(struct finding *x, const struct vector_device *dev, unsigned free_vectors,
                              unsigned capture_cpus, unsigned min_cpus) {
        if (dev) {
                finding_add_field(x, "DEVICE", "%s", dev->slot);
                finding_add_field(x, "DRIVER", "%s", strempty(dev->driver));
                finding_add_field(x, "VECTORS_NEEDED", "%u", dev->wanted);
        }
        finding_add_field(x, "VECTORS_AVAILABLE", "%u", free_vectors);
        finding_add_field(x, "CAPTURE_CPUS", "%u", capture_cpus);
        if (min_cpus)
                finding_add_field(x, "MIN_CPUS", "%u", min_cpus);
}

int findings_vectors(const struct snapshot *s, const struct plan *p, const struct findings_options *o,
                     struct findings *f) {
        const struct vectors_plan *v = &p->vectors;
        unsigned margin = o ? o->vector_margin : FINDINGS_DEFAULT_VECTOR_MARGIN;
        const struct vector_device *dump = NULL;
        unsigned n_fail = 0, free_vectors;
        struct strbuf failed = {}, unknown = {};
        struct finding *x;

        if (!v->applicable)
                return 0;

        for (size_t i = 0; i < v->n_devices; i++) {
                const struct vector_device *d = &v->devices[i];
                if (d->dump_target)
                        dump = d;
                if (d->fails) {
                        n_fail++;
                        strbuf_printf(&failed, "%s%s (%s, needs %u)", failed.len ? ", " : "", d->slot,
                                      strempty(d->driver), d->wanted);
                }
                if (d->unknown_driver && !strstr(strempty(unknown.buf), strempty(d->driver)))
                        strbuf_printf(&unknown, "%s%s", unknown.len ? ", " : "", strempty(d->driver));
        }
        free_vectors = v->capacity > v->demand ? v->capacity - v->demand : 0;

        if (dump && dump->fails) {
                _cleanup_free_ char *subject = strprintf("%s (%s)", dump->slot, strempty(dump->driver));
                x = findings_add_take(f, "vectors.dump-target-at-risk", SEVERITY_ERROR, subject,
                        strprintf("The dump target's device %s (%s) will not get interrupt vectors in the capture kernel: "
                            "with %u CPU%s the %u vectors per CPU are used up by the devices that probe before it "
                            "(%u needed in all, %u available), so its probe %s and "
                            "no vmcore is written.%s",
                            dump->slot, strempty(dump->driver), v->capture_cpus, v->capture_cpus == 1 ? "" : "s",
                            v->capacity_per_cpu, v->demand + dump->wanted, v->capacity, failure_text(v),
                            v->upper_bound ? " (Upper bound: the kdump initramfs could not be read, drivers bound now were assumed.)" : ""),
                        remedy_text(s, p, true));
                add_vector_fields(x, dump, free_vectors, v->capture_cpus, v->min_cpus);
                if (!x)
                        goto oom;
        }

        if (n_fail > (dump && dump->fails ? 1u : 0u)) {
                bool unknown_target = !dump;
                const struct vector_device *first = NULL;
                _cleanup_free_ char *subject = NULL;
                for (size_t i = 0; i < v->n_devices && !first; i++)
                        if (v->devices[i].fails && !v->devices[i].dump_target)
                                first = &v->devices[i];
                subject = strprintf("%u device%s", n_fail, n_fail == 1 ? "" : "s");
                x = findings_add_take(f, "vectors.exhausted", unknown_target ? SEVERITY_ERROR : SEVERITY_WARNING, subject,
                        strprintf("The capture kernel runs out of interrupt vectors (%u CPU%s x %u): each of these probes "
                            "%s: %s.%s%s",
                            v->capture_cpus, v->capture_cpus == 1 ? "" : "s", v->capacity_per_cpu,
                            failure_text(v), strempty(failed.buf),
                            unknown_target ? " The dump target could not be traced to a device, so one of "
                                             "these may be the disk or NIC the dump needs." : "",
                            v->upper_bound ? " (Upper bound: drivers bound now, not the kdump initramfs.)" : ""),
                        remedy_text(s, p, false));
                add_vector_fields(x, first, free_vectors, v->capture_cpus, v->min_cpus);
                if (!x)
                        goto oom;
        }

        if (n_fail == 0 && (free_vectors < margin || v->order_sensitive)) {
                _cleanup_free_ char *subject = strprintf("%u of %u vectors", v->demand, v->capacity);
                x = findings_add_take(f, "vectors.tight", SEVERITY_WARNING, subject,
                        v->order_sensitive ?
                        strprintf("Every device gets its interrupt vectors in PCI probe order, but %s (%s) would not if it "
                            "probed last (udev probes in parallel on real hardware): only %u of %u vectors are left.",
                            dump->slot, strempty(dump->driver), free_vectors, v->capacity) :
                        strprintf("The capture kernel's devices fit in the interrupt vectors with only %u of %u left, "
                            "fewer than the margin of %u (policy vector_margin): a few more devices or queues and "
                            "a probe %s.",
                            free_vectors, v->capacity, margin, failure_text(v)),
                        remedy_text(s, p, true));
                add_vector_fields(x, dump, free_vectors, v->capture_cpus, v->min_cpus_any_order);
                if (!x)
                        goto oom;
        }

        if (unknown.len) {
                x = findings_add_take(f, "vectors.unknown-driver", SEVERITY_WARNING, unknown.buf,
                        strprintf("No vector data for %s: assumed one vector per capture CPU plus one, capped by the "
                            "device's MSI-X table (conf/drivers.conf [default]).", unknown.buf),
                        strprintf("Add a [driver NAME] section to /etc/kdump-validator/drivers.d/local.conf describing "
                            "how many vectors the driver requests."));
                finding_add_field(x, "DRIVER", "%s", unknown.buf);
                if (!x)
                        goto oom;
        }

        strbuf_done(&failed);
        strbuf_done(&unknown);
        return 0;
oom:
        strbuf_done(&failed);
        strbuf_done(&unknown);
        return -ENOMEM;
}
