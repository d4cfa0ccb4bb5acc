/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/iomem (collect/iomem.c). */
#include "kdv/collect.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct iomem m = {};
        char *text = fuzz_text(data, size);

        (void) iomem_parse(text, &m);
        iomem_clear(&m);
        free(text);
        return 0;
}
