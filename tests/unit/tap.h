/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal TAP producer for the unit tests (automake's tap-driver counts each "ok"/"not ok"). */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned tap_n, tap_failed;

static inline void tap_result(int pass, const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static inline void tap_result(int pass, const char *file, int line, const char *fmt, ...) {
        va_list ap;
        tap_n++;
        printf("%s %u - ", pass ? "ok" : "not ok", tap_n);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        if (!pass) {
                tap_failed++;
                printf("# failed at %s:%d\n", file, line);
        }
        fflush(stdout);
}

#define ok(cond, ...) tap_result(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, name) do { \
        long long _g = (long long) (got), _w = (long long) (want); \
        tap_result(_g == _w, __FILE__, __LINE__, "%s", name); \
        if (_g != _w) printf("#   got %lld, want %lld\n", _g, _w); } while (0)
#define is_str(got, want, name) do { \
        const char *_g = (got), *_w = (want); \
        int _p = (_g && _w) ? strcmp(_g, _w) == 0 : _g == _w; \
        tap_result(_p, __FILE__, __LINE__, "%s", name); \
        if (!_p) printf("#   got '%s', want '%s'\n", _g ? _g : "(null)", _w ? _w : "(null)"); } while (0)

static inline int tap_done(void) {
        printf("1..%u\n", tap_n);
        return tap_failed ? 1 : 0;
}

/* Path of a file under tests/ (KDV_TESTS_DIR is set by make check). */
static inline const char *tap_path(const char *rel) {
        static char buf[8][4096];
        static unsigned i;
        const char *d = getenv("KDV_TESTS_DIR");
        char *b = buf[i++ % 8];
        snprintf(b, sizeof(buf[0]), "%s/%s", d ? d : "tests", rel);
        return b;
}

/* Read a whole file under tests/ into a malloc'd NUL-terminated buffer (NULL on error). */
static inline char *tap_slurp(const char *rel, size_t *len) {
        FILE *f = fopen(tap_path(rel), "re");
        char *buf = NULL;
        size_t n = 0, cap = 0;
        if (!f)
                return NULL;
        for (;;) {
                if (n + 4096 + 1 > cap) {
                        cap = cap ? cap * 2 : 8192;
                        buf = realloc(buf, cap);
                        if (!buf) { fclose(f); return NULL; }
                }
                size_t r = fread(buf + n, 1, cap - n - 1, f);
                if (r == 0)
                        break;
                n += r;
        }
        fclose(f);
        buf[n] = 0;
        if (len)
                *len = n;
        return buf;
}

/* Is a file whose name contains NAME mapped into this process? (/proc/self/maps, 6th field;
 * when that cannot be read, true: "not mapped" assertions then fail rather than pass blindly) */
static inline int tap_mapped(const char *name) {
        FILE *f = fopen("/proc/self/maps", "re");
        char line[4096];
        int found = 0;

        if (!f)
                return 1;
        while (!found && fgets(line, sizeof(line), f)) {
                const char *slash = strrchr(line, '/');
                found = slash && strstr(slash, name);
        }
        fclose(f);
        return found;
}
