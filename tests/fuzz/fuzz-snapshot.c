/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The snapshot file reader (collect/snapshot-load.c, check --snapshot): arbitrary bytes. What it
 * accepts must be a snapshot plan/ and findings/ handle like a collected one (plan_build,
 * findings_build and both reports run on it, with the real driver table), and its round trip must
 * hold: dump → load → dump gives the same bytes (abort() otherwise).
 * Seeds (tests/fuzz/corpus/fuzz-snapshot/): `check --dump-snapshot` of the fixture roots
 * tests/fixtures/roots/{debian-kdump-tools,r6515-not-reserved,r7615-healthy,xseries345-range-zero},
 * tests/fixtures/oracle/{a-baseline,p-per-driver}/root and of debian-kdump-tools with
 * --pci-dump tests/fixtures/pci/dumps/samsung-np350v5c-laptop.txt; modules-rhel-initramfs.snap: a root of
 * tests/fixtures/pci/a-baseline/lib (Debian 6.1 module index) + tests/fixtures/pci/initramfs/rhel +
 * "path /var/crash" as etc/kdump.conf + osrelease 6.1.0-56-amd64, with that PCI dump (module lists
 * per function, built-in list, initramfs modules, kdump.conf directives). */
#include <stdio.h>

#include "kdv/collect.h"
#include "kdv/findings.h"
#include "kdv/plan.h"
#include "kdv/report.h"
#include "kdv/snapshot-file.h"
#include "fuzz.h"

#ifndef FUZZ_SRCDIR
#  error "FUZZ_SRCDIR must be the source tree"
#endif

static struct driver_table *table;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        struct snapshot s = {};

        if (collect_driver_table(FUZZ_SRCDIR "/conf/drivers.conf", &s) < 0 || !s.driver_table)
                abort();
        table = TAKE_PTR(s.driver_table);
        snapshot_clear(&s);
        return 0;
}

static void analyse(struct snapshot *s) {
        struct plan p = {};
        struct findings f = {};
        struct strbuf out = {};

        s->driver_table = table;
        if (plan_build(s, &p) >= 0 && findings_build(s, &p, NULL, &f) >= 0) {
                (void) report_json(s, &p, &f, &out);
                strbuf_done(&out);
                (void) report_text(s, &p, &f, false, &out);
                strbuf_done(&out);
        }
        findings_clear(&f);
        plan_clear(&p);
        s->driver_table = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct snapshot s = {}, s2 = {};
        struct fact_error e = {};
        struct strbuf d1 = {}, d2 = {};
        int k;

        k = snapshot_load((const char *) data, size, "fuzz", &s, &e);
        if (k < 0) {
                if (k == -EBADMSG && (!e.message || !e.file))
                        abort();        /* a rejection always says why */
                fact_error_clear(&e);
                snapshot_clear(&s);
                return 0;
        }
        analyse(&s);

        if (snapshot_format(&s, &d1) < 0)
                abort();
        k = snapshot_load(d1.buf, d1.len, "dump", &s2, &e);
        if (k < 0) {
                fprintf(stderr, "the dump of an accepted snapshot does not load: %s:%u: %s\n",
                        strempty(e.file), e.line, strempty(e.message));
                abort();
        }
        if (snapshot_format(&s2, &d2) < 0)
                abort();
        if (d1.len != d2.len || memcmp(d1.buf, d2.buf, d1.len) != 0) {
                fprintf(stderr, "dump → load → dump differs\n");
                abort();
        }
        strbuf_done(&d1);
        strbuf_done(&d2);
        snapshot_clear(&s2);
        snapshot_clear(&s);
        return 0;
}
