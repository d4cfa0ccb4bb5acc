/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/kdump.conf (Fedora/RHEL kdump-utils): one "directive value…" per line.
 * Read the way kdump-utils reads it (kdump-lib-initramfs.sh: kdump_get_conf_val /
 * kdump_read_conf, rhkdump/kdump-utils @ 63f248c): everything from the first '#' on a line is a
 * comment (even inside a word), leading/trailing blanks are dropped, the directive is the first
 * word, the value the rest of the line with a surrounding pair of double quotes removed.
 * kdump_get_conf_val returns the last match; kdumpctl's parse_config rejects duplicates, which is
 * for findings to report, not a parse error here.
 * Malformed (FACT_INVALID, file:line): a directive that is not a plain word of letters, digits,
 * '_' or '-' (kdumpctl would reject it as an invalid option), or a NUL byte; a second dump
 * target (kdumpctl check_config/parse_config, rhkdump/kdump-utils @ 01613b7: raw, ext[234],
 * minix, btrfs, xfs, nfs, ssh (virtiofs in newer releases) and a dracut_args with --mount all
 * set the one "_target"; a second one fails with "More than one dump targets specified" and
 * kdumpctl start stops there, research/anchors-tools.md §1.6); a dracut_args value with an
 * unbalanced double quote (it cannot be split into dracut arguments, so neither we nor a
 * reader can tell which drivers --omit-drivers keeps out or what --mount mounts). */
#include "kdv/collect.h"
#include "kdv/util.h"

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_dump_target(const char *key, size_t len, const char *value, size_t vlen) {
        static const char *const targets[] = {
                "raw", "ext2", "ext3", "ext4", "minix", "btrfs", "xfs", "nfs", "ssh", "virtiofs",
        };

        for (size_t i = 0; i < ELEMENTSOF(targets); i++)
                if (strlen(targets[i]) == len && memcmp(key, targets[i], len) == 0)
                        return true;
        /* kdumpctl: dracut_args with "--mount" is a target too */
        return len == strlen("dracut_args") && memcmp(key, "dracut_args", len) == 0 &&
                memmem(value, vlen, "--mount", strlen("--mount"));
}

static bool is_key_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-';
}

int kdump_conf_parse(const char *text, size_t len, const char *path, struct kdump_conf *ret) {
        const char *p = text, *end = text + len;
        unsigned line = 0, target_line = 0;
        bool failed = false;

        *ret = (struct kdump_conf) { .state = FACT_OK };

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p));
                const char *s, *e, *k_end, *v;
                struct kdump_conf_directive *n;
                size_t vlen;

                if (!eol)
                        eol = end;
                line++;
                s = p;
                p = eol < end ? eol + 1 : end;

                if (memchr(s, 0, (size_t) (eol - s))) {
                        if (!failed)
                                fact_error_set(&ret->error, path, line, "NUL byte in a text file");
                        failed = true;
                        continue;
                }

                e = memchr(s, '#', (size_t) (eol - s));
                if (!e)
                        e = eol;
                while (s < e && is_blank(*s))
                        s++;
                while (e > s && is_blank(e[-1]))
                        e--;
                if (s == e)
                        continue;

                for (k_end = s; k_end < e && !is_blank(*k_end); k_end++)
                        if (!is_key_char(*k_end))
                                break;
                if (k_end < e && !is_blank(*k_end)) {
                        if (!failed)
                                fact_error_set(&ret->error, path, line,
                                               "not a kdump.conf directive: '%.*s'",
                                               (int) (e - s), s);
                        failed = true;
                        continue;
                }

                v = k_end;
                while (v < e && is_blank(*v))
                        v++;
                vlen = (size_t) (e - v);
                if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
                        v++;
                        vlen -= 2;
                }

                if (is_dump_target(s, (size_t) (k_end - s), v, vlen)) {
                        if (target_line > 0 && !failed) {
                                fact_error_set(&ret->error, path, line,
                                               "more than one dump target: '%.*s' after the target on line %u "
                                               "(kdumpctl refuses to start: \"More than one dump targets specified\")",
                                               (int) (k_end - s), s, target_line);
                                failed = true;
                        }
                        if (target_line == 0)
                                target_line = line;
                }
                if ((size_t) (k_end - s) == strlen("dracut_args") && memcmp(s, "dracut_args", k_end - s) == 0 &&
                    !failed) {
                        size_t quotes = 0;
                        for (size_t i = 0; i < vlen; i++)
                                quotes += v[i] == '"';
                        if (quotes % 2 != 0) {
                                fact_error_set(&ret->error, path, line,
                                               "unbalanced double quote in dracut_args: the value cannot be split "
                                               "into dracut arguments");
                                failed = true;
                        }
                }

                n = realloc(ret->directives, (ret->n_directives + 1) * sizeof(*n));
                if (!n) {
                        kdump_conf_clear(ret);
                        return -ENOMEM;
                }
                ret->directives = n;
                n[ret->n_directives] = (struct kdump_conf_directive) {
                        .key = strndup(s, (size_t) (k_end - s)),
                        .value = strndup(v, vlen),
                        .line = line,
                };
                ret->n_directives++;
                if (!n[ret->n_directives - 1].key || !n[ret->n_directives - 1].value) {
                        kdump_conf_clear(ret);
                        return -ENOMEM;
                }
        }

        if (failed) {
                ret->state = FACT_INVALID;
                return -EBADMSG;
        }
        return 0;
}

void kdump_conf_clear(struct kdump_conf *c) {
        for (size_t i = 0; i < c->n_directives; i++) {
                free(c->directives[i].key);
                free(c->directives[i].value);
        }
        free(c->directives);
        fact_error_clear(&c->error);
        *c = (struct kdump_conf) {};
}

const char *kdump_conf_get(const struct kdump_conf *c, const char *key) {
        if (!c || !key)
                return NULL;
        for (size_t i = c->n_directives; i > 0; i--)
                if (streq(c->directives[i - 1].key, key))
                        return c->directives[i - 1].value;
        return NULL;
}
