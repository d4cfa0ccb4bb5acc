/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The snapshot file (kdv/snapshot-file.h): for every fixture root the e2e tests use, collect →
 * dump → load → dump gives the same bytes, and the JSON report of the loaded snapshot is the one
 * of the collected snapshot. Then malformed files: each is -EBADMSG naming the right line, with
 * nothing leaked (the sanitizer build checks that). */
#include <dirent.h>
#include <sys/stat.h>

#include "kdv/collect.h"
#include "kdv/plan.h"
#include "kdv/findings.h"
#include "kdv/report.h"
#include "kdv/snapshot-file.h"
#include "tap.h"

static char *report_of(const struct snapshot *s) {
        struct plan p = {};
        struct findings f = {};
        struct strbuf out = {};
        int k;

        k = plan_build(s, &p);
        if (k >= 0)
                k = findings_build(s, &p, NULL, &f);
        if (k >= 0)
                k = report_json(s, &p, &f, &out);
        findings_clear(&f);
        plan_clear(&p);
        if (k < 0 || out.oom) {
                strbuf_done(&out);
                return NULL;
        }
        return out.buf;
}

static char *format(const struct snapshot *s) {
        struct strbuf b = {};

        if (snapshot_format(s, &b) < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return b.buf;
}

/* collect → dump → load → dump; reports equal. Returns the first dump (for the malformed tests). */
static char *round_trip(const char *root, const char *pci_dump, const char *arch, const char *name) {
        struct collect_options o = { .root = root, .pci_dump = pci_dump, .arch = arch,
                                     .driver_table = tap_path("../conf/drivers.conf") };
        struct snapshot *s = NULL, l = {};
        struct fact_error e = {};
        char *d1 = NULL, *d2 = NULL, *r1 = NULL, *r2 = NULL;
        int k;

        k = snapshot_collect(&o, &s);
        ok(k == 0, "%s: collected (%d)", name, k);
        if (k < 0)
                return NULL;
        d1 = format(s);
        ok(d1 != NULL, "%s: dumped", name);
        if (!d1)
                goto finish;
        k = snapshot_load(d1, strlen(d1), name, &l, &e);
        ok(k == 0, "%s: the dump loads back%s%s", name, e.message ? ": " : "", strempty(e.message));
        if (k < 0)
                goto finish;
        d2 = format(&l);
        ok(d2 && streq(d1, d2), "%s: dump → load → dump gives the same %zu bytes", name, strlen(d1));
        k = collect_driver_table(o.driver_table, &l);
        ok(k == 0 && l.driver_table, "%s: driver table loaded for the loaded snapshot", name);
        r1 = report_of(s);
        r2 = report_of(&l);
        ok(r1 && r2 && streq(r1, r2), "%s: plan + findings + JSON report identical (%zu bytes)", name, r1 ? strlen(r1) : 0);
        if (r1 && r2 && !streq(r1, r2)) {
                size_t i = 0;
                while (r1[i] == r2[i])
                        i++;
                printf("# differ at %zu: ...%.80s | ...%.80s\n", i, r1 + (i > 40 ? i - 40 : 0), r2 + (i > 40 ? i - 40 : 0));
        }
finish:
        free(d2);
        free(r1);
        free(r2);
        fact_error_clear(&e);
        snapshot_clear(&l);
        snapshot_free(s);
        return d1;
}

static void round_trip_dir(const char *rel, const char *sub, const char *arch) {
        DIR *d = opendir(tap_path(rel));
        struct dirent *de;
        char **names = NULL;
        size_t n = 0;

        ok(d != NULL, "fixtures %s", rel);
        if (!d)
                return;
        while ((de = readdir(d))) {
                char p[4200];
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(p, sizeof(p), "%s/%s%s", tap_path(rel), de->d_name, sub);
                if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                names = realloc(names, (n + 1) * sizeof(char *));
                names[n++] = strdup(p);
        }
        closedir(d);
        for (size_t i = 0; i < n; i++) {
                free(round_trip(names[i], NULL, arch, names[i]));
                free(names[i]);
        }
        free(names);
}

/* ---- malformed files ---- */

static char *base;              /* a good dump (debian-kdump-tools) */

static unsigned line_of(const char *text, const char *prefix) {
        unsigned n = 1;
        size_t l = strlen(prefix);

        for (const char *p = text; *p; n++) {
                if (strncmp(p, prefix, l) == 0)
                        return n;
                p = strchr(p, '\n');
                if (!p)
                        break;
                p++;
        }
        return 0;
}

/* BASE with the line starting with PREFIX replaced by REPL (NULL: deleted; a string ending in
 * "\n" + the old line: inserted before it — see callers). */
static char *edit(const char *prefix, const char *repl) {
        const char *p = base;
        struct strbuf b = {};

        for (; *p;) {
                const char *eol = strchr(p, '\n');
                size_t len = eol ? (size_t) (eol - p) + 1 : strlen(p);

                if (prefix && strncmp(p, prefix, strlen(prefix)) == 0) {
                        if (repl)
                                strbuf_append(&b, repl);
                        prefix = NULL;
                } else
                        strbuf_appendn(&b, p, len);
                p += len;
        }
        return b.buf;
}

static void bad_n(const char *name, const char *text, size_t len, unsigned want_line, const char *want_msg) {
        struct snapshot s = {};
        struct fact_error e = {};
        int k;

        k = snapshot_load(text, len, "snap.txt", &s, &e);
        ok(k == -EBADMSG, "%s: -EBADMSG (%d)", name, k);
        ok(e.line == want_line, "%s: line %u (want %u)", name, e.line, want_line);
        ok(e.message && strstr(e.message, want_msg) && e.file && streq(e.file, "snap.txt"),
           "%s: snap.txt:%u: %s", name, e.line, strempty(e.message));
        ok(!s.root && !s.pci.functions && !s.interrupts.lines && !s.iomem.ranges, "%s: the snapshot stays empty", name);
        fact_error_clear(&e);
        snapshot_clear(&s);
}

static void bad(const char *name, char *text, unsigned want_line, const char *want_msg) {
        ok(text != NULL, "%s: test input built", name);
        if (text)
                bad_n(name, text, strlen(text), want_line, want_msg);
        free(text);
}

static char *replace_in(const char *prefix, const char *from, const char *to) {
        unsigned n = line_of(base, prefix);
        const char *p = base;
        struct strbuf b = {};

        (void) n;
        for (; *p;) {
                const char *eol = strchr(p, '\n');
                size_t len = eol ? (size_t) (eol - p) + 1 : strlen(p);

                if (prefix && strncmp(p, prefix, strlen(prefix)) == 0) {
                        _cleanup_free_ char *line = strndup(p, len);
                        char *at = strstr(line, from);
                        if (at) {
                                strbuf_appendn(&b, line, (size_t) (at - line));
                                strbuf_append(&b, to);
                                strbuf_append(&b, at + strlen(from));
                        } else
                                strbuf_append(&b, line);
                        prefix = NULL;
                } else
                        strbuf_appendn(&b, p, len);
                p += len;
        }
        return b.buf;
}

static void malformed(void) {
        unsigned l_pci = line_of(base, "pci.function "), l_irq = line_of(base, "interrupts.line "),
                 l_end = line_of(base, "end"), l_mem = line_of(base, "meminfo ");
        char *t;

        ok(l_pci > 0 && l_irq > 0 && l_end > 0 && l_mem > 0, "base dump has PCI functions, interrupt lines, end");

        bad("bad version", edit("kdump-validator-snapshot", "kdump-validator-snapshot 2\n"), 1,
            "unsupported snapshot format version \"2\"");
        bad("not a snapshot", edit("kdump-validator-snapshot", "[snapshot]\n"), 1, "not a kdump-validator snapshot");
        bad("empty file", strdup(""), 0, "empty file");
        bad("unknown key", edit("live ", "live no\nfrobnicate 1\n"), 4, "unknown record \"frobnicate\"");
        bad("bad escape", edit("root ", "root /a%zz\n"), 2, "root: bad escape");
        bad("short escape", edit("root ", "root /a%4\n"), 2, "bad escape");
        bad("NUL escape", edit("root ", "root /a%00b\n"), 2, "%00");
        bad("unescaped byte", edit("root ", "root /a\x01\n"), 2, "must be escaped");
        bad("huge number", edit("meminfo ", "meminfo ok 99999999999999999999999\n"), l_mem, "does not fit in 64 bits");
        bad("negative number", edit("meminfo ", "meminfo ok -1024\n"), l_mem, "decimal number");
        bad("n_cpus out of range", edit("interrupts ok", "interrupts ok 70000\n"), l_irq - 1, "out of range");
        bad("n_cpus mismatch", edit("interrupts ok", "interrupts ok 7\n"), l_irq, "8 counts, the interrupts record has 7 CPUs");
        bad("bad slot", replace_in("pci.function ", "0000:00:00.0", "zz"), l_pci, "pci.function: bad slot \"zz\"");
        bad("slot not canonical", replace_in("pci.function ", "0000:00:00.0", "0:00:00.0"), l_pci, "bad slot");
        bad("slot device 32", replace_in("pci.function ", "0000:00:00.0", "0000:00:20.0"), l_pci, "bad slot");
        {
                /* swap the first two PCI functions */
                const char *a = strstr(base, "\npci.function ") + 1, *b2 = strchr(a, '\n') + 1, *c = strchr(b2, '\n') + 1;
                struct strbuf x = {};
                strbuf_appendn(&x, base, (size_t) (a - base));
                strbuf_appendn(&x, b2, (size_t) (c - b2));
                strbuf_appendn(&x, a, (size_t) (b2 - a));
                strbuf_append(&x, c);
                bad("unsorted PCI", x.buf, l_pci + 1, "probe order");

                x = (struct strbuf) {};
                strbuf_appendn(&x, base, (size_t) (b2 - base));
                strbuf_appendn(&x, a, (size_t) (b2 - a));
                strbuf_append(&x, b2);
                bad("duplicate PCI slot", x.buf, l_pci + 1, "probe order");
        }
        bad("MSI vectors not a power of two", replace_in("pci.function 0000:00:04.0", "msi_max_vectors=1", "msi_max_vectors=3"),
            line_of(base, "pci.function 0000:00:04.0"), "power of two");
        bad("MSI vectors above 32", replace_in("pci.function 0000:00:04.0", "msi_max_vectors=1", "msi_max_vectors=64"),
            line_of(base, "pci.function 0000:00:04.0"), "out of range");
        bad("MSI-X table too large", replace_in("pci.function 0000:00:02.0", "msix_table_size=5", "msix_table_size=4096"),
            line_of(base, "pci.function 0000:00:02.0"), "msix_table_size: 4096 is out of range");
        bad("MSI-X without msix", replace_in("pci.function 0000:00:02.0", "msix=yes", "msix=no"),
            line_of(base, "pci.function 0000:00:02.0"), "msix_table_size must be");
        bad("PCI key renamed", replace_in("pci.function 0000:00:02.0", "vendor=", "vendour="),
            line_of(base, "pci.function 0000:00:02.0"), "expected vendor=");
        bad("PCI modules list with an empty name", replace_in("pci.function 0000:00:02.0", "modules=", "modules=a,,b"),
            line_of(base, "pci.function 0000:00:02.0"), "empty or missing name");
        bad("modules invalid without error", edit("modules ", "modules invalid lib/modules/6.1.0-56-amd64\n"), l_end,
            "modules: state invalid needs an error record");
        bad("bad state", edit("meminfo ", "meminfo fine 1024\n"), l_mem, "expected ok, missing or invalid");
        bad("invalid without error", edit("meminfo ", "meminfo invalid 0\n"), l_end,
            "meminfo: state invalid needs an error record");
        bad("ok with data missing", edit("meminfo ", "meminfo ok 0\n"), l_end, "mem_total");
        bad("system_ram mismatch", edit("iomem ok", "iomem ok 4096 no\n"), l_end, "system_ram is 4096");
        bad("irq label with a colon", replace_in("interrupts.line ", "interrupts.line 0 ", "interrupts.line 0: "),
            l_irq, "not one word");
        bad("irq missing", replace_in("interrupts.line ", "interrupts.line 0 ", "interrupts.line - "), l_irq,
            "irq must not be missing");
        bad("out of order", edit("live ", NULL), 3, "expected a \"live\" record before it");
        bad("repeated record", edit("live ", "live no\nlive no\n"), 4, "repeated");
        bad("missing record", edit("kernel_release ", NULL), line_of(base, "kernel_release "),
            "expected a \"kernel_release\" record");
        bad("wrong field count", edit("live ", "live no yes\n"), 3, "expected 1 fields, got 2");
        bad("double space", edit("live ", "live  no\n"), 3, "empty field");
        bad("trailing space", edit("live ", "live no \n"), 3, "empty field");
        bad("CRLF", edit("live ", "live no\r\n"), 3, "carriage return");
        bad("text after end", edit("end", "end\nroot /\n"), l_end + 1, "after the \"end\" line");
        bad("no end", edit("end", NULL), l_end - 1, "no \"end\" line");
        t = strdup(base);
        t[strlen(t) - 2] = 0;           /* "en" without newline */
        bad("truncated mid-line", t, l_end, "truncated");
        {
                size_t n = strlen(base);
                char *z = strdup(base);
                char *at = strstr(z, "\nlive ") + 3;
                *at = 0;
                bad_n("NUL byte", z, n, 3, "NUL byte");
                free(z);
        }
        {
                /* a 10 MB line: an iomem name far beyond what the kernel prints */
                size_t big = 10u << 20;
                unsigned l_range = line_of(base, "iomem.range 0 ");
                char *line = malloc(big + 64);
                int n = snprintf(line, 64, "iomem.range 0 0x0 0xfff ");
                memset(line + n, 'x', big);
                strcpy(line + n + big, "\n");
                t = edit("iomem.range 0 ", line);
                free(line);
                bad("10 MB name", t, l_range, "name longer than 4096");

                big = 17u << 20;
                line = malloc(big + 64);
                n = snprintf(line, 64, "iomem.range 0 0x0 0xfff ");
                memset(line + n, 'x', big);
                strcpy(line + n + big, "\n");
                t = edit("iomem.range 0 ", line);
                free(line);
                bad("17 MB line", t, l_range, "line of");
        }
        {
                struct snapshot s = {};
                struct fact_error e = {};
                ok(snapshot_load(base, SNAPSHOT_FILE_MAX + 1, "snap.txt", &s, &e) == -EBADMSG &&
                   e.message && strstr(e.message, "larger than"), "file above the size cap refused before reading it");
                fact_error_clear(&e);
        }
        /* a hand-made but valid edit loads: a literal "-" and "~" as strings, and the NULL token */
        {
                struct snapshot s = {};
                struct fact_error e = {};
                char *x = edit("root ", "root %2D\n");
                int k = snapshot_load(x, strlen(x), "snap.txt", &s, &e);
                ok(k == 0 && s.root && streq(s.root, "-"), "%%2D is the string \"-\" (%s)", strempty(e.message));
                snapshot_clear(&s);
                free(x);
                x = edit("root ", "root -\n");
                k = snapshot_load(x, strlen(x), "snap.txt", &s, &e);
                ok(k == 0 && !s.root, "- is NULL");
                snapshot_clear(&s);
                free(x);
                x = edit("root ", "root ~\n");
                k = snapshot_load(x, strlen(x), "snap.txt", &s, &e);
                ok(k == 0 && s.root && !*s.root, "~ is the empty string");
                snapshot_clear(&s);
                free(x);
                fact_error_clear(&e);
        }
}

static void load_file(void) {
        struct collect_options o = { .driver_table = tap_path("../conf/drivers.conf"), .arch = "aarch64" };
        struct snapshot *s = NULL;
        struct fact_error e = {};
        char path[] = "/tmp/kdv-test-snapshot.XXXXXX";
        int fd = mkstemp(path), k;

        ok(fd >= 0 && write(fd, base, strlen(base)) == (ssize_t) strlen(base), "temp snapshot written");
        if (fd >= 0)
                close(fd);
        k = snapshot_load_file(&o, path, &s, &e);
        ok(k == 0 && s && s->driver_table && s->arch && streq(s->arch, "aarch64") && s->arch_from_option,
           "snapshot_load_file: loads, reads the driver table, --arch overrides");
        snapshot_free(s);
        s = NULL;
        unlink(path);

        k = snapshot_load_file(&o, "/nonexistent/snap.txt", &s, &e);
        ok(k == -EBADMSG && !s && e.message && strstr(e.message, "cannot open") && e.line == 0, "missing file: %s",
           strempty(e.message));
        fact_error_clear(&e);
        k = snapshot_load_file(&o, "/tmp", &s, &e);
        ok(k == -EBADMSG && !s && e.message && strstr(e.message, "not a regular file"), "directory: %s", strempty(e.message));
        fact_error_clear(&e);
}

int main(void) {
        round_trip_dir("fixtures/roots", "", NULL);
        round_trip_dir("fixtures/roots", "", "x86_64");
        round_trip_dir("fixtures/oracle", "/root", NULL);
        round_trip_dir("fixtures/pci", "", NULL);
        {
                DIR *d = opendir(tap_path("fixtures/pci/dumps"));
                struct dirent *de;
                while (d && (de = readdir(d))) {
                        char p[4200];
                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(p, sizeof(p), "%s/%s", tap_path("fixtures/pci/dumps"), de->d_name);
                        free(round_trip(tap_path("fixtures/pci/a-baseline"), p, "x86_64", de->d_name));
                }
                if (d)
                        closedir(d);
        }

        /* module lists: a root with Debian 6.1's module index (modules.builtin, aliases per PCI
         * function through libkmod) and each kdump initramfs of fixtures/pci/initramfs */
        {
                static const char *const ini[] = { "debian", "rhel", "plain", "broken", "garbage" };
                char tmp[] = "/tmp/kdv-test-snapshot-root.XXXXXX", cmd[16384];

                ok(mkdtemp(tmp) != NULL, "temp root");
                for (size_t i = 0; i < ELEMENTSOF(ini); i++) {
                        char name[64];
                        snprintf(name, sizeof(name), "fixtures/pci/initramfs/%s", ini[i]);
                        snprintf(cmd, sizeof(cmd),
                                 "rm -rf '%s'/* && mkdir -p '%s/proc/sys/kernel' '%s/etc' && "
                                 "echo 6.1.0-56-amd64 > '%s/proc/sys/kernel/osrelease' && "
                                 "cp -a '%s/lib' '%s/' && cp -a '%s'/. '%s/' && "
                                 "echo 'path /var/crash' > '%s/etc/kdump.conf'",
                                 tmp, tmp, tmp, tmp, tap_path("fixtures/pci/a-baseline"), tmp, tap_path(name), tmp, tmp);
                        ok(system(cmd) == 0, "root with modules and the %s initramfs", ini[i]);
                        snprintf(name, sizeof(name), "modules + %s initramfs", ini[i]);
                        char *d = round_trip(tmp, tap_path("fixtures/pci/dumps/samsung-np350v5c-laptop.txt"),
                                             "x86_64", name);
                        ok(d && strstr(d, "\nmodules ok ") && strstr(d, "\nmodules.builtin ") &&
                           strstr(d, " modules=") && !strstr(d, "modules=-"),
                           "%s: module directory, built-in list and per-function module lists collected", name);
                        if (i < 2)
                                ok(d && strstr(d, "\ninitramfs ok ") && strstr(d, "\ninitramfs.modules "),
                                   "%s: the initramfs module list collected", name);
                        free(d);
                }
                /* libkmod missing: the module set is invalid, and why is a fact of the snapshot */
                setenv("KDV_TEST_LIBKMOD_SONAME", "libkmod-kdv-test-missing.so.2", 1);
                {
                        char *d = round_trip(tmp, NULL, "x86_64", "modules, no libkmod");

                        ok(d && strstr(d, "\nmodules invalid lib/modules/6.1.0-56-amd64\n") &&
                           strstr(d, "\nmodules.error lib/modules/6.1.0-56-amd64 0 cannot%20load%20libkmod-kdv-test-missing.so.2:%20") &&
                           !strstr(d, "\nmodules.builtin "),
                           "no libkmod: modules invalid, modules.error says why, no built-in list");
                        free(d);
                }
                unsetenv("KDV_TEST_LIBKMOD_SONAME");
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
                (void) system(cmd);
        }

        base = round_trip(tap_path("fixtures/roots/debian-kdump-tools"), NULL, NULL, "base");
        ok(base != NULL, "base dump");
        if (base) {
                malformed();
                load_file();
        }
        free(base);
        return tap_done();
}
