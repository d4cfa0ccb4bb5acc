/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Journal entries (field names, priorities, export formatting, the real sd_journal_sendv path
 * against a private socket), the message catalog, the Prometheus textfile (strict parser)
 * and its atomic write. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "kdv/act.h"
#include "kdv/collect.h"
#include "kdv/plan.h"
#include "tap.h"

/* ---- a parsed journal entry list (export / native format) ---- */
struct kv {
        char *key, *value;
        size_t vlen;
};
struct entry {
        struct kv *kv;
        size_t n;
};

static void entries_free(struct entry *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < e[i].n; j++) {
                        free(e[i].kv[j].key);
                        free(e[i].kv[j].value);
                }
                free(e[i].kv);
        }
        free(e);
}

/* Parse fields "KEY=value\n" or "KEY\n" le64 bytes "\n"; a blank line ends an entry (export
 * format). Returns the number of entries, -1 on a format error. */
static int parse_fields(const char *buf, size_t len, struct entry **ret) {
        struct entry *es = NULL;
        size_t n = 0, pos = 0;
        bool open = false;

        while (pos < len) {
                const char *nl = memchr(buf + pos, '\n', len - pos), *eq;
                struct kv kv = {};

                if (!nl)
                        goto fail;
                if (nl == buf + pos) {  /* blank line: end of entry */
                        open = false;
                        pos++;
                        continue;
                }
                if (!open) {
                        es = realloc(es, sizeof(*es) * (n + 1));
                        es[n++] = (struct entry) {};
                        open = true;
                }
                eq = memchr(buf + pos, '=', (size_t) (nl - buf - pos));
                if (eq) {
                        kv.key = strndup(buf + pos, (size_t) (eq - buf - pos));
                        kv.vlen = (size_t) (nl - eq - 1);
                        kv.value = strndup(eq + 1, kv.vlen);
                        pos = (size_t) (nl - buf) + 1;
                } else {
                        uint64_t l = 0;
                        kv.key = strndup(buf + pos, (size_t) (nl - buf - pos));
                        pos = (size_t) (nl - buf) + 1;
                        if (pos + 8 > len) {
                                free(kv.key);
                                goto fail;
                        }
                        for (int b = 7; b >= 0; b--)
                                l = (l << 8) | (unsigned char) buf[pos + (size_t) b];
                        pos += 8;
                        if (pos + l + 1 > len || buf[pos + l] != '\n') {
                                free(kv.key);
                                goto fail;
                        }
                        kv.value = strndup(buf + pos, l);
                        kv.vlen = l;
                        pos += l + 1;
                }
                es[n - 1].kv = realloc(es[n - 1].kv, sizeof(struct kv) * (es[n - 1].n + 1));
                es[n - 1].kv[es[n - 1].n++] = kv;
        }
        *ret = es;
        return (int) n;
fail:
        entries_free(es, n);
        return -1;
}

static const char *get(const struct entry *e, const char *key) {
        for (size_t i = 0; i < e->n; i++)
                if (streq(e->kv[i].key, key))
                        return e->kv[i].value;
        return NULL;
}

static unsigned count_key(const struct entry *e, const char *key) {
        unsigned c = 0;
        for (size_t i = 0; i < e->n; i++)
                c += streq(e->kv[i].key, key);
        return c;
}

/* A hand-built findings list: an error with device fields (some with names the journal must
 * not get), a warning with a multi-line message, two findings with the same id, an unknown. */
static void build_findings(struct findings *f) {
        struct finding *x;

        x = findings_add(f, "vectors.exhausted", SEVERITY_ERROR, "0000:00:05.0 (virtio_blk)",
                         "virtio_blk needs 2 vectors, 0 are left on 1 CPU", "KDUMP_COMMANDLINE_APPEND=\"nr_cpus=2\"");
        finding_add_field(x, "DEVICE", "0000:00:05.0");
        finding_add_field(x, "DRIVER", "virtio_blk");
        finding_add_field(x, "VECTORS_NEEDED", "%u", 2u);
        finding_add_field(x, "VECTORS_AVAILABLE", "%u", 0u);
        finding_add_field(x, "_PID", "1");                      /* trusted field: refused */
        finding_add_field(x, "lower", "x");                     /* lower case: refused */
        finding_add_field(x, "PRIORITY", "0");                  /* would spoof ours: refused */
        finding_add_field(x, "9LIVES", "x");                    /* leading digit: refused */
        finding_add_field(x, "A_VERY_LONG_FIELD_NAME_THAT_GOES_PAST_THE_SIXTY_FOUR_BYTE_LIMIT_X", "x");
        finding_add_field(x, "DEVICE-NAME", "x");               /* '-': refused */
        x = findings_add(f, "memory.tight", SEVERITY_WARNING, "crashkernel=",
                         "line one\nline two", NULL);
        finding_add_field(x, "RESERVED_BYTES", "%u", 268435456u);
        findings_add(f, "vectors.unknown-driver", SEVERITY_WARNING, "0000:00:06.0 (foo)", "foo is not in the table", NULL);
        findings_add(f, "vectors.unknown-driver", SEVERITY_WARNING, "0000:00:07.0 (bar)", "bar is not in the table", NULL);
        findings_add(f, "input.unavailable", SEVERITY_UNKNOWN, "proc/iomem", "cannot read \"proc/iomem\"\\", NULL);
}

static void test_field_names(void) {
        ok(journal_field_name_valid("VECTORS_NEEDED"), "VECTORS_NEEDED valid");
        ok(journal_field_name_valid("A1"), "A1 valid");
        ok(!journal_field_name_valid("_SYSTEMD_UNIT"), "leading '_' refused");
        ok(!journal_field_name_valid("1A"), "leading digit refused");
        ok(!journal_field_name_valid("Device"), "lower case refused");
        ok(!journal_field_name_valid(""), "empty refused");
        ok(!journal_field_name_valid("A=B"), "'=' refused");
        ok(journal_field_name_valid("ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCD"), "64 characters valid");
        ok(!journal_field_name_valid("ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDE"), "65 characters refused");
        is_int(journal_priority(SEVERITY_ERROR), 3, "error → 3");
        is_int(journal_priority(SEVERITY_WARNING), 4, "warning → 4");
        is_int(journal_priority(SEVERITY_UNKNOWN), 4, "unknown → 4");
        is_int(journal_priority(SEVERITY_INFO), 6, "info → 6");
}

static void check_entries(struct entry *e, int n, const char *what) {
        const struct finding_kind *k = finding_kind_lookup("vectors.exhausted");
        const char *v;

        is_int(n, 6, what);
        if (n != 6)
                return;
        is_str(get(&e[0], "MESSAGE_ID"), k->message_id, "finding 0: MESSAGE_ID from the catalog");
        is_str(get(&e[0], "PRIORITY"), "3", "finding 0: PRIORITY=3");
        is_int(count_key(&e[0], "PRIORITY"), 1, "finding 0: PRIORITY once (the spoofed field was dropped)");
        is_str(get(&e[0], "SYSLOG_IDENTIFIER"), "kdump-validate", "SYSLOG_IDENTIFIER");
        is_str(get(&e[0], "FINDING"), "vectors.exhausted", "FINDING=id");
        is_str(get(&e[0], "SEVERITY"), "error", "SEVERITY=error");
        is_str(get(&e[0], "SUBJECT"), "0000:00:05.0 (virtio_blk)", "SUBJECT");
        is_str(get(&e[0], "REMEDY"), "KDUMP_COMMANDLINE_APPEND=\"nr_cpus=2\"", "REMEDY kept verbatim ('=' in the value)");
        is_str(get(&e[0], "MESSAGE"), "0000:00:05.0 (virtio_blk): virtio_blk needs 2 vectors, 0 are left on 1 CPU", "MESSAGE");
        is_str(get(&e[0], "DEVICE"), "0000:00:05.0", "DEVICE field");
        is_str(get(&e[0], "DRIVER"), "virtio_blk", "DRIVER field");
        is_str(get(&e[0], "VECTORS_NEEDED"), "2", "VECTORS_NEEDED field");
        is_str(get(&e[0], "VECTORS_AVAILABLE"), "0", "VECTORS_AVAILABLE field");
        ok(!get(&e[0], "_PID") && !get(&e[0], "lower") && !get(&e[0], "9LIVES") && !get(&e[0], "DEVICE-NAME"),
           "invalid field names not sent");
        is_int(e[0].n, 12, "finding 0: 8 own fields + 4 valid finding fields");
        ok(get(&e[1], "REMEDY") == NULL, "no REMEDY when the finding has none");
        is_str(get(&e[1], "PRIORITY"), "4", "warning PRIORITY=4");
        v = get(&e[1], "MESSAGE");
        is_str(v, "crashkernel=: line one\nline two", "multi-line MESSAGE round-trips (binary field)");
        is_str(get(&e[4], "PRIORITY"), "4", "unknown PRIORITY=4");
        is_str(get(&e[5], "MESSAGE_ID"), KDV_MESSAGE_ID_VERDICT, "summary MESSAGE_ID");
        is_str(get(&e[5], "VERDICT"), "error", "summary VERDICT=error");
        is_str(get(&e[5], "EXIT_STATUS"), "2", "summary EXIT_STATUS=2");
        is_str(get(&e[5], "FINDINGS"), "5", "summary FINDINGS=5");
        is_str(get(&e[5], "ERRORS"), "1", "summary ERRORS=1");
        is_str(get(&e[5], "WARNINGS"), "3", "summary WARNINGS=3");
        is_str(get(&e[5], "VECTORS_DEMAND"), "250", "summary VECTORS_DEMAND");
        is_str(get(&e[5], "VECTORS_CAPACITY"), "201", "summary VECTORS_CAPACITY");
        is_str(get(&e[5], "PRIORITY"), "5", "summary at notice");
}

static void setup_plan(struct snapshot *s, struct plan *p) {
        s->kernel_release = (char *) "6.1.0-\"odd\"\\\nrelease\xff";
        s->flavor = KDUMP_FLAVOR_DEBIAN;
        p->vectors.applicable = true;
        p->vectors.demand = 250;
        p->vectors.capacity = 201;
        p->capture.cmdline_known = true;
        p->capture.cpus = 1;
        p->crashkernel.facts_known = true;
        p->crashkernel.reserved = 256 * MiB;
        p->memory.known = true;
        p->memory.estimate = 180 * MiB;
}

static void test_journal_format(void) {
        struct findings f = {};
        struct snapshot s = {};
        struct plan p = {};
        struct journal_entries je = {};
        struct strbuf sb = {};
        struct entry *e = NULL;
        int n;

        build_findings(&f);
        setup_plan(&s, &p);
        is_int(journal_build(&f, &s, &p, &je), 0, "journal_build");
        is_int(je.skipped_fields, 6, "6 finding fields skipped");
        is_int(je.n, 6, "5 findings + 1 summary");
        journal_entries_clear(&je);

        is_int(journal_format_findings(&f, &s, &p, &sb), 0, "journal_format_findings");
        n = parse_fields(sb.buf, sb.len, &e);
        check_entries(e, n, "export format parses into 6 entries");
        if (n > 0)
                entries_free(e, (size_t) n);
        strbuf_done(&sb);

        /* An empty list: just the summary, verdict ok, info priority. */
        struct findings none = {};
        is_int(journal_format_findings(&none, NULL, NULL, &sb), 0, "no findings, no snapshot/plan");
        n = parse_fields(sb.buf, sb.len, &e);
        is_int(n, 1, "one summary entry");
        if (n == 1) {
                is_str(get(&e[0], "VERDICT"), "ok", "VERDICT=ok");
                is_str(get(&e[0], "PRIORITY"), "6", "ok summary at info");
                ok(!get(&e[0], "VECTORS_DEMAND"), "no plan: no vector fields");
        }
        if (n > 0)
                entries_free(e, (size_t) n);
        strbuf_done(&sb);
        findings_clear(&f);
}

/* The real path: sd_journal_sendv() to /run/systemd/journal/socket, redirected in a private
 * mount namespace to our own datagram socket; the datagrams use the native protocol, which has
 * the same field encoding as the export format. */
static void test_journal_send(void) {
        struct findings f = {};
        struct snapshot s = {};
        struct plan p = {};
        int pipefd[2], status = 0;
        char result[64] = "";
        pid_t pid;

        if (pipe(pipefd) < 0) {
                ok(0, "pipe");
                return;
        }
        pid = fork();
        if (pid == 0) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                struct entry *e = NULL;
                char *buf = malloc(1 << 20);
                size_t total = 0;
                int fd, n = 0, k, good = 0;

                close(pipefd[0]);
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
                    (mkdir("/run/systemd", 0755) < 0 && errno != EEXIST) ||
                    (mkdir("/run/systemd/journal", 0755) < 0 && errno != EEXIST) ||
                    mount("tmpfs", "/run/systemd/journal", "tmpfs", 0, "mode=0755") < 0) {
                        dprintf(pipefd[1], "skip %s", strerror(errno));
                        _exit(0);
                }
                strcpy(sa.sun_path, "/run/systemd/journal/socket");
                fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                        dprintf(pipefd[1], "skip bind: %s", strerror(errno));
                        _exit(0);
                }
                build_findings(&f);
                setup_plan(&s, &p);
                k = journal_log_findings(&f, &s, &p);
                /* Collect the datagrams (non-blocking now: all were sent synchronously). */
                for (;;) {
                        ssize_t r = recv(fd, buf + total, (1 << 20) - total - 1, MSG_DONTWAIT);
                        struct entry *one = NULL;
                        if (r <= 0)
                                break;
                        /* one datagram = one entry; add the blank line that ends it */
                        if (parse_fields(buf + total, (size_t) r, &one) == 1)
                                good++;
                        entries_free(one, one ? 1 : 0);
                        total += (size_t) r;
                        buf[total++] = '\n';
                        n++;
                }
                k = k < 0 ? k : parse_fields(buf, total, &e);
                if (k == 6) {
                        /* reuse the same checks in the parent through a compact verdict */
                        bool same = streq_ptr(get(&e[0], "DEVICE"), "0000:00:05.0") &&
                                    streq_ptr(get(&e[1], "MESSAGE"), "crashkernel=: line one\nline two") &&
                                    streq_ptr(get(&e[5], "MESSAGE_ID"), KDV_MESSAGE_ID_VERDICT) &&
                                    count_key(&e[0], "PRIORITY") == 1 && !get(&e[0], "_PID");
                        dprintf(pipefd[1], "sent %d %d %d", n, good, same);
                        entries_free(e, 6);
                } else
                        dprintf(pipefd[1], "fail %d %d", k, n);
                findings_clear(&f);
                free(buf);
                _exit(0);
        }
        close(pipefd[1]);
        (void) !read(pipefd[0], result, sizeof(result) - 1);
        close(pipefd[0]);
        waitpid(pid, &status, 0);
        if (strncmp(result, "skip", 4) == 0) {
                printf("ok %u # SKIP no private mount namespace (%s)\n", ++tap_n, result + 5);
                return;
        }
        is_str(result, "sent 6 6 1", "sd_journal_sendv: 6 datagrams, each one entry, fields as built");
}

/* The catalog: an entry for every finding id and the verdict, well-formed, and accepted by
 * journalctl --update-catalog when journalctl exists. */
static void test_catalog(void) {
        _cleanup_free_ char *text = tap_slurp("../units/kdump-validator.catalog", NULL);
        bool all = true, headers = true, unique = true, known = true;
        char cmd[8192], tmpl[] = "/tmp/kdv-catalog-XXXXXX";
        const char *dir;
        FILE *pf;
        int k;

        ok(text != NULL, "units/kdump-validator.catalog readable");
        if (!text)
                return;
        for (size_t i = 0; i <= n_finding_kinds; i++) {
                const char *id = i < n_finding_kinds ? finding_kinds[i].message_id : KDV_MESSAGE_ID_VERDICT;
                char hdr[64];
                const char *at, *second, *end;

                snprintf(hdr, sizeof(hdr), "\n-- %s\n", id);
                at = strstr(text, hdr);
                if (!at) {
                        printf("# no catalog entry for %s\n", id);
                        all = false;
                        continue;
                }
                second = strstr(at + 1, hdr);
                if (second)
                        unique = false;
                end = strstr(at + 1, "\n-- ");
                if (!end)
                        end = at + strlen(at);
                /* header block: Subject, Defined-By, Documentation before the first blank line */
                {
                        const char *body = strstr(at + strlen(hdr), "\n\n");
                        size_t hl = body && body < end ? (size_t) (body - at) : 0;
                        char *h = strndup(at, hl);
                        if (!hl || !strstr(h, "\nSubject: ") || !strstr(h, "\nDefined-By: kdump-validator\n") ||
                            !strstr(h, "\nDocumentation: man:kdump-validate(8)"))
                                headers = false;
                        free(h);
                }
        }
        /* every entry in the file is one of ours */
        for (const char *c = text; (c = strstr(c, "\n-- ")); c += 4) {
                char id[33] = "";
                bool found = false;
                memcpy(id, c + 4, 32);
                for (size_t i = 0; i < n_finding_kinds; i++)
                        found |= streq(id, finding_kinds[i].message_id);
                found |= streq(id, KDV_MESSAGE_ID_VERDICT);
                if (!found) {
                        printf("# stale catalog entry %s\n", id);
                        known = false;
                }
        }
        ok(all, "catalog has an entry for every finding id and the verdict");
        ok(unique, "no duplicate catalog entries");
        ok(headers, "every entry has Subject, Defined-By, Documentation");
        ok(known, "no catalog entry for an unknown id");

        if (access("/usr/bin/journalctl", X_OK) < 0 && access("/bin/journalctl", X_OK) < 0) {
                printf("ok %u # SKIP journalctl not installed\n", ++tap_n);
                return;
        }
        dir = mkdtemp(tmpl);
        if (!dir) {
                ok(0, "mkdtemp");
                return;
        }
        snprintf(cmd, sizeof(cmd),
                 "mkdir -p '%s/usr/lib/systemd/catalog' && cp '%s' '%s/usr/lib/systemd/catalog/' && "
                 "journalctl --root='%s' --update-catalog 2>&1 && journalctl --root='%s' --list-catalog 2>&1",
                 dir, tap_path("../units/kdump-validator.catalog"), dir, dir, dir);
        pf = popen(cmd, "r");
        if (!pf) {
                ok(0, "popen journalctl");
                return;
        }
        {
                struct strbuf out = {};
                char line[512];
                size_t listed = 0;
                while (fgets(line, sizeof(line), pf)) {
                        strbuf_append(&out, line);
                        for (size_t i = 0; i < n_finding_kinds; i++)
                                if (strncmp(line, finding_kinds[i].message_id, 32) == 0 && strstr(line, " kdump-validator: "))
                                        listed++;
                }
                k = pclose(pf);
                is_int(k, 0, "journalctl --update-catalog and --list-catalog succeed");
                is_int(listed, n_finding_kinds, "journalctl --list-catalog lists every finding id");
                ok(out.buf && strstr(out.buf, KDV_MESSAGE_ID_VERDICT), "... and the verdict id");
                if (listed != n_finding_kinds)
                        printf("# %s\n", out.buf ? out.buf : "");
                strbuf_done(&out);
        }
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        (void) !system(cmd);
}

/* ---- Prometheus: a strict parser of the text exposition format 0.0.4 ---- */
static bool metric_name_ok(const char *s, size_t n) {
        if (n == 0 || !(isalpha((unsigned char) s[0]) || s[0] == '_' || s[0] == ':'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!(isalnum((unsigned char) s[i]) || s[i] == '_' || s[i] == ':'))
                        return false;
        return true;
}

/* Returns NULL when valid, else a message (static buffer) naming the line. */
static const char *expo_check(const char *text) {
        static char err[256];
        char seen_type[64][128], seen_help[64][128], done[64][128], series[128][640];
        size_t n_type = 0, n_help = 0, n_done = 0, n_series = 0;
        char current[128] = "";
        unsigned lineno = 0;
        const char *l = text;

#define FAIL(...) do { snprintf(err, sizeof(err), __VA_ARGS__); return err; } while (0)
        if (!*text || text[strlen(text) - 1] != '\n')
                FAIL("does not end with a newline");
        while (*l) {
                const char *nl = strchr(l, '\n');
                char line[1024];
                size_t len = (size_t) (nl - l);

                lineno++;
                if (len >= sizeof(line))
                        FAIL("line %u too long", lineno);
                memcpy(line, l, len);
                line[len] = 0;
                l = nl + 1;
                if (len == 0)
                        FAIL("line %u empty", lineno);
                if (line[0] == '#') {
                        char name[128], rest[512];
                        if (sscanf(line, "# HELP %127s %511[^\n]", name, rest) == 2) {
                                for (size_t i = 0; i < n_help; i++)
                                        if (streq(seen_help[i], name))
                                                FAIL("line %u: second HELP for %.100s", lineno, name);
                                for (size_t i = 0; i < n_done; i++)
                                        if (streq(done[i], name))
                                                FAIL("line %u: HELP after samples of %.100s", lineno, name);
                                for (const char *c = rest; *c; c++)
                                        if (*c == '\\' && c[1] != '\\' && c[1] != 'n')
                                                FAIL("line %u: bad escape in HELP", lineno);
                                snprintf(seen_help[n_help++], 128, "%s", name);
                        } else if (sscanf(line, "# TYPE %127s %511s", name, rest) == 2) {
                                if (!streq(rest, "gauge") && !streq(rest, "counter") && !streq(rest, "untyped") &&
                                    !streq(rest, "histogram") && !streq(rest, "summary"))
                                        FAIL("line %u: bad type %.100s", lineno, rest);
                                for (size_t i = 0; i < n_type; i++)
                                        if (streq(seen_type[i], name))
                                                FAIL("line %u: second TYPE for %.100s", lineno, name);
                                for (size_t i = 0; i < n_done; i++)
                                        if (streq(done[i], name))
                                                FAIL("line %u: TYPE after samples of %.100s", lineno, name);
                                snprintf(seen_type[n_type++], 128, "%s", name);
                        } else if (startswith(line, "# HELP") || startswith(line, "# TYPE"))
                                FAIL("line %u: malformed HELP/TYPE", lineno);
                        continue;
                }
                /* sample: name [{labels}] value  (no timestamp: the textfile collector refuses them) */
                {
                        const char *c = line, *name_end;
                        char name[128], labels[512] = "", key[640];
                        char *vend;
                        double v;
                        bool typed = false;

                        while (*c && *c != '{' && *c != ' ')
                                c++;
                        name_end = c;
                        if (!metric_name_ok(line, (size_t) (name_end - line)) || (size_t) (name_end - line) >= sizeof(name))
                                FAIL("line %u: bad metric name", lineno);
                        memcpy(name, line, (size_t) (name_end - line));
                        name[name_end - line] = 0;
                        if (*c == '{') {
                                size_t o = 0;
                                char lnames[16][64];
                                size_t n_l = 0;
                                c++;
                                while (*c != '}') {
                                        const char *ls = c;
                                        while (isalnum((unsigned char) *c) || *c == '_')
                                                c++;
                                        if (c == ls || isdigit((unsigned char) *ls) || (c - ls >= 2 && ls[0] == '_' && ls[1] == '_'))
                                                FAIL("line %u: bad label name", lineno);
                                        if ((size_t) (c - ls) >= 64 || n_l >= 16)
                                                FAIL("line %u: label too long", lineno);
                                        memcpy(lnames[n_l], ls, (size_t) (c - ls));
                                        lnames[n_l][c - ls] = 0;
                                        for (size_t i = 0; i < n_l; i++)
                                                if (streq(lnames[i], lnames[n_l]))
                                                        FAIL("line %u: duplicate label", lineno);
                                        n_l++;
                                        if (c[0] != '=' || c[1] != '"')
                                                FAIL("line %u: expected =\"", lineno);
                                        c += 2;
                                        while (*c != '"') {
                                                if (!*c)
                                                        FAIL("line %u: unterminated label value", lineno);
                                                if ((unsigned char) *c >= 0x80)
                                                        FAIL("line %u: non-ASCII label value", lineno);
                                                if (*c == '\\') {
                                                        if (c[1] != '\\' && c[1] != '"' && c[1] != 'n')
                                                                FAIL("line %u: bad escape in label value", lineno);
                                                        c++;
                                                }
                                                c++;
                                        }
                                        c++;
                                        if (*c == ',')
                                                c++;
                                        else if (*c != '}')
                                                FAIL("line %u: expected , or }", lineno);
                                }
                                o = (size_t) (c + 1 - name_end);
                                if (o >= sizeof(labels))
                                        FAIL("line %u: labels too long", lineno);
                                memcpy(labels, name_end, o);
                                labels[o] = 0;
                                c++;
                        }
                        if (*c != ' ')
                                FAIL("line %u: expected a space before the value", lineno);
                        c++;
                        errno = 0;
                        v = strtod(c, &vend);
                        if (vend == c || *vend || errno || isnan(v))
                                FAIL("line %u: bad value '%.60s' (or a timestamp)", lineno, c);
                        for (size_t i = 0; i < n_type; i++)
                                typed |= streq(seen_type[i], name);
                        if (!typed)
                                FAIL("line %u: sample of %.100s without TYPE", lineno, name);
                        if (!streq(current, name)) {
                                for (size_t i = 0; i < n_done; i++)
                                        if (streq(done[i], name))
                                                FAIL("line %u: samples of %.100s not contiguous", lineno, name);
                                snprintf(done[n_done++], 128, "%s", name);
                                snprintf(current, sizeof(current), "%s", name);
                        }
                        snprintf(key, sizeof(key), "%s%s", name, labels);
                        for (size_t i = 0; i < n_series; i++)
                                if (streq(series[i], key))
                                        FAIL("line %u: duplicate series %.100s", lineno, key);
                        snprintf(series[n_series++], sizeof(series[0]), "%s", key);
                }
        }
        return NULL;
#undef FAIL
}

static void test_expo_checker(void) {
        /* The checker must be able to fail. */
        ok(expo_check("# TYPE a gauge\na 1\n") == NULL, "checker: minimal valid");
        ok(expo_check("a 1\n") != NULL, "checker: sample without TYPE");
        ok(expo_check("# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n") != NULL, "checker: duplicate series");
        ok(expo_check("# TYPE a gauge\na{x=\"\\t\"} 1\n") != NULL, "checker: bad escape");
        ok(expo_check("# TYPE a gauge\na 1 1700000000\n") != NULL, "checker: timestamp refused");
        ok(expo_check("# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na 2\n") != NULL, "checker: non-contiguous family");
        ok(expo_check("# TYPE a gauge\na 1") != NULL, "checker: missing final newline");
}

static const char *sample(const char *text, const char *series, char buf[static 64]) {
        size_t l = strlen(series);
        for (const char *c = text; c && *c; c = strchr(c, '\n'), c = c ? c + 1 : NULL)
                if (strncmp(c, series, l) == 0 && c[l] == ' ') {
                        const char *e = strchr(c + l + 1, '\n');
                        snprintf(buf, 64, "%.*s", (int) (e - c - l - 1), c + l + 1);
                        return buf;
                }
        return NULL;
}

static void test_prometheus(void) {
        struct findings f = {};
        struct snapshot s = {};
        struct plan p = {};
        struct strbuf sb = {};
        const char *err;
        char b[64];

        build_findings(&f);
        setup_plan(&s, &p);
        is_int(prometheus_format_at(&s, &p, &f, 1700000000123456ull, &sb), 0, "prometheus_format_at");
        err = expo_check(sb.buf);
        ok(err == NULL, "exposition format is strictly valid%s%s", err ? ": " : "", err ? err : "");
        is_str(sample(sb.buf, "kdump_validator_verdict", b), "2", "verdict 2 (error)");
        is_str(sample(sb.buf, "kdump_validator_vectors_demand", b), "250", "vectors_demand");
        is_str(sample(sb.buf, "kdump_validator_vectors_capacity", b), "201", "vectors_capacity");
        is_str(sample(sb.buf, "kdump_validator_crashkernel_reserved_bytes", b), "268435456", "crashkernel_reserved_bytes");
        is_str(sample(sb.buf, "kdump_validator_memory_estimate_bytes", b), "188743680", "memory_estimate_bytes");
        is_str(sample(sb.buf, "kdump_validator_findings{id=\"vectors.unknown-driver\",severity=\"warning\"}", b), "2",
               "two findings with one id: one series, value 2");
        is_str(sample(sb.buf, "kdump_validator_findings{id=\"vectors.exhausted\",severity=\"error\"}", b), "1",
               "vectors.exhausted error 1");
        is_str(sample(sb.buf, "kdump_validator_findings{id=\"input.unavailable\",severity=\"unknown\"}", b), "1",
               "input.unavailable unknown 1");
        is_str(sample(sb.buf, "kdump_validator_last_run_timestamp_seconds", b), "1700000000.123", "timestamp seconds");
        ok(strstr(sb.buf, "kernel_release=\"6.1.0-\\\"odd\\\"\\\\\\nrelease?\"") != NULL,
           "label value escaped: quote, backslash, newline, non-ASCII");
        ok(strstr(sb.buf, "# HELP kdump_validator_verdict ") && strstr(sb.buf, "# TYPE kdump_validator_verdict gauge\n"),
           "HELP and TYPE lines");
        strbuf_done(&sb);

        /* Vectors not applicable, nothing known: those metrics are absent, the rest is exact. */
        {
                struct findings none = {};
                struct plan empty = {};
                struct snapshot s0 = {};
                const char *want =
                        "# HELP kdump_validator_info kdump-validator version and the kernel it validated (always 1).\n"
                        "# TYPE kdump_validator_info gauge\n"
                        "kdump_validator_info{version=\"" PACKAGE_VERSION "\",kernel_release=\"\"} 1\n"
                        "# HELP kdump_validator_verdict Overall verdict: 0 ok, 1 warnings, 2 errors (kdump expected to fail), 3 could not validate.\n"
                        "# TYPE kdump_validator_verdict gauge\n"
                        "kdump_validator_verdict 0\n"
                        "# HELP kdump_validator_findings Findings of the last run, by finding id and severity.\n"
                        "# TYPE kdump_validator_findings gauge\n"
                        "# HELP kdump_validator_last_run_timestamp_seconds Time of the last validation, seconds since the Unix epoch.\n"
                        "# TYPE kdump_validator_last_run_timestamp_seconds gauge\n"
                        "kdump_validator_last_run_timestamp_seconds 5.000\n";
                is_int(prometheus_format_at(&s0, &empty, &none, 5000000, &sb), 0, "format with nothing known");
                is_str(sb.buf, want, "nothing known: exact output, no vector/memory metrics");
                ok(expo_check(sb.buf) == NULL, "nothing known: valid");
                strbuf_done(&sb);
                is_int(prometheus_format(NULL, NULL, &none, &sb), 0, "prometheus_format (now), NULL snapshot and plan");
                ok(expo_check(sb.buf) == NULL, "now: valid");
                strbuf_done(&sb);
        }
        findings_clear(&f);
}

static unsigned count_dir(const char *dir) {
        DIR *d = opendir(dir);
        unsigned n = 0;
        if (!d)
                return 0;
        for (struct dirent *de; (de = readdir(d)); )
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

static void test_write_file(void) {
        char tmpl[] = "/tmp/kdv-prom-XXXXXX", path[512], sub[512];
        _cleanup_free_ char *got = NULL;
        const char *dir = mkdtemp(tmpl);
        struct stat st;
        char old[16] = "";
        int fd;

        if (!dir) {
                ok(0, "mkdtemp");
                return;
        }
        snprintf(path, sizeof(path), "%s/kdump-validator.prom", dir);
        is_int(prometheus_write_file(path, "a 1\n"), 0, "write new file");
        fd = open(path, O_RDONLY | O_CLOEXEC);
        ok(fd >= 0, "file exists");
        ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644, "mode 0644 (readable by node_exporter)");

        /* Replace it: a reader holding the old file still sees the old content (rename, not rewrite). */
        is_int(prometheus_write_file(path, "b 2\n"), 0, "replace");
        if (fd >= 0) {
                (void) !read(fd, old, sizeof(old) - 1);
                close(fd);
        }
        is_str(old, "a 1\n", "old inode unchanged: atomic replacement");
        {
                FILE *f = fopen(path, "re");
                char buf[16] = "";
                if (f) {
                        (void) !fread(buf, 1, sizeof(buf) - 1, f);
                        fclose(f);
                }
                is_str(buf, "b 2\n", "new content in place");
        }
        is_int(count_dir(dir), 1, "no temp file left behind");

        /* Failures leave nothing behind. */
        snprintf(sub, sizeof(sub), "%s/missing/x.prom", dir);
        is_int(prometheus_write_file(sub, "x"), -ENOENT, "missing directory: -ENOENT");
        snprintf(sub, sizeof(sub), "%s/adir.prom", dir);
        mkdir(sub, 0755);
        ok(prometheus_write_file(sub, "x") < 0, "target is a directory: error");
        is_int(count_dir(dir), 2, "failed write left no temp file");
        rmdir(sub);
        is_int(prometheus_write_file(NULL, "x"), -EINVAL, "NULL path");
        snprintf(sub, sizeof(sub), "%s/", dir);
        is_int(prometheus_write_file(sub, "x"), -EINVAL, "path ending in '/'");
        unlink(path);
        rmdir(dir);
}

int main(void) {
        test_field_names();
        test_journal_format();
        test_journal_send();
        test_catalog();
        test_expo_checker();
        test_prometheus();
        test_write_file();
        return tap_done();
}
