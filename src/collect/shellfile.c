/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: to be implemented. */
#include "kdv/collect.h"
int shell_file_parse(const char *text, size_t len, const char *path, struct shell_file *ret) { (void) text; (void) len; (void) path; (void) ret; return -EOPNOTSUPP; }
void shell_file_clear(struct shell_file *f) { fact_error_clear(&f->error); }
const struct shell_assignment *shell_file_get(const struct shell_file *f, const char *name) { (void) f; (void) name; return NULL; }
