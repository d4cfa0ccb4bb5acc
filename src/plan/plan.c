/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kdv/plan.h"

int plan_build(const struct snapshot *s, struct plan *ret) {
        int k;

        *ret = (struct plan) {};
        k = capture_plan_build(s, &ret->capture);
        if (k < 0)
                return k;
        k = crashkernel_plan_build(s, &ret->crashkernel);
        if (k < 0)
                return k;
        k = memory_plan_build(s, &ret->capture, &ret->crashkernel, &ret->memory);
        if (k < 0)
                return k;
        return vectors_plan_build(s, &ret->capture, &ret->vectors);
}

void plan_clear(struct plan *p) {
        capture_plan_clear(&p->capture);
        crashkernel_plan_clear(&p->crashkernel);
        vectors_plan_clear(&p->vectors);
        *p = (struct plan) {};
}
