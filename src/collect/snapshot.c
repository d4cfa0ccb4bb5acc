/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Orchestrates the collectors: the root is chosen once, here; nothing after knows whether it
 * read a live system or a captured tree. */
#include <sys/utsname.h>

#include "kdv/collect.h"
#include "kdv/util.h"
#include "kdv/vectors.h"

const char *kdump_flavor_to_string(enum kdump_flavor f) {
        switch (f) {
        case KDUMP_FLAVOR_RHEL: return "rhel";
        case KDUMP_FLAVOR_SUSE: return "suse";
        case KDUMP_FLAVOR_DEBIAN: return "debian";
        case KDUMP_FLAVOR_NONE: default: return "none";
        }
}

static void dump_target_clear(struct dump_target *t) {
        free(t->spec);
        free(t->block_device);
        free(t->pci_slot);
        free(t->why_unresolved);
        *t = (struct dump_target) {};
}

void snapshot_clear(struct snapshot *s) {
        free(s->root);
        free(s->arch);
        free(s->kernel_release);
        free(s->kernel_version_banner);
        free(s->cmdline);
        fact_error_clear(&s->cmdline_error);
        fact_error_clear(&s->release_error);
        iomem_clear(&s->iomem);
        fact_error_clear(&s->meminfo.error);
        interrupts_clear(&s->interrupts);
        fact_error_clear(&s->cpus.error);
        pci_facts_clear(&s->pci);
        shell_file_clear(&s->kdump_sysconfig);
        kdump_conf_clear(&s->kdump_conf);
        dump_target_clear(&s->dump_target);
        fact_error_clear(&s->initramfs.error);
        free(s->initramfs.path);
        strv_free(s->initramfs.modules);
        free(s->modules.dir);
        strv_free(s->modules.builtin);
        fact_error_clear(&s->modules.error);
        driver_table_free(s->driver_table);
        fact_error_clear(&s->driver_table_error);
        *s = (struct snapshot) {};
}

void snapshot_free(struct snapshot *s) {
        if (!s)
                return;
        snapshot_clear(s);
        free(s);
}

const char *pci_source_to_string(enum pci_source s) {
        switch (s) {
        case PCI_SOURCE_SYSFS: return "sysfs";
        case PCI_SOURCE_DUMP: return "dump";
        case PCI_SOURCE_NONE: default: return "none";
        }
}

const char *dump_target_kind_to_string(enum dump_target_kind k) {
        switch (k) {
        case DUMP_TARGET_LOCAL_FS: return "local-fs";
        case DUMP_TARGET_RAW: return "raw";
        case DUMP_TARGET_NFS: return "nfs";
        case DUMP_TARGET_SSH: return "ssh";
        case DUMP_TARGET_UNKNOWN: default: return "unknown";
        }
}

const char *collect_driver_table_path(const struct collect_options *opts) {
        if (opts->driver_table || getenv("KDV_CONF_DIR"))
                return opts->driver_table;
        if (access(KDV_PKGDATADIR "/drivers.conf", F_OK) < 0 && access(KDV_SOURCE_CONFDIR "/drivers.conf", R_OK) == 0)
                return KDV_SOURCE_CONFDIR "/drivers.conf";
        return NULL;
}

int snapshot_collect(const struct collect_options *opts, struct snapshot **ret) {
        struct root r = { .fd = -1 };
        struct modules_job *modules = NULL;
        struct snapshot *s;
        int k;

        k = root_open(opts->root ? opts->root : "/", &r);
        if (k < 0)
                return k;

        s = calloc(1, sizeof(*s));
        if (!s) {
                root_close(&r);
                return -ENOMEM;
        }
        s->root = strdup(r.path);
        s->live = r.live;

        k = collect_proc(&r, s);
        if (k >= 0)
                k = collect_modules_begin(&r, s, &modules);     /* the initramfs unpacks meanwhile */
        if (k >= 0)
                k = collect_pci(&r, opts->pci_dump, s);
        if (k >= 0)
                k = collect_kdump_config(&r, s);
        if (k >= 0)
                k = collect_modules_end(TAKE_PTR(modules));
        modules_job_free(modules);
        if (k >= 0)
                k = collect_dump_target(&r, s);
        if (k >= 0)
                k = collect_driver_table(collect_driver_table_path(opts), s);

        /* Architecture: an explicit option wins; the live system answers uname; a captured
         * tree may not tell, and then it stays unknown. */
        if (k >= 0 && opts->arch) {
                free(s->arch);
                s->arch = strdup(opts->arch);
                s->arch_from_option = true;
        } else if (k >= 0 && !s->arch && s->live) {
                struct utsname u;
                if (uname(&u) == 0)
                        s->arch = strdup(u.machine);
        }

        root_close(&r);
        if (k < 0) {
                snapshot_free(s);
                return k;
        }
        *ret = s;
        return 0;
}
