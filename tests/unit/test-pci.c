/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect_pci (libpci: sysfs under a root, lspci text dumps), collect_modules (libkmod,
 * initramfs) and collect_dump_target on real data: the QEMU oracle roots and public lspci
 * dumps (tests/fixtures/pci/PROVENANCE.md). Expected numbers come from independent tools:
 * pciutils' lspci over the same inputs, kmod's modprobe -R, SOURCES.md's tables. */
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kdv/collect.h"
#include "kdv/util.h"
#include "tap.h"

#define KVER "6.1.0-56-amd64"

static struct snapshot *snap_new(void) {
        struct snapshot *s = calloc(1, sizeof(*s));
        if (!s)
                abort();
        return s;
}

static const struct pci_function *find_fn(const struct snapshot *s, const char *slot) {
        for (size_t i = 0; i < s->pci.n_functions; i++)
                if (streq(s->pci.functions[i].slot, slot))
                        return &s->pci.functions[i];
        return NULL;
}

static bool sorted(const struct snapshot *s) {
        for (size_t i = 1; i < s->pci.n_functions; i++) {
                const struct pci_function *a = &s->pci.functions[i - 1], *b = &s->pci.functions[i];
                unsigned long da = strtoul(a->slot, NULL, 16), db = strtoul(b->slot, NULL, 16);
                unsigned ka = (unsigned) a->bus << 8 | (unsigned) a->dev << 3 | a->func;
                unsigned kb = (unsigned) b->bus << 8 | (unsigned) b->dev << 3 | b->func;
                if (da > db || (da == db && ka >= kb))
                        return false;
        }
        return true;
}

static void msix_stats(const struct snapshot *s, unsigned *devs, unsigned *sum) {
        *devs = *sum = 0;
        for (size_t i = 0; i < s->pci.n_functions; i++)
                if (s->pci.functions[i].has_msix) {
                        (*devs)++;
                        *sum += s->pci.functions[i].msix_table_size;
                }
}

static int open_root(const char *rel, struct root *r) {
        return root_open(tap_path(rel), r);
}

/* ---- sysfs: oracle a-baseline (7 functions) ---- */
static void test_sysfs_a(void) {
        _cleanup_snapshot_ struct snapshot *s = snap_new();
        struct root r = { .fd = -1 };
        const struct pci_function *f;
        unsigned devs, sum;
        bool all_full = true;

        if (open_root("fixtures/pci/a-baseline", &r) < 0) {
                ok(0, "open a-baseline root");
                return;
        }
        is_int(collect_pci(&r, NULL, s), 0, "a-baseline: collect_pci returns 0");
        is_int(s->pci.state, FACT_OK, "a-baseline: PCI state ok");
        is_int(s->pci.source, PCI_SOURCE_SYSFS, "a-baseline: source sysfs");
        is_int(s->pci.n_functions, 7, "a-baseline: 7 functions (lspci -A linux-sysfs)");
        ok(sorted(s), "a-baseline: sorted by domain/bus/dev/func");
        is_str(s->pci.n_functions ? s->pci.functions[0].slot : NULL, "0000:00:00.0", "a-baseline: first is 00:00.0");
        msix_stats(s, &devs, &sum);
        is_int(devs, 3, "a-baseline: 3 MSI-X functions (lspci -vv)");
        is_int(sum, 14, "a-baseline: MSI-X table sizes sum 5+4+5 (lspci -vv)");
        for (size_t i = 0; i < s->pci.n_functions; i++)
                all_full = all_full && s->pci.functions[i].config_full;
        ok(all_full, "a-baseline: full config space readable (root, 256-byte config files)");

        f = find_fn(s, "0000:00:02.0");
        ok(f, "a-baseline: virtio-blk 00:02.0 found");
        if (f) {
                is_int(f->vendor_id, 0x1af4, "00:02.0 vendor");
                is_int(f->device_id, 0x1001, "00:02.0 device (legacy virtio-blk)");
                is_int(f->subsys_id, 0x0002, "00:02.0 subsystem device (virtio type 2 = block)");
                is_int(f->class, 0x010000, "00:02.0 class 0x010000");
                is_int(f->msix_table_size, 5, "00:02.0 MSI-X Count=5");
                is_int(f->irq_pin, 1, "00:02.0 interrupt pin A");
                is_int(f->irq_line, 22, "00:02.0 sysfs irq 22");
                is_str(f->driver, "virtio-pci", "00:02.0 bound to virtio-pci");
                is_str(f->modalias, "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00", "00:02.0 modalias from sysfs");
                is_int(f->dma_mask_bits, 64, "00:02.0 dma_mask_bits");
                is_int(f->msi_irqs_now, 5, "00:02.0 5 entries in msi_irqs/");
                ok(!f->is_pcie, "00:02.0 conventional PCI (no Express cap)");
        }
        f = find_fn(s, "0000:00:1f.2");
        if (f) {
                is_int(f->class, 0x010601, "00:1f.2 class incl. prog-if (AHCI 1.0)");
                is_int(f->revision, 2, "00:1f.2 revision 02");
                ok(f->has_msi && f->msi_max_vectors == 1 && f->msi_64bit && !f->msi_per_vector_mask,
                   "00:1f.2 MSI Count=1/1 Maskable- 64bit+");
                ok(!f->has_msix, "00:1f.2 no MSI-X");
                is_str(f->driver, "ahci", "00:1f.2 bound to ahci");
                is_int(f->msi_irqs_now, 1, "00:1f.2 one MSI now");
        } else
                ok(0, "00:1f.2 found");
        f = find_fn(s, "0000:00:04.0");
        if (f) {
                ok(f->is_pcie && f->pcie_type == 9, "00:04.0 e1000e: Root Complex Integrated Endpoint (type 9)");
                ok(f->has_aer && !f->has_dpc, "00:04.0 AER, no DPC (extended caps)");
                ok(f->has_msi && f->has_msix && f->msix_table_size == 5, "00:04.0 MSI and MSI-X Count=5");
        } else
                ok(0, "00:04.0 found");
        f = find_fn(s, "0000:00:1f.3");
        ok(f && !f->driver && f->dma_mask_bits == 32, "00:1f.3 SMBus unbound, dma mask 32");

        /* modules through libkmod, same root */
        s->kernel_release = strdup(KVER);
        is_int(collect_modules(&r, s), 0, "a-baseline: collect_modules returns 0");
        is_int(s->modules.state, FACT_OK, "a-baseline: module dir found");
        is_str(s->modules.dir, "lib/modules/" KVER, "a-baseline: module dir");
        is_int(strv_length(s->modules.builtin), 186, "a-baseline: 186 built-in modules (lines of modules.builtin)");
        ok(strv_contains(s->modules.builtin, "crc32") && strv_contains(s->modules.builtin, "amd_uncore"),
           "a-baseline: builtin has crc32 and amd_uncore (normalised '-' -> '_')");
        f = find_fn(s, "0000:00:02.0");
        ok(f && strv_length(f->modules) == 1 && streq(f->modules[0], "virtio_pci"),
           "00:02.0 modalias -> virtio_pci (modprobe -R)");
        f = find_fn(s, "0000:00:1f.2");
        ok(f && strv_length(f->modules) == 1 && streq(f->modules[0], "ahci"),
           "8086:2922 modalias -> ahci, once (index has two matching aliases)");
        f = find_fn(s, "0000:00:1f.3");
        ok(f && strv_length(f->modules) == 1 && streq(f->modules[0], "i2c_i801"), "00:1f.3 -> i2c_i801");
        f = find_fn(s, "0000:00:00.0");
        ok(f && f->modules && !f->modules[0], "00:00.0 host bridge: no module (empty list)");
        is_int(s->initramfs.state, FACT_MISSING, "a-baseline: no kdump initramfs");

        /* dump target: etc/kdump.conf says raw /dev/disk/by-id/virtio-dumpdisk */
        {
                _cleanup_free_ char *text = NULL;
                size_t len;

                if (root_read_file(&r, "etc/kdump.conf", 1 << 20, &text, &len) == 0 &&
                    kdump_conf_parse(text, len, "etc/kdump.conf", &s->kdump_conf) >= 0) {
                        s->kdump_conf.state = FACT_OK;
                        s->flavor = KDUMP_FLAVOR_RHEL;
                        is_int(collect_dump_target(&r, s), 0, "a-baseline: collect_dump_target returns 0");
                        is_int(s->dump_target.kind, DUMP_TARGET_RAW, "a-baseline: raw target");
                        is_str(s->dump_target.spec, "raw /dev/disk/by-id/virtio-dumpdisk", "a-baseline: spec");
                        is_str(s->dump_target.block_device, "vda", "a-baseline: by-id link -> vda");
                        is_str(s->dump_target.pci_slot, "0000:00:02.0", "a-baseline: vda on 0000:00:02.0");
                        ok(!s->dump_target.why_unresolved, "a-baseline: resolved");
                } else
                        ok(0, "a-baseline: kdump.conf parsed");
        }
        root_close(&r);
}

/* ---- sysfs: oracle b-blk-enospc (71 functions, 64 root ports) ---- */
static void test_sysfs_b(void) {
        _cleanup_snapshot_ struct snapshot *s = snap_new();
        struct root r = { .fd = -1 };
        const struct pci_function *f;
        unsigned devs, sum, rp = 0, hp = 0, aer = 0, dpc = 0, pcieport = 0;

        if (open_root("fixtures/pci/b-blk-enospc", &r) < 0) {
                ok(0, "open b-blk-enospc root");
                return;
        }
        collect_pci(&r, NULL, s);
        is_int(s->pci.state, FACT_OK, "b-blk-enospc: PCI state ok");
        is_int(s->pci.n_functions, 71, "b-blk-enospc: 71 functions");
        ok(sorted(s), "b-blk-enospc: sorted");
        msix_stats(s, &devs, &sum);
        is_int(devs, 67, "b-blk-enospc: 67 MSI-X functions (lspci -vv)");
        is_int(sum, 201, "b-blk-enospc: MSI-X table sizes sum 201 (lspci -vv)");
        for (size_t i = 0; i < s->pci.n_functions; i++) {
                f = &s->pci.functions[i];
                rp += f->is_pcie && f->pcie_type == 4;
                hp += f->pcie_slot_hotplug;
                aer += f->has_aer;
                dpc += f->has_dpc;
                pcieport += streq_ptr(f->driver, "pcieport");
        }
        is_int(rp, 64, "b-blk-enospc: 64 root ports (lspci: Express Root Port)");
        is_int(hp, 64, "b-blk-enospc: 64 hot-plug capable slots (lspci: SltCap HotPlug+)");
        is_int(aer, 64, "b-blk-enospc: 64 with AER");
        is_int(dpc, 0, "b-blk-enospc: none with DPC");
        is_int(pcieport, 64, "b-blk-enospc: 64 bound to pcieport");
        f = find_fn(s, "0000:00:08.0");
        ok(f && f->header_type == 1 && f->secondary_bus == 1 && f->subordinate_bus == 1,
           "00:08.0 bridge: secondary=01 subordinate=01");
        f = find_fn(s, "0000:00:07.0");
        ok(f && f->device_id == 0x1001 && streq_ptr(f->driver, "virtio-pci"), "00:07.0 virtio-blk (the dump disk)");

        s->kernel_release = strdup(KVER);
        collect_modules(&r, s);
        is_int(s->modules.state, FACT_MISSING, "b-blk-enospc: no lib/modules in this copy -> modules missing");
        ok(f && !f->modules, "b-blk-enospc: no alias lookup without a module dir");

        {
                _cleanup_free_ char *text = NULL;
                size_t len;

                if (root_read_file(&r, "etc/kdump.conf", 1 << 20, &text, &len) == 0 &&
                    kdump_conf_parse(text, len, "etc/kdump.conf", &s->kdump_conf) >= 0) {
                        s->kdump_conf.state = FACT_OK;
                        s->flavor = KDUMP_FLAVOR_RHEL;
                        collect_dump_target(&r, s);
                        is_str(s->dump_target.pci_slot, "0000:00:07.0", "b-blk-enospc: dump disk on 0000:00:07.0");
                } else
                        ok(0, "b-blk-enospc: kdump.conf parsed");
        }
        root_close(&r);
}

/* ---- lspci dumps ---- */
struct dump_case {
        const char *file;
        unsigned functions, msix_devs, msix_sum;
};

static void test_dumps(void) {
        /* functions: `lspci -F FILE | wc -l`; MSI-X: SOURCES.md §1 (lspci -F -vv Count=). */
        static const struct dump_case cases[] = {
                { "freescale-p2020-ppc-multidomain.txt", 6, 1, 8 },
                { "raptor-talos-ii-power9.txt", 16, 4, 75 },
                { "samsung-np350v5c-laptop.txt", 16, 1, 4 },
                { "ecs-h310-desktop-coffeelake.txt", 14, 1, 4 },
                { "ibm-pseries-power-pcix-multidomain.txt", 31, 0, 0 },
        };
        struct root r = { .fd = -1 };

        if (root_open("/", &r) < 0) {
                ok(0, "open /");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_snapshot_ struct snapshot *s = snap_new();
                char rel[256], name[300];
                unsigned devs, sum;
                bool drivers_null = true, modalias_built = true;

                snprintf(rel, sizeof(rel), "fixtures/pci/dumps/%s", cases[i].file);
                collect_pci(&r, tap_path(rel), s);
                snprintf(name, sizeof(name), "%s: state ok, %u functions", cases[i].file, cases[i].functions);
                ok(s->pci.state == FACT_OK && s->pci.source == PCI_SOURCE_DUMP &&
                   s->pci.n_functions == cases[i].functions, "%s", name);
                msix_stats(s, &devs, &sum);
                snprintf(name, sizeof(name), "%s: %u MSI-X devices, table sizes sum %u", cases[i].file,
                         cases[i].msix_devs, cases[i].msix_sum);
                ok(devs == cases[i].msix_devs && sum == cases[i].msix_sum, "%s", name);
                for (size_t j = 0; j < s->pci.n_functions; j++) {
                        const struct pci_function *f = &s->pci.functions[j];
                        drivers_null = drivers_null && !f->driver && f->dma_mask_bits == -1 &&
                                       f->consistent_dma_mask_bits == -1 && f->irq_line == -1;
                        modalias_built = modalias_built && f->modalias && startswith(f->modalias, "pci:v") &&
                                         strlen(f->modalias) == 53;
                }
                snprintf(name, sizeof(name), "%s: sorted, no drivers/masks, modalias built from ids", cases[i].file);
                ok(sorted(s) && drivers_null && modalias_built, "%s", name);
                if (i == 0) {
                        const struct pci_function *f = &s->pci.functions[0];
                        /* lspci -F: 0000:00:00.0 and 0001:02:00.0 ... three domains */
                        ok(s->pci.n_functions == 6 && strtoul(s->pci.functions[5].slot, NULL, 16) > 0,
                           "freescale: functions from several domains, domain-major order");
                        ok(f->config_full && f->is_pcie && f->pcie_type == 4, "freescale: 4096-byte dump, 0000:00:00.0 is a root port");
                }
        }

        /* The verbatim capture with lspci's stderr spliced into a hex line (SOURCES.md: line 5123). */
        {
                _cleanup_snapshot_ struct snapshot *s = snap_new();
                const char *p = tap_path("fixtures/pci/dumps/huananzhi-x99-bd4-xeon-e5v3.raw-with-stderr.txt");

                is_int(collect_pci(&r, p, s), 0, "raw-with-stderr: collect_pci returns (no exit)");
                is_int(s->pci.state, FACT_INVALID, "raw-with-stderr: invalid");
                is_str(s->pci.error.file, p, "raw-with-stderr: error names the file");
                is_int(s->pci.error.line, 5123, "raw-with-stderr: error at line 5123");
                ok(s->pci.error.message && strstr(s->pci.error.message, "pcilib: sysfs_read_vpd"),
                   "raw-with-stderr: message quotes the stray text");
                is_int(s->pci.n_functions, 0, "raw-with-stderr: no functions kept");
        }
        {
                _cleanup_snapshot_ struct snapshot *s = snap_new();
                collect_pci(&r, tap_path("fixtures/pci/dumps/does-not-exist.txt"), s);
                ok(s->pci.state == FACT_INVALID && s->pci.error.message &&
                   strstr(s->pci.error.message, "cannot open"), "nonexistent dump: invalid, 'cannot open'");
        }
        {
                _cleanup_snapshot_ struct snapshot *s = snap_new();
                collect_pci(&r, tap_path("fixtures/pci/dumps/empty.txt"), s);
                ok(s->pci.state == FACT_INVALID && s->pci.error.message &&
                   strstr(s->pci.error.message, "no PCI function"), "empty dump: invalid, 'no PCI function'");
        }
        {
                /* `lspci -x`: only the 64-byte header -> config_full=false, no capabilities. */
                _cleanup_snapshot_ struct snapshot *s = snap_new();
                char path[] = "/tmp/kdv-test-pci-XXXXXX";
                int fd = mkstemp(path);
                const char *text =
                        "00:1f.2 SATA controller: Intel Corporation 82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode] (rev 02)\n"
                        "00: 86 80 22 29 07 04 10 00 02 01 06 01 00 00 00 00\n"
                        "10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
                        "20: 00 00 00 00 00 10 11 fe 00 00 00 00 f4 1a 00 11\n"
                        "30: 00 00 00 00 80 00 00 00 00 00 00 00 0a 01 00 00\n";
                if (fd >= 0) {
                        if (write(fd, text, strlen(text)) < 0)
                                ok(0, "write temp dump");
                        close(fd);
                }
                collect_pci(&r, path, s);
                ok(s->pci.state == FACT_OK && s->pci.n_functions == 1, "64-byte dump: one function");
                {
                        /* the same function twice, as when two captures are pasted together */
                        _cleanup_snapshot_ struct snapshot *twice = snap_new();
                        FILE *f = fopen(path, "a");
                        if (f) {
                                fprintf(f, "\n%s", text);
                                fclose(f);
                        }
                        collect_pci(&r, path, twice);
                        ok(twice->pci.state == FACT_INVALID && twice->pci.error.message &&
                           strstr(twice->pci.error.message, "0000:00:1f.2 appears more than once"),
                           "a dump listing 00:1f.2 twice is invalid, naming the function (%s)",
                           strempty(twice->pci.error.message));
                }
                if (s->pci.n_functions == 1) {
                        const struct pci_function *f = &s->pci.functions[0];
                        ok(!f->config_full && !f->has_msi && f->device_id == 0x2922 && f->class == 0x010601 &&
                           f->irq_pin == 1 && f->subsys_vendor_id == 0x1af4,
                           "64-byte dump: ids/class/pin read, config_full=false, caps unknown");
                }
                unlink(path);
        }
        root_close(&r);
}

/* ---- malformed sysfs trees, built here ---- */
static char tmp_root[64];

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
        (void) sb; (void) flag; (void) ftw;
        return remove(p);
}

static void mkfile(const char *rel, const char *content) {
        char p[512], *slash;
        FILE *f;

        snprintf(p, sizeof(p), "%s/%s", tmp_root, rel);
        for (slash = strchr(p + strlen(tmp_root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = 0;
                mkdir(p, 0755);
                *slash = '/';
        }
        f = fopen(p, "we");
        if (f) {
                fputs(content, f);
                fclose(f);
        }
}

static void mklink(const char *rel, const char *target) {
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", tmp_root, rel);
        if (symlink(target, p) < 0)
                printf("# symlink %s: %s\n", p, strerror(errno));
}

static void collect_tmp(struct snapshot *s) {
        struct root r = { .fd = -1 };
        if (root_open(tmp_root, &r) < 0)
                return;
        pci_facts_clear(&s->pci);
        collect_pci(&r, NULL, s);
        root_close(&r);
}

static void fresh_tmp(void) {
        if (tmp_root[0])
                nftw(tmp_root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
        strcpy(tmp_root, "/tmp/kdv-test-pci-root-XXXXXX");
        if (!mkdtemp(tmp_root))
                abort();
}

static void basic_device(const char *dir) {
        char p[256];
        snprintf(p, sizeof(p), "%s/vendor", dir);
        mkfile(p, "0x8086\n");
        snprintf(p, sizeof(p), "%s/device", dir);
        mkfile(p, "0x2922\n");
        snprintf(p, sizeof(p), "%s/class", dir);
        mkfile(p, "0x010601\n");
        snprintf(p, sizeof(p), "%s/irq", dir);
        mkfile(p, "27\n");
}

static void test_sysfs_malformed(void) {
        _cleanup_snapshot_ struct snapshot *s = snap_new();
        char big[2100];

        fresh_tmp();
        mkfile("proc/version", "x\n");
        collect_tmp(s);
        is_int(s->pci.state, FACT_MISSING, "no sys/bus/pci: missing");

        fresh_tmp();
        basic_device("sys/devices/pci0000:00/0000:00:1f.2");
        mkfile("sys/bus/pci/drivers/.keep", "");
        mkdir(strcat(strcpy(big, tmp_root), "/sys/bus/pci/devices"), 0755);
        mklink("sys/bus/pci/devices/0000:00:1f.2", "../../../devices/pci0000:00/0000:00:1f.2");
        collect_tmp(s);
        ok(s->pci.state == FACT_OK && s->pci.n_functions == 1 && !s->pci.functions[0].config_full &&
           s->pci.functions[0].vendor_id == 0x8086 && s->pci.functions[0].irq_line == 27,
           "device without a config file: ok from sysfs ids, config_full=false");

        /* libpci treats a >= 1024-byte attribute as an error (lib/sysfs.c sysfs_get_string): our
         * validation does not look at sizes, so this goes through the longjmp guard. */
        memset(big, '1', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        mkfile("sys/devices/pci0000:00/0000:00:1f.2/vendor", big);
        collect_tmp(s);
        ok(s->pci.state == FACT_INVALID && s->pci.error.message && strstr(s->pci.error.message, "libpci") &&
           strstr(s->pci.error.message, "too long"),
           "libpci error callback: guarded, becomes invalid (no exit)");

        mkfile("sys/devices/pci0000:00/0000:00:1f.2/vendor", "0x8086\n");
        mkfile("sys/bus/pci/devices/garbage", "");
        collect_tmp(s);
        ok(s->pci.state == FACT_INVALID && streq_ptr(s->pci.error.file, "sys/bus/pci/devices/garbage"),
           "bad entry name in devices/: invalid, names it");

        fresh_tmp();
        basic_device("sys/devices/pci0000:00/0000:00:1f.2");
        mkfile("sys/bus/pci/drivers/.keep", "");
        mkfile("sys/bus/pci/devices/0000:00:1f.2", "../../../devices/pci0000:00/0000:00:1f.2");
        collect_tmp(s);
        ok(s->pci.state == FACT_INVALID && s->pci.error.message && strstr(s->pci.error.message, "symlink"),
           "flattened symlink (regular file) in devices/: invalid");

        fresh_tmp();
        basic_device("sys/devices/pci0000:00/0000:00:1f.2");
        snprintf(big, sizeof(big), "%s/sys/devices/pci0000:00/0000:00:1f.2/irq", tmp_root);
        unlink(big);
        mkfile("sys/bus/pci/drivers/.keep", "");
        snprintf(big, sizeof(big), "%s/sys/bus/pci/devices", tmp_root);
        mkdir(big, 0755);
        mklink("sys/bus/pci/devices/0000:00:1f.2", "../../../devices/pci0000:00/0000:00:1f.2");
        collect_tmp(s);
        ok(s->pci.state == FACT_INVALID &&
           streq_ptr(s->pci.error.file, "sys/bus/pci/devices/0000:00:1f.2/irq"),
           "missing mandatory irq attribute: invalid, names the file");

        mkfile("sys/devices/pci0000:00/0000:00:1f.2/irq", "27\n");
        mklink("sys/devices/pci0000:00/0000:00:1f.2/config", "/etc/passwd");
        collect_tmp(s);
        ok(s->pci.state == FACT_INVALID && s->pci.error.message && strstr(s->pci.error.message, "outside the root"),
           "config symlink leaving the root: invalid, not read");

        /* sysfs numbers the kernel prints with %u/%d: junk is malformed, named by file */
        snprintf(big, sizeof(big), "%s/sys/devices/pci0000:00/0000:00:1f.2/config", tmp_root);
        unlink(big);
        mkfile("sys/devices/pci0000:00/0000:00:1f.2/irq", "abc\n");
        collect_tmp(s);
        ok(s->pci.state == FACT_INVALID && streq_ptr(s->pci.error.file, "sys/bus/pci/devices/0000:00:1f.2/irq") &&
           s->pci.n_functions == 0, "irq 'abc': invalid, names sys/bus/pci/devices/0000:00:1f.2/irq");
        mkfile("sys/devices/pci0000:00/0000:00:1f.2/irq", "27\n");
        mkfile("sys/devices/pci0000:00/0000:00:1f.2/dma_mask_bits", "99999999999999999999\n");
        collect_tmp(s);
        ok(s->pci.state == FACT_INVALID &&
           streq_ptr(s->pci.error.file, "sys/bus/pci/devices/0000:00:1f.2/dma_mask_bits"),
           "dma_mask_bits beyond int: invalid, names the file");
        mkfile("sys/devices/pci0000:00/0000:00:1f.2/dma_mask_bits", "65\n");
        collect_tmp(s);
        ok(s->pci.state == FACT_INVALID && s->pci.error.message && strstr(s->pci.error.message, "0..64"),
           "dma_mask_bits 65 (fls64 of a 64-bit mask is at most 64): invalid");
        mkfile("sys/devices/pci0000:00/0000:00:1f.2/dma_mask_bits", "64\n");
        collect_tmp(s);
        ok(s->pci.state == FACT_OK && s->pci.n_functions == 1 && s->pci.functions[0].dma_mask_bits == 64 &&
           s->pci.functions[0].irq_line == 27 && !s->pci.error.message, "dma_mask_bits 64, irq 27: ok, no error");

        /* an attribute that is a symlink inside the root is fine (resolved on its own) */
        mkfile("sys/devices/shared/vendor", "0x8086\n");
        snprintf(big, sizeof(big), "%s/sys/devices/pci0000:00/0000:00:1f.2/vendor", tmp_root);
        unlink(big);
        mklink("sys/devices/pci0000:00/0000:00:1f.2/vendor", "../../shared/vendor");
        collect_tmp(s);
        ok(s->pci.state == FACT_OK && s->pci.n_functions == 1 && s->pci.functions[0].vendor_id == 0x8086,
           "vendor symlinked within the root: ok");
        unlink(big);
        mklink("sys/devices/pci0000:00/0000:00:1f.2/vendor", "../../../../../../../../../../../../../etc/passwd");
        collect_tmp(s);
        /* resolved in the root it is missing (.. stops at the root), so libpci never gets to it */
        ok(s->pci.state == FACT_INVALID && streq_ptr(s->pci.error.file, "sys/bus/pci/devices/0000:00:1f.2/vendor"),
           "vendor symlinked out of the root with ..: invalid, names the file");
        unlink(big);
        mkfile("sys/devices/pci0000:00/0000:00:1f.2/vendor", "0x8086\n");
        mklink("sys/devices/pci0000:00/0000:00:1f.2/revision", "../../../../../../../../../../../../../etc/passwd");
        collect_tmp(s);
        ok(s->pci.state == FACT_INVALID && s->pci.error.message && strstr(s->pci.error.message, "outside the root") &&
           streq_ptr(s->pci.error.file, "sys/bus/pci/devices/0000:00:1f.2/revision"),
           "optional revision symlinked out of the root: invalid, not read");
        snprintf(big, sizeof(big), "%s/sys/devices/pci0000:00/0000:00:1f.2/revision", tmp_root);
        unlink(big);

        /* an unreadable config file (a capture made without root): usable facts, the file named */
        mkfile("sys/devices/pci0000:00/0000:00:1f.2/config", "\x86\x80");
        snprintf(big, sizeof(big), "%s/sys/devices/pci0000:00/0000:00:1f.2/config", tmp_root);
        chmod(big, 0);
        chmod(tmp_root, 0755);
        {
                int pfd[2];
                char res[256] = "";
                pid_t pid;

                if (pipe(pfd) == 0 && (pid = fork()) >= 0) {
                        if (pid == 0) {
                                char out[256];
                                close(pfd[0]);
                                /* as root, read as nobody so that the mode counts */
                                if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
                                        _exit(1);
                                collect_tmp(s);
                                snprintf(out, sizeof(out), "%d %zu %s", (int) s->pci.state, s->pci.n_functions,
                                         s->pci.error.file ? s->pci.error.file : "-");
                                if (write(pfd[1], out, strlen(out)) < 0)
                                        _exit(1);
                                _exit(0);
                        }
                        close(pfd[1]);
                        if (read(pfd[0], res, sizeof(res) - 1) < 0)
                                res[0] = 0;
                        close(pfd[0]);
                        waitpid(pid, NULL, 0);
                }
                is_str(res, "1 1 sys/bus/pci/devices/0000:00:1f.2/config",
                       "config unreadable: FACT_OK (state 1), the function kept, error names the config file");
        }
        chmod(big, 0644);

        /* dump targets over a synthetic partition / mount table in the same kind of tree */
        fresh_tmp();
        mkfile("dev/disk/by-uuid/.keep", "");
        mklink("dev/disk/by-uuid/1b2c-uuid", "../../vdb1");
        mkfile("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/virtio3/block/vdb/vdb1/partition", "1\n");
        mkfile("sys/class/block/.keep", "");
        mklink("sys/class/block/vdb1", "../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0/virtio3/block/vdb/vdb1");
        mklink("sys/class/block/vdb", "../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0/virtio3/block/vdb");
        mkfile("proc/self/mountinfo",
               "22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vdb1 rw\n"
               "23 22 0:21 / /var/crash\\040x rw - nfs4 server:/export rw\n");
        {
                struct root r = { .fd = -1 };
                struct kdump_conf_directive d[2] = {
                        { .key = (char *) "xfs", .value = (char *) "UUID=1b2c-uuid", .line = 1 },
                        { .key = (char *) "path", .value = (char *) "/var/crash", .line = 2 },
                };
                struct snapshot t = {};

                t.flavor = KDUMP_FLAVOR_RHEL;
                t.kdump_conf = (struct kdump_conf) { .state = FACT_OK, .directives = d, .n_directives = 2 };
                if (root_open(tmp_root, &r) == 0) {
                        collect_dump_target(&r, &t);
                        ok(t.dump_target.kind == DUMP_TARGET_LOCAL_FS && streq_ptr(t.dump_target.block_device, "vdb") &&
                           streq_ptr(t.dump_target.pci_slot, "0000:01:00.0"),
                           "xfs UUID= -> by-uuid -> vdb1 -> disk vdb -> last PCI component 0000:01:00.0");

                        t.kdump_conf.n_directives = 0;          /* only path: via the mount table */
                        collect_dump_target(&r, &t);
                        ok(t.dump_target.kind == DUMP_TARGET_LOCAL_FS && streq_ptr(t.dump_target.pci_slot, "0000:01:00.0") &&
                           streq_ptr(t.dump_target.spec, "path /var/crash"),
                           "default path /var/crash: mountinfo '/' on /dev/vdb1 -> 0000:01:00.0");

                        d[1].value = (char *) "/var/crash x/sub";
                        t.kdump_conf.directives = &d[1];
                        t.kdump_conf.n_directives = 1;
                        collect_dump_target(&r, &t);
                        ok(t.dump_target.kind == DUMP_TARGET_NFS && !t.dump_target.pci_slot && t.dump_target.why_unresolved,
                           "path on an NFS mount (octal-escaped mount point): NFS, NIC unresolved");

                        d[0] = (struct kdump_conf_directive) { .key = (char *) "raw", .value = (char *) "/dev/disk/by-id/nope" };
                        t.kdump_conf.directives = d;
                        t.kdump_conf.n_directives = 1;
                        collect_dump_target(&r, &t);
                        ok(t.dump_target.kind == DUMP_TARGET_RAW && !t.dump_target.pci_slot &&
                           t.dump_target.why_unresolved && strstr(t.dump_target.why_unresolved, "not found"),
                           "raw target with a missing by-id link: unresolved with a reason");

                        d[0] = (struct kdump_conf_directive) { .key = (char *) "ssh", .value = (char *) "root@10.0.0.1" };
                        collect_dump_target(&r, &t);
                        ok(t.dump_target.kind == DUMP_TARGET_SSH && !t.dump_target.pci_slot, "ssh target: SSH, no slot");

                        {
                                struct shell_assignment v = { .name = (char *) "KDUMP_SAVEDIR",
                                                              .value = (char *) "file:///var/crash", .line = 1 };
                                t.kdump_conf = (struct kdump_conf) {};
                                t.flavor = KDUMP_FLAVOR_SUSE;
                                t.kdump_sysconfig = (struct shell_file) { .state = FACT_OK, .vars = &v, .n_vars = 1 };
                                collect_dump_target(&r, &t);
                                ok(t.dump_target.kind == DUMP_TARGET_LOCAL_FS &&
                                   streq_ptr(t.dump_target.pci_slot, "0000:01:00.0") &&
                                   streq_ptr(t.dump_target.spec, "KDUMP_SAVEDIR=file:///var/crash"),
                                   "SUSE KDUMP_SAVEDIR=file:///var/crash -> 0000:01:00.0");

                                v.name = (char *) "KDUMP_COREDIR";
                                v.value = (char *) "/var/crash x";
                                t.flavor = KDUMP_FLAVOR_DEBIAN;
                                collect_dump_target(&r, &t);
                                ok(t.dump_target.kind == DUMP_TARGET_NFS && !t.dump_target.pci_slot,
                                   "Debian KDUMP_COREDIR on the NFS mount: NFS");
                        }
                        root_close(&r);
                }
                free(t.dump_target.spec);
                free(t.dump_target.block_device);
                free(t.dump_target.pci_slot);
                free(t.dump_target.why_unresolved);
        }

        nftw(tmp_root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
        tmp_root[0] = 0;
}

/* The decompressor is started by collect_modules_begin() (posix_spawnp) and parsed by _end():
 * one not on PATH, or not executable, makes the initramfs invalid with a message that says so;
 * a job begun and abandoned leaves no child behind. */
static void test_initramfs_decompressor(void) {
        char bin[] = "/tmp/test-pci-path.XXXXXX", gz[sizeof(bin) + 8];
        _cleanup_free_ char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
        struct root r = { .fd = -1 };
        int fd;

        if (!mkdtemp(bin) || open_root("fixtures/pci/initramfs/rhel", &r) < 0) {
                ok(0, "temp dir and the rhel root");
                return;
        }
        snprintf(gz, sizeof(gz), "%s/gzip", bin);
        for (unsigned round = 0; round < 3; round++) {
                static const char *const what[] = { "no gzip on PATH", "gzip not executable", "gzip fails" };
                static const char *const want[] = { "gzip not found: cannot decompress the initramfs",
                                                    "gzip cannot be executed: cannot decompress the initramfs",
                                                    "gzip failed to decompress the initramfs" };
                _cleanup_snapshot_ struct snapshot *s = snap_new();

                if (round) {            /* a gzip that cannot be executed; one that fails at once */
                        fd = open(gz, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, round == 1 ? 0644 : 0755);
                        if (fd >= 0) {
                                if (round == 2 && (write(fd, "#!/bin/sh\nexit 1\n", 17) != 17 || fchmod(fd, 0755) < 0))
                                        ok(0, "write the failing gzip");
                                close(fd);
                        }
                }
                setenv("PATH", bin, 1);
                s->kernel_release = strdup(KVER);
                ok(collect_modules(&r, s) == 0, "%s: collect_modules returns 0", what[round]);
                if (path)
                        setenv("PATH", path, 1);
                /* round 2: the uncompressed early-microcode archive before the gzip part is
                 * complete, but what gzip should have unpacked is not there: not "ok" */
                ok(s->initramfs.state == FACT_INVALID && s->initramfs.error.message &&
                   streq(s->initramfs.error.message, want[round]), "%s: initramfs invalid, \"%s\"",
                   what[round], want[round]);
                if (s->initramfs.error.message)
                        printf("#   %s\n", s->initramfs.error.message);
        }
        unlink(gz);
        rmdir(bin);

        {
                _cleanup_snapshot_ struct snapshot *s = snap_new();
                struct modules_job *job = NULL;

                s->kernel_release = strdup(KVER);
                is_int(collect_modules_begin(&r, s, &job), 0, "collect_modules_begin on rhel");
                ok(job != NULL, "a job to end or abandon");
                modules_job_free(job);
                errno = 0;
                ok(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
                   "abandoned job: the decompressor was killed and reaped (no child left)");
        }
        root_close(&r);
}

/* ---- kdump initramfs images (tests/fixtures/pci/mkinitramfs.py) ---- */
static void test_initramfs(void) {
        static const char *const want[] = { "ahci", "nvme_core", "sd_mod", "virtio_blk", NULL };
        static const struct { const char *dir, *path; enum fact_state state; } cases[] = {
                { "rhel", "boot/initramfs-" KVER "kdump.img", FACT_OK },       /* microcode cpio + gzip */
                { "debian", "var/lib/kdump/initrd.img-" KVER, FACT_OK },        /* xz */
                { "plain", "boot/initramfs-" KVER "kdump.img", FACT_OK },      /* two uncompressed archives */
                { "broken", "boot/initramfs-" KVER "kdump.img", FACT_INVALID }, /* gzip cut short */
                { "garbage", "boot/initramfs-" KVER "kdump.img", FACT_INVALID },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_snapshot_ struct snapshot *s = snap_new();
                struct root r = { .fd = -1 };
                char rel[128], name[256];
                bool same = true;

                snprintf(rel, sizeof(rel), "fixtures/pci/initramfs/%s", cases[i].dir);
                if (open_root(rel, &r) < 0) {
                        ok(0, "open %s", rel);
                        continue;
                }
                s->kernel_release = strdup(KVER);
                collect_modules(&r, s);
                snprintf(name, sizeof(name), "initramfs %s: state %s at %s", cases[i].dir,
                         fact_state_to_string(cases[i].state), cases[i].path);
                ok(s->initramfs.state == cases[i].state && streq_ptr(s->initramfs.path, cases[i].path), "%s", name);
                if (s->initramfs.state != cases[i].state && s->initramfs.error.message)
                        printf("#   %s\n", s->initramfs.error.message);
                if (cases[i].state == FACT_OK) {
                        for (size_t j = 0; j <= ELEMENTSOF(want) - 1; j++)
                                same = same && streq_ptr(s->initramfs.modules ? s->initramfs.modules[j] : NULL, want[j]);
                        snprintf(name, sizeof(name), "initramfs %s: modules ahci nvme_core sd_mod virtio_blk", cases[i].dir);
                        ok(same, "%s", name);
                } else {
                        snprintf(name, sizeof(name), "initramfs %s: error names the file", cases[i].dir);
                        ok(streq_ptr(s->initramfs.error.file, cases[i].path) && s->initramfs.error.message, "%s", name);
                }
                is_int(s->modules.state, FACT_MISSING, "no module dir in an initramfs-only root");
                root_close(&r);
        }
        test_initramfs_decompressor();
}

/* ---- the filtered dump copy libpci reads (collect/pci.c validate_dump) ---- */
/* Every fact of every function, as collect_pci fills it from a dump. */
static bool functions_same(const struct snapshot *a, const struct snapshot *b, char *why, size_t n) {
        if (a->pci.state != b->pci.state || a->pci.n_functions != b->pci.n_functions) {
                snprintf(why, n, "state %d/%d, %zu/%zu functions", a->pci.state, b->pci.state,
                         a->pci.n_functions, b->pci.n_functions);
                return false;
        }
        for (size_t i = 0; i < a->pci.n_functions; i++)
                if (!pci_function_equal(&a->pci.functions[i], &b->pci.functions[i])) {
                        snprintf(why, n, "function %s differs", a->pci.functions[i].slot);
                        return false;
                }
        return true;
}

static unsigned count_ext(const struct snapshot *s, bool dpc) {
        unsigned n = 0;
        for (size_t i = 0; i < s->pci.n_functions; i++)
                n += dpc ? s->pci.functions[i].has_dpc : s->pci.functions[i].has_aer;
        return n;
}

/* Collect one dump with the filtered copy and with the original; the facts must not differ. */
static void compare_filtered(const struct root *r, const char *path, const char *label,
                             struct snapshot **ret_filtered) {
        struct snapshot *filtered = snap_new();
        _cleanup_snapshot_ struct snapshot *original = snap_new();
        char why[128] = "";

        unsetenv("KDV_PCI_DUMP_UNFILTERED");
        collect_pci(r, path, filtered);
        setenv("KDV_PCI_DUMP_UNFILTERED", "1", 1);
        collect_pci(r, path, original);
        unsetenv("KDV_PCI_DUMP_UNFILTERED");
        ok(filtered->pci.state == FACT_OK && functions_same(filtered, original, why, sizeof(why)),
           "%s: filtered dump copy gives the same facts as the original (%u functions, %u AER, %u DPC) %s",
           label, (unsigned) filtered->pci.n_functions, count_ext(filtered, false), count_ext(filtered, true), why);
        if (ret_filtered)
                *ret_filtered = filtered;
        else
                snapshot_free(filtered);
}

/* One 4096-byte function in canonical lspci -xxxx form: a PCIe root port (cap list at 0x40:
 * PCIe cap, type 4) whose extended space holds AER at 0x100 -> next, set by the caller. */
static void write_function(FILE *f, const char *slot, const unsigned char ext[4096], const char *extra) {
        unsigned char cfg[4096];

        memcpy(cfg, ext, sizeof(cfg));
        memset(cfg, 0, 256);
        cfg[0] = 0x86; cfg[1] = 0x80; cfg[2] = 0x10; cfg[3] = 0x20;    /* 8086:2010 */
        cfg[6] = 0x10;                                                  /* status: cap list */
        cfg[0x0a] = 0x04; cfg[0x0b] = 0x06;                             /* class 0604 bridge */
        cfg[0x0e] = 0x01;                                               /* header type 1 */
        cfg[0x34] = 0x40;
        cfg[0x40] = 0x10; cfg[0x41] = 0x00; cfg[0x42] = 0x42; cfg[0x43] = 0x00; /* PCIe v2, root port */
        fprintf(f, "%s PCI bridge: Intel Corporation Device 2010\n", slot);
        for (unsigned off = 0; off < 4096; off += 16) {
                fprintf(f, "%02x:", off);
                for (unsigned i = 0; i < 16; i++)
                        fprintf(f, " %02x", cfg[off + i]);
                fputc('\n', f);
        }
        if (extra)
                fputs(extra, f);
        fputc('\n', f);
}

static void put_header(unsigned char *cfg, unsigned at, unsigned id, unsigned next) {
        uint32_t h = id | 1u << 16 | next << 20;
        for (unsigned i = 0; i < 4; i++)
                cfg[at + i] = (unsigned char) (h >> (8 * i));
}

static void test_dump_filter(void) {
        static const char *const real[] = {
                "fixtures/pci/dumps/freescale-p2020-ppc-multidomain.txt",
                "fixtures/pci/dumps/raptor-talos-ii-power9.txt",
                "fixtures/pci/dumps/samsung-np350v5c-laptop.txt",
                "fixtures/pci/dumps/ecs-h310-desktop-coffeelake.txt",
                "fixtures/pci/dumps/ibm-pseries-power-pcix-multidomain.txt",
                "bench/data/huananzhi-x99-qd4-xeon-e5v3.txt",
                /* fuzz-pci-dump: a "\r\r" line inside a function must not become an empty one */
                "fixtures/pci/dumps/fuzz-cr-cr-line.txt",
        };
        struct root r = { .fd = -1 };
        char path[] = "/tmp/kdv-test-filter-XXXXXX";
        unsigned char ext[4096] = {};
        struct snapshot *s = NULL;
        FILE *f;
        int fd;

        if (root_open("/", &r) < 0) {
                ok(0, "open /");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(real); i++)
                compare_filtered(&r, tap_path(real[i]), real[i], NULL);

        /* Crafted functions where leaving out zero lines would change a fact if done blindly. */
        fd = mkstemp(path);
        f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!f) {
                ok(0, "temp dump");
                root_close(&r);
                return;
        }
        /* 00:01.0 AER at 0x100 -> DPC at 0x800, zero lines in between: both found */
        put_header(ext, 0x100, 0x01, 0x800);
        put_header(ext, 0x800, 0x1d, 0);
        write_function(f, "00:01.0", ext, NULL);
        /* 00:02.0 AER at 0x100 -> 0x140, a zero line: the walk ends there, no DPC */
        memset(ext, 0, sizeof(ext));
        put_header(ext, 0x100, 0x01, 0x140);
        write_function(f, "00:02.0", ext, NULL);
        /* 00:03.0 same, then a line after the canonical run writes one byte of the zero line at
         * 0x140: header 0x0000001d = DPC. With the zero line left out, 0x141..0x143 would read
         * 0xff and the id 0xff1d: the function is not canonical, so nothing is left out. */
        write_function(f, "00:03.0", ext, "140: 1d\n");
        fclose(f);

        compare_filtered(&r, path, "crafted", &s);
        if (s && s->pci.n_functions == 3) {
                const struct pci_function *fn = s->pci.functions;
                ok(fn[0].has_aer && fn[0].has_dpc, "crafted 00:01.0: AER and DPC behind zero lines");
                ok(fn[1].has_aer && !fn[1].has_dpc, "crafted 00:02.0: AER, the walk ends at a zero header");
                ok(fn[2].has_aer && fn[2].has_dpc, "crafted 00:03.0: a later partial line makes 0x140 a DPC header");
        } else
                ok(0, "crafted dump: 3 functions");
        snapshot_free(s);
        unlink(path);
        root_close(&r);
}

int main(void) {
        test_sysfs_a();
        test_sysfs_b();
        test_dumps();
        test_dump_filter();
        test_sysfs_malformed();
        test_initramfs();
        return tap_done();
}
