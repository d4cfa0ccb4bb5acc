/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: to be implemented. */
#include "kdv/collect.h"
int interrupts_parse(const char *text, struct interrupts *ret) { (void) text; (void) ret; return -EOPNOTSUPP; }
void interrupts_clear(struct interrupts *i) { fact_error_clear(&i->error); }
