/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: to be implemented. */
#include "kdv/collect.h"
int meminfo_parse(const char *text, struct meminfo *ret) { (void) text; (void) ret; return -EOPNOTSUPP; }
