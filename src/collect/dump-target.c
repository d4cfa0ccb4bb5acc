/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where the capture kernel writes the dump, and which PCI function that depends on: the dump
 * disk's controller must probe in the capture kernel, whatever else fails.
 *
 * Configuration, per tool:
 *   RHEL/Fedora /etc/kdump.conf (kdump-utils kdump.conf(5)): one target directive
 *     `raw DEV`, `ext4|xfs|btrfs|... DEV` (DEV = /dev/..., UUID=, LABEL=, PARTUUID=, PARTLABEL=),
 *     `nfs host:/dir`, `ssh user@host`, `virtiofs tag`; without one, `path P` (default /var/crash)
 *     on the filesystem that holds P.
 *   Debian /etc/default/kdump-tools: KDUMP_COREDIR (default /var/crash), NFS=, SSH= (kdump-config).
 *   SUSE /etc/sysconfig/kdump: KDUMP_SAVEDIR, a path or URL file://, nfs://, ssh://, sftp://,
 *     ftp://, cifs:// (kdump(5) on SUSE).
 * Resolution, all inside the root: the /dev/disk/by-* link (udev), partition -> whole disk and
 * dm/md -> first member (sys/class/block/<name>: partition file, slaves/), then the device path
 * of the disk (the sys/class/block/<disk> link: .../0000:00:02.0/virtio0/block/vda), whose last
 * PCI component is the function the disk sits on. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>

#include "kdv/collect.h"
#include "kdv/util.h"

static void dump_target_reset(struct dump_target *t) {
        free(t->spec);
        free(t->block_device);
        free(t->pci_slot);
        free(t->why_unresolved);
        *t = (struct dump_target) {};
}

static int set_why(struct dump_target *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_why(struct dump_target *t, const char *fmt, ...) {
        va_list ap;
        int k;

        free(t->why_unresolved);
        t->why_unresolved = NULL;
        va_start(ap, fmt);
        k = vasprintf(&t->why_unresolved, fmt, ap);
        va_end(ap);
        if (k < 0) {
                t->why_unresolved = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* The full target of the symlink PATH (relative to the root; the directory part resolved inside
 * the root). -EINVAL when PATH is not a symlink. */
static int root_readlink(const struct root *r, const char *path, char **ret) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -1;
        const char *slash = strrchr(path, '/');
        char target[PATH_MAX];
        ssize_t n;

        if (slash) {
                dir = strndup(path, (size_t) (slash - path));
                if (!dir)
                        return -ENOMEM;
        }
        dfd = root_openat(r, dir ? dir : ".", O_PATH | O_DIRECTORY);
        if (dfd < 0)
                return dfd;
        n = readlinkat(dfd, slash ? slash + 1 : path, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = 0;
        *ret = strdup(target);
        return *ret ? 0 : -ENOMEM;
}

static bool is_pci_slot(const char *s, size_t len) {
        unsigned dom, bus, dev, fn;
        char buf[32];
        int n = 0;

        if (len >= sizeof(buf))
                return false;
        memcpy(buf, s, len);
        buf[len] = 0;
        return sscanf(buf, "%8x:%2x:%2x.%1u%n", &dom, &bus, &dev, &fn, &n) == 4 && (size_t) n == len &&
               dev < 32 && fn < 8;
}

/* Last path component of LINK that names a PCI function (the nearest PCI parent). */
static char *last_pci_component(const char *link) {
        const char *p = link, *best = NULL;
        size_t best_len = 0;

        while (*p) {
                size_t l = strcspn(p, "/");
                if (l > 0 && is_pci_slot(p, l)) {
                        best = p;
                        best_len = l;
                }
                p += l;
                while (*p == '/')
                        p++;
        }
        return best ? strndup(best, best_len) : NULL;
}

/* Component before the last one: ".../block/vda/vda1" -> "vda". */
static char *parent_component(const char *link) {
        const char *end = strrchr(link, '/'), *start;

        if (!end || end == link)
                return NULL;
        start = end - 1;
        while (start > link && *(start - 1) != '/')
                start--;
        return strndup(start, (size_t) (end - start));
}

static bool valid_block_name(const char *name) {
        return name && *name && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..");
}

static int first_slave(const struct root *r, const char *name, char **ret) {
        _cleanup_free_ char *path = NULL;
        DIR *d;
        struct dirent *de;
        char *best = NULL;
        int k;

        if (asprintf(&path, "sys/class/block/%s/slaves", name) < 0)
                return -ENOMEM;
        k = root_opendir(r, path, &d);
        if (k < 0)
                return k;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (!best || strcmp(de->d_name, best) < 0) {
                        free(best);
                        best = strdup(de->d_name);
                        if (!best)
                                break;
                }
        }
        closedir(d);
        if (!best)
                return -ENOENT;
        *ret = best;
        return 0;
}

/* Block device NAME ("vda1", "dm-0", "vda") -> whole disk and its PCI function. */
static int resolve_block(const struct root *r, const char *name, struct dump_target *t, unsigned depth) {
        _cleanup_free_ char *path = NULL, *link = NULL, *part = NULL, *slave = NULL;
        int k;

        if (!valid_block_name(name))
                return set_why(t, "'%s' is not a block device name", strempty(name));
        if (depth > 8)
                return set_why(t, "block device stack deeper than 8 levels at %s", name);

        if (asprintf(&path, "sys/class/block/%s", name) < 0)
                return -ENOMEM;
        k = root_readlink(r, path, &link);
        if (k == -ENOENT || k == -EINVAL) {
                free(path);
                if (asprintf(&path, "sys/block/%s", name) < 0)
                        return -ENOMEM;
                k = root_readlink(r, path, &link);
        }
        if (k == -ENOMEM)
                return k;
        if (k < 0)
                return set_why(t, "block device %s: no sys/class/block/%s link in the root (%s)",
                               name, name, strerror(-k));

        /* Partition: its directory lives inside the disk's (block/vda/vda1). */
        if (asprintf(&part, "sys/class/block/%s/partition", name) < 0)
                return -ENOMEM;
        if (root_exists(r, part)) {
                _cleanup_free_ char *disk = parent_component(link);
                if (!disk)
                        return set_why(t, "partition %s: cannot tell its disk from %s", name, link);
                return resolve_block(r, disk, t, depth + 1);
        }

        /* Stacked device (device mapper, md): follow the first member. */
        k = first_slave(r, name, &slave);
        if (k == -ENOMEM)
                return k;
        if (k >= 0)
                return resolve_block(r, slave, t, depth + 1);

        free(t->block_device);
        t->block_device = strdup(name);
        if (!t->block_device)
                return -ENOMEM;
        free(t->pci_slot);
        t->pci_slot = last_pci_component(link);
        if (!t->pci_slot)
                return set_why(t, "block device %s is not on a PCI device (%s)", name, link);
        free(t->why_unresolved);
        t->why_unresolved = NULL;
        return 0;
}

/* A device spec from the configuration: /dev/..., UUID=, LABEL=, PARTUUID=, PARTLABEL=. */
static int resolve_device_spec(const struct root *r, const char *spec, struct dump_target *t) {
        static const struct { const char *prefix, *dir; } tags[] = {
                { "UUID=", "dev/disk/by-uuid/" },
                { "LABEL=", "dev/disk/by-label/" },
                { "PARTUUID=", "dev/disk/by-partuuid/" },
                { "PARTLABEL=", "dev/disk/by-partlabel/" },
        };
        _cleanup_free_ char *path = NULL, *name = NULL;
        const char *v;
        int k;

        for (size_t i = 0; i < ELEMENTSOF(tags) && !path; i++) {
                v = startswith(spec, tags[i].prefix);
                if (!v)
                        continue;
                if (*v == '"' && strlen(v) >= 2 && v[strlen(v) - 1] == '"') {
                        if (asprintf(&path, "%s%.*s", tags[i].dir, (int) strlen(v) - 2, v + 1) < 0)
                                return -ENOMEM;
                } else if (asprintf(&path, "%s%s", tags[i].dir, v) < 0)
                        return -ENOMEM;
        }
        if (!path) {
                v = startswith(spec, "/dev/");
                if (!v || !*v)
                        return set_why(t, "unrecognised device '%s' (expected /dev/..., UUID=, LABEL=)", spec);
                path = strdup(spec + 1);
                if (!path)
                        return -ENOMEM;
        }
        if (strstr(path, "/../") || strstr(path, "/./"))
                return set_why(t, "device path '%s' is not canonical", spec);

        k = root_readlink_basename(r, path, &name);
        if (k == -ENOMEM)
                return k;
        if (k == -EINVAL) {
                /* Not a link: a device node (/dev/vda, /dev/sdb1) names itself. */
                const char *b = strrchr(path, '/');
                if (!startswith(path, "dev/") || strchr(path + 4, '/'))
                        return set_why(t, "%s is not a symlink to a block device", path);
                name = strdup(b + 1);
                if (!name)
                        return -ENOMEM;
        } else if (k == -ENOENT) {
                /* Not in the root. A plain /dev/<name> can still be looked up in sysfs. */
                if (startswith(path, "dev/") && !strchr(path + 4, '/'))
                        name = strdup(path + 4);
                else
                        return set_why(t, "%s not found in the root (udev link missing?)", path);
                if (!name)
                        return -ENOMEM;
        } else if (k < 0)
                return set_why(t, "cannot read %s: %s", path, strerror(-k));

        return resolve_block(r, name, t, 0);
}

/* Decode the octal escapes (\040) the kernel uses in /proc/mounts fields. */
static void unescape_mount_field(char *s) {
        char *w = s;

        for (; *s; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
                    s[3] >= '0' && s[3] <= '7') {
                        *w++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 3;
                } else
                        *w++ = *s;
        }
        *w = 0;
}

static bool path_under_mount(const char *path, const char *mnt, size_t *ret_len) {
        size_t l = strlen(mnt);

        if (streq(mnt, "/")) {
                *ret_len = 1;
                return true;
        }
        if (strncmp(path, mnt, l) != 0 || (path[l] != '/' && path[l] != 0))
                return false;
        *ret_len = l;
        return true;
}

/* Filesystem holding PATH: proc/self/mountinfo, else proc/mounts. */
static int find_mount(const struct root *r, const char *path, char **ret_source, char **ret_fstype,
                      char **ret_file) {
        static const char *const files[] = { "proc/self/mountinfo", "proc/mounts" };

        for (size_t f = 0; f < ELEMENTSOF(files); f++) {
                _cleanup_free_ char *text = NULL, *best_src = NULL, *best_type = NULL;
                size_t best_len = 0;
                char *line, *save = NULL;
                int k;

                k = root_read_file(r, files[f], KDV_MAX_PROC_FILE, &text, NULL);
                if (k == -ENOMEM)
                        return k;
                if (k < 0)
                        continue;
                for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                        char *fields[32] = {}, *tok, *fsave = NULL, *mnt, *src, *type;
                        size_t n = 0, l;

                        for (tok = strtok_r(line, " ", &fsave); tok && n < ELEMENTSOF(fields);
                             tok = strtok_r(NULL, " ", &fsave))
                                fields[n++] = tok;
                        if (f == 0) {
                                /* "36 35 98:0 /root /mnt opts [optional...] - fstype source superopts" */
                                size_t dash = 0;
                                for (size_t i = 6; i < n; i++)
                                        if (streq(fields[i], "-")) {
                                                dash = i;
                                                break;
                                        }
                                if (n < 5 || !dash || dash + 2 >= n)
                                        continue;
                                mnt = fields[4];
                                type = fields[dash + 1];
                                src = fields[dash + 2];
                        } else {
                                if (n < 3)
                                        continue;
                                src = fields[0];
                                mnt = fields[1];
                                type = fields[2];
                        }
                        unescape_mount_field(mnt);
                        unescape_mount_field(src);
                        /* Later mounts on the same point hide earlier ones: >= keeps the last. */
                        if (path_under_mount(path, mnt, &l) && l >= best_len) {
                                free(best_src);
                                free(best_type);
                                best_src = strdup(src);
                                best_type = strdup(type);
                                if (!best_src || !best_type)
                                        return -ENOMEM;
                                best_len = l;
                        }
                }
                if (best_src) {
                        *ret_source = TAKE_PTR(best_src);
                        *ret_fstype = TAKE_PTR(best_type);
                        *ret_file = strdup(files[f]);
                        return *ret_file ? 0 : -ENOMEM;
                }
        }
        return -ENOENT;
}

static int resolve_local_path(const struct root *r, const char *path, struct dump_target *t) {
        _cleanup_free_ char *src = NULL, *type = NULL, *file = NULL;
        int k;

        if (!path || path[0] != '/')
                return set_why(t, "dump path '%s' is not absolute", strempty(path));
        k = find_mount(r, path, &src, &type, &file);
        if (k == -ENOMEM)
                return k;
        if (k < 0)
                return set_why(t, "no proc/self/mountinfo or proc/mounts in the root: cannot tell which filesystem holds %s",
                               path);
        if (startswith(type, "nfs")) {
                t->kind = DUMP_TARGET_NFS;
                return set_why(t, "%s is on NFS (%s): the NIC is chosen by the route in the capture kernel", path, src);
        }
        if (!startswith(src, "/dev/"))
                return set_why(t, "%s is on a %s filesystem from '%s', not a block device (%s)", path, type, src, file);
        return resolve_device_spec(r, src, t);
}

/* The last directive KEY in kdump.conf (what kdumpctl reads). */
static const char *conf_get(const struct snapshot *s, const char *key) {
        if (s->kdump_conf.state != FACT_OK)
                return NULL;
        return kdump_conf_get(&s->kdump_conf, key);
}

static const char *sysconfig_get(const struct snapshot *s, const char *name) {
        const struct shell_assignment *a;

        if (s->kdump_sysconfig.state != FACT_OK)
                return NULL;
        a = shell_file_get(&s->kdump_sysconfig, name);
        return a && a->value && *a->value ? a->value : NULL;
}

static int target_rhel(const struct root *r, const struct snapshot *s, struct dump_target *t) {
        /* kdump-utils kdump.conf(5); filesystem types kdumpctl accepts as a local target. */
        static const char *const fs_types[] = { "ext2", "ext3", "ext4", "xfs", "btrfs", "minix", "f2fs", "vfat" };
        const char *v, *path;
        int k;

        if ((v = conf_get(s, "raw"))) {
                t->kind = DUMP_TARGET_RAW;
                if (asprintf(&t->spec, "raw %s", v) < 0)
                        return -ENOMEM;
                return resolve_device_spec(r, v, t);
        }
        if ((v = conf_get(s, "nfs"))) {
                t->kind = DUMP_TARGET_NFS;
                if (asprintf(&t->spec, "nfs %s", v) < 0)
                        return -ENOMEM;
                return set_why(t, "network dump target: the NIC is chosen by the route to the server in the capture kernel");
        }
        if ((v = conf_get(s, "ssh"))) {
                t->kind = DUMP_TARGET_SSH;
                if (asprintf(&t->spec, "ssh %s", v) < 0)
                        return -ENOMEM;
                return set_why(t, "network dump target: the NIC is chosen by the route to the server in the capture kernel");
        }
        if ((v = conf_get(s, "virtiofs"))) {
                t->kind = DUMP_TARGET_UNKNOWN;
                if (asprintf(&t->spec, "virtiofs %s", v) < 0)
                        return -ENOMEM;
                return set_why(t, "virtiofs target: the virtio-fs device is not resolved");
        }
        path = conf_get(s, "path") ?: "/var/crash";
        for (size_t i = 0; i < ELEMENTSOF(fs_types); i++) {
                v = conf_get(s, fs_types[i]);
                if (!v)
                        continue;
                t->kind = DUMP_TARGET_LOCAL_FS;
                if (asprintf(&t->spec, "%s %s (path %s)", fs_types[i], v, path) < 0)
                        return -ENOMEM;
                k = resolve_device_spec(r, v, t);
                return k;
        }
        t->kind = DUMP_TARGET_LOCAL_FS;
        if (asprintf(&t->spec, "path %s", path) < 0)
                return -ENOMEM;
        return resolve_local_path(r, path, t);
}

static int target_debian(const struct root *r, const struct snapshot *s, struct dump_target *t) {
        const char *v;

        /* kdump-tools kdump-config: SSH= / NFS= select a remote target, else KDUMP_COREDIR. */
        if ((v = sysconfig_get(s, "SSH"))) {
                t->kind = DUMP_TARGET_SSH;
                if (asprintf(&t->spec, "SSH=%s", v) < 0)
                        return -ENOMEM;
                return set_why(t, "network dump target: the NIC is chosen by the route to the server in the capture kernel");
        }
        if ((v = sysconfig_get(s, "NFS"))) {
                t->kind = DUMP_TARGET_NFS;
                if (asprintf(&t->spec, "NFS=%s", v) < 0)
                        return -ENOMEM;
                return set_why(t, "network dump target: the NIC is chosen by the route to the server in the capture kernel");
        }
        v = sysconfig_get(s, "KDUMP_COREDIR") ?: "/var/crash";
        t->kind = DUMP_TARGET_LOCAL_FS;
        if (asprintf(&t->spec, "KDUMP_COREDIR=%s", v) < 0)
                return -ENOMEM;
        return resolve_local_path(r, v, t);
}

static int target_suse(const struct root *r, const struct snapshot *s, struct dump_target *t) {
        const char *v = sysconfig_get(s, "KDUMP_SAVEDIR") ?: "/var/crash", *p;

        if (asprintf(&t->spec, "KDUMP_SAVEDIR=%s", v) < 0)
                return -ENOMEM;
        if ((p = startswith(v, "file://")) || (v[0] == '/' && (p = v))) {
                t->kind = DUMP_TARGET_LOCAL_FS;
                return resolve_local_path(r, p, t);
        }
        if (startswith(v, "nfs://")) {
                t->kind = DUMP_TARGET_NFS;
                return set_why(t, "network dump target: the NIC is chosen by the route to the server in the capture kernel");
        }
        if (startswith(v, "ssh://") || startswith(v, "sftp://")) {
                t->kind = DUMP_TARGET_SSH;
                return set_why(t, "network dump target: the NIC is chosen by the route to the server in the capture kernel");
        }
        t->kind = DUMP_TARGET_UNKNOWN;
        return set_why(t, "dump target '%s' (ftp/cifs or unknown scheme) is not resolved", v);
}

int collect_dump_target(const struct root *r, struct snapshot *s) {
        struct dump_target *t = &s->dump_target;

        dump_target_reset(t);
        if (s->flavor == KDUMP_FLAVOR_DEBIAN)
                return target_debian(r, s, t);
        if (s->flavor == KDUMP_FLAVOR_SUSE)
                return target_suse(r, s, t);
        if (s->flavor == KDUMP_FLAVOR_RHEL || s->kdump_conf.state == FACT_OK)
                return target_rhel(r, s, t);
        return set_why(t, "no kdump configuration found");
}
