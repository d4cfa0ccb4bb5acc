/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/interrupts (collect/interrupts.c). */
#include "kdv/collect.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct interrupts i = {};
        char *text = fuzz_text(data, size);

        (void) interrupts_parse(text, &i);
        interrupts_clear(&i);
        free(text);
        return 0;
}
