/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>

#include "kdv/util.h"

char *strprintf(const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}

size_t strv_length(char *const *l) {
        size_t n = 0;
        if (l)
                while (l[n])
                        n++;
        return n;
}

int strv_push(char ***l, size_t *n, char *value) {
        size_t len = n ? *n : strv_length(*l);
        char **nl;

        if (!value)
                return -ENOMEM;
        nl = realloc(*l, sizeof(char *) * (len + 2));
        if (!nl) {
                free(value);
                return -ENOMEM;
        }
        nl[len] = value;
        nl[len + 1] = NULL;
        *l = nl;
        if (n)
                *n = len + 1;
        return 0;
}

int strv_extend(char ***l, size_t *n, const char *value) {
        return strv_push(l, n, strdup(value));
}

bool strv_contains(char *const *l, const char *s) {
        if (!l)
                return false;
        for (char *const *i = l; *i; i++)
                if (streq(*i, s))
                        return true;
        return false;
}

/* The kernel's memparse(): number (decimal, 0x hex, 0 octal) then an optional K/M/G/T/P/E. */
int parse_memsize(const char *s, uint64_t *ret, const char **end) {
        uint64_t v = 0, base = 10;
        const char *p = s;
        unsigned shift = 0;

        if (!isdigit((unsigned char) *p))
                return -EINVAL;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char) p[2])) {
                base = 16;
                p += 2;
        } else if (p[0] == '0' && isdigit((unsigned char) p[1]))
                base = 8;

        for (;; p++) {
                unsigned d;
                if (isdigit((unsigned char) *p))
                        d = *p - '0';
                else if (base == 16 && isxdigit((unsigned char) *p))
                        d = (tolower((unsigned char) *p) - 'a') + 10;
                else
                        break;
                if (d >= base)
                        break;
                if (v > (UINT64_MAX - d) / base)
                        return -ERANGE;
                v = v * base + d;
        }

        switch (*p) {
        case 'E': case 'e': shift += 10; /* fall through */
        case 'P': case 'p': shift += 10; /* fall through */
        case 'T': case 't': shift += 10; /* fall through */
        case 'G': case 'g': shift += 10; /* fall through */
        case 'M': case 'm': shift += 10; /* fall through */
        case 'K': case 'k': shift += 10;
                p++;
                break;
        default:
                break;
        }
        if (shift && v > (UINT64_MAX >> shift))
                return -ERANGE;
        *ret = v << shift;
        if (end)
                *end = p;
        return 0;
}

int parse_u64(const char *s, uint64_t *ret) {
        char *e;
        unsigned long long v;

        if (!s || !*s || *s == '-' || isspace((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &e, 0);
        if (errno)
                return -errno;
        if (e == s)
                return -EINVAL;
        while (*e == '\n' || *e == ' ')
                e++;
        if (*e)
                return -EINVAL;
        *ret = v;
        return 0;
}

int parse_int(const char *s, int *ret) {
        char *e;
        long v;

        if (!s || !*s || isspace((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        v = strtol(s, &e, 10);
        if (errno)
                return -errno;
        if (e == s)
                return -EINVAL;
        while (*e == '\n' || *e == ' ')
                e++;
        if (*e)
                return -EINVAL;
        if (v < INT_MIN || v > INT_MAX)
                return -ERANGE;
        *ret = (int) v;
        return 0;
}

const char *format_size(uint64_t bytes, char buf[static 32]) {
        static const char units[] = "KMGTPE";
        double v = (double) bytes;
        int u = -1;

        if (bytes < 1024) {
                snprintf(buf, 32, "%" PRIu64 "B", bytes);
                return buf;
        }
        while (v >= 1024.0 && u < 5) {
                v /= 1024.0;
                u++;
        }
        if (v == (double) (uint64_t) v)
                snprintf(buf, 32, "%" PRIu64 "%ciB", (uint64_t) v, units[u]);
        else
                snprintf(buf, 32, "%.1f%ciB", v, units[u]);
        return buf;
}

const char *format_kernel_size(uint64_t bytes, char buf[static 32]) {
        uint64_t m = (bytes + MiB - 1) / MiB;

        if (m && m % 1024 == 0)
                snprintf(buf, 32, "%" PRIu64 "G", m / 1024);
        else
                snprintf(buf, 32, "%" PRIu64 "M", m);
        return buf;
}

int kernel_version_parse(const char *release, unsigned *major, unsigned *minor, unsigned *patch) {
        unsigned a = 0, b = 0, c = 0;

        if (!release || sscanf(release, "%u.%u", &a, &b) != 2)
                return -EINVAL;
        (void) sscanf(release, "%u.%u.%u", &a, &b, &c);
        if (major)
                *major = a;
        if (minor)
                *minor = b;
        if (patch)
                *patch = c;
        return 0;
}

static int read_fd(int fd, size_t max, bool allow_nul, char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        for (;;) {
                ssize_t n;

                if (len + 1 >= cap) {
                        size_t ncap = cap ? cap * 2 : 8192;
                        char *nb;

                        if (cap > max + 1)
                                return -EFBIG;
                        nb = realloc(buf, ncap);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        cap = ncap;
                }
                n = read(fd, buf + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len > max)
                        return -EFBIG;
        }
        if (!buf && !(buf = calloc(1, 1)))
                return -ENOMEM;
        buf[len] = 0;
        if (!allow_nul && memchr(buf, 0, len))
                return -EBADMSG;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len) {
        return read_fd(fd, max, false, ret, ret_len);
}

int read_full_fd_binary(int fd, size_t max, char **ret, size_t *ret_len) {
        return read_fd(fd, max, true, ret, ret_len);
}
