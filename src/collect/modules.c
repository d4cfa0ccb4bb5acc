/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The capture kernel's module world: the module directory of the kernel release (libkmod:
 * built-in modules, the modules whose aliases match each PCI function's modalias, modprobe.d
 * from the root), and the modules inside the kdump initramfs.
 *
 * The initramfs is a sequence of cpio "newc" archives, uncompressed (early microcode, dracut's
 * early_cpio) and/or compressed (gzip, zstd, xz, lz4, ...), with NUL padding between them: the
 * format init/initramfs.c unpack_to_rootfs() reads. We parse cpio ourselves and decompress by
 * piping through the external tool (fork/exec, no shell), with size caps on input and output:
 * no new library dependency.
 *
 * libkmod itself is dlopen()ed in a short-lived child process for each collection (see
 * kmod_in_child()): the daemon never maps it nor the libcrypto it links (issue 6). */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kdv/collect.h"
#include "kdv/kmod-dl.h"
#include "kdv/util.h"

#define INITRAMFS_MAX_INPUT  (2ull << 30)       /* bytes of the image file we read */
#define INITRAMFS_MAX_OUTPUT (4ull << 30)       /* decompressed bytes we parse */
#define INITRAMFS_MAX_NAME   4096u

/* ---- small helpers ---- */

static void normalize_module_name(char *s) {
        /* libkmod/modprobe treat '-' and '_' alike; the canonical form uses '_'
         * (libkmod/libkmod-util.c modname_normalize). */
        for (; *s; s++)
                if (*s == '-')
                        *s = '_';
}

static int strv_add_unique(char ***l, size_t *n, const char *name) {
        if (strv_contains(*l, name))
                return 0;
        return strv_extend(l, n, name);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void strv_sort(char **l) {
        qsort(l, strv_length(l), sizeof(char *), cmp_str);
}
/* Sort L and drop repeated names: built-in and initramfs lists are sets, collected with
 * repeats (one pass, then this), not checked name by name (quadratic in the list). */
static void strv_sort_uniq(char **l) {
        size_t n = strv_length(l), w = 0;

        if (!l)                 /* before qsort(), whose argument glibc declares non-null */
                return;
        strv_sort(l);
        for (size_t i = 0; i < n; i++) {
                if (w > 0 && streq(l[w - 1], l[i])) {
                        free(l[i]);
                        continue;
                }
                l[w++] = l[i];
        }
        l[w] = NULL;
}

/* Plain-path resolution of FULL stays under the root's real path? libkmod opens plain paths,
 * so an absolute symlink in a captured tree (lib -> /usr/lib) would make it read host files. */
static bool plain_path_inside(const struct root *r, const char *rel) {
        _cleanup_free_ char *root_full = NULL, *root_real = NULL, *full = NULL, *real = NULL;
        size_t l;

        if (r->live)
                return true;
        root_full = root_path(r, "");
        full = root_path(r, rel);
        if (!root_full || !full)
                return false;
        root_real = realpath(root_full, NULL);
        real = realpath(full, NULL);
        if (!root_real || !real)
                return false;
        l = strlen(root_real);
        return streq(root_real, "/") || (strncmp(real, root_real, l) == 0 && (real[l] == '/' || real[l] == 0));
}

static void kmod_quiet_log(void *data, int priority, const char *file, int line, const char *fn,
                           const char *format, va_list args) {
        /* Missing index files in a captured tree are facts we report ourselves. */
        (void) data; (void) priority; (void) file; (void) line; (void) fn; (void) format; (void) args;
}

/* ---- one collection: collect_modules_begin() .. collect_modules_end() ---- */

/* An initramfs being read: the uncompressed cpio at its start is parsed by initramfs_start(),
 * which then starts the decompressor for the rest; initramfs_finish() parses its output. */
struct initramfs_reader {
        int fd;                         /* the image */
        char **mods;
        size_t n_mods;
        unsigned n_trailers;
        const char *why;
        char why_buf[256];
        const char *const *argv;        /* the decompressor, when one runs */
        pid_t pid;
        int out;                        /* its stdout */
        int k;                          /* what initramfs_start() found */
};

/* One collection of the module facts. _begin() starts the initramfs decompressor, a separate
 * process that unpacks while the PCI facts are collected (gzip's start alone is ~1 ms of wall
 * time). Threads were tried for libkmod's dlopen() and made both slower on a 2-CPU VM (its
 * mprotect()s shoot down the other CPU's TLB); libkmod forked early into a child that is sent
 * the modaliases later saved nothing measurable either (issue 6). */
struct modules_job {
        const struct root *r;
        struct snapshot *s;
        char *dir, *full;               /* the module directory, relative and full; NULL: none */
        char *conf[6];                  /* modprobe.d directories inside the root, NULL-terminated */
        size_t nconf;
        struct initramfs_reader initramfs;
};

/* The job's memory, not its processes. */
static void modules_job_free_memory(struct modules_job *job) {
        free(job->dir);
        free(job->full);
        for (size_t i = 0; i < job->nconf; i++)
                free(job->conf[i]);
        free(job);
}

/* In the libkmod child: the decompressor is our parent's child, so only our copies of its fds
 * are closed; it is neither killed nor waited for. */
static void modules_job_free_in_child(struct modules_job *job) {
        if (job->initramfs.out >= 0)
                close(job->initramfs.out);
        if (job->initramfs.fd >= 0)
                close(job->initramfs.fd);
        strv_free(job->initramfs.mods);
        modules_job_free_memory(job);
}

/* ---- libkmod ---- */

static int builtin_from_text(const struct root *r, const char *dir, char ***ret) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        char *line, *save = NULL;
        int k;

        if (asprintf(&path, "%s/modules.builtin", dir) < 0)
                return -ENOMEM;
        k = root_read_file(r, path, KDV_MAX_CONFIG_FILE, &text, NULL);
        if (k < 0)
                return k;
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *b = strrchr(line, '/'), *dot;

                b = b ? b + 1 : line;
                dot = strstr(b, ".ko");
                if (dot)
                        *dot = 0;
                if (!*b)
                        continue;
                normalize_module_name(b);
                k = strv_extend(&l, &n, b);
                if (k < 0)
                        return k;
        }
        strv_sort_uniq(l);
        if (!l) {               /* an empty list is a fact too */
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* modules.builtin.bin through libkmod: kmod_dump_index() writes "name value" lines. */
static int builtin_from_index(const struct kmod_dl *dl, struct kmod_ctx *ctx, char ***ret) {
        _cleanup_close_ int fd = -1;
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char buf[PATH_MAX];
        size_t n = 0;
        int k;

        fd = memfd_create("kdv-builtin", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        k = dl->kmod_dump_index(ctx, KMOD_INDEX_MODULES_BUILTIN, fd);
        if (k < 0)
                return k;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        f = fdopen(fd, "r");
        if (!f)
                return -errno;
        fd = -1;
        while (fgets(buf, sizeof(buf), f)) {
                buf[strcspn(buf, " \n")] = 0;
                if (!*buf)
                        continue;
                normalize_module_name(buf);
                k = strv_extend(&l, &n, buf);
                if (k < 0)
                        return k;
        }
        strv_sort_uniq(l);
        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int lookup_modalias(const struct kmod_dl *dl, struct kmod_ctx *ctx, const char *modalias, char ***ret) {
        struct kmod_list *list = NULL, *it;
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        int k;

        k = dl->kmod_module_new_from_lookup(ctx, modalias, &list);
        if (k < 0)
                return k == -ENOMEM ? k : 0;    /* an unparsable alias matches nothing */
        kmod_dl_list_foreach(dl, it, list) {
                struct kmod_module *m = dl->kmod_module_get_module(it);
                const char *name = dl->kmod_module_get_name(m);
                _cleanup_free_ char *c = name ? strdup(name) : NULL;

                dl->kmod_module_unref(m);
                if (!c) {
                        dl->kmod_module_unref_list(list);
                        return -ENOMEM;
                }
                normalize_module_name(c);
                k = strv_add_unique(&l, &n, c);
                if (k < 0) {
                        dl->kmod_module_unref_list(list);
                        return k;
                }
        }
        dl->kmod_module_unref_list(list);
        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* libkmod runs in a child process: the parent never maps it. Debian 12's libkmod.so.2 links
 * libcrypto.so.3 (OpenSSL 3), which is built with -z nodelete (readelf -d: FLAGS_1 NODELETE;
 * OpenSSL Configurations/10-main.conf), so dlclose() cannot unmap it: dlopen()ed in the daemon
 * it would stay, ~1.4 MiB of its RSS, after the first validation (issue 6). The child dlopen()s
 * libkmod (kdv/kmod-dl.h), does the lookups, sends the names back over a pipe and exits; a
 * crash of libkmod on a malformed index in a captured tree is contained as well.
 *
 * Records on the pipe, each a tag byte, text, NUL (names cannot hold a NUL):
 *   'E' message   libkmod could not be loaded (nothing else follows but '.')
 *   'K' errno     the child failed (ENOMEM): the parent returns -errno
 *   'B'           the built-in list is known (possibly empty); 'b' name: one entry
 *   'f' index     PCI function INDEX has a module list (possibly empty); 'm' name: one entry
 *   '.'           end: the output is complete */
#define KMOD_CHILD_MAX_OUTPUT (64u << 20)

struct outbuf {
        char *data;
        size_t len, size;
        bool oom;
};

static void out_rec(struct outbuf *o, char tag, const char *text) {
        size_t l = strlen(text), need = o->len + l + 2;

        if (o->oom)
                return;
        if (need > o->size) {
                size_t size = o->size ? o->size * 2 : 4096;
                char *p;

                if (size < need)
                        size = need;
                p = realloc(o->data, size);
                if (!p) {
                        o->oom = true;
                        return;
                }
                o->data = p;
                o->size = size;
        }
        o->data[o->len++] = tag;
        memcpy(o->data + o->len, text, l + 1);
        o->len += l + 1;
}

static void out_list(struct outbuf *o, char tag, char *const *l) {
        for (; l && *l; l++)
                out_rec(o, tag, *l);
}

/* The child's work, into O. Returns 0 or -ENOMEM (then O holds what came before). */
static int kmod_child_run(const struct root *r, const struct snapshot *s, const char *dir, const char *full,
                          char *const *conf, struct outbuf *o) {
        _cleanup_free_ char *dl_error = NULL;
        _cleanup_strv_free_ char **builtin = NULL;
        struct kmod_ctx *ctx = NULL;
        struct kmod_dl *dl = NULL;
        const char *soname;
        int k;

        /* KDV_TEST_LIBKMOD_SONAME: tests name a library that does not exist to exercise the
         * failure (secure_getenv: ignored in a set-id process). */
        soname = secure_getenv("KDV_TEST_LIBKMOD_SONAME");
        k = kmod_dl_open(soname && *soname ? soname : NULL, &dl, &dl_error);
        if (k == -ENOMEM)
                return k;
        if (k < 0) {
                out_rec(o, 'E', dl_error ? dl_error : "cannot load " KMOD_DL_SONAME);
                return 0;
        }

        /* config_paths: ordered dirs or files, NULL-terminated; an empty vector reads no
         * configuration (libkmod/libkmod.c kmod_new). Missing ones are skipped. */
        ctx = dl->kmod_new(full, (const char *const *) conf);
        if (!ctx) {
                k = -ENOMEM;
                goto finish;
        }
        dl->kmod_set_log_fn(ctx, kmod_quiet_log, NULL);
        (void) dl->kmod_load_resources(ctx);    /* mmap the indexes if all exist; lookups work without */

        /* modules.builtin is the list kbuild writes and depmod indexes into modules.builtin.bin:
         * one read(), where kmod_dump_index() writes the index back out a few bytes per write()
         * (~1,600 system calls, 0.5 ms, for Debian 6.1's 186 built-ins). The index when the text
         * is missing. */
        k = builtin_from_text(r, dir, &builtin);
        if (k == -ENOMEM)
                goto finish;
        if (k < 0) {
                k = builtin_from_index(dl, ctx, &builtin);
                if (k == -ENOMEM)
                        goto finish;
        }
        if (builtin) {
                out_rec(o, 'B', "");
                out_list(o, 'b', builtin);
        }
        k = 0;

        for (size_t i = 0; i < s->pci.n_functions; i++) {
                _cleanup_strv_free_ char **mods = NULL;
                char idx[32];

                if (!s->pci.functions[i].modalias)
                        continue;
                k = lookup_modalias(dl, ctx, s->pci.functions[i].modalias, &mods);
                if (k < 0)
                        goto finish;
                snprintf(idx, sizeof(idx), "%zu", i);
                out_rec(o, 'f', idx);
                out_list(o, 'm', mods);
        }

finish:
        if (ctx)
                dl->kmod_unref(ctx);
        kmod_dl_close(dl);
        return k;
}

/* Returns the child's exit status. */
static int kmod_child(const struct root *r, const struct snapshot *s, const char *dir, const char *full,
                                 char *const *conf, int fd) {
        struct outbuf o = {};
        size_t done = 0;
        int k;

        k = kmod_child_run(r, s, dir, full, conf, &o);
        if (k < 0 || o.oom) {
                char e[32];

                free(o.data);
                o = (struct outbuf) {};
                snprintf(e, sizeof(e), "%d", k < 0 ? -k : ENOMEM);
                out_rec(&o, 'K', e);
        }
        out_rec(&o, '.', "");
        while (!o.oom && done < o.len) {
                ssize_t n = write(fd, o.data + done, o.len - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                done += (size_t) n;
        }
        free(o.data);
        close(fd);
        return !o.oom && done == o.len ? 0 : 1;
}

/* Read the child's records into S. Returns 0 (S->modules.state set), or -errno. */
static int kmod_child_parse(const char *p, size_t len, struct snapshot *s, char **ret_error) {
        struct modules_facts *m = &s->modules;
        struct pci_function *f = NULL;
        size_t n_builtin = 0, n_f = 0;
        const char *end = p + len;

        for (size_t i = 0; i < s->pci.n_functions; i++) {
                strv_free(s->pci.functions[i].modules);
                s->pci.functions[i].modules = NULL;
        }
        while (p < end) {
                const char *text = p + 1, *nul = memchr(p, 0, (size_t) (end - p));
                char tag = *p;
                int k = 0;

                if (!nul || nul == p)
                        break;
                p = nul + 1;
                switch (tag) {
                case '.':
                        m->state = FACT_OK;
                        if (m->builtin)
                                strv_sort(m->builtin);
                        return 0;
                case 'E':
                        *ret_error = strdup(text);
                        return *ret_error ? -ELIBACC : -ENOMEM;
                case 'K': {
                        long e = strtol(text, NULL, 10);
                        return e > 0 && e < 4096 ? -(int) e : -EIO;
                }
                case 'B':
                        if (!m->builtin && !(m->builtin = calloc(1, sizeof(char *))))
                                return -ENOMEM;
                        break;
                case 'b':
                        k = m->builtin ? strv_extend(&m->builtin, &n_builtin, text) : -EBADMSG;
                        break;
                case 'f': {
                        char *e;
                        unsigned long long i = strtoull(text, &e, 10);

                        if (*e || i >= s->pci.n_functions)
                                return -EBADMSG;
                        f = &s->pci.functions[i];
                        strv_free(f->modules);
                        n_f = 0;
                        if (!(f->modules = calloc(1, sizeof(char *))))
                                return -ENOMEM;
                        break;
                }
                case 'm':
                        k = f ? strv_extend(&f->modules, &n_f, text) : -EBADMSG;
                        break;
                default:
                        return -EBADMSG;
                }
                if (k < 0)
                        return k;
        }
        return -EBADMSG;                /* no end record: the child did not finish */
}

/* The module set unknown: FACT_INVALID, no partial lists, MESSAGE in its error (the "modules"
 * finding of every report, the journal for the daemon). */
static void kmod_unknown(struct snapshot *s, const char *message) {
        struct modules_facts *m = &s->modules;

        strv_free(m->builtin);
        m->builtin = NULL;
        for (size_t i = 0; i < s->pci.n_functions; i++) {
                strv_free(s->pci.functions[i].modules);
                s->pci.functions[i].modules = NULL;
        }
        m->state = FACT_INVALID;
        fact_error_clear(&m->error);
        fact_error_set(&m->error, m->dir, 0, "%s", message);
}

/* fork() with a pipe from the child to us: returns the pid (0 in the child) or -errno, and
 * the pipe in pipefd[] (the caller closes the ends it does not use). Buffered output is flushed
 * first so that the child does not write it a second time. */
static pid_t fork_with_pipe(int pipefd[2]) {
        pid_t pid;
        int k;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                k = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return k;
        }
        return pid;
}

/* libkmod on JOB's module directory in a child; the child frees its copy of JOB before it exits. */
static int kmod_in_child(struct modules_job *job) {
        _cleanup_free_ char *buf = NULL, *error = NULL;
        struct snapshot *s = job->s;
        size_t len = 0;
        int pipefd[2], status, k;
        pid_t pid;

        pid = fork_with_pipe(pipefd);
        if (pid < 0)
                return pid;
        if (pid == 0) {
                close(pipefd[0]);
                k = kmod_child(job->r, s, job->dir, job->full, job->conf, pipefd[1]);
                /* The caller's blocks are the child's too: valgrind checks forked children
                 * (tests/fuzz/check-valgrind.sh) and, with the caller's frames never returning,
                 * finds no pointer left to the job. */
                modules_job_free_in_child(job);
                _exit(k);
        }
        close(pipefd[1]);

        /* records are NUL-separated: read_full_fd_binary(), not read_full_fd() */
        k = read_full_fd_binary(pipefd[0], KMOD_CHILD_MAX_OUTPUT, &buf, &len);
        close(pipefd[0]);
        if (k < 0)
                kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return k < 0 && k != -EFBIG ? k : -errno;
        if (k == -EFBIG) {
                kmod_unknown(s, "libkmod: more than 64 MiB of module names, not read");
                return 0;
        }
        if (k < 0)
                return k;
        if (WIFSIGNALED(status)) {
                char msg[128];

                snprintf(msg, sizeof(msg), "libkmod (in a child process) was killed by signal %d (%s)",
                         WTERMSIG(status), strsignal(WTERMSIG(status)));
                kmod_unknown(s, msg);
                return 0;
        }
        k = kmod_child_parse(buf, len, s, &error);
        if (k == -ELIBACC) {
                kmod_unknown(s, error);
                return 0;
        }
        if (k == -EBADMSG) {
                kmod_unknown(s, "libkmod (in a child process) ended without its complete answer");
                return 0;
        }
        if (k < 0)
                kmod_unknown(s, "libkmod (in a child process) failed");
        return k;
}

/* The same work and the same records as the child, in this process. */
static int kmod_in_process(struct modules_job *job) {
        _cleanup_free_ char *error = NULL;
        struct snapshot *s = job->s;
        struct outbuf o = {};
        int k;

        k = kmod_child_run(job->r, s, job->dir, job->full, job->conf, &o);
        out_rec(&o, '.', "");
        if (k >= 0 && o.oom)
                k = -ENOMEM;
        if (k >= 0)
                k = kmod_child_parse(o.data, o.len, s, &error);
        free(o.data);
        if (k == -ELIBACC) {
                kmod_unknown(s, error);
                return 0;
        }
        return k;
}

static bool kmod_isolated;

void collect_modules_isolate_libkmod(bool isolate) {
        kmod_isolated = isolate;
}

/* ---- initramfs ---- */

struct stream {
        int fd;
        uint64_t off;           /* bytes consumed from the start of this stream */
        uint64_t limit;
        size_t pos, len;
        bool eof;
        unsigned char buf[65536];
};

static int stream_fill(struct stream *st, size_t want) {
        if (st->len - st->pos >= want)
                return 0;
        if (st->pos > 0) {
                memmove(st->buf, st->buf + st->pos, st->len - st->pos);
                st->len -= st->pos;
                st->pos = 0;
        }
        while (!st->eof && st->len < want) {
                ssize_t n = read(st->fd, st->buf + st->len, sizeof(st->buf) - st->len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        st->eof = true;
                st->len += (size_t) n;
        }
        return 0;
}

/* Consume N bytes (copied to DST if not NULL). -EBADMSG on a short stream, -EFBIG past limit. */
static int stream_take(struct stream *st, void *dst, uint64_t n) {
        while (n > 0) {
                size_t chunk;
                int k;

                if (st->off + n > st->limit)
                        return -EFBIG;
                k = stream_fill(st, 1);
                if (k < 0)
                        return k;
                if (st->len == st->pos)
                        return -EBADMSG;
                chunk = st->len - st->pos;
                if (chunk > n)
                        chunk = (size_t) n;
                if (dst) {
                        memcpy(dst, st->buf + st->pos, chunk);
                        dst = (char *) dst + chunk;
                }
                st->pos += chunk;
                st->off += chunk;
                n -= chunk;
        }
        return 0;
}

static int stream_align4(struct stream *st) {
        return stream_take(st, NULL, (4 - st->off % 4) % 4);
}

static bool hex8(const unsigned char *p, uint32_t *ret) {
        uint32_t v = 0;

        for (int i = 0; i < 8; i++) {
                unsigned char c = p[i];
                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= (uint32_t) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        v |= (uint32_t) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v |= (uint32_t) (c - 'A' + 10);
                else
                        return false;
        }
        *ret = v;
        return true;
}

static bool is_module_path(const char *name, char *ret_base, size_t size) {
        static const char *const suffixes[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz", ".ko.bz2", ".ko.lz4" };
        const char *b = strrchr(name, '/');
        size_t l;

        b = b ? b + 1 : name;
        l = strlen(b);
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                size_t sl = strlen(suffixes[i]);
                if (l > sl && streq(b + l - sl, suffixes[i]) && l - sl < size) {
                        memcpy(ret_base, b, l - sl);
                        ret_base[l - sl] = 0;
                        normalize_module_name(ret_base);
                        return true;
                }
        }
        return false;
}

enum cpio_end {
        CPIO_END_EOF,           /* the stream ended (after zero or more archives) */
        CPIO_END_OTHER,         /* a non-cpio, non-NUL byte at a header position: compressed data */
};

/* Parse newc archives until EOF or non-cpio data. Module names go to *mods. Returns
 * CPIO_END_* or -EBADMSG (with *why), -EFBIG, -errno. */
static int cpio_parse(struct stream *st, char ***mods, size_t *n_mods, unsigned *n_trailers, const char **why) {
        for (;;) {
                unsigned char h[110];
                uint32_t mode, filesize, namesize;
                char name[INITRAMFS_MAX_NAME], base[256];
                int k;

                k = stream_fill(st, 1);
                if (k < 0)
                        return k;
                if (st->pos == st->len)
                        return CPIO_END_EOF;
                if (st->buf[st->pos] == 0) {            /* padding between archives */
                        k = stream_take(st, NULL, 1);
                        if (k < 0)
                                return k;
                        continue;
                }
                if (st->buf[st->pos] != '0' || st->off % 4 != 0)
                        return CPIO_END_OTHER;
                k = stream_fill(st, 6);
                if (k < 0)
                        return k;
                if (st->len - st->pos < 6 ||
                    (memcmp(st->buf + st->pos, "070701", 6) != 0 && memcmp(st->buf + st->pos, "070702", 6) != 0)) {
                        *why = "not a cpio \"newc\" header (only newc archives can be an initramfs)";
                        return -EBADMSG;
                }
                k = stream_take(st, h, sizeof(h));
                if (k == -EBADMSG)
                        *why = "truncated cpio header";
                if (k < 0)
                        return k;
                /* newc: magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
                 * rdevmajor, rdevminor, namesize, check (8 hex digits each). */
                if (!hex8(h + 6 + 8 * 1, &mode) || !hex8(h + 6 + 8 * 6, &filesize) ||
                    !hex8(h + 6 + 8 * 11, &namesize)) {
                        *why = "cpio header with non-hex fields";
                        return -EBADMSG;
                }
                if (namesize == 0 || namesize > sizeof(name)) {
                        *why = "cpio entry name size out of range";
                        return -EBADMSG;
                }
                k = stream_take(st, name, namesize);
                if (k == -EBADMSG)
                        *why = "truncated cpio entry name";
                if (k < 0)
                        return k;
                if (name[namesize - 1] != 0) {
                        *why = "cpio entry name not NUL-terminated";
                        return -EBADMSG;
                }
                k = stream_align4(st);
                if (k >= 0)
                        k = stream_take(st, NULL, filesize);
                if (k >= 0)
                        k = stream_align4(st);
                if (k == -EBADMSG)
                        *why = "truncated cpio entry data";
                if (k < 0)
                        return k;

                if (streq(name, "TRAILER!!!")) {
                        (*n_trailers)++;
                        continue;
                }
                if ((mode & S_IFMT) == S_IFREG && is_module_path(name, base, sizeof(base))) {
                        k = strv_extend(mods, n_mods, base);   /* repeats dropped at the end */
                        if (k < 0)
                                return k;
                }
        }
}

static const char *const *decompressor_for(const unsigned char *m, size_t n) {
        /* Magic numbers as init/initramfs.c / lib/decompress.c compressed_formats[] know them. */
        static const char *const gz[] = { "gzip", "-dc", NULL };
        static const char *const zst[] = { "zstd", "-dcq", NULL };
        static const char *const xz[] = { "xz", "-dc", NULL };
        static const char *const lzma[] = { "xz", "--format=lzma", "-dc", NULL };
        static const char *const lz4[] = { "lz4", "-dcq", NULL };
        static const char *const bz2[] = { "bzip2", "-dc", NULL };
        static const char *const lzo[] = { "lzop", "-dc", NULL };

        if (n >= 2 && m[0] == 0x1f && (m[1] == 0x8b || m[1] == 0x9e))
                return gz;
        if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
                return zst;
        if (n >= 6 && memcmp(m, "\xfd" "7zXZ\0", 6) == 0)
                return xz;
        if (n >= 4 && m[0] == 0x02 && m[1] == 0x21 && m[2] == 0x4c && m[3] == 0x18)
                return lz4;
        if (n >= 4 && m[0] == 0x04 && m[1] == 0x22 && m[2] == 0x4d && m[3] == 0x18)
                return lz4;
        if (n >= 3 && memcmp(m, "BZh", 3) == 0)
                return bz2;
        if (n >= 4 && memcmp(m, "\x89LZO", 4) == 0)
                return lzo;
        if (n >= 3 && m[0] == 0x5d && m[1] == 0x00 && m[2] == 0x00)
                return lzma;
        return NULL;
}

static void initramfs_reader_done(struct initramfs_reader *rd) {
        if (rd->out >= 0)
                close(rd->out);
        if (rd->pid > 0) {
                kill(rd->pid, SIGKILL);
                while (waitpid(rd->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        if (rd->fd >= 0)
                close(rd->fd);
        strv_free(rd->mods);
        *rd = (struct initramfs_reader) { .fd = -1, .out = -1 };
}

/* NAME on PATH as execvp() would find it (an empty element is the current directory; no PATH:
 * confstr(_CS_PATH)), looked up here rather than in the child: the answer is ours to report, and
 * a child that fails to exec would leave the job's memory to valgrind's leak check. Returns 0 with
 * the path in *RET, -ENOENT, -EACCES (found, not executable) or -ENOMEM. */
static int find_program(const char *name, char **ret) {
        _cleanup_free_ char *dflt = NULL;
        const char *path = getenv("PATH");
        int k = -ENOENT;

        if (!path) {
                size_t n = confstr(_CS_PATH, NULL, 0);

                dflt = n ? malloc(n) : NULL;
                if (n && !dflt)
                        return -ENOMEM;
                if (dflt)
                        confstr(_CS_PATH, dflt, n);
                path = dflt ? dflt : "/bin:/usr/bin";
        }
        for (const char *p = path;; ) {
                size_t l = strcspn(p, ":");
                _cleanup_free_ char *f = NULL;
                struct stat st;

                if (asprintf(&f, "%.*s%s%s", (int) l, l ? p : ".", "/", name) < 0)
                        return -ENOMEM;
                if (stat(f, &st) == 0 && S_ISREG(st.st_mode)) {
                        if (access(f, X_OK) == 0) {
                                *ret = TAKE_PTR(f);
                                return 0;
                        }
                        k = -EACCES;
                }
                if (!p[l])
                        return k;
                p += l + 1;
        }
}

/* Start ARGV with stdin = FD (at its current offset) and stdout a pipe to us, without waiting
 * for it: it unpacks while the other collectors run. fork(), not posix_spawnp(): posix_spawn
 * suspends us until the child has reset every signal handler (~130 sigaction calls) and found
 * the program on PATH; fork returns at once, and this early our page tables are small. Returns
 * 0, -ENOENT or -EACCES (ARGV[0] not found, not executable), or another -errno. */
static int decompressor_spawn(int fd, const char *const *argv, pid_t *ret_pid, int *ret_out) {
        _cleanup_free_ char *program = NULL;
        int pipefd[2], k;
        pid_t pid;

        k = find_program(argv[0], &program);
        if (k < 0)
                return k;
        pid = fork_with_pipe(pipefd);
        if (pid < 0)
                return pid;
        if (pid == 0) {
                sigset_t none;
                int in, out, null;

                /* above 2 first: FD or the pipe may be 0 or 1 themselves */
                in = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                out = fcntl(pipefd[1], F_DUPFD_CLOEXEC, 3);
                null = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (in < 0 || out < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0)
                        _exit(126);
                if (null >= 0)
                        (void) dup2(null, STDERR_FILENO);
                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                (void) signal(SIGPIPE, SIG_DFL);
                execv(program, (char *const *) argv);
                _exit(126);     /* replaced or removed since find_program(): decompressor_finish() says so */
        }
        close(pipefd[1]);
        /* A bigger pipe lets a small initramfs unpack completely before we read (default 64 KiB;
         * 1 MiB is what an unprivileged process may ask, /proc/sys/fs/pipe-max-size). */
        (void) fcntl(pipefd[0], F_SETPIPE_SZ, 1 << 20);
        *ret_pid = pid;
        *ret_out = pipefd[0];
        return 0;
}

/* Parse the decompressor's output as cpio and reap it. */
static int decompressor_finish(struct initramfs_reader *rd) {
        _cleanup_free_ struct stream *st = NULL;
        unsigned trailers_before = rd->n_trailers;
        int status, k;

        st = calloc(1, sizeof(*st));
        if (!st) {
                k = -ENOMEM;
        } else {
                st->fd = rd->out;
                st->limit = INITRAMFS_MAX_OUTPUT;
                k = cpio_parse(st, &rd->mods, &rd->n_mods, &rd->n_trailers, &rd->why);
                if (k == CPIO_END_OTHER) {
                        rd->why = "data after the cpio archives inside the compressed stream";
                        k = -EBADMSG;
                }
        }
        close(rd->out);                 /* a still-writing decompressor gets SIGPIPE */
        rd->out = -1;
        if (k < 0)
                kill(rd->pid, SIGKILL);
        while (waitpid(rd->pid, &status, 0) < 0)
                if (errno != EINTR) {
                        rd->pid = 0;
                        return k < 0 ? k : -errno;
                }
        rd->pid = 0;
        if (k < 0)
                return k;
        /* gzip/zstd complain about padding after the compressed stream; a complete archive
         * in what it unpacked (a trailer seen after the uncompressed part) is what counts. */
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && rd->n_trailers == trailers_before) {
                snprintf(rd->why_buf, sizeof(rd->why_buf), "%s failed to decompress the initramfs", rd->argv[0]);
                rd->why = rd->why_buf;
                return -EBADMSG;
        }
        return 0;
}

/* Open PATH, parse its uncompressed start, and start the decompressor for what follows.
 * Returns 0 or -errno (then INI->error may say why). */
static int initramfs_start(const struct root *r, const char *path, struct initramfs_facts *ini,
                           struct initramfs_reader *rd) {
        _cleanup_free_ struct stream *st = NULL;
        struct stat stt;
        int k;

        rd->fd = root_openat(r, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (rd->fd < 0)
                return rd->fd;
        if (fstat(rd->fd, &stt) < 0)
                return -errno;
        if (!S_ISREG(stt.st_mode)) {
                fact_error_set(&ini->error, path, 0, "not a regular file");
                return -EBADMSG;
        }
        if ((uint64_t) stt.st_size > INITRAMFS_MAX_INPUT) {
                fact_error_set(&ini->error, path, 0, "larger than %llu bytes, not read", INITRAMFS_MAX_INPUT);
                return -EBADMSG;
        }
        st = calloc(1, sizeof(*st));
        if (!st)
                return -ENOMEM;
        st->fd = rd->fd;
        st->limit = INITRAMFS_MAX_INPUT;

        k = cpio_parse(st, &rd->mods, &rd->n_mods, &rd->n_trailers, &rd->why);
        if (k != CPIO_END_OTHER)
                return k;
        k = stream_fill(st, 6);
        if (k < 0)
                return k;
        rd->argv = decompressor_for(st->buf + st->pos, st->len - st->pos);
        if (!rd->argv) {
                fact_error_set(&ini->error, path, 0,
                               "unknown data at offset %llu: neither cpio nor a known compression format",
                               (unsigned long long) st->off);
                return -EBADMSG;
        }
        if (lseek(rd->fd, (off_t) st->off, SEEK_SET) < 0)
                return -errno;
        k = decompressor_spawn(rd->fd, rd->argv, &rd->pid, &rd->out);
        if (k == -ENOENT || k == -EACCES) {
                snprintf(rd->why_buf, sizeof(rd->why_buf), k == -ENOENT ?
                         "%s not found: cannot decompress the initramfs" :
                         "%s cannot be executed: cannot decompress the initramfs", rd->argv[0]);
                rd->why = rd->why_buf;
                return -EBADMSG;
        }
        return k;
}

/* What initramfs_start() began, to its end: INI->modules, or -errno (INI->error may say why). */
static int initramfs_finish(const char *path, struct initramfs_facts *ini, struct initramfs_reader *rd) {
        int k = rd->k;

        if (k >= 0 && rd->pid > 0)
                k = decompressor_finish(rd);
        if (k == -EBADMSG) {
                if (!ini->error.message)
                        fact_error_set(&ini->error, path, 0, "%s", rd->why ? rd->why : "malformed");
                return k;
        }
        if (k == -EFBIG) {
                fact_error_set(&ini->error, path, 0, "more than %llu bytes unpacked, not read further",
                               INITRAMFS_MAX_OUTPUT);
                return -EBADMSG;
        }
        if (k < 0)
                return k;
        if (rd->n_trailers == 0) {
                fact_error_set(&ini->error, path, 0, "no complete cpio archive (missing TRAILER!!!)");
                return -EBADMSG;
        }
        if (!rd->mods) {
                rd->mods = calloc(1, sizeof(char *));
                if (!rd->mods)
                        return -ENOMEM;
        }
        strv_sort_uniq(rd->mods);
        ini->modules = TAKE_PTR(rd->mods);
        return 0;
}

/* The kdump initramfs of the kernel release: found and started (RD->k: how that went). Returns
 * 0 or -ENOMEM. */
static int collect_initramfs_start(const struct root *r, struct snapshot *s, struct initramfs_reader *rd) {
        /* RHEL/Fedora kdumpctl: /boot/initramfs-<kver>kdump.img, or /var/lib/kdump/ when /boot is
         * read-only (kdump-utils kdumpctl, KDUMP_INITRD); Debian kdump-tools:
         * /var/lib/kdump/initrd.img-<kver>; SUSE kdump: /boot/initrd-<kver>-kdump. */
        static const char *const fmt[][2] = {
                { "boot/initramfs-", "kdump.img" },
                { "var/lib/kdump/initramfs-", "kdump.img" },
                { "var/lib/kdump/initrd.img-", "" },
                { "boot/initrd-", "-kdump" },
        };
        struct initramfs_facts *ini = &s->initramfs;

        if (!s->kernel_release || strchr(s->kernel_release, '/'))
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(fmt); i++) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s%s%s", fmt[i][0], s->kernel_release, fmt[i][1]) < 0)
                        return -ENOMEM;
                if (!root_exists(r, p))
                        continue;
                ini->path = TAKE_PTR(p);
                break;
        }
        if (!ini->path)
                return 0;
        rd->k = initramfs_start(r, ini->path, ini, rd);
        return rd->k == -ENOMEM ? rd->k : 0;
}

static int collect_initramfs_finish(struct snapshot *s, struct initramfs_reader *rd) {
        struct initramfs_facts *ini = &s->initramfs;
        int k;

        if (!ini->path)
                return 0;
        k = initramfs_finish(ini->path, ini, rd);
        initramfs_reader_done(rd);
        if (k == -ENOMEM)
                return k;
        if (k == -EACCES || k == -EPERM) {
                ini->state = FACT_MISSING;
                fact_error_set(&ini->error, ini->path, 0, "permission denied (run as root to read it)");
                return 0;
        }
        if (k < 0) {
                if (!ini->error.message)
                        fact_error_set(&ini->error, ini->path, 0, "cannot read: %s", strerror(-k));
                ini->state = FACT_INVALID;
                return 0;
        }
        ini->state = FACT_OK;
        return 0;
}

/* ---- the collection ---- */

/* The module directory of the kernel release, and the modprobe.d directories, into JOB (and
 * S->modules.dir). Returns 0 or -ENOMEM. */
static int kmod_locate(const struct root *r, struct snapshot *s, struct modules_job *job) {
        static const char *const conf_dirs[] = { "etc/modprobe.d", "run/modprobe.d",
                                                 "usr/local/lib/modprobe.d", "lib/modprobe.d",
                                                 "usr/lib/modprobe.d" };
        struct modules_facts *m = &s->modules;

        _Static_assert(ELEMENTSOF(conf_dirs) < ELEMENTSOF(((struct modules_job *) 0)->conf), "conf[] holds them and the NULL");
        if (!s->kernel_release || !*s->kernel_release || strchr(s->kernel_release, '/'))
                return 0;

        /* lib/modules, or usr/lib/modules on a merged-/usr tree whose lib link we must not
         * follow out of the root. */
        for (unsigned i = 0; i < 2 && !job->dir; i++) {
                _cleanup_free_ char *d = NULL;

                if (asprintf(&d, "%slib/modules/%s", i ? "usr/" : "", s->kernel_release) < 0)
                        return -ENOMEM;
                if (root_exists(r, d) && plain_path_inside(r, d))
                        job->dir = TAKE_PTR(d);
        }
        if (!job->dir)
                return asprintf(&m->dir, "lib/modules/%s", s->kernel_release) < 0 ? -ENOMEM : 0;
        m->dir = strdup(job->dir);
        job->full = root_path(r, job->dir);
        if (!m->dir || !job->full)
                return -ENOMEM;

        for (size_t i = 0; i < ELEMENTSOF(conf_dirs); i++) {
                if (!root_exists(r, conf_dirs[i]) || !plain_path_inside(r, conf_dirs[i]))
                        continue;
                job->conf[job->nconf] = root_path(r, conf_dirs[i]);
                if (!job->conf[job->nconf])
                        return -ENOMEM;
                job->nconf++;
        }
        return 0;
}

/* Reap what runs, and free. NULL is fine. */
void modules_job_free(struct modules_job *job) {
        if (!job)
                return;
        initramfs_reader_done(&job->initramfs);
        modules_job_free_memory(job);
}

int collect_modules_begin(const struct root *r, struct snapshot *s, struct modules_job **ret) {
        _cleanup_(modules_job_freep) struct modules_job *job = NULL;
        int k;

        free(s->modules.dir);
        strv_free(s->modules.builtin);
        fact_error_clear(&s->modules.error);
        s->modules = (struct modules_facts) {};
        fact_error_clear(&s->initramfs.error);
        free(s->initramfs.path);
        strv_free(s->initramfs.modules);
        s->initramfs = (struct initramfs_facts) {};

        job = calloc(1, sizeof(*job));
        if (!job)
                return -ENOMEM;
        job->r = r;
        job->s = s;
        job->initramfs = (struct initramfs_reader) { .fd = -1, .out = -1 };
        k = kmod_locate(r, s, job);
        if (k >= 0)
                k = collect_initramfs_start(r, s, &job->initramfs);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(job);
        return 0;
}

int collect_modules_end(struct modules_job *job) {
        _cleanup_(modules_job_freep) struct modules_job *j = job;
        int k = 0;

        if (j->full)
                k = kmod_isolated ? kmod_in_child(j) : kmod_in_process(j);
        if (k < 0)
                return k;
        return collect_initramfs_finish(j->s, &j->initramfs);
}

int collect_modules(const struct root *r, struct snapshot *s) {
        struct modules_job *job = NULL;
        int k;

        k = collect_modules_begin(r, s, &job);
        if (k < 0)
                return k;
        return collect_modules_end(job);
}
