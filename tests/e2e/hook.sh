#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-validate hook (ExecStartPre= of kdump.service / kdump-tools.service): exit codes for
# each policy mode on the incident root, and failing open on its own errors.
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/kdv-e2e-hook.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
DT="--driver-table=${KDV_CONF_DIR:-$KDV_TESTS_DIR/../conf}/drivers.conf"
pol() { printf '[policy]\nmode = %s\n' "$1" > "$T/$1.conf"; echo "--config=$T/$1.conf"; }
sums() { (cd "$1" && find . -type f -exec sha256sum {} + | sort -k2); }

R=$T/incident; cp -a "$FIX/oracle/b-blk-enospc/root" "$R"
sums "$R" > "$T/before"

expect_exit 0 "mode=warn, kdump expected to fail: exit 0 (kdump starts)" -- "$KDV_BIN" --root "$R" $DT $(pol warn) hook
printf '%s\n' "$ERR" | grep -q "vectors.dump-target-at-risk"; ok $? "warn: the finding is logged"
expect_exit 2 "mode=refuse, kdump expected to fail: exit 2 (ExecStartPre fails, kdump does not start)" -- "$KDV_BIN" --root "$R" $DT $(pol refuse) hook
printf '%s\n' "$ERR" | grep -q "mode=refuse"; ok $? "refuse: says why it stops kdump"
# no libsystemd (a minimal system; libsystemd is dlopen()ed, kdv/sd-dl.h): the hook still
# validates and decides, and says why the journal got nothing
expect_exit 2 "mode=refuse without libsystemd: still exit 2 (the verdict does not need it)" -- \
        env KDV_TEST_LIBSYSTEMD_SONAME=libkdv-test-missing.so.0 "$KDV_BIN" --root "$R" $DT $(pol refuse) hook
printf '%s\n' "$ERR" | grep -q "could not log to the journal (cannot load libkdv-test-missing.so.0: "
ok $? "without libsystemd: says the journal got nothing, naming the library"

sums "$R" > "$T/after"; cmp -s "$T/before" "$T/after"; ok $? "warn and refuse wrote nothing"

expect_exit 0 "mode=rewrite: exit 0" -- "$KDV_BIN" --root "$R" $DT $(pol rewrite) hook
grep -q 'rd.driver.blacklist=virtio_net' "$R/etc/sysconfig/kdump"; ok $? "rewrite: the configuration was fixed"
[ -f "$R/etc/sysconfig/kdump.kdump-validator~" ]; ok $? "rewrite: backup kept"
printf '%s\n' "$ERR" | grep -q "no restart needed"; ok $? "rewrite: notes kdump reads it as it starts (no restart)"
expect_exit 0 "mode=refuse after the rewrite: clean, exit 0" -- "$KDV_BIN" --root "$R" $DT $(pol refuse) hook

# fixed machine: refuse lets kdump start
expect_exit 0 "mode=refuse on a healthy Debian root: exit 0" -- "$KDV_BIN" --root "$FIX/roots/debian-kdump-tools" $DT $(pol refuse) hook

# rewrite impossible (policy allows nothing): logged loudly, exit 0, nothing written
cp "$R/etc/sysconfig/kdump.kdump-validator~" "$R/etc/sysconfig/kdump"
printf '[policy]\nmode = rewrite\nnever_blacklist = *\nmax_capture_cpus = 1\n' > "$T/stuck.conf"
sums "$R" > "$T/before"
expect_exit 0 "mode=rewrite but no safe change: exit 0 (never blocks)" -- "$KDV_BIN" --root "$R" $DT --config="$T/stuck.conf" hook
printf '%s\n' "$ERR" | grep -q "no change made"; ok $? "rewrite impossible: said loudly"
sums "$R" > "$T/after"; cmp -s "$T/before" "$T/after"; ok $? "nothing written"

# fails open on its own errors
expect_exit 0 "root that does not exist: fails open (exit 0)" -- "$KDV_BIN" --root "$T/no-such-root" $DT $(pol refuse) hook
printf '%s\n' "$ERR" | grep -q "failing open"; ok $? "says it fails open"
mkdir -p "$T/broken"; printf 'not a file\0' > "$T/broken-file"
expect_exit 0 "root that is a file: fails open (exit 0)" -- "$KDV_BIN" --root "$T/broken-file" $DT $(pol refuse) hook
printf '[policy]\nmode = refuse\nmax_capture_cpus = lots\n' > "$T/broken.conf"
expect_exit 0 "broken policy file, kdump expected to fail: fails open (exit 0)" -- "$KDV_BIN" --root "$R" $DT --config="$T/broken.conf" hook
printf '%s\n' "$ERR" | grep -q "failing open"; ok $? "broken policy: says it fails open"
printf '%s\n' "$ERR" | grep -q "broken.conf:3"; ok $? "broken policy: names file:line"
expect_exit 0 "unreadable policy path (a directory): fails open" -- "$KDV_BIN" --root "$R" $DT --config="$T" hook

done_testing
