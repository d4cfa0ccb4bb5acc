#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end: check --dump-snapshot saves what check read, check --snapshot reads it back and gives
# the same report and exit status (a bug report turned into a test); misuse is a usage error (64),
# a bad snapshot file "could not validate" (3) with FILE:LINE on stderr and nothing written.
. "$(dirname "$0")/lib.sh"
R="$FIX/roots"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
check() { "$KDV_BIN" check --no-color "$@"; }

# ---- the round trip on every fixture root: identical JSON and text, identical exit status ----
for root in "$R"/* "$FIX"/oracle/*/root; do
        [ -d "$root" ] || continue
        name=$(basename "${root%/root}")
        check --json --root "$root" --dump-snapshot "$T/$name.snap" > "$T/a.json" 2>/dev/null; a=$?
        check --json --snapshot "$T/$name.snap" > "$T/b.json" 2>"$T/err"; b=$?
        cmp -s "$T/a.json" "$T/b.json" && [ "$a" = "$b" ]
        ok $? "$name: --snapshot gives the same JSON report and exit status ($a) as the collection"
        check --root "$root" > "$T/a.txt" 2>/dev/null
        check --snapshot "$T/$name.snap" > "$T/b.txt" 2>/dev/null
        cmp -s "$T/a.txt" "$T/b.txt"; ok $? "$name: same text report"
done
head -1 "$T/debian-kdump-tools.snap" | grep -qx 'kdump-validator-snapshot 1'; ok $? "the file starts with the format line"
[ "$(stat -c %a "$T/debian-kdump-tools.snap")" = 600 ]; ok $? "the snapshot is written with mode 0600"

# the exit status of a saved failing machine: the incident's dump disk at risk
expect_exit 2 "incident snapshot: exit 2 as on the machine" -- check --json --snapshot "$T/b-blk-enospc.snap"
json_has '[f for f in j["findings"] if f["id"] == "vectors.dump-target-at-risk"]' "incident snapshot: dump-target-at-risk found"

# --arch on load overrides the saved architecture as it does on collection
check --json --root "$R/r7615-healthy" --arch x86_64 > "$T/a.json" 2>/dev/null
check --json --snapshot "$T/r7615-healthy.snap" --arch x86_64 > "$T/b.json" 2>/dev/null
cmp -s "$T/a.json" "$T/b.json"; ok $? "--snapshot with --arch: same report as --root with --arch"

# a PCI dump (--pci-dump) collected into a snapshot
check --json --root "$R/debian-kdump-tools" --pci-dump "$FIX/pci/dumps/samsung-np350v5c-laptop.txt" \
        --dump-snapshot "$T/dump.snap" > "$T/a.json" 2>/dev/null; a=$?
check --json --snapshot "$T/dump.snap" > "$T/b.json" 2>/dev/null; b=$?
cmp -s "$T/a.json" "$T/b.json" && [ "$a" = "$b" ]; ok $? "--pci-dump: the snapshot gives the same report"
grep -q '^pci ok dump ' "$T/dump.snap"; ok $? "--pci-dump: the snapshot records the dump as the PCI source"

# re-dumping a loaded snapshot gives the same bytes
check --snapshot "$T/debian-kdump-tools.snap" --dump-snapshot "$T/again.snap" > /dev/null 2>&1
cmp -s "$T/debian-kdump-tools.snap" "$T/again.snap"; ok $? "load + dump gives the same bytes"
# --dump-snapshot=- with --output: the snapshot on stdout, the report in the file
check --json --root "$R/r7615-healthy" --dump-snapshot - --output "$T/report.json" > "$T/stdout.snap" 2>/dev/null
cmp -s "$T/stdout.snap" "$T/r7615-healthy.snap" && grep -q '"verdict"' "$T/report.json"
ok $? "--dump-snapshot=- --output FILE: snapshot on stdout, report in FILE"

# ---- usage errors ----
expect_exit 64 "--snapshot with --root" -- check --snapshot "$T/r7615-healthy.snap" --root "$R/r7615-healthy"
printf '%s' "$ERR" | grep -q -- '--snapshot cannot be combined with --root'; ok $? "--root conflict explained"
expect_exit 64 "--snapshot with --pci-dump" -- check --snapshot "$T/r7615-healthy.snap" --pci-dump "$FIX/pci/dumps/empty.txt"
expect_exit 64 "--snapshot with --diff" -- check --snapshot "$T/r7615-healthy.snap" --diff
expect_exit 64 "--dump-snapshot=- without --output" -- check --root "$R/r7615-healthy" --dump-snapshot -
for cmd in apply hook daemon; do
        expect_exit 64 "$cmd --snapshot is a usage error" -- "$KDV_BIN" "$cmd" --snapshot "$T/r7615-healthy.snap"
        printf '%s' "$ERR" | grep -q "goes with 'check' only"; ok $? "$cmd --snapshot: explained"
done
expect_exit 64 "apply --dump-snapshot is a usage error" -- "$KDV_BIN" apply --dump-snapshot "$T/x.snap"

# ---- bad snapshot files: exit 3, FILE:LINE: message, nothing written ----
sed 's/^pci.function 0000:00:02.0 /pci.function zz /' "$T/debian-kdump-tools.snap" > "$T/bad.snap"
line=$(grep -n '^pci.function zz ' "$T/bad.snap" | cut -d: -f1)
expect_exit 3 "malformed snapshot: could not validate" -- check --json --snapshot "$T/bad.snap" \
        --output "$T/out.json" --dump-snapshot "$T/out.snap"
printf '%s' "$ERR" | grep -q "^kdump-validate: $T/bad.snap:$line: pci.function: bad slot \"zz\""
ok $? "malformed snapshot: FILE:LINE: message on stderr"
[ -z "$OUT" ] && [ ! -e "$T/out.json" ] && [ ! -e "$T/out.snap" ]; ok $? "malformed snapshot: nothing written"
sed 's/^kdump-validator-snapshot 1$/kdump-validator-snapshot 9/' "$T/debian-kdump-tools.snap" > "$T/v9.snap"
expect_exit 3 "unknown format version" -- check --snapshot "$T/v9.snap"
printf '%s' "$ERR" | grep -q "v9.snap:1: unsupported snapshot format version"; ok $? "version error names line 1"
head -c 2000 "$T/debian-kdump-tools.snap" > "$T/cut.snap"
expect_exit 3 "truncated snapshot" -- check --snapshot "$T/cut.snap"
expect_exit 3 "missing snapshot file" -- check --snapshot "$T/nonexistent.snap"
printf '%s' "$ERR" | grep -q "nonexistent.snap: cannot open the snapshot file"; ok $? "missing file explained"
expect_exit 3 "a directory is not a snapshot" -- check --snapshot "$T"
done_testing
