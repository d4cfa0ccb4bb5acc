#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end kdump test on a real kernel under QEMU (issue 7). See tests/vm/README-vm.md.
#   tests/vm/run.sh [KDV_BIN [CONF_DIR]]      (or $KDV_BIN / $KDV_CONF_DIR; root; installs packages)
# Prints TAP and ends with "vm: N passed, N failed". Exit 0 only when nothing failed.
# Environment: KDV_VM_MIXES  device sets (tests/vm/devices/*.conf) for the accuracy check
#                            (default "c-nic-fallback p-per-driver"; "none" to skip)
#              KDV_VM_LOGDIR keep the serial logs there (default: a temp dir, removed)
#              KDV_VM_JOBS   boots run at once in the accuracy check (default 2)
# shellcheck disable=SC2034 # the checks' conditions are strings run by eval
set -u
here=$(cd "$(dirname "$0")" && pwd)
kdv=${1:-${KDV_BIN:-}}
conf=${2:-${KDV_CONF_DIR:-$here/../../conf}}
mixes=${KDV_VM_MIXES:-c-nic-fallback p-per-driver}
[ "$mixes" = none ] && mixes=""
jobs=${KDV_VM_JOBS:-2}
SEED=b-blk-enospc
PKGS="qemu-system-x86 linux-image-amd64 busybox-static kmod kexec-tools makedumpfile cpio pciutils python3"
T0=$(date +%s)

n=0 npass=0 nfail=0
ok() { n=$((n + 1)); npass=$((npass + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); nfail=$((nfail + 1)); echo "not ok $n - $*"; }
check() { # check DESCRIPTION 'CONDITION': one TAP line; the condition is shell, evaluated here
        if eval "$2"; then ok "$1"; else not_ok "$1"; fi
}
diag() { echo "# $*"; }
finish() {
        echo "1..$n"
        diag "total $(( $(date +%s) - T0 ))s"
        echo "vm: $npass passed, $nfail failed"
        [ -n "${KDV_VM_LOGDIR:-}" ] || rm -rf "$W"
        [ "$nfail" = 0 ]
        exit
}
bail() { not_ok "$*"; W=${W:-/nonexistent}; finish; }

# ---- 1. packages, kernel, binary ----
if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP needs root (apt-get, tap devices in a network namespace)"
        echo "vm: 0 passed, 0 failed"
        exit 0
fi
[ -n "$kdv" ] && [ -x "$kdv" ] || bail "kdump-validate binary: pass its path or set KDV_BIN (got '${kdv}')"
[ -f "$conf/drivers.conf" ] || bail "driver table: $conf/drivers.conf not found"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
        diag "apt-get install$missing"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                --no-install-recommends $missing; } >/tmp/kdv-vm-apt.log 2>&1 ||
                { tail -20 /tmp/kdv-vm-apt.log | sed 's/^/# /'; bail "apt-get install$missing"; }
fi
kver=""
for v in $(ls /boot/vmlinuz-*-amd64 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V); do
        [ -f "/lib/modules/$v/modules.dep" ] && kver=$v
done
[ -n "$kver" ] || bail "no Debian amd64 kernel with modules in /boot and /lib/modules"
ok "packages installed, kernel $kver (install $(( $(date +%s) - T0 ))s)"

if [ -n "${KDV_VM_LOGDIR:-}" ]; then W=$KDV_VM_LOGDIR; rm -rf "$W"; mkdir -p "$W"; else W=$(mktemp -d /tmp/kdv-vm.XXXXXX); fi
t=$(date +%s)
if bash "$here/mkinitramfs.sh" "$kver" "$kdv" "$conf" "$here/init" "$W" >"$W/mkinitramfs.log" 2>&1; then
        ok "initramfs built: $(du -k "$W/initrd" | cut -f1) KiB production, $(du -k "$W/core.cpio.gz" | cut -f1) KiB capture ($(( $(date +%s) - t ))s)"
else
        sed 's/^/# /' "$W/mkinitramfs.log" | tail -20; bail "initramfs build"
fi

# boot NAME DEVICESET CMDLINE TIMEOUT: one QEMU run (q35, 8 vCPUs, 2 GiB, SeaBIOS, TCG), serial
# console to $W/NAME.log; in a network namespace of its own, so its tap devices exist only there
# (nothing is ever sent: the guests never bring an interface up)
boot() {
        local name=$1 set=$2 cmdline=$3 tmo=$4 d="$W/$1" t rc try
        mkdir -p "$d"
        # shellcheck disable=SC2046 # the device list is words, one option or value each
        set -- $(grep -v '^[[:space:]]*#' "$here/devices/$set.conf" | sed "s|\\\$IMGDIR|$d|g")
        t=$(date +%s)
        # QEMU 7.2's multi-threaded TCG has been seen to segfault while the guest brings up its
        # CPUs, and to stall the guest kernel before it ever reaches our init: an emulator crash
        # (killed by a signal) or a timeout before the guest's first "KDV:" line is run again, at
        # most twice, and said so. A timeout once our init runs is a real result, never retried.
        for try in 1 2 3; do
                rm -f "$W/$name.log" "$d/dump.img" "$d/nv0.img"
                truncate -s 256M "$d/dump.img"
                truncate -s 64M "$d/nv0.img"
                timeout --kill-after=10 "$tmo" unshare -n qemu-system-x86_64 \
                        -machine q35 -accel tcg,thread=multi -cpu max -smp 8 -m 2G -nodefaults \
                        -display none -monitor none -serial "file:$W/$name.log" -no-reboot \
                        -kernel "/boot/vmlinuz-$kver" -initrd "$W/initrd" \
                        -append "console=ttyS0 loglevel=5 printk.devkmsg=on panic=1 $cmdline" \
                        "$@" >"$d/qemu.out" 2>&1
                rc=$?
                grep -aq "KDV: poweroff" "$W/$name.log" 2>/dev/null && break
                if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
                        grep -aq "KDV: " "$W/$name.log" 2>/dev/null && break
                        echo "try $try: guest stalled before init, timed out at $(( $(date +%s) - t ))s" >>"$W/$name.retries"
                        continue
                fi
                [ "$rc" -gt 128 ] || break
                echo "try $try: qemu died with signal $((rc - 128)) at $(( $(date +%s) - t ))s" >>"$W/$name.retries"
        done
        echo "$(( $(date +%s) - t ))" >"$W/$name.time"
        grep -aq "KDV: poweroff" "$W/$name.log" 2>/dev/null || echo "rc=$rc" >"$W/$name.incomplete"
        return 0
}
btime() { # the boot's wall time, and the emulator crashes it survived
        printf '%ss' "$(cat "$W/$1.time" 2>/dev/null || echo "?")"
        [ -e "$W/$1.retries" ] && sed 's/^/ (retried: /; s/$/)/' "$W/$1.retries" | tr -d '\n'
}
complete() { # complete NAME: the boot (and its capture kernel) ran to the end
        if [ -e "$W/$1.incomplete" ]; then
                diag "$1: no poweroff within the timeout ($(cat "$W/$1.incomplete")); last lines:"
                tail -c 3000 "$W/$1.log" 2>/dev/null | tr -d '\r' | tail -15 | sed 's/^/#   /'
                sed 's/^/#   qemu: /' "$W/$1/qemu.out" 2>/dev/null | tail -5
                return 1
        fi
}
J() { # J LOG TAG: the report's facts as shell variables (reset first: a missing report is no report)
        json_ok=0 vectors=0 rc="" verdict="" capture_cpus="" min_cpus="" fails="?" dump_driver="" dump_fails=""
        at_risk="" at_risk_severity="" at_risk_device="" at_risk_driver="" at_risk_min_cpus=""
        eval "$(python3 "$here/vmlog.py" json "$@")"
}
O() { # O LOG N: what the N-th kernel of that log really did
        outcome_ok=0 failed="?" errors="" dump_disk="" cpus_online="" nr_cpus=""
        eval "$(python3 "$here/vmlog.py" outcome "$@")"
}

# ---- all boots, $jobs at a time (2: this is a 2-core machine; most of a boot runs on one vCPU) ----
#   seed-before  production (8 vCPUs, crashkernel=256M): kdump-validate check, kexec -p with the
#                default `irqpoll nr_cpus=1 reset_devices`, sysrq-c -> the real capture kernel
#   seed-after   the same, with the remedy kdump-validate gives applied to the capture command line
#   MIX-cpusN    plain boots `nr_cpus=N irqpoll reset_devices` (the oracle's cpusN runs)
#   MIX-predict  production boot: kdump-validate check with nr_cpus=1/2/4 in the sysconfig
queue="seed-before seed-after $SEED:2 $SEED:4"
for m in $mixes; do
        [ -f "$here/devices/$m.conf" ] || { not_ok "accuracy: no device set tests/vm/devices/$m.conf"; continue; }
        queue="$queue $m:predict $m:1 $m:2 $m:4"
done
run_one() {
        case $1 in
        seed-before) boot seed-before $SEED "crashkernel=256M kdv.mode=prod kdv.predict=1" 360 ;;
        seed-after) boot seed-after $SEED "crashkernel=256M kdv.mode=prod kdv.fix=1" 360 ;;
        *:predict) boot "${1%%:*}-predict" "${1%%:*}" "kdv.mode=predict" 300 ;;
        *) boot "${1%%:*}-cpus${1##*:}" "${1%%:*}" "nr_cpus=${1##*:} irqpoll reset_devices kdv.mode=plain" 300 ;;
        esac
}
t=$(date +%s)
running=0
for q in $queue; do
        run_one "$q" &
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait
diag "boots: $(( $(date +%s) - t ))s wall, $jobs at a time"
diag "boot seed-before (production 8 vCPUs + kexec -p capture kernel nr_cpus=1): $(btime seed-before)"
diag "boot seed-after (production 8 vCPUs + fixed capture kernel + makedumpfile): $(btime seed-after)"
for q in $queue; do
        case $q in
        seed-*) ;;
        *:predict) diag "boot ${q%%:*}-predict (production 8 vCPUs, kdump-validate check x3): $(btime "${q%%:*}-predict")" ;;
        *) diag "boot ${q%%:*}-cpus${q##*:} (nr_cpus=${q##*:} irqpoll reset_devices): $(btime "${q%%:*}-cpus${q##*:}")" ;;
        esac
done

# ---- 2. the seed incident: prediction, then the real capture kernel at nr_cpus=1 ----
complete seed-before
J "$W/seed-before.log" before
check "seed: production kernel ran 'kdump-validate check --json' (exit $rc, verdict $verdict)" \
        '[ "$json_ok" = 1 ] && [ "$vectors" = 1 ]'
check "seed: predicted vectors.dump-target-at-risk ($at_risk_severity) for ${at_risk_device:-?} (${at_risk_driver:-?}) at capture_cpus=$capture_cpus, min_cpus=$min_cpus" \
        '[ "$at_risk" = 1 ] && [ "$at_risk_severity" = error ] && [ "$at_risk_driver" = virtio_blk ] &&
         [ "$capture_cpus" = 1 ] && [ "$min_cpus" = 2 ] && [ "$at_risk_min_cpus" = 2 ] && [ "$rc" = 2 ]'
seed_slot=$at_risk_device
O "$W/seed-before.log" 1
check "seed: capture kernel started by kexec -p + sysrq-c, nr_cpus=$nr_cpus, CPUs online $cpus_online" \
        '[ "$outcome_ok" = 1 ] && [ "$nr_cpus" = 1 ] && [ "$cpus_online" = 0 ] &&
         grep -aq "capture kernel: /proc/vmcore present" "$W/seed-before.log"'
check "seed: capture kernel: virtio_blk probe of the dump disk failed with -28 ($errors)" \
        '[ "$outcome_ok" = 1 ] && [ -n "$seed_slot" ] && [ "$errors" != "${errors#*virtio_blk@$seed_slot:-28}" ]'
check "seed: capture kernel has no dump disk (dump_disk=$dump_disk), no vmcore written" \
        '[ "$dump_disk" = MISSING ] && grep -aq "VMCORE_SAVED no" "$W/seed-before.log" &&
         [ -z "$(head -c 1M "$W/seed-before/dump.img" | tr -d "\\0")" ]'

# ---- 3. the fix: the remedy kdump-validate gives, applied to the capture command line ----
complete seed-after
fix=$(tr -d '\r' <"$W/seed-after.log" | sed -n 's/^KDV: fix=//p' | head -1)
append=$(tr -d '\r' <"$W/seed-after.log" | sed -n 's/^KDV: capture append: //p' | head -1)
J "$W/seed-after.log" after
check "fix: remedy applied ($fix: \"$append\"); re-check predicts the dump target is fine (verdict $verdict, capture_cpus=$capture_cpus)" \
        '[ -n "$fix" ] && [ "$append" != "irqpoll nr_cpus=1 reset_devices" ] && [ "$json_ok" = 1 ] &&
         [ "$at_risk" = 0 ] && [ "$dump_fails" = 0 ] && [ "$dump_driver" = virtio_blk ]'
O "$W/seed-after.log" 1
check "fix: capture kernel (nr_cpus=${nr_cpus:-?}, CPUs $cpus_online) brought up the dump disk ($dump_disk), failed probes: $errors" \
        '[ "$outcome_ok" = 1 ] && [ "$dump_disk" = vda ] && [ "$failed" = - ]'
fix_nr=$nr_cpus
mk=$(tr -d '\r' <"$W/seed-after.log" | grep -a "makedumpfile rc=" | sed 's/^KDV: //')
check "fix: makedumpfile wrote the vmcore to the raw dump disk ($mk)" \
        'grep -aq "VMCORE_SAVED yes" "$W/seed-after.log"'
flattened=0 head="" signature="" rebuilt_size=0 rebuild_error=""
eval "$(python3 "$here/vmlog.py" vmcore "$W/seed-after/dump.img")"
check "fix: dump disk holds makedumpfile's flattened format ('$head'); makedumpfile -R rebuilds a kdump-compressed vmcore (signature '${signature:-}', ${rebuilt_size:-0} bytes)" \
        '[ "$flattened" = 1 ] && [ "$signature" = "KDUMP   " ]'
[ -n "${rebuild_error:-}" ] && diag "makedumpfile -R: $rebuild_error"

# ---- 4. prediction vs the real kernel for device mixes at nr_cpus=1/2/4 ----
# exact = the predicted set of devices whose probe fails is the set that really failed (dmesg
# "probe of X failed with error"), the dump disk's presence agrees, and every PCI function's
# predicted vectors equal the MSI/MSI-X irqs it really had in /proc/interrupts.
cases=0 exact=0 vdev=0 vmatch=0
acc() { # acc MIX N PREDLOG TAG OUTLOG K HOW
        case_ok=0 case_why="" pred_fail="" real_fail="" dump_disk="" dump_pred_fails=0
        vec_devices=0 vec_match=0 vec_diffs="" pred_total="" real_total=""
        eval "$(python3 "$here/vmlog.py" case "$3" "$4" "$5" "$6")"
        cases=$((cases + 1))
        local d="$1 nr_cpus=$2 ($7): failed {$pred_fail} predicted, {$real_fail} real; dump disk $dump_disk; vectors $pred_total predicted, $real_total real, $vec_match/$vec_devices devices agree"
        [ "$case_ok" = 1 ] || { not_ok "accuracy: $1 nr_cpus=$2 ($7): $case_why"; return; }
        vdev=$((vdev + vec_devices)) vmatch=$((vmatch + vec_match))
        [ "$vec_diffs" = - ] || diag "$1 nr_cpus=$2: vectors predicted/real per device: $vec_diffs"
        local want=vda
        [ "$dump_pred_fails" = 1 ] && want=MISSING
        if [ "$pred_fail" = "$real_fail" ] && [ "$vec_diffs" = - ] && [ "$dump_disk" = "$want" ]; then
                exact=$((exact + 1)); ok "accuracy: $d"
        else
                not_ok "accuracy: $d"
        fi
}
acc $SEED 1 "$W/seed-before.log" before "$W/seed-before.log" 1 "kexec -p capture kernel"
[ "$fix_nr" = 2 ] && acc $SEED 2 "$W/seed-before.log" nr_cpus=2 "$W/seed-after.log" 1 "kexec -p capture kernel"
for k in 2 4; do
        complete "$SEED-cpus$k"
        acc $SEED $k "$W/seed-before.log" nr_cpus=$k "$W/$SEED-cpus$k.log" 1 "plain boot"
done
for m in $mixes; do
        [ -f "$here/devices/$m.conf" ] || continue
        complete "$m-predict"
        for k in 1 2 4; do
                complete "$m-cpus$k"
                acc "$m" $k "$W/$m-predict.log" nr_cpus=$k "$W/$m-cpus$k.log" 1 "plain boot"
        done
done
echo "vm-accuracy: $cases cases, $exact exact; vectors: $vdev device-cases, $vmatch agree"
finish
