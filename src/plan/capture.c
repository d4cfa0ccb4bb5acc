/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: to be implemented. */
#include "kdv/plan.h"
#include "kdv/util.h"
int capture_plan_build(const struct snapshot *s, struct capture_plan *ret) { (void) s; *ret = (struct capture_plan) {}; return 0; }
void capture_plan_clear(struct capture_plan *c) { free(c->cmdline); free(c->cpus_param); strv_free(c->blacklist); *c = (struct capture_plan) {}; }
