/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memory.* findings: is the reservation big enough for the capture kernel (plan/memory.c)?
 * Nothing when nothing is reserved or the reservation is unknown: crashkernel.* covers that. */
#include <inttypes.h>
#include <stdarg.h>

#include "kdv/findings.h"
#include "kdv/util.h"


static void fields(struct finding *x, const struct memory_plan *m) {
        finding_add_field(x, "RESERVED_BYTES", "%" PRIu64, m->reserved);
        finding_add_field(x, "ESTIMATE_BYTES", "%" PRIu64, m->estimate);
        finding_add_field(x, "RECOMMENDED_BYTES", "%" PRIu64, m->recommended);
        finding_add_field(x, "INITRAMFS_BYTES", "%" PRIu64, m->initramfs_bytes);
        finding_add_field(x, "INITRAMFS_SIZE_KNOWN", "%s", m->initramfs_size_known ? "yes" : "no");
        finding_add_field(x, "PER_CPU_BYTES", "%" PRIu64, m->per_cpu_bytes);
}

int findings_memory(const struct snapshot *s, const struct plan *p, struct findings *f) {
        const struct memory_plan *m = &p->memory;
        _cleanup_free_ char *msg = NULL, *remedy = NULL;
        char b1[32], b2[32], b3[32], b4[32];
        const char *id;
        enum severity sev;
        uint64_t margin;
        struct finding *x;

        (void) s;
        if (!m->known || m->reserved == 0 || m->estimate == 0)
                return 0;

        margin = memory_headroom(m->estimate);
        if (m->reserved < m->estimate) {
                id = "memory.insufficient";
                sev = SEVERITY_ERROR;
                msg = strprintf("%s is reserved but the capture kernel needs about %s%s: it will run out of "
                          "memory while unpacking its initramfs (oracle-memory: every failure below the need was an OOM "
                          "or \"Initramfs unpacking failed: write error\" before /init).",
                          format_size(m->reserved, b1), format_size(m->estimate, b2),
                          m->initramfs_size_known ? "" : " even with a minimal 7.5 MiB initramfs (its real size is unknown, so the real need is higher)");
        } else if (m->reserved - m->estimate < margin) {
                id = "memory.tight";
                sev = SEVERITY_WARNING;
                msg = strprintf("%s is reserved and the capture kernel needs about %s: %s of headroom is less than the %s "
                          "margin (max(25%%, 16M): the measured minimum varies by a few MiB, and file system or network "
                          "targets and LUKS need more)%s.",
                          format_size(m->reserved, b1), format_size(m->estimate, b2),
                          format_size(m->reserved - m->estimate, b3), format_size(margin, b4),
                          m->initramfs_size_known ? "" : "; the estimate assumes a minimal 7.5 MiB initramfs, a real one is larger");
        } else
                return 0;

        remedy = strprintf("crashkernel=%s (needs a reboot)", format_kernel_size(m->recommended, b1));
        if (!msg || !remedy)
                return -ENOMEM;
        x = findings_add(f, id, sev, "crashkernel=", msg, remedy);
        if (!x)
                return -ENOMEM;
        fields(x, m);
        return 0;
}
