/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: to be implemented. */
#include "kdv/rewrite.h"
int rewrite_diff(const struct validation *v, const char *policy_path, struct strbuf *out) { (void) v; (void) policy_path; (void) out; return -EOPNOTSUPP; }
