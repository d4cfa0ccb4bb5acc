/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The driver table's expression language (plan/vectors.c vectors_expr_eval): admins write these
 * in drivers.d drop-ins. Evaluated with ordinary and the largest variable values the plan can produce (overflow, /0). */
#include <limits.h>

#include "kdv/vectors.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const struct vectors_vars vars[] = {
                { .cpus = 1, .msix = 64, .msi = 1, .now = 3, .online_now = 8, .port_services = 2, .queues = 1 },
                { .cpus = 0, .msix = 0, .msi = 0, .now = 0, .online_now = 0, .port_services = 0, .queues = 0 },
                /* the largest values the plan can pass: cpus and online_now are unsigned CPU counts
                 * from sysfs CPU lists (collect/cpus.c) and the capture plan (plan/capture.c caps
                 * at UINT32_MAX); msix ≤ 2048 (11-bit Table Size), msi ≤ 32, queues is clamped by
                 * the evaluator itself (VALUE_LIMIT). */
                { .cpus = UINT32_MAX, .msix = 2048, .msi = 32, .now = 2048, .online_now = UINT32_MAX,
                  .port_services = 4, .queues = 1000000000L },
        };
        char *text = fuzz_text(data, size);

        for (size_t v = 0; v < sizeof(vars) / sizeof(vars[0]); v++) {
                long out = 0;
                const char *err = NULL;
                (void) vectors_expr_eval(text, &vars[v], &out, &err);
        }
        free(text);
        return 0;
}
