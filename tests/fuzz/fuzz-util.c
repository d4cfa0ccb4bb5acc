/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "fuzz.h"

bool fuzz_write_file(const char *path, const uint8_t *data, size_t size) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        size_t off = 0;

        if (fd < 0) {
                perror(path);
                abort();
        }
        while (off < size) {
                ssize_t n = write(fd, data + off, size - off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        perror(path);
                        abort();
                }
                off += (size_t) n;
        }
        close(fd);
        return true;
}

static char *tmpdir_path;

static void tmpdir_cleanup(void) {
        char cmd[4200];

        if (!tmpdir_path)
                return;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir_path);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", tmpdir_path);
        free(tmpdir_path);
        tmpdir_path = NULL;
}

char *fuzz_tmpdir(void) {
        const char *t = getenv("TMPDIR");
        char buf[4096];

        if (tmpdir_path)
                return tmpdir_path;
        snprintf(buf, sizeof(buf), "%s/kdv-fuzz.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(buf)) {
                perror("mkdtemp");
                abort();
        }
        tmpdir_path = strdup(buf);
        if (!tmpdir_path)
                abort();
        atexit(tmpdir_cleanup);
        return tmpdir_path;
}
