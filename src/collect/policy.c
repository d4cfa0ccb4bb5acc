/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The administrator's policy, /etc/kdump-validator.conf, read with inih.
 *
 * inih (as packaged by Debian and Fedora) is built without INI_HANDLER_LINENO, so the handler
 * is not told the line number. We feed inih through our own line reader (ini_parse_stream),
 * which counts lines, and the handler reads the counter: inih calls the reader once per line
 * and the handler for that line before reading the next one (ini.c, ini_parse_stream loop).
 * The reader also checks the syntax of each line itself, so every bad line gets its own
 * diagnostic (inih only returns the first error's line number). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "kdv/collect.h"
#include "kdv/policy.h"
#include "kdv/root.h"

/* kernel MODULE_NAME_LEN = 64 - sizeof(unsigned long) (include/linux/module.h,
 * include/linux/moduleparam.h MAX_PARAM_PREFIX_LEN), including the NUL. */
#define DRIVER_NAME_MAX 55

static const char *const mode_names[] = {
        [POLICY_MODE_WARN] = "warn",
        [POLICY_MODE_REFUSE] = "refuse",
        [POLICY_MODE_REWRITE] = "rewrite",
};

const char *policy_mode_to_string(enum policy_mode m) {
        if ((size_t) m >= ELEMENTSOF(mode_names))
                return NULL;
        return mode_names[m];
}

int policy_mode_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(mode_names); i++)
                if (streq(s, mode_names[i]))
                        return (int) i;
        return -EINVAL;
}

int policy_init(struct policy *p) {
        *p = (struct policy) {
                .mode = POLICY_MODE_WARN,
                .max_capture_cpus = POLICY_DEFAULT_MAX_CAPTURE_CPUS,
                .vector_margin = POLICY_DEFAULT_VECTOR_MARGIN,
                .restart_kdump = false,
                .debounce_ms = POLICY_DEFAULT_DEBOUNCE_MS,
                .report_dir = strdup(POLICY_DEFAULT_REPORT_DIR),
        };
        return p->report_dir ? 0 : -ENOMEM;
}

void policy_clear(struct policy *p) {
        strv_free(p->never_blacklist);
        strv_free(p->allow_blacklist);
        free(p->report_dir);
        free(p->prometheus_textfile);
        free(p->source);
        *p = (struct policy) {};
}

void policy_diagnostics_clear(struct policy_diagnostics *d) {
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].file);
                free(d->items[i].message);
        }
        free(d->items);
        *d = (struct policy_diagnostics) {};
}

static int diag_add(struct policy_diagnostics *d, const char *file, unsigned line, const char *fmt, ...)
        _printf_(4, 5);
static int diag_add(struct policy_diagnostics *d, const char *file, unsigned line, const char *fmt, ...) {
        struct policy_diagnostic *n;
        char *msg = NULL, *f;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        f = strdup(strempty(file));
        n = f ? realloc(d->items, sizeof(*n) * (d->n + 1)) : NULL;
        if (!n) {
                free(msg);
                free(f);
                return -ENOMEM;
        }
        d->items = n;
        d->items[d->n++] = (struct policy_diagnostic) { .file = f, .line = line, .message = msg };
        return 0;
}

/* A value echoed back in a message: printable ASCII only, bounded (the file may be hostile
 * and the message ends up on a terminal and in the journal). */
static const char *sanitize(const char *s, char buf[static 80]) {
        size_t o = 0;

        for (; *s && o < 64; s++) {
                unsigned char c = (unsigned char) *s;
                if (c >= 0x20 && c < 0x7f && c != '\\')
                        buf[o++] = (char) c;
                else
                        o += (size_t) snprintf(buf + o, 80 - o, "\\x%02x", c);
        }
        if (*s) {
                memcpy(buf + o, "...", 3);
                o += 3;
        }
        buf[o] = 0;
        return buf;
}

static int normalize_driver(const char *name, char **ret) {
        size_t l = strlen(name);
        char *n;

        if (l == 0 || l > DRIVER_NAME_MAX)
                return -EINVAL;
        for (const char *c = name; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
                        return -EINVAL;
        n = strdup(name);
        if (!n)
                return -ENOMEM;
        /* modprobe and the kernel treat '-' and '_' alike in module names
         * (kmod shared/util.c underscores(), kernel/params.c parameq()/dash2underscore()). */
        for (char *c = n; *c; c++)
                if (*c == '-')
                        *c = '_';
        *ret = n;
        return 0;
}

char *policy_normalize_driver(const char *name) {
        char *n = NULL;

        if (!name || normalize_driver(name, &n) < 0)
                return NULL;
        return n;
}

bool policy_may_blacklist(const struct policy *p, const char *driver) {
        _cleanup_free_ char *n = policy_normalize_driver(driver);

        if (!n)
                return false;
        if (strv_contains(p->never_blacklist, "*") || strv_contains(p->never_blacklist, n))
                return false;
        if (!p->allow_blacklist || !p->allow_blacklist[0])
                return true;
        return strv_contains(p->allow_blacklist, n);
}

enum section {
        SECTION_NONE,
        SECTION_POLICY,
        SECTION_DAEMON,
        SECTION_UNKNOWN,
};

struct parse_ctx {
        const char *text;
        size_t len, pos;
        const char *path;
        unsigned line;
        bool continuation;              /* the current line continues the previous key (inih multiline) */
        bool after_key;                 /* inih's prev_name is set: an indented line is a continuation */
        enum section section;
        unsigned last_syntax_error;
        struct policy *p;
        struct policy_diagnostics *d;
        int error;                      /* -ENOMEM */
        bool bad;                       /* a diagnostic was added */
};

#define DIAG(ctx, ...) do {                                                     \
                if (diag_add((ctx)->d, (ctx)->path, (ctx)->line, __VA_ARGS__) < 0) \
                        (ctx)->error = -ENOMEM;                                 \
                (ctx)->bad = true;                                              \
        } while (0)

static enum section section_from_name(const char *s, size_t n) {
        if (n == 6 && strncmp(s, "policy", 6) == 0)
                return SECTION_POLICY;
        if (n == 6 && strncmp(s, "daemon", 6) == 0)
                return SECTION_DAEMON;
        return SECTION_UNKNOWN;
}

/* Classify the raw line the way inih r55 will (ini.c: lskip/rstrip, comment prefixes ";#",
 * multiline when prev_name is set and the line is indented, "[...]", "name=value"/"name:value")
 * and report what inih would reject. */
static void classify_line(struct parse_ctx *c, const char *raw, size_t n) {
        _cleanup_free_ char *copy = NULL;
        char buf[80];
        const char *s, *e;
        bool indented;

        if (c->line == 1 && n >= 3 && memcmp(raw, "\xEF\xBB\xBF", 3) == 0) {
                raw += 3;
                n -= 3;
        }
        c->continuation = false;
        for (s = raw; s < raw + n && isspace((unsigned char) *s); s++)
                ;
        for (e = raw + n; e > s && isspace((unsigned char) e[-1]); e--)
                ;
        indented = s > raw;
        if (s == e || *s == ';' || *s == '#')
                return;
        if (c->after_key && indented) {
                c->continuation = true;
                return;
        }
        if (*s == '[') {
                const char *close = memchr(s, ']', (size_t) (e - s));
                if (!close) {
                        DIAG(c, "section header without ']'");
                        c->last_syntax_error = c->line;
                        c->section = SECTION_UNKNOWN;   /* ignore its keys, they would be misplaced */
                        c->after_key = false;
                        return;
                }
                c->section = section_from_name(s + 1, (size_t) (close - s - 1));
                c->after_key = false;
                if (c->section == SECTION_UNKNOWN) {
                        copy = strndup(s + 1, (size_t) (close - s - 1));
                        if (!copy) {
                                c->error = -ENOMEM;
                                return;
                        }
                        DIAG(c, "unknown section [%s] (known: [policy], [daemon]); its keys are ignored",
                             sanitize(copy, buf));
                }
                return;
        }
        if (!memchr(s, '=', (size_t) (e - s)) && !memchr(s, ':', (size_t) (e - s))) {
                DIAG(c, "expected 'key = value', a [section] or a comment");
                c->last_syntax_error = c->line;
                return;
        }
        c->after_key = true;
}

/* ini_reader: one line per call, with the line counted; a line that does not fit inih's
 * buffer is reported and replaced by an empty line (inih would otherwise split it and parse
 * the tail as a line of its own: a truncated never_blacklist would silently drop names). */
static char *reader(char *str, int num, void *stream) {
        struct parse_ctx *c = stream;
        const char *raw, *nl;
        size_t n;

        if (c->pos >= c->len || num < 4)
                return NULL;
        raw = c->text + c->pos;
        nl = memchr(raw, '\n', c->len - c->pos);
        n = nl ? (size_t) (nl - raw) : c->len - c->pos;
        c->pos += n + (nl ? 1 : 0);
        c->line++;

        if (n > (size_t) num - 3) {
                DIAG(c, "line longer than %d characters, ignored (split long lists over several lines)",
                     num - 3);
                c->continuation = false;
                str[0] = '\n';
                str[1] = 0;
                return str;
        }
        memcpy(str, raw, n);
        str[n] = '\n';
        str[n + 1] = 0;
        classify_line(c, raw, n);
        return str;
}

/* Strict decimal (no sign, no octal, no hex, no spaces). */
static int parse_unsigned(const char *s, unsigned max, unsigned *ret) {
        unsigned long long v = 0;

        if (!*s)
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned) (*s - '0');
                if (v > max)
                        return -ERANGE;
        }
        *ret = (unsigned) v;
        return 0;
}

static int parse_bool(const char *s) {
        static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

/* An absolute path without "." or ".." components, control characters or a trailing '/'. */
static bool path_ok(const char *s) {
        const char *c;

        if (s[0] != '/' || strlen(s) >= 4096)
                return false;
        for (c = s; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        return false;
        for (c = s; *c; ) {
                const char *next;
                size_t l;

                while (*c == '/')
                        c++;
                next = strchrnul(c, '/');
                l = (size_t) (next - c);
                if ((l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                c = next;
        }
        return s[strlen(s) - 1] != '/';
}

static void apply_list(struct parse_ctx *c, const char *key, const char *value, char ***list, bool allow_star) {
        _cleanup_free_ char *copy = NULL;
        char buf[80];
        size_t n;

        if (!*value && !c->continuation) {
                /* An empty assignment resets the list, as in systemd unit files. */
                strv_free(*list);
                *list = NULL;
                return;
        }
        copy = strdup(value);
        if (!copy) {
                c->error = -ENOMEM;
                return;
        }
        n = strv_length(*list);
        for (char *save = NULL, *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
                char *norm = NULL;
                int k;

                if (allow_star && streq(w, "*"))
                        k = (norm = strdup("*")) ? 0 : -ENOMEM;
                else
                        k = normalize_driver(w, &norm);
                if (k == -ENOMEM) {
                        c->error = k;
                        return;
                }
                if (k < 0) {
                        DIAG(c, "%s: '%s' is not a driver name (letters a-z, digits, '_' or '-', at most %d characters)%s",
                             key, sanitize(w, buf), DRIVER_NAME_MAX,
                             streq(w, "*") ? "; '*' is only allowed in never_blacklist" : "");
                        continue;
                }
                if (strv_contains(*list, norm)) {
                        free(norm);
                        continue;
                }
                if (strv_push(list, &n, norm) < 0) {
                        c->error = -ENOMEM;
                        return;
                }
        }
}

static void apply_unsigned(struct parse_ctx *c, const char *key, const char *value, unsigned min, unsigned max,
                           unsigned *dst) {
        char buf[80];
        unsigned v;
        int k;

        k = parse_unsigned(value, max, &v);
        if (k == 0 && v < min)
                k = -ERANGE;
        if (k < 0) {
                DIAG(c, "%s: '%s' is not %s between %u and %u; keeping %u",
                     key, sanitize(value, buf), k == -ERANGE ? "a number" : "a decimal number",
                     min, max, *dst);
                return;
        }
        *dst = v;
}

static int handler(void *user, const char *section, const char *name, const char *value) {
        struct parse_ctx *c = user;
        const char *other = NULL;
        char buf[80], buf2[80];
        char *s;
        int k;

        if (c->error < 0)
                return 1;
        if (!value)
                value = "";

        switch (c->section) {
        case SECTION_UNKNOWN:
                return 1;       /* reported at the section header */
        case SECTION_NONE:
                DIAG(c, "'%s' is outside a section: put it under [policy] or [daemon]", sanitize(name, buf));
                return 1;
        default:
                break;
        }
        (void) section;

        if (c->continuation && !(c->section == SECTION_POLICY &&
                                 (streq(name, "never_blacklist") || streq(name, "allow_blacklist")))) {
                DIAG(c, "indented line continues '%s', which is not a list; ignored", sanitize(name, buf));
                return 1;
        }

        if (c->section == SECTION_POLICY) {
                if (streq(name, "mode")) {
                        k = policy_mode_from_string(value);
                        if (k < 0)
                                DIAG(c, "mode: '%s' is not one of warn, refuse, rewrite; keeping %s",
                                     sanitize(value, buf), policy_mode_to_string(c->p->mode));
                        else
                                c->p->mode = (enum policy_mode) k;
                } else if (streq(name, "max_capture_cpus"))
                        apply_unsigned(c, name, value, 1, POLICY_MAX_CAPTURE_CPUS_LIMIT, &c->p->max_capture_cpus);
                else if (streq(name, "vector_margin"))
                        apply_unsigned(c, name, value, 0, POLICY_VECTOR_MARGIN_LIMIT, &c->p->vector_margin);
                else if (streq(name, "never_blacklist"))
                        apply_list(c, name, value, &c->p->never_blacklist, true);
                else if (streq(name, "allow_blacklist"))
                        apply_list(c, name, value, &c->p->allow_blacklist, false);
                else if (streq(name, "restart_kdump")) {
                        k = parse_bool(value);
                        if (k < 0)
                                DIAG(c, "restart_kdump: '%s' is not yes or no; keeping %s",
                                     sanitize(value, buf), c->p->restart_kdump ? "yes" : "no");
                        else
                                c->p->restart_kdump = k;
                } else {
                        if (streq(name, "debounce_ms") || streq(name, "report_dir") ||
                            streq(name, "prometheus_textfile"))
                                other = "daemon";
                        goto unknown;
                }
                return 1;
        }

        /* [daemon] */
        if (streq(name, "debounce_ms"))
                apply_unsigned(c, name, value, 0, POLICY_DEBOUNCE_MS_LIMIT, &c->p->debounce_ms);
        else if (streq(name, "report_dir")) {
                if (!path_ok(value)) {
                        DIAG(c, "report_dir: '%s' is not an absolute path (no '.', '..' or trailing '/'); keeping %s",
                             sanitize(value, buf), sanitize(c->p->report_dir, buf2));
                        return 1;
                }
                s = strdup(value);
                if (!s) {
                        c->error = -ENOMEM;
                        return 1;
                }
                free(c->p->report_dir);
                c->p->report_dir = s;
        } else if (streq(name, "prometheus_textfile")) {
                const char *base;
                size_t l;

                if (!*value) {
                        free(c->p->prometheus_textfile);
                        c->p->prometheus_textfile = NULL;
                        return 1;
                }
                base = strrchr(value, '/');
                base = base ? base + 1 : value;
                l = strlen(base);
                /* node_exporter's textfile collector reads only "*.prom" and we write a
                 * hidden temp file next to it (collector/textfile.go: filepath "*.prom"). */
                if (!path_ok(value) || l <= 5 || strcmp(base + l - 5, ".prom") != 0 || base[0] == '.') {
                        DIAG(c, "prometheus_textfile: '%s' must be an absolute path to a file named *.prom, or empty; keeping %s",
                             sanitize(value, buf), c->p->prometheus_textfile ? sanitize(c->p->prometheus_textfile, buf2) : "off");
                        return 1;
                }
                s = strdup(value);
                if (!s) {
                        c->error = -ENOMEM;
                        return 1;
                }
                free(c->p->prometheus_textfile);
                c->p->prometheus_textfile = s;
        } else {
                if (streq(name, "mode") || streq(name, "max_capture_cpus") || streq(name, "vector_margin") ||
                    streq(name, "never_blacklist") || streq(name, "allow_blacklist") || streq(name, "restart_kdump"))
                        other = "policy";
                goto unknown;
        }
        return 1;

unknown:
        if (other)
                DIAG(c, "'%s' belongs in [%s], not [%s]; ignored", sanitize(name, buf), other,
                     c->section == SECTION_POLICY ? "policy" : "daemon");
        else
                DIAG(c, "unknown key '%s' in [%s]; ignored", sanitize(name, buf),
                     c->section == SECTION_POLICY ? "policy" : "daemon");
        return 1;
}

int policy_parse(const char *text, size_t len, const char *path, struct policy *p,
                 struct policy_diagnostics *diags) {
        struct parse_ctx c = {
                .text = text,
                .len = len,
                .path = path,
                .p = p,
                .d = diags,
        };
        int k;

        if (memchr(text, 0, len)) {
                if (diag_add(diags, path, 0, "contains a NUL byte: not a text file; defaults apply") < 0)
                        return -ENOMEM;
                return -EBADMSG;
        }
        k = ini_parse_stream(reader, &c, handler, &c);
        if (c.error < 0)
                return c.error;
        if (k == -2)
                return -ENOMEM;
        if (k > 0 && !c.bad) {
                /* inih saw an error our own line check did not: report it anyway. */
                if (diag_add(diags, path, (unsigned) k, "syntax error") < 0)
                        return -ENOMEM;
                c.bad = true;
        }
        return c.bad ? -EBADMSG : 0;
}

/* Read a plain file (r == NULL): regular files only, bounded. */
static int read_plain(const char *path, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (st.st_size > (off_t) KDV_MAX_CONFIG_FILE)
                return -EFBIG;
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (len < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + len, (size_t) st.st_size - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;  /* shrank while reading: take what is there */
                len += (size_t) n;
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

int policy_load(const struct root *r, const char *path, struct policy *ret,
                struct policy_diagnostics *diags) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int k;

        k = policy_init(ret);
        if (k < 0)
                return k;
        if (!path)
                path = POLICY_DEFAULT_PATH;

        if (r)
                k = root_read_file(r, path, KDV_MAX_CONFIG_FILE, &text, &len);
        else
                k = read_plain(path, &text, &len);
        if (k == -ENOENT)
                return 0;       /* no file: the defaults */
        if (k == -ENOMEM)
                return k;
        if (k == -EBADMSG) {
                /* root_read_file: a NUL byte inside */
                if (diag_add(diags, path, 0, "contains a NUL byte: not a text file; defaults apply") < 0)
                        return -ENOMEM;
                return k;
        }
        if (k < 0) {
                if (diag_add(diags, path, 0, "cannot be read (%s); defaults apply", strerror(-k)) < 0)
                        return -ENOMEM;
                return k;
        }
        ret->source = strdup(path);
        if (!ret->source)
                return -ENOMEM;
        return policy_parse(text, len, path, ret, diags);
}
