/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reports (act/json.c, act/text.c) and the input findings (findings/inputs.c), over snapshots,
 * plans and findings built by hand: the JSON must parse strictly (RFC 8259, checked by the small
 * parser below and, when python3 exists, by a byte-exact round trip through Python's json),
 * carry the stable keys, escape hostile strings, and map verdicts to exit codes. */
#include <inttypes.h>
#include <stdint.h>

#include "kdv/collect.h"
#include "kdv/findings.h"
#include "kdv/plan.h"
#include "kdv/report.h"
#include "kdv/snapshot.h"
#include "tap.h"

/* ---- a strict little JSON parser (DOM), enough to check what the report says ---- */

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
        enum jt t;
        bool b;
        char *s;                /* decoded string, or number text */
        struct jv **v;          /* array items / object values */
        char **k;               /* object keys */
        size_t n;
};

struct jp {
        const char *p;
        const char *err;
        unsigned depth;
};

static void jv_free(struct jv *v) {
        if (!v)
                return;
        for (size_t i = 0; i < v->n; i++) {
                jv_free(v->v[i]);
                if (v->k)
                        free(v->k[i]);
        }
        free(v->v);
        free(v->k);
        free(v->s);
        free(v);
}

static void ws(struct jp *j) {
        while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r')
                j->p++;
}

static struct jv *fail(struct jp *j, const char *why) {
        if (!j->err)
                j->err = why;
        return NULL;
}

static int hex4(const char *p) {
        int v = 0;
        for (int i = 0; i < 4; i++) {
                char c = p[i];
                v <<= 4;
                if (c >= '0' && c <= '9') v |= c - '0';
                else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
                else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
                else return -1;
        }
        return v;
}

static void put_utf8(struct strbuf *sb, unsigned cp) {
        char b[4];
        if (cp < 0x80) { b[0] = (char) cp; strbuf_appendn(sb, b, 1); }
        else if (cp < 0x800) { b[0] = (char) (0xc0 | cp >> 6); b[1] = (char) (0x80 | (cp & 0x3f)); strbuf_appendn(sb, b, 2); }
        else if (cp < 0x10000) { b[0] = (char) (0xe0 | cp >> 12); b[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
                b[2] = (char) (0x80 | (cp & 0x3f)); strbuf_appendn(sb, b, 3); }
        else { b[0] = (char) (0xf0 | cp >> 18); b[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
                b[2] = (char) (0x80 | ((cp >> 6) & 0x3f)); b[3] = (char) (0x80 | (cp & 0x3f)); strbuf_appendn(sb, b, 4); }
}

/* Valid UTF-8 sequence length at p, 0 if invalid. Written independently of the code under test. */
static size_t u8len(const unsigned char *p) {
        unsigned cp; size_t n;
        if (p[0] < 0x80) return 1;
        if ((p[0] & 0xe0) == 0xc0) { n = 2; cp = p[0] & 0x1f; }
        else if ((p[0] & 0xf0) == 0xe0) { n = 3; cp = p[0] & 0x0f; }
        else if ((p[0] & 0xf8) == 0xf0) { n = 4; cp = p[0] & 0x07; }
        else return 0;
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xc0) != 0x80) return 0;
                cp = cp << 6 | (p[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
        return n;
}

static char *parse_string(struct jp *j) {
        struct strbuf sb = {};

        if (*j->p != '"') { fail(j, "expected string"); return NULL; }
        j->p++;
        strbuf_append(&sb, "");
        for (;;) {
                unsigned char c = (unsigned char) *j->p;
                if (c == '"') { j->p++; return sb.buf; }
                if (c < 0x20) { fail(j, "raw control character or end in string"); break; }
                if (c == '\\') {
                        char e = j->p[1];
                        j->p += 2;
                        switch (e) {
                        case '"': strbuf_append(&sb, "\""); break;
                        case '\\': strbuf_append(&sb, "\\"); break;
                        case '/': strbuf_append(&sb, "/"); break;
                        case 'b': strbuf_append(&sb, "\b"); break;
                        case 'f': strbuf_append(&sb, "\f"); break;
                        case 'n': strbuf_append(&sb, "\n"); break;
                        case 'r': strbuf_append(&sb, "\r"); break;
                        case 't': strbuf_append(&sb, "\t"); break;
                        case 'u': {
                                int h = hex4(j->p);
                                if (h < 0) { fail(j, "bad \\u escape"); goto bad; }
                                j->p += 4;
                                if (h >= 0xd800 && h <= 0xdbff && j->p[0] == '\\' && j->p[1] == 'u') {
                                        int l = hex4(j->p + 2);
                                        if (l >= 0xdc00 && l <= 0xdfff) {
                                                j->p += 6;
                                                put_utf8(&sb, 0x10000 + ((unsigned) (h - 0xd800) << 10) + (unsigned) (l - 0xdc00));
                                                break;
                                        }
                                }
                                if (h >= 0xd800 && h <= 0xdfff) { fail(j, "lone surrogate"); goto bad; }
                                put_utf8(&sb, (unsigned) h);
                                break;
                        }
                        default: fail(j, "bad escape"); goto bad;
                        }
                        continue;
                }
                size_t l = u8len((const unsigned char *) j->p);
                if (l == 0) { fail(j, "invalid UTF-8 in string"); break; }
                strbuf_appendn(&sb, j->p, l);
                j->p += l;
        }
bad:
        strbuf_done(&sb);
        return NULL;
}

static struct jv *parse_value(struct jp *j);

static struct jv *jv_new(enum jt t) {
        struct jv *v = calloc(1, sizeof(*v));
        if (v) v->t = t;
        return v;
}

static bool jv_push(struct jv *c, char *key, struct jv *item) {
        c->v = realloc(c->v, sizeof(*c->v) * (c->n + 1));
        if (c->t == J_OBJ)
                c->k = realloc(c->k, sizeof(*c->k) * (c->n + 1));
        c->v[c->n] = item;
        if (c->t == J_OBJ)
                c->k[c->n] = key;
        c->n++;
        return true;
}

static struct jv *parse_container(struct jp *j, bool obj) {
        struct jv *c = jv_new(obj ? J_OBJ : J_ARR);
        char close = obj ? '}' : ']';

        j->p++;
        ws(j);
        if (*j->p == close) { j->p++; return c; }
        for (;;) {
                char *key = NULL;
                struct jv *item;

                ws(j);
                if (obj) {
                        key = parse_string(j);
                        if (!key) goto bad;
                        for (size_t i = 0; i < c->n; i++)
                                if (streq(c->k[i], key)) { free(key); fail(j, "duplicate key"); goto bad; }
                        ws(j);
                        if (*j->p != ':') { free(key); fail(j, "expected ':'"); goto bad; }
                        j->p++;
                }
                item = parse_value(j);
                if (!item) { free(key); goto bad; }
                jv_push(c, key, item);
                ws(j);
                if (*j->p == ',') { j->p++; continue; }
                if (*j->p == close) { j->p++; return c; }
                fail(j, "expected ',' or close");
                goto bad;
        }
bad:
        jv_free(c);
        return NULL;
}

static struct jv *parse_value(struct jp *j) {
        struct jv *v;

        if (++j->depth > 64)
                return fail(j, "too deep");
        ws(j);
        switch (*j->p) {
        case '{': v = parse_container(j, true); break;
        case '[': v = parse_container(j, false); break;
        case '"': {
                char *s = parse_string(j);
                if (!s) return NULL;
                v = jv_new(J_STR);
                v->s = s;
                break;
        }
        case 'n': if (!startswith(j->p, "null")) return fail(j, "bad literal");
                j->p += 4; v = jv_new(J_NULL); break;
        case 't': if (!startswith(j->p, "true")) return fail(j, "bad literal");
                j->p += 4; v = jv_new(J_BOOL); v->b = true; break;
        case 'f': if (!startswith(j->p, "false")) return fail(j, "bad literal");
                j->p += 5; v = jv_new(J_BOOL); break;
        default: {
                const char *s = j->p;
                if (*j->p == '-') j->p++;
                if (*j->p == '0') j->p++;
                else if (*j->p >= '1' && *j->p <= '9') while (*j->p >= '0' && *j->p <= '9') j->p++;
                else return fail(j, "unexpected character");
                if (*j->p == '.') { j->p++; if (!(*j->p >= '0' && *j->p <= '9')) return fail(j, "bad fraction");
                        while (*j->p >= '0' && *j->p <= '9') j->p++; }
                if (*j->p == 'e' || *j->p == 'E') { j->p++; if (*j->p == '+' || *j->p == '-') j->p++;
                        if (!(*j->p >= '0' && *j->p <= '9')) return fail(j, "bad exponent");
                        while (*j->p >= '0' && *j->p <= '9') j->p++; }
                v = jv_new(J_NUM);
                v->s = strndup(s, (size_t) (j->p - s));
        }
        }
        j->depth--;
        return v;
}

static struct jv *json_parse(const char *text, const char **err) {
        struct jp j = { .p = text };
        struct jv *v = parse_value(&j);

        if (v) {
                ws(&j);
                if (*j.p) { jv_free(v); v = NULL; j.err = "trailing garbage"; }
        }
        if (err) *err = j.err;
        return v;
}

/* Path lookup: "crashkernel.reserved", "findings.0.id", keys may contain '/' but not '.';
 * a key with a dot is looked up with jget_key(). */
static struct jv *jget_key(struct jv *v, const char *key) {
        if (!v || v->t != J_OBJ) return NULL;
        for (size_t i = 0; i < v->n; i++)
                if (streq(v->k[i], key)) return v->v[i];
        return NULL;
}

static struct jv *jget(struct jv *v, const char *path) {
        char buf[256], *save = NULL;
        snprintf(buf, sizeof(buf), "%s", path);
        for (char *t = strtok_r(buf, ".", &save); t && v; t = strtok_r(NULL, ".", &save)) {
                if (v->t == J_ARR) {
                        char *e; unsigned long i = strtoul(t, &e, 10);
                        v = (*e || i >= v->n) ? NULL : v->v[i];
                } else
                        v = jget_key(v, t);
        }
        return v;
}

static const char *jstr(struct jv *root, const char *path) {
        struct jv *v = jget(root, path);
        return v && v->t == J_STR ? v->s : NULL;
}

static bool jnull(struct jv *root, const char *path) {
        struct jv *v = jget(root, path);
        return v && v->t == J_NULL;
}

static long long jnum(struct jv *root, const char *path) {
        struct jv *v = jget(root, path);
        return v && v->t == J_NUM ? strtoll(v->s, NULL, 10) : -1;
}

static int jbool(struct jv *root, const char *path) {
        struct jv *v = jget(root, path);
        return v && v->t == J_BOOL ? v->b : -1;
}

/* ---- fixtures built by hand ---- */

#define S(x) ((char *) (x))

/* Hostile: quote, backslash, newline, \x01, ESC, a lone 0xff, an overlong '/', a surrogate. */
#define HOSTILE "a\"b\\c\nd\x01" "e\x1b]0;pwned\x07" "f\xff" "g\xc0\xafh\xed\xa0\x80i caf\xc3\xa9"
/* The same as JSON decodes it: every invalid byte becomes U+FFFD. */
#define HOSTILE_DECODED "a\"b\\c\nd\x01" "e\x1b]0;pwned\x07" "f\xef\xbf\xbd" "g\xef\xbf\xbd\xef\xbf\xbdh\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdi caf\xc3\xa9"

static void base_snapshot(struct snapshot *s) {
        *s = (struct snapshot) {
                .root = S("/srv/captures/host1"),
                .arch = S("x86_64"),
                .kernel_release = S("6.1.0-56-amd64"),
                .cmdline_state = FACT_OK,
                .cmdline = S("BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro crashkernel=512M-:192M quiet"),
                .iomem = { .state = FACT_OK, .system_ram = 8 * GiB },
                .meminfo = { .state = FACT_OK, .mem_total = 8 * GiB },
                .interrupts = { .state = FACT_OK },
                .cpus = { .state = FACT_OK, .possible = 4, .present = 4, .online = 4 },
                .kexec = { .crash_size_state = FACT_OK, .crash_size = 192 * MiB,
                           .crash_loaded_state = FACT_OK, .crash_loaded = true },
                .pci = { .state = FACT_OK, .source = PCI_SOURCE_SYSFS, .n_functions = 12 },
                .flavor = KDUMP_FLAVOR_DEBIAN,
                .kdump_sysconfig = { .state = FACT_OK, .path = S("etc/default/kdump-tools") },
                .kdump_enabled_known = true,
                .kdump_enabled = true,
                .dump_target = { .kind = DUMP_TARGET_LOCAL_FS, .spec = S("path /var/crash"),
                                 .block_device = S("vda"), .pci_slot = S("0000:00:07.0") },
                .initramfs = { .state = FACT_OK, .path = S("var/lib/kdump/initrd.img-6.1.0-56-amd64") },
                .modules = { .state = FACT_OK, .dir = S("lib/modules/6.1.0-56-amd64") },
        };
}

static char *blacklist[] = { S("i40e"), S("bad\"name\x01"), NULL };
static struct vector_device devices[] = {
        { .slot = S("0000:00:03.0"), .driver = S("i40e"), .vectors = 0, .fails = true },
        { .slot = S("0000:00:07.0"), .driver = S("virtio_blk"), .vectors = 1, .fallback = S("intx"), .dump_target = true },
        { .slot = S("0000:00:08.0"), .driver = NULL, .vectors = 0 },
};

static void base_plan(struct plan *p) {
        *p = (struct plan) {
                .crashkernel = {
                        .request = { .present = true, .valid = true, .text = S("512M-:192M"), .range_form = true,
                                     .size = 192 * MiB, .ram_evaluated = 8 * GiB },
                        .facts_known = true, .reserved = 192 * MiB, .reserved_low = 192 * MiB, .n_regions = 1,
                        .loaded_known = true, .loaded = true, .crash_size_known = true, .crash_size = 192 * MiB,
                },
                .capture = { .cmdline = S("BOOT_IMAGE=/vmlinuz ro quiet reset_devices nr_cpus=1 irqpoll usbcore.nousb"),
                             .cmdline_known = true, .cpus = 1, .cpus_from_cmdline = true, .cpus_param = S("nr_cpus"),
                             .blacklist = blacklist, .reset_devices = true },
                .memory = { .known = true, .estimate = 150 * MiB, .reserved = 192 * MiB, .recommended = 256 * MiB },
                .vectors = { .applicable = true, .capacity_per_cpu = 201, .capture_cpus = 1, .capacity = 201,
                             .demand = 230, .min_cpus = 2, .devices = devices, .n_devices = ELEMENTSOF(devices) },
        };
}

static struct jv *render_json(const struct snapshot *s, const struct plan *p, const struct findings *f, char **text) {
        struct strbuf out = {};
        const char *err = NULL;
        struct jv *v;
        int k;

        k = report_json(s, p, f, &out);
        if (k < 0 || !out.buf) {
                strbuf_done(&out);
                return NULL;
        }
        v = json_parse(out.buf, &err);
        if (!v)
                printf("# JSON parse error: %s\n%s\n", strempty(err), out.buf);
        if (text)
                *text = out.buf;
        else
                strbuf_done(&out);
        return v;
}

static char *render_text(const struct snapshot *s, const struct plan *p, const struct findings *f, bool color) {
        struct strbuf out = {};
        if (report_text(s, p, f, color, &out) < 0) {
                strbuf_done(&out);
                return NULL;
        }
        return out.buf;
}

static const struct finding *find(const struct findings *f, const char *id) {
        for (size_t i = 0; i < f->n; i++)
                if (streq(f->items[i].id, id))
                        return &f->items[i];
        return NULL;
}

/* ---- tests ---- */

static void test_escape(void) {
        struct strbuf sb = {};

        json_escape(&sb, "plain / text");
        is_str(sb.buf, "\"plain / text\"", "escape: plain text unchanged");
        strbuf_done(&sb);

        json_escape(&sb, HOSTILE);
        is_str(sb.buf, "\"a\\\"b\\\\c\\nd\\u0001e\\u001b]0;pwned\\u0007f\\ufffdg\\ufffd\\ufffdh\\ufffd\\ufffd\\ufffdi caf\xc3\xa9\"",
               "escape: quotes, backslash, newline, controls, invalid UTF-8 (lone, overlong, surrogate)");
        strbuf_done(&sb);

        json_escape(&sb, "\t\r\b\f\x7f");
        is_str(sb.buf, "\"\\t\\r\\b\\f\\u007f\"", "escape: short forms and DEL");
        strbuf_done(&sb);

        json_escape(&sb, "x\xe2\x82");  /* truncated 3-byte sequence at the end */
        is_str(sb.buf, "\"x\\ufffd\\ufffd\"", "escape: truncated sequence at end of string");
        strbuf_done(&sb);

        json_escape(&sb, "\xf0\x9f\x92\xa5 \xf4\x90\x80\x80");  /* U+1F4A5 valid; > U+10FFFF invalid */
        is_str(sb.buf, "\"\xf0\x9f\x92\xa5 \\ufffd\\ufffd\\ufffd\\ufffd\"", "escape: 4-byte valid, above U+10FFFF invalid");
        strbuf_done(&sb);

        json_escape(&sb, NULL);
        is_str(sb.buf, "null", "escape: NULL is null");
        strbuf_done(&sb);
}

static void test_json_full(void) {
        static const char *const top[] = { "verdict", "arch", "kernel", "root", "capture", "crashkernel",
                                           "memory", "vectors", "dump_target", "facts", "findings" };
        static const char *const fact_keys[] = { "proc/cmdline", "proc/iomem", "proc/meminfo", "proc/interrupts",
                                                 "cpus", "kexec", "pci", "kdump_config", "kdump.conf", "initramfs", "modules" };
        struct snapshot s;
        struct plan p;
        struct findings f = {};
        struct finding *x;
        _cleanup_free_ char *text = NULL;
        struct jv *v, *facts;
        bool order = true;

        base_snapshot(&s);
        base_plan(&p);
        s.root = S("/tmp/" HOSTILE);

        x = findings_add(&f, "vectors.dump-target-at-risk", SEVERITY_ERROR, "0000:00:07.0 (virtio_blk)",
                         HOSTILE, "Add rd.driver.blacklist=i40e to KDUMP_CMDLINE_APPEND.");
        finding_add_field(x, "DEVICE", "0000:00:07.0");
        finding_add_field(x, "VECTORS_NEEDED", "%u", 230u);
        finding_add_field(x, "WEIRD", "%s", HOSTILE);
        finding_add_field(x, "DEVICE", "duplicate");
        findings_add(&f, "vectors.tight", SEVERITY_WARNING, HOSTILE, "m", NULL);

        v = render_json(&s, &p, &f, &text);
        ok(v != NULL, "json: full report parses strictly");
        ok(text && text[0] == '{' && strlen(text) > 2 && text[strlen(text) - 1] == '\n' && text[strlen(text) - 2] == '}',
           "json: object, trailing newline");
        ok(text && strstr(text, "\n  \"verdict\": \"error\",\n  \"arch\": \"x86_64\",\n"), "json: 2-space indentation, fixed order");
        ok(v && v->t == J_OBJ && v->n == ELEMENTSOF(top), "json: exactly the top-level keys");
        for (size_t i = 0; v && i < ELEMENTSOF(top) && i < v->n; i++)
                order = order && streq(v->k[i], top[i]);
        ok(order, "json: top-level key order verdict..findings");

        is_str(jstr(v, "verdict"), "error", "json: verdict error");
        is_str(jstr(v, "kernel"), "6.1.0-56-amd64", "json: kernel");
        is_str(jstr(v, "root"), "/tmp/" HOSTILE_DECODED, "json: hostile root round-trips (invalid bytes as U+FFFD)");
        is_str(jstr(v, "capture.cmdline"), p.capture.cmdline, "json: capture.cmdline");
        is_int(jnum(v, "capture.cpus"), 1, "json: capture.cpus");
        is_str(jstr(v, "capture.cpus_param"), "nr_cpus", "json: capture.cpus_param");
        is_str(jstr(v, "capture.blacklist.1"), "bad\"name\x01", "json: capture.blacklist escaped");
        is_str(jstr(v, "capture.flavor"), "debian", "json: capture.flavor");
        is_int(jnum(v, "crashkernel.requested"), 192 * MiB, "json: crashkernel.requested in bytes");
        is_str(jstr(v, "crashkernel.requested_text"), "512M-:192M", "json: crashkernel.requested_text");
        is_int(jbool(v, "crashkernel.high"), 0, "json: crashkernel.high false");
        ok(jnull(v, "crashkernel.low_requested"), "json: crashkernel.low_requested null without ,low/,high");
        is_int(jnum(v, "crashkernel.reserved"), 192 * MiB, "json: crashkernel.reserved");
        is_int(jnum(v, "crashkernel.reserved_low"), 192 * MiB, "json: crashkernel.reserved_low");
        is_int(jbool(v, "crashkernel.loaded"), 1, "json: crashkernel.loaded");
        is_int(jnum(v, "crashkernel.kexec_crash_size"), 192 * MiB, "json: crashkernel.kexec_crash_size");
        is_int(jnum(v, "memory.estimate"), 150 * MiB, "json: memory.estimate");
        is_int(jnum(v, "memory.recommended"), 256 * MiB, "json: memory.recommended");
        is_int(jnum(v, "vectors.capacity"), 201, "json: vectors.capacity");
        is_int(jnum(v, "vectors.demand"), 230, "json: vectors.demand");
        is_int(jnum(v, "vectors.min_cpus"), 2, "json: vectors.min_cpus");
        is_int(jbool(v, "vectors.upper_bound"), 0, "json: vectors.upper_bound");
        is_int(jget(v, "vectors.devices") ? (long long) jget(v, "vectors.devices")->n : -1, 3, "json: vectors.devices count");
        is_int(jbool(v, "vectors.devices.0.fails"), 1, "json: device 0 fails");
        is_str(jstr(v, "vectors.devices.1.fallback"), "intx", "json: device 1 fallback");
        is_int(jbool(v, "vectors.devices.1.dump_target"), 1, "json: device 1 is the dump target");
        ok(jnull(v, "vectors.devices.2.driver") && jnull(v, "vectors.devices.2.fallback"), "json: device without driver: nulls");
        is_str(jstr(v, "dump_target.kind"), "local-fs", "json: dump_target.kind");
        is_str(jstr(v, "dump_target.pci_slot"), "0000:00:07.0", "json: dump_target.pci_slot");

        facts = jget(v, "facts");
        order = facts && facts->t == J_OBJ;
        for (size_t i = 0; order && i < ELEMENTSOF(fact_keys); i++) {
                struct jv *g = jget_key(facts, fact_keys[i]);
                order = g && jget_key(g, "state") && jget_key(g, "error");
                if (!order)
                        printf("# facts.%s missing or incomplete\n", fact_keys[i]);
        }
        ok(order, "json: every fact group has state and error");
        is_str(jget_key(jget_key(facts, "pci"), "source") ? jget_key(jget_key(facts, "pci"), "source")->s : NULL,
               "sysfs", "json: facts.pci.source");
        is_int(jget_key(jget_key(facts, "pci"), "functions") ? strtoll(jget_key(jget_key(facts, "pci"), "functions")->s, NULL, 10) : -1,
               12, "json: facts.pci.functions");
        is_str(jget_key(jget_key(facts, "kdump_config"), "path") ? jget_key(jget_key(facts, "kdump_config"), "path")->s : NULL,
               "etc/default/kdump-tools", "json: facts.kdump_config.path");

        is_int(jget(v, "findings") ? (long long) jget(v, "findings")->n : -1, 2, "json: two findings");
        is_str(jstr(v, "findings.0.id"), "vectors.dump-target-at-risk", "json: finding id");
        is_str(jstr(v, "findings.0.severity"), "error", "json: finding severity");
        is_str(jstr(v, "findings.0.message"), HOSTILE_DECODED, "json: hostile message round-trips");
        is_str(jstr(v, "findings.0.message_id"), finding_kind_lookup("vectors.dump-target-at-risk")->message_id,
               "json: finding message_id from the catalog");
        is_str(jstr(v, "findings.0.fields.VECTORS_NEEDED"), "230", "json: finding fields");
        is_str(jstr(v, "findings.0.fields.DEVICE"), "0000:00:07.0", "json: duplicate field key: first value kept");
        is_str(jstr(v, "findings.0.fields.WEIRD"), HOSTILE_DECODED, "json: hostile field value");
        ok(jnull(v, "findings.1.remedy"), "json: missing remedy is null");
        is_str(jstr(v, "findings.1.subject"), HOSTILE_DECODED, "json: hostile subject");

        /* Byte-exact round trip through Python's json, when available: proves both validity and
         * that our layout is the canonical indent=2 layout. */
        if (system("command -v python3 >/dev/null 2>&1") == 0) {
                static const char script[] =
                        "import json, sys\n"
                        "t = open(sys.argv[1], encoding='utf-8').read()\n"
                        "d = json.dumps(json.loads(t), indent=2, ensure_ascii=False)\n"
                        "# we escape DEL and write U+FFFD as an escape; Python writes both raw\n"
                        "d = d.replace('\\x7f', '\\\\u007f').replace('\\ufffd', '\\\\ufffd')\n"
                        "sys.exit(0 if d + '\\n' == t else 1)\n";
                char jpath[] = "/tmp/test-report-XXXXXX", ppath[] = "/tmp/test-report-py-XXXXXX";
                int jfd = mkstemp(jpath), pfd = mkstemp(ppath);
                char cmd[256];
                FILE *fp;
                int rc = -1;

                if (jfd >= 0 && pfd >= 0 && text) {
                        fp = fdopen(jfd, "w");
                        fputs(text, fp);
                        fclose(fp);
                        fp = fdopen(pfd, "w");
                        fputs(script, fp);
                        fclose(fp);
                        snprintf(cmd, sizeof(cmd), "python3 %s %s", ppath, jpath);
                        rc = system(cmd);
                } else {
                        if (jfd >= 0) close(jfd);
                        if (pfd >= 0) close(pfd);
                }
                unlink(jpath);
                unlink(ppath);
                ok(rc == 0, "json: python3 json.loads accepts it and indent=2 re-dump is byte-identical");
        } else
                ok(1, "json: python3 round trip # SKIP python3 not found");

        jv_free(v);
        findings_clear(&f);
}

static void test_json_unknowns(void) {
        struct snapshot s = { .cmdline_state = FACT_MISSING };
        struct plan p = {};
        struct findings f = {};
        struct jv *v;

        /* Nothing known at all: every value null, verdict ok (no findings). */
        v = render_json(&s, &p, &f, NULL);
        ok(v != NULL, "json: empty snapshot still renders valid JSON");
        is_str(jstr(v, "verdict"), "ok", "json: no findings → verdict ok");
        ok(jnull(v, "arch") && jnull(v, "kernel") && jnull(v, "root"), "json: unknown arch/kernel/root are null");
        ok(jnull(v, "vectors"), "json: vectors null when not applicable");
        ok(jnull(v, "crashkernel.requested") && jnull(v, "crashkernel.requested_text") && jnull(v, "crashkernel.reserved")
           && jnull(v, "crashkernel.loaded") && jnull(v, "crashkernel.kexec_crash_size"), "json: unknown crashkernel values null");
        ok(jnull(v, "memory.estimate") && jnull(v, "memory.reserved") && jnull(v, "memory.recommended"), "json: unknown memory null");
        ok(jnull(v, "capture.cmdline") && jnull(v, "capture.cpus"), "json: unknown capture values null");
        ok(jget(v, "capture.blacklist") && jget(v, "capture.blacklist")->t == J_ARR && jget(v, "capture.blacklist")->n == 0,
           "json: empty blacklist is []");
        is_str(jstr(v, "dump_target.kind"), "unknown", "json: dump_target.kind unknown");
        ok(jget(v, "findings") && jget(v, "findings")->n == 0, "json: no findings is []");
        is_str(jstr(v, "facts.proc/cmdline.state"), "missing", "json: facts state missing");
        jv_free(v);

        /* An invalid iomem: the fact says where and why. */
        s.iomem.state = FACT_INVALID;
        s.iomem.error = (struct fact_error) { .file = S("proc/iomem"), .line = 3, .message = S("expected 'start-end : name'") };
        v = render_json(&s, &p, &f, NULL);
        is_str(jstr(v, "facts.proc/iomem.state"), "invalid", "json: facts iomem invalid");
        is_str(jstr(v, "facts.proc/iomem.error"), "proc/iomem:3: expected 'start-end : name'", "json: facts error file:line: message");
        jv_free(v);

        /* vectors applicable with min_cpus 0 → null; crashkernel ,high with low default. */
        p.vectors = (struct vectors_plan) { .applicable = true, .capacity_per_cpu = 201, .capture_cpus = 1, .capacity = 201, .demand = 20 };
        p.crashkernel.request = (struct crashkernel_request) { .present = true, .valid = true, .text = S("1G,high"), .high = true,
                                                               .size = GiB, .low_size = 256 * MiB };
        v = render_json(&s, &p, &f, NULL);
        ok(jnull(v, "vectors.min_cpus"), "json: vectors.min_cpus null when 0");
        ok(jget(v, "vectors.devices") && jget(v, "vectors.devices")->t == J_ARR, "json: vectors.devices array");
        is_int(jbool(v, "crashkernel.high"), 1, "json: crashkernel.high");
        is_int(jnum(v, "crashkernel.low_requested"), 256 * MiB, "json: crashkernel.low_requested from ,high default");
        jv_free(v);
}

static void test_verdicts(void) {
        static const struct { enum severity sevs[3]; size_t n; const char *verdict; int exit; } cases[] = {
                { {}, 0, "ok", 0 },
                { { SEVERITY_INFO }, 1, "ok", 0 },
                { { SEVERITY_INFO, SEVERITY_WARNING }, 2, "warning", 1 },
                { { SEVERITY_WARNING, SEVERITY_UNKNOWN }, 2, "unknown", 3 },
                { { SEVERITY_UNKNOWN, SEVERITY_ERROR, SEVERITY_WARNING }, 3, "error", 2 },
                { { SEVERITY_ERROR }, 1, "error", 2 },
        };
        struct snapshot s;
        struct plan p;

        base_snapshot(&s);
        base_plan(&p);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct findings f = {};
                struct jv *v;
                char name[128];

                for (size_t j = 0; j < cases[i].n; j++)
                        findings_add(&f, "capture.cpus", cases[i].sevs[j], "x", "y", NULL);
                v = render_json(&s, &p, &f, NULL);
                snprintf(name, sizeof(name), "verdict case %zu: \"%s\"", i, cases[i].verdict);
                is_str(jstr(v, "verdict"), cases[i].verdict, name);
                snprintf(name, sizeof(name), "verdict case %zu: exit %d", i, cases[i].exit);
                is_int(verdict_exit_status(&f), cases[i].exit, name);
                jv_free(v);
                findings_clear(&f);
        }
}

static size_t max_line_columns(const char *t) {
        size_t max = 0, col = 0;
        for (const unsigned char *p = (const unsigned char *) t; *p; p++) {
                if (*p == '\n') { if (col > max) max = col; col = 0; continue; }
                if ((*p & 0xc0) != 0x80) col++;
        }
        return col > max ? col : max;
}

static void test_text(void) {
        struct snapshot s;
        struct plan p;
        struct findings f = {};
        _cleanup_free_ char *t = NULL, *tc = NULL, *tu = NULL, *to = NULL, *tn = NULL;
        const char *e, *w, *n;

        base_snapshot(&s);
        base_plan(&p);
        findings_add(&f, "crashkernel.not-loaded", SEVERITY_INFO, "kexec", "Note text.", NULL);
        findings_add(&f, "vectors.tight", SEVERITY_WARNING, "vectors", "Warning text.", "Raise nr_cpus.");
        findings_add(&f, "vectors.dump-target-at-risk", SEVERITY_ERROR, "0000:00:07.0 (virtio" HOSTILE ")",
                     "The capture kernel runs out of interrupt vectors before virtio_blk probes: the NICs ask for "
                     "230 vectors and the single capture CPU has 201, so the dump disk gets none and the vmcore is "
                     "never written. This sentence is long on purpose so that wrapping is exercised.",
                     "Add rd.driver.blacklist=i40e to KDUMP_CMDLINE_APPEND in /etc/default/kdump-tools, then "
                     "restart kdump-tools.service.");

        t = render_text(&s, &p, &f, false);
        ok(t && startswith(t, "kdump-validate: ERROR — kdump is expected to fail on this machine\n"), "text: ERROR verdict first line");
        ok(t && !strchr(t, '\x1b'), "text: no escape characters without colour (hostile subject sanitised)");
        ok(t && !strchr(t, '\x01') && !strchr(t, '\x07'), "text: control characters sanitised");
        ok(t && strstr(t, "\\x1b]0;pwned"), "text: control characters shown visibly");
        ok(t && max_line_columns(t) <= 100, "text: wrapped at 100 columns");
        e = t ? strstr(t, "Errors") : NULL;
        w = t ? strstr(t, "Warnings") : NULL;
        n = t ? strstr(t, "Notes") : NULL;
        ok(e && w && n && e < w && w < n, "text: errors, then warnings, then notes");
        ok(t && strstr(t, "[vectors.dump-target-at-risk] 0000:00:07.0"), "text: [id] subject");
        ok(t && strstr(t, "    Fix: Add rd.driver.blacklist=i40e"), "text: Fix: remedy");
        ok(t && strstr(t, "6.1.0-56-amd64 (x86_64)"), "text: kernel fact");
        ok(t && strstr(t, "crashkernel=512M-:192M (192MiB), reserved 192MiB"), "text: crashkernel fact");
        ok(t && strstr(t, "230 needed of 201"), "text: vectors demand/capacity");
        ok(t && strstr(t, "nr_cpus"), "text: capture CPU parameter");
        ok(t && strstr(t, "path /var/crash → vda (PCI 0000:00:07.0)"), "text: dump target");

        tc = render_text(&s, &p, &f, true);
        ok(tc && strstr(tc, "\033[1;31mERROR\033[0m"), "text: colour when asked");
        ok(tc && !strstr(tc, "\033]0;"), "text: no hostile OSC sequence even with colour");
        findings_clear(&f);

        findings_add(&f, "vectors.tight", SEVERITY_WARNING, "vectors", "Warning text.", NULL);
        tn = render_text(&s, &p, &f, false);
        ok(tn && startswith(tn, "kdump-validate: WARNING — "), "text: WARNING verdict");
        findings_clear(&f);

        findings_add(&f, "input.invalid", SEVERITY_UNKNOWN, "proc/iomem", "proc/iomem:3: expected 'start-end : name'.", NULL);
        tu = render_text(&s, &p, &f, false);
        ok(tu && startswith(tu, "kdump-validate: UNKNOWN — could not validate: proc/iomem:3: expected"), "text: UNKNOWN names the file and line");
        ok(tu && strstr(tu, "Could not check"), "text: unknown group");
        findings_clear(&f);

        to = render_text(&s, &p, &f, false);
        ok(to && startswith(to, "kdump-validate: OK — "), "text: OK verdict without findings");
}

static void test_inputs(void) {
        struct snapshot s;
        struct plan p;
        struct findings f = {};
        const struct finding *x;

        /* Everything fine and configured: no input findings. */
        base_snapshot(&s);
        base_plan(&p);
        is_int(findings_inputs(&s, &p, &f), 0, "inputs: returns 0");
        is_int(f.n, 0, "inputs: complete facts → no findings");
        findings_clear(&f);

        /* Garbage /proc/iomem: input.invalid, unknown, file:line in the message → exit 3. */
        s.iomem.state = FACT_INVALID;
        s.iomem.error = (struct fact_error) { .file = S("proc/iomem"), .line = 7, .message = S("range end before start") };
        findings_inputs(&s, &p, &f);
        x = find(&f, "input.invalid");
        ok(x && x->severity == SEVERITY_UNKNOWN, "inputs: invalid iomem → input.invalid (unknown)");
        ok(x && x->message && startswith(x->message, "proc/iomem:7: range end before start"), "inputs: message is file:line: message");
        is_int(verdict_exit_status(&f), 3, "inputs: garbage iomem → exit 3");
        /* ...but a known error still wins. */
        findings_add(&f, "crashkernel.not-reserved", SEVERITY_ERROR, "crashkernel=", "m", NULL);
        is_int(verdict_exit_status(&f), 2, "inputs: error finding outranks could-not-validate");
        findings_clear(&f);

        /* Missing /proc/iomem (required). */
        base_snapshot(&s);
        s.iomem.state = FACT_MISSING;
        findings_inputs(&s, &p, &f);
        x = find(&f, "input.unavailable");
        ok(x && x->severity == SEVERITY_UNKNOWN && streq(x->subject, "proc/iomem"), "inputs: missing iomem → input.unavailable (unknown)");
        is_int(verdict_exit_status(&f), 3, "inputs: missing iomem → exit 3");
        findings_clear(&f);

        /* Hidden addresses (read without privilege). */
        base_snapshot(&s);
        s.iomem.all_zero = true;
        findings_inputs(&s, &p, &f);
        x = find(&f, "input.unavailable");
        ok(x && x->severity == SEVERITY_UNKNOWN && strstr(x->message, "addresses hidden: run as root"),
           "inputs: all-zero iomem → 'addresses hidden: run as root'");
        findings_clear(&f);

        /* Missing /proc/cmdline (required). */
        base_snapshot(&s);
        s.cmdline_state = FACT_MISSING;
        s.cmdline = NULL;
        findings_inputs(&s, &p, &f);
        x = find(&f, "input.unavailable");
        ok(x && x->severity == SEVERITY_UNKNOWN && streq(x->subject, "proc/cmdline"), "inputs: missing cmdline → input.unavailable (unknown)");
        findings_clear(&f);

        /* Optional inputs missing: no unknown findings. */
        base_snapshot(&s);
        s.interrupts.state = FACT_MISSING;
        s.meminfo.state = FACT_MISSING;
        s.initramfs.state = FACT_MISSING;
        s.pci.state = FACT_MISSING;
        findings_inputs(&s, &p, &f);
        ok(findings_verdict(&f) == SEVERITY_INFO, "inputs: missing interrupts/meminfo/initramfs/pci → at most notes");
        ok(find(&f, "input.unavailable") != NULL, "inputs: missing initramfs/pci are noted");
        findings_clear(&f);

        /* Every other invalid group is reported. */
        base_snapshot(&s);
        s.interrupts.state = FACT_INVALID;
        s.interrupts.error = (struct fact_error) { .file = S("proc/interrupts"), .line = 1, .message = S("no CPU header") };
        s.kdump_sysconfig.state = FACT_INVALID;
        s.kdump_sysconfig.error = (struct fact_error) { .file = S("etc/default/kdump-tools"), .line = 12, .message = S("unterminated quote") };
        s.pci.state = FACT_INVALID;
        s.pci.error = (struct fact_error) { .file = S("lspci.txt"), .line = 40, .message = S("bad hex byte") };
        findings_inputs(&s, &p, &f);
        {
                size_t n = 0;
                bool lines = true;
                for (size_t i = 0; i < f.n; i++)
                        if (streq(f.items[i].id, "input.invalid")) {
                                n++;
                                lines = lines && (strstr(f.items[i].message, "proc/interrupts:1: ") ||
                                                  strstr(f.items[i].message, "etc/default/kdump-tools:12: ") ||
                                                  strstr(f.items[i].message, "lspci.txt:40: "));
                        }
                is_int(n, 3, "inputs: one input.invalid per invalid group");
        findings_clear(&f);
        s.driver_table_error = (struct fact_error) { .file = S("etc/kdump-validator/drivers.d/local.conf"), .line = 4,
                                                     .message = S("unknown key 'vectorz'") };
        findings_inputs(&s, &p, &f);
        x = find(&f, "input.invalid");
        ok(x && x->severity == SEVERITY_UNKNOWN, "inputs: bad driver table with kdump in use → unknown");
        s.driver_table_error = (struct fact_error) {};
                ok(lines, "inputs: each names file:line");
        }
        findings_clear(&f);

        /* No kdump configuration and no crashkernel=: a note, exit 0. */
        base_snapshot(&s);
        p = (struct plan) {};
        s.flavor = KDUMP_FLAVOR_NONE;
        s.kdump_sysconfig = (struct shell_file) {};
        s.kdump_enabled_known = false;
        s.cmdline = S("BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet");
        s.kexec.crash_size = 0;
        s.iomem.state = FACT_MISSING;   /* irrelevant without kdump */
        findings_inputs(&s, &p, &f);
        x = find(&f, "kdump.not-configured");
        ok(x && x->severity == SEVERITY_INFO && strstr(x->message, "kdump is not set up on this machine"),
           "inputs: no kdump, no crashkernel= → info 'kdump is not set up'");
        is_int(verdict_exit_status(&f), 0, "inputs: not set up → exit 0 (missing iomem only a note)");
        findings_clear(&f);
        s.driver_table_error = (struct fact_error) { .file = S("/usr/share/kdump-validator/drivers.conf"),
                                                     .message = S("cannot read the driver table: No such file or directory") };
        findings_inputs(&s, &p, &f);
        is_int(verdict_exit_status(&f), 0, "inputs: not set up → a missing driver table is only a note");
        s.driver_table_error = (struct fact_error) {};
        {
                _cleanup_free_ char *t = render_text(&s, &p, &f, false);
                ok(t && startswith(t, "kdump-validate: OK — kdump is not set up on this machine"), "text: OK line says kdump is not set up");
        }
        findings_clear(&f);

        /* crashkernel= on the command line but no kdump configuration: warning (memory wasted). */
        s.cmdline = S("ro crashkernel=256M quiet");
        s.iomem.state = FACT_OK;
        findings_inputs(&s, &p, &f);
        x = find(&f, "kdump.not-configured");
        ok(x && x->severity == SEVERITY_WARNING, "inputs: crashkernel= without kdump config → warning");
        is_int(verdict_exit_status(&f), 1, "inputs: → exit 1");
        findings_clear(&f);

        /* Debian USE_KDUMP=0 with memory reserved: warning. */
        base_snapshot(&s);
        base_plan(&p);
        s.kdump_enabled = false;
        findings_inputs(&s, &p, &f);
        x = find(&f, "kdump.not-configured");
        ok(x && x->severity == SEVERITY_WARNING && strstr(x->message, "etc/default/kdump-tools"),
           "inputs: USE_KDUMP unset with crashkernel= → warning naming the file");
        findings_clear(&f);

        {
                struct shell_assignment vars[] = {
                        { .name = S("USE_KDUMP"), .value = S("1"), .line = 3, .last_line = 3 },
                        { .name = S("USE_KDUMP"), .value = S("0"), .line = 9, .last_line = 9 },
                };
                s.kdump_sysconfig.vars = vars;
                s.kdump_sysconfig.n_vars = ELEMENTSOF(vars);
                findings_inputs(&s, &p, &f);
                x = find(&f, "kdump.not-configured");
                ok(x && strstr(x->message, "USE_KDUMP is 0") && x->remedy && strstr(x->remedy, "USE_KDUMP=1"),
                   "inputs: last USE_KDUMP=0 wins, remedy sets USE_KDUMP=1");
                findings_clear(&f);

                vars[1].value = S("1");     /* USE_KDUMP on, so the unit must be disabled */
                findings_inputs(&s, &p, &f);
                x = find(&f, "kdump.not-configured");
                ok(x && strstr(x->message, "kdump-tools.service is disabled"), "inputs: USE_KDUMP=1 but unit disabled");
                findings_clear(&f);
                s.kdump_sysconfig.vars = NULL;
                s.kdump_sysconfig.n_vars = 0;
        }

        /* RHEL: kdump.service disabled, no crashkernel=: a note only. */
        base_snapshot(&s);
        p = (struct plan) {};
        s.flavor = KDUMP_FLAVOR_RHEL;
        s.kdump_sysconfig.path = S("etc/sysconfig/kdump");
        s.kdump_enabled = false;
        s.cmdline = S("ro quiet");
        s.kexec.crash_size = 0;
        findings_inputs(&s, &p, &f);
        x = find(&f, "kdump.not-configured");
        ok(x && x->severity == SEVERITY_INFO && strstr(x->message, "kdump.service is disabled") &&
           strstr(x->remedy, "systemctl enable --now kdump.service"), "inputs: RHEL unit disabled, no crashkernel= → info");
        is_int(verdict_exit_status(&f), 0, "inputs: → exit 0");
        findings_clear(&f);
}

/* A real /proc/iomem (tests/fixtures/report/PROVENANCE.md) through the real parser: intact it
 * raises no input finding; one garbage line makes the verdict "could not validate" naming the
 * file and line; the same file read without privilege (addresses zeroed) asks for root. */
static char *replace_line(const char *text, unsigned lineno, const char *with) {
        struct strbuf sb = {};
        const char *p = text;

        for (unsigned n = 1; *p; n++) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t) (e - p) + 1 : strlen(p);
                if (n == lineno) {
                        strbuf_append(&sb, with);
                        strbuf_append(&sb, "\n");
                } else
                        strbuf_appendn(&sb, p, l);
                p += l;
        }
        return sb.buf;
}

static void test_real_iomem(void) {
        _cleanup_free_ char *text = tap_slurp("fixtures/report/iomem-amd-laptop.txt", NULL);
        _cleanup_free_ char *bad = NULL, *zero = NULL;
        struct snapshot s;
        struct plan p;
        struct findings f = {};
        const struct finding *x;
        struct jv *v;

        ok(text != NULL, "real iomem: fixture readable");
        if (!text)
                return;

        base_snapshot(&s);
        base_plan(&p);
        s.iomem = (struct iomem) {};
        is_int(iomem_parse(text, &s.iomem), 0, "real iomem: parses");
        is_int(s.iomem.state, FACT_OK, "real iomem: state ok");
        findings_inputs(&s, &p, &f);
        is_int(f.n, 0, "real iomem: no input findings");
        is_int(verdict_exit_status(&f), 0, "real iomem: exit 0");
        findings_clear(&f);
        iomem_clear(&s.iomem);

        bad = replace_line(text, 7, "0a001000-0a1fffff System RAM without colon");
        s.iomem = (struct iomem) {};
        ok(iomem_parse(bad, &s.iomem) < 0, "garbage iomem: parser refuses");
        is_int(s.iomem.state, FACT_INVALID, "garbage iomem: state invalid");
        findings_inputs(&s, &p, &f);
        x = find(&f, "input.invalid");
        ok(x && x->severity == SEVERITY_UNKNOWN && x->message && startswith(x->message, "proc/iomem:7: "),
           "garbage iomem: input.invalid names proc/iomem:7");
        if (x)
                printf("# %s\n", x->message);
        is_int(verdict_exit_status(&f), 3, "garbage iomem: exit 3");
        v = render_json(&s, &p, &f, NULL);
        ok(jstr(v, "facts.proc/iomem.error") && startswith(jstr(v, "facts.proc/iomem.error"), "proc/iomem:7: "),
           "garbage iomem: JSON facts error names the line");
        is_str(jstr(v, "verdict"), "unknown", "garbage iomem: JSON verdict unknown");
        jv_free(v);
        findings_clear(&f);
        iomem_clear(&s.iomem);

        /* Unprivileged read: the kernel prints every address as zeros of the same width. */
        zero = strdup(text);
        for (char *l = zero; l && *l; ) {
                char *colon = strstr(l, " : "), *e = strchr(l, '\n');
                for (char *c = l; colon && c < colon; c++)
                        if (*c != '-' && *c != ' ')
                                *c = '0';
                l = e ? e + 1 : NULL;
        }
        s.iomem = (struct iomem) {};
        is_int(iomem_parse(zero, &s.iomem), 0, "hidden iomem: parses");
        ok(s.iomem.all_zero, "hidden iomem: all_zero");
        findings_inputs(&s, &p, &f);
        x = find(&f, "input.unavailable");
        ok(x && x->severity == SEVERITY_UNKNOWN && strstr(x->message, "addresses hidden: run as root"),
           "hidden iomem: 'addresses hidden: run as root'");
        is_int(verdict_exit_status(&f), 3, "hidden iomem: exit 3");
        findings_clear(&f);
        iomem_clear(&s.iomem);
}

int main(void) {
        test_real_iomem();
        test_escape();
        test_json_full();
        test_json_unknowns();
        test_verdicts();
        test_text();
        test_inputs();
        return tap_done();
}
