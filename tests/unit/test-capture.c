/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The capture kernel's command line, CPU count, blacklist and flags, per distribution, on the
 * fixture roots in tests/fixtures/kdumpconf/roots (see PROVENANCE.md there), plus
 * cmdline_split / cmdline_get. The snapshot is filled by collect_kdump_config() over the root;
 * /proc/cmdline is read here and the CPU counts are set by the test (they come from
 * sys/devices/system/cpu/possible in the roots that have it, from the machine's dmesg otherwise). */
#include <ftw.h>
#include <sys/stat.h>

#include "kdv/collect.h"
#include "kdv/plan.h"
#include "tap.h"

static void snap_free(struct snapshot *s) {
        if (!s)
                return;
        shell_file_clear(&s->kdump_sysconfig);
        kdump_conf_clear(&s->kdump_conf);
        free(s->cmdline);
        strv_free(s->modules.builtin);
        free(s->arch);
        free(s);
}

static struct snapshot *load_root_path(const char *path, unsigned possible) {
        struct root r = { .fd = -1 };
        struct snapshot *s = calloc(1, sizeof(*s));
        char *cmdline = NULL;

        if (!s || root_open(path, &r) < 0) {
                free(s);
                return NULL;
        }
        if (collect_kdump_config(&r, s) < 0) {
                root_close(&r);
                snap_free(s);
                return NULL;
        }
        if (root_read_line(&r, "proc/cmdline", &cmdline) >= 0) {
                s->cmdline = cmdline;
                s->cmdline_state = FACT_OK;
        }
        if (possible > 0)
                s->cpus = (struct cpus) { .state = FACT_OK, .possible = possible, .present = possible,
                                          .online = possible };
        s->arch = strdup("x86_64");
        root_close(&r);
        return s;
}

static struct snapshot *load_root(const char *name, unsigned possible) {
        char rel[256];

        snprintf(rel, sizeof(rel), "fixtures/kdumpconf/roots/%s", name);
        return load_root_path(tap_path(rel), possible);
}

/* Make NAME=value the last assignment (what an edit of the file would do). */
static void set_var(struct snapshot *s, const char *name, const char *value) {
        struct shell_file *f = &s->kdump_sysconfig;
        struct shell_assignment *n = realloc(f->vars, (f->n_vars + 1) * sizeof(*n));

        if (!n)
                abort();
        f->vars = n;
        n[f->n_vars++] = (struct shell_assignment) {
                .name = strdup(name), .value = value ? strdup(value) : NULL, .line = 999,
                .last_line = 999, .has_expansion = !value,
        };
}

static bool bl_is(char **bl, const char *const *want) {
        size_t n = 0;
        for (; want[n]; n++)
                if (!strv_contains(bl, want[n]))
                        return false;
        return strv_length(bl) == n;
}

static void test_cmdline_helpers(void) {
        char **w = NULL;
        char *v;

        is_int(cmdline_split("  a=1 \"b c\" d=\"e f\" \"g=h i\" j\t k\n", &w), 0, "cmdline_split");
        ok(w && strv_length(w) == 6, "6 words");
        if (w && strv_length(w) == 6) {
                is_str(w[1], "b c", "quoted word: quotes removed");
                is_str(w[2], "d=e f", "quoted value: quotes removed");
                is_str(w[3], "g=h i", "quote around the whole word removed (next_arg)");
                is_str(w[5], "k", "tab and newline separate words");
        }
        strv_free(w);
        w = NULL;
        is_int(cmdline_split("", &w), 0, "empty command line");
        ok(w && !w[0], "no words");
        strv_free(w);

        v = cmdline_get("nr_cpus=4 foo nr-cpus=2", "nr_cpus");
        is_str(v, "2", "last occurrence; '-' equals '_' in names");
        free(v);
        v = cmdline_get("a reset_devices b", "reset_devices");
        is_str(v, "", "bare flag gives \"\"");
        free(v);
        v = cmdline_get("a b", "reset_devices");
        ok(!v, "absent gives NULL");
        v = cmdline_get("nr_cpus=1 -- nr_cpus=8", "nr_cpus");
        is_str(v, "1", "words after -- belong to init");
        free(v);
        v = cmdline_get("x=\"a b\" y", "x");
        is_str(v, "a b", "quoted value");
        free(v);
        v = cmdline_get("nr_cpus", "nr_cpus=");
        ok(!v, "key with = never matches");
        free(v);
}

static void test_a_baseline(void) {
        struct snapshot *s = load_root("a-baseline", 8);   /* sys/devices/system/cpu/possible: 0-7 */
        struct capture_plan p = {};

        ok(s, "a-baseline root loads");
        if (!s)
                return;
        is_int(s->flavor, KDUMP_FLAVOR_RHEL, "a-baseline: RHEL flavor");
        is_int(s->kdump_conf.state, FACT_OK, "a-baseline: kdump.conf read");
        ok(!s->kdump_enabled_known && s->kdump_enabled, "a-baseline: no systemd state, configured = enabled");
        is_int(capture_plan_build(s, &p), 0, "a-baseline plan");
        is_str(p.cmdline, "console=ttyS0 loglevel=5 printk.devkmsg=on panic=1 irqpoll nr_cpus=1 reset_devices",
               "a-baseline capture cmdline (log_buf_len and crashkernel removed)");
        ok(p.cmdline_known, "known");
        is_int(p.cpus, 1, "a-baseline: 1 CPU");
        ok(p.cpus_from_cmdline && streq_ptr(p.cpus_param, "nr_cpus"), "from nr_cpus");
        ok(p.reset_devices && !p.pcie_ports_compat && !p.usb_disabled, "reset_devices only");
        ok(p.blacklist && !p.blacklist[0], "no blacklist");
        is_str(p.append_var, "KDUMP_COMMANDLINE_APPEND", "append var");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_COMMANDLINE_APPEND", "irqpoll nr_cpus=2 reset_devices");
        capture_plan_build(s, &p);
        is_int(p.cpus, 2, "nr_cpus=2 → 2 CPUs");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_COMMANDLINE_APPEND", "irqpoll nr_cpus=16 reset_devices");
        capture_plan_build(s, &p);
        ok(p.cpus == 8 && !p.cpus_from_cmdline, "nr_cpus=16 on 8 possible CPUs → 8, machine-bound");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_COMMANDLINE_APPEND", "nr_cpus=4 nr_cpus=3 nr_cpus=6 maxcpus=5");
        capture_plan_build(s, &p);
        ok(p.cpus == 3 && streq_ptr(p.cpus_param, "nr_cpus"), "nr_cpus only lowers: smallest wins");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_COMMANDLINE_APPEND", "maxcpus=4 maxcpus=2");
        capture_plan_build(s, &p);
        ok(p.cpus == 2 && streq_ptr(p.cpus_param, "maxcpus"), "maxcpus: last wins");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_COMMANDLINE_APPEND", "nosmp");
        capture_plan_build(s, &p);
        ok(p.cpus == 1 && streq_ptr(p.cpus_param, "nosmp"), "nosmp → 1 CPU");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_COMMANDLINE_APPEND", NULL);    /* "$EXTRA nr_cpus=1" */
        capture_plan_build(s, &p);
        ok(!p.cmdline_known, "expansion in APPEND: command line unknown");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_COMMANDLINE_APPEND", "irqpoll");
        set_var(s, "KDUMP_COMMANDLINE", "root=/dev/x ro foo= quiet rd.lvm.lv=a x=\"1 2\"");
        set_var(s, "KDUMP_COMMANDLINE_REMOVE", "quiet foo=");
        capture_plan_build(s, &p);
        is_str(p.cmdline, "ro x=\"1 2\" irqpoll",
               "KDUMP_COMMANDLINE replaces /proc/cmdline; root, rd.lvm.lv, empty foo=, quiet removed");
        is_int(p.cpus, 8, "no CPU limit: all possible CPUs");
        ok(!p.cpus_from_cmdline && !p.cpus_param, "not from the command line");
        capture_plan_clear(&p);

        free(s->cmdline);
        s->cmdline = NULL;
        s->cmdline_state = FACT_MISSING;
        set_var(s, "KDUMP_COMMANDLINE", "");
        capture_plan_build(s, &p);
        ok(!p.cmdline_known, "/proc/cmdline missing: unknown");
        capture_plan_clear(&p);
        snap_free(s);
}

static void test_rhel(void) {
        struct snapshot *s = load_root("rhel-s2600bpb", 80);
        struct capture_plan p = {};
        static const char *const omit[] = { "cfg80211", "snd_hda_intel", NULL };

        ok(s, "rhel root loads");
        if (!s)
                return;
        is_int(s->flavor, KDUMP_FLAVOR_RHEL, "RHEL flavor");
        ok(s->kdump_enabled_known && s->kdump_enabled, "multi-user.target.wants/kdump.service → enabled");
        is_int(capture_plan_build(s, &p), 0, "rhel plan");
        is_str(p.cmdline,
               "BOOT_IMAGE=(hd0,gpt2)/vmlinuz-6.2.0-rc2-09th-Jan_23_Next-Queue+ ro resume=/dev/mapper/rhel-swap rhgb "
               "novmcoredd hugetlb_cma=0 kfence.sample_interval=0 initramfs_options=size=90% irqpoll nr_cpus=1 "
               "reset_devices cgroup_disable=memory mce=off numa=off udev.children-max=2 panic=10 acpi_no_memhotplug "
               "transparent_hugepage=never nokaslr hest_disable cma=0 pcie_ports=compat",
               "kdump-utils capture cmdline for the S2600BPB boot line");
        is_int(p.cpus, 1, "1 CPU");
        ok(p.pcie_ports_compat, "pcie_ports=compat");
        ok(bl_is(p.blacklist, omit), "dracut_args --omit-drivers \"cfg80211 snd-hda-intel\" normalised");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_COMMANDLINE_APPEND",
                "nr_cpus=1 rd.driver.blacklist=i40e,ice rd.driver.blacklist=mlx5-core modprobe.blacklist=ixgbe "
                "module_blacklist=a module_blacklist=b pcie_ports=native");
        capture_plan_build(s, &p);
        {
                static const char *const want[] = { "i40e", "ice", "mlx5_core", "ixgbe", "b", "cfg80211",
                                                     "snd_hda_intel", NULL };
                ok(bl_is(p.blacklist, want), "blacklists merged; module_blacklist: last only");
        }
        ok(!p.pcie_ports_compat, "pcie_ports=native is not compat");
        capture_plan_clear(&p);
        snap_free(s);
}

static void test_suse(void) {
        struct snapshot *s = load_root("suse-r7425", 128);
        struct capture_plan p = {};

        ok(s, "suse root loads");
        if (!s)
                return;
        is_int(s->flavor, KDUMP_FLAVOR_SUSE, "SUSE flavor (KDUMP_CPUS/KDUMP_SAVEDIR)");
        ok(s->kdump_enabled_known && !s->kdump_enabled, "kdump.service masked → disabled");
        is_int(capture_plan_build(s, &p), 0, "suse plan");
        is_str(p.cmdline,
               "ro rd.lvm.lv=rhel_dell-per7425-02/root rd.lvm.lv=rhel_dell-per7425-02/swap console=ttyS0,115200n81 "
               "mem_encrypt=on sysrq=yes reset_devices acpi_no_memhotplug cgroup_disable=memory nokaslr numa=off "
               "irqpoll nr_cpus=32 root=kdump rootflags=bind rd.udev.children-max=8 panic=1",
               "load.sh capture cmdline, KDUMP_CPUS=32");
        ok(p.cpus == 32 && p.cpus_from_cmdline && streq_ptr(p.cpus_param, "KDUMP_CPUS"), "32 CPUs from KDUMP_CPUS");
        is_str(p.append_var, "KDUMP_COMMANDLINE_APPEND", "append var");
        capture_plan_clear(&p);

        s->cpus.possible = 16;
        capture_plan_build(s, &p);
        ok(p.cpus == 16 && !p.cpus_from_cmdline, "16-CPU machine: 16");
        capture_plan_clear(&p);
        s->cpus.possible = 128;

        set_var(s, "KDUMP_CPUS", "0");
        capture_plan_build(s, &p);
        ok(p.cpus == 128 && !strstr(p.cmdline, "nr_cpus"), "KDUMP_CPUS=0: no nr_cpus, all CPUs");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_CPUS", "many");
        set_var(s, "KDUMP_COMMANDLINE_APPEND", "nr_cpus=4 panic=5");
        capture_plan_build(s, &p);
        ok(strstr(p.cmdline, "nr_cpus=32 ") != NULL, "non-integer KDUMP_CPUS → default 32");
        ok(p.cpus == 4 && streq_ptr(p.cpus_param, "nr_cpus"), "smaller nr_cpus in APPEND wins");
        ok(!strstr(p.cmdline, "panic=1"), "panic= given: no panic=1");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_COMMANDLINE", "root=/dev/sda2 crashkernel=1G");
        capture_plan_build(s, &p);
        is_str(p.cmdline, "root=/dev/sda2 crashkernel=1G nr_cpus=4 panic=5", "KDUMP_COMMANDLINE used as is");
        capture_plan_clear(&p);
        snap_free(s);
}

static void test_debian(void) {
        struct snapshot *s = load_root("debian-r640", 48);
        struct capture_plan p = {};
        static const char *const want[] = { "e", "f", "g", "d", NULL };

        ok(s, "debian root loads");
        if (!s)
                return;
        is_int(s->flavor, KDUMP_FLAVOR_DEBIAN, "Debian flavor");
        ok(s->kdump_enabled_known && s->kdump_enabled, "USE_KDUMP=1 and unit enabled");
        is_int(capture_plan_build(s, &p), 0, "debian plan");
        is_str(p.cmdline,
               "BOOT_IMAGE=/vmlinuz-4.15.0-76-generic root=/dev/mapper/VolGroup00-LV_ROOT ro consoleblank=0 "
               "intel_idle.max_cstate=0 processor.max_cstate=0 idle=mwait apparmor=0 text noplymouth INIT_VERBOSE=yes "
               "systemd.log_level=info log_buf_len=2M intel_pstate=disable netconsole=20514@10.129.5.61/bond0,20514@10.2.4.159/ "
               "elevator=noop transparent_hugepage=never pti=off "
               "reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb",
               "kdump-config cmdline: both crashkernel= dropped, amd64 default append");
        ok(p.cpus == 1 && streq_ptr(p.cpus_param, "nr_cpus"), "1 CPU");
        ok(!p.usb_disabled, "bare usbcore.nousb with usbcore not known built in: USB stays");
        is_str(p.append_var, "KDUMP_CMDLINE_APPEND", "append var");
        capture_plan_clear(&p);

        s->modules.state = FACT_OK;
        s->modules.builtin = calloc(3, sizeof(char *));
        s->modules.builtin[0] = strdup("xhci_hcd");
        s->modules.builtin[1] = strdup("usbcore");
        capture_plan_build(s, &p);
        ok(p.usb_disabled, "bare usbcore.nousb with usbcore built in: USB off");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_CMDLINE_APPEND", "");
        capture_plan_build(s, &p);
        ok(p.cmdline && strstr(p.cmdline, "systemd.unit=kdump-tools-dump.service nr_cpus=1"),
           "empty KDUMP_CMDLINE_APPEND gets the default (:=)");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_CMDLINE_APPEND", "reset_devices usbcore.nousb=0 usbcore.nousb=1 maxcpus=2 "
                "module_blacklist=a-b,c module_blacklist=d modprobe.blacklist=e rd.driver.blacklist=f,g");
        capture_plan_build(s, &p);
        ok(p.usb_disabled, "usbcore.nousb=1 (last) disables USB");
        ok(p.cpus == 2 && streq_ptr(p.cpus_param, "maxcpus"), "maxcpus=2");
        ok(bl_is(p.blacklist, want), "blacklist e f g d");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_CMDLINE_APPEND", "nousb usbcore.nousb=off");
        capture_plan_build(s, &p);
        ok(!p.usb_disabled, "plain nousb and usbcore.nousb=off: USB stays");
        capture_plan_clear(&p);

        set_var(s, "KDUMP_CMDLINE_APPEND", "");
        set_var(s, "KDUMP_CMDLINE", "root=/x crashkernel=1G");
        free(s->arch);
        s->arch = strdup("aarch64");
        capture_plan_build(s, &p);
        is_str(p.cmdline, "root=/x crashkernel=1G reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1",
               "KDUMP_CMDLINE as is; arm64 default append");
        capture_plan_clear(&p);
        snap_free(s);
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static bool write_file(const char *dir, const char *rel, const char *text) {
        char path[4096];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        f = fopen(path, "we");
        if (!f)
                return false;
        fputs(text, f);
        return fclose(f) == 0;
}

static void test_tmp_roots(void) {
        char dir[] = "/tmp/kdv-test-capture-XXXXXX", p[4200];
        struct snapshot *s;
        struct capture_plan c = {};

        if (!mkdtemp(dir)) {
                ok(0, "mkdtemp");
                return;
        }

        s = load_root_path(dir, 4);
        ok(s && s->flavor == KDUMP_FLAVOR_NONE && s->kdump_sysconfig.state == FACT_MISSING, "empty root: no kdump");
        if (s) {
                capture_plan_build(s, &c);
                ok(!c.cmdline_known && !c.cmdline && c.cpus == 4 && !c.append_var, "no kdump: cmdline unknown, all CPUs");
                capture_plan_clear(&c);
        }
        snap_free(s);

        snprintf(p, sizeof(p), "%s/etc", dir);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/etc/default", dir);
        mkdir(p, 0755);
        write_file(dir, "etc/default/kdump-tools", "USE_KDUMP=0\n");
        s = load_root_path(dir, 4);
        ok(s && s->flavor == KDUMP_FLAVOR_DEBIAN && s->kdump_enabled_known && !s->kdump_enabled, "USE_KDUMP=0: disabled");
        snap_free(s);

        write_file(dir, "etc/default/kdump-tools", "KDUMP_COREDIR=/var/crash\n");
        s = load_root_path(dir, 4);
        ok(s && s->kdump_enabled_known && !s->kdump_enabled, "USE_KDUMP unset: disabled (kdump-config refuses)");
        snap_free(s);

        write_file(dir, "etc/default/kdump-tools", "USE_KDUMP=1\nKDUMP_CMDLINE_APPEND=\"nr_cpus=2\n");
        s = load_root_path(dir, 4);
        ok(s && s->kdump_sysconfig.state == FACT_INVALID && s->kdump_sysconfig.error.line == 2 &&
           streq_ptr(s->kdump_sysconfig.error.file, "etc/default/kdump-tools"), "unterminated quote: invalid, file:line");
        if (s) {
                capture_plan_build(s, &c);
                ok(!c.cmdline_known, "invalid configuration: cmdline unknown");
                capture_plan_clear(&c);
        }
        snap_free(s);

        snprintf(p, sizeof(p), "%s/etc/default/kdump-tools", dir);
        remove(p);
        snprintf(p, sizeof(p), "%s/etc/sysconfig", dir);
        mkdir(p, 0755);
        write_file(dir, "etc/sysconfig/kdump", "KDUMP_COMMANDLINE_APPEND=\"nr_cpus=1\"\n");
        snprintf(p, sizeof(p), "%s/etc/systemd", dir);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/etc/systemd/system", dir);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/usr", dir);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/usr/lib", dir);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/usr/lib/systemd", dir);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/usr/lib/systemd/system", dir);
        mkdir(p, 0755);
        write_file(dir, "usr/lib/systemd/system/kdump.service", "[Unit]\n");
        s = load_root_path(dir, 4);
        ok(s && s->flavor == KDUMP_FLAVOR_RHEL && s->kdump_conf.state == FACT_MISSING, "RHEL without kdump.conf");
        ok(s && s->kdump_enabled_known && !s->kdump_enabled, "installed unit without .wants link: disabled");
        snap_free(s);

        nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void) {
        test_cmdline_helpers();
        test_a_baseline();
        test_rhel();
        test_suse();
        test_debian();
        test_tmp_roots();
        return tap_done();
}
