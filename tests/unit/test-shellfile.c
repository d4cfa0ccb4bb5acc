/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shell assignment files and /etc/kdump.conf, parsed as data: every real file in
 * tests/fixtures/kdumpconf/real (copied from ../shared/fixtures/real, see PROVENANCE.md) and a
 * set of tricky or malformed inputs. */
#include "kdv/collect.h"
#include "kdv/plan.h"
#include "tap.h"

#define REAL "fixtures/kdumpconf/real/"

static int parse_str(const char *text, struct shell_file *f) {
        return shell_file_parse(text, strlen(text), "etc/sysconfig/kdump", f);
}

static const char *val(const struct shell_file *f, const char *name) {
        const struct shell_assignment *a = shell_file_get(f, name);
        return a ? a->value : NULL;
}

static int parse_real(const char *rel, struct shell_file *f) {
        size_t len = 0;
        char *text = tap_slurp(rel, &len);
        int k;

        if (!text) {
                *f = (struct shell_file) {};
                return -ENOENT;
        }
        k = shell_file_parse(text, len, rel, f);
        free(text);
        return k;
}

static int conf_real(const char *rel, struct kdump_conf *c) {
        size_t len = 0;
        char *text = tap_slurp(rel, &len);
        int k;

        if (!text) {
                *c = (struct kdump_conf) {};
                return -ENOENT;
        }
        k = kdump_conf_parse(text, len, rel, c);
        free(text);
        return k;
}

static void test_real_sysconfig(void) {
        struct shell_file f;
        const struct shell_assignment *a;

        is_int(parse_real(REAL "sysconfig/rhel-7-kexec-tools-2.0.15-33.el7-x86_64-kdump.txt", &f), 0, "rhel7 sysconfig parses");
        is_int(f.state, FACT_OK, "rhel7 state ok");
        is_int(f.n_vars, 7, "rhel7: 7 assignments");
        is_str(val(&f, "KDUMP_COMMANDLINE_APPEND"),
               "irqpoll nr_cpus=1 reset_devices cgroup_disable=memory mce=off numa=off udev.children-max=2 panic=10 rootflags=nofail acpi_no_memhotplug transparent_hugepage=never nokaslr novmcoredd",
               "rhel7 KDUMP_COMMANDLINE_APPEND exact");
        is_str(val(&f, "KDUMP_COMMANDLINE_REMOVE"), "hugepages hugepagesz slub_debug kaslr", "rhel7 REMOVE");
        is_str(val(&f, "KDUMP_COMMANDLINE"), "", "rhel7 KDUMP_COMMANDLINE is empty, not unset");
        a = shell_file_get(&f, "KDUMP_COMMANDLINE_APPEND");
        ok(a && a->line == 24 && a->last_line == 24 && !a->has_expansion, "rhel7 APPEND at line 24");
        ok(!shell_file_get(&f, "KDUMP_CPUS"), "rhel7 has no KDUMP_CPUS");
        shell_file_clear(&f);

        is_int(parse_real(REAL "sysconfig/rhel-6-kexec-tools-2.0.0-310.el6-x86_64-kdump.txt", &f), 0, "rhel6 sysconfig parses");
        is_int(f.n_vars, 8, "rhel6: 8 assignments");
        is_str(val(&f, "KDUMP_COMMANDLINE_APPEND"),
               "irqpoll nr_cpus=1 reset_devices cgroup_disable=memory mce=off acpi_no_memhotplug", "rhel6 APPEND exact");
        ok(!shell_file_get(&f, "KDUMP_COMMANDLINE_REMOVE"), "rhel6 has no REMOVE");
        is_str(val(&f, "KDUMP_BOOTDIR"), "/boot", "rhel6 KDUMP_BOOTDIR");
        shell_file_clear(&f);

        is_int(parse_real(REAL "sysconfig/fedora-kexec-tools-2.0.20-2020-x86_64-kdump.txt", &f), 0, "fedora 2020 parses");
        is_int(f.n_vars, 8, "fedora: 8 assignments");
        is_str(val(&f, "KDUMP_COMMANDLINE_APPEND"),
               "irqpoll nr_cpus=1 reset_devices cgroup_disable=memory mce=off numa=off udev.children-max=2 panic=10 acpi_no_memhotplug transparent_hugepage=never nokaslr hest_disable novmcoredd",
               "fedora APPEND exact");
        is_str(val(&f, "KDUMP_FILE_LOAD"), "on", "fedora KDUMP_FILE_LOAD");
        shell_file_clear(&f);

        is_int(parse_real(REAL "sysconfig/kdump-utils-upstream-2026-03-x86_64-kdump.generated.txt", &f), 0, "kdump-utils 2026 parses");
        is_int(f.n_vars, 9, "kdump-utils: 9 assignments");
        is_str(val(&f, "KDUMP_COMMANDLINE_APPEND"),
               "novmcoredd hugetlb_cma=0 kfence.sample_interval=0 initramfs_options=size=90% irqpoll nr_cpus=1 reset_devices cgroup_disable=memory mce=off numa=off udev.children-max=2 panic=10 acpi_no_memhotplug transparent_hugepage=never nokaslr hest_disable cma=0 pcie_ports=compat",
               "kdump-utils APPEND exact (ends in pcie_ports=compat)");
        is_str(val(&f, "KEXEC_ARGS"), "-s", "kdump-utils KEXEC_ARGS");
        shell_file_clear(&f);

        is_int(parse_real(REAL "sysconfig/opensuse-kdump-upstream-2026-04-sysconfig.kdump.in.txt", &f), 0,
               "openSUSE template with @if/@endif parses");
        is_int(f.n_vars, 32, "openSUSE: 32 assignments");
        is_str(val(&f, "KDUMP_CPUS"), "32", "openSUSE KDUMP_CPUS=32");
        a = shell_file_get(&f, "KDUMP_CPUS");
        ok(a && a->line == 67, "openSUSE KDUMP_CPUS at line 67");
        is_str(val(&f, "KDUMP_SAVEDIR"), "/var/crash", "openSUSE KDUMP_SAVEDIR");
        is_str(val(&f, "KDUMP_COMMANDLINE_APPEND"), "", "openSUSE APPEND empty");
        is_str(val(&f, "FADUMP_COMMANDLINE_APPEND"),
               "numa=off cgroup_disable=memory cma=0 kvm_cma_resv_ratio=0 hugetlb_cma=0 transparent_hugepage=never novmcoredd udev.children-max=2",
               "openSUSE fadump block inside @if is read");
        a = shell_file_get(&f, "KDUMP_SSH_IDENTITY");
        ok(a && a->line == 430 && streq(a->value, ""), "openSUSE last variable at line 430");
        shell_file_clear(&f);

        is_int(parse_real(REAL "default/debian-kdump-tools-1.10.4-kdump-tools.conf.in.txt", &f), 0, "debian kdump-tools.conf.in parses");
        is_int(f.n_vars, 4, "debian: 4 assignments");
        is_str(val(&f, "USE_KDUMP"), "1", "debian USE_KDUMP=1");
        is_str(val(&f, "KDUMP_KERNEL"), "/var/lib/kdump/vmlinuz", "debian unquoted KDUMP_KERNEL");
        is_str(val(&f, "KDUMP_COREDIR"), "/var/crash", "debian KDUMP_COREDIR");
        ok(!shell_file_get(&f, "KDUMP_CMDLINE_APPEND"), "debian: commented @KDUMP_CMDLINE_APPEND@ is not an assignment");
        shell_file_clear(&f);

        is_int(parse_real(REAL "default/velinux-kdump-tools-1.8-velinux2-kdump-tools.conf.in.txt", &f), 0, "velinux kdump-tools.conf.in parses");
        is_int(f.n_vars, 4, "velinux: 4 assignments");
        is_str(val(&f, "KDUMP_INITRD"), "/var/lib/kdump/initrd.img", "velinux KDUMP_INITRD");
        shell_file_clear(&f);

        is_int(parse_real(REAL "default/debian-kdump-tools-1.10.4-grub.d-kdump-tools.cfg.txt", &f), 0, "debian grub.d cfg parses");
        a = shell_file_get(&f, "GRUB_CMDLINE_LINUX_DEFAULT");
        ok(a && a->has_expansion && !a->value, "debian grub.d: $GRUB_CMDLINE_LINUX_DEFAULT refused, value NULL");
        shell_file_clear(&f);

        is_int(parse_real(REAL "default/velinux-kdump-tools-1.8-velinux2-grub.d-kdump-tools.cfg.txt", &f), 0, "velinux grub.d cfg parses");
        a = shell_file_get(&f, "GRUB_CMDLINE_LINUX_DEFAULT");
        ok(a && a->has_expansion && !a->value, "velinux grub.d: expansion refused");
        shell_file_clear(&f);
}

static void test_real_kdump_conf(void) {
        struct kdump_conf c;

        is_int(conf_real(REAL "kdump-conf/rhel-7-kexec-tools-2.0.15-33.el7-kdump.conf", &c), 0, "rhel7 kdump.conf parses");
        is_int(c.n_directives, 2, "rhel7 kdump.conf: 2 directives");
        is_str(kdump_conf_get(&c, "path"), "/var/crash", "rhel7 path");
        is_str(kdump_conf_get(&c, "core_collector"), "makedumpfile -l --message-level 1 -d 31", "rhel7 core_collector");
        ok(!kdump_conf_get(&c, "raw"), "rhel7: commented raw is not a directive");
        kdump_conf_clear(&c);

        is_int(conf_real(REAL "kdump-conf/rhel-6-kexec-tools-2.0.0-310.el6-kdump.conf", &c), 0, "rhel6 kdump.conf parses");
        is_str(kdump_conf_get(&c, "core_collector"), "makedumpfile -c --message-level 1 -d 31", "rhel6 core_collector");
        kdump_conf_clear(&c);

        is_int(conf_real(REAL "kdump-conf/fedora-kexec-tools-2.0.20-2020-kdump.conf", &c), 0, "fedora kdump.conf parses");
        is_int(c.n_directives, 2, "fedora: 2 directives");
        kdump_conf_clear(&c);

        is_int(conf_real(REAL "kdump-conf/kdump-utils-upstream-2026-03-x86_64-kdump.conf.generated", &c), 0, "kdump-utils kdump.conf parses");
        is_int(c.n_directives, 3, "kdump-utils: 3 directives");
        is_str(kdump_conf_get(&c, "auto_reset_crashkernel"), "yes", "kdump-utils auto_reset_crashkernel");
        kdump_conf_clear(&c);

        is_int(conf_real("fixtures/kdumpconf/roots/a-baseline/etc/kdump.conf", &c), 0, "oracle a-baseline kdump.conf parses");
        is_str(kdump_conf_get(&c, "raw"), "/dev/disk/by-id/virtio-dumpdisk", "a-baseline raw target");
        is_str(kdump_conf_get(&c, "core_collector"), "makedumpfile -F -l --message-level 7 -d 31", "a-baseline core_collector");
        kdump_conf_clear(&c);
}

static void test_tricky(void) {
        struct shell_file f;
        const struct shell_assignment *a;

        is_int(parse_str("A='x  y'\n", &f), 0, "single quotes");
        is_str(val(&f, "A"), "x  y", "single quotes keep blanks");
        shell_file_clear(&f);

        is_int(parse_str("A=\"a\\\"b\\\\c\\$d\\`e\"\n", &f), 0, "double-quote escapes");
        is_str(val(&f, "A"), "a\"b\\c$d`e", "\\\" \\\\ \\$ \\` unescaped");
        ok(!shell_file_get(&f, "A")->has_expansion, "escaped $ and ` are no expansion");
        shell_file_clear(&f);

        parse_str("A=\"a\\nb\"\n", &f);
        is_str(val(&f, "A"), "a\\nb", "backslash before other chars kept inside double quotes");
        shell_file_clear(&f);

        parse_str("A=a\\ b\\'c\n", &f);
        is_str(val(&f, "A"), "a b'c", "unquoted backslash escapes");
        shell_file_clear(&f);

        is_int(parse_str("# c\nA=\"one \\\ntwo\"\nB=1\n", &f), 0, "continuation inside double quotes");
        a = shell_file_get(&f, "A");
        ok(a && streq(a->value, "one two") && a->line == 2 && a->last_line == 3, "continuation joins, lines 2-3");
        ok(shell_file_get(&f, "B") && shell_file_get(&f, "B")->line == 4, "line counting continues after it");
        shell_file_clear(&f);

        parse_str("A=one\\\ntwo\n", &f);
        is_str(val(&f, "A"), "onetwo", "unquoted continuation");
        shell_file_clear(&f);

        parse_str("a=\"x\"'y'z\"\"\n", &f);
        is_str(val(&f, "a"), "xyz", "value concatenated from quoted parts");
        shell_file_clear(&f);

        parse_str("A=1 # trailing comment\nB=1#2\n", &f);
        is_str(val(&f, "A"), "1", "trailing comment dropped");
        is_str(val(&f, "B"), "1#2", "# inside a word is literal");
        shell_file_clear(&f);

        is_int(parse_str("export B=\"v\"\nexport C\n  export   D=w E=z\n", &f), 0, "export forms");
        ok(streq_ptr(val(&f, "B"), "v") && !shell_file_get(&f, "C") && streq_ptr(val(&f, "D"), "w") &&
           streq_ptr(val(&f, "E"), "z"), "export NAME=v recorded, export NAME alone records nothing");
        shell_file_clear(&f);

        is_int(parse_str("A=$(uname -r)\nB=\"pre ${HOME:-a b} post\"\nC=`date`\nD=$X\nE=$'\\n'\n", &f), 0,
               "expansions are not errors");
        a = shell_file_get(&f, "A");
        ok(a && a->has_expansion && !a->value, "$(...) refused");
        a = shell_file_get(&f, "B");
        ok(a && a->has_expansion && !a->value, "${...} inside double quotes refused");
        ok(shell_file_get(&f, "C") && shell_file_get(&f, "C")->has_expansion, "backticks refused");
        ok(shell_file_get(&f, "D") && shell_file_get(&f, "D")->has_expansion, "$VAR refused");
        ok(shell_file_get(&f, "E") && shell_file_get(&f, "E")->has_expansion, "$'...' refused");
        is_int(f.n_vars, 5, "all five recorded");
        shell_file_clear(&f);

        parse_str("A='$HOME `x`'\nB=\"cost 5$\"\nC=$\n", &f);
        is_str(val(&f, "A"), "$HOME `x`", "no expansion inside single quotes");
        is_str(val(&f, "B"), "cost 5$", "lone $ before the closing quote is literal");
        is_str(val(&f, "C"), "$", "lone $ is literal");
        shell_file_clear(&f);

        is_int(parse_str("A=1\nB=2\nC=\"abc\nD=4\n", &f), -EBADMSG, "unterminated double quote");
        ok(f.state == FACT_INVALID && f.error.line == 3 && f.error.message &&
           strstr(f.error.message, "unterminated double quote") && streq_ptr(f.error.file, "etc/sysconfig/kdump"),
           "error names file and the line the quote opened on");
        ok(streq_ptr(val(&f, "B"), "2") && !shell_file_get(&f, "C"), "assignments before the error kept");
        shell_file_clear(&f);

        is_int(parse_str("A=1\nB='x\n", &f), -EBADMSG, "unterminated single quote");
        is_int(f.error.line, 2, "at line 2");
        shell_file_clear(&f);

        is_int(parse_str("A=$(echo x\n", &f), -EBADMSG, "unterminated $(");
        shell_file_clear(&f);

        parse_str("K=first\nK=second\n", &f);
        a = shell_file_get(&f, "K");
        ok(a && streq(a->value, "second") && a->line == 2, "duplicate keys: last wins");
        shell_file_clear(&f);

        is_int(parse_str("A=\"x\"\r\nB=y\r\n", &f), 0, "CRLF file");
        ok(streq_ptr(val(&f, "A"), "x") && streq_ptr(val(&f, "B"), "y"), "CR before LF is not part of values");
        shell_file_clear(&f);

        is_int(parse_str("A=1\necho hi\nB=2\n", &f), -EBADMSG, "a command is not an assignment");
        ok(f.error.line == 2 && strstr(strempty(f.error.message), "not a variable assignment"),
           "error at line 2: not a variable assignment");
        ok(streq_ptr(val(&f, "B"), "2"), "parsing goes on after a command");
        shell_file_clear(&f);

        is_int(parse_str("A=1 B=2;C=3\n", &f), 0, "several assignments per line");
        ok(streq_ptr(val(&f, "A"), "1") && streq_ptr(val(&f, "B"), "2") && streq_ptr(val(&f, "C"), "3"),
           "A, B and C recorded");
        shell_file_clear(&f);

        is_int(parse_str("A=1 cmd\n", &f), -EBADMSG, "assignment prefixing a command");
        ok(!shell_file_get(&f, "A"), "its assignment is not recorded");
        shell_file_clear(&f);

        is_int(parse_str("if [ -f /x ]; then\nA=1\nfi\n", &f), -EBADMSG, "if/fi is refused");
        shell_file_clear(&f);

        is_int(parse_str("f() { A=1; }\n", &f), -EBADMSG, "function definition is refused");
        shell_file_clear(&f);

        is_int(parse_str("A=(1 2)\n", &f), -EBADMSG, "array assignment refused");
        shell_file_clear(&f);

        is_int(parse_str("A=1 | cat\n", &f), -EBADMSG, "pipe refused");
        shell_file_clear(&f);

        is_int(parse_str("1A=x\n", &f), -EBADMSG, "invalid name is a command");
        shell_file_clear(&f);

        is_int(parse_str("\x01\x02\xff\xfe=\x80\n\x7f\x1b[0m\n", &f), -EBADMSG, "binary junk is invalid, no crash");
        shell_file_clear(&f);

        is_int(shell_file_parse("A=1\0B=2\n", 8, "x", &f), -EBADMSG, "NUL byte refused");
        is_int(f.state, FACT_INVALID, "NUL: invalid");
        shell_file_clear(&f);

        is_int(parse_str("", &f), 0, "empty file");
        is_int(f.n_vars, 0, "no assignments");
        shell_file_clear(&f);

        parse_str("A=\nB=\"\"\nC=''\n", &f);
        ok(streq_ptr(val(&f, "A"), "") && streq_ptr(val(&f, "B"), "") && streq_ptr(val(&f, "C"), ""),
           "empty values");
        shell_file_clear(&f);

        parse_str("A=x\nA+=y\n", &f);
        a = shell_file_get(&f, "A");
        ok(a && a->has_expansion && !a->value && a->line == 2, "A+= is refused like an expansion");
        shell_file_clear(&f);

        parse_str("A=~/x\nB=x~\n", &f);
        ok(shell_file_get(&f, "A")->has_expansion && streq_ptr(val(&f, "B"), "x~"), "leading ~ is an expansion, inner ~ literal");
        shell_file_clear(&f);

        parse_str("A=\"line1\nline2\"\nB=1\n", &f);
        a = shell_file_get(&f, "A");
        ok(a && streq(a->value, "line1\nline2") && a->line == 1 && a->last_line == 2, "newline inside quotes");
        shell_file_clear(&f);

        is_int(parse_str("@if @HAVE_X@ TRUE\nA=1\n@endif\n", &f), 0, "SUSE template directives skipped");
        shell_file_clear(&f);

        is_int(parse_str("@foo\n", &f), -EBADMSG, "other @words are commands");
        shell_file_clear(&f);

        is_int(parse_str("A=1 \\\n B=2\n", &f), 0, "continuation between assignments");
        ok(streq_ptr(val(&f, "B"), "2") && shell_file_get(&f, "B")->line == 1, "B belongs to the statement of line 1");
        shell_file_clear(&f);
}

static void test_kdump_conf_tricky(void) {
        struct kdump_conf c;
        const char *t;

        t = "raw /dev/sda  # comment\npath \"/var/my crash\"\n\t core_collector   makedumpfile -l  \r\n"
            "path /b\nforce_rebuild\ndracut_args --omit-drivers \"a b\" --add-drivers x#y\n";
        is_int(kdump_conf_parse(t, strlen(t), "etc/kdump.conf", &c), 0, "tricky kdump.conf parses");
        is_str(kdump_conf_get(&c, "raw"), "/dev/sda", "trailing comment stripped");
        is_str(kdump_conf_get(&c, "path"), "/b", "last occurrence wins");
        is_str(c.directives[1].value, "/var/my crash", "surrounding quotes removed");
        is_str(kdump_conf_get(&c, "core_collector"), "makedumpfile -l", "blanks and CR trimmed");
        is_str(kdump_conf_get(&c, "force_rebuild"), "", "directive without value");
        is_str(kdump_conf_get(&c, "dracut_args"), "--omit-drivers \"a b\" --add-drivers x",
               "inner quotes kept; # anywhere starts a comment (as kdump-utils' sed does)");
        is_int(c.directives[5].line, 6, "line numbers");
        kdump_conf_clear(&c);

        t = "path /x\n\"raw\" /dev/sda\nssh a@b\n";
        is_int(kdump_conf_parse(t, strlen(t), "etc/kdump.conf", &c), -EBADMSG, "quoted directive refused");
        ok(c.state == FACT_INVALID && c.error.line == 2 && streq_ptr(c.error.file, "etc/kdump.conf"), "error at line 2");
        is_str(kdump_conf_get(&c, "ssh"), "a@b", "other lines still read");
        kdump_conf_clear(&c);

        is_int(kdump_conf_parse("path /x\0y\n", 10, "etc/kdump.conf", &c), -EBADMSG, "NUL refused");
        kdump_conf_clear(&c);

        /* kdumpctl check_config: one dump target only ("More than one dump targets specified") */
        t = "path /var/crash; rm -rf /\nnfs $(hostname):/export\nssh `id`@host\n";
        is_int(kdump_conf_parse(t, strlen(t), "etc/kdump.conf", &c), -EBADMSG, "two dump targets refused");
        ok(c.state == FACT_INVALID && c.error.line == 3 && c.error.message &&
           strstr(c.error.message, "More than one dump targets") && strstr(c.error.message, "line 2"),
           "second target: error at its line, names the first");
        is_str(kdump_conf_get(&c, "nfs"), "$(hostname):/export", "values are data, never evaluated");
        kdump_conf_clear(&c);

        t = "xfs UUID=1234\ndracut_args --mount \"/dev/sdb /mnt xfs defaults\"\n";
        is_int(kdump_conf_parse(t, strlen(t), "etc/kdump.conf", &c), -EBADMSG, "dracut_args --mount is a second target");
        is_int(c.error.line, 2, "dracut_args --mount: line 2");
        kdump_conf_clear(&c);

        t = "ssh user@host\nsshkey /root/.ssh/kdump_id_rsa\npath /var/crash\ndracut_args --omit-drivers \"a b\"\n";
        is_int(kdump_conf_parse(t, strlen(t), "etc/kdump.conf", &c), 0, "one target with sshkey, path, dracut_args: fine");
        kdump_conf_clear(&c);

        t = "path /var/crash\ndracut_args --omit-drivers \"i40e\n";
        is_int(kdump_conf_parse(t, strlen(t), "etc/kdump.conf", &c), -EBADMSG, "unbalanced quote in dracut_args refused");
        ok(c.state == FACT_INVALID && c.error.line == 2 && c.error.message && strstr(c.error.message, "unbalanced"),
           "unbalanced quote: error at line 2");
        kdump_conf_clear(&c);
}

/* Random inputs from shell-special characters: never crash, always 0 or -EBADMSG. */
static void test_fuzz(void) {
        static const char alphabet[] = "AB_=\"'\\$`(){}|;#\n \t\r~+@x1-";
        unsigned seed = 12345, bad = 0;

        for (unsigned i = 0; i < 5000; i++) {
                char buf[64];
                size_t n;
                struct shell_file f;
                struct kdump_conf c;
                int k;

                seed = seed * 1103515245u + 12345u;
                n = (seed >> 16) % sizeof(buf);
                for (size_t j = 0; j < n; j++) {
                        seed = seed * 1103515245u + 12345u;
                        buf[j] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
                }
                k = shell_file_parse(buf, n, "f", &f);
                if (k != 0 && k != -EBADMSG)
                        bad++;
                if ((k == 0) != (f.state == FACT_OK))
                        bad++;
                for (size_t v = 0; v < f.n_vars; v++)
                        if (!f.vars[v].name || (!f.vars[v].value) != f.vars[v].has_expansion ||
                            f.vars[v].last_line < f.vars[v].line)
                                bad++;
                shell_file_clear(&f);
                k = kdump_conf_parse(buf, n, "c", &c);
                if (k != 0 && k != -EBADMSG)
                        bad++;
                kdump_conf_clear(&c);
        }
        is_int(bad, 0, "5000 random inputs: consistent results, no crash");
}

int main(void) {
        test_real_sysconfig();
        test_real_kdump_conf();
        test_tricky();
        test_kdump_conf_tricky();
        test_fuzz();
        return tap_done();
}
