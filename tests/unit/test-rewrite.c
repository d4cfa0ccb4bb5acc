/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The config rewriter: planning on a real machine (oracle b-blk-enospc: the virtio_blk dump disk
 * fails with -28 at nr_cpus=1) seen through RHEL, Debian and SUSE configurations and several
 * policies; editing real and odd files; the whitelist; the atomic write under fault injection
 * (every system call failed in turn with ENOSPC/EIO/EROFS/EACCES, and the writer SIGKILLed before
 * each call). */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kdv/collect.h"
#include "kdv/findings.h"
#include "kdv/plan.h"
#include "kdv/policy.h"
#include "kdv/rewrite.h"
#include "kdv/root.h"
#include "tap.h"

#define INCIDENT "fixtures/oracle/b-blk-enospc/root"

static struct snapshot *incident;

static struct snapshot *collect(const char *root) {
        static char table[4096];
        const char *conf = getenv("KDV_CONF_DIR");
        struct collect_options o = { .root = root };
        struct snapshot *s = NULL;

        if (conf) {
                snprintf(table, sizeof(table), "%s/drivers.conf", conf);
                o.driver_table = table;
        }
        if (snapshot_collect(&o, &s) < 0)
                return NULL;
        return s;
}

/* Plan for the incident machine with TEXT as its kdump configuration, as FLAVOR. */
static int plan_for(enum kdump_flavor flavor, const char *path, const char *text, const struct policy *pol,
                    struct rewrite_plan *rp) {
        struct snapshot copy = *incident;
        struct plan p = {};
        struct findings f = {};
        int k;

        copy.flavor = flavor;
        k = shell_file_parse(text, strlen(text), path, &copy.kdump_sysconfig);
        if (k == -ENOMEM)
                return k;
        k = plan_build(&copy, &p);
        if (k >= 0)
                k = findings_build(&copy, &p, NULL, &f);
        if (k >= 0)
                k = rewrite_plan_change(&copy, &p, &f, pol, text, strlen(text), rp);
        findings_clear(&f);
        plan_clear(&p);
        shell_file_clear(&copy.kdump_sysconfig);
        return k;
}

static const char *edit_value(const struct rewrite_plan *rp, const char *var) {
        for (size_t i = 0; i < rp->n_edits; i++)
                if (streq(rp->edits[i].variable, var))
                        return rp->edits[i].new_value;
        return NULL;
}

/* The lines that differ between old and new text: the new text minus the old must be exactly
 * the lines containing WANT. */
static bool only_line_changed(const struct rewrite_plan *rp, const char *want_line) {
        const char *a = rp->old_text, *b = rp->new_text;
        size_t pa = 0, pb = 0;

        /* common prefix / suffix in bytes, then the changed part of the new text must be a
         * substring of WANT's line */
        while (pa < rp->old_len && pa < rp->new_len && a[pa] == b[pa])
                pa++;
        while (pb < rp->old_len - pa && pb < rp->new_len - pa && a[rp->old_len - 1 - pb] == b[rp->new_len - 1 - pb])
                pb++;
        {
                /* the new line around the change */
                size_t s = pa, e = rp->new_len - pb;
                while (s > 0 && b[s - 1] != '\n')
                        s--;
                while (e < rp->new_len && b[e] != '\n')
                        e++;
                return e - s == strlen(want_line) && strncmp(b + s, want_line, e - s) == 0;
        }
}

static void test_planning(void) {
        _cleanup_free_ char *rhel = tap_slurp(INCIDENT "/etc/sysconfig/kdump", NULL);
        _cleanup_free_ char *deb = tap_slurp("fixtures/rewrite/debian-default-kdump-tools", NULL);
        _cleanup_free_ char *suse = tap_slurp("fixtures/rewrite/suse-sysconfig-kdump-cpus1", NULL);
        struct policy pol;
        struct rewrite_plan rp = {};
        int k;

        ok(rhel && deb && suse, "fixtures read");
        if (!rhel || !deb || !suse)
                return;

        /* RHEL, default policy: keep virtio_net out (DESIGN §5 order: blacklist first) */
        policy_init(&pol);
        k = plan_for(KDUMP_FLAVOR_RHEL, "etc/sysconfig/kdump", rhel, &pol, &rp);
        is_int(k, 1, "RHEL incident: a change is planned");
        is_str(edit_value(&rp, "KDUMP_COMMANDLINE_APPEND"), "irqpoll nr_cpus=1 reset_devices rd.driver.blacklist=virtio_net",
               "RHEL: rd.driver.blacklist=virtio_net appended to KDUMP_COMMANDLINE_APPEND");
        ok(rp.blacklisted && rp.blacklisted[0] && streq(rp.blacklisted[0], "virtio_net") && !rp.blacklisted[1],
           "RHEL: exactly virtio_net kept out (never virtio_blk/virtio_pci: the dump path)");
        ok(only_line_changed(&rp, "KDUMP_COMMANDLINE_APPEND=\"irqpoll nr_cpus=1 reset_devices rd.driver.blacklist=virtio_net\""),
           "RHEL: only that line changed, quote kept");
        rewrite_plan_clear(&rp);
        policy_clear(&pol);

        /* policy forbids virtio_net: another module off the dump path, never virtio_net */
        policy_init(&pol);
        pol.never_blacklist = calloc(2, sizeof(char *));
        pol.never_blacklist[0] = strdup("virtio_net");
        k = plan_for(KDUMP_FLAVOR_RHEL, "etc/sysconfig/kdump", rhel, &pol, &rp);
        is_int(k, 1, "never_blacklist=virtio_net: a change is planned");
        ok(k == 1 && !strstr(strempty(edit_value(&rp, "KDUMP_COMMANDLINE_APPEND")), "virtio_net") &&
           !strstr(strempty(edit_value(&rp, "KDUMP_COMMANDLINE_APPEND")), "virtio_blk"),
           "never_blacklist=virtio_net honoured, dump path untouched: %s", strempty(edit_value(&rp, "KDUMP_COMMANDLINE_APPEND")));
        rewrite_plan_clear(&rp);
        policy_clear(&pol);

        /* never_blacklist = "*": raise the CPUs just enough (min_cpus 2 on this machine) */
        policy_init(&pol);
        pol.never_blacklist = calloc(2, sizeof(char *));
        pol.never_blacklist[0] = strdup("*");
        k = plan_for(KDUMP_FLAVOR_RHEL, "etc/sysconfig/kdump", rhel, &pol, &rp);
        is_int(k, 1, "never_blacklist=*: a change is planned");
        is_str(edit_value(&rp, "KDUMP_COMMANDLINE_APPEND"), "irqpoll nr_cpus=2 reset_devices",
               "never_blacklist=*: nr_cpus=1 replaced by nr_cpus=2 in place");
        is_int(rp.cpus_after, 2, "capture CPUs 1 → 2");
        ok(!rp.blacklisted, "nothing blacklisted");
        rewrite_plan_clear(&rp);

        /* ... and max_capture_cpus=1: nothing fits, refused with a message */
        pol.max_capture_cpus = 1;
        k = plan_for(KDUMP_FLAVOR_RHEL, "etc/sysconfig/kdump", rhel, &pol, &rp);
        is_int(k, -ERANGE, "max_capture_cpus=1 and nothing may be blacklisted: refused (-ERANGE)");
        ok(!rp.change && rp.message && strstr(rp.message, "No safe change") && strstr(rp.message, "max_capture_cpus=1"),
           "refusal names the policy reason: %s", strempty(rp.message));
        rewrite_plan_clear(&rp);
        policy_clear(&pol);

        /* a tight reservation: at 2 CPUs the estimate no longer fits → refused, crashkernel advice */
        {
                struct snapshot copy = *incident;
                struct plan p0 = {}, p1 = {};
                struct findings f1 = {};
                struct rewrite_plan r2 = {};

                policy_init(&pol);
                pol.never_blacklist = calloc(2, sizeof(char *));
                pol.never_blacklist[0] = strdup("*");
                plan_build(incident, &p0);
                copy.iomem.state = FACT_MISSING;        /* the reservation from kexec_crash_size */
                copy.kexec.crash_size_state = FACT_OK;
                copy.kexec.crash_size = p0.memory.estimate + 512 * 1024;
                plan_build(&copy, &p1);
                findings_build(&copy, &p1, NULL, &f1);
                k = rewrite_plan_change(&copy, &p1, &f1, &pol, rhel, strlen(rhel), &r2);
                is_int(k, -ERANGE, "reservation fits 1 CPU only: nr_cpus=2 refused");
                ok(r2.advice && strstr(r2.advice, "crashkernel=") && strstr(r2.advice, "reboot"),
                   "advice: %s", strempty(r2.advice));
                rewrite_plan_clear(&r2);
                findings_clear(&f1);
                plan_clear(&p1);
                plan_clear(&p0);
                policy_clear(&pol);
        }

        /* allow_blacklist that does not list virtio_net */
        policy_init(&pol);
        pol.allow_blacklist = calloc(2, sizeof(char *));
        pol.allow_blacklist[0] = strdup("i40e");
        k = plan_for(KDUMP_FLAVOR_RHEL, "etc/sysconfig/kdump", rhel, &pol, &rp);
        is_str(k == 1 ? edit_value(&rp, "KDUMP_COMMANDLINE_APPEND") : rp.message, "irqpoll nr_cpus=2 reset_devices",
               "allow_blacklist=i40e only: CPUs instead");
        rewrite_plan_clear(&rp);
        policy_clear(&pol);

        /* Debian: KDUMP_CMDLINE_APPEND unset → new line with the default kept, module_blacklist= */
        policy_init(&pol);
        k = plan_for(KDUMP_FLAVOR_DEBIAN, "etc/default/kdump-tools", deb, &pol, &rp);
        is_int(k, 1, "Debian incident: a change is planned");
        is_str(edit_value(&rp, "KDUMP_CMDLINE_APPEND"),
               "reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb module_blacklist=virtio_net",
               "Debian: default append kept, module_blacklist=virtio_net added");
        ok(rp.new_len > rp.old_len && memcmp(rp.old_text, rp.new_text, rp.old_len) == 0,
           "Debian: the original bytes are a prefix of the new file (appended at the end)");
        rewrite_plan_clear(&rp);

        /* SUSE: KDUMP_CPUS=1; the dump target cannot be traced from KDUMP_SAVEDIR in this tree,
         * so no module is provably off the dump path: CPUs via KDUMP_CPUS */
        k = plan_for(KDUMP_FLAVOR_SUSE, "etc/sysconfig/kdump", suse, &pol, &rp);
        if (k == 1 && edit_value(&rp, "KDUMP_CPUS"))
                is_str(edit_value(&rp, "KDUMP_CPUS"), "2", "SUSE: KDUMP_CPUS=1 → 2");
        else
                is_str(edit_value(&rp, "KDUMP_COMMANDLINE_APPEND"), "rd.driver.blacklist=virtio_net",
                       "SUSE: rd.driver.blacklist in KDUMP_COMMANDLINE_APPEND");
        ok(k != 1 || only_line_changed(&rp, edit_value(&rp, "KDUMP_CPUS") ? "KDUMP_CPUS=2" :
                                        "KDUMP_COMMANDLINE_APPEND=\"rd.driver.blacklist=virtio_net\""),
           "SUSE: one line changed, unquoted value stays unquoted");
        rewrite_plan_clear(&rp);
        policy_clear(&pol);
}

static void test_editing(void) {
        static const struct {
                const char *file;
                int want;
                const char *line;       /* the changed line, NULL if refused */
        } cases[] = {
                { "rhel-single-quotes", 1, "KDUMP_COMMANDLINE_APPEND='irqpoll nr_cpus=1 reset_devices rd.driver.blacklist=virtio_net'" },
                { "rhel-export-comment", 1, "  export KDUMP_COMMANDLINE_APPEND=\"irqpoll  nr_cpus=1 reset_devices rd.driver.blacklist=virtio_net\"   # set by the installer" },
                { "rhel-rd-blacklist", 1, "KDUMP_COMMANDLINE_APPEND=\"irqpoll nr_cpus=1 rd.driver.blacklist=floppy,virtio_net reset_devices\"" },
                { "rhel-no-newline", 1, "KDUMP_COMMANDLINE_APPEND=\"irqpoll nr_cpus=1 reset_devices rd.driver.blacklist=virtio_net\"" },
                { "rhel-shared-line", -EBADMSG, NULL },
                { "rhel-semicolon-value", -EILSEQ, NULL },
        };
        struct policy pol;

        policy_init(&pol);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char rel[256];
                _cleanup_free_ char *text = NULL;
                struct rewrite_plan rp = {};
                int k;

                snprintf(rel, sizeof(rel), "fixtures/rewrite/%s", cases[i].file);
                text = tap_slurp(rel, NULL);
                k = text ? plan_for(KDUMP_FLAVOR_RHEL, "etc/sysconfig/kdump", text, &pol, &rp) : -EIO;
                is_int(k, cases[i].want, cases[i].file);
                if (cases[i].line)
                        ok(k == 1 && only_line_changed(&rp, cases[i].line), "%s: only the assignment changed, "
                           "its quoting, prefix and comment kept", cases[i].file);
                else
                        ok(!rp.change && !rp.new_text && rp.message, "%s: refused: %s", cases[i].file, strempty(rp.message));
                rewrite_plan_clear(&rp);
        }

        /* continuation: the value spans 3 lines; the assignment is rewritten on one line */
        {
                _cleanup_free_ char *text = tap_slurp("fixtures/rewrite/rhel-continuation", NULL);
                struct rewrite_plan rp = {};
                int k = text ? plan_for(KDUMP_FLAVOR_RHEL, "etc/sysconfig/kdump", text, &pol, &rp) : -EIO;
                is_int(k, 1, "continuation lines: change planned");
                ok(k == 1 && rp.new_len == rp.old_len - strlen("\\\n\\\n") + strlen(" rd.driver.blacklist=virtio_net") &&
                   strstr(rp.new_text, "KDUMP_COMMANDLINE_APPEND=\"irqpoll nr_cpus=1 reset_devices rd.driver.blacklist=virtio_net\"\n"),
                   "continuation lines joined into one assignment, nothing else changed");
                rewrite_plan_clear(&rp);
        }

        /* nothing to do: the incident with nr_cpus=2 already */
        {
                const char *t = "KDUMP_COMMANDLINE_APPEND=\"irqpoll nr_cpus=2 reset_devices\"\n";
                struct rewrite_plan rp = {};
                is_int(plan_for(KDUMP_FLAVOR_RHEL, "etc/sysconfig/kdump", t, &pol, &rp), 0, "nr_cpus=2 already: nothing to do");
                ok(!rp.change && rp.message && strstr(rp.message, "Nothing to do"), "message: %s", strempty(rp.message));
                rewrite_plan_clear(&rp);
        }
        /* the variable uses an expansion: the command line is unknown, refused */
        {
                const char *t = "KDUMP_COMMANDLINE_APPEND=\"irqpoll nr_cpus=1 reset_devices\"\n"
                                "KDUMP_COMMANDLINE_REMOVE=\"$FOO quiet\"\n";
                struct rewrite_plan rp = {};
                int k = plan_for(KDUMP_FLAVOR_RHEL, "etc/sysconfig/kdump", t, &pol, &rp);
                ok(k == -ENODATA && !rp.change, "$-expansion in KDUMP_COMMANDLINE_REMOVE: command line unknown, refused (%d: %s)", k, strempty(rp.message));
                rewrite_plan_clear(&rp);
        }

        /* the diff of the incident */
        {
                _cleanup_free_ char *text = tap_slurp(INCIDENT "/etc/sysconfig/kdump", NULL);
                struct rewrite_plan rp = {};
                struct strbuf d = {};
                int k = plan_for(KDUMP_FLAVOR_RHEL, "etc/sysconfig/kdump", text, &pol, &rp);
                if (k == 1)
                        rewrite_format_diff(&rp, &d);
                is_str(d.buf,
                       "--- a/etc/sysconfig/kdump\n+++ b/etc/sysconfig/kdump\n@@ -21,7 +21,7 @@\n \n"
                       " # This variable lets us append arguments to the current kdump commandline\n"
                       " # after processed by KDUMP_COMMANDLINE_REMOVE\n"
                       "-KDUMP_COMMANDLINE_APPEND=\"irqpoll nr_cpus=1 reset_devices\"\n"
                       "+KDUMP_COMMANDLINE_APPEND=\"irqpoll nr_cpus=1 reset_devices rd.driver.blacklist=virtio_net\"\n"
                       " \n"
                       " # This variable lets us append arguments to fadump (powerpc) capture kernel,\n"
                       " # further to the parameters passed via the bootloader.\n",
                       "unified diff of the incident");
                strbuf_done(&d);
                rewrite_plan_clear(&rp);
        }
        policy_clear(&pol);
}

static bool safe_byte_class(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c && strchr("_.,=:/+@%- ", c));
}

/* No input makes it write outside the whitelist: hostile existing values, hostile module names. */
static void test_whitelist(void) {
        static const char *const bad[] = {
                "a;reboot", "$(id)", "`id`", "a|b", "a&b", "a>b", "a<b", "'", "\"", "\\", "a\tb", "a\nb",
                "*", "?", "[a]", "{a}", "~root", "#x", "!x", "a b\x01", "\xc3\xa9", "a  b\r",
        };
        static const char *const good[] = { "irqpoll nr_cpus=1 reset_devices", "console=ttyS0,115200n8",
                                            "root=UUID=ab-12 rd.lvm.lv=vg/root", "" };
        unsigned survived = 0, tried = 0;
        struct policy pol;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(!rewrite_value_is_safe(bad[i]), "value refused: %zu", i);
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ok(rewrite_value_is_safe(good[i]), "value accepted: %s", good[i]);
        ok(rewrite_word_is_strict("rd.driver.blacklist=virtio_net,i40e") && rewrite_word_is_strict("nr_cpus=2") &&
           !rewrite_word_is_strict("nr_cpus=$X") && !rewrite_word_is_strict("A=1") && !rewrite_word_is_strict(""),
           "strict words: [a-z0-9_.,=-] only");
        ok(rewrite_driver_name_is_safe("mpt3sas") && !rewrite_driver_name_is_safe("virtio-net") &&
           !rewrite_driver_name_is_safe("a;b") && !rewrite_driver_name_is_safe("A") &&
           !rewrite_driver_name_is_safe("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
           "driver names: [a-z0-9_], at most 55");

        /* every byte 1..255 spliced into the existing value: the planner either refuses or
         * writes a value that passes the whitelist and parses back to itself */
        policy_init(&pol);
        for (int c = 1; c < 256; c++) {
                char text[256];
                struct rewrite_plan rp = {};
                int k;

                if (c == '\n' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                        continue;
                snprintf(text, sizeof(text), "KDUMP_COMMANDLINE_APPEND='irqpoll nr_cpus=1 x%cy reset_devices'\n", c);
                if (c == '\'')
                        continue;       /* would end the quote: a different (malformed) file */
                k = plan_for(KDUMP_FLAVOR_RHEL, "etc/sysconfig/kdump", text, &pol, &rp);
                tried++;
                if (k <= 0)
                        survived += !rp.change && !rp.new_text;
                else {
                        const char *v = edit_value(&rp, "KDUMP_COMMANDLINE_APPEND");
                        struct shell_file f = {};
                        shell_file_parse(rp.new_text, rp.new_len, "x", &f);
                        const struct shell_assignment *a = shell_file_get(&f, "KDUMP_COMMANDLINE_APPEND");
                        survived += v && rewrite_value_is_safe(v) && a && a->value && streq(a->value, v) &&
                                    safe_byte_class(c);
                        shell_file_clear(&f);
                }
                rewrite_plan_clear(&rp);
        }
        is_int(survived, tried, "every non-alphanumeric byte in an existing value: refused, or written only when whitelisted");
        printf("# whitelist: %u hostile bytes tried\n", tried);
        policy_clear(&pol);
}

/* ---- the write path under fault injection ---- */

enum call { C_OPENAT, C_WRITE, C_FSYNC, C_FCHOWN, C_FCHMOD, C_FGETXATTR, C_FSETXATTR, C_RENAMEAT, C_UNLINKAT, C_FLOCK };
static const char *const call_name[] = { "openat", "write", "fsync", "fchown", "fchmod", "fgetxattr",
                                         "fsetxattr", "renameat", "unlinkat", "flock" };

struct inject {
        unsigned n;             /* calls so far */
        unsigned fail_at;       /* fail this call (1-based), 0 = none */
        int err;
        bool kill;              /* SIGKILL ourselves instead of failing */
        enum call seen[256];
};
static struct inject inj;

static bool fault(enum call c) {
        inj.n++;
        if (inj.n <= ELEMENTSOF(inj.seen))
                inj.seen[inj.n - 1] = c;
        if (inj.fail_at && inj.n == inj.fail_at) {
                if (inj.kill)
                        raise(SIGKILL);
                errno = inj.err;
                return true;
        }
        return false;
}

static int f_openat(int d, const char *p, int fl, mode_t m) { return fault(C_OPENAT) ? -1 : openat(d, p, fl, m); }
static ssize_t f_write(int fd, const void *b, size_t n) {
        /* short writes: one byte at most 7 times, then the rest (exercises the write loop) */
        if (fault(C_WRITE))
                return -1;
        return write(fd, b, n > 1 && inj.n % 2 ? n / 2 : n);
}
static int f_fsync(int fd) { return fault(C_FSYNC) ? -1 : fsync(fd); }
static int f_fchown(int fd, uid_t u, gid_t g) { return fault(C_FCHOWN) ? -1 : fchown(fd, u, g); }
static int f_fchmod(int fd, mode_t m) { return fault(C_FCHMOD) ? -1 : fchmod(fd, m); }
static ssize_t f_fgetxattr(int fd, const char *n, void *v, size_t s) {
        return fault(C_FGETXATTR) ? -1 : atomic_file_syscalls_default()->fgetxattr(fd, n, v, s);
}
static int f_fsetxattr(int fd, const char *n, const void *v, size_t s, int fl) {
        return fault(C_FSETXATTR) ? -1 : atomic_file_syscalls_default()->fsetxattr(fd, n, v, s, fl);
}
static int f_renameat(int a, const char *b, int c, const char *d) { return fault(C_RENAMEAT) ? -1 : renameat(a, b, c, d); }
static int f_unlinkat(int d, const char *p, int fl) { return fault(C_UNLINKAT) ? -1 : unlinkat(d, p, fl); }
static int f_flock(int fd, int op) { return fault(C_FLOCK) ? -1 : atomic_file_syscalls_default()->flock(fd, op); }

static const struct atomic_file_syscalls faulty = {
        .openat = f_openat, .write = f_write, .fsync = f_fsync, .fchown = f_fchown, .fchmod = f_fchmod,
        .fgetxattr = f_fgetxattr, .fsetxattr = f_fsetxattr, .renameat = f_renameat, .unlinkat = f_unlinkat,
        .flock = f_flock,
};

static const char OLD[] = "# kdump config\nKDUMP_COMMANDLINE_APPEND=\"irqpoll nr_cpus=1 reset_devices\"\nKEXEC_ARGS=\"-s\"\n";
static const char NEW[] = "# kdump config\nKDUMP_COMMANDLINE_APPEND=\"irqpoll nr_cpus=1 reset_devices rd.driver.blacklist=virtio_net\"\nKEXEC_ARGS=\"-s\"\n";

static char tmproot[] = "/dev/shm/kdv-test-rewrite.XXXXXX";

static int sh(const char *fmt, ...) _printf_(1, 2);
static int sh(const char *fmt, ...) {
        char cmd[4096];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        return system(cmd);
}

/* A fresh root: etc/sysconfig/kdump = OLD (0640 root), run/lock/kdump. */
static void fresh_root(void) {
        char p[4200];
        FILE *f;

        sh("rm -rf %s/etc %s/run && mkdir -p %s/etc/sysconfig %s/run/lock && : > %s/run/lock/kdump",
           tmproot, tmproot, tmproot, tmproot, tmproot);
        snprintf(p, sizeof(p), "%s/etc/sysconfig/kdump", tmproot);
        f = fopen(p, "we");
        fputs(OLD, f);
        fclose(f);
        chmod(p, 0640);
}

static char *slurp_abs(const char *rel) {
        char p[4200];
        _cleanup_close_ int fd = -1;
        char *t = NULL;
        size_t l;

        snprintf(p, sizeof(p), "%s/%s", tmproot, rel);
        fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        {
                _cleanup_close_ int d = open(tmproot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct file_identity id;
                if (atomic_file_read(d, rel, 1 << 20, &t, &l, &id) < 0)
                        return NULL;
        }
        return t;
}

static unsigned temp_files(void) {
        char cmd[4200];
        FILE *f;
        unsigned n = 0;
        char line[512];

        snprintf(cmd, sizeof(cmd), "ls -A %s/etc/sysconfig", tmproot);
        f = popen(cmd, "r");
        while (f && fgets(line, sizeof(line), f))
                if (line[0] == '.')
                        n++;
        if (f)
                pclose(f);
        return n;
}

/* Run one write of OLD → NEW with the injection set up; returns k, *replaced. */
static int run_write(bool *replaced) {
        struct root r = { .fd = -1 };
        struct rewrite_plan p = {};
        _cleanup_close_ int d = -1;
        int k;

        if (root_open(tmproot, &r) < 0)
                return -EIO;
        p.change = true;
        p.path = strdup("etc/sysconfig/kdump");
        p.new_text = strdup(NEW);
        p.new_len = strlen(NEW);
        d = root_openat(&r, "etc/sysconfig", O_RDONLY | O_DIRECTORY);
        k = atomic_file_read(d, "kdump", 1 << 20, &p.old_text, &p.old_len, &p.id);
        p.have_id = k >= 0;
        inj.n = 0;
        k = rewrite_write(&r, &p, &faulty, replaced);
        rewrite_plan_clear(&p);
        root_close(&r);
        return k;
}

static void test_atomic_faults(void) {
        static const int errs[] = { ENOSPC, EIO, EROFS, EACCES };
        unsigned n_calls, survived = 0, injected = 0, killed_ok = 0, kills = 0;
        bool replaced;
        int k;

        if (access("/dev/shm", W_OK) < 0)      /* tmpfs keeps the ~200 fsyncs fast; else /tmp */
                memcpy(tmproot, "/tmp/kdv-test-rewrite.XXXXXX", sizeof("/tmp/kdv-test-rewrite.XXXXXX"));
        ok(mkdtemp(tmproot) != NULL, "temp root %s", tmproot);

        /* clean run: count the calls */
        fresh_root();
        inj = (struct inject) {};
        k = run_write(&replaced);
        n_calls = inj.n;
        is_int(k, 0, "clean write succeeds");
        ok(replaced, "replaced");
        {
                _cleanup_free_ char *t = slurp_abs("etc/sysconfig/kdump"), *b = slurp_abs("etc/sysconfig/kdump.kdump-validator~");
                struct stat st;
                char p[4200];
                is_str(t, NEW, "new content in place");
                is_str(b, OLD, "backup holds the old content");
                snprintf(p, sizeof(p), "%s/etc/sysconfig/kdump", tmproot);
                ok(stat(p, &st) == 0 && (st.st_mode & 07777) == 0640 && st.st_uid == 0, "mode 0640 and owner kept");
                is_int(temp_files(), 0, "no temp file left");
        }
        {
                struct strbuf sb = {};
                for (unsigned i = 0; i < n_calls && i < ELEMENTSOF(inj.seen); i++)
                        strbuf_printf(&sb, "%s%s", i ? " " : "", call_name[inj.seen[i]]);
                printf("# write path: %u calls: %s\n", n_calls, strempty(sb.buf));
                ok(n_calls >= 15, "the write path has its calls in the table (%u)", n_calls);
                strbuf_done(&sb);
        }

        /* each call fails in turn, with each errno */
        for (unsigned at = 1; at <= n_calls; at++)
                for (size_t e = 0; e < ELEMENTSOF(errs); e++) {
                        _cleanup_free_ char *t = NULL, *b = NULL;
                        bool good;

                        fresh_root();
                        sh("rm -f %s/etc/sysconfig/kdump.kdump-validator~", tmproot);
                        inj = (struct inject) { .fail_at = at, .err = errs[e] };
                        k = run_write(&replaced);
                        injected++;
                        t = slurp_abs("etc/sysconfig/kdump");
                        b = slurp_abs("etc/sysconfig/kdump.kdump-validator~");
                        if (replaced)   /* failed after the rename: new content and the backup there */
                                good = t && streq(t, NEW) && b && streq(b, OLD) && (k == 0 || k == -errs[e]);
                        else if (k == -errs[e])
                                good = t && streq(t, OLD) && (!b || streq(b, OLD)) && temp_files() == 0;
                        else    /* the failed call did not matter (xattr read: no label) */
                                good = k == 0 && t && streq(t, NEW) && b && streq(b, OLD);
                        if (good)
                                survived++;
                        else
                                printf("# FAIL: %s #%u with %s: k=%d replaced=%d content=%s backup=%s\n",
                                       call_name[inj.seen[at - 1]], at, strerror(errs[e]), k, replaced,
                                       t ? (streq(t, OLD) ? "old" : streq(t, NEW) ? "new" : "TORN") : "missing",
                                       b ? (streq(b, OLD) ? "old" : "OTHER") : "none");
                }
        is_int(survived, injected, "every injected failure leaves the complete old or new file (backup there when new)");

        /* SIGKILL before each call */
        for (unsigned at = 1; at <= n_calls + 1; at++) {
                _cleanup_free_ char *t = NULL, *b = NULL;
                pid_t pid;
                int st;

                fresh_root();
                sh("rm -f %s/etc/sysconfig/kdump.kdump-validator~", tmproot);
                fflush(stdout);
                pid = fork();
                if (pid == 0) {
                        inj = (struct inject) { .fail_at = at, .kill = true };
                        _exit(run_write(&(bool) { false }) < 0 ? 1 : 0);
                }
                waitpid(pid, &st, 0);
                kills++;
                t = slurp_abs("etc/sysconfig/kdump");
                b = slurp_abs("etc/sysconfig/kdump.kdump-validator~");
                if (t && (streq(t, OLD) || (streq(t, NEW) && b && streq(b, OLD))) &&
                    (at <= n_calls ? WIFSIGNALED(st) : WIFEXITED(st) && WEXITSTATUS(st) == 0))
                        killed_ok++;
                else
                        printf("# FAIL: killed before call %u: content=%s backup=%s\n", at,
                               t ? (streq(t, OLD) ? "old" : streq(t, NEW) ? "new" : "TORN") : "missing", b ? "yes" : "no");
        }
        is_int(killed_ok, kills, "writer SIGKILLed before each call: complete old or new file, backup with new");
        printf("# fault injection: %u injected failures (%u calls x %zu errnos) and %u kills survived\n",
               survived, n_calls, ELEMENTSOF(errs), killed_ok);

        /* changed under us: the file is edited between the backup and the final rename */
        {
                struct root r = { .fd = -1 };
                struct rewrite_plan p = {};
                _cleanup_close_ int d = -1;
                _cleanup_free_ char *t = NULL;
                char path[4200];
                FILE *f;

                fresh_root();
                root_open(tmproot, &r);
                d = root_openat(&r, "etc/sysconfig", O_RDONLY | O_DIRECTORY);
                p.change = true;
                p.path = strdup("etc/sysconfig/kdump");
                p.new_text = strdup(NEW);
                p.new_len = strlen(NEW);
                atomic_file_read(d, "kdump", 1 << 20, &p.old_text, &p.old_len, &p.id);
                p.have_id = true;
                snprintf(path, sizeof(path), "%s/etc/sysconfig/kdump", tmproot);
                f = fopen(path, "ae");
                fputs("KDUMP_CPUS=7\n", f);
                fclose(f);
                is_int(rewrite_write(&r, &p, NULL, &(bool) { false }), -ESTALE, "file changed after it was read: -ESTALE");
                t = slurp_abs("etc/sysconfig/kdump");
                ok(t && strstr(t, "KDUMP_CPUS=7") && !strstr(t, "virtio_net"), "the other writer's content is kept");
                rewrite_plan_clear(&p);
                root_close(&r);
        }

        /* kdumpctl holds the lock: -EBUSY after the timeout (flock from a child) */
        {
                char path[4200];
                pid_t pid;
                int pfd[2];
                struct root r = { .fd = -1 };
                char c;

                fresh_root();
                snprintf(path, sizeof(path), "%s/run/lock/kdump", tmproot);
                if (pipe(pfd) == 0) {
                        pid = fork();
                        if (pid == 0) {
                                int fd = open(path, O_WRONLY);
                                atomic_file_syscalls_default()->flock(fd, 2 /* LOCK_EX */);
                                (void) !write(pfd[1], "x", 1);
                                pause();
                                _exit(0);
                        }
                        (void) !read(pfd[0], &c, 1);
                        root_open(tmproot, &r);
                        is_int(kdump_lock_take(&r, 300, NULL), -EBUSY, "lock held by another process: -EBUSY after the timeout");
                        kill(pid, SIGKILL);
                        waitpid(pid, NULL, 0);
                        {
                                int fd = kdump_lock_take(&r, 300, NULL);
                                ok(fd >= 0, "lock free again: taken");
                                if (fd >= 0)
                                        close(fd);
                        }
                        sh("rm -f %s/run/lock/kdump", tmproot);
                        is_int(kdump_lock_take(&r, 300, NULL), -ENOENT, "no /run/lock/kdump: nothing to take");
                        root_close(&r);
                        close(pfd[0]);
                        close(pfd[1]);
                }
        }
}

/* rewrite_prepare refuses unsafe files (symlink, foreign owner, writable by others). */
static void test_prepare_refusals(void) {
        static const struct { const char *setup; int want; const char *name; } cases[] = {
                { "chown 65534 \"$R\"/etc/sysconfig/kdump", -EPERM, "config owned by uid 65534: refused" },
                { "chmod 0666 \"$R\"/etc/sysconfig/kdump", -EPERM, "world-writable config: refused" },
                { "mv \"$R\"/etc/sysconfig/kdump \"$R\"/etc/sysconfig/kdump.real && ln -s kdump.real \"$R\"/etc/sysconfig/kdump",
                  -ELOOP, "config is a symlink: refused" },
                { "true", 1, "the same root untouched: a change is planned" },
        };
        char root[4200];

        snprintf(root, sizeof(root), "%s/incident", tmproot);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct validation v = {};
                struct collect_options o = { .root = root };
                struct root r = { .fd = -1 };
                struct policy pol;
                struct rewrite_plan rp = {};
                char table[4096];
                const char *conf = getenv("KDV_CONF_DIR");
                int k;

                /* a source tree unpacked by root keeps the archive's group-writable modes: the
                 * refusals below must come from their own setup, not from those */
                sh("rm -rf %s && cp -a %s %s && chmod -R go-w %s", root, tap_path(INCIDENT), root, root);
                if (conf) {
                        snprintf(table, sizeof(table), "%s/drivers.conf", conf);
                        o.driver_table = table;
                }
                k = validation_run(&o, NULL, &v);
                sh("R='%s'; %s", root, cases[i].setup);
                policy_init(&pol);
                if (k >= 0 && root_open(root, &r) >= 0)
                        k = rewrite_prepare(&r, &v, &pol, &rp);
                is_int(k, cases[i].want, cases[i].name);
                if (k < 0)
                        printf("#   %s\n", strempty(rp.message));
                rewrite_plan_clear(&rp);
                policy_clear(&pol);
                root_close(&r);
                validation_clear(&v);
        }
        sh("rm -rf %s", root);
}

int main(void) {
        incident = collect(tap_path(INCIDENT));
        ok(incident && incident->pci.state == FACT_OK && incident->driver_table, "incident root collected");
        if (!incident)
                return tap_done();

        test_planning();
        test_editing();
        test_whitelist();
        test_atomic_faults();
        test_prepare_refusals();

        sh("rm -rf %s", tmproot);
        snapshot_free(incident);
        return tap_done();
}
