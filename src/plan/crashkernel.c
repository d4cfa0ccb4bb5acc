/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: to be implemented. */
#include "kdv/plan.h"
#include "kdv/util.h"
int crashkernel_parse(const char *cmdline, uint64_t system_ram, const char *arch, const char *kernel_release, struct crashkernel_request *ret) { (void) cmdline; (void) system_ram; (void) arch; (void) kernel_release; (void) ret; return -EOPNOTSUPP; }
void crashkernel_request_clear(struct crashkernel_request *r) { free(r->text); free(r->error); *r = (struct crashkernel_request) {}; }
int crashkernel_plan_build(const struct snapshot *s, struct crashkernel_plan *ret) { (void) s; *ret = (struct crashkernel_plan) {}; return 0; }
void crashkernel_plan_clear(struct crashkernel_plan *p) { crashkernel_request_clear(&p->request); free(p->min_dma_mask_slot); free(p->min_dma_mask_driver); }
