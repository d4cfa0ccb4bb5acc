/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shell-assignment files: /etc/sysconfig/kdump, /etc/default/kdump-tools (collect/shellfile.c). */
#include "kdv/collect.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const names[] = { "KDUMP_COMMANDLINE", "KDUMP_COMMANDLINE_APPEND",
                                             "KDUMP_CMDLINE_APPEND", "KDUMP_CPUS", "USE_KDUMP" };
        struct shell_file f = {};
        char *text;

        if (fuzz_has_nul(data, size))
                return 0;
        text = fuzz_text(data, size);
        if (shell_file_parse(text, size, "etc/sysconfig/kdump", &f) >= 0)
                for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                        (void) shell_file_get(&f, names[i]);
        shell_file_clear(&f);
        free(text);
        return 0;
}
