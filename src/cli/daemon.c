/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdump-validate daemon: validate at start, then watch and revalidate (kdump-validator.service). */
#include "kdv/cli.h"
#include "kdv/daemon.h"

int cmd_daemon(const struct cli_args *a) {
        struct daemon_options o = {
                .collect = &a->collect,
                .config = a->config,
        };

        if (a->diff || a->output || a->format != REPORT_TEXT) {
                fprintf(stderr, "kdump-validate: 'daemon' takes no --diff, --output or --format: the report "
                        "goes to [daemon] report_dir and prometheus_textfile of the policy\n");
                return EXIT_USAGE;
        }
        return daemon_run(&o);
}
