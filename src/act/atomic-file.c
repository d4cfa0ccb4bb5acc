/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Atomic file replacement (kdv/atomic-file.h).
 *
 * Order of operations for a replacement with backup (each step a system call of the table):
 *   open+read the target again, compare with what the caller read     → -ESTALE if changed
 *   fgetxattr security.selinux                                          (absent: no label)
 *   backup:  openat(.NAME.XXXXXX, O_CREAT|O_EXCL) write fchown fchmod [fsetxattr] fsync
 *            renameat(→ NAME.kdump-validator~) fsync(dir)
 *   new:     openat(.NAME.XXXXXX, O_CREAT|O_EXCL) write fchown fchmod [fsetxattr] fsync
 *   open+read the target again, compare                                 → -ESTALE if changed
 *   renameat(→ NAME) fsync(dir)
 * Until the last rename the target is untouched; rename(2) replaces it in one step, so every
 * reader and every crash sees the complete old or the complete new file, and the backup is on
 * disk (directory fsynced) before the new content can be seen. A writer killed half way leaves
 * at most a ".NAME.XXXXXX" temp file behind, never a torn target. */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/xattr.h>
#include <time.h>

#include "kdv/atomic-file.h"
#include "kdv/root.h"
#include "kdv/util.h"

#define SELINUX_XATTR "security.selinux"
#define TAKE_PTR_FD_LOCAL(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

static void *mfree_local(void *p) {
        free(p);
        return NULL;
}

static int safe_close_local(int fd) {
        if (fd >= 0)
                close(fd);
        return -1;
}
#define LABEL_MAX 4096

static int sys_openat(int d, const char *p, int f, mode_t m) { return openat(d, p, f, m); }
static ssize_t sys_write(int fd, const void *b, size_t n) { return write(fd, b, n); }
static int sys_fsync(int fd) { return fsync(fd); }
static int sys_fchown(int fd, uid_t u, gid_t g) { return fchown(fd, u, g); }
static int sys_fchmod(int fd, mode_t m) { return fchmod(fd, m); }
static ssize_t sys_fgetxattr(int fd, const char *n, void *v, size_t s) { return fgetxattr(fd, n, v, s); }
static int sys_fsetxattr(int fd, const char *n, const void *v, size_t s, int f) { return fsetxattr(fd, n, v, s, f); }
static int sys_renameat(int a, const char *b, int c, const char *d) { return renameat(a, b, c, d); }
static int sys_unlinkat(int d, const char *p, int f) { return unlinkat(d, p, f); }
static int sys_flock(int fd, int op) { return flock(fd, op); }

static const struct atomic_file_syscalls plain = {
        .openat = sys_openat,
        .write = sys_write,
        .fsync = sys_fsync,
        .fchown = sys_fchown,
        .fchmod = sys_fchmod,
        .fgetxattr = sys_fgetxattr,
        .fsetxattr = sys_fsetxattr,
        .renameat = sys_renameat,
        .unlinkat = sys_unlinkat,
        .flock = sys_flock,
};

const struct atomic_file_syscalls *atomic_file_syscalls_default(void) {
        return &plain;
}

/* errno of a failed call; a call that "failed" without setting errno still fails. */
static int neg_errno(void) {
        return errno > 0 ? -errno : -EIO;
}

static void closep_keep_errno(int *fd) {
        if (*fd >= 0) {
                int e = errno;
                close(*fd);
                errno = e;
        }
}
#define _cleanup_close_keep_ _cleanup_(closep_keep_errno)

static void identity_of(const struct stat *st, struct file_identity *id) {
        *id = (struct file_identity) {
                .dev = st->st_dev, .ino = st->st_ino, .size = st->st_size, .mtime = st->st_mtim,
                .uid = st->st_uid, .gid = st->st_gid, .mode = st->st_mode,
        };
}

static bool identity_same(const struct file_identity *a, const struct file_identity *b) {
        return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
               a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
               a->uid == b->uid && a->gid == b->gid && a->mode == b->mode;
}

static int open_regular(const struct atomic_file_syscalls *sys, int dirfd, const char *name, struct stat *st) {
        int fd = sys->openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0);

        if (fd < 0)
                return neg_errno();
        if (fstat(fd, st) < 0) {
                int k = -errno;
                close(fd);
                return k;
        }
        if (!S_ISREG(st->st_mode)) {
                close(fd);
                return -EBADFD;
        }
        return fd;
}

int atomic_file_read(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
                     struct file_identity *ret_id) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        int k;

        fd = open_regular(&plain, dirfd, name, &st);
        if (fd < 0)
                return fd;
        k = read_full_fd(fd, max, ret, ret_len);
        if (k < 0)
                return k;
        if (ret_id)
                identity_of(&st, ret_id);
        return 0;
}

/* Is NAME in DIRFD still what the caller read? 0, -ESTALE, or -errno. */
static int check_unchanged(const struct atomic_replace *r, const struct atomic_file_syscalls *sys, int *ret_fd) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *now = NULL;
        struct file_identity id;
        struct stat st;
        size_t len = 0;
        int k;

        fd = open_regular(sys, r->dirfd, r->name, &st);
        if (fd == -ENOENT)
                return -ESTALE;         /* removed (or renamed away) since it was read */
        if (fd < 0)
                return fd;
        identity_of(&st, &id);
        if (r->expected_id && !identity_same(&id, r->expected_id))
                return -ESTALE;
        k = read_full_fd(fd, r->expected_len + 1, &now, &len);
        if (k == -EFBIG || k == -EBADMSG)
                return -ESTALE;
        if (k < 0)
                return k;
        if (len != r->expected_len || memcmp(now, r->expected, len) != 0)
                return -ESTALE;
        if (ret_fd)
                *ret_fd = TAKE_PTR_FD_LOCAL(fd);
        return 0;
}

static void random_suffix(char s[7]) {
        static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        unsigned char b[6];

        if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t) sizeof(b)) {
                struct timespec ts;
                uint64_t x;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                x = (uint64_t) ts.tv_nsec * 2654435761u ^ (uint64_t) getpid() << 16 ^ (uint64_t) ts.tv_sec;
                for (size_t i = 0; i < sizeof(b); i++, x >>= 8)
                        b[i] = (unsigned char) x;
        }
        for (size_t i = 0; i < 6; i++)
                s[i] = chars[b[i] % (sizeof(chars) - 1)];
        s[6] = 0;
}

struct tmp_attrs {
        bool own;                       /* copy uid/gid */
        uid_t uid;
        gid_t gid;
        mode_t mode;
        const char *label;              /* security.selinux value, NULL if none */
        size_t label_len;
};

/* Write CONTENT to a new ".NAME.XXXXXX" in DIRFD with the attributes, fsynced.
 * Returns 0 with *ret_tmp (the temp name, caller frees and eventually unlinks) or -errno
 * (the temp file already removed). */
static int write_tmp(const struct atomic_file_syscalls *sys, int dirfd, const char *name,
                     const char *content, size_t len, const struct tmp_attrs *a, char **ret_tmp) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_keep_ int fd = -1;
        size_t off = 0;
        int k = 0;

        for (unsigned attempt = 0; attempt < 100; attempt++) {
                char suffix[7];

                free(tmp);
                random_suffix(suffix);
                if (asprintf(&tmp, ".%s.%s", name, suffix) < 0) {
                        tmp = NULL;
                        return -ENOMEM;
                }
                fd = sys->openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
                if (fd >= 0 || errno != EEXIST)
                        break;
        }
        if (fd < 0)
                return neg_errno();

        while (off < len) {
                ssize_t n = sys->write(fd, content + off, len - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        k = n < 0 ? neg_errno() : -EIO;
                        goto fail;
                }
                off += (size_t) n;
        }
        /* chown first: it clears set-id bits that the chmod then sets again */
        if (a->own && sys->fchown(fd, a->uid, a->gid) < 0) {
                k = neg_errno();
                goto fail;
        }
        if (sys->fchmod(fd, a->mode & 07777) < 0) {
                k = neg_errno();
                goto fail;
        }
        if (a->label && sys->fsetxattr(fd, SELINUX_XATTR, a->label, a->label_len, 0) < 0) {
                k = neg_errno();
                goto fail;
        }
        if (sys->fsync(fd) < 0) {
                k = neg_errno();
                goto fail;
        }
        k = close(fd);
        fd = -1;
        if (k < 0) {
                k = neg_errno();
                goto fail;
        }
        *ret_tmp = TAKE_PTR(tmp);
        return 0;

fail:
        if (fd >= 0) {
                close(fd);
                fd = -1;
        }
        (void) sys->unlinkat(dirfd, tmp, 0);
        return k;
}

static bool valid_name(const char *name) {
        return name && *name && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..");
}

int atomic_file_replace(const struct atomic_replace *r, bool *ret_replaced) {
        const struct atomic_file_syscalls *sys = r->sys ? r->sys : &plain;
        _cleanup_free_ char *label = NULL, *tmp = NULL, *tmp_backup = NULL, *backup_name = NULL;
        _cleanup_close_ int fd = -1;
        struct tmp_attrs a = {};
        struct stat st;
        ssize_t ll;
        int k;

        *ret_replaced = false;
        if (!valid_name(r->name) || !r->expected || !r->content)
                return -EINVAL;

        k = check_unchanged(r, sys, &fd);
        if (k < 0)
                return k;
        if (fstat(fd, &st) < 0)
                return -errno;
        a = (struct tmp_attrs) { .own = true, .uid = st.st_uid, .gid = st.st_gid, .mode = st.st_mode };

        /* SELinux label: kdumpctl reads the file under its own domain; keep the label it had.
         * No label (ENODATA) or no xattr support (EOPNOTSUPP) means nothing to copy. */
        label = malloc(LABEL_MAX);
        if (!label)
                return -ENOMEM;
        ll = sys->fgetxattr(fd, SELINUX_XATTR, label, LABEL_MAX);
        if (ll < 0) {
                if (errno != ENODATA && errno != EOPNOTSUPP)
                        return neg_errno();
                label = mfree_local(label);
        } else {
                a.label = label;
                a.label_len = (size_t) ll;
        }
        fd = safe_close_local(fd);

        if (r->backup) {
                if (asprintf(&backup_name, "%s%s", r->name, ATOMIC_FILE_BACKUP_SUFFIX) < 0) {
                        backup_name = NULL;
                        return -ENOMEM;
                }
                k = write_tmp(sys, r->dirfd, r->name, r->expected, r->expected_len, &a, &tmp_backup);
                if (k < 0)
                        return k;
                if (sys->renameat(r->dirfd, tmp_backup, r->dirfd, backup_name) < 0) {
                        k = neg_errno();
                        (void) sys->unlinkat(r->dirfd, tmp_backup, 0);
                        return k;
                }
                /* the backup must be durable before the new content can be */
                if (sys->fsync(r->dirfd) < 0)
                        return neg_errno();
        }

        k = write_tmp(sys, r->dirfd, r->name, r->content, r->len, &a, &tmp);
        if (k < 0)
                return k;

        /* Last look: did anything (an editor, configuration management) change it meanwhile? */
        k = check_unchanged(r, sys, NULL);
        if (k >= 0 && sys->renameat(r->dirfd, tmp, r->dirfd, r->name) < 0)
                k = neg_errno();
        if (k < 0) {
                (void) sys->unlinkat(r->dirfd, tmp, 0);
                return k;
        }
        *ret_replaced = true;
        if (sys->fsync(r->dirfd) < 0)
                return neg_errno();
        return 0;
}

int atomic_file_write_path(const char *path, const char *content, size_t len, mode_t mode,
                           const struct atomic_file_syscalls *sys) {
        _cleanup_free_ char *dir = NULL, *tmp = NULL;
        _cleanup_close_ int dfd = -1;
        struct tmp_attrs a = { .mode = mode };
        const char *slash, *base;
        int k;

        if (!sys)
                sys = &plain;
        if (!path || !content)
                return -EINVAL;
        slash = strrchr(path, '/');
        base = slash ? slash + 1 : path;
        if (!valid_name(base))
                return -EINVAL;
        if (!slash)
                dir = strdup(".");
        else if (slash == path)
                dir = strdup("/");
        else
                dir = strndup(path, (size_t) (slash - path));
        if (!dir)
                return -ENOMEM;

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        k = write_tmp(sys, dfd, base, content, len, &a, &tmp);
        if (k < 0)
                return k;
        if (sys->renameat(dfd, tmp, dfd, base) < 0) {
                k = neg_errno();
                (void) sys->unlinkat(dfd, tmp, 0);
                return k;
        }
        if (sys->fsync(dfd) < 0)
                return neg_errno();     /* renamed, but not known to be durable */
        return 0;
}

int kdump_lock_take(const struct root *r, unsigned timeout_ms, const struct atomic_file_syscalls *sys) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        unsigned waited = 0;

        if (!sys)
                sys = &plain;
        fd = root_openat(r, KDUMP_LOCK_PATH, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return fd == -ENOTDIR ? -ENOENT : fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        for (;;) {
                if (sys->flock(fd, LOCK_EX | LOCK_NB) >= 0)
                        return TAKE_PTR_FD_LOCAL(fd);
                if (errno != EWOULDBLOCK && errno != EINTR)
                        return neg_errno();
                if (waited >= timeout_ms)
                        return -EBUSY;
                (void) nanosleep(&(struct timespec) { .tv_nsec = 100 * 1000 * 1000 }, NULL);
                waited += 100;
        }
}
