#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# check --diff / apply on temp copies of fixture roots: the incident (oracle b-blk-enospc: the
# virtio_blk dump disk fails with -28 at nr_cpus=1), a Debian root that fits already, and the
# incident's machine with a SUSE configuration.
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/kdv-e2e-rewrite.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
DT="--driver-table=${KDV_CONF_DIR:-$KDV_TESTS_DIR/../conf}/drivers.conf"
NOPOL="--config=$T/none.conf"        # absent file: the default policy
sums() { (cd "$1" && find . -type f -exec sha256sum {} + | sort -k2); }

# ---- RHEL incident ----
R=$T/rhel; cp -a "$FIX/oracle/b-blk-enospc/root" "$R"
CONF=$R/etc/sysconfig/kdump
sums "$R" > "$T/before"
expect_exit 1 "check --diff: a change exists" -- "$KDV_BIN" --root "$R" $DT $NOPOL check --diff
printf '%s\n' "$OUT" | grep -q '^--- a/etc/sysconfig/kdump$' && printf '%s\n' "$OUT" | grep -q '^+++ b/etc/sysconfig/kdump$'
ok $? "diff header names the file relative to the root"
printf '%s\n' "$OUT" | grep -qx '+KDUMP_COMMANDLINE_APPEND="irqpoll nr_cpus=1 reset_devices rd.driver.blacklist=virtio_net"'
ok $? "diff adds rd.driver.blacklist=virtio_net"
[ "$(printf '%s\n' "$OUT" | grep -c '^[-+][^-+]')" = 2 ]
ok $? "diff changes exactly one line"
printf '%s\n' "$OUT" > "$T/diff"
sums "$R" > "$T/after-diff"
cmp -s "$T/before" "$T/after-diff"; ok $? "check --diff wrote nothing (checksums of every file)"
cp "$CONF" "$T/patched" && (cd "$T" && patch -s patched < diff) 2>/dev/null
ok $? "the diff applies with patch(1)"

expect_exit 0 "apply makes the change" -- "$KDV_BIN" --root "$R" $DT $NOPOL apply
printf '%s\n' "$OUT" | grep -q "kdumpctl restart"; ok $? "apply says kdump must reload (kdumpctl restart)"
cmp -s "$CONF" "$T/patched"; ok $? "apply wrote exactly what check --diff showed"
cmp -s "$CONF.kdump-validator~" "$FIX/oracle/b-blk-enospc/root/etc/sysconfig/kdump"
ok $? "backup holds the original byte for byte"
[ "$(stat -c %a.%u "$CONF")" = "$(stat -c %a.%u "$FIX/oracle/b-blk-enospc/root/etc/sysconfig/kdump")" ]
ok $? "mode and owner kept"
expect_exit 0 "second check is clean" -- "$KDV_BIN" --root "$R" $DT $NOPOL check
expect_exit 0 "second check --diff: nothing to do" -- "$KDV_BIN" --root "$R" $DT $NOPOL check --diff
expect_exit 0 "second apply: nothing to do" -- "$KDV_BIN" --root "$R" $DT $NOPOL apply
printf '%s\n' "$OUT" | grep -q "Nothing to do"; ok $? "says nothing to do"

# bash sources both files: only KDUMP_COMMANDLINE_APPEND differs
env_of() { env -i bash -c 'set -a; . "$1"; env' _ "$1" | grep -v -e '^_=' -e '^PWD=' -e '^SHLVL=' | sort; }
env_of "$CONF.kdump-validator~" > "$T/env-old"; env_of "$CONF" > "$T/env-new"
D=$(diff "$T/env-old" "$T/env-new" | grep '^[<>]')
[ "$(printf '%s\n' "$D" | wc -l)" = 2 ] && printf '%s\n' "$D" | grep -q '^< KDUMP_COMMANDLINE_APPEND=irqpoll nr_cpus=1 reset_devices$' &&
        printf '%s\n' "$D" | grep -q '^> KDUMP_COMMANDLINE_APPEND=irqpoll nr_cpus=1 reset_devices rd.driver.blacklist=virtio_net$'
ok $? "bash: only KDUMP_COMMANDLINE_APPEND changed when sourcing the files"

cp "$CONF.kdump-validator~" "$CONF"
expect_exit 2 "restored from the backup: the error is back" -- "$KDV_BIN" --root "$R" $DT $NOPOL check

# policy: nothing may be blacklisted, at most 1 capture CPU → no safe change, exit 2, nothing written
printf '[policy]\nnever_blacklist = *\nmax_capture_cpus = 1\n' > "$T/strict.conf"
sums "$R" > "$T/before"
expect_exit 2 "apply with a policy that allows nothing: exit 2" -- "$KDV_BIN" --root "$R" $DT --config="$T/strict.conf" apply
printf '%s\n' "$ERR" | grep -q "max_capture_cpus"; ok $? "the refusal names the policy limit"
sums "$R" > "$T/after"; cmp -s "$T/before" "$T/after"; ok $? "refused apply wrote nothing"
printf '[policy]\nnever_blacklist = *\n' > "$T/cpus.conf"
expect_exit 0 "apply with never_blacklist=*: CPUs instead" -- "$KDV_BIN" --root "$R" $DT --config="$T/cpus.conf" apply
grep -qx 'KDUMP_COMMANDLINE_APPEND="irqpoll nr_cpus=2 reset_devices"' "$CONF"; ok $? "nr_cpus=1 → nr_cpus=2 in place"
printf '[policy]\nmode = bogus\n' > "$T/bad.conf"
cp "$CONF.kdump-validator~" "$CONF"
expect_exit 3 "a broken policy file stops apply" -- "$KDV_BIN" --root "$R" $DT --config="$T/bad.conf" apply

# unsafe file: owned by someone else → refused
chown 65534 "$CONF" 2>/dev/null && {
        expect_exit 2 "config owned by uid 65534: refused" -- "$KDV_BIN" --root "$R" $DT $NOPOL apply
        chown 0 "$CONF"; }

# ---- Debian root that fits: nothing to do ----
D=$T/debian; cp -a "$FIX/roots/debian-kdump-tools" "$D"
sums "$D" > "$T/before"
expect_exit 0 "Debian root that fits: check --diff shows nothing" -- "$KDV_BIN" --root "$D" $DT $NOPOL check --diff
[ -z "$OUT" ]; ok $? "no diff printed"
expect_exit 0 "Debian root that fits: apply has nothing to do" -- "$KDV_BIN" --root "$D" $DT $NOPOL apply
sums "$D" > "$T/after"; cmp -s "$T/before" "$T/after"; ok $? "Debian root untouched"

# ---- the incident machine with Debian's kdump-tools: new KDUMP_CMDLINE_APPEND line, default kept ----
DI=$T/debian-incident; cp -a "$FIX/oracle/b-blk-enospc/root" "$DI"
rm -f "$DI/etc/sysconfig/kdump" "$DI/etc/kdump.conf"; mkdir -p "$DI/etc/default"
cp "$FIX/rewrite/debian-default-kdump-tools" "$DI/etc/default/kdump-tools"
expect_exit 0 "Debian incident: apply" -- "$KDV_BIN" --root "$DI" $DT $NOPOL apply
# the dump target (KDUMP_COREDIR on the root fs) cannot be traced to a device in this tree, so no
# module is provably off the dump path: the CPU remedy, in the default's own nr_cpus= word
tail -n1 "$DI/etc/default/kdump-tools" | grep -qx 'KDUMP_CMDLINE_APPEND="reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=2 irqpoll usbcore.nousb"'
ok $? "Debian: appended KDUMP_CMDLINE_APPEND keeps kdump-tools' default words, nr_cpus=1 → 2"
[ "$(head -c "$(stat -c %s "$FIX/rewrite/debian-default-kdump-tools")" "$DI/etc/default/kdump-tools" | sha256sum)" = "$(sha256sum < "$FIX/rewrite/debian-default-kdump-tools")" ]
ok $? "Debian: every original byte kept (new lines only at the end)"
printf '%s\n' "$OUT" | grep -q "systemctl restart kdump-tools"; ok $? "Debian: says systemctl restart kdump-tools"
expect_exit 0 "Debian incident: second check clean" -- "$KDV_BIN" --root "$DI" $DT $NOPOL check

# ---- the incident machine with SUSE's sysconfig, KDUMP_CPUS=1 ----
S=$T/suse; cp -a "$FIX/oracle/b-blk-enospc/root" "$S"; rm -f "$S/etc/kdump.conf"
cp "$FIX/rewrite/suse-sysconfig-kdump-cpus1" "$S/etc/sysconfig/kdump"
expect_exit 1 "SUSE: check --diff shows a change" -- "$KDV_BIN" --root "$S" $DT $NOPOL check --diff
printf '%s\n' "$OUT" | grep -q '^+KDUMP_' ; ok $? "SUSE: the diff changes a KDUMP_ variable: $(printf '%s\n' "$OUT" | grep '^+KDUMP_')"
expect_exit 0 "SUSE: apply" -- "$KDV_BIN" --root "$S" $DT $NOPOL apply
expect_exit 0 "SUSE: second check clean" -- "$KDV_BIN" --root "$S" $DT $NOPOL check
cmp -s "$S/etc/sysconfig/kdump.kdump-validator~" "$FIX/rewrite/suse-sysconfig-kdump-cpus1"; ok $? "SUSE: backup is the original"

done_testing
