/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel command line words, split the way the kernel does it.
 * next_arg() (kernel/params.c, v6.1 l.~160): words are separated by isspace() outside double
 * quotes; a double quote toggles quoting anywhere in a word; the quotes the kernel removes are a
 * leading one of the word, a leading one of the value (after the first '=') and a final one.
 * parameq()/parameqn() (kernel/params.c) compare parameter names with '-' and '_' equal.
 * parse_args() stops at a bare "--": what follows goes to init, not to the kernel. */
#include <ctype.h>

#include "kdv/plan.h"
#include "kdv/util.h"

struct karg {
        char *param;            /* name (before the first '='), quotes removed as the kernel does */
        char *val;              /* NULL when the word has no '=' */
};

static const char *skip_spaces(const char *s) {
        while (*s && isspace((unsigned char) *s))
                s++;
        return s;
}

/* Parse one word at ARGS (not at a space). Fills *a (caller frees), returns the next word. */
static const char *next_arg(const char *args, struct karg *a, int *err) {
        size_t i, equals = 0;
        bool in_quote = false, quoted = false;
        const char *start;
        size_t end, vstart = 0;

        *err = 0;
        if (*args == '"') {
                args++;
                in_quote = quoted = true;
        }
        start = args;
        for (i = 0; args[i]; i++) {
                if (isspace((unsigned char) args[i]) && !in_quote)
                        break;
                if (equals == 0 && args[i] == '=')
                        equals = i;
                if (args[i] == '"')
                        in_quote = !in_quote;
        }
        end = i;

        *a = (struct karg) {};
        if (!equals) {
                size_t n = end;
                if (quoted && n > 0 && start[n - 1] == '"')
                        n--;
                a->param = strndup(start, n);
        } else {
                size_t vend = end;
                a->param = strndup(start, equals);
                vstart = equals + 1;
                if (start[vstart] == '"') {
                        vstart++;
                        if (end > 0 && start[end - 1] == '"' && vend > vstart)
                                vend--;
                } else if (quoted && end > 0 && start[end - 1] == '"' && vend > vstart)
                        vend--;
                a->val = strndup(start + vstart, vend >= vstart ? vend - vstart : 0);
                if (!a->val)
                        *err = -ENOMEM;
        }
        if (!a->param)
                *err = -ENOMEM;

        args += i;
        return skip_spaces(args);
}

static void karg_done(struct karg *a) {
        free(a->param);
        free(a->val);
        *a = (struct karg) {};
}

static bool parameq(const char *a, const char *b) {
        for (;; a++, b++) {
                char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
                if (x != y)
                        return false;
                if (!x)
                        return true;
        }
}

int cmdline_split(const char *cmdline, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        const char *p;
        int k;

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        p = skip_spaces(strempty(cmdline));
        while (*p) {
                struct karg a;
                char *w;

                p = next_arg(p, &a, &k);
                if (k < 0) {
                        karg_done(&a);
                        return k;
                }
                if (a.val) {
                        if (asprintf(&w, "%s=%s", a.param, a.val) < 0)
                                w = NULL;
                } else
                        w = strdup(a.param);
                karg_done(&a);
                if (!w)
                        return -ENOMEM;
                k = strv_push(&l, &n, w);
                if (k < 0)
                        return k;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

char *cmdline_get(const char *cmdline, const char *key) {
        char *found = NULL;
        const char *p;
        int k;

        if (!key)
                return NULL;
        p = skip_spaces(strempty(cmdline));
        while (*p) {
                struct karg a;

                p = next_arg(p, &a, &k);
                if (k < 0) {
                        karg_done(&a);
                        free(found);
                        return NULL;
                }
                if (!a.val && streq(a.param, "--")) {
                        karg_done(&a);
                        break;
                }
                if (parameq(a.param, key)) {
                        free(found);
                        found = a.val ? TAKE_PTR(a.val) : strdup("");
                }
                karg_done(&a);
        }
        return found;
}
