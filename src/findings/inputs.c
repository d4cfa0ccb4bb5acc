/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Findings about the inputs themselves, and about whether kdump is set up at all.
 *
 * - input.invalid (unknown): every fact group that is present but malformed. A garbage input
 *   must never turn into a confident answer: the verdict becomes "could not validate" (exit 3)
 *   unless an error was found anyway (findings_verdict: errors outrank unknown).
 * - input.unavailable (unknown): inputs the verdict cannot do without are missing:
 *   /proc/cmdline (crashkernel= and the capture command line) and /proc/iomem (what the kernel
 *   actually reserved; its addresses read as 0 without CAP_SYS_ADMIN: kernel/resource.c r_show(),
 *   file_ns_capable(..., CAP_SYS_ADMIN) else start = end = 0, commit 51d7b120418e, v4.15).
 *   Optional inputs (interrupts, initramfs, PCI, module directory...) only narrow what can be
 *   checked: at most a note (info).
 * - kdump.not-configured: no kdump configuration. kdumpctl (check_kdump_feasibility) and
 *   kdump-config (check_kdump_support: USE_KDUMP, kexec_crash_loaded, crashkernel= in
 *   /proc/cmdline) refuse to start without it; research/anchors-tools.md §1.4, §3.2. With no
 *   crashkernel= either, the machine simply does not use kdump (info); with crashkernel=, memory
 *   is set aside for a capture kernel nothing will load (warning). */
#include "kdv/findings.h"
#include "kdv/util.h"

/* "file:line: message" (or "file: message", or "message"). */
static char *format_fact_error(const struct fact_error *e, const char *fallback_file) {
        const char *file = e->file ? e->file : fallback_file;
        const char *msg = e->message ? e->message : "malformed content";
        char *r = NULL;
        int k;

        if (file && e->line > 0)
                k = asprintf(&r, "%s:%u: %s", file, e->line, msg);
        else if (file)
                k = asprintf(&r, "%s: %s", file, msg);
        else
                k = asprintf(&r, "%s", msg);
        return k < 0 ? NULL : r;
}

#define REMEDY_KERNEL_FILE \
        "Check that the file is a complete, unmodified copy of what the kernel wrote (captured as root); " \
        "if it is, please report it as a bug in kdump-validator with the file attached."
#define REMEDY_CONFIG_FILE \
        "Fix the line named above: the kdump tooling reads this file too, and a line that does not parse " \
        "here may also break kdump. If the file is valid, please report it as a bug in kdump-validator."

static int add_invalid_sev(struct findings *f, enum severity sev, const char *input, const struct fact_error *e,
                           const char *consequence, const char *remedy) {
        _cleanup_free_ char *where = format_fact_error(e, input), *msg = NULL;
        struct finding *x;

        if (!where)
                return -ENOMEM;
        if (asprintf(&msg, "%s. %s", where, consequence) < 0)
                return -ENOMEM;
        x = findings_add(f, "input.invalid", sev, e->file ? e->file : input, msg, remedy);
        if (!x)
                return -ENOMEM;
        finding_add_field(x, "INPUT", "%s", input);
        if (e->file)
                finding_add_field(x, "FILE", "%s", e->file);
        if (e->line > 0)
                finding_add_field(x, "LINE", "%u", e->line);
        if (e->message)
                finding_add_field(x, "ERROR", "%s", e->message);
        return 0;
}

static int add_invalid(struct findings *f, const char *input, const struct fact_error *e,
                       const char *consequence) {
        return add_invalid_sev(f, SEVERITY_UNKNOWN, input, e, consequence, REMEDY_KERNEL_FILE);
}

static int add_invalid_config(struct findings *f, const char *input, const struct fact_error *e,
                              const char *consequence) {
        return add_invalid_sev(f, SEVERITY_UNKNOWN, input, e, consequence, REMEDY_CONFIG_FILE);
}

static int add_unavailable(struct findings *f, enum severity sev, const char *input,
                           const char *message, const char *remedy) {
        struct finding *x;

        x = findings_add(f, "input.unavailable", sev, input, message, remedy);
        if (!x)
                return -ENOMEM;
        finding_add_field(x, "INPUT", "%s", input);
        return 0;
}

/* A crashkernel= word on the running kernel's command line (the plan may not know: it can be
 * empty when its own input is missing). Words split on blanks; a quoted value cannot start a
 * word with "crashkernel=", so quotes need no special handling here. */
static bool cmdline_has_crashkernel(const char *cmdline) {
        const char *p = cmdline;

        if (!p)
                return false;
        for (;;) {
                p += strspn(p, " \t\n");
                if (!*p)
                        return false;
                if (startswith(p, "crashkernel="))
                        return true;
                p += strcspn(p, " \t\n");
        }
}

/* What sourcing the file leaves: the last assignment of NAME. */
static const struct shell_assignment *last_assignment(const struct shell_file *f, const char *name) {
        for (size_t i = f->n_vars; i > 0; i--)
                if (f->vars[i - 1].name && streq(f->vars[i - 1].name, name))
                        return &f->vars[i - 1];
        return NULL;
}

static bool memory_requested_or_reserved(const struct snapshot *s, const struct plan *p) {
        return p->crashkernel.request.present ||
                cmdline_has_crashkernel(s->cmdline) ||
                (p->crashkernel.facts_known && p->crashkernel.reserved > 0) ||
                (s->kexec.crash_size_state == FACT_OK && s->kexec.crash_size > 0);
}

static int check_kdump_configured(const struct snapshot *s, const struct plan *p, struct findings *f) {
        bool memory = memory_requested_or_reserved(s, p);
        struct finding *x;

        if (s->flavor == KDUMP_FLAVOR_NONE) {
                if (!memory)
                        x = findings_add(f, "kdump.not-configured", SEVERITY_INFO, "kdump",
                                         "kdump is not set up on this machine: there is no kdump configuration "
                                         "(/etc/sysconfig/kdump, /etc/default/kdump-tools) and no crashkernel= on "
                                         "the kernel command line, so a kernel crash leaves no vmcore.",
                                         "To use kdump, install the distribution's kdump package (RHEL/Fedora: "
                                         "kdump-utils; SUSE: kdump; Debian/Ubuntu: kdump-tools), reboot with the "
                                         "crashkernel= it sets up, then run this check again.");
                else
                        x = findings_add(f, "kdump.not-configured", SEVERITY_WARNING, "kdump",
                                         "crashkernel= sets memory aside for a capture kernel, but no kdump "
                                         "configuration was found (/etc/sysconfig/kdump, /etc/default/kdump-tools): "
                                         "nothing will load a capture kernel, so a crash leaves no vmcore and the "
                                         "reserved memory is wasted.",
                                         "Install and enable the distribution's kdump service (RHEL/Fedora: "
                                         "kdump-utils and 'systemctl enable --now kdump'; SUSE: kdump and "
                                         "'systemctl enable --now kdump'; Debian/Ubuntu: kdump-tools), or remove "
                                         "crashkernel= from the kernel command line.");
                if (!x)
                        return -ENOMEM;
                finding_add_field(x, "CRASHKERNEL", "%s", memory ? "yes" : "no");
                return 0;
        }

        if (s->kdump_enabled_known && !s->kdump_enabled) {
                _cleanup_free_ char *msg = NULL, *fix = NULL;
                const char *path = s->kdump_sysconfig.path ? s->kdump_sysconfig.path :
                        s->flavor == KDUMP_FLAVOR_DEBIAN ? "etc/default/kdump-tools" : "etc/sysconfig/kdump";
                const char *why, *enable;

                if (s->flavor == KDUMP_FLAVOR_DEBIAN) {
                        /* kdump-config check_kdump_support: USE_KDUMP unset, empty or 0 → no load;
                         * or kdump-tools.service disabled/masked (collect/kdump-config.c). */
                        const struct shell_assignment *use = last_assignment(&s->kdump_sysconfig, "USE_KDUMP");
                        bool use_off = !use || !use->value || !*use->value || streq(use->value, "0");

                        if (use_off) {
                                if (asprintf(&msg, "kdump-tools is installed but disabled: USE_KDUMP is %s in %s",
                                             use ? "0 or empty" : "not set", path) < 0)
                                        return -ENOMEM;
                                if (asprintf(&fix, "Set USE_KDUMP=1 in /%s and restart kdump-tools.service", path) < 0)
                                        return -ENOMEM;
                        } else {
                                msg = strdup("kdump-tools is installed but kdump-tools.service is disabled or masked");
                                fix = strdup("Run 'systemctl unmask kdump-tools.service; systemctl enable --now kdump-tools.service'");
                                if (!msg || !fix)
                                        return -ENOMEM;
                        }
                } else {
                        msg = strdup("kdump is configured but kdump.service is disabled or masked");
                        fix = strdup("Run 'systemctl unmask kdump.service; systemctl enable --now kdump.service'");
                        if (!msg || !fix)
                                return -ENOMEM;
                }
                why = memory ? ": crashkernel= memory is reserved, but no capture kernel will be loaded into it, so a crash leaves no vmcore."
                             : ", and no crashkernel= memory is requested: kdump is not in use.";
                enable = memory ? ", or remove crashkernel= from the kernel command line."
                                : ", reboot with a crashkernel= value, then run this check again.";

                {
                        _cleanup_free_ char *m = NULL, *r = NULL;
                        if (asprintf(&m, "%s%s", msg, why) < 0 || asprintf(&r, "%s%s", fix, enable) < 0)
                                return -ENOMEM;
                        x = findings_add(f, "kdump.not-configured", memory ? SEVERITY_WARNING : SEVERITY_INFO, "kdump", m, r);
                }
                if (!x)
                        return -ENOMEM;
                finding_add_field(x, "CONFIG", "%s", path);
                finding_add_field(x, "CRASHKERNEL", "%s", memory ? "yes" : "no");
        }
        return 0;
}

/* Variables the kdump tools read to build the capture kernel and find the dump target
 * (kdumpctl prepare_cmdline, SUSE load.sh, kdump-config): a value that needs the shell to
 * evaluate it ($VAR, $(...), `...`) is never evaluated here, so what depends on it is unknown. */
static const char *const capture_variables[] = {
        "KDUMP_COMMANDLINE", "KDUMP_COMMANDLINE_APPEND", "KDUMP_COMMANDLINE_REMOVE", "KDUMP_CPUS",
        "KDUMP_CMDLINE", "KDUMP_CMDLINE_APPEND", "USE_KDUMP", "KDUMP_COREDIR", "KDUMP_SAVEDIR",
        "KDUMP_KERNELVER",
};

static int findings_unevaluated(const struct shell_file *sf, struct findings *f) {
        for (size_t i = 0; i < sf->n_vars; i++) {
                const struct shell_assignment *a = &sf->vars[i];
                struct fact_error e = { .file = sf->path, .line = a->line };
                bool relevant = false;
                int k;

                if (!a->has_expansion || shell_file_get(sf, a->name) != a)
                        continue;       /* only the assignment that counts (the last) */
                for (size_t j = 0; j < ELEMENTSOF(capture_variables); j++)
                        relevant = relevant || streq(a->name, capture_variables[j]);
                if (!relevant)
                        continue;
                if (asprintf(&e.message, "%s uses shell expansion ($VAR, $(...) or `...`); kdump-validate "
                             "never runs or evaluates it, so its value is unknown", a->name) < 0)
                        return -ENOMEM;
                k = add_invalid_config(f, "kdump_config", &e,
                                       "The capture kernel's command line, CPU count or dump target cannot be derived from it.");
                free(e.message);
                if (k < 0)
                        return k;
        }
        return 0;
}

int findings_inputs(const struct snapshot *s, const struct plan *p, struct findings *f) {
        /* No kdump and no crashkernel=: nothing depends on /proc/iomem, its absence is a note. */
        bool kdump_irrelevant = s->flavor == KDUMP_FLAVOR_NONE && !memory_requested_or_reserved(s, p);
        int k;

        /* ---- required: the running kernel's command line ---- */
        if (s->cmdline_state == FACT_INVALID) {
                const struct fact_error dflt = { .file = (char *) "proc/cmdline", .message = (char *) "not a kernel command line" };
                k = add_invalid(f, "proc/cmdline", s->cmdline_error.message ? &s->cmdline_error : &dflt,
                                "Without it, crashkernel= and the capture kernel's command line cannot be checked.");
                if (k < 0)
                        return k;
        } else if (s->cmdline_state == FACT_MISSING) {
                k = add_unavailable(f, SEVERITY_UNKNOWN, "proc/cmdline",
                                    "proc/cmdline could not be read: without the kernel command line, crashkernel= "
                                    "and the capture kernel's command line cannot be checked.",
                                    s->live ? "Run kdump-validate on a system with /proc mounted."
                                            : "Copy /proc/cmdline of the machine into proc/cmdline under the root directory.");
                if (k < 0)
                        return k;
        }

        /* ---- required: /proc/iomem (the "Crash kernel" reservation, System RAM) ---- */
        if (s->iomem.state == FACT_INVALID) {
                k = add_invalid(f, "proc/iomem", &s->iomem.error,
                                "Without it, the crashkernel reservation cannot be checked.");
                if (k < 0)
                        return k;
        } else if (s->iomem.state == FACT_MISSING) {
                k = add_unavailable(f, kdump_irrelevant ? SEVERITY_INFO : SEVERITY_UNKNOWN, "proc/iomem",
                                    "proc/iomem could not be read: without it, the memory the kernel actually "
                                    "reserved for the capture kernel (\"Crash kernel\") cannot be checked.",
                                    s->live ? "Run kdump-validate on a system with /proc mounted."
                                            : "Copy /proc/iomem of the machine, read as root, into proc/iomem under the root directory.");
                if (k < 0)
                        return k;
        } else if (s->iomem.state == FACT_OK && s->iomem.all_zero) {
                /* kernel/resource.c r_show(): addresses print as 0 unless the reader has
                 * CAP_SYS_ADMIN (commit 51d7b120418e, v4.15). */
                k = add_unavailable(f, kdump_irrelevant ? SEVERITY_INFO : SEVERITY_UNKNOWN, "proc/iomem",
                                    "proc/iomem addresses hidden: run as root. The kernel shows every address "
                                    "as 0 to unprivileged readers, so the crashkernel reservation and its "
                                    "placement below or above 4 GiB cannot be checked.",
                                    s->live ? "Run kdump-validate as root (sudo kdump-validate check)."
                                            : "Capture /proc/iomem as root (sudo cat /proc/iomem) and replace proc/iomem under the root directory.");
                if (k < 0)
                        return k;
        }

        if (s->release_error.message) {
                k = add_invalid(f, "kernel release", &s->release_error,
                                "The capture kernel's version (vector capacity, crashkernel= rules) is unknown.");
                if (k < 0)
                        return k;
        }

        /* ---- everything else malformed: still "could not validate" ---- */
        if (s->meminfo.state == FACT_INVALID) {
                k = add_invalid(f, "proc/meminfo", &s->meminfo.error, "Memory sizes from it cannot be used.");
                if (k < 0)
                        return k;
        }
        if (s->interrupts.state == FACT_INVALID) {
                k = add_invalid(f, "proc/interrupts", &s->interrupts.error, "Interrupt evidence from it cannot be used.");
                if (k < 0)
                        return k;
        }
        if (s->cpus.state == FACT_INVALID) {
                k = add_invalid(f, "cpus", &s->cpus.error, "The CPU count of the machine is unknown.");
                if (k < 0)
                        return k;
        }
        if (s->kexec.crash_size_state == FACT_INVALID) {
                const struct fact_error e = { .file = (char *) "sys/kernel/kexec_crash_size", .message = (char *) "not a number" };
                k = add_invalid(f, "kexec", &e, "The size of the crashkernel reservation the kernel reports cannot be used.");
                if (k < 0)
                        return k;
        }
        if (s->kexec.crash_loaded_state == FACT_INVALID) {
                const struct fact_error e = { .file = (char *) "sys/kernel/kexec_crash_loaded", .message = (char *) "not 0 or 1" };
                k = add_invalid(f, "kexec", &e, "Whether a capture kernel is loaded is unknown.");
                if (k < 0)
                        return k;
        }
        if (s->pci.state == FACT_INVALID) {
                k = add_invalid(f, "pci", &s->pci.error, "The devices of the capture kernel, and its interrupt vectors, cannot be checked.");
                if (k < 0)
                        return k;
        }
        if (s->kdump_sysconfig.state == FACT_INVALID) {
                k = add_invalid_config(f, "kdump_config", &s->kdump_sysconfig.error,
                                "The capture kernel's command line and CPU count cannot be derived from it.");
                if (k < 0)
                        return k;
        }
        if (s->kdump_sysconfig.state == FACT_OK) {
                k = findings_unevaluated(&s->kdump_sysconfig, f);
                if (k < 0)
                        return k;
        }
        if (s->kdump_conf.state == FACT_INVALID) {
                k = add_invalid_config(f, "kdump.conf", &s->kdump_conf.error,
                                "The dump target and the drivers kept out of the capture kernel cannot be derived from it.");
                if (k < 0)
                        return k;
        }
        if (s->initramfs.state == FACT_INVALID) {
                k = add_invalid(f, "initramfs", &s->initramfs.error,
                                "The drivers in the capture kernel cannot be read from it.");
                if (k < 0)
                        return k;
        }
        if (s->modules.state == FACT_INVALID) {
                const struct fact_error generic = { .file = s->modules.dir, .message = (char *) "unreadable module index" };
                /* modules.c kmod_unknown(): libkmod could not be loaded, or it failed (crashed) on
                 * this module directory's index files */
                k = add_invalid_sev(f, SEVERITY_UNKNOWN, "modules",
                                    s->modules.error.message ? &s->modules.error : &generic,
                                    "Built-in drivers and module aliases are unknown.",
                                    "Install libkmod (Debian: libkmod2, Fedora/RHEL: kmod-libs) if it is missing; "
                                    "if it is installed, regenerate the module index with `depmod -a <release>`.");
                if (k < 0)
                        return k;
        }
        if (s->driver_table_error.message) {
                /* Our own data, not the machine's: it only matters when the vector check would
                 * run (kdump in use); a missing table is an installation problem. */
                k = add_invalid_sev(f, kdump_irrelevant ? SEVERITY_INFO : SEVERITY_UNKNOWN, "driver_table",
                                    &s->driver_table_error,
                                    "The interrupt vector demand of the capture kernel's drivers cannot be predicted.",
                                    "drivers.conf ships with kdump-validator: reinstall the package if it is missing. "
                                    "An error in a local file under /etc/kdump-validator/drivers.d/ is fixed at the line named above.");
                if (k < 0)
                        return k;
        }

        /* ---- optional inputs missing: what is not checked, as notes ---- */
        if (s->pci.state == FACT_MISSING && !kdump_irrelevant) {
                k = add_unavailable(f, SEVERITY_INFO, "pci",
                                    "No PCI devices could be read (sys/bus/pci, or --pci-dump): the interrupt "
                                    "vectors of the capture kernel are not checked.",
                                    s->live ? NULL : "Include sys/bus/pci and sys/devices in the captured tree, or pass "
                                                     "--pci-dump with the output of 'lspci -xxxx'.");
                if (k < 0)
                        return k;
        }
        /* collect/proc.c read_input() leaves "not found" for a file the capture simply lacks
         * (proc/meminfo is optional: System RAM comes from /proc/iomem); a file that is there
         * but cannot be read is worth a note naming it. */
        if (s->meminfo.state == FACT_MISSING && s->meminfo.error.message &&
            !startswith(s->meminfo.error.message, "not found")) {
                _cleanup_free_ char *msg = NULL;

                if (asprintf(&msg, "%s: %s. Memory sizes from it (MemTotal) are not used.",
                             s->meminfo.error.file ? s->meminfo.error.file : "proc/meminfo",
                             s->meminfo.error.message) < 0)
                        return -ENOMEM;
                k = add_unavailable(f, SEVERITY_INFO, "proc/meminfo", msg,
                                    s->live ? "Run kdump-validate as root."
                                            : "Copy /proc/meminfo of the machine into proc/meminfo under the root directory, readable by the user running the check.");
                if (k < 0)
                        return k;
        }
        /* collect/pci.c: usable PCI facts (FACT_OK) that still carry an error name a file
         * libpci could not read (a function's config space): its capabilities count as none. */
        if (s->pci.state == FACT_OK && s->pci.error.message) {
                struct finding *x;
                _cleanup_free_ char *where = format_fact_error(&s->pci.error, "pci"), *msg = NULL;

                if (!where || asprintf(&msg, "%s. The interrupt vectors of that function in the capture kernel are "
                                       "estimated without them.", where) < 0)
                        return -ENOMEM;
                x = findings_add(f, "input.unavailable", SEVERITY_INFO, "pci", msg,
                                 s->live ? "Run kdump-validate as root."
                                         : "Capture the tree as root, so that every PCI config file is readable.");
                if (!x)
                        return -ENOMEM;
                finding_add_field(x, "INPUT", "pci");
                if (s->pci.error.file)
                        finding_add_field(x, "FILE", "%s", s->pci.error.file);
        }
        if (s->initramfs.state == FACT_MISSING && s->flavor != KDUMP_FLAVOR_NONE) {
                _cleanup_free_ char *msg = NULL;

                if (asprintf(&msg, "The kdump initramfs%s%s%s could not be read: the capture kernel's drivers are "
                             "taken from the drivers bound now, an upper bound.",
                             s->initramfs.path ? " (" : "", strempty(s->initramfs.path),
                             s->initramfs.path ? ")" : "") < 0)
                        return -ENOMEM;
                k = add_unavailable(f, SEVERITY_INFO, "initramfs", msg,
                                    s->live ? "Build it (RHEL/Fedora: 'kdumpctl rebuild'; Debian/Ubuntu: "
                                              "'/etc/kernel/postinst.d/kdump-tools $(uname -r)'), then run this check again."
                                            : "Include the kdump initramfs in the captured tree, or build it on the machine "
                                              "(RHEL/Fedora: 'kdumpctl rebuild'; Debian/Ubuntu: "
                                              "'/etc/kernel/postinst.d/kdump-tools $(uname -r)') before capturing.");
                if (k < 0)
                        return k;
        }
        if (s->kexec.crash_loaded_state == FACT_MISSING && s->live && !kdump_irrelevant) {
                /* kdumpctl check_kdump_feasibility: "Kdump is not supported on this kernel". */
                k = add_unavailable(f, SEVERITY_INFO, "kexec",
                                    "/sys/kernel/kexec_crash_loaded does not exist: this kernel may be built "
                                    "without kexec/kdump support (CONFIG_CRASH_DUMP).", NULL);
                if (k < 0)
                        return k;
        }

        return check_kdump_configured(s, p, f);
}
