/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/kdump.conf (collect/kdumpconf.c). */
#include "kdv/collect.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct kdump_conf c = {};
        char *text;

        if (fuzz_has_nul(data, size))
                return 0;
        text = fuzz_text(data, size);
        if (kdump_conf_parse(text, size, "etc/kdump.conf", &c) >= 0) {
                (void) kdump_conf_get(&c, "path");
                (void) kdump_conf_get(&c, "dracut_args");
        }
        kdump_conf_clear(&c);
        free(text);
        return 0;
}
