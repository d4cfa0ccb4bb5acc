/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The administrator's policy, /etc/kdump-validator.conf (collect/policy.c, inih). */
#include "kdv/policy.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct policy p = {};
        struct policy_diagnostics d = {};
        char *text;

        if (fuzz_has_nul(data, size))
                return 0;
        text = fuzz_text(data, size);
        if (policy_init(&p) >= 0) {
                (void) policy_parse(text, size, "etc/kdump-validator.conf", &p, &d);
                (void) policy_may_blacklist(&p, "i40e");
                (void) policy_may_blacklist(&p, "virtio_blk");
        }
        free(policy_normalize_driver(text));
        policy_clear(&p);
        policy_diagnostics_clear(&d);
        free(text);
        return 0;
}
