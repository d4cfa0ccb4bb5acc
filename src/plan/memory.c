/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: to be implemented. */
#include "kdv/plan.h"
int memory_plan_build(const struct snapshot *s, const struct capture_plan *cap, const struct crashkernel_plan *ck, struct memory_plan *ret) { (void) s; (void) cap; (void) ck; *ret = (struct memory_plan) {}; return 0; }
