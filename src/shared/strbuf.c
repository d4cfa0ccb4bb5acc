/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>

#include "kdv/util.h"

static bool strbuf_reserve(struct strbuf *sb, size_t more) {
        size_t need, cap;
        char *n;

        if (sb->oom)
                return false;
        need = sb->len + more + 1;
        if (need <= sb->cap)
                return true;
        cap = sb->cap ? sb->cap : 256;
        while (cap < need)
                cap *= 2;
        n = realloc(sb->buf, cap);
        if (!n) {
                sb->oom = true;
                return false;
        }
        sb->buf = n;
        sb->cap = cap;
        return true;
}

void strbuf_appendn(struct strbuf *sb, const char *s, size_t n) {
        if (!strbuf_reserve(sb, n))
                return;
        memcpy(sb->buf + sb->len, s, n);
        sb->len += n;
        sb->buf[sb->len] = 0;
}

void strbuf_append(struct strbuf *sb, const char *s) {
        strbuf_appendn(sb, s, strlen(s));
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...) {
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0 || !strbuf_reserve(sb, (size_t) n))
                return;
        va_start(ap, fmt);
        vsnprintf(sb->buf + sb->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        sb->len += (size_t) n;
}
