#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end: the vector planner on two real servers read from `lspci -xxxx` dumps (--pci-dump),
# drivers resolved by modalias against Debian 6.1's module index (libkmod), capture kernel
# 6.1 with 1 CPU (no kdump config in the root: the capture plan's default). Add to TESTS in
# Makefile.am. See tests/fixtures/vectors/PROVENANCE.md.
. "$(dirname "$0")/lib.sh"
D="$FIX/vectors/dumps"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mkdir -p "$T/proc/sys/kernel" "$T/lib/modules/6.1.0-56-amd64"
echo 6.1.0-56-amd64 > "$T/proc/sys/kernel/osrelease"
cp "$FIX/pci/a-baseline/lib/modules/6.1.0-56-amd64/"* "$T/lib/modules/6.1.0-56-amd64/"
dev() { echo "[d['vectors'] for d in j['vectors']['devices'] if d['slot'] == '$1' and d['driver'] == '$2']"; }

# ---- HUANANZHI X99-QD4, Xeon E5 v3: 87 functions, NVMe + Realtek + Radeon ----
# Capacity 201 (6.1). Platform 6 (no /proc/interrupts in the root: the measured Debian/q35 default).
# Devices at 1 CPU: 6 root ports with PME/AER (1 each; 03:00.0/04:00.0 are switch ports without
#   services: 0); xhci 1 (6.1 asks min(cpus + 1, MSI-X table); this xHCI has MSI only: 1);
#   nvme 2 (admin + 1 I/O queue: nvme_setup_irqs, 1 CPU); r8169 2 and snd_hda_intel/lpc_ich/i2c_i801
#   1 each from the conservative default (not in the table: min(cpus + 1, MSI-X/MSI count));
#   amdgpu 1; ehci 0 (INTx). Total 22: fits, min_cpus 1, upper bound (drivers from modaliases).
# exit 3: the bare root has no /proc/cmdline, iomem, kdump config (crashkernel cannot be validated)
expect_exit 3 "X99-QD4 dump: check runs (other facts missing: exit 3)" -- \
        "$KDV_BIN" check --root "$T" --arch x86_64 --pci-dump "$D/huananzhi-x99-qd4-xeon-e5v3.txt" --json
json_has 'j["vectors"]["upper_bound"] is True' "X99-QD4: upper bound (no bound drivers in a dump)"
json_has 'j["vectors"]["capacity"] == 201 and j["vectors"]["capture_cpus"] == 1' "X99-QD4: 201 vectors, 1 capture CPU"
json_has "$(dev 0000:02:00.0 nvme) == [2]" "X99-QD4: NVMe resolved by modalias, 2 vectors at 1 CPU"
json_has "$(dev 0000:08:00.0 r8169) == [2]" "X99-QD4: Realtek r8169 from the default (cpus + 1 = 2)"
json_has 'j["vectors"]["demand"] == 22 and j["vectors"]["min_cpus"] == 1' "X99-QD4: demand 22 of 201, min_cpus 1"

# ---- ASUS P6T6 WS Revolution, X58: 53 functions, SAS HBA (mpt3sas), 2 x r8169 ----
# 6 root ports 6; platform 6; uhci x6 1 each and i7core_edac/i5500_temp/lpc_ich/i2c_i801 from the
# default (unknown drivers: conservative, INTx users really); ahci 1; mpt3sas 1 (no reset_devices
# without a kdump config: min(cpus, T) = 1); nouveau 1; snd_hda x2; r8169 2 x 2. Total 31.
expect_exit 3 "P6T6 dump: check runs" -- \
        "$KDV_BIN" check --root "$T" --arch x86_64 --pci-dump "$D/asus-p6t6-ws-revolution-x58.txt" --json
json_has "$(dev 0000:04:00.0 mpt3sas) == [1]" "P6T6: SAS HBA bound by mpt3sas, 1 vector"
json_has 'j["vectors"]["demand"] == 31 and not [d for d in j["vectors"]["devices"] if d["fails"]]' "P6T6: demand 31, nothing fails"
# ---- the policy's vector_margin decides vectors.tight (kdump-validator.conf(5)) ----
# Oracle a-baseline: 12 of 201 vectors used at 1 CPU, 189 free: fine with the default margin 16.
R="$FIX/oracle/a-baseline/root"
expect_exit 0 "a-baseline: default margin, no warning" -- "$KDV_BIN" check --root "$R" --json
json_has 'not [f for f in j["findings"] if f["id"] == "vectors.tight"]' "a-baseline: no vectors.tight with margin 16"
printf '[policy]\nvector_margin = 190\n' > "$T/margin.conf"
expect_exit 1 "a-baseline: vector_margin = 190 (more than the 189 free) is a warning" -- \
        "$KDV_BIN" check --root "$R" --config "$T/margin.conf" --json
json_has '[f for f in j["findings"] if f["id"] == "vectors.tight" and "margin of 190" in f["message"]]' \
        "a-baseline: vectors.tight names the policy's margin 190"
POL=$("$KDV_BIN" --help | sed -n 's/.*Policy file (default \(.*\) under the root).*/\1/p')
mkdir -p "$T/pol"; cp -R "$R/." "$T/pol/"; chmod -R u+w "$T/pol"; mkdir -p "$T/pol/$(dirname "$POL")"
printf '[policy]\nvector_margin = 190\n' > "$T/pol/$POL"
expect_exit 1 "the root's own /etc/kdump-validator.conf is read too" -- "$KDV_BIN" check --root "$T/pol" --json
done_testing
