/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/meminfo (collect/meminfo.c). */
#include "kdv/collect.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct meminfo m = {};
        char *text = fuzz_text(data, size);

        (void) meminfo_parse(text, &m);
        fact_error_clear(&m.error);
        free(text);
        return 0;
}
