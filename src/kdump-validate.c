/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdump-validate: will this machine's kdump work? collect → plan → findings → report. */
#include <getopt.h>

#include "kdv/collect.h"
#include "kdv/findings.h"
#include "kdv/plan.h"
#include "kdv/report.h"
#include "kdv/util.h"

#define EXIT_COULD_NOT_VALIDATE 3

static void help(FILE *f) {
        fprintf(f,
                "Usage: kdump-validate [OPTIONS] COMMAND\n"
                "\n"
                "Predict whether kdump's capture kernel will boot and write a vmcore on this\n"
                "machine: crashkernel= memory, capture-kernel memory, DMA32 low memory.\n"
                "\n"
                "Commands:\n"
                "  check                 Validate and report (never writes anything)\n"
                "\n"
                "Options:\n"
                "  -r, --root=DIR        Read a captured machine tree instead of / \n"
                "      --pci-dump=FILE   Read PCI devices from an `lspci -xxxx` dump\n"
                "      --arch=ARCH       Architecture of the root (x86_64, aarch64, ...)\n"
                "      --json            Print the report as JSON\n"
                "      --no-color        Do not colour the text report\n"
                "  -h, --help            Show this help\n"
                "      --version         Show the version\n"
                "\n"
                "Exit status: 0 no problems, 1 warnings, 2 errors (kdump expected to fail),\n"
                "3 could not validate (bad input, missing facts), 64 usage error.\n"
                "See kdump-validate(8).\n");
}

enum { ARG_PCI_DUMP = 0x100, ARG_ARCH, ARG_JSON, ARG_NO_COLOR, ARG_VERSION };

struct args {
        const char *command;
        struct collect_options collect;
        bool json;
        bool color;
};

static int parse_args(int argc, char **argv, struct args *a) {
        static const struct option options[] = {
                { "root",     required_argument, NULL, 'r' },
                { "pci-dump", required_argument, NULL, ARG_PCI_DUMP },
                { "arch",     required_argument, NULL, ARG_ARCH },
                { "json",     no_argument,       NULL, ARG_JSON },
                { "no-color", no_argument,       NULL, ARG_NO_COLOR },
                { "help",     no_argument,       NULL, 'h' },
                { "version",  no_argument,       NULL, ARG_VERSION },
                {}
        };
        int c;

        a->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        while ((c = getopt_long(argc, argv, "r:h", options, NULL)) >= 0)
                switch (c) {
                case 'r': a->collect.root = optarg; break;
                case ARG_PCI_DUMP: a->collect.pci_dump = optarg; break;
                case ARG_ARCH: a->collect.arch = optarg; break;
                case ARG_JSON: a->json = true; break;
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
        return 1;
}

static int run_check(const struct args *a) {
        _cleanup_snapshot_ struct snapshot *s = NULL;
        struct plan p = {};
        struct findings f = {};
        struct strbuf out = {};
        int k, status;

        k = snapshot_collect(&a->collect, &s);
        if (k < 0) {
                fprintf(stderr, "kdump-validate: cannot read root '%s': %s\n",
                        a->collect.root ? a->collect.root : "/", strerror(-k));
                return EXIT_COULD_NOT_VALIDATE;
        }
        k = plan_build(s, &p);
        if (k >= 0)
                k = findings_build(s, &p, &f);
        if (k >= 0)
                k = a->json ? report_json(s, &p, &f, &out) : report_text(s, &p, &f, a->color, &out);
        if (k < 0 || out.oom) {
                fprintf(stderr, "kdump-validate: internal error: %s\n", strerror(k < 0 ? -k : ENOMEM));
                status = EXIT_COULD_NOT_VALIDATE;
        } else {
                fwrite(out.buf, 1, out.len, stdout);
                status = verdict_exit_status(&f);
        }
        if (fflush(stdout) != 0 && status < EXIT_COULD_NOT_VALIDATE)
                status = EXIT_COULD_NOT_VALIDATE;
        strbuf_done(&out);
        findings_clear(&f);
        plan_clear(&p);
        return status;
}

int main(int argc, char **argv) {
        struct args a = {};
        int k;

        k = parse_args(argc, argv, &a);
        if (k < 0)
                return 64;
        if (k == 0)
                return 0;
        if (streq(a.command, "check"))
                return run_check(&a);
        fprintf(stderr, "kdump-validate: unknown command '%s'; try --help\n", a.command);
        return 64;
}
