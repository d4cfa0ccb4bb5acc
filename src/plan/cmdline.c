/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: to be implemented. */
#include "kdv/plan.h"
#include "kdv/util.h"
char *cmdline_get(const char *cmdline, const char *key) { (void) cmdline; (void) key; return NULL; }
int cmdline_split(const char *cmdline, char ***ret) { (void) cmdline; (void) ret; return -EOPNOTSUPP; }
