/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The capture kernel: its command line as each distribution's kdump tooling builds it, the CPUs
 * it brings up, the modules kept out of it, and the flags that change driver behaviour.
 * Pure: reads only the snapshot.
 *
 * Command line, per tool (DESIGN.md §3; research/anchors-tools.md §1, §2.2, §3.2):
 *  - Fedora/RHEL kdump-utils, kdump-lib.sh prepare_cmdline() (rhkdump/kdump-utils @ 63f248c):
 *    KDUMP_COMMANDLINE if non-empty else /proc/cmdline; split like xargs (quotes removed); a
 *    word is dropped when its name (text before '=') is in KDUMP_COMMANDLINE_REMOVE or in the
 *    always-removed set (crashkernel panic_on_warn root rd.lvm.lv rd.luks.uuid rd.dm.uuid
 *    rd.md.uuid fcoe netroot rd.iscsi.initiator iscsi_initiator), or when it is "name=" with an
 *    empty value; then KDUMP_COMMANDLINE_APPEND. Not modelled: the disable_cpu_apicid= (boot
 *    CPU's APIC id from /proc/cpuinfo) and <watchdog>.pretimeout=0 words it adds at the end,
 *    and the AWS aarch64 irqpoll removal.
 *  - SUSE kdump, init/load.sh build_kdump_commandline() (openSUSE/kdump @ 34da4b8): if
 *    KDUMP_COMMANDLINE is empty: /proc/cmdline minus root resume crashkernel splash mem BOOT_IMAGE
 *    showopts zfcp.allow_lun_scan hugepages acpi_no_memhotplug cgroup_disable unknown_nmi_panic
 *    rd.udev.children-max, plus "sysrq=yes reset_devices acpi_no_memhotplug cgroup_disable=memory
 *    nokaslr numa=off irqpoll nr_cpus=${KDUMP_CPUS} root=kdump rootflags=bind
 *    rd.udev.children-max=8" (nr_cpus omitted when KDUMP_CPUS is 0; kdump-read-config.sh makes
 *    an empty or non-integer KDUMP_CPUS 32), on x86 minus notsc and console=hvc0, on s390 plus
 *    zfcp.allow_lun_scan=0; then KDUMP_COMMANDLINE_APPEND; then panic=1 unless a panic word is
 *    there. Not modelled: disable_cpu_apicid=, Xen (forces KDUMP_CPUS=1), EFI noefi/acpi_rsdp=.
 *  - Debian/Ubuntu kdump-tools, kdump-config kdump_load() (kaloronahuang/kdump-tools
 *    debian/kdump-config.in @ 1cf40d7): KDUMP_CMDLINE if non-empty else /proc/cmdline minus
 *    crashkernel= hugepages= hugepagesz= abm= words; plus KDUMP_CMDLINE_APPEND, which
 *    kdump-config defaults (${KDUMP_CMDLINE_APPEND:=…}, so also when empty) to debian/rules'
 *    "reset_devices systemd.unit=kdump-tools-dump.service" + arm64 "nr_cpus=1", ppc64el
 *    "maxcpus=1 irqpoll noirqdistrib usbcore.nousb", others "nr_cpus=1 irqpoll usbcore.nousb".
 * The command line is "known" only when every input it depends on is: a configuration that
 * failed to parse, a variable we refused to evaluate ($…) or a missing /proc/cmdline that is
 * needed leave cmdline_known=false (the line is still built from what is known). */
#include <ctype.h>

#include "kdv/plan.h"

#define CAPTURE_MAX_CPUS 8192u
#include "kdv/util.h"

/* '-' and '_' are the same in kernel parameter names (kernel/params.c parameq). */
static bool parameq(const char *a, size_t alen, const char *b) {
        size_t i;

        for (i = 0; i < alen && b[i]; i++) {
                char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
                if (x != y)
                        return false;
        }
        return i == alen && !b[i];
}

/* Word "name=value" → name length and value (NULL when there is no '='). */
static size_t word_key(const char *w, const char **val) {
        const char *eq = strchr(w, '=');

        /* next_arg(): an '=' at position 0 does not start a value */
        if (eq && eq != w) {
                *val = eq + 1;
                return (size_t) (eq - w);
        }
        *val = NULL;
        return strlen(w);
}

static bool key_is(const char *w, const char *name) {
        const char *v;
        size_t l = word_key(w, &v);
        return strlen(name) == l && strncmp(w, name, l) == 0;
}

static bool key_in(const char *w, const char *const *names) {
        for (; *names; names++)
                if (key_is(w, *names))
                        return true;
        return false;
}

/* Variable of the kdump configuration. Returns its value ("" when unset); *unknown is set when
 * the value cannot be known (an expansion we refuse to evaluate). */
static const char *var(const struct snapshot *s, const char *name, bool *unknown, bool *set) {
        const struct shell_assignment *a = shell_file_get(&s->kdump_sysconfig, name);

        if (set)
                *set = a != NULL;
        if (!a)
                return "";
        if (a->has_expansion || !a->value) {
                *unknown = true;
                return "";
        }
        return a->value;
}

static int push_split(char ***l, size_t *n, const char *text) {
        _cleanup_strv_free_ char **w = NULL;
        int k;

        k = cmdline_split(text, &w);
        if (k < 0)
                return k;
        for (char **p = w; *p; p++) {
                k = strv_push(l, n, TAKE_PTR(*p));
                if (k < 0)
                        return k;
        }
        return 0;
}

static const char *proc_cmdline(const struct snapshot *s, bool *unknown) {
        if (s->cmdline_state != FACT_OK || !s->cmdline) {
                *unknown = true;
                return "";
        }
        return s->cmdline;
}

static int build_rhel(const struct snapshot *s, char ***l, size_t *n, bool *unknown) {
        static const char *const always[] = {
                "crashkernel", "panic_on_warn", "root", "rd.lvm.lv", "rd.luks.uuid", "rd.dm.uuid",
                "rd.md.uuid", "fcoe", "netroot", "rd.iscsi.initiator", "iscsi_initiator", NULL,
        };
        _cleanup_strv_free_ char **in = NULL, **rm = NULL;
        const char *base, *v;
        int k;

        base = var(s, "KDUMP_COMMANDLINE", unknown, NULL);
        if (!*base)
                base = proc_cmdline(s, unknown);
        k = cmdline_split(base, &in);
        if (k < 0)
                return k;
        k = cmdline_split(var(s, "KDUMP_COMMANDLINE_REMOVE", unknown, NULL), &rm);
        if (k < 0)
                return k;

        for (char **w = in; *w; w++) {
                bool drop = key_in(*w, always);

                word_key(*w, &v);
                if (v && !*v)                   /* _cmdline_parse: "ignore options like 'foo='" */
                        drop = true;
                for (char **r = rm; *r && !drop; r++) {
                        const char *rv;
                        size_t rl = word_key(*r, &rv);
                        if (rv && !*rv)         /* "foo=" in the remove list is ignored too */
                                continue;
                        if (word_key(*w, &v) == rl && strncmp(*w, *r, rl) == 0)
                                drop = true;
                }
                if (drop)
                        continue;
                k = strv_extend(l, n, *w);
                if (k < 0)
                        return k;
        }
        return push_split(l, n, var(s, "KDUMP_COMMANDLINE_APPEND", unknown, NULL));
}

static bool is_x86(const char *arch) {
        return !arch || streq(arch, "x86_64") || (arch[0] == 'i' && strlen(arch) == 4 &&
                                                  streq(arch + 2, "86"));
}

/* SUSE KDUMP_CPUS after kdump-read-config.sh: default 32 when empty or not an integer. */
static const char *suse_kdump_cpus(const struct snapshot *s, bool *unknown) {
        const char *c = var(s, "KDUMP_CPUS", unknown, NULL), *p = c;

        if (*p == '-')
                p++;
        if (!*p)
                return "32";
        for (; *p; p++)
                if (!isdigit((unsigned char) *p))
                        return "32";
        return c;
}

static int build_suse(const struct snapshot *s, char ***l, size_t *n, bool *unknown,
                      ssize_t *kdump_cpus_word) {
        static const char *const removed[] = {
                "root", "resume", "crashkernel", "splash", "mem", "BOOT_IMAGE", "showopts",
                "zfcp.allow_lun_scan", "hugepages", "acpi_no_memhotplug", "cgroup_disable",
                "unknown_nmi_panic", "rd.udev.children-max", NULL,
        };
        static const char *const x86_removed[] = { "unknown_nmi_panic", "notsc", NULL };
        const char *base;
        bool has_panic = false;
        int k;

        *kdump_cpus_word = -1;
        base = var(s, "KDUMP_COMMANDLINE", unknown, NULL);
        if (*base) {
                k = push_split(l, n, base);
                if (k < 0)
                        return k;
        } else {
                _cleanup_strv_free_ char **in = NULL;
                const char *cpus = suse_kdump_cpus(s, unknown);
                bool x86 = is_x86(s->arch);

                k = cmdline_split(proc_cmdline(s, unknown), &in);
                if (k < 0)
                        return k;
                for (char **w = in; *w; w++) {
                        if (key_in(*w, removed))
                                continue;
                        if (x86 && (key_in(*w, x86_removed) || streq(*w, "console=hvc0")))
                                continue;
                        k = strv_extend(l, n, *w);
                        if (k < 0)
                                return k;
                }
                k = push_split(l, n, "sysrq=yes reset_devices acpi_no_memhotplug "
                               "cgroup_disable=memory nokaslr numa=off irqpoll");
                if (k < 0)
                        return k;
                if (!streq(cpus, "0")) {
                        char *w;
                        if (asprintf(&w, "nr_cpus=%s", cpus) < 0)
                                return -ENOMEM;
                        *kdump_cpus_word = (ssize_t) *n;
                        k = strv_push(l, n, w);
                        if (k < 0)
                                return k;
                }
                k = push_split(l, n, "root=kdump rootflags=bind rd.udev.children-max=8");
                if (k < 0)
                        return k;
                if (s->arch && startswith(s->arch, "s390")) {
                        k = strv_extend(l, n, "zfcp.allow_lun_scan=0");
                        if (k < 0)
                                return k;
                }
        }
        k = push_split(l, n, var(s, "KDUMP_COMMANDLINE_APPEND", unknown, NULL));
        if (k < 0)
                return k;

        for (size_t i = 0; i < *n; i++)
                if (key_is((*l)[i], "panic"))
                        has_panic = true;
        if (!has_panic)
                return strv_extend(l, n, "panic=1");
        return 0;
}

static const char *debian_default_append(const char *arch) {
        /* debian/rules (kdump-tools 1:1.10.4): substituted into kdump-config */
        if (arch && streq(arch, "aarch64"))
                return "reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1";
        if (arch && (streq(arch, "ppc64le")))
                return "reset_devices systemd.unit=kdump-tools-dump.service maxcpus=1 irqpoll "
                       "noirqdistrib usbcore.nousb";
        return "reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb";
}

static int build_debian(const struct snapshot *s, char ***l, size_t *n, bool *unknown) {
        static const char *const removed[] = { "crashkernel=", "hugepages=", "hugepagesz=", "abm=" };
        const char *base, *append;
        int k;

        base = var(s, "KDUMP_CMDLINE", unknown, NULL);
        if (*base) {
                k = push_split(l, n, base);
                if (k < 0)
                        return k;
        } else {
                _cleanup_strv_free_ char **in = NULL;

                k = cmdline_split(proc_cmdline(s, unknown), &in);
                if (k < 0)
                        return k;
                for (char **w = in; *w; w++) {
                        bool drop = false;
                        /* kdump-config: sed -re 's/(^| )(crashkernel|hugepages|
                         * hugepagesz|abm)=[^ ]*…' drops words starting so */
                        for (size_t i = 0; i < ELEMENTSOF(removed); i++)
                                if (startswith(*w, removed[i]))
                                        drop = true;
                        if (drop)
                                continue;
                        k = strv_extend(l, n, *w);
                        if (k < 0)
                                return k;
                }
        }
        append = var(s, "KDUMP_CMDLINE_APPEND", unknown, NULL);
        if (!*append)
                append = debian_default_append(s->arch);
        return push_split(l, n, append);
}

/* Join words into a command line; words with blanks get quoted back (name="value"). */
static char *join_words(char *const *w) {
        struct strbuf sb = {};

        for (; w && *w; w++) {
                bool blank = false;
                const char *v;
                size_t kl;

                for (const char *c = *w; *c; c++)
                        if (isspace((unsigned char) *c))
                                blank = true;
                if (sb.len)
                        strbuf_append(&sb, " ");
                if (!blank)
                        strbuf_append(&sb, *w);
                else if ((kl = word_key(*w, &v)), v)
                        strbuf_printf(&sb, "%.*s=\"%s\"", (int) kl, *w, v);
                else
                        strbuf_printf(&sb, "\"%s\"", *w);
        }
        if (!sb.buf)
                strbuf_append(&sb, "");
        if (sb.oom) {
                strbuf_done(&sb);
                return NULL;
        }
        return sb.buf;
}

/* get_option()-like: optional sign, then a number in base 0. false if no digits. */
static bool parse_count(const char *v, long long *ret) {
        char *end;
        long long x;

        if (!v || !*v)
                return false;
        errno = 0;
        x = strtoll(v, &end, 0);
        if (end == v || errno)
                return false;
        *ret = x;
        return true;
}

/* kstrtobool() (lib/kstrtox.c): y/Y/t/T/1/on true, n/N/f/F/0/off false, else invalid (-1). */
static int kstrtobool(const char *v) {
        if (!v)
                return -1;
        switch (v[0]) {
        case 'y': case 'Y': case 't': case 'T': case '1':
                return 1;
        case 'n': case 'N': case 'f': case 'F': case '0':
                return 0;
        case 'o': case 'O':
                if (v[1] == 'n' || v[1] == 'N')
                        return 1;
                if (v[1] == 'f' || v[1] == 'F')
                        return 0;
        }
        return -1;
}

static bool usbcore_builtin(const struct snapshot *s) {
        if (s->modules.state != FACT_OK)
                return false;
        for (char **b = s->modules.builtin; b && *b; b++) {
                const char *slash = strrchr(*b, '/');
                if (streq(*b, "usbcore") || streq(*b, "usbcore.ko") ||
                    (slash && streq(slash + 1, "usbcore.ko")))
                        return true;
        }
        return false;
}

static int blacklist_add_list(char ***l, size_t *n, const char *list, const char *seps) {
        _cleanup_free_ char *copy = strdup(list);
        char *save = NULL;
        int k;

        if (!copy)
                return -ENOMEM;
        for (char *t = strtok_r(copy, seps, &save); t; t = strtok_r(NULL, seps, &save)) {
                for (char *c = t; *c; c++)
                        if (*c == '-')
                                *c = '_';       /* kmod normalises module names the same way */
                if (strv_contains(*l, t))
                        continue;
                k = strv_extend(l, n, t);
                if (k < 0)
                        return k;
        }
        return 0;
}

/* dracut_args in kdump.conf: shell words; --omit-drivers "a b" or --omit-drivers=a,b. */
static int dracut_omit_drivers(const char *args, char ***l, size_t *n) {
        _cleanup_strv_free_ char **words = NULL;
        size_t nw = 0;
        const char *p = args;
        int k;

        while (*p) {
                struct strbuf sb = {};
                char q = 0;

                while (*p && isspace((unsigned char) *p))
                        p++;
                if (!*p)
                        break;
                for (; *p && (q || !isspace((unsigned char) *p)); p++) {
                        if (q) {
                                if (*p == q)
                                        q = 0;
                                else
                                        strbuf_appendn(&sb, p, 1);
                        } else if (*p == '"' || *p == '\'')
                                q = *p;
                        else if (*p == '\\' && p[1])
                                strbuf_appendn(&sb, ++p, 1);
                        else
                                strbuf_appendn(&sb, p, 1);
                }
                if (!sb.buf)
                        strbuf_append(&sb, "");
                if (sb.oom) {
                        strbuf_done(&sb);
                        return -ENOMEM;
                }
                k = strv_push(&words, &nw, sb.buf);
                if (k < 0)
                        return k;
        }

        for (size_t i = 0; i < nw; i++) {
                const char *v = startswith(words[i], "--omit-drivers=");

                if (!v && streq(words[i], "--omit-drivers") && i + 1 < nw)
                        v = words[++i];
                if (!v)
                        continue;
                k = blacklist_add_list(l, n, v, " \t\n,");
                if (k < 0)
                        return k;
        }
        return 0;
}

static int build(const struct snapshot *s, struct capture_plan *ret) {
        _cleanup_strv_free_ char **words = NULL, **bl = NULL;
        size_t n = 0, nbl = 0;
        bool unknown = false;
        ssize_t kdump_cpus_word = -1;
        const char *module_blacklist = NULL;
        long long nr_min = 0, maxcpus = -1, possible_cpus = -1;
        const char *maxcpus_param = "maxcpus";
        ssize_t nr_word = -1;
        const char *usb_val = NULL;
        bool usb_seen = false, usb_bare = false;
        unsigned machine;
        int k;

        *ret = (struct capture_plan) {};

        words = calloc(1, sizeof(char *));
        if (!words)
                return -ENOMEM;

        switch (s->flavor) {
        case KDUMP_FLAVOR_RHEL:
                k = build_rhel(s, &words, &n, &unknown);
                ret->append_var = "KDUMP_COMMANDLINE_APPEND";
                break;
        case KDUMP_FLAVOR_SUSE:
                k = build_suse(s, &words, &n, &unknown, &kdump_cpus_word);
                ret->append_var = "KDUMP_COMMANDLINE_APPEND";
                break;
        case KDUMP_FLAVOR_DEBIAN:
                k = build_debian(s, &words, &n, &unknown);
                ret->append_var = "KDUMP_CMDLINE_APPEND";
                break;
        case KDUMP_FLAVOR_NONE:
        default:
                k = 0;
                unknown = true;
        }
        if (k < 0)
                return k;

        if (s->flavor != KDUMP_FLAVOR_NONE) {
                ret->cmdline = join_words(words);
                if (!ret->cmdline)
                        return -ENOMEM;
                if (s->kdump_sysconfig.state == FACT_INVALID)
                        unknown = true;
        }
        ret->cmdline_known = !unknown;

        /* Kernel parameters stop at "--" (kernel/params.c parse_args); module loaders (kmod,
         * dracut's getargs) read the whole /proc/cmdline. */
        bl = calloc(1, sizeof(char *));
        if (!bl)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *w = words[i], *v;
                size_t kl = word_key(w, &v);
                long long x;

                if (!v && streq(w, "--")) {
                        /* only the blacklists of kmod / dracut are read beyond this point */
                        for (size_t j = i + 1; j < n; j++) {
                                const char *wv;
                                size_t jl = word_key(words[j], &wv);

                                /* what kdump tooling appends lands here when /proc/cmdline had
                                 * init arguments: the kernel never sees it */
                                if (parameq(words[j], jl, "nr_cpus") || parameq(words[j], jl, "maxcpus") ||
                                    parameq(words[j], jl, "possible_cpus") || parameq(words[j], jl, "nosmp") ||
                                    parameq(words[j], jl, "reset_devices") || parameq(words[j], jl, "irqpoll") ||
                                    parameq(words[j], jl, "pcie_ports") || parameq(words[j], jl, "usbcore.nousb") ||
                                    parameq(words[j], jl, "module_blacklist")) {
                                        k = strv_extend(&ret->ignored_params, NULL, words[j]);
                                        if (k < 0)
                                                return k;
                                }
                                if (wv && (key_is(words[j], "rd.driver.blacklist") ||
                                           key_is(words[j], "rdblacklist") ||
                                           key_is(words[j], "modprobe.blacklist"))) {
                                        k = blacklist_add_list(&bl, &nbl, wv, ",");
                                        if (k < 0)
                                                return k;
                                }
                        }
                        break;
                }

                /* nr_cpus= only ever lowers nr_cpu_ids (kernel/smp.c nr_cpus()) */
                if (parameq(w, kl, "nr_cpus") && parse_count(v, &x) && x > 0 &&
                    (nr_min == 0 || x < nr_min)) {
                        nr_min = x;
                        nr_word = (ssize_t) i;
                }
                /* maxcpus= (kernel/cpu.c): the last one wins; 0 = boot CPU only, like nosmp */
                if (parameq(w, kl, "maxcpus") && parse_count(v, &x)) {
                        maxcpus = x < 0 ? -1 : x;
                        maxcpus_param = "maxcpus";
                }
                if (parameq(w, kl, "nosmp") && !v) {
                        maxcpus = 0;
                        maxcpus_param = "nosmp";
                }
                /* possible_cpus= (arch/x86/kernel/smpboot.c): the last one wins */
                if (parameq(w, kl, "possible_cpus") && parse_count(v, &x))
                        possible_cpus = x > 0 ? x : -1;

                /* dracut (rd.driver.blacklist, all occurrences, comma lists), kmod
                 * (modprobe.blacklist, all occurrences), kernel module_blacklist (a charp
                 * core_param: only the last occurrence counts, kernel/module/main.c) */
                if (v && (key_is(w, "rd.driver.blacklist") || key_is(w, "rdblacklist") ||
                          key_is(w, "modprobe.blacklist"))) {
                        k = blacklist_add_list(&bl, &nbl, v, ",");
                        if (k < 0)
                                return k;
                }
                if (parameq(w, kl, "module_blacklist"))
                        module_blacklist = v ? v : "";

                /* pcie_ports=compat (drivers/pci/pcie/portdrv.c pcie_port_setup): once seen,
                 * port services stay disabled whatever follows */
                if (parameq(w, kl, "pcie_ports") && v && startswith(v, "compat"))
                        ret->pcie_ports_compat = true;

                /* usbcore.nousb: a bool module parameter of usbcore; the last one counts */
                if (parameq(w, kl, "usbcore.nousb")) {
                        usb_seen = true;
                        usb_bare = !v;
                        usb_val = v;
                }

                if (parameq(w, kl, "reset_devices") && !v)
                        ret->reset_devices = true;
        }
        if (module_blacklist) {
                k = blacklist_add_list(&bl, &nbl, module_blacklist, ",");
                if (k < 0)
                        return k;
        }

        /* dracut_args --omit-drivers in kdump.conf keeps modules out of the kdump initramfs
         * (kdump.conf(5); dracut(8) --omit-drivers: space-separated list) */
        if (s->flavor == KDUMP_FLAVOR_RHEL && s->kdump_conf.state != FACT_MISSING) {
                const char *da = kdump_conf_get(&s->kdump_conf, "dracut_args");
                if (da) {
                        k = dracut_omit_drivers(da, &bl, &nbl);
                        if (k < 0)
                                return k;
                }
        }
        ret->blacklist = TAKE_PTR(bl);

        /* usbcore.nousb: measured on Debian 6.1 (fixtures/oracle c-nic-fallback variants):
         * "usbcore.nousb=1" removed xHCI, bare "usbcore.nousb" and bare "nousb" did not (kmod
         * passes only name=value options from the command line to a modular usbcore). A bare
         * flag does work when usbcore is built in (param_set_bool treats no value as true). */
        if (usb_seen)
                ret->usb_disabled = usb_bare ? usbcore_builtin(s) : kstrtobool(usb_val) == 1;

        /* CPUs: what the machine has (possible, else online), limited by the command line */
        if (s->cpus.state == FACT_OK && s->cpus.possible > 0)
                machine = s->cpus.possible;
        else if (s->cpus.state == FACT_OK && s->cpus.online > 0)
                machine = s->cpus.online;
        else
                machine = 0;

        {
                unsigned long long limit = 0;
                const char *param = NULL;

                if (nr_min > 0) {
                        limit = (unsigned long long) nr_min;
                        param = (nr_word >= 0 && nr_word == kdump_cpus_word) ? "KDUMP_CPUS" : "nr_cpus";
                }
                if (maxcpus >= 0) {
                        unsigned long long m = maxcpus == 0 ? 1 : (unsigned long long) maxcpus;
                        if (!param || m < limit) {
                                limit = m;
                                param = maxcpus_param;
                        }
                }
                if (possible_cpus > 0 && (!param || (unsigned long long) possible_cpus < limit)) {
                        limit = (unsigned long long) possible_cpus;
                        param = "possible_cpus";
                }

                if (param && (machine == 0 || limit <= machine)) {
                        /* NR_CPUS is at most 8192 on x86_64 (arch/x86/Kconfig, MAXSMP): no kernel
                         * brings up more, whatever the command line says */
                        ret->cpus = limit > CAPTURE_MAX_CPUS ? CAPTURE_MAX_CPUS : (unsigned) limit;
                        ret->cpus_from_cmdline = true;
                        ret->cpus_param = strdup(param);
                        if (!ret->cpus_param)
                                return -ENOMEM;
                } else
                        ret->cpus = machine > 0 ? machine : 1;
        }
        return 0;
}

int capture_plan_build(const struct snapshot *s, struct capture_plan *ret) {
        int k = build(s, ret);
        if (k < 0)
                capture_plan_clear(ret);
        return k;
}

void capture_plan_clear(struct capture_plan *c) {
        free(c->cmdline);
        strv_free(c->ignored_params);
        free(c->cpus_param);
        strv_free(c->blacklist);
        *c = (struct capture_plan) {};
}
