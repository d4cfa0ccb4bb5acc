/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: to be implemented. */
#include "kdv/collect.h"
int kdump_conf_parse(const char *text, size_t len, const char *path, struct kdump_conf *ret) { (void) text; (void) len; (void) path; (void) ret; return -EOPNOTSUPP; }
void kdump_conf_clear(struct kdump_conf *c) { fact_error_clear(&c->error); }
const char *kdump_conf_get(const struct kdump_conf *c, const char *key) { (void) c; (void) key; return NULL; }
