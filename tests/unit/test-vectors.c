/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vector planner against real kernels: every run of every oracle config
 * (tests/fixtures/oracle/<config>/, copied from shared/fixtures/oracle: Debian 6.1 booted under
 * QEMU with nr_cpus=1/2/4, vectors measured with the irq_matrix tracepoints), the seed
 * incident 000 (AMD EPYC capture kernel, virtio_blk -28), the driver table loader and the
 * expression language.
 *
 * The snapshot is built here from the fixture tree by a small test-local reader (sysfs files,
 * config-space capabilities, /proc/interrupts), so these tests do not depend on the state of
 * the PCI collector; they assert the model, not the collectors. */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>

#include "kdv/collect.h"
#include "kdv/findings.h"
#include "kdv/plan.h"
#include "kdv/root.h"
#include "kdv/vectors.h"
#include "tap.h"

/* Paths below a fixture root are short; a truncated one just fails the test. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---- tiny helpers ---- */

static char *read_text(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t n = 0, cap = 0;
        if (!f)
                return NULL;
        for (;;) {
                if (n + 4097 > cap) {
                        char *nb;
                        cap = cap ? cap * 2 : 8192;
                        nb = realloc(buf, cap);
                        if (!nb) {
                                free(buf);
                                fclose(f);
                                return NULL;
                        }
                        buf = nb;
                }
                size_t r = fread(buf + n, 1, cap - n - 1, f);
                if (r == 0)
                        break;
                n += r;
        }
        fclose(f);
        if (!buf)
                buf = calloc(1, 1);
        else
                buf[n] = 0;
        return buf;
}

static size_t read_bin(const char *path, unsigned char *buf, size_t max) {
        FILE *f = fopen(path, "re");
        size_t n;
        if (!f)
                return 0;
        n = fread(buf, 1, max, f);
        fclose(f);
        return n;
}

static long read_long(const char *path, long def) {
        char *t = read_text(path);
        long v = def;
        if (t) {
                v = strtol(t, NULL, 0);
                free(t);
        }
        return v;
}

static char *link_base(const char *path) {
        char buf[PATH_MAX];
        ssize_t l = readlink(path, buf, sizeof(buf) - 1);
        char *b;
        if (l <= 0)
                return NULL;
        buf[l] = 0;
        b = strrchr(buf, '/');
        return strdup(b ? b + 1 : buf);
}

static int count_entries(const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;
        if (!d)
                return 0;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

/* ---- snapshot from a fixture root ---- */

static void parse_caps(struct pci_function *f, const unsigned char *cfg, size_t len) {
        unsigned ptr;
        int guard = 0;

        if (len < 64 || !(cfg[6] & 0x10))
                return;
        ptr = cfg[0x34] & ~3u;
        while (ptr >= 0x40 && ptr + 4 <= len && guard++ < 48) {
                unsigned id = cfg[ptr], flags = cfg[ptr + 2] | cfg[ptr + 3] << 8;
                if (id == 0x05) {
                        f->has_msi = true;
                        f->msi_max_vectors = 1u << ((flags >> 1) & 7);
                        f->msi_per_vector_mask = flags & 0x100;
                        f->msi_64bit = flags & 0x80;
                } else if (id == 0x11) {
                        f->has_msix = true;
                        f->msix_table_size = (flags & 0x7ff) + 1;
                } else if (id == 0x10) {
                        f->is_pcie = true;
                        f->pcie_type = (flags >> 4) & 0xf;
                        if ((flags & 0x100) && ptr + 0x18 <= len) {
                                unsigned slotcap = cfg[ptr + 0x14] | cfg[ptr + 0x15] << 8;
                                f->pcie_slot_hotplug = slotcap & 0x40;
                        }
                }
                ptr = cfg[ptr + 1] & ~3u;
        }
        /* extended capabilities: AER (1), DPC (0x1d) */
        for (unsigned e = 0x100; len >= 0x104 && e && e + 4 <= len && guard++ < 96;) {
                unsigned hdr = cfg[e] | cfg[e + 1] << 8 | cfg[e + 2] << 16 | (unsigned) cfg[e + 3] << 24;
                if (hdr == 0 || hdr == 0xffffffff)
                        break;
                if ((hdr & 0xffff) == 0x1)
                        f->has_aer = true;
                if ((hdr & 0xffff) == 0x1d)
                        f->has_dpc = true;
                e = (hdr >> 20) & ~3u;
                if (e < 0x100)
                        break;
        }
}

static void parse_interrupts(const char *text, struct interrupts *ret) {
        const char *p = text, *nl;
        unsigned ncpu = 0;
        bool header = true;

        *ret = (struct interrupts) { .state = FACT_OK };
        for (; p && *p; p = nl ? nl + 1 : NULL) {
                char line[1024], *save = NULL, *tok;
                size_t l;
                struct irq_line il = {};
                unsigned k = 0;
                char *chip = NULL, *hw = NULL;
                struct strbuf act = {};

                nl = strchr(p, '\n');
                l = nl ? (size_t) (nl - p) : strlen(p);
                if (l >= sizeof(line))
                        l = sizeof(line) - 1;
                memcpy(line, p, l);
                line[l] = 0;
                if (header) {
                        for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
                                ncpu++;
                        header = false;
                        continue;
                }
                tok = strtok_r(line, " \t", &save);
                if (!tok || !strchr(tok, ':'))
                        continue;
                *strchr(tok, ':') = 0;
                if (!isdigit((unsigned char) tok[0]))
                        continue;       /* NMI, LOC, ...: system vectors outside the window */
                il.irq = strdup(tok);
                while (k < ncpu && (tok = strtok_r(NULL, " \t", &save)))
                        k++;
                chip = strtok_r(NULL, " \t", &save);
                hw = strtok_r(NULL, " \t", &save);
                for (tok = strtok_r(NULL, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
                        strbuf_printf(&act, "%s%s", act.len ? " " : "", tok);
                il.chip = chip ? strdup(chip) : NULL;
                il.hwirq = hw ? strdup(hw) : NULL;
                il.actions = act.buf ? act.buf : strdup("");
                ret->lines = realloc(ret->lines, (ret->n_lines + 1) * sizeof(*ret->lines));
                ret->lines[ret->n_lines++] = il;
        }
        ret->n_cpus = ncpu;
}

static void free_snapshot(struct snapshot *s) {
        snapshot_free(s);       /* the library's own cleanup: the hand-built facts use its layout */
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static struct snapshot *load_root(const char *root) {
        struct snapshot *s = calloc(1, sizeof(*s));
        char path[PATH_MAX], *t;
        DIR *d;
        struct dirent *de;
        char **names = NULL;
        size_t n = 0;

        snprintf(path, sizeof(path), "%s/proc/sys/kernel/osrelease", root);
        t = read_text(path);
        if (t) {
                t[strcspn(t, "\n")] = 0;
                s->kernel_release = t;
        }
        s->arch = strdup("x86_64");
        snprintf(path, sizeof(path), "%s/proc/interrupts", root);
        t = read_text(path);
        if (t) {
                parse_interrupts(t, &s->interrupts);
                free(t);
        }
        s->cpus = (struct cpus) { .state = FACT_OK, .possible = s->interrupts.n_cpus,
                                  .present = s->interrupts.n_cpus, .online = s->interrupts.n_cpus };

        snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", root);
        d = opendir(path);
        if (!d)
                return s;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        (void) strv_extend(&names, &n, de->d_name);
        closedir(d);
        qsort(names, n, sizeof(char *), cmp_str);
        s->pci.functions = calloc(n + 1, sizeof(struct pci_function));
        for (size_t i = 0; i < n; i++) {
                struct pci_function *f = &s->pci.functions[s->pci.n_functions++];
                unsigned char cfg[4096];
                size_t len;
                unsigned dom, bus, dev, fn;
                char base[PATH_MAX];
                int nv;

                snprintf(base, sizeof(base), "%s/sys/bus/pci/devices/%s", root, names[i]);
                snprintf(f->slot, sizeof(f->slot), "%s", names[i]);
                if (sscanf(names[i], "%x:%x:%x.%x", &dom, &bus, &dev, &fn) == 4) {
                        f->domain = (uint16_t) dom;
                        f->bus = (uint8_t) bus;
                        f->dev = (uint8_t) dev;
                        f->func = (uint8_t) fn;
                }
                snprintf(path, sizeof(path), "%s/config", base);
                len = read_bin(path, cfg, sizeof(cfg));
                if (len >= 64) {
                        f->vendor_id = (uint16_t) (cfg[0] | cfg[1] << 8);
                        f->device_id = (uint16_t) (cfg[2] | cfg[3] << 8);
                        f->class = (uint32_t) (cfg[9] | cfg[10] << 8 | cfg[11] << 16);
                        f->header_type = cfg[0x0e] & 0x7f;
                        f->irq_pin = cfg[0x3d];
                        parse_caps(f, cfg, len);
                }
                snprintf(path, sizeof(path), "%s/irq", base);
                f->irq_line = (int) read_long(path, -1);
                snprintf(path, sizeof(path), "%s/driver", base);
                f->driver = link_base(path);
                snprintf(path, sizeof(path), "%s/msi_irqs", base);
                nv = count_entries(path);
                f->msi_irqs_now = (unsigned) nv;
                f->dma_mask_bits = f->consistent_dma_mask_bits = -1;
        }
        strv_free(names);
        s->pci.state = FACT_OK;
        s->pci.source = PCI_SOURCE_SYSFS;

        /* Dump target: "raw /dev/disk/by-id/X" -> block device -> the PCI function above it. */
        snprintf(path, sizeof(path), "%s/etc/kdump.conf", root);
        t = read_text(path);
        if (t) {
                char *raw = strstr(t, "\nraw ");
                if (raw) {
                        char dev_path[PATH_MAX], *blk;
                        raw += 5;
                        raw[strcspn(raw, "\n")] = 0;
                        snprintf(dev_path, sizeof(dev_path), "%s%s", root, raw);
                        blk = link_base(dev_path);
                        s->dump_target.kind = DUMP_TARGET_RAW;
                        s->dump_target.block_device = blk;
                        for (size_t i = 0; blk && i < s->pci.n_functions; i++)
                                for (int v = 0; v < 64; v++) {
                                        snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/virtio%d/block/%s",
                                                 root, s->pci.functions[i].slot, v, blk);
                                        if (access(path, F_OK) == 0)
                                                s->dump_target.pci_slot = strdup(s->pci.functions[i].slot);
                                }
                }
                free(t);
        }
        s->initramfs.state = FACT_MISSING;
        s->modules.state = FACT_MISSING;
        return s;
}

static int load_table(struct snapshot *s) {
        return collect_driver_table(NULL, s);   /* KDV_CONF_DIR (make check) or the installed one */
}

/* ---- minimal JSON reader for truth.json: find "key" after a position ---- */

static const char *jfind(const char *from, const char *end, const char *key) {
        char pat[256];
        const char *p;
        snprintf(pat, sizeof(pat), "\"%s\"", key);
        p = strstr(from, pat);
        if (!p || (end && p >= end))
                return NULL;
        p += strlen(pat);
        while (*p == ' ' || *p == ':' || *p == '\n')
                p++;
        return p;
}

/* End of the JSON value starting at p (object/array/scalar). */
static const char *jend(const char *p) {
        int depth = 0;
        bool str = false;
        for (; *p; p++) {
                if (str) {
                        if (*p == '\\')
                                p++;
                        else if (*p == '"')
                                str = false;
                        continue;
                }
                if (*p == '"')
                        str = true;
                else if (*p == '{' || *p == '[')
                        depth++;
                else if (*p == '}' || *p == ']') {
                        if (--depth <= 0)
                                return p + 1;
                } else if (depth == 0 && (*p == ',' || *p == '\n'))
                        return p;
        }
        return p;
}

/* ---- one case ---- */

struct acc {
        unsigned cases, verdict_exact, failing_exact, cpu0_within2, total_within2, devices, devices_exact;
        unsigned per_cpu_runs, per_cpu_within2;
        unsigned fallbacks_exact;
};

static void run_case(const char *config, const char *name, const char *run, const char *run_end,
                     struct snapshot *s, struct acc *a) {
        struct capture_plan cap = { .cmdline_known = true, .reset_devices = false };
        struct vectors_options o = {};
        struct vectors_plan v = {};
        const char *p, *cmd, *cmd_end;
        char cmdline[2048] = "", first[64] = "";
        unsigned truth_cpu[64] = {}, n_truth_cpu = 0;
        long total_truth = -1;
        char truth_fail[16][16] = {};
        unsigned n_truth_fail = 0;
        bool fail_ok = true;
        unsigned dev_exact = 0, dev_n = 0;
        char fb_truth[512] = "", fb_mine[512] = "";
        int k;

        a->cases++;
        cmd = jfind(run, run_end, "cmdline");
        if (cmd && *cmd == '"') {
                cmd_end = strchr(cmd + 1, '"');
                snprintf(cmdline, sizeof(cmdline), "%.*s", (int) (cmd_end - cmd - 1), cmd + 1);
        }
        /* the capture arguments of this run, as the capture plan would see them */
        p = strstr(cmdline, "nr_cpus=");
        cap.cpus = p ? (unsigned) atoi(p + 8) : (unsigned) (jfind(run, run_end, "capture_cpus") ?
                                                             atoi(jfind(run, run_end, "capture_cpus")) : 1);
        cap.cpus_from_cmdline = p != NULL;
        cap.reset_devices = strstr(cmdline, "reset_devices") != NULL;
        cap.usb_disabled = strstr(cmdline, "usbcore.nousb=1") != NULL;
        p = strstr(cmdline, "oracle.first=");
        if (p) {
                sscanf(p + 13, "%63[^ ]", first);
                o.first_driver = first;
        }
        o.ifup = strstr(cmdline, "oracle.ifup=1") != NULL;

        p = jfind(run, run_end, "vectors_on_cpu");
        if (p && *p == '[') {
                const char *e = jend(p);
                for (p++; p < e && n_truth_cpu < 64; ) {
                        char *x;
                        long val = strtol(p, &x, 10);
                        if (x == p) {
                                p++;
                                continue;
                        }
                        truth_cpu[n_truth_cpu++] = (unsigned) val;
                        p = x;
                }
        }
        p = jfind(run, run_end, "vectors_total_alloc");
        if (p)
                total_truth = atol(p);
        p = jfind(run, run_end, "failed_devices");
        if (p && *p == '[') {
                const char *e = jend(p), *b = p;
                while ((b = jfind(b, e, "bdf"))) {
                        if (*b == '"' && n_truth_fail < 16)
                                snprintf(truth_fail[n_truth_fail++], 16, "%.12s", b + 1);
                }
        }
        p = jfind(run, run_end, "fallbacks");
        if (p && *p == '[') {
                const char *e = jend(p), *b = p;
                while ((b = jfind(b, e, "bdf")))
                        if (*b == '"')
                                snprintf(fb_truth + strlen(fb_truth), sizeof(fb_truth) - strlen(fb_truth), "%.12s ", b + 1);
        }

        k = vectors_plan_build_opts(s, &cap, &o, &v);
        ok(k == 0 && v.applicable, "%s/%s: plan built (%u CPUs)", config, name, cap.cpus);

        /* verdict and failing devices */
        unsigned n_fail = 0;
        for (size_t i = 0; i < v.n_devices; i++)
                if (v.devices[i].fails) {
                        bool found = false;
                        n_fail++;
                        for (unsigned j = 0; j < n_truth_fail; j++)
                                if (streq(truth_fail[j], v.devices[i].slot))
                                        found = true;
                        if (!found)
                                fail_ok = false;
                }
        if (n_fail != n_truth_fail)
                fail_ok = false;
        is_int(n_fail == 0, n_truth_fail == 0, "verdict (fits or not) exact");
        if ((n_fail == 0) == (n_truth_fail == 0))
                a->verdict_exact++;
        ok(fail_ok, "failing devices exact (%u predicted, %u measured)", n_fail, n_truth_fail);
        if (fail_ok)
                a->failing_exact++;

        /* vectors in use */
        long d0 = v.vectors_on_cpu && v.capture_cpus > 0 && n_truth_cpu > 0 ?
                  (long) v.vectors_on_cpu[0] - (long) truth_cpu[0] : 999;
        if (cap.cpus == 1) {
                ok(d0 >= -2 && d0 <= 2, "CPU0 vectors %u vs measured %u (within 2)",
                   v.vectors_on_cpu ? v.vectors_on_cpu[0] : 0, truth_cpu[0]);
        }
        if (d0 >= -2 && d0 <= 2)
                a->cpu0_within2++;
        long dt = (long) v.demand - total_truth;
        ok(dt >= -2 && dt <= 2, "total vectors %u vs measured %ld (within 2)", v.demand, total_truth);
        if (dt >= -2 && dt <= 2)
                a->total_within2++;
        if (n_truth_cpu > 1 && n_truth_cpu == v.capture_cpus) {
                bool all = true;
                char mine[256] = "", theirs[256] = "";
                for (unsigned c = 0; c < n_truth_cpu; c++) {
                        long dc = (long) v.vectors_on_cpu[c] - (long) truth_cpu[c];
                        if (dc < -2 || dc > 2)
                                all = false;
                        snprintf(mine + strlen(mine), sizeof(mine) - strlen(mine), "%u ", v.vectors_on_cpu[c]);
                        snprintf(theirs + strlen(theirs), sizeof(theirs) - strlen(theirs), "%u ", truth_cpu[c]);
                }
                a->per_cpu_runs++;
                if (all)
                        a->per_cpu_within2++;
                ok(all, "per-CPU vectors [ %s] vs measured [ %s] (each within 2)", mine, theirs);
        }

        /* per device: vectors with a handler (per_device_vectors) */
        p = jfind(run, run_end, "per_device_vectors");
        if (p && *p == '{') {
                const char *e = jend(p);
                for (size_t i = 0; i < s->pci.n_functions; i++) {
                        const char *b = jfind(p, e, s->pci.functions[i].slot);
                        unsigned mine = 0;
                        if (!b)
                                continue;
                        for (size_t j = 0; j < v.n_devices; j++)
                                if (streq(v.devices[j].slot, s->pci.functions[i].slot))
                                        mine = v.devices[j].vectors;
                        dev_n++;
                        if ((long) mine == atol(b))
                                dev_exact++;
                        else
                                printf("#   %s %s: device %s predicted %u, measured %ld\n", config, name,
                                       s->pci.functions[i].slot, mine, atol(b));
                }
        }
        a->devices += dev_n;
        a->devices_exact += dev_exact;
        for (size_t i = 0; i < v.n_devices; i++)
                if (v.devices[i].fallback && !v.devices[i].fails)
                        snprintf(fb_mine + strlen(fb_mine), sizeof(fb_mine) - strlen(fb_mine), "%s ", v.devices[i].slot);
        is_str(fb_mine, fb_truth, "devices on a fallback step exact");
        if (streq(fb_mine, fb_truth))
                a->fallbacks_exact++;
        printf("# %-15s %-20s cpus=%-2u fit=%s/%s cpu0=%u/%u total=%u/%ld devices %u/%u exact\n",
               config, name, cap.cpus, n_fail ? "no" : "yes", n_truth_fail ? "no" : "yes",
               v.vectors_on_cpu ? v.vectors_on_cpu[0] : 0, truth_cpu[0], v.demand, total_truth, dev_exact, dev_n);
        vectors_plan_clear(&v);
}

static void test_config(const char *config, struct acc *a, unsigned *minc_exact) {
        char rel[256], root[PATH_MAX];
        _cleanup_free_ char *truth = NULL;
        struct snapshot *s;
        const char *runs[2] = {};

        snprintf(rel, sizeof(rel), "fixtures/oracle/%s/root", config);
        snprintf(root, sizeof(root), "%s", tap_path(rel));
        snprintf(rel, sizeof(rel), "fixtures/oracle/%s/truth.json", config);
        truth = tap_slurp(rel, NULL);
        ok(truth != NULL, "%s: truth.json readable", config);
        if (!truth)
                return;
        s = load_root(root);
        ok(s->pci.n_functions > 0, "%s: %zu PCI functions read", config, s->pci.n_functions);
        ok(s->dump_target.pci_slot != NULL, "%s: dump target resolves to %s", config, strempty(s->dump_target.pci_slot));
        is_int(load_table(s), 0, "driver table loads");
        ok(s->driver_table != NULL, "driver table present (%s)", strempty(s->driver_table_error.message));
        if (!s->driver_table) {
                free_snapshot(s);
                return;
        }

        runs[0] = jfind(truth, NULL, "runs");
        runs[1] = jfind(truth, NULL, "variants");
        for (int g = 0; g < 2; g++) {
                const char *p, *e;
                if (!runs[g] || *runs[g] != '{')
                        continue;
                e = jend(runs[g]);
                p = runs[g] + 1;
                for (;;) {
                        char name[64];
                        const char *q = strchr(p, '"'), *ve;
                        if (!q || q >= e)
                                break;
                        if (sscanf(q + 1, "%63[^\"]", name) != 1)
                                break;
                        q = strchr(q + 1, '"') + 1;
                        while (*q == ' ' || *q == ':')
                                q++;
                        ve = jend(q);
                        run_case(config, name, q, ve, s, a);
                        p = ve;
                        while (p < e && (*p == ',' || isspace((unsigned char) *p)))
                                p++;
                        if (p >= e || *p == '}')
                                break;
                }
        }

        /* min_cpus: smallest count among the measured ones {1,2,4} with no failed device, and
         * the planner's own search over 1..N (configured nr_cpus=1 as in the roots) */
        const char *mp = jfind(truth, NULL, "min_cpus_that_fit");
        long truth_min = mp && isdigit((unsigned char) *mp) ? atol(mp) : 0;
        struct capture_plan cap = { .cpus = 1, .cpus_from_cmdline = true, .reset_devices = true };
        struct vectors_plan v = {};
        unsigned measured_min = 0;
        const unsigned ns[] = { 1, 2, 4 };
        for (size_t i = 0; i < ELEMENTSOF(ns) && !measured_min; i++) {
                struct vectors_plan w = {};
                struct vectors_options o = { .no_search = true };
                bool fail = false;
                cap.cpus = ns[i];
                vectors_plan_build_opts(s, &cap, &o, &w);
                for (size_t j = 0; j < w.n_devices; j++)
                        fail |= w.devices[j].fails;
                if (!fail)
                        measured_min = ns[i];
                vectors_plan_clear(&w);
        }
        cap.cpus = 1;
        is_int(vectors_plan_build(s, &cap, &v), 0, "plan at nr_cpus=1 with searches");
        is_int(measured_min, truth_min, "min_cpus over the measured counts exact");
        is_int(v.min_cpus, truth_min, "planner min_cpus exact");
        if (v.min_cpus == truth_min && measured_min == truth_min)
                (*minc_exact)++;
        printf("# %-15s min_cpus predicted %u (search 1..%u), measured %ld; any-order %u; blacklist remedy %s%s\n",
               config, v.min_cpus, v.search_limit, truth_min, v.min_cpus_any_order,
               v.blacklist_remedy ? v.blacklist_remedy[0] : "-", v.compat_remedy ? "; pcie_ports=compat helps" : "");

        if (streq(config, "b-blk-enospc")) {
                /* the remedies must really save the dump disk: check them against the model and
                 * against the measured higher-CPU boots (cpus2 fits in truth.json) */
                ok(v.blacklist_remedy && streq(v.blacklist_remedy[0], "virtio_net") && !v.blacklist_remedy[1],
                   "b: blacklist remedy is virtio_net alone");
                /* 6 + 1 ahci + 65 + 65 = 137 without the 64 port vectors: the disk gets its 2 */
                ok(v.compat_remedy, "b: pcie_ports=compat alone saves the disk (frees 64 port vectors)");
                struct findings f = {};
                struct plan pl = { .capture = cap, .vectors = v };
                pl.capture.append_var = "KDUMP_COMMANDLINE_APPEND";
                is_int(findings_vectors(s, &pl, NULL, &f), 0, "findings built");
                bool risk = false;
                for (size_t i = 0; i < f.n; i++)
                        if (streq(f.items[i].id, "vectors.dump-target-at-risk")) {
                                risk = f.items[i].severity == SEVERITY_ERROR &&
                                       strstr(f.items[i].remedy, "nr_cpus=2") &&
                                       strstr(f.items[i].remedy, "virtio_net") &&
                                       strstr(f.items[i].message, "-ENOSPC (error -28)") && !v.legacy_allocator;
                                printf("# finding: %s\n#   remedy: %s\n", f.items[i].message, f.items[i].remedy);
                        }
                ok(risk, "b: vectors.dump-target-at-risk (error) with remedy nr_cpus=2 / virtio_net, -ENOSPC on 6.1");
                findings_clear(&f);
        }
        if (streq(config, "a-baseline") || streq(config, "p-per-driver")) {
                struct findings f = {};
                struct plan pl = { .capture = cap, .vectors = v };
                is_int(findings_vectors(s, &pl, NULL, &f), 0, "findings built");
                is_int(f.n, 0, "no vector findings on a machine that fits with room");
                findings_clear(&f);
        }
        if (streq(config, "c-nic-fallback")) {
                /* fits at N=1 in PCI order; but the dump disk probing last would still get its 2 */
                ok(!v.order_sensitive, "c: dump disk survives in any order (NICs fall back to 2 shared)");
        }
        vectors_plan_clear(&v);
        free_snapshot(s);
}

/* ---- seed incident 000: constructed from the capture kernel's own /proc/interrupts ---- */

static void add_fn(struct snapshot *s, unsigned bus, unsigned dev, unsigned fn, const char *driver,
                   void (*setup)(struct pci_function *f, void *arg), void *arg) {
        struct pci_function *f;
        s->pci.functions = realloc(s->pci.functions, (s->pci.n_functions + 1) * sizeof(*f));
        f = &s->pci.functions[s->pci.n_functions++];
        *f = (struct pci_function) { .bus = (uint8_t) bus, .dev = (uint8_t) dev, .func = (uint8_t) fn,
                                     .irq_pin = 1, .irq_line = 16 + (int) (s->pci.n_functions % 8),
                                     .dma_mask_bits = -1, .consistent_dma_mask_bits = -1 };
        snprintf(f->slot, sizeof(f->slot), "0000:%02x:%02x.%x", bus, dev, fn);
        f->driver = strdup(driver);
        setup(f, arg);
}

static void setup_port(struct pci_function *f, void *arg) {
        const char *act = arg;
        f->class = 0x060400;
        f->is_pcie = true;
        f->pcie_type = strstr(act, "PME") ? 4 : 6;
        f->pcie_slot_hotplug = strstr(act, "pciehp") != NULL;
        f->has_msi = true;
        f->msi_max_vectors = 1;
        f->msi_irqs_now = 1;
}

static void setup_ahci(struct pci_function *f, void *arg) {
        unsigned lines = *(unsigned *) arg;
        f->class = 0x010601;
        f->has_msi = true;
        /* multi-port: 16 messages (the gaps in the irq numbers), no per-vector mask */
        f->msi_max_vectors = lines > 1 ? 16 : 1;
        f->msi_irqs_now = lines > 1 ? 16 : 1;
}

static void setup_nvme(struct pci_function *f, void *arg) {
        (void) arg;
        f->class = 0x010802;
        f->has_msix = true;
        f->msix_table_size = 129;
        f->msi_irqs_now = 2;
}

static void setup_xhci(struct pci_function *f, void *arg) {
        (void) arg;
        f->class = 0x0c0330;
        f->has_msix = true;
        f->msix_table_size = 8;
        f->has_msi = true;
        f->msi_max_vectors = 8;
}

static void setup_virtio_blk(struct pci_function *f, void *arg) {
        (void) arg;
        f->vendor_id = 0x1af4;
        f->device_id = 0x1001;
        f->class = 0x010000;
        f->has_msix = true;
        f->msix_table_size = 2;
        f->msi_irqs_now = 2;
}

static int cmp_fn(const void *a, const void *b) {
        const struct pci_function *x = a, *y = b;
        return strcmp(x->slot, y->slot);
}

static void test_seed_000(void) {
        _cleanup_free_ char *text = tap_slurp("fixtures/vectors/amd-epyc-virtio-blk-enospc.capture-interrupts.txt", NULL);
        struct snapshot *s = calloc(1, sizeof(*s));
        struct interrupts capt = {};
        struct capture_plan cap = { .cpus = 1, .cpus_from_cmdline = true, .reset_devices = true };
        struct vectors_plan v = {};
        unsigned ports = 0, ahci_fns = 0, n_fail = 0;
        unsigned long seen[512] = {};
        unsigned lines_per[512] = {};
        size_t n_seen = 0;

        ok(text != NULL, "seed 000: capture interrupts readable");
        if (!text) {
                free(s);
                return;
        }
        parse_interrupts(text, &capt);
        /* The platform lines (IO-APIC, AMD-Vi) are what the running system would show too. */
        s->interrupts = capt;
        s->arch = strdup("x86_64");
        /* The incident's kernel is not named; its xhci asks for a single vector (one line
         * per controller, the failing one at its first request_irq), as 6.12's xhci does. */
        s->kernel_release = strdup("6.12.0");
        s->cpus = (struct cpus) { .state = FACT_OK, .possible = 128, .present = 128, .online = 128 };
        s->pci.state = FACT_OK;

        /* Devices: every PCI-MSI line's hwirq is (requester id << 11) | message index. */
        for (size_t i = 0; i < capt.n_lines; i++) {
                const struct irq_line *l = &capt.lines[i];
                unsigned long hw, rid;
                size_t j;
                if (!strstr(strempty(l->chip), "PCI-MSI") || !l->hwirq)
                        continue;
                hw = strtoul(l->hwirq, NULL, 10);
                rid = hw >> 11;
                for (j = 0; j < n_seen && seen[j] != rid; j++)
                        ;
                if (j == n_seen)
                        seen[n_seen++] = rid;
                lines_per[j]++;
        }
        for (size_t j = 0; j < n_seen; j++) {
                const char *act = NULL;
                unsigned bus = (unsigned) (seen[j] >> 8), dev = (unsigned) ((seen[j] >> 3) & 31), fn = (unsigned) (seen[j] & 7);
                for (size_t i = 0; i < capt.n_lines && !act; i++)
                        if (capt.lines[i].hwirq && strtoul(capt.lines[i].hwirq, NULL, 10) >> 11 == seen[j])
                                act = capt.lines[i].actions;
                if (strstr(act, "PME") || strstr(act, "pciehp")) {
                        add_fn(s, bus, dev, fn, "pcieport", setup_port, (void *) act);
                        ports++;
                } else if (startswith(act, "ahci")) {
                        add_fn(s, bus, dev, fn, "ahci", setup_ahci, &lines_per[j]);
                        ahci_fns++;
                } else if (startswith(act, "nvme"))
                        add_fn(s, bus, dev, fn, "nvme", setup_nvme, NULL);
                else if (startswith(act, "xhci"))
                        add_fn(s, bus, dev, fn, "xhci_hcd", setup_xhci, NULL);
        }
        /* From the capture dmesg: the second xhci (ec:00.4) and the virtio-blk system disk
         * (virtio0, 1 queue), neither in /proc/interrupts because both failed. */
        add_fn(s, 0xec, 0, 4, "xhci_hcd", setup_xhci, NULL);
        add_fn(s, 0xf0, 1, 0, "virtio-pci", setup_virtio_blk, NULL);
        qsort(s->pci.functions, s->pci.n_functions, sizeof(struct pci_function), cmp_fn);
        s->dump_target.pci_slot = strdup("0000:f0:01.0");
        is_int(ports, 101, "seed 000: 101 PCIe ports with PME/pciehp");
        is_int(ahci_fns, 8, "seed 000: 8 AHCI functions (5 multi-MSI, 3 single)");
        is_int(load_table(s), 0, "seed 000: driver table");

        is_int(vectors_plan_build(s, &cap, &v), 0, "seed 000: plan built");
        /* 4 IO-APIC + 8 AMD-Vi + 101 ports + 5x16 multi-MSI AHCI + 3 + 2x2 NVMe + 2 xHCI = 201:
         * the listing's 160 lines + 41 vectors of the AHCI MSI blocks that are allocated (plain
         * MSI, activated at allocation) but have no handler. */
        is_int(v.platform, 12, "seed 000: platform = 4 IO-APIC + 8 AMD-Vi");
        is_int(v.demand, 201, "seed 000: the one CPU is full (201 of 201)");
        for (size_t i = 0; i < v.n_devices; i++)
                if (v.devices[i].fails) {
                        n_fail++;
                        printf("#   seed 000: fails %s %s (needs %u)\n", v.devices[i].slot, v.devices[i].driver,
                               v.devices[i].wanted);
                }
        bool dump_fails = false;
        for (size_t i = 0; i < v.n_devices; i++)
                if (v.devices[i].dump_target)
                        dump_fails = v.devices[i].fails;
        ok(dump_fails, "seed 000: virtio_blk (the dump disk) fails with -ENOSPC");
        /* Measured victims: virtio_blk and xhci ec:00.4. In PCI order the second victim is the
         * last AHCI (ed:00.1) instead: the real capture kernel probed in parallel (the irq
         * numbers show both ed:00.x AHCIs allocated before the xhci). Same count, same total. */
        is_int(n_fail, 2, "seed 000: two probes fail (measured: virtio_blk and one xhci)");
        ok(v.min_cpus == 2, "seed 000: nr_cpus=2 fits (the write-up's fix: more than one CPU); got %u", v.min_cpus);
        ok(v.compat_remedy, "seed 000: pcie_ports=compat frees the 101 port vectors");
        vectors_plan_clear(&v);
        free_snapshot(s);
}

/* ---- seed incident 001: RHEL 7.4 (3.10), mpt3sas dump HBA next to i40e NICs ----
 * Root built by tests/fixtures/vectors/mkseed001.py (PROVENANCE.md says what is from the
 * console log and what is assumed). The capture command line comes from the real RHEL 7
 * /etc/sysconfig/kdump through the capture planner: nr_cpus=1 reset_devices.
 *
 * Expected, from the model (3.10: legacy allocator, every allocated MSI/MSI-X entry costs a
 * vector; pci_enable_device maps the INTx GSI with a vector first; CPU0 has 189):
 *   platform 4 (timer, ttyS0, rtc0, acpi)                                     =   4
 *   7 root ports: GSI at enable + 1 MSI (PME)                        7 x 2    =  14
 *   ahci 00:11.5: GSI 16 + 1 MSI                                              =   2
 *   ast 03:00.0: GSI 17 already mapped by its port 00:1c.5; no irq of its own =   0
 *   i40e, per X710/XL710 function at 1 CPU (conf/drivers.conf, pre-4.15 = out-of-tree
 *   2.1.x without the 1-CPU gate): misc 1 + LAN 1 + FD sideband 1 + VMDq 8 = 11; one GSI per
 *   card: 18 (4 fn) 45, 3b (4) 45, 5e (2) 23, 86 (4) 45 -> 158 so far = 178; card af: GSI 1
 *   (179), fn0 gets the last 10 (partial MSI-X, min 2), fn1-3 find nothing: MSI fails, INTx on
 *   the card's GSI (already has its vector) works.
 *   mpt3sas d8:00.0: its GSI 214 is mapped with no vector left, MSI-X (1 under reset_devices)
 *   fails, INTx has no vector -> the probe fails: the incident.
 * Remedies: without i40e the rest needs 4 + 14 + 2 + 2 (mpt3sas GSI + 1) = 22; with
 * nr_cpus=2 the second CPU adds 205 (3.10 keeps the ISA vectors only on CPU0). */
static void test_seed_001(void) {
        struct snapshot *s = load_root(tap_path("fixtures/vectors/seed001"));
        struct capture_plan cap = {};
        struct vectors_plan v = {};
        struct root r = {};
        bool mpt_fails = false, mpt_dump = false;
        unsigned i40e_ok = 0, i40e_n = 0;

        ok(s->pci.n_functions == 29, "seed 001: 29 PCI functions in the root (%zu)", s->pci.n_functions);
        is_str(s->kernel_release, "3.10.0-693.5.2.el7.x86_64", "seed 001: the incident's kernel release");
        if (root_open(tap_path("fixtures/vectors/seed001"), &r) >= 0) {
                (void) collect_kdump_config(&r, s);
                root_close(&r);
        }
        s->cmdline = strdup("BOOT_IMAGE=/vmlinuz-3.10.0-693.5.2.el7.x86_64 root=/dev/mapper/rhel-root ro crashkernel=auto");
        s->cmdline_state = FACT_OK;
        is_int(capture_plan_build(s, &cap), 0, "seed 001: capture plan from /etc/sysconfig/kdump");
        ok(cap.cpus == 1 && cap.reset_devices, "seed 001: capture kernel nr_cpus=1 reset_devices (cpus=%u)", cap.cpus);
        s->dump_target.kind = DUMP_TARGET_LOCAL_FS;
        s->dump_target.pci_slot = strdup("0000:d8:00.0");
        is_int(load_table(s), 0, "seed 001: driver table");

        is_int(vectors_plan_build(s, &cap, &v), 0, "seed 001: plan built");
        ok(v.applicable, "seed 001: applicable (x86_64, PCI facts)");
        is_int(v.capacity, 189, "seed 001: 3.10 capacity on CPU0 = 189");
        is_int(v.platform, 4, "seed 001: platform = timer, ttyS0, rtc0, acpi");
        for (size_t i = 0; i < v.n_devices; i++) {
                const struct vector_device *d = &v.devices[i];
                printf("#   %s %-9s wanted %3u got %3u%s%s%s\n", d->slot, d->driver, d->wanted, d->vectors,
                       d->fallback ? " fallback " : "", strempty(d->fallback), d->fails ? " FAILS" : "");
                if (streq(d->driver, "mpt3sas")) {
                        mpt_fails = d->fails;
                        mpt_dump = d->dump_target;
                        is_int(d->wanted, 1, "seed 001: mpt3sas asks for 1 MSI-X vector (reset_devices)");
                }
                if (streq(d->driver, "i40e")) {
                        i40e_n++;
                        if (!d->fails)
                                i40e_ok++;
                        if (streq(d->slot, "0000:18:00.0"))
                                is_int(d->wanted, 11, "seed 001: i40e X710 at 1 CPU allocates 11 (misc+LAN+FD+8 VMDq)");
                        if (streq(d->slot, "0000:af:00.0"))
                                is_int(d->vectors, 10, "seed 001: af:00.0 gets the last 10 (partial MSI-X)");
                        if (streq(d->slot, "0000:af:00.1"))
                                ok(d->fallback && streq(d->fallback, "intx") && !d->fails,
                                   "seed 001: af:00.1 ends on INTx (its card's GSI has a vector)");
                }
        }
        is_int(v.demand, 189, "seed 001: CPU0 full (189 of 189)");
        ok(mpt_dump && mpt_fails, "seed 001: mpt3sas, the dump HBA, fails (the incident)");
        is_int(i40e_n, 18, "seed 001: 18 i40e functions bound");
        is_int(i40e_ok, 18, "seed 001: every i40e function probes (ladder down to INTx)");
        is_int(v.min_cpus, 2, "seed 001: nr_cpus=2 fits (the write-up's fix: more CPUs)");
        ok(v.blacklist_remedy && streq(v.blacklist_remedy[0], "i40e") && !v.blacklist_remedy[1],
           "seed 001: remedy keeps i40e out of the capture kernel (the write-up's other fix)");

        struct findings f = {};
        struct plan pl = { .capture = cap, .vectors = v };
        bool risk = false, legacy_text = false;
        is_int(findings_vectors(s, &pl, NULL, &f), 0, "seed 001: findings built");
        for (size_t i = 0; i < f.n; i++)
                if (streq(f.items[i].id, "vectors.dump-target-at-risk")) {
                        risk = f.items[i].severity == SEVERITY_ERROR && strstr(f.items[i].remedy, "i40e");
                        /* what the incident's console shows, not the 4.15+ -ENOSPC */
                        legacy_text = strstr(f.items[i].message, "r=-1") && !strstr(f.items[i].message, "-28");
                        printf("# finding: %s\n#   remedy: %s\n", f.items[i].message, f.items[i].remedy);
                }
        ok(risk, "seed 001: vectors.dump-target-at-risk (error), remedy names i40e");
        ok(v.legacy_allocator && legacy_text, "seed 001: the finding quotes the 3.10 symptom (r=-1), not error -28");
        findings_clear(&f);
        vectors_plan_clear(&v);

        /* The remedies, applied: the same machine with i40e blacklisted, and with 2 CPUs. */
        char *bl[] = { (char *) "i40e", NULL };
        struct vectors_options o = { .extra_blacklist = bl };
        is_int(vectors_plan_build_opts(s, &cap, &o, &v), 0, "seed 001: plan with i40e blacklisted");
        bool any_fail = false;
        for (size_t i = 0; i < v.n_devices; i++)
                any_fail |= v.devices[i].fails;
        ok(!any_fail, "seed 001: rd.driver.blacklist=i40e: nothing fails");
        is_int(v.demand, 22, "seed 001: without i40e 22 of 189 in use");
        vectors_plan_clear(&v);
        cap.cpus = 2;
        is_int(vectors_plan_build(s, &cap, &v), 0, "seed 001: plan at nr_cpus=2");
        any_fail = false;
        for (size_t i = 0; i < v.n_devices; i++)
                any_fail |= v.devices[i].fails;
        ok(!any_fail && v.capacity == 189 + 205, "seed 001: nr_cpus=2: capacity %u, nothing fails", v.capacity);
        vectors_plan_clear(&v);
        capture_plan_clear(&cap);
        free(s->cmdline);
        s->cmdline = NULL;
        shell_file_clear(&s->kdump_sysconfig);
        kdump_conf_clear(&s->kdump_conf);
        free_snapshot(s);
}

/* ---- the expression language and the table loader ---- */

static void test_expr(void) {
        struct vectors_vars vars = { .cpus = 4, .msix = 66, .now = 65, .queues = 3 };
        long r;
        const char *err = NULL;

        is_int(vectors_expr_eval("1 + 2 * 3", &vars, &r, NULL), 0, "expr parses");
        is_int(r, 7, "precedence");
        vectors_expr_eval("(nz(now, msix - 1) - 1) / 2", &vars, &r, NULL);
        is_int(r, 32, "virtio_net queue pairs from msi_irqs");
        vectors_expr_eval("min(cpus, queues, 10) + max(1, 0)", &vars, &r, NULL);
        is_int(r, 4, "min/max");
        vectors_expr_eval("7 / 0", &vars, &r, NULL);
        is_int(r, 0, "division by zero is 0, not a crash");
        ok(vectors_expr_eval("cpus +", &vars, &r, &err) < 0, "trailing operator rejected");
        ok(vectors_expr_eval("system(1)", &vars, &r, &err) < 0, "unknown function rejected");
        ok(vectors_expr_eval("foo", &vars, &r, &err) < 0 && err && streq(err, "foo"), "unknown variable rejected at its position");
        ok(vectors_expr_eval("min(1", &vars, &r, &err) < 0, "unclosed call rejected");
        {
                /* fuzz-vexpr: 40,000 nested '(' overflowed the stack; nesting is bounded now */
                char deep[100001];
                memset(deep, '(', 50000);
                memset(deep + 50000, ')', 50000);
                deep[50000] = '1';
                deep[100000] = 0;
                ok(vectors_expr_eval(deep, &vars, &r, &err) < 0, "50,000 nested parentheses: rejected, no crash");
                memset(deep, '-', 100000);
                deep[99999] = '1';
                ok(vectors_expr_eval(deep, &vars, &r, &err) < 0, "99,999 unary minus signs: rejected, no crash");
                ok(vectors_expr_eval("((((((((((((((((((((1)))))))))))))))))))) + -(-(-2))", &vars, &r, &err) == 0 && r == -1,
                   "20 levels of nesting still evaluate (= -1)");
        }
}

static void test_table_errors(void) {
        const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        char path[PATH_MAX];
        struct {
                const char *text;
                unsigned line;
                const char *msg;
        } bad[] = {
                { "[default]\nvectors = 1\n[driver x]\nvectors = cpus +\n", 4, "cannot parse" },
                { "[default]\nvectors = 1\n[driver x]\nfallback = shared:2, teleport\n", 4, "fallback step" },
                { "[default]\nvectors = 1\n[bogus]\nx = 1\n", 4, "unknown section" },
                { "[default]\nvectors = 1\n[driver x]\nvectors[sometimes] = 2\n", 4, "unknown condition" },
                { "[default]\nvectorz = 1\n", 2, "unknown key" },
                { "[driver x]\nvectors = 1\n", 0, "no [default]" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct snapshot s = {};
                FILE *f;
                snprintf(path, sizeof(path), "%s/kdv-test-drivers-%d-%zu.conf", dir, (int) getpid(), i);
                f = fopen(path, "we");
                if (!f)
                        continue;
                fputs(bad[i].text, f);
                fclose(f);
                is_int(collect_driver_table(path, &s), 0, "malformed table is a fact, not an error");
                ok(!s.driver_table && s.driver_table_error.message &&
                   strstr(s.driver_table_error.message, bad[i].msg) && s.driver_table_error.line == bad[i].line,
                   "malformed table %zu: line %u '%s' (got %u '%s')", i, bad[i].line, bad[i].msg,
                   s.driver_table_error.line, strempty(s.driver_table_error.message));
                fact_error_clear(&s.driver_table_error);
                driver_table_free(s.driver_table);
                unlink(path);
        }

        /* the shipped table: every M2 driver and the ones the brief names are there */
        struct snapshot s = {};
        is_int(load_table(&s), 0, "shipped table loads");
        ok(s.driver_table, "shipped table parsed: %s", strempty(s.driver_table_error.message));
        const char *need[] = { "virtio_net", "virtio_blk", "virtio_scsi", "nvme", "ahci", "pcieport", "xhci_hcd",
                               "xhci_pci", "i40e", "ice", "ixgbe", "igb", "e1000e", "bnxt_en", "mlx5_core",
                               "megaraid_sas", "mpt3sas", "mpi3mr", "qla2xxx", "lpfc", "hpsa", "smartpqi",
                               "amdgpu", "nouveau", "i915", "virtio-pci", "vmxnet3" };
        for (size_t i = 0; s.driver_table && i < ELEMENTSOF(need); i++) {
                const struct driver_entry *e = driver_table_find(s.driver_table, need[i]);
                ok(e && e->source, "table has %s with a source", need[i]);
        }
        driver_table_free(s.driver_table);
        fact_error_clear(&s.driver_table_error);
}

static void test_capacity(void) {
        is_int(vectors_capacity_per_cpu("6.1.0-56-amd64"), 201, "capacity 6.1 = 201 (measured)");
        is_int(vectors_capacity_per_cpu("4.18.0-240.el8.x86_64"), 201, "capacity 4.18 = 201");
        is_int(vectors_capacity_per_cpu("6.8.0-45-generic"), 202, "capacity 6.6-6.9 = 202");
        is_int(vectors_capacity_per_cpu("6.12.9"), 201, "capacity 6.10+ = 201");
        is_int(vectors_capacity_per_cpu("4.15.0-20-generic"), 203, "capacity 4.15 = 203");
        is_int(vectors_capacity_per_cpu("3.10.0-693.5.2.el7.x86_64"), 189, "capacity RHEL7 CPU0 ~189");
}

int main(void) {
        static const char *const configs[] = { "a-baseline", "b-blk-enospc", "c-nic-fallback", "p-per-driver" };
        struct acc a = {};
        unsigned minc_exact = 0;

        test_expr();
        test_capacity();
        test_table_errors();
        for (size_t i = 0; i < ELEMENTSOF(configs); i++)
                test_config(configs[i], &a, &minc_exact);
        test_seed_000();
        test_seed_001();

        printf("# ---- accuracy against the oracle (Debian 6.1, QEMU, irq_matrix tracepoints) ----\n");
        printf("# cases (boots)                 %u\n", a.cases);
        printf("# fit/fail verdict exact        %u/%u\n", a.verdict_exact, a.cases);
        printf("# failing devices exact         %u/%u\n", a.failing_exact, a.cases);
        printf("# devices on fallback exact     %u/%u\n", a.fallbacks_exact, a.cases);
        printf("# CPU0 vectors within +-2       %u/%u\n", a.cpu0_within2, a.cases);
        printf("# total vectors within +-2      %u/%u\n", a.total_within2, a.cases);
        printf("# per-CPU within +-2 (N>1)      %u/%u\n", a.per_cpu_within2, a.per_cpu_runs);
        printf("# per-device vectors exact      %u/%u\n", a.devices_exact, a.devices);
        printf("# min_cpus exact (configs)      %u/%zu\n", minc_exact, ELEMENTSOF(configs));
        return tap_done();
}
