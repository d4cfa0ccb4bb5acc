/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rewriting the kdump configuration (DESIGN.md §5; kdv/rewrite.h).
 *
 * What it may change: only the variables the kdump tooling appends to the capture kernel's
 * command line (RHEL/Fedora KDUMP_COMMANDLINE_APPEND, SUSE KDUMP_CPUS and
 * KDUMP_COMMANDLINE_APPEND, Debian KDUMP_CMDLINE_APPEND), and only to fix an interrupt-vector
 * error (vectors.*): memory or crashkernel= problems need a reboot with a new crashkernel=, which
 * it advises and never writes (no boot loader edits).
 *
 * Remedies, in DESIGN.md §5 order, each verified before it is proposed:
 *  1. keep modules the dump does not need out of the capture kernel:
 *     - dracut (RHEL/Fedora kdump-utils, SUSE kdump): rd.driver.blacklist=a,b — dracut writes a
 *       modprobe "blacklist" for each (dracut.cmdline(7)); kdump.conf(5) tells users to use it in
 *       KDUMP_COMMANDLINE_APPEND since the kdump.conf "blacklist" keyword was dropped (kdump-utils
 *       dc8e283, research/anchors-tools.md §1.6).
 *     - Debian/Ubuntu kdump-tools: module_blacklist=a,b. The capture kernel boots an
 *       initramfs-tools image and then the real root (systemd.unit=kdump-tools-dump.service), so
 *       modules are loaded by the initramfs' udev, by systemd-udevd and by kdump-config's own
 *       scripts; module_blacklist= is enforced by the kernel itself for every loader
 *       (kernel/module/main.c blacklisted() → load_module() fails "Module %s is blacklisted";
 *       kernel/module.c before 5.19), whereas modprobe.blacklist= holds only for libkmod users.
 *       It is a charp core_param: only its last occurrence counts (plan/capture.c models the
 *       same), so an existing value elsewhere on the line is carried into the new word.
 *     Candidates: modules of devices the capture kernel binds, never the dump target's own
 *     module or its virtio transport, never PCI core (pcieport) or built-in drivers (a blacklist
 *     does not stop a built-in), never a name policy_may_blacklist() refuses. Most vectors first,
 *     added one by one until the plan is clean.
 *  2. raise the capture CPU count just enough: nr_cpus=K replacing the nr_cpus=/maxcpus= words
 *     of the append variable (SUSE: KDUMP_CPUS=K), K ≤ policy max_capture_cpus and ≤ the
 *     machine's CPUs, and the memory estimate at K must still fit the reservation.
 * A candidate is accepted only when the WHOLE pipeline, re-run on a copy of the snapshot whose
 * configuration is the rewritten text (parsed by collect/shellfile.c), shows no vectors.* error,
 * no new error of any kind and no new memory finding; and when the rewritten file, parsed again,
 * differs from the original only in the intended variables; and when the capture command line
 * differs only in the words we touch. So "apply, then check" is clean by construction.
 *
 * Upper bound (no kdump initramfs readable, vectors_plan.upper_bound): accepted. The device set
 * is then the drivers bound now, a superset of what the capture kernel loads; a remedy verified
 * against more devices holds for fewer (devices that are absent take no vectors before the dump
 * target), and blacklisting a module the initramfs lacks is a no-op. The remedy text says so.
 *
 * Refused: a file that is a symlink, not owned by root (or by the user running us), writable by
 * group/others; a file that failed to parse or changed since it was collected; a target
 * variable using $-expansions or sharing a line with another assignment; any value outside the
 * whitelist (rewrite_value_is_safe); missing facts (PCI, capture command line, CPU count).
 *
 * Editing: the assignment's lines are located with the parser (first/last line); inside them
 * the value's exact end is found by asking the same parser which prefix of those lines yields
 * the assignment with its value and leaves only blanks or a comment after it. Everything
 * before the value (indentation, "export ") and after it (a trailing comment) is kept, as is
 * the quote character. A variable not assigned in the file gets a new line at the end. */
#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "kdv/act.h"
#include "kdv/collect.h"
#include "kdv/findings.h"
#include "kdv/rewrite.h"
#include "kdv/root.h"

#define REGION_MAX (64u * 1024u)        /* longest assignment we locate by re-parsing prefixes */
#define LCS_MAX_CELLS (4u * 1024u * 1024u)

static void set_str(char **dst, char *src) {
        free(*dst);
        *dst = src;
}

/* ---- whitelist ---- */

bool rewrite_word_is_strict(const char *w) {
        if (!w || !*w)
                return false;
        for (const char *c = w; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("_.,=-", *c)))
                        return false;
        return true;
}

bool rewrite_driver_name_is_safe(const char *n) {
        size_t l = 0;

        if (!n || !*n)
                return false;
        for (const char *c = n; *c; c++, l++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
                        return false;
        return l <= 55;         /* MODULE_NAME_LEN - 1 (kdv/policy.h) */
}

static bool safe_word_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c && strchr("_.,=:/+@%-", c));
}

bool rewrite_value_is_safe(const char *v) {
        if (!v)
                return false;
        for (const char *c = v; *c; c++)
                if (!safe_word_char(*c) && *c != ' ')
                        return false;
        return true;
}

/* ---- words of a value ---- */

/* Does WORD have the parameter name KEY ('-' and '_' alike, kernel/params.c parameq)? */
static bool word_has_key(const char *word, size_t wl, const char *key) {
        size_t kl = strlen(key), i;

        for (i = 0; i < wl && word[i] != '=' && key[i]; i++) {
                char a = word[i] == '-' ? '_' : word[i], b = key[i] == '-' ? '_' : key[i];
                if (a != b)
                        return false;
        }
        return i == kl && (i == wl || word[i] == '=');
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\n';
}

/* Replace the words of VALUE named by one of KEYS (all of them, or only the last) with
 * REPLACE(old word) — or append NEW_WORD when there is none. Separators are kept. */
struct word_edit {
        const char *const *keys;
        bool last_only;
        const char *append_word;                       /* appended when no word matched */
        char *(*replace)(const char *word, size_t len, void *ud);
        void *ud;
};

static char *value_edit(const char *value, const struct word_edit *e) {
        struct strbuf sb = {};
        const char *p = value, *last = NULL;
        size_t last_len = 0;
        bool found = false;

        if (e->last_only)
                for (const char *q = value; *q;) {
                        const char *w;
                        while (is_blank(*q))
                                q++;
                        w = q;
                        while (*q && !is_blank(*q))
                                q++;
                        for (const char *const *k = e->keys; q > w && *k; k++)
                                if (word_has_key(w, (size_t) (q - w), *k)) {
                                        last = w;
                                        last_len = (size_t) (q - w);
                                }
                }

        while (*p) {
                const char *w = p;
                size_t l;
                bool hit = false;

                if (is_blank(*p)) {
                        strbuf_appendn(&sb, p, 1);
                        p++;
                        continue;
                }
                while (*p && !is_blank(*p))
                        p++;
                l = (size_t) (p - w);
                if (e->last_only)
                        hit = w == last;
                else
                        for (const char *const *k = e->keys; *k && !hit; k++)
                                hit = word_has_key(w, l, *k);
                if (hit) {
                        _cleanup_free_ char *r = e->replace(w, l, e->ud);
                        if (!r) {
                                strbuf_done(&sb);
                                return NULL;
                        }
                        strbuf_append(&sb, r);
                        found = true;
                } else
                        strbuf_appendn(&sb, w, l);
        }
        (void) last_len;
        if (!found && e->append_word) {
                /* append after the value's last word, keeping trailing blanks out of the way */
                size_t end = sb.len;
                while (end > 0 && is_blank(sb.buf[end - 1]))
                        end--;
                if (end == sb.len) {
                        if (end > 0)
                                strbuf_append(&sb, " ");
                        strbuf_append(&sb, e->append_word);
                } else {
                        _cleanup_free_ char *tail = strndup(sb.buf + end, sb.len - end);
                        if (!tail) {
                                strbuf_done(&sb);
                                return NULL;
                        }
                        sb.len = end;
                        if (end > 0)
                                strbuf_append(&sb, " ");
                        strbuf_append(&sb, e->append_word);
                        strbuf_append(&sb, tail);
                }
        }
        if (!sb.buf)
                strbuf_append(&sb, "");
        if (sb.oom) {
                strbuf_done(&sb);
                return NULL;
        }
        return sb.buf;
}

static char *replace_cpus(const char *w, size_t l, void *ud) {
        const char *eq = memchr(w, '=', l);
        size_t kl = eq ? (size_t) (eq - w) : l;
        return strprintf("%.*s=%u", (int) kl, w, *(unsigned *) ud);
}

static char *replace_list(const char *w, size_t l, void *ud) {
        const char *eq = memchr(w, '=', l);
        if (!eq || eq + 1 == w + l)
                return strprintf("%.*s%s%s", (int) (eq ? l : l), w, eq ? "" : "=", (const char *) ud);
        return strprintf("%.*s,%s", (int) l, w, (const char *) ud);
}

/* ---- the defaults a tool uses when the variable is unset ---- */

/* Debian kdump-config: ${KDUMP_CMDLINE_APPEND:=<debian/rules default>} (also when empty); the
 * same table as plan/capture.c debian_default_append() (kdump-tools 1:1.10.4 debian/rules). */
static const char *debian_default_append(const char *arch) {
        if (arch && streq(arch, "aarch64"))
                return "reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1";
        if (arch && streq(arch, "ppc64le"))
                return "reset_devices systemd.unit=kdump-tools-dump.service maxcpus=1 irqpoll "
                       "noirqdistrib usbcore.nousb";
        return "reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb";
}

/* The value the tool uses for an append variable now, and whether it is assigned in the file. */
static const char *effective_append(const struct snapshot *s, const char *var, const struct shell_assignment *a) {
        if (s->flavor == KDUMP_FLAVOR_DEBIAN && (!a || !a->value || !*a->value))
                return debian_default_append(s->arch);
        return a && a->value ? a->value : "";
}

const char *rewrite_reload_command(enum kdump_flavor f) {
        switch (f) {
        case KDUMP_FLAVOR_DEBIAN:
                return "systemctl restart kdump-tools";
        case KDUMP_FLAVOR_SUSE:
                return "systemctl restart kdump";
        default:
                return "kdumpctl restart";
        }
}

/* ---- editing the file text ---- */

struct lines {
        size_t *start;          /* offset of each line; start[n] = len */
        size_t n;
};

static int lines_index(const char *text, size_t len, struct lines *l) {
        size_t n = 0, i;

        for (i = 0; i < len; i++)
                if (text[i] == '\n')
                        n++;
        if (len > 0 && text[len - 1] != '\n')
                n++;
        l->start = calloc(n + 1, sizeof(size_t));
        if (!l->start)
                return -ENOMEM;
        l->n = 0;
        if (len > 0)
                l->start[l->n++] = 0;
        for (i = 0; i < len; i++)
                if (text[i] == '\n' && i + 1 < len)
                        l->start[l->n++] = i + 1;
        l->start[l->n] = len;
        return 0;
}

/* Does TEXT (n bytes) parse to exactly one assignment NAME=VALUE and nothing else? */
static int parses_to(const char *text, size_t n, const char *name, const char *value) {
        struct shell_file f = {};
        int k, r = 0;

        k = shell_file_parse(text, n, "", &f);
        if (k == -ENOMEM)
                return k;
        if (k >= 0 && f.state == FACT_OK && f.n_vars == 1 && streq(f.vars[0].name, name) &&
            !f.vars[0].has_expansion && f.vars[0].value && streq(f.vars[0].value, value))
                r = 1;
        shell_file_clear(&f);
        return r;
}

static int parses_to_nothing(const char *text, size_t n) {
        struct shell_file f = {};
        int k, r;

        k = shell_file_parse(text, n, "", &f);
        if (k == -ENOMEM)
                return k;
        r = k >= 0 && f.state == FACT_OK && f.n_vars == 0;
        shell_file_clear(&f);
        return r;
}

static char *quote_value(const char *v, char q) {
        bool bare_ok = *v != 0;

        for (const char *c = v; *c; c++)
                if (!safe_word_char(*c))
                        bare_ok = false;
        if (q == '\'' || q == '"')
                return strprintf("%c%s%c", q, v, q);
        if (bare_ok)
                return strdup(v);
        return strprintf("\"%s\"", v);
}

/* Replace the value of the assignment A of file SF (parsed from TEXT) with VALUE, or append a new
 * assignment NAME when A is NULL. *err gets a message on -EBADMSG. */
static int text_set(const char *text, size_t len, const struct shell_file *sf, const char *name,
                    const struct shell_assignment *a, const char *value, struct strbuf *out, char **err) {
        _cleanup_free_ size_t *starts = NULL;
        _cleanup_free_ char *quoted = NULL;
        struct lines l = {};
        size_t r0, r1, s, v, e;
        const char *region;
        int k;

        if (!a) {
                quoted = quote_value(value, '"');
                if (!quoted)
                        return -ENOMEM;
                strbuf_appendn(out, text, len);
                if (len > 0 && text[len - 1] != '\n')
                        strbuf_append(out, "\n");
                strbuf_printf(out, "# Added by kdump-validate apply (was unset: the tool's default applied).\n"
                              "%s=%s\n", name, quoted);
                return out->oom ? -ENOMEM : 0;
        }

        if (a->has_expansion || !a->value) {
                *err = strprintf("%s:%u: %s uses shell expansions ($..., `...`); not rewriting it", sf->path, a->line, name);
                return -EBADMSG;
        }
        for (size_t i = 0; i < sf->n_vars; i++) {
                const struct shell_assignment *o = &sf->vars[i];
                if (o == a)
                        continue;
                if (o->line <= a->last_line && o->last_line >= a->line) {
                        *err = strprintf("%s:%u: %s shares its line with %s; not rewriting a line with several "
                                   "assignments", sf->path, a->line, name, o->name);
                        return -EBADMSG;
                }
        }

        k = lines_index(text, len, &l);
        if (k < 0)
                return k;
        starts = l.start;
        if (a->line < 1 || a->last_line > l.n || a->last_line < a->line) {
                *err = strprintf("%s:%u: cannot locate %s", sf->path, a->line, name);
                return -EBADMSG;
        }
        r0 = l.start[a->line - 1];
        r1 = l.start[a->last_line];
        region = text + r0;
        if (r1 - r0 > REGION_MAX) {
                *err = strprintf("%s:%u: the assignment of %s is too long to rewrite safely", sf->path, a->line, name);
                return -EBADMSG;
        }

        /* before the name: blanks, optionally "export" and blanks */
        s = 0;
        while (s < r1 - r0 && (region[s] == ' ' || region[s] == '\t'))
                s++;
        if (r1 - r0 - s > 7 && strncmp(region + s, "export", 6) == 0 && (region[s + 6] == ' ' || region[s + 6] == '\t')) {
                s += 6;
                while (s < r1 - r0 && (region[s] == ' ' || region[s] == '\t'))
                        s++;
        }
        if (r1 - r0 - s < strlen(name) + 1 || strncmp(region + s, name, strlen(name)) != 0 ||
            region[s + strlen(name)] != '=') {
                *err = strprintf("%s:%u: %s is not the first thing on its line; not rewriting it", sf->path, a->line, name);
                return -EBADMSG;
        }
        v = s + strlen(name) + 1;

        /* the value's end: the shortest prefix that yields NAME=<its value>, with only blanks or
         * a comment after it (the parser decides both, no second lexer here) */
        for (e = v; e <= r1 - r0; e++) {
                k = parses_to(region, e, name, a->value);
                if (k < 0)
                        return k;
                if (k == 0)
                        continue;
                k = parses_to_nothing(region + e, r1 - r0 - e);
                if (k < 0)
                        return k;
                if (k > 0)
                        break;
        }
        if (e > r1 - r0) {
                *err = strprintf("%s:%u: cannot locate the value of %s", sf->path, a->line, name);
                return -EBADMSG;
        }

        quoted = quote_value(value, region[v]);
        if (!quoted)
                return -ENOMEM;
        strbuf_appendn(out, text, r0 + v);
        strbuf_append(out, quoted);
        strbuf_appendn(out, region + e, len - r0 - e);
        return out->oom ? -ENOMEM : 0;
}

/* ---- the plan ---- */

void rewrite_plan_clear(struct rewrite_plan *p) {
        free(p->path);
        free(p->remedy);
        free(p->message);
        free(p->advice);
        for (size_t i = 0; i < p->n_edits; i++) {
                free(p->edits[i].variable);
                free(p->edits[i].old_value);
                free(p->edits[i].new_value);
        }
        strv_free(p->blacklisted);
        free(p->old_text);
        free(p->new_text);
        *p = (struct rewrite_plan) {};
}

static bool is_error_of(const struct findings *f, const char *prefix) {
        for (size_t i = 0; i < f->n; i++)
                if (f->items[i].severity == SEVERITY_ERROR && startswith(f->items[i].id, prefix))
                        return true;
        return false;
}

static const struct finding *find_id(const struct findings *f, const char *id) {
        for (size_t i = 0; i < f->n; i++)
                if (streq(f->items[i].id, id))
                        return &f->items[i];
        return NULL;
}

struct ctx {
        const struct snapshot *s;
        const struct plan *p;
        const struct findings *f;
        const struct policy *pol;
        const char *text;
        size_t len;
        const char *append_var;
        const char *bl_key;             /* rd.driver.blacklist / module_blacklist */
        struct strbuf why;              /* reasons candidates were rejected */
        char *advice;
};

/* One variable's new value, and the words we added (each must be strict). */
struct var_change {
        const char *name;
        char *value;
};

/* The kernel command line words, minus those whose key is one of KEYS. */
static int words_without(const char *cmdline, const char *const *keys, char ***ret) {
        _cleanup_strv_free_ char **w = NULL, **out = NULL;
        size_t n = 0;
        int k;

        k = cmdline_split(cmdline ? cmdline : "", &w);
        if (k < 0)
                return k;
        out = calloc(1, sizeof(char *));
        if (!out)
                return -ENOMEM;
        for (char **x = w; *x; x++) {
                bool drop = false;
                for (const char *const *kk = keys; *kk && !drop; kk++)
                        drop = word_has_key(*x, strlen(*x), *kk);
                if (!drop && strv_extend(&out, &n, *x) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(out);
        return 0;
}

static bool strv_equal(char *const *a, char *const *b) {
        for (; *a && *b; a++, b++)
                if (!streq(*a, *b))
                        return false;
        return !*a && !*b;
}

/* Try one candidate: build the text, check it, re-run the pipeline on it. Returns 1 accepted
 * (ret filled), 0 rejected (reason in c->why), or a negative errno that ends planning. */
static int try_candidate(struct ctx *c, unsigned cpus, char *const *bl, struct rewrite_plan *ret) {
        const struct snapshot *s = c->s;
        struct var_change ch[REWRITE_MAX_EDITS] = {};
        size_t n_ch = 0;
        _cleanup_free_ char *text1 = NULL, *err = NULL, *bl_list = NULL, *cpus_word = NULL, *bl_word = NULL;
        size_t len1;
        struct shell_file sf2 = {};
        struct snapshot copy;
        struct plan np = {};
        struct findings nf = {};
        int k, r = 0;
        static const char *const cpu_keys[] = { "nr_cpus", "maxcpus", NULL };

        /* ---- the new values ---- */
        if (bl && *bl) {
                struct strbuf sb = {};
                for (char *const *m = bl; *m; m++) {
                        if (!rewrite_driver_name_is_safe(*m)) {
                                ret->message = strprintf("refusing to write module name '%s': not [a-z0-9_]", *m);
                                return -EILSEQ;
                        }
                        strbuf_printf(&sb, "%s%s", m == bl ? "" : ",", *m);
                }
                if (sb.oom) {
                        strbuf_done(&sb);
                        return -ENOMEM;
                }
                bl_list = sb.buf;
        }

        {
                const struct shell_assignment *a = shell_file_get(&s->kdump_sysconfig, c->append_var);
                _cleanup_free_ char *v = strdup(effective_append(s, c->append_var, a));
                bool suse_cpus = false;

                if (!v)
                        return -ENOMEM;
                if (cpus > 0) {
                        if (s->flavor == KDUMP_FLAVOR_SUSE) {
                                const struct shell_assignment *cmd = shell_file_get(&s->kdump_sysconfig, "KDUMP_COMMANDLINE");
                                /* SUSE load.sh adds nr_cpus=${KDUMP_CPUS} only when it builds the
                                 * line itself (KDUMP_COMMANDLINE empty) */
                                suse_cpus = !cmd || (cmd->value && !*cmd->value);
                        }
                        cpus_word = strprintf("nr_cpus=%u", cpus);
                        if (!cpus_word)
                                return -ENOMEM;
                        if (suse_cpus) {
                                char *nv = strprintf("%u", cpus);
                                if (!nv)
                                        return -ENOMEM;
                                ch[n_ch++] = (struct var_change) { "KDUMP_CPUS", nv };
                                /* nr_cpus= words in the append variable would still lower it:
                                 * they are replaced below, nothing is appended */
                        }
                        {
                                struct word_edit we = {
                                        .keys = cpu_keys,
                                        .append_word = suse_cpus ? NULL : cpus_word,
                                        .replace = replace_cpus, .ud = &cpus,
                                };
                                char *nv = value_edit(v, &we);
                                if (!nv)
                                        return -ENOMEM;
                                free(v);
                                v = nv;
                        }
                }
                if (bl_list) {
                        const char *keys[] = { c->bl_key, NULL };
                        _cleanup_free_ char *merged = NULL;
                        bool in_append = false;

                        for (const char *q = v; *q;) {
                                const char *w;
                                while (is_blank(*q))
                                        q++;
                                w = q;
                                while (*q && !is_blank(*q))
                                        q++;
                                if (q > w && word_has_key(w, (size_t) (q - w), c->bl_key))
                                        in_append = true;
                        }
                        if (!in_append && streq(c->bl_key, "module_blacklist") && c->p->capture.cmdline) {
                                /* only the last module_blacklist= counts: carry the one already on the line */
                                _cleanup_free_ char *prev = cmdline_get(c->p->capture.cmdline, "module_blacklist");
                                if (prev && *prev) {
                                        for (const char *x = prev; *x; x++)
                                                if (!((*x >= 'a' && *x <= 'z') || (*x >= '0' && *x <= '9') || *x == '_' || *x == '-' || *x == ',')) {
                                                        ret->message = strprintf("the capture command line has module_blacklist=%s, "
                                                                           "which is not a list of module names; not touching it", prev);
                                                        return -EILSEQ;
                                                }
                                        merged = strprintf("%s,%s", prev, bl_list);
                                        if (!merged)
                                                return -ENOMEM;
                                }
                        }
                        bl_word = strprintf("%s=%s", c->bl_key, merged ? merged : bl_list);
                        if (!bl_word)
                                return -ENOMEM;
                        struct word_edit we = {
                                .keys = keys, .last_only = true, .append_word = bl_word,
                                .replace = replace_list, .ud = bl_list,
                        };
                        char *nv = value_edit(v, &we);
                        if (!nv)
                                return -ENOMEM;
                        free(v);
                        v = nv;
                }
                if (!streq(v, effective_append(s, c->append_var, a)))
                        ch[n_ch++] = (struct var_change) { c->append_var, TAKE_PTR(v) };
        }

        /* ---- whitelist: everything we write ---- */
        if ((cpus_word && !rewrite_word_is_strict(cpus_word)) || (bl_word && !rewrite_word_is_strict(bl_word))) {
                ret->message = strprintf("refusing to write '%s': outside [a-z0-9_.,=-]", bl_word ? bl_word : cpus_word);
                r = -EILSEQ;
                goto out;
        }
        for (size_t i = 0; i < n_ch; i++)
                if (!rewrite_value_is_safe(ch[i].value)) {
                        ret->message = strprintf("refusing to write %s=\"%s\": the value has characters outside the "
                                           "whitelist (letters, digits, _ . , = : / + @ %% - and single spaces)",
                                           ch[i].name, ch[i].value);
                        r = -EILSEQ;
                        goto out;
                }

        /* ---- the new text: one variable at a time, re-parsing in between ---- */
        text1 = malloc(c->len + 1);
        if (!text1) {
                r = -ENOMEM;
                goto out;
        }
        memcpy(text1, c->text, c->len);
        len1 = c->len;
        for (size_t i = 0; i < n_ch; i++) {
                struct shell_file cur = {};
                struct strbuf out = {};

                k = shell_file_parse(text1, len1, s->kdump_sysconfig.path, &cur);
                if (k == -ENOMEM) {
                        r = k;
                        goto out;
                }
                k = text_set(text1, len1, &cur, ch[i].name, shell_file_get(&cur, ch[i].name), ch[i].value, &out, &err);
                shell_file_clear(&cur);
                if (k < 0) {
                        strbuf_done(&out);
                        if (k == -EBADMSG) {
                                ret->message = TAKE_PTR(err);
                                if (!ret->message)
                                        k = -ENOMEM;
                        }
                        r = k;
                        goto out;
                }
                free(text1);
                text1 = out.buf ? out.buf : strdup("");
                len1 = out.len;
                if (!text1) {
                        r = -ENOMEM;
                        goto out;
                }
        }

        /* ---- the rewritten file as root's shell will see it: only our variables changed ---- */
        k = shell_file_parse(text1, len1, s->kdump_sysconfig.path, &sf2);
        if (k == -ENOMEM) {
                r = k;
                goto out;
        }
        if (sf2.state != FACT_OK) {
                ret->message = strprintf("internal error: the rewritten %s does not parse (%s); not writing it",
                                   s->kdump_sysconfig.path, strempty(sf2.error.message));
                r = -EBADMSG;
                goto out;
        }
        {
                const struct shell_file *old = &s->kdump_sysconfig;
                bool same = true;

                /* every variable of either file: the final value equal unless we changed it */
                for (int pass = 0; pass < 2 && same; pass++) {
                        const struct shell_file *x = pass ? &sf2 : old;
                        for (size_t i = 0; i < x->n_vars && same; i++) {
                                const char *n = x->vars[i].name;
                                const struct shell_assignment *o = shell_file_get(old, n), *w = shell_file_get(&sf2, n);
                                const char *want = NULL;
                                for (size_t j = 0; j < n_ch; j++)
                                        if (streq(ch[j].name, n))
                                                want = ch[j].value;
                                if (want)
                                        same = w && w->value && streq(w->value, want);
                                else
                                        same = o && w && o->has_expansion == w->has_expansion &&
                                               streq_ptr(o->value, w->value);
                        }
                }
                for (size_t j = 0; j < n_ch && same; j++) {
                        const struct shell_assignment *w = shell_file_get(&sf2, ch[j].name);
                        same = w && w->value && streq(w->value, ch[j].value);
                }
                if (!same) {
                        ret->message = strprintf("internal error: the rewritten %s changes more than %s; not writing it",
                                           s->kdump_sysconfig.path, ch[0].name);
                        r = -EBADMSG;
                        goto out;
                }
        }

        /* ---- the whole pipeline on the rewritten configuration ---- */
        copy = *s;
        copy.kdump_sysconfig = sf2;
        k = plan_build(&copy, &np);
        if (k >= 0)
                k = findings_build(&copy, &np, &(struct findings_options) { .vector_margin = c->pol->vector_margin }, &nf);
        if (k < 0) {
                r = k;
                goto out;
        }

        {
                const char *const touched[] = { "nr_cpus", "maxcpus", c->bl_key, NULL };
                _cleanup_strv_free_ char **w_old = NULL, **w_new = NULL;

                if (!np.capture.cmdline_known) {
                        strbuf_printf(&c->why, "; the rewritten capture command line is not fully known");
                        goto out;
                }
                k = words_without(c->p->capture.cmdline, touched, &w_old);
                if (k >= 0)
                        k = words_without(np.capture.cmdline, touched, &w_new);
                if (k < 0) {
                        r = k;
                        goto out;
                }
                if (!strv_equal(w_old, w_new)) {
                        ret->message = strprintf("internal error: the rewrite would change other words of the capture "
                                           "command line ('%s' → '%s'); not writing it",
                                           strempty(c->p->capture.cmdline), strempty(np.capture.cmdline));
                        r = -EBADMSG;
                        goto out;
                }
        }
        if (cpus > 0 && np.capture.cpus != cpus) {
                strbuf_printf(&c->why, "; %s=%u does not give the capture kernel %u CPUs (another "
                              "nr_cpus=/maxcpus= on its command line limits it to %u)",
                              cpus_word ? "nr_cpus" : "KDUMP_CPUS", cpus, cpus, np.capture.cpus);
                goto out;
        }
        if (is_error_of(&nf, "vectors.")) {
                if (cpus > 0)
                        strbuf_printf(&c->why, "; at %u CPUs a device still runs out of vectors", cpus);
                else
                        strbuf_printf(&c->why, "; without %s the dump target still runs out of vectors", bl_list);
                goto out;
        }
        /* no new error of any kind */
        for (size_t i = 0; i < nf.n; i++)
                if (nf.items[i].severity == SEVERITY_ERROR && !find_id(c->f, nf.items[i].id)) {
                        if (startswith(nf.items[i].id, "memory.")) {
                                char b[32];
                                strbuf_printf(&c->why, "; at %u CPUs the capture kernel needs about %s, more than the "
                                              "reservation", np.capture.cpus, format_size(np.memory.estimate, b));
                                if (!c->advice)
                                        c->advice = strprintf("crashkernel=%s on the boot command line (needs a reboot; "
                                                        "kdump-validate does not edit the boot loader), then nr_cpus=%u",
                                                        format_kernel_size(np.memory.recommended, b), np.capture.cpus);
                        } else
                                strbuf_printf(&c->why, "; it would introduce %s", nf.items[i].id);
                        goto out;
                }
        /* memory: no new memory finding (tight) either */
        if ((find_id(&nf, "memory.tight") && !find_id(c->f, "memory.tight") && !find_id(c->f, "memory.insufficient"))) {
                char b[32], b2[32];
                strbuf_printf(&c->why, "; at %u CPUs the capture kernel needs about %s of the %s reserved: "
                              "less headroom than the memory.tight margin", np.capture.cpus,
                              format_size(np.memory.estimate, b), format_size(np.memory.reserved, b2));
                if (!c->advice)
                        c->advice = strprintf("crashkernel=%s on the boot command line (needs a reboot; kdump-validate "
                                        "does not edit the boot loader), then nr_cpus=%u",
                                        format_kernel_size(np.memory.recommended, b), np.capture.cpus);
                goto out;
        }
        /* prefer a change that also survives the worst probe order; the caller asks */
        r = np.vectors.order_sensitive ? 2 : 1;

        /* accepted: fill the plan */
        set_str(&ret->new_text, TAKE_PTR(text1));
        ret->new_len = len1;
        ret->cpus_after = np.capture.cpus;
        for (size_t i = 0; i < ret->n_edits; i++) {
                free(ret->edits[i].variable);
                free(ret->edits[i].old_value);
                free(ret->edits[i].new_value);
        }
        ret->n_edits = 0;
        for (size_t i = 0; i < n_ch; i++) {
                const struct shell_assignment *o = shell_file_get(&s->kdump_sysconfig, ch[i].name);
                struct rewrite_edit *e = &ret->edits[ret->n_edits++];
                e->variable = strdup(ch[i].name);
                e->old_value = o && o->value ? strdup(o->value) : NULL;
                e->new_value = TAKE_PTR(ch[i].value);
                if (!e->variable || !e->new_value || (o && o->value && !e->old_value)) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        strv_free(ret->blacklisted);
        ret->blacklisted = NULL;
        if (bl) {
                size_t n = 0;
                ret->blacklisted = calloc(1, sizeof(char *));
                if (!ret->blacklisted) {
                        r = -ENOMEM;
                        goto out;
                }
                for (char *const *m = bl; *m; m++)
                        if (strv_extend(&ret->blacklisted, &n, *m) < 0) {
                                r = -ENOMEM;
                                goto out;
                        }
        }

out:
        for (size_t i = 0; i < n_ch; i++)
                free(ch[i].value);
        findings_clear(&nf);
        plan_clear(&np);
        shell_file_clear(&sf2);         /* copy shared it, and copy is gone */
        return r;
}

/* Modules we may keep out, most vectors first. */
struct cand {
        const char *module;
        unsigned vectors;
};

static const char *module_of(const struct snapshot *s, const char *driver, const struct driver_entry **ret_e) {
        const struct driver_entry *e = s->driver_table ? driver_table_find(s->driver_table, driver) : NULL;

        *ret_e = e;
        if (e && e->modules && e->modules[0])
                return e->modules[0];
        return e && !e->is_default ? e->name : driver;
}

static int blacklist_candidates(struct ctx *c, struct cand **ret, size_t *ret_n, char **ret_excluded) {
        const struct vectors_plan *v = &c->p->vectors;
        const struct vector_device *dump = NULL;
        const struct driver_entry *de = NULL;
        const char *dump_module = NULL;
        struct strbuf excl = {};
        struct cand *cand;
        size_t n = 0;

        for (size_t i = 0; i < v->n_devices; i++)
                if (v->devices[i].dump_target)
                        dump = &v->devices[i];
        if (!dump || !dump->driver)
                return 0;               /* dump path unknown: nothing is provably off it */
        dump_module = module_of(c->s, dump->driver, &de);

        cand = calloc(v->n_devices + 1, sizeof(*cand));
        if (!cand)
                return -ENOMEM;
        for (size_t i = 0; i < v->n_devices; i++) {
                const struct vector_device *d = &v->devices[i];
                const struct driver_entry *e = NULL;
                const char *m;
                bool dup = false;

                if (d->dump_target || !d->driver || d->builtin || d->vectors == 0)
                        continue;
                m = module_of(c->s, d->driver, &e);
                if (e && (e->core || e->virtio_transport))
                        continue;
                if (streq(m, dump_module) || streq(d->driver, dump->driver))
                        continue;       /* the dump target's own module */
                for (size_t j = 0; j < n; j++)
                        if (streq(cand[j].module, m)) {
                                cand[j].vectors += d->vectors;
                                dup = true;
                        }
                if (dup)
                        continue;
                if (!policy_may_blacklist(c->pol, m) || !rewrite_driver_name_is_safe(m)) {
                        if (!strstr(strempty(excl.buf), m))
                                strbuf_printf(&excl, "%s%s", excl.len ? ", " : "", m);
                        continue;
                }
                cand[n++] = (struct cand) { m, d->vectors };
        }
        for (size_t a = 0; a < n; a++)
                for (size_t b = a + 1; b < n; b++)
                        if (cand[b].vectors > cand[a].vectors) {
                                struct cand t = cand[a];
                                cand[a] = cand[b];
                                cand[b] = t;
                        }
        if (excl.oom) {
                free(cand);
                strbuf_done(&excl);
                return -ENOMEM;
        }
        *ret = cand;
        *ret_n = n;
        *ret_excluded = excl.buf;
        return 0;
}

static char *join_strv(char *const *l) {
        struct strbuf sb = {};
        for (char *const *p = l; p && *p; p++)
                strbuf_printf(&sb, "%s%s", p == l ? "" : ",", *p);
        if (!sb.buf)
                strbuf_append(&sb, "");
        if (sb.oom) {
                strbuf_done(&sb);
                return NULL;
        }
        return sb.buf;
}

static int describe(struct ctx *c, struct rewrite_plan *ret) {
        _cleanup_free_ char *bl = join_strv(ret->blacklisted);
        const char *ub = c->p->vectors.upper_bound ?
                " (checked against the drivers bound now, an upper bound of the capture kernel's: "
                "the kdump initramfs could not be read)" : "";

        if (!bl)
                return -ENOMEM;
        if (ret->blacklisted && ret->blacklisted[0])
                ret->remedy = strprintf("keep %s out of the capture kernel (%s=%s in %s) so the dump target gets its "
                                  "interrupt vectors%s", bl, c->bl_key, bl, c->append_var, ub);
        else
                ret->remedy = strprintf("boot the capture kernel with %u CPUs instead of %u (%s) so every device gets "
                                  "its interrupt vectors; the memory estimate at %u CPUs still fits the reservation%s",
                                  ret->cpus_after, ret->cpus_before,
                                  ret->n_edits && streq(ret->edits[0].variable, "KDUMP_CPUS") ? "KDUMP_CPUS" : "nr_cpus",
                                  ret->cpus_after, ub);
        return ret->remedy ? 0 : -ENOMEM;
}

int rewrite_plan_change(const struct snapshot *s, const struct plan *p, const struct findings *f,
                        const struct policy *pol, const char *text, size_t len, struct rewrite_plan *ret) {
        struct ctx c = { .s = s, .p = p, .f = f, .pol = pol, .text = text, .len = len };
        struct shell_file now = {};
        _cleanup_free_ struct cand *cand = NULL;
        _cleanup_free_ char *excluded = NULL;
        size_t n_cand = 0;
        bool other_error = false;
        int k, r;

        *ret = (struct rewrite_plan) {};
        ret->cpus_before = ret->cpus_after = p->capture.cpus;
        ret->path = strdup(s->kdump_sysconfig.path ? s->kdump_sysconfig.path :
                           s->flavor == KDUMP_FLAVOR_DEBIAN ? "etc/default/kdump-tools" : "etc/sysconfig/kdump");
        if (!ret->path)
                return -ENOMEM;
        if (text) {
                ret->old_text = malloc(len + 1);
                if (!ret->old_text)
                        return -ENOMEM;
                memcpy(ret->old_text, text, len);
                ret->old_text[len] = 0;
                ret->old_len = len;
        }

        for (size_t i = 0; i < f->n; i++)
                if (f->items[i].severity == SEVERITY_ERROR && !startswith(f->items[i].id, "vectors."))
                        other_error = true;
        ret->errors_remain = other_error;
        if (other_error) {
                struct strbuf sb = {};
                for (size_t i = 0; i < f->n; i++)
                        if (f->items[i].severity == SEVERITY_ERROR && !startswith(f->items[i].id, "vectors.") &&
                            f->items[i].remedy)
                                strbuf_printf(&sb, "%s[%s] %s", sb.len ? "; " : "", f->items[i].id, f->items[i].remedy);
                if (sb.oom) {
                        strbuf_done(&sb);
                        return -ENOMEM;
                }
                ret->advice = sb.buf;
        }

        if (!is_error_of(f, "vectors.")) {
                ret->message = strdup(other_error ?
                        "No change to the kdump configuration can fix the errors found (they need a new "
                        "crashkernel= or other changes outside it); nothing written." :
                        "Nothing to do: no interrupt-vector error in the capture kernel.");
                return ret->message ? 0 : -ENOMEM;
        }

        /* ---- the facts the remedy rests on ---- */
        if (s->flavor == KDUMP_FLAVOR_NONE) {
                ret->message = strdup("No kdump configuration found (/etc/sysconfig/kdump, /etc/default/kdump-tools): nothing to rewrite.");
                return ret->message ? -ENOENT : -ENOMEM;
        }
        if (s->kdump_sysconfig.state == FACT_MISSING || !text) {
                ret->message = strprintf("%s does not exist; not creating it.", ret->path);
                return ret->message ? -ENOENT : -ENOMEM;
        }
        if (s->kdump_sysconfig.state == FACT_INVALID) {
                ret->message = strprintf("%s:%u: %s — fix the file first; not rewriting a file that does not parse.",
                                   strempty(s->kdump_sysconfig.error.file), s->kdump_sysconfig.error.line,
                                   strempty(s->kdump_sysconfig.error.message));
                return ret->message ? -EBADMSG : -ENOMEM;
        }
        k = shell_file_parse(text, len, s->kdump_sysconfig.path, &now);
        if (k == -ENOMEM)
                return k;
        {
                bool same = now.state == FACT_OK && now.n_vars == s->kdump_sysconfig.n_vars;
                for (size_t i = 0; same && i < now.n_vars; i++) {
                        const struct shell_assignment *x = &now.vars[i], *y = &s->kdump_sysconfig.vars[i];
                        same = streq(x->name, y->name) && streq_ptr(x->value, y->value) &&
                               x->line == y->line && x->last_line == y->last_line;
                }
                shell_file_clear(&now);
                if (!same) {
                        ret->message = strprintf("%s changed since it was read; run again.", ret->path);
                        return ret->message ? -ESTALE : -ENOMEM;
                }
        }
        if (!p->vectors.applicable || s->pci.state != FACT_OK) {
                ret->message = strdup("The PCI devices are not known: no remedy can be verified; nothing written.");
                return ret->message ? -ENODATA : -ENOMEM;
        }
        if (!p->capture.cmdline_known || !p->capture.append_var) {
                ret->message = strdup("The capture kernel's command line is not fully known (a missing /proc/cmdline "
                                      "or a variable with $-expansions): no remedy can be verified; nothing written.");
                return ret->message ? -ENODATA : -ENOMEM;
        }
        c.append_var = p->capture.append_var;
        c.bl_key = s->flavor == KDUMP_FLAVOR_DEBIAN ? "module_blacklist" : "rd.driver.blacklist";
        {
                const struct shell_assignment *a = shell_file_get(&s->kdump_sysconfig, c.append_var);
                if (a && (a->has_expansion || !a->value)) {
                        ret->message = strprintf("%s:%u: %s uses shell expansions ($..., `...`); not rewriting it.",
                                           ret->path, a->line, c.append_var);
                        return ret->message ? -EBADMSG : -ENOMEM;
                }
        }

        /* ---- 1. keep modules out ---- */
        k = blacklist_candidates(&c, &cand, &n_cand, &excluded);
        if (k < 0)
                goto fail;
        if (!cand)
                strbuf_printf(&c.why, "; the dump target's device is not known, so no module is provably off its path");
        else if (n_cand == 0)
                strbuf_printf(&c.why, "; no module off the dump path may be kept out%s%s%s",
                              excluded && *excluded ? " (policy or name refuses: " : "", strempty(excluded),
                              excluded && *excluded ? ")" : "");
        {
                _cleanup_free_ char **bl = calloc(n_cand + 1, sizeof(char *));
                if (!bl) {
                        k = -ENOMEM;
                        goto fail;
                }
                for (size_t i = 0; i < n_cand; i++) {
                        bl[i] = (char *) cand[i].module;
                        k = try_candidate(&c, 0, bl, ret);
                        if (k < 0)
                                goto fail;
                        if (k > 0)
                                goto accepted;
                }
        }

        /* ---- 2. more capture CPUs ---- */
        {
                unsigned cur = p->capture.cpus, max = pol->max_capture_cpus, machine = 0, fallback = 0;

                if (s->cpus.state == FACT_OK)
                        machine = s->cpus.possible ? s->cpus.possible : s->cpus.online;
                if (machine == 0)
                        strbuf_printf(&c.why, "; the machine's CPU count is not known");
                else {
                        if (machine < max)
                                max = machine;
                        if (cur >= max)
                                strbuf_printf(&c.why, "; the capture kernel already has %u CPUs (policy "
                                              "max_capture_cpus=%u, machine %u)", cur, pol->max_capture_cpus, machine);
                        for (unsigned n = cur + 1; n <= max; n++) {
                                k = try_candidate(&c, n, NULL, ret);
                                if (k < 0)
                                        goto fail;
                                if (k == 1)
                                        goto accepted;
                                if (k == 2 && !fallback)
                                        fallback = n;
                        }
                        if (fallback) {
                                k = try_candidate(&c, fallback, NULL, ret);
                                if (k < 0)
                                        goto fail;
                                if (k > 0)
                                        goto accepted;
                        }
                        if (cur < max && p->vectors.min_cpus > max)
                                strbuf_printf(&c.why, "; the capture kernel needs %u CPUs, above the limit of %u "
                                              "(policy max_capture_cpus=%u)", p->vectors.min_cpus, max, pol->max_capture_cpus);
                }
        }

        /* nothing fits */
        if (c.why.oom) {
                k = -ENOMEM;
                goto fail;
        }
        ret->message = strprintf("No safe change to %s fixes the interrupt-vector error: %s.", ret->path,
                           c.why.len > 2 ? c.why.buf + 2 : "no remedy was found");
        if (c.advice) {
                free(ret->advice);
                ret->advice = TAKE_PTR(c.advice);
        } else if (!ret->advice)
                ret->advice = strprintf("raise max_capture_cpus in the policy or allow more modules in allow_blacklist "
                                  "(kdump-validator.conf(5)), or see the findings' remedies");
        strbuf_done(&c.why);
        return ret->message ? -ERANGE : -ENOMEM;

accepted:
        ret->change = true;
        r = describe(&c, ret);
        strbuf_done(&c.why);
        free(c.advice);
        if (r < 0)
                return r;
        free(ret->message);
        ret->message = NULL;
        return 1;

fail:
        strbuf_done(&c.why);
        free(c.advice);
        if (k == -ENOMEM || ret->message)
                return k;
        ret->message = strprintf("cannot plan the change: %s", strerror(-k));
        return k;
}

/* ---- unified diff ---- */

struct line {
        const char *p;
        size_t len;             /* without the newline */
        bool nl;                /* ends with a newline */
};

static int split_lines(const char *text, size_t len, struct line **ret, size_t *ret_n) {
        size_t n = 0, i = 0;
        struct line *l;

        for (size_t j = 0; j < len; j++)
                if (text[j] == '\n')
                        n++;
        l = calloc(n + 2, sizeof(*l));
        if (!l)
                return -ENOMEM;
        n = 0;
        while (i < len) {
                const char *nl = memchr(text + i, '\n', len - i);
                size_t e = nl ? (size_t) (nl - text) : len;
                l[n++] = (struct line) { text + i, e - i, nl != NULL };
                i = nl ? e + 1 : len;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

static bool line_eq(const struct line *a, const struct line *b) {
        return a->len == b->len && a->nl == b->nl && memcmp(a->p, b->p, a->len) == 0;
}

static void emit_line(struct strbuf *out, char tag, const struct line *l) {
        strbuf_appendn(out, &tag, 1);
        strbuf_appendn(out, l->p, l->len);
        strbuf_append(out, "\n");
        if (!l->nl)
                strbuf_append(out, "\\ No newline at end of file\n");
}

int rewrite_format_diff(const struct rewrite_plan *p, struct strbuf *out) {
        _cleanup_free_ struct line *a = NULL, *b = NULL;
        _cleanup_free_ char *ops = NULL;
        _cleanup_free_ unsigned *dp = NULL;
        size_t na = 0, nb = 0, pre = 0, suf = 0, n_ops = 0;
        int k;

        if (!p->change || !p->new_text)
                return 0;
        k = split_lines(p->old_text ? p->old_text : "", p->old_len, &a, &na);
        if (k >= 0)
                k = split_lines(p->new_text, p->new_len, &b, &nb);
        if (k < 0)
                return k;

        while (pre < na && pre < nb && line_eq(&a[pre], &b[pre]))
                pre++;
        while (suf < na - pre && suf < nb - pre && line_eq(&a[na - 1 - suf], &b[nb - 1 - suf]))
                suf++;

        /* ops: ' ' both, '-' old only, '+' new only; LCS over the middle when it is small */
        ops = malloc(na + nb + 1);
        if (!ops)
                return -ENOMEM;
        memset(ops, ' ', pre);
        n_ops = pre;
        {
                size_t m1 = na - pre - suf, m2 = nb - pre - suf;
                if (m1 && m2 && (m1 + 1) * (m2 + 1) <= LCS_MAX_CELLS) {
                        size_t w = m2 + 1;
                        dp = calloc((m1 + 1) * (m2 + 1), sizeof(unsigned));
                        if (!dp)
                                return -ENOMEM;
                        for (size_t i = m1; i-- > 0;)
                                for (size_t j = m2; j-- > 0;)
                                        dp[i * w + j] = line_eq(&a[pre + i], &b[pre + j]) ? dp[(i + 1) * w + j + 1] + 1 :
                                                dp[(i + 1) * w + j] > dp[i * w + j + 1] ? dp[(i + 1) * w + j] : dp[i * w + j + 1];
                        size_t i = 0, j = 0;
                        while (i < m1 || j < m2) {
                                if (i < m1 && j < m2 && line_eq(&a[pre + i], &b[pre + j])) {
                                        ops[n_ops++] = ' ';
                                        i++, j++;
                                } else if (i < m1 && (j == m2 || dp[(i + 1) * w + j] >= dp[i * w + j + 1])) {
                                        ops[n_ops++] = '-';
                                        i++;
                                } else {
                                        ops[n_ops++] = '+';
                                        j++;
                                }
                        }
                } else {
                        memset(ops + n_ops, '-', m1);
                        n_ops += m1;
                        memset(ops + n_ops, '+', m2);
                        n_ops += m2;
                }
        }
        memset(ops + n_ops, ' ', suf);
        n_ops += suf;

        strbuf_printf(out, "--- a/%s\n+++ b/%s\n", p->path, p->path);
        {
                size_t i = 0;
                while (i < n_ops) {
                        size_t start, end, oa = 0, ob = 0, ca = 0, cb = 0;

                        while (i < n_ops && ops[i] == ' ')
                                i++;
                        if (i >= n_ops)
                                break;
                        start = i >= 3 ? i - 3 : 0;
                        /* extend while the next change is within 6 context lines */
                        end = i;
                        for (;;) {
                                size_t j = end;
                                while (j < n_ops && ops[j] != ' ')
                                        j++;
                                size_t gap = j;
                                while (gap < n_ops && ops[gap] == ' ')
                                        gap++;
                                if (gap < n_ops && gap - j <= 6) {
                                        end = gap;
                                        continue;
                                }
                                end = j + 3 < n_ops ? j + 3 : n_ops;
                                break;
                        }
                        /* line numbers at START */
                        for (size_t j = 0; j < start; j++) {
                                if (ops[j] != '+')
                                        oa++;
                                if (ops[j] != '-')
                                        ob++;
                        }
                        for (size_t j = start; j < end; j++) {
                                if (ops[j] != '+')
                                        ca++;
                                if (ops[j] != '-')
                                        cb++;
                        }
                        strbuf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", ca ? oa + 1 : oa, ca, cb ? ob + 1 : ob, cb);
                        for (size_t j = start, x = oa, y = ob; j < end; j++) {
                                if (ops[j] == ' ') {
                                        emit_line(out, ' ', &a[x]);
                                        x++, y++;
                                } else if (ops[j] == '-')
                                        emit_line(out, '-', &a[x++]);
                                else
                                        emit_line(out, '+', &b[y++]);
                        }
                        i = end;
                }
        }
        return out->oom ? -ENOMEM : 0;
}

/* ---- I/O: reading the file, writing it ---- */

static int split_path(const char *path, char **ret_dir, const char **ret_base) {
        const char *slash = strrchr(path, '/');

        *ret_dir = slash ? strndup(path, (size_t) (slash - path)) : strdup(".");
        *ret_base = slash ? slash + 1 : path;
        return *ret_dir ? 0 : -ENOMEM;
}

/* The directory of the config file under the root, checked: owned by root (or us), not writable
 * by others unless sticky. Returns an fd or -errno with *msg. */
static int open_config_dir(const struct root *r, const char *path, const char **ret_base, char **msg) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -1;
        struct stat st;
        int k;

        k = split_path(path, &dir, ret_base);
        if (k < 0)
                return k;
        dfd = root_openat(r, dir, O_RDONLY | O_DIRECTORY);
        if (dfd < 0) {
                *msg = strprintf("cannot open %s/%s: %s", r->path, dir, strerror(-dfd));
                return dfd;
        }
        if (fstat(dfd, &st) < 0)
                return -errno;
        if ((st.st_uid != 0 && st.st_uid != geteuid()) || ((st.st_mode & 0022) && !(st.st_mode & S_ISVTX))) {
                *msg = strprintf("%s is writable by others or not owned by root; not writing into it", dir);
                return -EPERM;
        }
        k = dfd;
        dfd = -1;
        return k;
}

static int check_config_file(int dfd, const char *base, const char *path, char **msg) {
        struct stat st;

        if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                *msg = strprintf("cannot stat %s: %s", path, strerror(errno));
                return -errno;
        }
        if (S_ISLNK(st.st_mode)) {
                *msg = strprintf("%s is a symbolic link; not replacing it (edit its target by hand)", path);
                return -ELOOP;
        }
        if (!S_ISREG(st.st_mode)) {
                *msg = strprintf("%s is not a regular file", path);
                return -EBADFD;
        }
        if (st.st_uid != 0 && st.st_uid != geteuid()) {
                *msg = strprintf("%s is owned by uid %u, not root: root sources it, so it is unsafe already; not touching it",
                           path, (unsigned) st.st_uid);
                return -EPERM;
        }
        if (st.st_mode & 0022) {
                *msg = strprintf("%s is writable by group or others (mode %04o); not touching it", path,
                           (unsigned) (st.st_mode & 07777));
                return -EPERM;
        }
        return 0;
}

int rewrite_prepare(const struct root *r, const struct validation *v, const struct policy *pol,
                    struct rewrite_plan *ret) {
        const struct snapshot *s = v->snapshot;
        _cleanup_free_ char *text = NULL, *msg = NULL;
        _cleanup_close_ int dfd = -1;
        struct file_identity id = {};
        const char *base = NULL;
        size_t len = 0;
        int k;

        *ret = (struct rewrite_plan) {};
        /* Without a vectors error there is nothing to write: no need to read anything. */
        if (!is_error_of(&v->findings, "vectors.") || s->flavor == KDUMP_FLAVOR_NONE ||
            s->kdump_sysconfig.state != FACT_OK || !s->kdump_sysconfig.path)
                return rewrite_plan_change(s, &v->plan, &v->findings, pol, NULL, 0, ret);

        dfd = open_config_dir(r, s->kdump_sysconfig.path, &base, &msg);
        if (dfd >= 0)
                k = check_config_file(dfd, base, s->kdump_sysconfig.path, &msg);
        else
                k = dfd;
        if (k >= 0) {
                k = atomic_file_read(dfd, base, KDV_MAX_CONFIG_FILE, &text, &len, &id);
                if (k < 0)
                        msg = strprintf("cannot read %s: %s", s->kdump_sysconfig.path, strerror(-k));
        }
        if (k < 0) {
                ret->path = strdup(s->kdump_sysconfig.path);
                ret->message = msg ? TAKE_PTR(msg) : strprintf("%s: %s", s->kdump_sysconfig.path, strerror(-k));
                return ret->message && ret->path ? k : -ENOMEM;
        }
        k = rewrite_plan_change(s, &v->plan, &v->findings, pol, text, len, ret);
        ret->id = id;
        ret->have_id = true;
        return k;
}

int rewrite_write(const struct root *r, const struct rewrite_plan *p, const struct atomic_file_syscalls *sys,
                  bool *ret_replaced) {
        _cleanup_free_ char *msg = NULL;
        _cleanup_close_ int dfd = -1, lock = -1;
        const char *base = NULL;
        int k;

        *ret_replaced = false;
        if (!p->change || !p->new_text || !p->old_text || !p->have_id)
                return -EINVAL;
        lock = kdump_lock_take(r, 10000, sys);
        if (lock < 0 && lock != -ENOENT)
                return lock;
        dfd = open_config_dir(r, p->path, &base, &msg);
        if (dfd < 0)
                return dfd;
        k = check_config_file(dfd, base, p->path, &msg);
        if (k < 0)
                return k;
        return atomic_file_replace(&(struct atomic_replace) {
                .dirfd = dfd, .name = base,
                .expected = p->old_text, .expected_len = p->old_len, .expected_id = &p->id,
                .content = p->new_text, .len = p->new_len,
                .backup = true, .sys = sys,
        }, ret_replaced);
}

int rewrite_diff(const struct validation *v, const char *policy_path, struct strbuf *out) {
        struct policy pol = {};
        struct policy_diagnostics diags = {};
        struct rewrite_plan plan = {};
        struct root r = { .fd = -1 };
        int k;

        k = root_open(v->snapshot->root ? v->snapshot->root : "/", &r);
        if (k < 0) {
                fprintf(stderr, "kdump-validate: cannot open root: %s\n", strerror(-k));
                return k;
        }
        k = policy_path ? policy_load(NULL, policy_path, &pol, &diags) : policy_load(&r, NULL, &pol, &diags);
        for (size_t i = 0; i < diags.n; i++)
                fprintf(stderr, "kdump-validate: %s:%u: %s\n", diags.items[i].file, diags.items[i].line,
                        diags.items[i].message);
        if (k < 0) {
                if (k != -ENOMEM)
                        fprintf(stderr, "kdump-validate: the policy file has errors; not planning a change\n");
                goto finish;
        }
        k = rewrite_prepare(&r, v, &pol, &plan);
        if (k > 0) {
                int j = rewrite_format_diff(&plan, out);
                if (j < 0)
                        k = j;
                else
                        fprintf(stderr, "kdump-validate: apply would %s\n", plan.remedy);
        } else if (plan.message)
                fprintf(stderr, "kdump-validate: %s\n", plan.message);
        if (k <= 0 && plan.advice)
                fprintf(stderr, "kdump-validate: instead: %s\n", plan.advice);
finish:
        rewrite_plan_clear(&plan);
        policy_clear(&pol);
        policy_diagnostics_clear(&diags);
        root_close(&r);
        return k;
}
