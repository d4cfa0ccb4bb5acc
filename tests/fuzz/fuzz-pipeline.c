/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whole pipeline (collect → plan → findings → JSON and text reports) on a small real root
 * (tests/fixtures/roots/debian-kdump-tools, copied once to a private directory) with ONE file
 * replaced by the fuzz input. The first input byte selects the file, the rest is its content;
 * the original file is put back after each run. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kdv/cli.h"
#include "kdv/collect.h"
#include "kdv/report.h"
#include "kdv/util.h"
#include "fuzz.h"

#ifndef FUZZ_SRCDIR
#  error "FUZZ_SRCDIR must be the source tree"
#endif

static const char *const files[] = {
        "proc/cmdline",
        "proc/iomem",
        "proc/meminfo",
        "proc/interrupts",
        "proc/version",
        "proc/sys/kernel/osrelease",
        "sys/devices/system/cpu/possible",
        "sys/devices/system/cpu/online",
        "sys/kernel/kexec_crash_size",
        "etc/default/kdump-tools",
        "etc/sysconfig/kdump",          /* absent in the base root: created, then removed */
        "etc/kdump.conf",               /* absent in the base root */
        "sys/bus/pci/devices/0000:00:02.0/config",      /* binary config space, read by libpci */
        "sys/bus/pci/devices/0000:00:02.0/irq",
        "sys/bus/pci/devices/0000:00:04.0/modalias",
        "sys/bus/pci/devices/0000:00:1f.2/dma_mask_bits",
};
#define N_FILES (sizeof(files) / sizeof(files[0]))

static char root_dir[4200];
static struct { char *data; size_t len; bool present; } orig[N_FILES];

static void slurp(const char *path, char **ret, size_t *len, bool *present) {
        FILE *f = fopen(path, "re");
        char buf[65536];
        size_t n;

        *ret = NULL;
        *len = 0;
        *present = f != NULL;
        if (!f)
                return;
        n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        *ret = malloc(n ? n : 1);
        if (!*ret)
                abort();
        memcpy(*ret, buf, n);
        *len = n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        char cmd[9000];

        snprintf(root_dir, sizeof(root_dir), "%s/root", fuzz_tmpdir());
        snprintf(cmd, sizeof(cmd), "cp -a '%s/tests/fixtures/roots/debian-kdump-tools' '%s' && mkdir -p '%s/etc/sysconfig'",
                 FUZZ_SRCDIR, root_dir, root_dir);
        if (system(cmd) != 0)
                abort();
        for (size_t i = 0; i < N_FILES; i++) {
                char p[8400];
                snprintf(p, sizeof(p), "%s/%s", root_dir, files[i]);
                slurp(p, &orig[i].data, &orig[i].len, &orig[i].present);
        }
        return 0;
}

static void run(const char *arch) {
        struct collect_options o = {
                .root = root_dir,
                .arch = arch,
                .driver_table = FUZZ_SRCDIR "/conf/drivers.conf",
        };
        struct validation v;
        struct strbuf out = {};

        if (validation_run(&o, NULL, &v) < 0)
                return;
        (void) report_json(v.snapshot, &v.plan, &v.findings, &out);
        strbuf_done(&out);
        (void) report_text(v.snapshot, &v.plan, &v.findings, true, &out);
        strbuf_done(&out);
        (void) verdict_exit_status(&v.findings);
        validation_clear(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        size_t i;
        char p[8400];

        if (size < 1)
                return 0;
        i = data[0] % N_FILES;
        snprintf(p, sizeof(p), "%s/%s", root_dir, files[i]);
        fuzz_write_file(p, data + 1, size - 1);

        run(NULL);              /* arch from the release in the root */
        run("x86_64");

        if (orig[i].present)
                fuzz_write_file(p, (const uint8_t *) orig[i].data, orig[i].len);
        else
                unlink(p);
        return 0;
}
