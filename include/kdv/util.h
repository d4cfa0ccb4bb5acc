/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by every layer: cleanup attributes, size parsing, strv. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define KiB ((uint64_t) 1024)
#define MiB (KiB * 1024)
#define GiB (MiB * 1024)
#define TiB (GiB * 1024)

static inline void freep(void *p) { free(*(void **) p); }
static inline void fclosep(FILE **f) { if (*f) fclose(*f); }
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)

static inline bool streq(const char *a, const char *b) { return strcmp(a, b) == 0; }
static inline bool streq_ptr(const char *a, const char *b) {
        return a && b ? streq(a, b) : a == b;
}
static inline const char *strempty(const char *s) { return s ? s : ""; }
static inline const char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

/* Takes ownership semantics like systemd's TAKE_PTR. */
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })

/* asprintf() that returns the string, NULL on OOM. */
char *strprintf(const char *fmt, ...) _printf_(1, 2);

/* strv: NULL-terminated arrays of strings. */
void strv_free(char **l);
static inline void strv_freep(char ***l) { strv_free(*l); }
#define _cleanup_strv_free_ _cleanup_(strv_freep)
size_t strv_length(char *const *l);
int strv_push(char ***l, size_t *n, char *value);      /* takes ownership of value */
int strv_extend(char ***l, size_t *n, const char *value); /* copies value */
bool strv_contains(char *const *l, const char *s);

/* Parse a kernel memparse() size: digits with optional K/M/G/T/P/E suffix.
 * Returns the pointer past the parsed text in *end. -EINVAL if no digits, -ERANGE on overflow. */
int parse_memsize(const char *s, uint64_t *ret, const char **end);

/* Strict unsigned decimal/hex integer; whole string (trailing newline allowed). */
int parse_u64(const char *s, uint64_t *ret);
int parse_int(const char *s, int *ret);

/* Read everything from FD (at most MAX bytes: -EFBIG beyond) into a NUL-terminated buffer.
 * A NUL byte inside is -EBADMSG: every file we read is text. */
int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len);
/* The same for data that may hold NUL bytes (records a child sends back, NUL-separated). */
int read_full_fd_binary(int fd, size_t max, char **ret, size_t *ret_len);

/* Human-readable size ("256M", "1.5G") for messages; buffer of at least 32 bytes. */
const char *format_size(uint64_t bytes, char buf[static 32]);
/* Size in the form the kernel accepts on the command line, e.g. "256M" (rounded up to MiB). */
const char *format_kernel_size(uint64_t bytes, char buf[static 32]);

/* Growable string buffer, used by the report writers. */
struct strbuf {
        char *buf;
        size_t len, cap;
        bool oom;
};
void strbuf_append(struct strbuf *sb, const char *s);
void strbuf_appendn(struct strbuf *sb, const char *s, size_t n);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
static inline void strbuf_done(struct strbuf *sb) { free(sb->buf); sb->buf = NULL; sb->len = sb->cap = 0; }

/* Version compare of kernel releases ("6.1.0-56-amd64" vs major/minor). */
int kernel_version_parse(const char *release, unsigned *major, unsigned *minor, unsigned *patch);
