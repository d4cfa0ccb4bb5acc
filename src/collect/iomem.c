/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: to be implemented. */
#include "kdv/collect.h"
int iomem_parse(const char *text, struct iomem *ret) { (void) text; (void) ret; return -EOPNOTSUPP; }
void iomem_clear(struct iomem *m) { fact_error_clear(&m->error); }
