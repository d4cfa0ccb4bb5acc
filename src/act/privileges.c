/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities of the daemon (libcap).
 *
 * What revalidation needs, and nothing else:
 *   CAP_SYS_ADMIN  - the full PCI config space (MSI-X table size, PCIe capabilities) is returned
 *                    only to CAP_SYS_ADMIN: drivers/pci/pci-sysfs.c pci_read_config() reads 64
 *                    bytes (the standard header) otherwise;
 *                  - /proc/iomem shows real addresses (the crashkernel reservation) only when the
 *                    opener has CAP_SYS_ADMIN: kernel/resource.c r_show() checks
 *                    file_ns_capable(..., CAP_SYS_ADMIN) on the file's credentials at open time.
 *                  Every revalidation re-reads both (a hotplugged device's MSI-X table, a changed
 *                  reservation), so it stays in the permitted set, but is effective only while
 *                  a collection runs (privileges_raise() ... privileges_lower()).
 *   nothing else   - the files read or rewritten are root's own (uid 0 owner bits suffice, no
 *                    CAP_DAC_*); replacing a root-owned file keeps its owner without CAP_CHOWN
 *                    (fs/attr.c chown_ok(): the owner may "change" the owner to itself); the
 *                    uevent socket needs none (lib/kobject_uevent.c creates it with
 *                    NL_CFG_F_NONROOT_RECV); sd_notify, the journal and the system bus are
 *                    AF_UNIX sockets.
 * With a captured --root nothing is read from the kernel at all: every capability goes.
 *
 * The bounding set can only shrink with CAP_SETPCAP (kernel/capability.c, PR_CAPBSET_DROP in
 * security/commoncap.c cap_prctl_drop()); under kdump-validator.service it already holds only
 * CAP_SYS_ADMIN (CapabilityBoundingSet=) and CAP_SETPCAP is absent, so that step is skipped. */
#include <sys/capability.h>
#include <sys/prctl.h>

#include "kdv/daemon.h"

static void cap_freep(cap_t *c) {
        if (*c)
                cap_free(*c);
}
#define _cleanup_cap_ _cleanup_(cap_freep)

static bool cap_has(cap_t c, cap_value_t v, cap_flag_t set) {
        cap_flag_value_t f = CAP_CLEAR;

        return cap_get_flag(c, v, set, &f) == 0 && f == CAP_SET;
}

static int errno_or(int fallback) {
        return errno > 0 ? -errno : fallback;
}

static int no_new_privs(void) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return errno_or(-EPERM);
        return 0;
}

int privileges_drop(bool keep_sys_admin) {
        _cleanup_cap_ cap_t cur = NULL, want = NULL;
        bool any = false, keep;
        cap_value_t last = (cap_value_t) cap_max_bits() - 1;

        cur = cap_get_proc();
        if (!cur)
                return errno_or(-ENOMEM);
        for (cap_value_t v = 0; v <= last && !any; v++)
                any = cap_has(cur, v, CAP_PERMITTED);
        keep = keep_sys_admin && cap_has(cur, CAP_SYS_ADMIN, CAP_PERMITTED);

        if (any && cap_has(cur, CAP_SETPCAP, CAP_PERMITTED)) {
                /* CAP_SETPCAP must be effective for PR_CAPBSET_DROP. */
                const cap_value_t setpcap = CAP_SETPCAP;

                if (cap_set_flag(cur, CAP_EFFECTIVE, 1, &setpcap, CAP_SET) < 0 || cap_set_proc(cur) < 0)
                        return errno_or(-EPERM);
                for (cap_value_t v = 0; v <= last; v++) {
                        if (v == CAP_SYS_ADMIN && keep)
                                continue;
                        if (cap_get_bound(v) == 1 && cap_drop_bound(v) < 0)
                                return errno_or(-EPERM);
                }
        }

        /* Ambient capabilities would be re-granted at execve(); clear them (needs no privilege). */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return errno_or(-EPERM);

        if (any) {
                want = cap_init();              /* everything clear */
                if (!want)
                        return errno_or(-ENOMEM);
                if (keep) {
                        const cap_value_t sa = CAP_SYS_ADMIN;

                        if (cap_set_flag(want, CAP_PERMITTED, 1, &sa, CAP_SET) < 0)
                                return errno_or(-EINVAL);
                }
                if (cap_set_proc(want) < 0)
                        return errno_or(-EPERM);
        }
        return no_new_privs();
}

static int set_sys_admin(cap_flag_value_t value) {
        _cleanup_cap_ cap_t cur = NULL;
        const cap_value_t sa = CAP_SYS_ADMIN;

        cur = cap_get_proc();
        if (!cur)
                return errno_or(-ENOMEM);
        if (!cap_has(cur, CAP_SYS_ADMIN, CAP_PERMITTED))
                return 0;
        if (cap_has(cur, CAP_SYS_ADMIN, CAP_EFFECTIVE) == (value == CAP_SET))
                return 0;
        if (cap_set_flag(cur, CAP_EFFECTIVE, 1, &sa, value) < 0 || cap_set_proc(cur) < 0)
                return errno_or(-EPERM);
        return 0;
}

int privileges_raise(void) {
        return set_sys_admin(CAP_SET);
}

int privileges_lower(void) {
        return set_sys_admin(CAP_CLEAR);
}
