/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading files below a root directory ("/" for the live system, a captured tree otherwise).
 * Every path is resolved with openat2(RESOLVE_IN_ROOT): symlinks inside a captured tree
 * (sysfs is full of them) resolve relative to that tree and can never escape it. */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct root {
        int fd;             /* O_PATH directory fd of the root */
        char *path;         /* as given, for messages and for libraries that need a path */
        bool live;          /* path is "/" */
};

int root_open(const char *path, struct root *ret);
void root_close(struct root *r);

/* Open PATH (relative to the root, leading '/' ignored) with FLAGS. Returns fd or -errno. */
int root_openat(const struct root *r, const char *path, int flags);

/* Open directory PATH (relative to the root) for readdir(). Returns 0 or -errno. */
int root_opendir(const struct root *r, const char *path, DIR **ret);

/* Read a whole file (up to max bytes; -EFBIG beyond) into a NUL-terminated buffer.
 * Returns 0, -ENOENT when missing, other -errno on error. A NUL byte inside the file is -EBADMSG. */
int root_read_file(const struct root *r, const char *path, size_t max, char **ret, size_t *ret_len);

/* Read a one-line sysfs/proc attribute, trailing newline stripped. */
int root_read_line(const struct root *r, const char *path, char **ret);

/* Resolve a symlink inside the root (e.g. sys/bus/pci/devices/X/driver) and return its last
 * component (basename of the target). */
int root_readlink_basename(const struct root *r, const char *path, char **ret);

/* Full path of PATH inside the root, for libraries that only take path names (libpci, libkmod).
 * The caller frees. */
char *root_path(const struct root *r, const char *path);

/* Is there such an entry (file or directory)? */
bool root_exists(const struct root *r, const char *path);
