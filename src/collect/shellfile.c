/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shell-sourced assignment files (/etc/sysconfig/kdump, /etc/default/kdump-tools) read as DATA.
 *
 * kdumpctl (". /etc/sysconfig/kdump"), SUSE's kdump-read-config.sh and Debian's kdump-config
 * (". $KDUMP_DEFAULTS") source these files as root; we never execute anything. We accept the
 * subset of POSIX shell those files are written in and record NAME=value as the shell would
 * leave it (bash(1) QUOTING, "Assignment"):
 *   - blank lines, comments ('#' at the start of a word, to the end of the line);
 *   - NAME=value, several on one line, `export NAME=value`, `export NAME`, ';' separators;
 *   - '…' (literal), "…" (backslash escapes only $ ` " \ and newline), unquoted backslash
 *     escapes, backslash-newline continuations, a value made of several quoted parts;
 *   - a CR right before LF is treated as a blank (CRLF files; bash would keep it in the value).
 * Refused (recorded, never evaluated): a value using $NAME, ${…}, $(…), `…`, $'…', $"…", a
 * leading ~, or NAME+=… (depends on earlier state): has_expansion=true, value=NULL.
 * Anything else (a command, a pipe, a redirection, an array) is FACT_INVALID with file:line
 * "not a variable assignment"; the assignments of that statement are not recorded (bash would
 * pass them to the command's environment only) and parsing goes on with the next statement, as
 * bash does. An unterminated quote or substitution is FACT_INVALID at the line it opened on and
 * ends parsing (bash reports a syntax error at EOF).
 * Build templates: openSUSE's sysconfig.kdump.in wraps the fadump block in "@if @HAVE_FADUMP@
 * TRUE … @endif" (resolved by its build, never in an installed file); lines whose first word is
 * @if/@else/@endif are skipped so the shipped template parses; the variables inside are kept.
 * Every assignment keeps its first and last line so a rewriter can replace exactly those
 * lines and keep every other byte. */
#include "kdv/collect.h"
#include "kdv/util.h"

enum {
        LEX_OK = 0,
        LEX_END_STATEMENT,      /* newline, ';' or comment reached: statement over */
};

struct lexer {
        const char *p, *end;
        unsigned line;
        struct shell_file *f;
        bool failed;            /* first error recorded */
};

struct word {
        struct strbuf text;     /* the word with quotes removed and escapes applied */
        bool quoted;            /* any quoting or escaping was used */
        bool expansion;         /* $…, `…`, ~ */
        ssize_t eq;             /* offset of the '=' of NAME=, -1 if not an assignment */
        bool append;            /* NAME+= */
        bool operator;          /* hit | & < > ( ): not a simple assignment */
        unsigned first_line, last_line;
};

static bool is_name_start(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_name_char(char c) {
        return is_name_start(c) || (c >= '0' && c <= '9');
}

static bool is_valid_name(const char *s, size_t n) {
        if (n == 0 || !is_name_start(s[0]))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!is_name_char(s[i]))
                        return false;
        return true;
}

static int lex_error(struct lexer *lx, unsigned line, const char *msg) {
        if (!lx->failed) {
                fact_error_set(&lx->f->error, lx->f->path, line, "%s", msg);
                lx->failed = true;
        }
        return -EBADMSG;
}

static bool at_eof(const struct lexer *lx) {
        return lx->p >= lx->end;
}

static char peek(const struct lexer *lx, size_t off) {
        return lx->p + off < lx->end ? lx->p[off] : 0;
}

/* A CR is a blank only right before LF or at EOF (CRLF line ends). */
static bool is_cr_blank(const struct lexer *lx) {
        return peek(lx, 0) == '\r' && (lx->p + 1 >= lx->end || peek(lx, 1) == '\n');
}

/* Skip single quotes inside a substitution we refuse to evaluate. */
static int skip_single(struct lexer *lx, unsigned open_line) {
        lx->p++;
        while (!at_eof(lx) && *lx->p != '\'') {
                if (*lx->p == '\n')
                        lx->line++;
                lx->p++;
        }
        if (at_eof(lx))
                return lex_error(lx, open_line, "unterminated single quote");
        lx->p++;
        return 0;
}

static int skip_double(struct lexer *lx, unsigned open_line);

/* Skip $(…) / ${…} / $((…)) with nesting and quotes; lx->p at the opening bracket. */
static int skip_bracketed(struct lexer *lx, char open, char close, unsigned open_line) {
        unsigned depth = 0;
        int k;

        while (!at_eof(lx)) {
                char c = *lx->p;

                if (c == '\\' && lx->p + 1 < lx->end) {
                        if (lx->p[1] == '\n')
                                lx->line++;
                        lx->p += 2;
                        continue;
                }
                if (c == '\'' && open == '(') {
                        k = skip_single(lx, lx->line);
                        if (k < 0)
                                return k;
                        continue;
                }
                if (c == '"') {
                        k = skip_double(lx, lx->line);
                        if (k < 0)
                                return k;
                        continue;
                }
                if (c == '\n')
                        lx->line++;
                if (c == open)
                        depth++;
                else if (c == close) {
                        if (--depth == 0) {
                                lx->p++;
                                return 0;
                        }
                }
                lx->p++;
        }
        return lex_error(lx, open_line, open == '(' ? "unterminated command substitution"
                                                    : "unterminated ${...} expansion");
}

static int skip_backquote(struct lexer *lx, unsigned open_line) {
        lx->p++;
        while (!at_eof(lx) && *lx->p != '`') {
                if (*lx->p == '\\' && lx->p + 1 < lx->end)
                        lx->p++;
                if (*lx->p == '\n')
                        lx->line++;
                lx->p++;
        }
        if (at_eof(lx))
                return lex_error(lx, open_line, "unterminated backquote");
        lx->p++;
        return 0;
}

/* lx->p at '$'. Returns 1 if an expansion was consumed, 0 if the '$' is literal. */
static int lex_dollar(struct lexer *lx) {
        char n = peek(lx, 1);
        unsigned line = lx->line;
        int k;

        if (n == '(' || n == '{') {
                lx->p++;
                k = skip_bracketed(lx, n, n == '(' ? ')' : '}', line);
                return k < 0 ? k : 1;
        }
        if (is_name_start(n)) {
                lx->p++;
                while (!at_eof(lx) && is_name_char(*lx->p))
                        lx->p++;
                return 1;
        }
        if ((n >= '0' && n <= '9') || (n && strchr("@*#?$!-", n))) {
                lx->p += 2;
                return 1;
        }
        return 0;
}

static int skip_double(struct lexer *lx, unsigned open_line) {
        int k;

        lx->p++;
        while (!at_eof(lx) && *lx->p != '"') {
                char c = *lx->p;

                if (c == '\\' && lx->p + 1 < lx->end) {
                        if (lx->p[1] == '\n')
                                lx->line++;
                        lx->p += 2;
                        continue;
                }
                if (c == '$') {
                        k = lex_dollar(lx);
                        if (k < 0)
                                return k;
                        if (k > 0)
                                continue;
                } else if (c == '`') {
                        k = skip_backquote(lx, lx->line);
                        if (k < 0)
                                return k;
                        continue;
                }
                if (c == '\n')
                        lx->line++;
                lx->p++;
        }
        if (at_eof(lx))
                return lex_error(lx, open_line, "unterminated double quote");
        lx->p++;
        return 0;
}

static void word_done(struct word *w) {
        strbuf_done(&w->text);
}

/* Read one word. lx->p is at a non-blank character that starts a word. */
static int read_word(struct lexer *lx, struct word *w) {
        bool name_prefix = true;        /* everything so far is unquoted name characters */
        int k;

        *w = (struct word) { .eq = -1, .first_line = lx->line };

        while (!at_eof(lx)) {
                char c = *lx->p;
                bool value_start = w->eq >= 0 && (size_t) w->eq + 1 == w->text.len;

                if (c == ' ' || c == '\t' || c == '\n' || c == ';' || is_cr_blank(lx))
                        break;
                if (strchr("|&<>()", c)) {
                        w->operator = true;
                        break;
                }
                if (name_prefix && w->eq < 0) {
                        if (c == '=' && is_valid_name(w->text.buf, w->text.len)) {
                                w->eq = (ssize_t) w->text.len;
                                strbuf_appendn(&w->text, "=", 1);
                                lx->p++;
                                name_prefix = false;
                                continue;
                        }
                        if (c == '+' && peek(lx, 1) == '=' && is_valid_name(w->text.buf, w->text.len)) {
                                w->append = true;
                                w->eq = (ssize_t) w->text.len;
                                strbuf_appendn(&w->text, "=", 1);
                                lx->p += 2;
                                name_prefix = false;
                                continue;
                        }
                        if (!is_name_char(c))
                                name_prefix = false;
                }

                switch (c) {
                case '\\':
                        w->quoted = true;
                        name_prefix = false;
                        if (lx->p + 1 >= lx->end) {             /* trailing backslash at EOF: literal */
                                strbuf_appendn(&w->text, "\\", 1);
                                lx->p++;
                        } else if (lx->p[1] == '\n') {          /* continuation */
                                lx->line++;
                                lx->p += 2;
                        } else {
                                strbuf_appendn(&w->text, lx->p + 1, 1);
                                lx->p += 2;
                        }
                        break;

                case '\'': {
                        unsigned open_line = lx->line;
                        const char *s;

                        w->quoted = true;
                        name_prefix = false;
                        lx->p++;
                        s = lx->p;
                        while (!at_eof(lx) && *lx->p != '\'') {
                                if (*lx->p == '\n')
                                        lx->line++;
                                lx->p++;
                        }
                        if (at_eof(lx))
                                return lex_error(lx, open_line, "unterminated single quote");
                        strbuf_appendn(&w->text, s, (size_t) (lx->p - s));
                        lx->p++;
                        break;
                }

                case '"': {
                        unsigned open_line = lx->line;

                        w->quoted = true;
                        name_prefix = false;
                        lx->p++;
                        while (!at_eof(lx) && *lx->p != '"') {
                                char d = *lx->p;

                                if (d == '\\' && lx->p + 1 < lx->end) {
                                        char e = lx->p[1];
                                        if (e == '\n') {
                                                lx->line++;
                                                lx->p += 2;
                                        } else if (strchr("$`\"\\", e)) {
                                                strbuf_appendn(&w->text, &e, 1);
                                                lx->p += 2;
                                        } else {
                                                strbuf_appendn(&w->text, "\\", 1);
                                                lx->p++;
                                        }
                                        continue;
                                }
                                if (d == '$') {
                                        k = lex_dollar(lx);
                                        if (k < 0)
                                                return k;
                                        if (k > 0) {
                                                w->expansion = true;
                                                continue;
                                        }
                                } else if (d == '`') {
                                        k = skip_backquote(lx, lx->line);
                                        if (k < 0)
                                                return k;
                                        w->expansion = true;
                                        continue;
                                }
                                if (d == '\n')
                                        lx->line++;
                                strbuf_appendn(&w->text, &d, 1);
                                lx->p++;
                        }
                        if (at_eof(lx))
                                return lex_error(lx, open_line, "unterminated double quote");
                        lx->p++;
                        break;
                }

                case '$': {
                        char n = peek(lx, 1);
                        name_prefix = false;
                        if (n == '\'' || n == '"') {            /* $'…' ANSI-C, $"…" locale */
                                lx->p++;
                                k = n == '\'' ? skip_single(lx, lx->line) : skip_double(lx, lx->line);
                                if (k < 0)
                                        return k;
                                w->expansion = true;
                                break;
                        }
                        k = lex_dollar(lx);
                        if (k < 0)
                                return k;
                        if (k > 0)
                                w->expansion = true;
                        else {
                                strbuf_appendn(&w->text, "$", 1);
                                lx->p++;
                        }
                        break;
                }

                case '`':
                        name_prefix = false;
                        k = skip_backquote(lx, lx->line);
                        if (k < 0)
                                return k;
                        w->expansion = true;
                        break;

                case '~':
                        if (value_start)                        /* tilde expansion in an assignment */
                                w->expansion = true;
                        strbuf_appendn(&w->text, "~", 1);
                        lx->p++;
                        break;

                default:
                        strbuf_appendn(&w->text, &c, 1);
                        lx->p++;
                }
        }

        w->last_line = lx->line;
        if (!w->text.buf)                       /* "" gives an empty but allocated text */
                strbuf_appendn(&w->text, "", 0);
        return w->text.oom ? -ENOMEM : 0;
}

/* Skip blanks and continuations between words. Returns LEX_END_STATEMENT at the end of the
 * statement (newline, ';', comment, EOF); consumes the newline / ';' / comment. */
static int skip_blanks(struct lexer *lx) {
        while (!at_eof(lx)) {
                char c = *lx->p;

                if (c == ' ' || c == '\t' || is_cr_blank(lx)) {
                        lx->p++;
                        continue;
                }
                if (c == '\\' && peek(lx, 1) == '\n') {
                        lx->line++;
                        lx->p += 2;
                        continue;
                }
                if (c == '#') {
                        while (!at_eof(lx) && *lx->p != '\n')
                                lx->p++;
                        continue;                       /* the newline ends the statement */
                }
                if (c == '\n') {
                        lx->line++;
                        lx->p++;
                        return LEX_END_STATEMENT;
                }
                if (c == ';') {
                        lx->p++;
                        return LEX_END_STATEMENT;
                }
                return LEX_OK;
        }
        return LEX_END_STATEMENT;
}

static int push_var(struct shell_file *f, const struct word *w, unsigned first_line) {
        struct shell_assignment *n, *a;

        n = realloc(f->vars, (f->n_vars + 1) * sizeof(*f->vars));
        if (!n)
                return -ENOMEM;
        f->vars = n;
        a = &f->vars[f->n_vars];
        *a = (struct shell_assignment) {
                .line = first_line,
                .last_line = w->last_line,
                .has_expansion = w->expansion || w->append,
        };
        a->name = strndup(w->text.buf, (size_t) w->eq);
        if (!a->name)
                return -ENOMEM;
        if (!a->has_expansion) {
                a->value = strdup(w->text.buf + w->eq + 1);
                if (!a->value) {
                        free(a->name);
                        return -ENOMEM;
                }
        }
        f->n_vars++;
        return 0;
}

static void drop_vars_from(struct shell_file *f, size_t from) {
        while (f->n_vars > from) {
                f->n_vars--;
                free(f->vars[f->n_vars].name);
                free(f->vars[f->n_vars].value);
        }
}

static bool is_template_directive(const struct lexer *lx) {
        static const char *const d[] = { "@if", "@else", "@endif" };

        for (size_t i = 0; i < ELEMENTSOF(d); i++) {
                size_t l = strlen(d[i]);
                if ((size_t) (lx->end - lx->p) >= l && memcmp(lx->p, d[i], l) == 0) {
                        char n = lx->p + l < lx->end ? lx->p[l] : '\n';
                        if (n == ' ' || n == '\t' || n == '\n' || n == '\r')
                                return true;
                }
        }
        return false;
}

/* One statement: [export] NAME=value… Returns 0, -EBADMSG (recorded; continue), or a fatal
 * error (-ENOMEM, or -EPIPE meaning "stop parsing": unterminated construct). */
static int parse_statement(struct lexer *lx) {
        unsigned first_line = lx->line;
        size_t start_vars = lx->f->n_vars;
        bool is_export = false, bad = false;
        unsigned n_words = 0;
        int k;

        if (is_template_directive(lx)) {
                while (!at_eof(lx) && *lx->p != '\n')
                        lx->p++;
                return 0;
        }

        for (;;) {
                struct word w;

                k = read_word(lx, &w);
                if (k < 0) {
                        word_done(&w);
                        drop_vars_from(lx->f, start_vars);
                        return k == -EBADMSG ? -EPIPE : k;
                }
                if (w.operator) {
                        word_done(&w);
                        if (!bad)
                                lex_error(lx, first_line, "not a variable assignment");
                        bad = true;
                        /* skip the operator character and go on to the end of the statement */
                        lx->p++;
                } else if (n_words == 0 && !w.quoted && !w.expansion && w.eq < 0 &&
                           streq(w.text.buf, "export")) {
                        is_export = true;
                        word_done(&w);
                } else if (w.eq >= 0) {
                        if (!bad) {
                                k = push_var(lx->f, &w, first_line);
                                if (k < 0) {
                                        word_done(&w);
                                        return k;
                                }
                        }
                        word_done(&w);
                } else if (is_export && !w.quoted && !w.expansion &&
                           is_valid_name(w.text.buf, w.text.len)) {
                        word_done(&w);            /* export NAME: no change to the value */
                } else {
                        word_done(&w);
                        if (!bad)
                                lex_error(lx, first_line, "not a variable assignment");
                        bad = true;
                }
                n_words++;

                if (skip_blanks(lx) == LEX_END_STATEMENT)
                        break;
        }

        if (bad) {
                drop_vars_from(lx->f, start_vars);
                return -EBADMSG;
        }
        return 0;
}

int shell_file_parse(const char *text, size_t len, const char *path, struct shell_file *ret) {
        struct lexer lx;
        int k;

        *ret = (struct shell_file) {};
        ret->path = strdup(path ? path : "");
        if (!ret->path)
                return -ENOMEM;
        ret->state = FACT_OK;

        if (memchr(text, 0, len)) {
                const char *nul = memchr(text, 0, len);
                unsigned line = 1;
                for (const char *q = text; q < nul; q++)
                        if (*q == '\n')
                                line++;
                fact_error_set(&ret->error, ret->path, line, "NUL byte in a text file");
                ret->state = FACT_INVALID;
                return -EBADMSG;
        }

        lx = (struct lexer) { .p = text, .end = text + len, .line = 1, .f = ret };

        for (;;) {
                /* blank lines, comments, separators between statements */
                k = skip_blanks(&lx);
                if (at_eof(&lx))
                        break;
                if (k == LEX_END_STATEMENT)
                        continue;
                k = parse_statement(&lx);
                if (k == -ENOMEM) {
                        shell_file_clear(ret);
                        return k;
                }
                if (k == -EPIPE)
                        break;
        }

        if (lx.failed) {
                ret->state = FACT_INVALID;
                return -EBADMSG;
        }
        return 0;
}

void shell_file_clear(struct shell_file *f) {
        drop_vars_from(f, 0);
        free(f->vars);
        free(f->path);
        fact_error_clear(&f->error);
        *f = (struct shell_file) {};
}

const struct shell_assignment *shell_file_get(const struct shell_file *f, const char *name) {
        if (!f || !name)
                return NULL;
        for (size_t i = f->n_vars; i > 0; i--)
                if (streq(f->vars[i - 1].name, name))
                        return &f->vars[i - 1];
        return NULL;
}
