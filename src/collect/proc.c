/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Facts from /proc and the small /sys/kernel, /sys/devices/system/cpu attributes: command line,
 * memory map, memory size, interrupts, CPU lists, kexec state, kernel release and architecture.
 * Every input is optional: a missing file is FACT_MISSING, a malformed one FACT_INVALID with a
 * fact_error; only running out of memory fails the collector. */
#include <inttypes.h>
#include <sys/utsname.h>

#include "kdv/collect.h"
#include "kdv/util.h"

/* Read PATH below the root. Returns 1 with *ret filled, 0 when the input is not usable (state and,
 * if err is given, the error filled in), -ENOMEM. */
static int read_input(const struct root *r, const char *path, size_t max, char **ret,
                      enum fact_state *state, struct fact_error *err) {
        char *buf = NULL;
        int k;

        k = root_read_file(r, path, max, &buf, NULL);
        if (k >= 0) {
                *ret = buf;
                return 1;
        }
        switch (k) {
        case -ENOMEM:
                return -ENOMEM;
        case -ENOENT:
        case -ENOTDIR:
                *state = FACT_MISSING;
                if (err)
                        fact_error_set(err, path, 0, "not found");
                return 0;
        case -EACCES:
        case -EPERM:
                *state = FACT_MISSING;
                if (err)
                        fact_error_set(err, path, 0, "permission denied (run as root to read it)");
                return 0;
        case -EFBIG:
                *state = FACT_INVALID;
                if (err)
                        fact_error_set(err, path, 0, "larger than %zu bytes, not read", max);
                return 0;
        case -EBADMSG:
                *state = FACT_INVALID;
                if (err)
                        fact_error_set(err, path, 0, "contains a NUL byte: not a text file");
                return 0;
        case -EISDIR:
                *state = FACT_INVALID;
                if (err)
                        fact_error_set(err, path, 0, "is a directory, expected a file");
                return 0;
        case -EBADFD:
                *state = FACT_INVALID;
                if (err)
                        fact_error_set(err, path, 0, "not a regular file");
                return 0;
        default:
                *state = FACT_INVALID;
                if (err)
                        fact_error_set(err, path, 0, "cannot be read: %s", strerror(-k));
                return 0;
        }
}

/* Trim leading and trailing whitespace in place; returns s. */
static char *strip(char *s) {
        char *e;

        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
                *--e = 0;
        return s;
}

/* A one-line file, trimmed. 1 with *ret (malloc'd), 0 unusable, -ENOMEM. A file with more than
 * one non-empty line is unusable (INVALID). */
/* The kernel's own one-line files are short: the command line is at most COMMAND_LINE_SIZE
 * (2048 on x86, 4096 at most elsewhere; CONFIG_CMDLINE can raise it), a release at most 64
 * bytes (__NEW_UTS_LEN). 64 KiB leaves room and rejects hostile input early. */
#define KDV_MAX_ONE_LINE (64u << 10)

static int read_one_line(const struct root *r, const char *path, char **ret,
                         enum fact_state *state, struct fact_error *err) {
        _cleanup_free_ char *buf = NULL;
        char *s;
        int k;

        k = read_input(r, path, KDV_MAX_ONE_LINE, &buf, state, err);
        if (k <= 0)
                return k;
        s = strip(buf);
        if (strchr(s, '\n')) {
                *state = FACT_INVALID;
                if (err)
                        fact_error_set(err, path, 2, "expected a single line");
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 1 : -ENOMEM;
}

static int collect_cmdline(const struct root *r, struct snapshot *s) {
        _cleanup_free_ char *buf = NULL;
        char *c;
        int k;

        free(s->cmdline);
        s->cmdline = NULL;
        fact_error_clear(&s->cmdline_error);
        k = read_input(r, "proc/cmdline", KDV_MAX_ONE_LINE, &buf, &s->cmdline_state, &s->cmdline_error);
        if (k <= 0)
                return k;
        c = strip(buf);
        /* The kernel prints one line (fs/proc/cmdline.c: saved_command_line + '\n'). */
        if (strchr(c, '\n')) {
                s->cmdline_state = FACT_INVALID;
                fact_error_set(&s->cmdline_error, "proc/cmdline", 2, "more than one line: not a kernel command line");
                return 0;
        }
        s->cmdline = strdup(c);
        if (!s->cmdline)
                return -ENOMEM;
        s->cmdline_state = FACT_OK;
        return 0;
}

static int collect_iomem(const struct root *r, struct snapshot *s) {
        _cleanup_free_ char *buf = NULL;
        int k;

        iomem_clear(&s->iomem);
        k = read_input(r, "proc/iomem", KDV_MAX_PROC_FILE, &buf, &s->iomem.state, &s->iomem.error);
        if (k <= 0)
                return k;
        k = iomem_parse(buf, &s->iomem);
        return k == -ENOMEM ? k : 0;
}

static int collect_meminfo(const struct root *r, struct snapshot *s) {
        _cleanup_free_ char *buf = NULL;
        int k;

        fact_error_clear(&s->meminfo.error);
        k = read_input(r, "proc/meminfo", KDV_MAX_PROC_FILE, &buf, &s->meminfo.state, &s->meminfo.error);
        if (k <= 0)
                return k;
        k = meminfo_parse(buf, &s->meminfo);
        return k == -ENOMEM ? k : 0;
}

static int collect_interrupts(const struct root *r, struct snapshot *s) {
        _cleanup_free_ char *buf = NULL;
        int k;

        interrupts_clear(&s->interrupts);
        k = read_input(r, "proc/interrupts", KDV_MAX_PROC_FILE, &buf, &s->interrupts.state,
                       &s->interrupts.error);
        if (k <= 0)
                return k;
        k = interrupts_parse(buf, &s->interrupts);
        return k == -ENOMEM ? k : 0;
}

/* possible/present/online: FACT_OK when all three were read; FACT_INVALID when one is malformed
 * (error names it); otherwise FACT_MISSING with the counts of those that were read filled in and
 * the error naming the first missing file. */
static int collect_cpus(const struct root *r, struct snapshot *s) {
        static const char *const files[3] = {
                "sys/devices/system/cpu/possible",
                "sys/devices/system/cpu/present",
                "sys/devices/system/cpu/online",
        };
        unsigned *counts[3] = { &s->cpus.possible, &s->cpus.present, &s->cpus.online };
        bool missing = false, invalid = false;

        fact_error_clear(&s->cpus.error);
        s->cpus.possible = s->cpus.present = s->cpus.online = 0;

        for (size_t i = 0; i < 3; i++) {
                _cleanup_free_ char *buf = NULL;
                struct fact_error e = {};
                enum fact_state st = FACT_MISSING;
                int k;

                k = read_input(r, files[i], KDV_MAX_PROC_FILE, &buf, &st, &e);
                if (k < 0)
                        return k;
                if (k > 0) {
                        k = cpulist_count(buf, counts[i]);
                        if (k < 0) {
                                st = FACT_INVALID;
                                fact_error_set(&e, files[i], 1, "%s: \"%.40s\"",
                                               k == -EBADMSG ? "empty CPU list" : "malformed CPU list (expected e.g. \"0-7\" or \"0,2-3\")",
                                               strip(buf));
                                if (!e.message) {
                                        fact_error_clear(&e);
                                        return -ENOMEM;
                                }
                        } else
                                continue;
                }
                /* keep the most serious error: an invalid file beats a missing one */
                if (st == FACT_INVALID) {
                        if (!invalid) {
                                fact_error_clear(&s->cpus.error);
                                s->cpus.error = e;
                                invalid = true;
                        } else
                                fact_error_clear(&e);
                } else {
                        if (!invalid && !missing)
                                s->cpus.error = e;
                        else
                                fact_error_clear(&e);
                        missing = true;
                }
        }

        s->cpus.state = invalid ? FACT_INVALID : missing ? FACT_MISSING : FACT_OK;
        return 0;
}

static int collect_kexec(const struct root *r, struct snapshot *s) {
        _cleanup_free_ char *size = NULL, *loaded = NULL;
        uint64_t v;
        int k;

        /* kernel/ksysfs.c kexec_crash_size_show(): "%zu\n" of crash_get_memory_size(). */
        s->kexec.crash_size = 0;
        k = read_one_line(r, "sys/kernel/kexec_crash_size", &size, &s->kexec.crash_size_state, NULL);
        if (k < 0)
                return k;
        if (k > 0) {
                if (parse_u64(size, &v) < 0)
                        s->kexec.crash_size_state = FACT_INVALID;
                else {
                        s->kexec.crash_size = v;
                        s->kexec.crash_size_state = FACT_OK;
                }
        }

        /* kernel/ksysfs.c kexec_crash_loaded_show(): "%d\n" of kexec_crash_loaded(). */
        s->kexec.crash_loaded = false;
        k = read_one_line(r, "sys/kernel/kexec_crash_loaded", &loaded, &s->kexec.crash_loaded_state, NULL);
        if (k < 0)
                return k;
        if (k > 0) {
                if (streq(loaded, "0") || streq(loaded, "1")) {
                        s->kexec.crash_loaded = streq(loaded, "1");
                        s->kexec.crash_loaded_state = FACT_OK;
                } else
                        s->kexec.crash_loaded_state = FACT_INVALID;
        }
        return 0;
}

/* Architecture from a kernel release suffix, as distributions name their kernels:
 * Fedora/RHEL/SUSE-style "…el9.x86_64" (optionally "+debug"), Debian "-amd64", "-arm64",
 * "-powerpc64le", "-s390x". Ubuntu "-generic" and SUSE "-default" do not tell. */
static const char *arch_from_release(const char *rel) {
        static const struct {
                const char *suffix;
                const char *arch;
        } table[] = {
                { ".x86_64", "x86_64" },   { "-amd64", "x86_64" },
                { ".aarch64", "aarch64" }, { "-arm64", "aarch64" },
                { ".ppc64le", "ppc64le" }, { "-powerpc64le", "ppc64le" },
                { ".s390x", "s390x" },     { "-s390x", "s390x" },
                { ".i686", "i686" },       { "-686", "i686" }, { "-686-pae", "i686" },
        };
        size_t len;

        if (!rel)
                return NULL;
        len = strcspn(rel, "+");        /* "5.14.0-284.el9.x86_64+debug" */
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                size_t l = strlen(table[i].suffix);
                if (len >= l && strncmp(rel + len - l, table[i].suffix, l) == 0)
                        return table[i].arch;
        }
        return NULL;
}

/* Architecture from /proc/cpuinfo, the last resort: x86 prints "flags" (arch/x86/kernel/cpu/proc.c;
 * "lm" = long mode, the CPU can run x86_64 — a 32-bit kernel on such a CPU would be misread, which
 * is why the release suffix is tried first); arm64 prints "CPU architecture: 8"
 * (arch/arm64/kernel/cpuinfo.c); s390 "vendor_id       : IBM/S390" (31-bit s390 kernels were
 * removed in v4.1). powerpc's "cpu : POWER9" does not tell ppc64 from ppc64le: left unknown. */
static const char *arch_from_cpuinfo(const char *text) {
        const char *p = text;

        while (p && *p) {
                const char *eol = strchr(p, '\n');
                size_t len = eol ? (size_t) (eol - p) : strlen(p);
                _cleanup_free_ char *line = strndup(p, len);
                const char *v;

                p = eol ? eol + 1 : NULL;
                if (!line)
                        return NULL;
                v = strchr(line, ':');
                if (!v)
                        continue;
                v++;
                if (startswith(line, "flags") && strspn(line + 5, " \t") + 5 == (size_t) (v - 1 - line)) {
                        _cleanup_free_ char *f = NULL;
                        if (asprintf(&f, "%s ", v) < 0)
                                return NULL;
                        for (char *c = f; *c; c++)
                                if (*c == '\t' || *c == '\r')
                                        *c = ' ';
                        return strstr(f, " lm ") ? "x86_64" : "i686";
                }
                if (startswith(line, "CPU architecture")) {
                        while (*v == ' ' || *v == '\t')
                                v++;
                        if (streq(v, "8") || streq(v, "AArch64"))
                                return "aarch64";
                }
                if (startswith(line, "vendor_id") && strstr(v, "IBM/S390"))
                        return "s390x";
        }
        return NULL;
}

static int collect_release_and_arch(const struct root *r, struct snapshot *s) {
        enum fact_state st;
        char *v = NULL;
        int k;

        free(s->kernel_release);
        s->kernel_release = NULL;
        if (r->live) {
                struct utsname u;
                if (uname(&u) == 0) {
                        s->kernel_release = strdup(u.release);
                        if (!s->kernel_release)
                                return -ENOMEM;
                }
        }
        if (!s->kernel_release) {
                fact_error_clear(&s->release_error);
                k = read_one_line(r, "proc/sys/kernel/osrelease", &v, &st, &s->release_error);
                if (k < 0)
                        return k;
                if (k > 0 && *v && strlen(v) <= 64 && !strpbrk(v, " \t/")) {
                        s->kernel_release = v;
                        fact_error_clear(&s->release_error);
                } else {
                        if (k > 0)
                                fact_error_set(&s->release_error, "proc/sys/kernel/osrelease", 1,
                                               "not a kernel release (empty, longer than 64 bytes, or with spaces or '/')");
                        else if (st == FACT_MISSING)
                                fact_error_clear(&s->release_error);
                        free(v);
                }
                v = NULL;
        }

        free(s->kernel_version_banner);
        s->kernel_version_banner = NULL;
        k = read_one_line(r, "proc/version", &v, &st, NULL);
        if (k < 0)
                return k;
        if (k > 0 && *v)
                s->kernel_version_banner = v;
        else
                free(v);
        v = NULL;

        /* Live: the orchestrator asks uname(2) for the machine. */
        if (r->live || s->arch)
                return 0;

        /* proc/sys/kernel/arch: the kernel's own UTS machine (kernel/utsname_sysctl.c "arch"). */
        k = read_one_line(r, "proc/sys/kernel/arch", &v, &st, NULL);
        if (k < 0)
                return k;
        if (k > 0 && *v && !strpbrk(v, " \t/")) {
                s->arch = v;
                return 0;
        }
        free(v);
        v = NULL;

        {
                const char *a = arch_from_release(s->kernel_release);
                if (a) {
                        s->arch = strdup(a);
                        return s->arch ? 0 : -ENOMEM;
                }
        }

        {
                _cleanup_free_ char *cpuinfo = NULL;
                const char *a;

                k = read_input(r, "proc/cpuinfo", KDV_MAX_PROC_FILE, &cpuinfo, &st, NULL);
                if (k < 0)
                        return k;
                if (k > 0 && (a = arch_from_cpuinfo(cpuinfo))) {
                        s->arch = strdup(a);
                        return s->arch ? 0 : -ENOMEM;
                }
        }
        return 0;
}

int collect_proc(const struct root *r, struct snapshot *s) {
        int k;

        if (!r || !s)
                return -EINVAL;

        k = collect_cmdline(r, s);
        if (k >= 0)
                k = collect_iomem(r, s);
        if (k >= 0)
                k = collect_meminfo(r, s);
        if (k >= 0)
                k = collect_interrupts(r, s);
        if (k >= 0)
                k = collect_cpus(r, s);
        if (k >= 0)
                k = collect_kexec(r, s);
        if (k >= 0)
                k = collect_release_and_arch(r, s);
        return k < 0 ? k : 0;
}
