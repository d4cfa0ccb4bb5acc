/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The snapshot file: every fact of a struct snapshot as text (check --dump-snapshot), read back by
 * src/collect/snapshot-load.c (check --snapshot). A bug report is one such file; the same file in
 * tests/ is the regression test.
 *
 * FORMAT, version 1 (also in kdump-validate(8), "SNAPSHOT FILES")
 *
 *   kdump-validator-snapshot 1
 *   KEY FIELD FIELD ...            one record per line, in the order below
 *   end                            last line: a file without it is truncated
 *
 * Lines end in "\n"; fields are separated by exactly one space. Every field is a token with no
 * space, control character, non-ASCII byte or bare '%':
 *   -          NULL (a string the collector did not find)
 *   ~          the empty string (and, for a list, the empty list)
 *   otherwise  the string, with each byte <= 0x20, >= 0x7f and '%' written as %XX (hex); a string
 *              that is exactly "-" or "~" is written %2D / %7E. In a list (comma separated,
 *              elements never empty) ',' is also written %2C.
 * Numbers are decimal, addresses and PCI ids hexadecimal with "0x"; booleans yes/no; fact states
 * ok/missing/invalid; enums by name. Records, in this order (* = may repeat, ? = optional):
 *
 *   root STR
 *   live BOOL
 *   arch STR ARCH_FROM_OPTION
 *   kernel_release STR
 *   kernel_version_banner STR
 *   cmdline STATE STR
 *   cmdline.error? FILE LINE MESSAGE        (every *.error: a struct fact_error that is set)
 *   release.error? FILE LINE MESSAGE
 *   iomem STATE SYSTEM_RAM ALL_ZERO
 *   iomem.error? ...
 *   iomem.range* DEPTH START END NAME
 *   meminfo STATE MEM_TOTAL
 *   meminfo.error? ...
 *   interrupts STATE N_CPUS
 *   interrupts.error? ...
 *   interrupts.line* IRQ CHIP HWIRQ ACTIONS COUNT...       (exactly N_CPUS counts)
 *   cpus STATE POSSIBLE PRESENT ONLINE
 *   cpus.error? ...
 *   kexec CRASH_SIZE_STATE CRASH_SIZE CRASH_LOADED_STATE CRASH_LOADED
 *   pci STATE SOURCE(none|sysfs|dump) SOURCE_PATH
 *   pci.error? ...
 *   pci.function* SLOT vendor=0x.. device=0x.. ... modules=LIST   (every key, this order)
 *   flavor none|rhel|suse|debian
 *   kdump_enabled KNOWN ENABLED
 *   kdump_sysconfig STATE PATH
 *   kdump_sysconfig.error? ...
 *   kdump_sysconfig.var* LINE LAST_LINE HAS_EXPANSION NAME VALUE
 *   kdump_conf STATE
 *   kdump_conf.error? ...
 *   kdump_conf.directive* LINE KEY VALUE
 *   dump_target KIND(unknown|local-fs|raw|nfs|ssh) SPEC BLOCK_DEVICE PCI_SLOT WHY_UNRESOLVED
 *   initramfs STATE PATH
 *   initramfs.error? ...
 *   initramfs.modules? NAME...              (absent: NULL list; present, no names: empty list)
 *   modules STATE DIR
 *   modules.error? ...
 *   modules.builtin? NAME...
 *   end
 *
 * The PCI function's domain, bus, device and function numbers are those of its slot name. The
 * driver table (configuration, not a fact of the machine) is not written. The writer's output
 * is canonical: load + dump of a dump gives the same bytes. */
#include <inttypes.h>

#include "kdv/snapshot-file.h"
#include "kdv/vectors.h"

static void put_token(struct strbuf *b, const char *s, bool in_list) {
        static const char hex[] = "0123456789ABCDEF";

        if (!s) {
                strbuf_append(b, "-");
                return;
        }
        if (!*s) {
                strbuf_append(b, "~");
                return;
        }
        if (streq(s, "-") || streq(s, "~")) {
                strbuf_printf(b, "%%%02X", (unsigned char) *s);
                return;
        }
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                const unsigned char *q = p;

                /* runs of plain bytes in one append */
                while (*q > 0x20 && *q < 0x7f && *q != '%' && !(in_list && *q == ','))
                        q++;
                if (q > p) {
                        strbuf_appendn(b, (const char *) p, (size_t) (q - p));
                        p = q;
                        if (!*p)
                                break;
                }
                char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
                strbuf_appendn(b, e, 3);
        }
}

static void put_str(struct strbuf *b, const char *s) {
        strbuf_append(b, " ");
        put_token(b, s, false);
}

/* A list as one token: "-" NULL, "~" empty, else the escaped elements joined by ','. */
static void put_list_token(struct strbuf *b, char *const *l) {
        if (!l) {
                strbuf_append(b, "-");
                return;
        }
        if (!*l) {
                strbuf_append(b, "~");
                return;
        }
        for (char *const *i = l; *i; i++) {
                if (i != l)
                        strbuf_append(b, ",");
                put_token(b, *i, true);
        }
}

static const char *yes_no(bool b) {
        return b ? "yes" : "no";
}

static void put_error(struct strbuf *b, const char *key, const struct fact_error *e) {
        if (!e->file && !e->message && e->line == 0)
                return;
        strbuf_append(b, key);
        put_str(b, e->file);
        strbuf_printf(b, " %u", e->line);
        put_str(b, e->message);
        strbuf_append(b, "\n");
}

static void put_pci_function(struct strbuf *b, const struct pci_function *f) {
        strbuf_append(b, "pci.function");
        put_str(b, f->slot);
        strbuf_printf(b, " vendor=0x%04x device=0x%04x subsys_vendor=0x%04x subsys=0x%04x class=0x%06x"
                      " revision=0x%02x header_type=%u irq_pin=%u irq_line=%d",
                      f->vendor_id, f->device_id, f->subsys_vendor_id, f->subsys_id, f->class,
                      f->revision, f->header_type, f->irq_pin, f->irq_line);
        strbuf_printf(b, " msi=%s msi_max_vectors=%u msi_per_vector_mask=%s msi_64bit=%s",
                      yes_no(f->has_msi), f->msi_max_vectors, yes_no(f->msi_per_vector_mask),
                      yes_no(f->msi_64bit));
        strbuf_printf(b, " msix=%s msix_table_size=%u", yes_no(f->has_msix), f->msix_table_size);
        strbuf_printf(b, " pcie=%s pcie_type=%u pcie_slot_hotplug=%s aer=%s dpc=%s",
                      yes_no(f->is_pcie), f->pcie_type, yes_no(f->pcie_slot_hotplug), yes_no(f->has_aer),
                      yes_no(f->has_dpc));
        strbuf_printf(b, " secondary_bus=%u subordinate_bus=%u", f->secondary_bus, f->subordinate_bus);
        strbuf_append(b, " driver=");
        put_token(b, f->driver, false);
        strbuf_append(b, " modalias=");
        put_token(b, f->modalias, false);
        strbuf_printf(b, " dma_mask_bits=%d consistent_dma_mask_bits=%d msi_irqs_now=%u config_full=%s",
                      f->dma_mask_bits, f->consistent_dma_mask_bits, f->msi_irqs_now, yes_no(f->config_full));
        strbuf_append(b, " modules=");
        put_list_token(b, f->modules);
        strbuf_append(b, "\n");
}

int snapshot_format(const struct snapshot *s, struct strbuf *b) {
        if (!s || !b)
                return -EINVAL;

        strbuf_printf(b, "%s %d\n", SNAPSHOT_FILE_MAGIC, SNAPSHOT_FILE_VERSION);

        strbuf_append(b, "root");
        put_str(b, s->root);
        strbuf_printf(b, "\nlive %s\narch", yes_no(s->live));
        put_str(b, s->arch);
        strbuf_printf(b, " %s\nkernel_release", yes_no(s->arch_from_option));
        put_str(b, s->kernel_release);
        strbuf_append(b, "\nkernel_version_banner");
        put_str(b, s->kernel_version_banner);
        strbuf_printf(b, "\ncmdline %s", fact_state_to_string(s->cmdline_state));
        put_str(b, s->cmdline);
        strbuf_append(b, "\n");
        put_error(b, "cmdline.error", &s->cmdline_error);
        put_error(b, "release.error", &s->release_error);

        strbuf_printf(b, "iomem %s %" PRIu64 " %s\n", fact_state_to_string(s->iomem.state),
                      s->iomem.system_ram, yes_no(s->iomem.all_zero));
        put_error(b, "iomem.error", &s->iomem.error);
        for (size_t i = 0; i < s->iomem.n_ranges; i++) {
                const struct iomem_range *r = &s->iomem.ranges[i];

                strbuf_printf(b, "iomem.range %u 0x%" PRIx64 " 0x%" PRIx64, r->depth, r->start, r->end);
                put_str(b, r->name);
                strbuf_append(b, "\n");
        }

        strbuf_printf(b, "meminfo %s %" PRIu64 "\n", fact_state_to_string(s->meminfo.state),
                      s->meminfo.mem_total);
        put_error(b, "meminfo.error", &s->meminfo.error);

        strbuf_printf(b, "interrupts %s %u\n", fact_state_to_string(s->interrupts.state), s->interrupts.n_cpus);
        put_error(b, "interrupts.error", &s->interrupts.error);
        for (size_t i = 0; i < s->interrupts.n_lines; i++) {
                const struct irq_line *l = &s->interrupts.lines[i];

                strbuf_append(b, "interrupts.line");
                put_str(b, l->irq);
                put_str(b, l->chip);
                put_str(b, l->hwirq);
                put_str(b, l->actions);
                for (unsigned c = 0; c < s->interrupts.n_cpus && l->per_cpu; c++)
                        strbuf_printf(b, " %" PRIu64, l->per_cpu[c]);
                strbuf_append(b, "\n");
                if (b->oom)
                        return -ENOMEM;
        }

        strbuf_printf(b, "cpus %s %u %u %u\n", fact_state_to_string(s->cpus.state), s->cpus.possible,
                      s->cpus.present, s->cpus.online);
        put_error(b, "cpus.error", &s->cpus.error);

        strbuf_printf(b, "kexec %s %" PRIu64 " %s %s\n", fact_state_to_string(s->kexec.crash_size_state),
                      s->kexec.crash_size, fact_state_to_string(s->kexec.crash_loaded_state),
                      yes_no(s->kexec.crash_loaded));

        strbuf_printf(b, "pci %s %s", fact_state_to_string(s->pci.state), pci_source_to_string(s->pci.source));
        put_str(b, s->pci.source_path);
        strbuf_append(b, "\n");
        put_error(b, "pci.error", &s->pci.error);
        for (size_t i = 0; i < s->pci.n_functions; i++) {
                put_pci_function(b, &s->pci.functions[i]);
                if (b->oom)
                        return -ENOMEM;
        }

        strbuf_printf(b, "flavor %s\nkdump_enabled %s %s\n", kdump_flavor_to_string(s->flavor),
                      yes_no(s->kdump_enabled_known), yes_no(s->kdump_enabled));

        strbuf_printf(b, "kdump_sysconfig %s", fact_state_to_string(s->kdump_sysconfig.state));
        put_str(b, s->kdump_sysconfig.path);
        strbuf_append(b, "\n");
        put_error(b, "kdump_sysconfig.error", &s->kdump_sysconfig.error);
        for (size_t i = 0; i < s->kdump_sysconfig.n_vars; i++) {
                const struct shell_assignment *a = &s->kdump_sysconfig.vars[i];

                strbuf_printf(b, "kdump_sysconfig.var %u %u %s", a->line, a->last_line, yes_no(a->has_expansion));
                put_str(b, a->name);
                put_str(b, a->value);
                strbuf_append(b, "\n");
        }

        strbuf_printf(b, "kdump_conf %s\n", fact_state_to_string(s->kdump_conf.state));
        put_error(b, "kdump_conf.error", &s->kdump_conf.error);
        for (size_t i = 0; i < s->kdump_conf.n_directives; i++) {
                const struct kdump_conf_directive *d = &s->kdump_conf.directives[i];

                strbuf_printf(b, "kdump_conf.directive %u", d->line);
                put_str(b, d->key);
                put_str(b, d->value);
                strbuf_append(b, "\n");
        }

        strbuf_printf(b, "dump_target %s", dump_target_kind_to_string(s->dump_target.kind));
        put_str(b, s->dump_target.spec);
        put_str(b, s->dump_target.block_device);
        put_str(b, s->dump_target.pci_slot);
        put_str(b, s->dump_target.why_unresolved);
        strbuf_append(b, "\n");

        strbuf_printf(b, "initramfs %s", fact_state_to_string(s->initramfs.state));
        put_str(b, s->initramfs.path);
        strbuf_append(b, "\n");
        put_error(b, "initramfs.error", &s->initramfs.error);
        if (s->initramfs.modules) {
                strbuf_append(b, "initramfs.modules");
                for (char **m = s->initramfs.modules; *m; m++)
                        put_str(b, *m);
                strbuf_append(b, "\n");
        }

        strbuf_printf(b, "modules %s", fact_state_to_string(s->modules.state));
        put_str(b, s->modules.dir);
        strbuf_append(b, "\n");
        put_error(b, "modules.error", &s->modules.error);
        if (s->modules.builtin) {
                strbuf_append(b, "modules.builtin");
                for (char **m = s->modules.builtin; *m; m++)
                        put_str(b, *m);
                strbuf_append(b, "\n");
        }
        strbuf_append(b, "end\n");

        if (b->oom)
                return -ENOMEM;
        if (b->len > SNAPSHOT_FILE_MAX)
                return -EFBIG;
        return 0;
}

int snapshot_dump(FILE *f, const struct snapshot *s) {
        struct strbuf b = {};
        int k;

        if (!f)
                return -EINVAL;
        k = snapshot_format(s, &b);
        if (k >= 0 && (fwrite(b.buf, 1, b.len, f) != b.len || fflush(f) != 0))
                k = -EIO;
        strbuf_done(&b);
        return k;
}
