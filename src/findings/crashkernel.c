/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashkernel.* findings: is memory requested, was it reserved, is the capture kernel loaded,
 * and does the capture kernel get memory below 4 GiB for 32-bit DMA and swiotlb.
 * Mechanism: research/kernel-model.md §C (reservation), §D (DMA32), M3 ("verify against live system"). */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>

#include "kdv/findings.h"
#include "kdv/util.h"

#define SZ_4G (4 * GiB)

static bool is_crash_range(const char *name) {
        return name && (streq(name, "Crash kernel") || streq(name, "Crash kernel (low)"));
}

/* swiotlb buffer the capture kernel allocates below 4G: swiotlb=<nslabs> (2 KiB slabs, aligned to
 * 128) or IO_TLB_DEFAULT_SIZE 64M ([6.12] include/linux/swiotlb.h:36, kernel/dma/swiotlb.c). */
static uint64_t swiotlb_size(const char *cmdline) {
        _cleanup_free_ char *v = cmdline_get(cmdline, "swiotlb");
        uint64_t n;

        if (!v || !isdigit((unsigned char) v[0]))
                return 64 * MiB;
        n = strtoull(v, NULL, 0);       /* "65536,force": the slab count comes first */
        n = (n + 127) / 128 * 128;
        return n << 11;
}

static bool is_x86_64(const struct snapshot *s) {
        return !s->arch || streq(s->arch, "x86_64") || streq(s->arch, "amd64");
}

/* Largest System RAM block below 4 GiB (top level), clipped at 4 GiB. */
static uint64_t largest_low_ram(const struct snapshot *s) {
        uint64_t best = 0;

        for (size_t i = 0; i < s->iomem.n_ranges; i++) {
                const struct iomem_range *r = &s->iomem.ranges[i];
                uint64_t end;

                if (r->depth != 0 || !r->name || !streq(r->name, "System RAM") || r->start >= SZ_4G)
                        continue;
                end = r->end < SZ_4G ? r->end : SZ_4G - 1;
                if (end - r->start + 1 > best)
                        best = end - r->start + 1;
        }
        return best;
}

static const char *recommended_size(const struct plan *p, char buf[static 32]) {
        uint64_t r = p->memory.known && p->memory.recommended ? p->memory.recommended : 256 * MiB;
        return format_kernel_size(r, buf);
}

static const char *bootloader_hint(const struct snapshot *s) {
        switch (s->flavor) {
        case KDUMP_FLAVOR_RHEL:
                return " (e.g. grubby --update-kernel ALL --args crashkernel=...), then reboot";
        case KDUMP_FLAVOR_DEBIAN:
                return " (Debian/Ubuntu: /etc/default/grub.d/kdump-tools.cfg, then update-grub), then reboot";
        case KDUMP_FLAVOR_SUSE:
                return " (SUSE: KDUMP_CRASHKERNEL in /etc/sysconfig/kdump with KDUMP_UPDATE_BOOTLOADER=true), then reboot";
        default:
                return " in the boot loader, then reboot";
        }
}

/* The capture kernel's command line if known, else the running one (inherited by default). */
static const char *capture_cmdline(const struct snapshot *s, const struct plan *p) {
        return p->capture.cmdline_known && p->capture.cmdline ? p->capture.cmdline : s->cmdline;
}

static void dma_fields(struct finding *x, const struct crashkernel_plan *ck) {
        if (!x || ck->min_dma_mask_bits < 0)
                return;
        finding_add_field(x, "DEVICE", "%s", strempty(ck->min_dma_mask_slot));
        finding_add_field(x, "DRIVER", "%s", strempty(ck->min_dma_mask_driver));
        finding_add_field(x, "DMA_MASK_BITS", "%d", ck->min_dma_mask_bits);
}

static int no_low_memory(const struct snapshot *s, const struct plan *p, struct findings *f, bool from_request) {
        const struct crashkernel_plan *ck = &p->crashkernel;
        bool dev32 = ck->min_dma_mask_bits > 0 && ck->min_dma_mask_bits <= 32;
        char b1[32], b2[32];
        char *msg;
        struct finding *x;

        if (from_request)
                msg = strprintf("crashkernel=%s with no low part (crashkernel=0,low, or a kernel that reserves none for ,high): "
                          "all of the crash kernel memory will be above 4 GiB. The capture kernel then has no ZONE_DMA32 and "
                          "cannot allocate its %s swiotlb bounce buffer below 4 GiB (kernel/dma/swiotlb.c)%s.",
                          strempty(ck->request.text), format_size(swiotlb_size(capture_cmdline(s, p)), b1),
                          dev32 ? "; a bound device uses a 32-bit DMA mask, so its DMA will fail" : "");
        else
                msg = strprintf("All %s of crash kernel memory in /proc/iomem is above 4 GiB and there is no low region. "
                          "The capture kernel then has no ZONE_DMA32 and cannot allocate its %s swiotlb bounce buffer "
                          "below 4 GiB (kernel/dma/swiotlb.c)%s.",
                          format_size(ck->reserved, b2), format_size(swiotlb_size(capture_cmdline(s, p)), b1),
                          dev32 ? "; a bound device uses a 32-bit DMA mask, so its DMA will fail" : "");
        x = findings_add_take(f, "crashkernel.no-low-memory", dev32 ? SEVERITY_ERROR : SEVERITY_WARNING, "crashkernel=", msg,
                strprintf("use crashkernel=%s,high crashkernel=256M,low (256M is the kernel's own default low size, "
                    "max(swiotlb + 8M, 256M))%s", format_kernel_size(ck->request.size ? ck->request.size : ck->reserved, b2),
                    bootloader_hint(s)));
        if (!x)
                return -ENOMEM;
        finding_add_field(x, "RESERVED_BYTES", "%" PRIu64, ck->reserved);
        finding_add_field(x, "RESERVED_LOW_BYTES", "%" PRIu64, ck->reserved_low);
        dma_fields(x, ck);
        return 0;
}

int findings_crashkernel(const struct snapshot *s, const struct plan *p, struct findings *f) {
        const struct crashkernel_plan *ck = &p->crashkernel;
        const struct crashkernel_request *req = &ck->request;
        bool kdump = s->flavor != KDUMP_FLAVOR_NONE;
        bool reserved_known;
        uint64_t reserved;
        char b1[32], b2[32], b3[32];
        struct finding *x;

        if (s->cmdline_state != FACT_OK)
                return 0;               /* input.unavailable covers it */

        if (!req->present) {
                if (!kdump || (s->kdump_enabled_known && !s->kdump_enabled))
                        return 0;
                x = findings_add_take(f, "crashkernel.missing", SEVERITY_ERROR, "crashkernel=",
                        strprintf("kdump is configured (%s) but the kernel command line has no crashkernel=. No memory is "
                            "reserved, so kexec -p cannot load a capture kernel and no dump will be taken.",
                            kdump_flavor_to_string(s->flavor)),
                        strprintf("add crashkernel=%s to the kernel command line%s", recommended_size(p, b1), bootloader_hint(s)));
                if (!x)
                        return -ENOMEM;
                finding_add_field(x, "RECOMMENDED_BYTES", "%" PRIu64, p->memory.recommended);
                return 0;
        }

        reserved_known = ck->facts_known || ck->crash_size_known;
        reserved = ck->facts_known ? ck->reserved : ck->crash_size;

        /* ---- does it parse, and to how much ---- */
        if ((req->range_form || req->auto_form) && req->ram_evaluated == 0 && req->valid) {
                if (!(reserved_known && reserved > 0)) {
                        x = findings_add_take(f, "crashkernel.invalid", SEVERITY_UNKNOWN, "crashkernel=",
                                strprintf("%s.", strempty(req->error)), NULL);
                        if (!x)
                                return -ENOMEM;
                        return 0;
                }
        } else if (req->auto_form && req->valid && req->size == 0 && !req->range_form) {
                /* crashkernel=auto with an unknown kernel release */
                if (!(reserved_known && reserved > 0)) {
                        x = findings_add_take(f, "crashkernel.invalid", SEVERITY_UNKNOWN, "crashkernel=auto",
                                strprintf("%s.", strempty(req->error)),
                                strprintf("use an explicit size, e.g. crashkernel=%s%s", recommended_size(p, b1), bootloader_hint(s)));
                        if (!x)
                                return -ENOMEM;
                        return 0;
                }
        } else if (!req->valid || req->size == 0) {
                bool got_some = reserved_known && reserved > 0;
                enum severity sev = got_some ? SEVERITY_WARNING : kdump ? SEVERITY_ERROR : SEVERITY_WARNING;

                x = findings_add_take(f, "crashkernel.invalid", sev, "crashkernel=",
                        strprintf("crashkernel=%s: %s. %s", strempty(req->text), strempty(req->error),
                            got_some ? "Yet memory is reserved: the running kernel may have booted with a different command line "
                                       "(boot config, built-in command line) or behaves differently from the model."
                                     : "The kernel reserves no memory for it, so kexec -p cannot load a capture kernel and no "
                                       "dump will be taken."),
                        strprintf("use crashkernel=%s%s", recommended_size(p, b1), bootloader_hint(s)));
                if (!x)
                        return -ENOMEM;
                finding_add_field(x, "REQUESTED", "%s", strempty(req->text));
                if (req->ram_evaluated)
                        finding_add_field(x, "SYSTEM_RAM_BYTES", "%" PRIu64, req->ram_evaluated);
                return 0;
        } else if (req->error) {
                /* the plain form failed and (pre-generic x86) ,high took over */
                x = findings_add_take(f, "crashkernel.invalid", SEVERITY_WARNING, "crashkernel=", strprintf("%s.", req->error),
                        strprintf("remove the unusable crashkernel= word%s", bootloader_hint(s)));
                if (!x)
                        return -ENOMEM;
        }

        /* ---- was it reserved ---- */
        if (!reserved_known) {
                x = findings_add_take(f, "crashkernel.not-reserved", SEVERITY_UNKNOWN, "crashkernel=",
                        strprintf("crashkernel=%s asks for %s, but the reservation could not be checked: /proc/iomem is %s and "
                            "/sys/kernel/kexec_crash_size is not available.",
                            strempty(req->text), format_size(req->size, b1),
                            s->iomem.state != FACT_OK ? "not readable" : "readable only without privilege (addresses hidden)"),
                        strdup("run the check as root"));
                return x ? 0 : -ENOMEM;
        }

        if (reserved == 0) {
                _cleanup_free_ char *why = NULL;
                const char *remedy_kind = NULL;
                uint64_t low_ram = ck->facts_known ? largest_low_ram(s) : 0;
                bool x86 = is_x86_64(s);

                if (req->offset) {
                        why = strprintf("crashkernel=...@%s asks for exactly [%s, +%s): the kernel fails with \"crashkernel "
                                  "reservation failed - memory is in use.\" when any of it is taken",
                                  format_size(req->offset, b1), format_size(req->offset, b2), format_size(req->size, b3));
                        remedy_kind = "offset";
                } else if (x86 && ck->facts_known && low_ram > 0 && req->high) {
                        why = strprintf("the high part needs %s above 4 GiB (\"cannot allocate crashkernel\") and the low part "
                                  "needs %s below 4 GiB (largest System RAM block there: %s; \"cannot allocate crashkernel "
                                  "low memory\")", format_size(req->size, b1), format_size(req->low_size, b2),
                                  format_size(low_ram, b3));
                } else if (x86 && ck->facts_known && low_ram > 0 && req->size > low_ram) {
                        why = strprintf("%s does not fit in any System RAM block below 4 GiB (largest: %s); newer kernels then "
                                  "place it above 4 GiB and also need %s below 4 GiB for the low part (\"cannot allocate "
                                  "crashkernel low memory\"; a large swiotlb= raises that)",
                                  format_size(req->size, b1), format_size(low_ram, b2), format_size(req->low_size, b3));
                } else
                        why = strprintf("no free range of %s was found at boot (dmesg: \"cannot allocate crashkernel\" or "
                                  "\"crashkernel reservation failed\"); it may also have been released by writing 0 to "
                                  "/sys/kernel/kexec_crash_size, and Xen PV domains ignore crashkernel=",
                                  format_size(req->size, b1));
                if (!why)
                        return -ENOMEM;
                x = findings_add_take(f, "crashkernel.not-reserved", SEVERITY_ERROR, "crashkernel=",
                        strprintf("crashkernel=%s asks for %s but nothing is reserved (%s). Likely cause: %s. Without reserved "
                            "memory kexec -p cannot load a capture kernel and no dump will be taken.",
                            strempty(req->text), format_size(req->size, b1),
                            ck->facts_known ? "no \"Crash kernel\" region in /proc/iomem" : "/sys/kernel/kexec_crash_size is 0",
                            why),
                        remedy_kind ? strprintf("drop the @offset: crashkernel=%s%s", format_kernel_size(req->size, b1), bootloader_hint(s))
                                    : strprintf("check dmesg for \"crashkernel\" and use a size that fits, e.g. crashkernel=%s%s",
                                          recommended_size(p, b1), bootloader_hint(s)));
                if (!x)
                        return -ENOMEM;
                finding_add_field(x, "REQUESTED_BYTES", "%" PRIu64, req->size);
                finding_add_field(x, "RESERVED_BYTES", "0");
                if (req->offset)
                        finding_add_field(x, "OFFSET_BYTES", "%" PRIu64, req->offset);
                return 0;
        }

        /* ---- reserved: the right amount? ---- */
        if (ck->facts_known) {
                uint64_t main_start = 0, main_size = 0, other = 0;
                bool have = false;

                /* kexec-tools loads into the last/highest region (crashdump-x86.c:1014-1062); with a
                 * low part that highest one is crashk_res. */
                for (size_t i = 0; i < s->iomem.n_ranges; i++) {
                        const struct iomem_range *r = &s->iomem.ranges[i];
                        if (!is_crash_range(r->name) || r->end < r->start)
                                continue;
                        if (!have || r->start > main_start) {
                                if (have)
                                        other += main_size;
                                main_start = r->start;
                                main_size = r->end - r->start + 1;
                                have = true;
                        } else
                                other += r->end - r->start + 1;
                }
                if (have && main_size != req->size) {
                        x = findings_add_take(f, "crashkernel.size-mismatch", SEVERITY_WARNING, "crashkernel=",
                                strprintf("crashkernel=%s evaluates to %s but the \"Crash kernel\" region is %s. Possible causes: "
                                    "the size was shrunk through /sys/kernel/kexec_crash_size, the kernel added memory "
                                    "(RHEL 8 adds 64M with SME/SEV), or it booted with another command line.",
                                    strempty(req->text), format_size(req->size, b1), format_size(main_size, b2)),
                                NULL);
                        if (!x)
                                return -ENOMEM;
                        finding_add_field(x, "REQUESTED_BYTES", "%" PRIu64, req->size);
                        finding_add_field(x, "RESERVED_BYTES", "%" PRIu64, main_size);
                } else if (have && other > 0 && req->high && req->low_size != other) {
                        x = findings_add_take(f, "crashkernel.size-mismatch", SEVERITY_WARNING, "crashkernel=",
                                strprintf("the low crash kernel region is %s, expected %s for crashkernel=%s.",
                                    format_size(other, b1), format_size(req->low_size, b2), strempty(req->text)),
                                NULL);
                        if (!x)
                                return -ENOMEM;
                        finding_add_field(x, "REQUESTED_LOW_BYTES", "%" PRIu64, req->low_size);
                        finding_add_field(x, "RESERVED_LOW_BYTES", "%" PRIu64, other);
                }
        }

        /* ---- loaded? ---- */
        if (kdump && ck->loaded_known && !ck->loaded) {
                x = findings_add_take(f, "crashkernel.not-loaded", SEVERITY_WARNING, "kexec_crash_loaded",
                        strprintf("%s is reserved but /sys/kernel/kexec_crash_loaded is 0: no capture kernel is loaded, so a "
                            "crash now would not be dumped (the kdump service is not running or failed to load).",
                            format_size(reserved, b1)),
                        strdup(s->flavor == KDUMP_FLAVOR_DEBIAN ? "systemctl enable --now kdump-tools; check kdump-config status"
                                                               : "systemctl enable --now kdump; check journalctl -u kdump"));
                if (!x)
                        return -ENOMEM;
                finding_add_field(x, "RESERVED_BYTES", "%" PRIu64, reserved);
        }

        /* ---- memory below 4 GiB (x86_64; arm64's limit is arm64_dma_phys_limit, not known here) ---- */
        if (!is_x86_64(s))
                return 0;
        if (ck->facts_known) {
                if (ck->reserved_low == 0)
                        return no_low_memory(s, p, f, false);
                if (ck->reserved_high > 0) {
                        /* kernel-parameters.txt crashkernel=,low: "swiotlb requires at least 64M+32K low memory" */
                        uint64_t need = swiotlb_size(capture_cmdline(s, p)) + 32 * KiB;
                        if (ck->reserved_low < need) {
                                bool dev32 = ck->min_dma_mask_bits > 0 && ck->min_dma_mask_bits <= 32;
                                x = findings_add_take(f, "crashkernel.low-too-small", dev32 ? SEVERITY_ERROR : SEVERITY_WARNING,
                                        "crashkernel=",
                                        strprintf("The crash kernel memory below 4 GiB is %s, less than the %s swiotlb needs there "
                                            "(kernel-parameters.txt: \"swiotlb requires at least 64M+32K low memory\"); %s",
                                            format_size(ck->reserved_low, b1), format_size(need, b2),
                                            dev32 ? "a bound device uses a 32-bit DMA mask and its DMA will fail in the capture kernel."
                                                  : "bounce buffering and 32-bit DMA in the capture kernel will fail."),
                                        strdup("use crashkernel=256M,low (the kernel's default low size)"));
                                if (!x)
                                        return -ENOMEM;
                                finding_add_field(x, "RESERVED_LOW_BYTES", "%" PRIu64, ck->reserved_low);
                                finding_add_field(x, "NEEDED_LOW_BYTES", "%" PRIu64, need);
                                dma_fields(x, ck);
                        }
                }
        } else if (req->high && req->low_size == 0)
                return no_low_memory(s, p, f, true);

        return 0;
}
