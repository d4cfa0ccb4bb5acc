/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which kdump tooling this machine uses, and its configuration.
 *   etc/default/kdump-tools                          → Debian/Ubuntu kdump-tools
 *   etc/sysconfig/kdump assigning KDUMP_CPUS or KDUMP_SAVEDIR (keys only SUSE's
 *     sysconfig.kdump has, openSUSE/kdump kdump-read-config.sh) → SUSE
 *   etc/sysconfig/kdump otherwise, or etc/kdump.conf alone → Fedora/RHEL kdump-utils
 *     (kdumpctl sources the sysconfig file only if it exists and reads etc/kdump.conf)
 * Enablement:
 *   Debian: kdump-config's check_kdump_support refuses when USE_KDUMP is unset, empty or "0"
 *     (kaloronahuang/kdump-tools debian/kdump-config.in @ 1cf40d7); anything else loads.
 *   systemd units (kdump-utils kdump.service and SUSE kdump.service/kdump-early.service:
 *     WantedBy=multi-user.target; Debian kdump-tools.service: WantedBy=basic.target): a
 *     .wants/ symlink in etc/systemd/system means enabled, a symlink of the unit to /dev/null
 *     means masked; an installed unit with neither, in a tree that has etc/systemd/system,
 *     means disabled. Without any of that we cannot tell, and "configured" counts as enabled
 *     with kdump_enabled_known=false. */
#include "kdv/collect.h"
#include "kdv/util.h"

#define SYSCONFIG_KDUMP "etc/sysconfig/kdump"
#define DEFAULT_KDUMP_TOOLS "etc/default/kdump-tools"
#define KDUMP_CONF "etc/kdump.conf"

enum unit_state {
        UNIT_UNKNOWN,
        UNIT_ENABLED,
        UNIT_DISABLED,
};

static int read_shell_file(const struct root *r, const char *path, struct shell_file *f) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int k;

        k = root_read_file(r, path, KDV_MAX_CONFIG_FILE, &text, &len);
        if (k == -ENOENT || k == -ENOTDIR) {
                *f = (struct shell_file) { .state = FACT_MISSING, .path = strdup(path) };
                return f->path ? 0 : -ENOMEM;
        }
        if (k == -ENOMEM)
                return k;
        if (k < 0) {
                *f = (struct shell_file) { .state = FACT_INVALID, .path = strdup(path) };
                if (!f->path)
                        return -ENOMEM;
                fact_error_set(&f->error, path, 0, "cannot read: %s%s", strerror(-k),
                               k == -EBADMSG ? " (NUL byte in a text file)" :
                               k == -EFBIG ? " (file too large)" : "");
                return 0;
        }
        k = shell_file_parse(text, len, path, f);
        return k == -ENOMEM ? k : 0;
}

static int read_kdump_conf(const struct root *r, struct kdump_conf *c) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int k;

        k = root_read_file(r, KDUMP_CONF, KDV_MAX_CONFIG_FILE, &text, &len);
        if (k == -ENOENT || k == -ENOTDIR) {
                *c = (struct kdump_conf) { .state = FACT_MISSING };
                return 0;
        }
        if (k == -ENOMEM)
                return k;
        if (k < 0) {
                *c = (struct kdump_conf) { .state = FACT_INVALID };
                fact_error_set(&c->error, KDUMP_CONF, 0, "cannot read: %s", strerror(-k));
                return 0;
        }
        k = kdump_conf_parse(text, len, KDUMP_CONF, c);
        return k == -ENOMEM ? k : 0;
}

/* Is PATH a symlink or file inside the root? (a dangling .wants link still counts) */
static bool link_or_file_exists(const struct root *r, const char *path) {
        _cleanup_free_ char *target = NULL;

        if (root_readlink_basename(r, path, &target) >= 0)
                return true;
        return root_exists(r, path);
}

static enum unit_state unit_state(const struct root *r, const char *const *units) {
        static const char *const wants[] = {
                "multi-user.target.wants", "basic.target.wants", "default.target.wants",
                "graphical.target.wants", "sysinit.target.wants",
        };
        bool installed = false, masked = false;

        for (const char *const *u = units; *u; u++) {
                _cleanup_free_ char *mask = NULL, *target = NULL;
                char path[256];

                for (size_t i = 0; i < ELEMENTSOF(wants); i++) {
                        snprintf(path, sizeof(path), "etc/systemd/system/%s/%s", wants[i], *u);
                        if (link_or_file_exists(r, path))
                                return UNIT_ENABLED;
                }
                snprintf(path, sizeof(path), "etc/systemd/system/%s", *u);
                if (root_readlink_basename(r, path, &target) >= 0 && streq(target, "null"))
                        masked = true;
                snprintf(path, sizeof(path), "usr/lib/systemd/system/%s", *u);
                if (root_exists(r, path))
                        installed = true;
                snprintf(path, sizeof(path), "lib/systemd/system/%s", *u);
                if (root_exists(r, path))
                        installed = true;
        }
        if (masked)
                return UNIT_DISABLED;
        if (installed && root_exists(r, "etc/systemd/system"))
                return UNIT_DISABLED;
        return UNIT_UNKNOWN;
}

int collect_kdump_config(const struct root *r, struct snapshot *s) {
        static const char *const rhel_units[] = { "kdump.service", NULL };
        static const char *const suse_units[] = { "kdump.service", "kdump-early.service", NULL };
        static const char *const debian_units[] = { "kdump-tools.service", NULL };
        enum unit_state us;
        int k;

        s->flavor = KDUMP_FLAVOR_NONE;
        s->kdump_enabled_known = false;
        s->kdump_enabled = false;

        if (root_exists(r, DEFAULT_KDUMP_TOOLS)) {
                const struct shell_assignment *use;

                k = read_shell_file(r, DEFAULT_KDUMP_TOOLS, &s->kdump_sysconfig);
                if (k < 0)
                        return k;
                s->flavor = KDUMP_FLAVOR_DEBIAN;
                s->kdump_conf = (struct kdump_conf) { .state = FACT_MISSING };

                use = shell_file_get(&s->kdump_sysconfig, "USE_KDUMP");
                us = unit_state(r, debian_units);
                if (use && use->has_expansion) {
                        s->kdump_enabled_known = us == UNIT_DISABLED;
                        s->kdump_enabled = us != UNIT_DISABLED;
                } else {
                        bool on = use && use->value && *use->value && !streq(use->value, "0");
                        /* kdump-tools.service is enabled by its package; USE_KDUMP decides.
                         * In a file that failed to parse, a missing USE_KDUMP may just be
                         * beyond the error. */
                        s->kdump_enabled_known = use || s->kdump_sysconfig.state != FACT_INVALID ||
                                                 us == UNIT_DISABLED;
                        s->kdump_enabled = on && us != UNIT_DISABLED;
                }
                return 0;
        }

        if (root_exists(r, SYSCONFIG_KDUMP) || root_exists(r, KDUMP_CONF)) {
                k = read_shell_file(r, SYSCONFIG_KDUMP, &s->kdump_sysconfig);
                if (k < 0)
                        return k;
                if (shell_file_get(&s->kdump_sysconfig, "KDUMP_CPUS") ||
                    shell_file_get(&s->kdump_sysconfig, "KDUMP_SAVEDIR")) {
                        s->flavor = KDUMP_FLAVOR_SUSE;
                        s->kdump_conf = (struct kdump_conf) { .state = FACT_MISSING };
                        us = unit_state(r, suse_units);
                } else {
                        s->flavor = KDUMP_FLAVOR_RHEL;
                        k = read_kdump_conf(r, &s->kdump_conf);
                        if (k < 0)
                                return k;
                        us = unit_state(r, rhel_units);
                }
                s->kdump_enabled_known = us != UNIT_UNKNOWN;
                s->kdump_enabled = us != UNIT_DISABLED;
                return 0;
        }

        s->kdump_sysconfig = (struct shell_file) { .state = FACT_MISSING };
        s->kdump_conf = (struct kdump_conf) { .state = FACT_MISSING };
        return 0;
}
