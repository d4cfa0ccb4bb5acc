/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdump-validate: will this machine's kdump work? collect → plan → findings → act. */
#include <getopt.h>

#include "kdv/cli.h"
#include "kdv/policy.h"
#include "kdv/util.h"

static void help(FILE *f) {
        fprintf(f,
                "Usage: kdump-validate [OPTIONS] COMMAND\n"
                "\n"
                "Predict whether kdump's capture kernel will boot and write a vmcore on this\n"
                "machine: crashkernel= memory, capture-kernel memory, DMA32 low memory and the\n"
                "interrupt vectors its drivers need.\n"
                "\n"
                "Commands:\n"
                "  check                 Validate and report (never writes anything)\n"
                "  apply                 Apply the remedies to the kdump configuration\n"
                "  hook                  Validate as kdump's pre-start hook, following the policy\n"
                "  daemon                Validate at boot, then watch for changes (systemd service)\n"
                "\n"
                "Options:\n"
                "  -r, --root=DIR        Read a captured machine tree instead of /\n"
                "      --pci-dump=FILE   Read PCI devices from an `lspci -xxxx` dump\n"
                "      --arch=ARCH       Architecture of the root (x86_64, aarch64, ...)\n"
                "      --driver-table=FILE  Per-driver vector table (default: the installed drivers.conf)\n"
                "      --config=FILE     Policy file (default " POLICY_DEFAULT_PATH " under the root)\n"
                "      --json            Print the report as JSON (same as --format=json)\n"
                "      --format=FORMAT   text, json or prometheus\n"
                "      --output=FILE     Write the report to FILE atomically instead of stdout\n"
                "      --dump-snapshot=FILE  With check: also save the facts it read to FILE\n"
                "                        (\"-\": stdout, when --output takes the report)\n"
                "      --snapshot=FILE   With check: analyse a saved snapshot instead of the machine\n"
                "      --diff            With check: print the configuration change apply would make\n"
                "      --no-color        Do not colour the text report\n"
                "  -h, --help            Show this help\n"
                "      --version         Show the version\n"
                "\n"
                "Exit status: 0 no problems, 1 warnings, 2 errors (kdump expected to fail),\n"
                "3 could not validate (bad input, missing facts), 64 usage error.\n"
                "See kdump-validate(8).\n");
}

enum {
        ARG_PCI_DUMP = 0x100, ARG_ARCH, ARG_JSON, ARG_FORMAT, ARG_NO_COLOR, ARG_VERSION,
        ARG_DIFF, ARG_CONFIG, ARG_DRIVER_TABLE, ARG_OUTPUT, ARG_SNAPSHOT, ARG_DUMP_SNAPSHOT,
};

static int parse_args(int argc, char **argv, struct cli_args *a) {
        static const struct option options[] = {
                { "root",         required_argument, NULL, 'r' },
                { "pci-dump",     required_argument, NULL, ARG_PCI_DUMP },
                { "arch",         required_argument, NULL, ARG_ARCH },
                { "driver-table", required_argument, NULL, ARG_DRIVER_TABLE },
                { "config",       required_argument, NULL, ARG_CONFIG },
                { "json",         no_argument,       NULL, ARG_JSON },
                { "format",       required_argument, NULL, ARG_FORMAT },
                { "output",       required_argument, NULL, ARG_OUTPUT },
                { "diff",         no_argument,       NULL, ARG_DIFF },
                { "snapshot",     required_argument, NULL, ARG_SNAPSHOT },
                { "dump-snapshot", required_argument, NULL, ARG_DUMP_SNAPSHOT },
                { "no-color",     no_argument,       NULL, ARG_NO_COLOR },
                { "help",         no_argument,       NULL, 'h' },
                { "version",      no_argument,       NULL, ARG_VERSION },
                {}
        };
        int c;

        a->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        while ((c = getopt_long(argc, argv, "r:h", options, NULL)) >= 0)
                switch (c) {
                case 'r': a->collect.root = optarg; break;
                case ARG_PCI_DUMP: a->collect.pci_dump = optarg; break;
                case ARG_ARCH: a->collect.arch = optarg; break;
                case ARG_DRIVER_TABLE: a->collect.driver_table = optarg; break;
                case ARG_CONFIG: a->config = optarg; break;
                case ARG_JSON: a->format = REPORT_JSON; break;
                case ARG_FORMAT:
                        if (streq(optarg, "text"))
                                a->format = REPORT_TEXT;
                        else if (streq(optarg, "json"))
                                a->format = REPORT_JSON;
                        else if (streq(optarg, "prometheus"))
                                a->format = REPORT_PROMETHEUS;
                        else {
                                fprintf(stderr, "kdump-validate: unknown format '%s' (text, json, prometheus)\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_OUTPUT: a->output = optarg; break;
                case ARG_DIFF: a->diff = true; break;
                case ARG_SNAPSHOT: a->snapshot = optarg; break;
                case ARG_DUMP_SNAPSHOT: a->dump_snapshot = optarg; break;
                case ARG_NO_COLOR: a->color = false; break;
                case 'h': help(stdout); return 0;
                case ARG_VERSION: puts(PACKAGE_STRING); return 0;
                default: return -EINVAL;
                }
        if (optind >= argc) {
                fprintf(stderr, "kdump-validate: no command given; try 'kdump-validate check' or --help\n");
                return -EINVAL;
        }
        a->command = argv[optind++];
        if (optind < argc) {
                fprintf(stderr, "kdump-validate: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        if (a->diff && !streq(a->command, "check")) {
                fprintf(stderr, "kdump-validate: --diff goes with 'check'\n");
                return -EINVAL;
        }
        if ((a->snapshot || a->dump_snapshot) && !streq(a->command, "check")) {
                fprintf(stderr, "kdump-validate: --%s goes with 'check' only: '%s' acts on the running system\n",
                        a->snapshot ? "snapshot" : "dump-snapshot", a->command);
                return -EINVAL;
        }
        if (a->snapshot && (a->collect.root || a->collect.pci_dump)) {
                fprintf(stderr, "kdump-validate: --snapshot cannot be combined with --%s: the snapshot already "
                        "holds the facts of its machine\n", a->collect.root ? "root" : "pci-dump");
                return -EINVAL;
        }
        if (a->snapshot && a->diff) {
                fprintf(stderr, "kdump-validate: --diff needs the machine's configuration files; a snapshot has "
                        "only the facts (run 'check --diff' on the machine)\n");
                return -EINVAL;
        }
        if (a->dump_snapshot && streq(a->dump_snapshot, "-") && !a->output) {
                fprintf(stderr, "kdump-validate: --dump-snapshot=- writes the snapshot to stdout: send the report "
                        "elsewhere with --output=FILE\n");
                return -EINVAL;
        }
        if (a->dump_snapshot && a->snapshot && streq(a->dump_snapshot, a->snapshot)) {
                fprintf(stderr, "kdump-validate: --dump-snapshot and --snapshot name the same file\n");
                return -EINVAL;
        }
        return 1;
}

static const struct {
        const char *name;
        int (*run)(const struct cli_args *a);
} commands[] = {
        { "check",  cmd_check },
        { "apply",  cmd_apply },
        { "hook",   cmd_hook },
        { "daemon", cmd_daemon },
};

int main(int argc, char **argv) {
        struct cli_args a = {};
        int k;

        k = parse_args(argc, argv, &a);
        if (k <= 0)
                return k < 0 ? EXIT_USAGE : EXIT_OK;
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (streq(a.command, commands[i].name))
                        return commands[i].run(&a);
        fprintf(stderr, "kdump-validate: unknown command '%s'; try --help\n", a.command);
        return EXIT_USAGE;
}
