/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysfs CPU lists "0-3,5" (collect/cpus.c). */
#include "kdv/collect.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        unsigned n = 0;
        char *text = fuzz_text(data, size);

        (void) cpulist_count(text, &n);
        free(text);
        return 0;
}
