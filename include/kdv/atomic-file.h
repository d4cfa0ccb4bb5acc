/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Replacing a file so that readers (and a crash at any instant) see either the complete old or
 * the complete new content: temp file in the same directory (O_CREAT|O_EXCL), write, fsync,
 * owner/mode/SELinux label of the original, rename over, fsync the directory.
 *
 * Every system call of the write path goes through struct atomic_file_syscalls, so tests can make
 * each one fail (or kill the writer right before it) without any test code in the program: the
 * program passes NULL and gets the plain system calls. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct root;

struct atomic_file_syscalls {
        int (*openat)(int dirfd, const char *path, int flags, mode_t mode);
        ssize_t (*write)(int fd, const void *buf, size_t n);
        int (*fsync)(int fd);                   /* files and the directory */
        int (*fchown)(int fd, uid_t uid, gid_t gid);
        int (*fchmod)(int fd, mode_t mode);
        ssize_t (*fgetxattr)(int fd, const char *name, void *value, size_t size);
        int (*fsetxattr)(int fd, const char *name, const void *value, size_t size, int flags);
        int (*renameat)(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
        int (*unlinkat)(int dirfd, const char *path, int flags);
        int (*flock)(int fd, int operation);
        void *userdata;                         /* for the test's wrappers; unused by the defaults */
};

/* The plain system calls. */
const struct atomic_file_syscalls *atomic_file_syscalls_default(void);

/* What a file looked like when it was read: replaced only if it still looks the same. */
struct file_identity {
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime;
        uid_t uid;
        gid_t gid;
        mode_t mode;
};

/* Suffix of the backup kept next to a replaced file (FILE.kdump-validator~). */
#define ATOMIC_FILE_BACKUP_SUFFIX ".kdump-validator~"

/* Read NAME in DIRFD (no symlink followed: -ELOOP), a regular file of at most MAX bytes, with its
 * identity. Returns 0 or -errno (-EFBIG, -EBADMSG for a NUL byte). */
int atomic_file_read(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
                     struct file_identity *ret_id);

struct atomic_replace {
        int dirfd;                      /* directory holding the file */
        const char *name;               /* file name inside it (no '/') */
        const char *expected;           /* content read before (must still be there), len bytes */
        size_t expected_len;
        const struct file_identity *expected_id;  /* and the identity it had */
        const char *content;            /* new content */
        size_t len;
        bool backup;                    /* keep NAME.kdump-validator~ (old content), atomically */
        const struct atomic_file_syscalls *sys;   /* NULL = the plain system calls */
};

/* Replace an existing file. The new file gets the old one's owner, mode and security.selinux
 * label; with backup, the old content is first written the same way to the backup name (so the
 * backup exists before the new content can be seen). Just before the rename the file is read
 * again: a different identity or content is -ESTALE ("changed under us"), nothing replaced.
 * *ret_replaced tells whether the rename happened (a failure after it, e.g. fsync of the
 * directory, returns -errno with *ret_replaced = true: the new content is in place but may not be
 * durable). Returns 0 or -errno; on failure before the rename the target is untouched and the
 * temp file removed. */
int atomic_file_replace(const struct atomic_replace *r, bool *ret_replaced);

/* Create or replace PATH (a plain path) with CONTENT, mode MODE, no backup, no ownership
 * copied: for generated files (the Prometheus textfile). Temp name ".NAME.XXXXXX". */
int atomic_file_write_path(const char *path, const char *content, size_t len, mode_t mode,
                           const struct atomic_file_syscalls *sys);

/* kdumpctl's single-instance lock: kdump-utils kdumpctl single_instance_lock() (rhkdump/kdump-utils
 * @ 63f248c, kdumpctl:133-157) does "exec 9>/run/lock/kdump; flock -n 9", retrying "flock -w 5"
 * until it gets it: an exclusive flock(2) on /run/lock/kdump. flock does not care about the open
 * mode, so we open it O_RDONLY (never create or truncate it) and only when it exists under the
 * root. Returns an fd holding the lock (close it to release), -ENOENT when there is no lock file
 * (nothing to take), -EBUSY after TIMEOUT_MS of waiting, or -errno. */
#define KDUMP_LOCK_PATH "run/lock/kdump"
int kdump_lock_take(const struct root *r, unsigned timeout_ms, const struct atomic_file_syscalls *sys);
