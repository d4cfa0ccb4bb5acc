/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: to be implemented. */
#include "kdv/cli.h"
int cmd_hook(const struct cli_args *a) { (void) a; fprintf(stderr, "kdump-validate: 'hook' is not implemented yet\n"); return EXIT_USAGE; }
