/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel command line splitting and lookup (plan/cmdline.c). */
#include "kdv/plan.h"
#include "kdv/util.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const keys[] = { "crashkernel", "nr_cpus", "maxcpus", "rd.driver.blacklist",
                                            "module_blacklist", "usbcore.nousb", "reset_devices", "", "=" };
        char *text = fuzz_text(data, size);
        char **words = NULL;

        if (cmdline_split(text, &words) >= 0)
                strv_free(words);
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                free(cmdline_get(text, keys[i]));
        free(text);
        return 0;
}
