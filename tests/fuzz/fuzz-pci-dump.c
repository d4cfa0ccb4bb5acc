/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `lspci -xxxx` dumps through libpci's dump method (collect/pci.c: our pre-validation, then
 * libpci under the setjmp guard). The input is written to a file in a private root, as
 * --pci-dump FILE would be given. Differential: the copy with zero lines left out that libpci
 * reads (validate_dump) must give the same facts as the original (KDV_PCI_DUMP_UNFILTERED). */
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
        struct snapshot *s = calloc(1, sizeof(*s)), *o = calloc(1, sizeof(*o));

        if (!s || !o)
                abort();
        fuzz_write_file(dump, data, size);
        (void) collect_pci(&root, dump, s);
        setenv("KDV_PCI_DUMP_UNFILTERED", "1", 1);
        (void) collect_pci(&root, dump, o);
        unsetenv("KDV_PCI_DUMP_UNFILTERED");
        if (s->pci.state != o->pci.state || s->pci.n_functions != o->pci.n_functions)
                abort();
        for (size_t i = 0; i < s->pci.n_functions; i++)
                if (!pci_function_equal(&s->pci.functions[i], &o->pci.functions[i]))
                        abort();
        snapshot_free(s);
        snapshot_free(o);
        return 0;
}
