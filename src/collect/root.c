/* SPDX-License-Identifier: GPL-2.0-or-later */
/* All file access below the root goes through here. openat2(RESOLVE_IN_ROOT) makes absolute
 * and ".." symlinks resolve inside the root, so a captured tree can never point us at the
 * host's files. The live system ("/") gets the same treatment for free. */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kdv/root.h"
#include "kdv/util.h"

/* Kernels before 5.6 (RHEL 8's 4.18) and valgrind 3.19 have no openat2: resolve the path one
 * component at a time instead, reading each symlink ourselves and restarting absolute targets
 * at the root, so the result is the same: nothing outside the root is ever opened. The prefix
 * resolved so far holds no symlinks, so the kernel may walk it. */
#define ROOT_MAX_SYMLINKS 40    /* MAXSYMLINKS, include/linux/namei.h */

static int path_push(char **resolved, size_t *len, const char *c, size_t cl) {
        char *n = realloc(*resolved, *len + cl + 2);

        if (!n)
                return -ENOMEM;
        *resolved = n;
        if (*len)
                n[(*len)++] = '/';
        memcpy(n + *len, c, cl);
        *len += cl;
        n[*len] = 0;
        return 0;
}

static int open_in_root_fallback(int dirfd, const char *path, int flags) {
        _cleanup_free_ char *queue = strdup(path), *resolved = NULL;
        size_t rlen = 0, qpos = 0;
        unsigned hops = 0;

        if (!queue)
                return -ENOMEM;
        for (;;) {
                _cleanup_close_ int fd = -1;
                const char *c;
                size_t cl;
                struct stat st;

                while (queue[qpos] == '/')
                        qpos++;
                if (!queue[qpos])
                        break;
                c = queue + qpos;
                cl = strcspn(c, "/");
                qpos += cl;
                if (cl == 1 && c[0] == '.')
                        continue;
                if (cl == 2 && c[0] == '.' && c[1] == '.') {
                        /* never above the root */
                        char *slash = resolved ? strrchr(resolved, '/') : NULL;
                        rlen = slash ? (size_t) (slash - resolved) : 0;
                        if (resolved)
                                resolved[rlen] = 0;
                        continue;
                }
                if (path_push(&resolved, &rlen, c, cl) < 0)
                        return -ENOMEM;
                fd = openat(dirfd, resolved, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t n;
                        char *nq;

                        if (++hops > ROOT_MAX_SYMLINKS)
                                return -ELOOP;
                        n = readlinkat(fd, "", target, sizeof(target) - 1);
                        if (n < 0)
                                return -errno;
                        target[n] = 0;
                        /* drop the link itself from the resolved prefix */
                        {
                                char *slash = strrchr(resolved, '/');
                                rlen = slash ? (size_t) (slash - resolved) : 0;
                                resolved[rlen] = 0;
                        }
                        if (target[0] == '/')
                                rlen = 0, resolved[0] = 0;
                        if (asprintf(&nq, "%s/%s", target, queue + qpos) < 0)
                                return -ENOMEM;
                        free(queue);
                        queue = nq;
                        qpos = 0;
                        continue;
                }
                if (!S_ISDIR(st.st_mode) && queue[qpos + strspn(queue + qpos, "/")])
                        return -ENOTDIR;
        }
        {
                int fd = openat(dirfd, resolved && *resolved ? resolved : ".", flags | O_NOFOLLOW | O_CLOEXEC);
                return fd < 0 ? -errno : fd;
        }
}

static int openat2_compat(int dirfd, const char *path, int flags) {
        static bool no_openat2;
        struct open_how how = {
                .flags = (uint64_t) flags | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        long fd;

        /* KDV_NO_OPENAT2=1 forces the fallback, so the test suite covers it on new kernels too */
        if (!no_openat2 && getenv("KDV_NO_OPENAT2"))
                no_openat2 = true;
        if (!no_openat2) {
                /* With RESOLVE_IN_ROOT the kernel answers EAGAIN when a rename or mount anywhere
                 * raced with a ".." step (fs/namei.c, man openat2): retry, then resolve it
                 * ourselves rather than report a missing file. */
                for (unsigned try = 0; try < 8; try++) {
                        fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
                        if (fd >= 0)
                                return (int) fd;
                        if (errno != EAGAIN)
                                break;
                }
                if (errno == EAGAIN)
                        return open_in_root_fallback(dirfd, path, flags);
                if (errno != ENOSYS)
                        return -errno;
                no_openat2 = true;
        }
        return open_in_root_fallback(dirfd, path, flags);
}

int root_open(const char *path, struct root *ret) {
        int fd;

        if (!path || !*path)
                path = "/";
        fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ret->fd = fd;
        ret->path = strdup(path);
        if (!ret->path) {
                close(fd);
                return -ENOMEM;
        }
        ret->live = streq(path, "/");
        return 0;
}

void root_close(struct root *r) {
        if (r->fd >= 0)
                close(r->fd);
        r->fd = -1;
        free(r->path);
        r->path = NULL;
}

int root_openat(const struct root *r, const char *path, int flags) {
        while (*path == '/')
                path++;
        if (!*path)
                path = ".";
        return openat2_compat(r->fd, path, flags);
}

int root_opendir(const struct root *r, const char *path, DIR **ret) {
        int fd = root_openat(r, path, O_RDONLY | O_DIRECTORY);
        DIR *d;

        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d) {
                int k = -errno;
                close(fd);
                return k;
        }
        *ret = d;
        return 0;
}

int root_read_file(const struct root *r, const char *path, size_t max, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = -1;
        struct stat st;

        fd = root_openat(r, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;  /* never read FIFOs or devices planted in a captured tree */

        return read_full_fd(fd, max, ret, ret_len ? ret_len : &(size_t) {0});
}

int root_read_line(const struct root *r, const char *path, char **ret) {
        char *buf = NULL;
        size_t len;
        int k;

        k = root_read_file(r, path, 64 * 1024, &buf, &len);
        if (k < 0)
                return k;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
                buf[--len] = 0;
        *ret = buf;
        return 0;
}

int root_readlink_basename(const struct root *r, const char *path, char **ret) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -1;
        const char *slash = strrchr(path, '/'), *base;
        char target[4096];
        ssize_t n;
        const char *b;

        /* Resolve the directory inside the root, then read the link itself (no follow). */
        if (slash) {
                dir = strndup(path, (size_t) (slash - path));
                if (!dir)
                        return -ENOMEM;
                base = slash + 1;
        } else
                base = path;
        dfd = root_openat(r, dir ? dir : ".", O_PATH | O_DIRECTORY);
        if (dfd < 0)
                return dfd;
        n = readlinkat(dfd, base, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = 0;
        while (n > 1 && target[n - 1] == '/')
                target[--n] = 0;
        b = strrchr(target, '/');
        *ret = strdup(b ? b + 1 : target);
        return *ret ? 0 : -ENOMEM;
}

char *root_path(const struct root *r, const char *path) {
        char *p = NULL;
        while (*path == '/')
                path++;
        if (r->live) {
                if (asprintf(&p, "/%s", path) < 0)
                        return NULL;
        } else if (asprintf(&p, "%s/%s", r->path, path) < 0)
                return NULL;
        return p;
}

bool root_exists(const struct root *r, const char *path) {
        _cleanup_close_ int fd = root_openat(r, path, O_PATH);
        return fd >= 0;
}
