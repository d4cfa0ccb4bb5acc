/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy file: defaults, every key, bad values with their line numbers, unknown keys and
 * sections, hostile driver names, and the shipped conf/kdump-validator.conf. */
#include "kdv/collect.h"
#include "kdv/policy.h"
#include "kdv/root.h"
#include "tap.h"

static bool has_diag(const struct policy_diagnostics *d, unsigned line, const char *needle) {
        for (size_t i = 0; i < d->n; i++)
                if (d->items[i].line == line && (!needle || strstr(d->items[i].message, needle)))
                        return true;
        return false;
}

static void dump_diags(const struct policy_diagnostics *d) {
        for (size_t i = 0; i < d->n; i++)
                printf("#   %s:%u: %s\n", d->items[i].file, d->items[i].line, d->items[i].message);
}

static int parse_text(const char *text, struct policy *p, struct policy_diagnostics *d) {
        if (policy_init(p) < 0)
                return -ENOMEM;
        return policy_parse(text, strlen(text), "test.conf", p, d);
}

static void test_defaults(void) {
        struct policy p = {};
        struct policy_diagnostics d = {};
        int k;

        k = policy_load(NULL, "/nonexistent/kdump-validator.conf", &p, &d);
        is_int(k, 0, "missing file: not an error");
        is_int(d.n, 0, "missing file: no diagnostics");
        ok(p.source == NULL, "missing file: source is NULL (defaults)");
        is_int(p.mode, POLICY_MODE_WARN, "default mode warn");
        is_int(p.max_capture_cpus, 4, "default max_capture_cpus 4");
        is_int(p.vector_margin, 16, "default vector_margin 16");
        ok(!p.restart_kdump, "default restart_kdump no");
        ok(!p.never_blacklist && !p.allow_blacklist, "default lists empty");
        is_int(p.debounce_ms, 2000, "default debounce_ms 2000");
        is_str(p.report_dir, "/run/kdump-validator", "default report_dir");
        ok(p.prometheus_textfile == NULL, "default prometheus_textfile off");
        ok(policy_may_blacklist(&p, "i40e"), "default: any driver may be blacklisted");
        policy_clear(&p);
        policy_diagnostics_clear(&d);

        is_str(policy_mode_to_string(POLICY_MODE_REFUSE), "refuse", "mode to string");
        is_int(policy_mode_from_string("rewrite"), POLICY_MODE_REWRITE, "mode from string");
        is_int(policy_mode_from_string("Warn"), -EINVAL, "mode names are case-sensitive");
}

static void test_full(void) {
        struct policy p = {};
        struct policy_diagnostics d = {};
        struct root r = {};
        int k;

        if (root_open(tap_path("fixtures/policy"), &r) < 0) {
                ok(0, "open fixtures/policy");
                return;
        }
        k = policy_load(&r, "full.conf", &p, &d);
        is_int(k, 0, "full.conf loads cleanly");
        is_int(d.n, 0, "full.conf: no diagnostics");
        dump_diags(&d);
        is_str(p.source, "full.conf", "source recorded");
        is_int(p.mode, POLICY_MODE_REWRITE, "mode = rewrite");
        is_int(p.max_capture_cpus, 8, "max_capture_cpus = 8");
        is_int(p.vector_margin, 32, "vector_margin = 32 (inline ; comment stripped)");
        is_int(strv_length(p.never_blacklist), 4, "never_blacklist: 4 names over 2 lines");
        ok(strv_contains(p.never_blacklist, "virtio_blk"), "never_blacklist: virtio-blk normalised to virtio_blk");
        ok(strv_contains(p.never_blacklist, "megaraid_sas"), "never_blacklist: continuation line appended");
        is_int(strv_length(p.allow_blacklist), 3, "allow_blacklist: 3 names");
        ok(p.restart_kdump, "restart_kdump = yes");
        is_int(p.debounce_ms, 500, "debounce_ms = 500");
        is_str(p.report_dir, "/run/kdv-test", "report_dir");
        is_str(p.prometheus_textfile, "/var/lib/prometheus/node-exporter/kdump-validator.prom", "prometheus_textfile");
        ok(!policy_may_blacklist(&p, "mpt3sas"), "never_blacklist wins");
        ok(!policy_may_blacklist(&p, "nvme"), "nvme never");
        ok(policy_may_blacklist(&p, "i40e"), "i40e allowed");
        ok(policy_may_blacklist(&p, "mlx5-core"), "mlx5-core allowed (dash form)");
        ok(!policy_may_blacklist(&p, "e1000e"), "e1000e not in allow_blacklist");
        ok(!policy_may_blacklist(&p, "../x"), "invalid name never allowed");
        policy_clear(&p);
        policy_diagnostics_clear(&d);

        /* A missing file under a root is also the defaults. */
        k = policy_load(&r, NULL, &p, &d);
        is_int(k, 0, "no policy under the root: defaults");
        ok(p.source == NULL && d.n == 0, "no policy under the root: no source, no diagnostics");
        policy_clear(&p);
        policy_diagnostics_clear(&d);
        root_close(&r);
}

static void test_bad(void) {
        static const struct { unsigned line; const char *needle; } want[] = {
                { 3, "mode: 'panic'" }, { 4, "max_capture_cpus: '0'" }, { 5, "max_capture_cpus: '010x'" },
                { 6, "vector_margin: '-1'" }, { 7, "vector_margin" }, { 8, "restart_kdump: 'maybe'" },
                { 9, "unknown key 'colour'" }, { 10, "belongs in [daemon]" }, { 11, "expected 'key = value'" },
                { 13, "report_dir: 'relative/path'" }, { 14, "report_dir: '/run/../etc'" },
                { 15, "*.prom" }, { 16, "debounce_ms" }, { 17, "unknown section [network]" },
        };
        struct policy p = {};
        struct policy_diagnostics d = {};
        int k;

        k = policy_load(NULL, tap_path("fixtures/policy/bad.conf"), &p, &d);
        is_int(k, -EBADMSG, "bad.conf: -EBADMSG");
        is_int(d.n, ELEMENTSOF(want), "bad.conf: one diagnostic per bad line");
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                ok(has_diag(&d, want[i].line, want[i].needle), "bad.conf:%u: %s", want[i].line, want[i].needle);
        ok(!has_diag(&d, 18, NULL), "keys of an unknown section are not reported one by one");
        ok(d.n > 0 && strstr(d.items[0].file, "fixtures/policy/bad.conf") != NULL, "diagnostic names the file");
        if (d.n != ELEMENTSOF(want))
                dump_diags(&d);
        is_int(p.mode, POLICY_MODE_REWRITE, "bad mode keeps the previous valid value");
        is_int(p.max_capture_cpus, 2, "later valid value applies");
        is_int(p.vector_margin, 16, "bad vector_margin keeps the default");
        ok(!p.restart_kdump, "bad restart_kdump keeps the default");
        is_int(p.debounce_ms, 2000, "debounce_ms in [policy] and out of range: default kept");
        is_str(p.report_dir, "/run/kdump-validator", "bad report_dir keeps the default");
        ok(p.prometheus_textfile == NULL, "bad prometheus_textfile keeps it off");
        policy_clear(&p);
        policy_diagnostics_clear(&d);
}

static void test_structure(void) {
        struct policy p = {};
        struct policy_diagnostics d = {};
        int k;

        k = policy_load(NULL, tap_path("fixtures/policy/structure.conf"), &p, &d);
        is_int(k, -EBADMSG, "structure.conf: -EBADMSG");
        is_int(d.n, 3, "structure.conf: 3 diagnostics");
        ok(has_diag(&d, 1, "outside a section"), "structure.conf:1: key before any section");
        ok(has_diag(&d, 2, "without ']'"), "structure.conf:2: unterminated section header");
        ok(has_diag(&d, 6, "not a list"), "structure.conf:6: indented line continuing a scalar");
        is_int(p.mode, POLICY_MODE_REFUSE, "mode from the valid [policy] section");
        is_int(p.vector_margin, 16, "indented vector_margin is not applied");
        policy_clear(&p);
        policy_diagnostics_clear(&d);
}

static void test_hostile(void) {
        struct policy p = {};
        struct policy_diagnostics d = {};
        bool clean = true;
        int k;

        k = policy_load(NULL, tap_path("fixtures/policy/hostile.conf"), &p, &d);
        is_int(k, -EBADMSG, "hostile.conf: -EBADMSG");
        is_int(d.n, 7, "hostile.conf: one diagnostic per bad name");
        if (d.n != 7)
                dump_diags(&d);
        ok(has_diag(&d, 2, "'../../etc/passwd' is not a driver name"), "path rejected");
        ok(has_diag(&d, 2, "'$(reboot)'"), "command substitution rejected");
        ok(has_diag(&d, 2, "'`id`'"), "backquotes rejected");
        ok(has_diag(&d, 2, "'\\x1b[31mred'"), "escape sequence rejected and shown escaped");
        ok(has_diag(&d, 2, "'UPPER'"), "upper case rejected");
        ok(has_diag(&d, 3, "only allowed in never_blacklist"), "'*' rejected in allow_blacklist");
        for (size_t i = 0; i < d.n; i++)
                for (const char *c = d.items[i].message; *c; c++)
                        if ((unsigned char) *c < 0x20 || (unsigned char) *c >= 0x7f)
                                clean = false;
        ok(clean, "diagnostics contain only printable ASCII");
        is_int(strv_length(p.never_blacklist), 2, "never_blacklist keeps the valid names");
        ok(strv_contains(p.never_blacklist, "ok_driver") && strv_contains(p.never_blacklist, "*"),
           "never_blacklist = ok_driver, *");
        ok(!policy_may_blacklist(&p, "i40e"), "'*' in never_blacklist: nothing may be blacklisted");
        is_int(strv_length(p.allow_blacklist), 1, "allow_blacklist keeps good_one");
        policy_clear(&p);
        policy_diagnostics_clear(&d);

        /* 55 characters is the longest module name, 56 is refused. */
        _cleanup_free_ char *n55 = policy_normalize_driver("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        _cleanup_free_ char *n56 = policy_normalize_driver("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        _cleanup_free_ char *dash = policy_normalize_driver("virtio-net");
        ok(n55 && !n56, "driver name length limit 55");
        is_str(dash, "virtio_net", "'-' normalised to '_'");
        ok(!policy_normalize_driver("") && !policy_normalize_driver("a b") && !policy_normalize_driver("a/b"),
           "empty, space, slash refused");
}

static void test_edge(void) {
        struct policy p = {};
        struct policy_diagnostics d = {};
        char line[512];
        int k;

        /* A line longer than inih's buffer is refused whole, never split into a truncated list. */
        memset(line, 0, sizeof(line));
        strcpy(line, "[policy]\nnever_blacklist = ");
        for (size_t i = strlen(line); i < 300; i++)
                line[i] = i % 10 == 0 ? ' ' : 'x';
        strcat(line, " tail\nmode = refuse\n");
        k = parse_text(line, &p, &d);
        is_int(k, -EBADMSG, "over-long line: -EBADMSG");
        ok(d.n == 1 && has_diag(&d, 2, "longer than"), "over-long line reported at line 2");
        ok(p.never_blacklist == NULL, "over-long line: no partial list");
        is_int(p.mode, POLICY_MODE_REFUSE, "next line still parsed");
        policy_clear(&p);
        policy_diagnostics_clear(&d);

        /* NUL byte. */
        policy_init(&p);
        k = policy_parse("[policy]\nmode = refuse\0\n", 24, "nul.conf", &p, &d);
        is_int(k, -EBADMSG, "NUL byte: -EBADMSG");
        is_int(p.mode, POLICY_MODE_WARN, "NUL byte: defaults");
        policy_clear(&p);
        policy_diagnostics_clear(&d);

        /* Empty assignment resets a list; booleans; CRLF; BOM; ':' separator. */
        k = parse_text("\xEF\xBB\xBF[policy]\r\nnever_blacklist = a b\r\nnever_blacklist =\r\n"
                       "never_blacklist = c\r\nrestart_kdump : On\r\n[daemon]\r\nprometheus_textfile = /x/y.prom\r\n"
                       "prometheus_textfile =\r\n", &p, &d);
        is_int(k, 0, "CRLF, BOM, ':' accepted");
        dump_diags(&d);
        ok(strv_length(p.never_blacklist) == 1 && streq(p.never_blacklist[0], "c"), "empty assignment resets the list");
        ok(p.restart_kdump, "restart_kdump : On");
        ok(p.prometheus_textfile == NULL, "empty prometheus_textfile turns it off");
        policy_clear(&p);
        policy_diagnostics_clear(&d);

        /* Hidden .prom name and trailing slash on report_dir. */
        k = parse_text("[daemon]\nprometheus_textfile = /x/.prom\nreport_dir = /run/x/\nreport_dir = /\n", &p, &d);
        is_int(d.n, 3, "'.prom' alone, trailing '/', '/' refused");
        policy_clear(&p);
        policy_diagnostics_clear(&d);

        /* Unreadable: a directory. */
        k = policy_load(NULL, tap_path("fixtures/policy"), &p, &d);
        is_int(k, -EISDIR, "a directory: -EISDIR");
        ok(d.n == 1 && d.items[0].line == 0 && p.mode == POLICY_MODE_WARN, "a directory: one diagnostic, defaults");
        policy_clear(&p);
        policy_diagnostics_clear(&d);
}

/* The shipped file: parses cleanly as is, and with every "#key = value" line uncommented it
 * still parses cleanly and gives exactly the defaults (the comments tell the truth). */
static void test_shipped(void) {
        const char *dir = getenv("KDV_CONF_DIR");
        char path[4096];
        _cleanup_free_ char *text = NULL;
        struct policy p = {}, def = {};
        struct policy_diagnostics d = {};
        struct strbuf sb = {};
        FILE *f;
        int k;

        snprintf(path, sizeof(path), "%s/kdump-validator.conf", dir ? dir : tap_path("../conf"));
        k = policy_load(NULL, path, &p, &d);
        is_int(k, 0, "shipped conf/kdump-validator.conf loads cleanly");
        ok(p.source != NULL, "shipped conf was found");
        policy_clear(&p);
        policy_diagnostics_clear(&d);

        f = fopen(path, "re");
        if (!f) {
                ok(0, "open shipped conf");
                return;
        }
        for (char buf[1024]; fgets(buf, sizeof(buf), f); ) {
                const char *s = buf;
                if (buf[0] == '#' && buf[1] >= 'a' && buf[1] <= 'z' && strstr(buf, " = ") && !strchr(buf, ','))
                        s = buf + 1;
                strbuf_append(&sb, s);
        }
        fclose(f);
        k = parse_text(sb.buf, &p, &d);
        is_int(k, 0, "shipped conf with every setting uncommented parses cleanly");
        dump_diags(&d);
        policy_init(&def);
        ok(p.mode == def.mode && p.max_capture_cpus == def.max_capture_cpus && p.vector_margin == def.vector_margin &&
           p.restart_kdump == def.restart_kdump && p.debounce_ms == def.debounce_ms &&
           streq(p.report_dir, def.report_dir) && !p.prometheus_textfile && !p.never_blacklist && !p.allow_blacklist,
           "documented defaults equal the built-in defaults");
        policy_clear(&p);
        policy_clear(&def);
        policy_diagnostics_clear(&d);
        strbuf_done(&sb);
}

int main(void) {
        test_defaults();
        test_full();
        test_bad();
        test_structure();
        test_hostile();
        test_edge();
        test_shipped();
        return tap_done();
}
