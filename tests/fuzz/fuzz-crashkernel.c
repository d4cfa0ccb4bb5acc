/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashkernel= as the kernel parses it (plan/crashkernel.c), from a whole command line, evaluated
 * against several RAM sizes and architectures/releases (their rules differ). */
#include "kdv/plan.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint64_t rams[] = { 0, 1ull << 30, 250ull << 30, UINT64_MAX };
        static const struct { const char *arch, *release; } kernels[] = {
                { "x86_64", "6.1.0-56-amd64" },
                { "x86_64", "4.18.0-80.el8.x86_64" },
                { "aarch64", "6.12.0" },
                { NULL, NULL },
        };
        char *text = fuzz_text(data, size);

        for (size_t i = 0; i < sizeof(rams) / sizeof(rams[0]); i++)
                for (size_t j = 0; j < sizeof(kernels) / sizeof(kernels[0]); j++) {
                        struct crashkernel_request r = {};
                        (void) crashkernel_parse(text, rams[i], kernels[j].arch, kernels[j].release, &r);
                        crashkernel_request_clear(&r);
                }
        free(text);
        return 0;
}
