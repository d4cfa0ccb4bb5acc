#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end: kdump-validate check on fixture roots.
. "$(dirname "$0")/lib.sh"
expect_exit 0 "--help exits 0" -- "$KDV_BIN" --help
expect_exit 64 "unknown command is a usage error" -- "$KDV_BIN" frobnicate
expect_exit 3 "missing root cannot be validated" -- "$KDV_BIN" check --root /nonexistent/kdv
done_testing
