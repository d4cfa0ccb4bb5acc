#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end: the real binary on fixture roots built from real captures (tests/fixtures/roots,
# see PROVENANCE.md there); asserts exit codes, finding ids and the numbers in the JSON report.
. "$(dirname "$0")/lib.sh"
R="$FIX/roots"
check() { "$KDV_BIN" check --no-color "$@"; }

# ---- command line ----
expect_exit 0 "--help exits 0" -- "$KDV_BIN" --help
expect_exit 64 "unknown command is a usage error" -- "$KDV_BIN" frobnicate
expect_exit 64 "unknown option is a usage error" -- "$KDV_BIN" check --frobnicate
expect_exit 3 "missing root cannot be validated" -- check --root /nonexistent/kdv

# ---- `check` never loads libsystemd (dlopen()ed by the commands that use it, kdv/sd-dl.h) ----
# ld.so's own trace of every object it loads; libpci (linked) and libkmod (dlopen()ed) must show
# (the incident root with Debian 6.1's module index, so that libkmod is used)
LDT=$(mktemp -d /tmp/kdv-e2e-ldtrace.XXXXXX) || exit 1
cp -a "$FIX/oracle/b-blk-enospc/root" "$LDT/root" && mkdir -p "$LDT/root/lib/modules" &&
        cp -a "$FIX/pci/a-baseline/lib/modules/6.1.0-56-amd64" "$LDT/root/lib/modules/"
LD_DEBUG=files "$KDV_BIN" check --root "$LDT/root" --json >/dev/null 2>"$LDT/trace"
grep -q 'file=libpci.so.3' "$LDT/trace" && grep -q 'file=libkmod.so.2' "$LDT/trace" && ! grep -q 'libsystemd' "$LDT/trace"
ok $? "check loads libpci and libkmod, never libsystemd (LD_DEBUG=files)"
# without libkmod the module set is unknown, and the report says why (facts and a finding)
expect_exit 2 "no libkmod: still a verdict" -- env KDV_TEST_LIBKMOD_SONAME=libkdv-test-missing.so.2 \
        "$KDV_BIN" check --root "$LDT/root" --json
json_has 'j["facts"]["modules"]["state"] == "invalid" and j["facts"]["modules"]["error"].startswith("lib/modules/6.1.0-56-amd64: cannot load libkdv-test-missing.so.2: ")' \
        "no libkmod: facts.modules is invalid, its error names the library"
json_has '[f for f in j["findings"] if "cannot load libkdv-test-missing.so.2" in json.dumps(f)]' \
        "no libkmod: a finding carries the reason"
rm -rf "$LDT"

# ---- healthy x86_64 server: Dell PowerEdge R7615, crashkernel=64G-:256M reserved and loaded ----
expect_exit 0 "R7615: healthy (crashkernel part)" -- check --root "$R/r7615-healthy" --arch x86_64 --json
json_has 'j["verdict"] == "ok"' "R7615: verdict ok"
json_has 'j["arch"] == "x86_64" and j["kernel"] == "6.12.49.mx64.487"' "R7615: --arch and release from the root"
json_has 'j["crashkernel"]["requested"] == 256*2**20 and j["crashkernel"]["reserved"] == 256*2**20' "R7615: 256 MiB requested and reserved"
json_has 'j["crashkernel"]["reserved_low"] == 256*2**20 and j["crashkernel"]["loaded"] is True' "R7615: reservation below 4 GiB, loaded"
json_has 'j["memory"]["estimate"] < j["memory"]["reserved"]' "R7615: memory estimate fits the reservation"
json_has '"irqpoll" in j["capture"]["cmdline"] and j["capture"]["cpus"] == 1' "R7615: capture cmdline from KDUMP_COMMANDLINE_APPEND, nr_cpus=1"
json_has 'not [f for f in j["findings"] if f["severity"] in ("error","warning")]' "R7615: no errors or warnings"

# ---- reservation failed: Dell PowerEdge R6515, "cannot allocate crashkernel low memory" ----
expect_exit 2 "R6515: reservation failed is an error" -- check --root "$R/r6515-not-reserved" --arch x86_64 --json
json_has '[f for f in j["findings"] if f["id"] == "crashkernel.not-reserved" and f["severity"] == "error"]' "R6515: crashkernel.not-reserved"
json_has 'j["crashkernel"]["requested"] == 512*2**20 and j["crashkernel"]["reserved"] == 0' "R6515: range evaluates to 512 MiB on 250 GiB, nothing reserved"
json_has 'j["verdict"] == "error"' "R6515: verdict error"
expect_exit 2 "R6515: text report" -- check --root "$R/r6515-not-reserved" --arch x86_64
printf '%s' "$OUT" | grep -q 'low memory' ; ok $? "R6515: explains the failed low allocation"

# ---- a range that evaluates to zero on a small machine (IBM xSeries 345, 2.5 GiB) ----
expect_exit 2 "xSeries 345: crashkernel=64G-:256M on 2.5 GiB is an error" -- check --root "$R/xseries345-range-zero" --arch x86_64 --json
json_has '[f for f in j["findings"] if f["id"] == "crashkernel.invalid" and f["severity"] == "error" and "zero" in f["message"]]' "xSeries 345: crashkernel.invalid, resulted in zero bytes"
json_has 'j["crashkernel"]["requested"] == 0 or j["crashkernel"]["requested"] is None' "xSeries 345: nothing requested after evaluation"

# ---- ,high with no low region and a bound 32-bit DMA device ----
expect_exit 2 "high without low + 32-bit DMA: error" -- check --root "$R/r7615-high-no-low-dma32" --arch x86_64 --json
json_has '[f for f in j["findings"] if f["id"] == "crashkernel.no-low-memory" and f["severity"] == "error"]' "no-low-memory is an error with a 32-bit DMA device"
json_has '[f for f in j["findings"] if f["id"] == "crashkernel.no-low-memory" and "0000:00:1f.2" in (f["subject"] + f["message"] + str(f.get("fields")))]' "no-low-memory names the 32-bit device"
json_has 'j["crashkernel"]["reserved_low"] == 0 and j["crashkernel"]["reserved"] == 512*2**20' "512 MiB reserved, none below 4 GiB"

# ---- same machine without the 32-bit device: only a warning (swiotlb still needs low memory) ----
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cp -a "$R/r7615-high-no-low-dma32" "$T/nodma"; rm -rf "$T/nodma/sys/bus" "$T/nodma/sys/devices/pci0000:00"
expect_exit 1 "high without low, no 32-bit device: warning" -- check --root "$T/nodma" --arch x86_64 --json
json_has '[f for f in j["findings"] if f["id"] == "crashkernel.no-low-memory" and f["severity"] == "warning"]' "no-low-memory is a warning without 32-bit devices"

# ---- a Debian kdump-tools machine (Debian 12 VM, Debian's 6.1 kernel, measured by the oracle) ----
expect_exit 0 "Debian kdump-tools: ok" -- check --root "$R/debian-kdump-tools" --json
json_has 'j["capture"]["flavor"] == "debian"' "Debian: flavor from /etc/default/kdump-tools"
json_has '"systemd.unit=kdump-tools-dump.service" in j["capture"]["cmdline"] and "crashkernel=" not in j["capture"]["cmdline"]' "Debian: capture cmdline = /proc/cmdline minus crashkernel + KDUMP_CMDLINE_APPEND"
json_has 'j["capture"]["cpus"] == 1' "Debian: nr_cpus=1"
json_has 'j["arch"] == "x86_64" and j["kernel"] == "6.1.0-56-amd64"' "Debian: arch from the -amd64 release"
json_has 'j["crashkernel"]["reserved"] == 256*2**20' "Debian: 256 MiB reserved"

# ---- the seed incident's device set (oracle b-blk-enospc, measured on Debian 6.1) ----
expect_exit 2 "incident: the dump disk is at risk at nr_cpus=1" -- check --root "$FIX/oracle/b-blk-enospc/root" --json
json_has '[f for f in j["findings"] if f["id"] == "vectors.dump-target-at-risk" and f["subject"].startswith("0000:00:07.0")]' "incident: virtio_blk on 0000:00:07.0 named"
json_has 'j["vectors"]["min_cpus"] == 2 and j["vectors"]["capture_cpus"] == 1' "incident: min_cpus 2"
json_has '[f for f in j["findings"] if f["id"] == "vectors.dump-target-at-risk" and f["fields"] == {"DEVICE": "0000:00:07.0", "DRIVER": "virtio_blk", "VECTORS_NEEDED": "2", "VECTORS_AVAILABLE": "0", "CAPTURE_CPUS": "1", "MIN_CPUS": "2"}]' \
        "incident: the finding's journal fields (device, driver, vectors needed and left, CPUs now and needed)"
json_has '[f for f in j["findings"] if f["id"] == "vectors.dump-target-at-risk" and "nr_cpus=2" in f["remedy"] and "fits" in f["remedy"]]' "incident: the remedy prices 2 CPUs against the 256 MiB reservation"

# ---- init arguments after "--" on /proc/cmdline swallow what kdump appends ----
cp -a "$R/debian-kdump-tools" "$T/dashdash"
printf '%s -- --init-flag\n' "$(cat "$R/debian-kdump-tools/proc/cmdline")" > "$T/dashdash/proc/cmdline"
expect_exit 1 "params after --: warning" -- check --root "$T/dashdash" --json
json_has '[f for f in j["findings"] if f["id"] == "capture.params-ignored" and "nr_cpus=1" in f["fields"]["IGNORED_PARAMS"]]' "params after --: nr_cpus=1 named as ignored"
json_has 'j["capture"]["cpus"] == 8' "params after --: the capture kernel brings up all 8 CPUs"

# ---- symlinks in a captured tree resolve inside it, with openat2 and with the pre-5.6 fallback ----
cp -a "$R/r7615-healthy" "$T/links"
mkdir -p "$T/links/etc/x"
printf 'root=/dev/sda1 crashkernel=128M\n' > "$T/links/etc/x/cmdline-in-root"
rm "$T/links/proc/cmdline"
ln -s ../../../../../../../etc/x/cmdline-in-root "$T/links/proc/cmdline"   # ".." past the root stops at it
ln -s /etc/x "$T/links/abs"                                              # absolute: the root's /etc/x
rm "$T/links/etc/kdump.conf"; ln -s /abs/../../../etc/kdump.conf.real "$T/links/etc/kdump.conf"
cp "$R/r7615-healthy/etc/kdump.conf" "$T/links/etc/kdump.conf.real"
for mode in openat2 fallback; do
        if [ $mode = fallback ]; then export KDV_NO_OPENAT2=1; fi
        expect_exit 1 "links ($mode): runs" -- check --root "$T/links" --arch x86_64 --json
        json_has 'j["crashkernel"]["requested_text"] == "128M"' "links ($mode): proc/cmdline read through a link that climbs past the root"
        json_has 'j["facts"]["kdump.conf"]["state"] == "ok"' "links ($mode): etc/kdump.conf through an absolute link"
        unset KDV_NO_OPENAT2
done

# ---- garbage /proc/iomem: clear error naming the file, exit 3, nothing written ----
cp -a "$R/r7615-healthy" "$T/garbage"
printf 'this is not iomem\n\001\002 junk : 12\n' > "$T/garbage/proc/iomem"
before=$(cd "$T/garbage" && find . -type f -exec md5sum {} + | sort | md5sum)
expect_exit 3 "garbage /proc/iomem: could not validate" -- check --root "$T/garbage" --arch x86_64
printf '%s' "$OUT$ERR" | grep -q 'proc/iomem:1' ; ok $? "garbage iomem: message names proc/iomem:1"
after=$(cd "$T/garbage" && find . -type f -exec md5sum {} + | sort | md5sum)
[ "$before" = "$after" ]; ok $? "garbage iomem: the root is left untouched"
expect_exit 3 "garbage /proc/iomem: JSON verdict unknown" -- check --root "$T/garbage" --arch x86_64 --json
json_has 'j["verdict"] == "unknown" and [f for f in j["findings"] if f["id"] == "input.invalid"]' "garbage iomem: input.invalid, verdict unknown"

done_testing
