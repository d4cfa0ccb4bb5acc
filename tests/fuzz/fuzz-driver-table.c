/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-driver vector table (collect/driver-table.c, inih). Its only entry point reads a file
 * (collect_driver_table(path, …)), so each input is written to a temporary file first. Every
 * expression the loader accepted is then evaluated as plan/vectors.c would, with ordinary and
 * extreme variable values: the loader promises that an accepted table never fails later. */
#include <limits.h>
#include <stdio.h>

#include "kdv/collect.h"
#include "kdv/vectors.h"
#include "fuzz.h"

static char path[4200];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        snprintf(path, sizeof(path), "%s/drivers.conf", fuzz_tmpdir());
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const struct vectors_vars vars[] = {
                { .cpus = 1, .msix = 64, .msi = 1, .now = 3, .online_now = 8, .port_services = 2, .queues = 1 },
                { .cpus = 8192, .msix = 2048, .msi = 32, .now = 0, .online_now = 8192, .port_services = 4, .queues = 64 },
                { .cpus = 0, .msix = 0, .msi = 0, .now = 0, .online_now = 0, .port_services = 0, .queues = 0 },
        };
        struct snapshot *s = calloc(1, sizeof(*s));

        if (!s)
                abort();
        fuzz_write_file(path, data, size);
        (void) collect_driver_table(path, s);
        if (s->driver_table) {
                const struct driver_table *t = s->driver_table;

                for (size_t i = 0; i < t->n_entries; i++) {
                        const struct driver_entry *e = &t->entries[i];

                        if (e->name)
                                (void) driver_table_find(t, e->name);
                        for (size_t k = 0; k < e->n_keys; k++)
                                for (size_t v = 0; v < sizeof(vars) / sizeof(vars[0]); v++) {
                                        long out = 0;
                                        const char *err = NULL;
                                        if (e->keys[k].value)
                                                (void) vectors_expr_eval(e->keys[k].value, &vars[v], &out, &err);
                                }
                }
        }
        snapshot_free(s);
        return 0;
}
