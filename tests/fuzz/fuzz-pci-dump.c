/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `lspci -xxxx` dumps through libpci's dump method (collect/pci.c: our pre-validation, then
 * libpci under the setjmp guard). The input is written to a file in a private root, as
 * --pci-dump FILE would be given. */
#include <stdio.h>

#include "kdv/collect.h"
#include "fuzz.h"

static char dump[4200];
static struct root root = { .fd = -1 };

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        const char *d = fuzz_tmpdir();

        snprintf(dump, sizeof(dump), "%s/lspci-xxxx.txt", d);
        if (root_open(d, &root) < 0)
                abort();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct snapshot *s = calloc(1, sizeof(*s));

        if (!s)
                abort();
        fuzz_write_file(dump, data, size);
        (void) collect_pci(&root, dump, s);
        snapshot_free(s);
        return 0;
}
