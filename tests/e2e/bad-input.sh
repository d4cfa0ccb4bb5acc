#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad-input corpus (tests/fixtures/bad/, see PROVENANCE.md and cases.txt there): malformed and
# hostile inputs under --root (and --pci-dump). For every case `kdump-validate check` must
#   - exit with the documented status (kdump-validate(8) EXIT STATUS: 3 when a required input is
#     unusable or any input is malformed, 0-2 when the input is optional and tolerated),
#   - name the input (its path) in the report,
#   - not crash (exit < 128, no sanitizer report) and finish within $KDV_BAD_TIMEOUT seconds,
#   - give the same status with --json and a matching "verdict",
#   - modify nothing in the root (checksums before/after) and execute nothing from it.
# Big inputs (10 MB lines, 4096 CPUs, 10,000 PCI functions) and symlinks, FIFOs and unreadable
# files are made here at test time, not committed. Unreadable files need a non-root reader: as root
# the case runs under setpriv as nobody, or is skipped (TAP SKIP) when that is impossible.
. "$(dirname "$0")/lib.sh"
B="$FIX/bad"
# A bound against hangs, not a performance claim (make bench measures speed): generous enough for
# the 10,000-function tree on a loaded 2-core machine running the sanitizer build.
TIMEOUT=${KDV_BAD_TIMEOUT:-60}
T=$(mktemp -d); trap 'chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT
chmod 755 "$T"

skip() { _n=$((_n+1)); echo "ok $_n - $1 # SKIP $2"; }

# ---- generators: gen_<case> ROOTDIR WORKDIR ----
line_10mb() { head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' "$1"; }
gen_cmdline_10mb_line()    { { printf 'root=/dev/sda1 crashkernel=256M '; line_10mb a; echo; } > "$1/proc/cmdline"; }
gen_iomem_10mb_line()      { { cat "$1/proc/iomem"; printf '100000000-1ffffffff : '; line_10mb R; echo; } > "$1/proc/iomem.new"; mv "$1/proc/iomem.new" "$1/proc/iomem"; }
gen_sysconfig_10mb_line()  { { cat "$1/etc/sysconfig/kdump"; printf 'KDUMP_COMMANDLINE_APPEND="'; line_10mb x; echo '"'; } > "$1/x"; mv "$1/x" "$1/etc/sysconfig/kdump"; }
gen_interrupts_10mb_line() { { cat "$1/proc/interrupts"; printf '999: '; line_10mb 1; echo; } > "$1/x"; mv "$1/x" "$1/proc/interrupts"; }
gen_osrelease_10mb_line()  { line_10mb 6 > "$1/proc/sys/kernel/osrelease"; }
gen_cpus_4096() {
        local f
        for f in possible present online; do echo 0-4095 > "$1/sys/devices/system/cpu/$f"; done
        python3 - "$1/proc/interrupts" <<'EOF'
import sys
n = 4096
with open(sys.argv[1], "w") as f:
    f.write(" " * 11 + "".join("CPU%-8d" % i for i in range(n)).rstrip() + "\n")
    for irq, chip, name in ((0, "IO-APIC   2-edge", "timer"), (24, "PCI-MSI 49152-edge", "virtio0-config"),
                            (25, "PCI-MSI 49153-edge", "virtio0-req.0")):
        f.write("%4d: " % irq + "".join("%10d " % (i % 7) for i in range(n)) + " " + chip + "      " + name + "\n")
    f.write(" NMI: " + "".join("%10d " % 0 for i in range(n)) + "  Non-maskable interrupts\n")
EOF
}
# 10,000 PCI functions in sysfs: copies of the virtio-blk function's attributes on buses 01.. (d 0-31, f 0-7).
gen_pci_sysfs_10000() {
        python3 - "$1" <<'EOF'
import os, sys
root = sys.argv[1]
base = os.path.join(root, "sys/devices/pci0000:00")
src = os.path.join(base, "0000:00:02.0")
attrs = {a: open(os.path.join(src, a), "rb").read() for a in
         ("vendor", "device", "class", "irq", "config", "subsystem_vendor", "subsystem_device", "revision")
         if os.path.isfile(os.path.join(src, a))}
n = 0
for bus in range(1, 256):
    for dev in range(32):
        for fn in range(8):
            if n == 10000:
                sys.exit(0)
            s = "0000:%02x:%02x.%d" % (bus, dev, fn)
            d = os.path.join(base, s)
            os.mkdir(d)
            for a, v in attrs.items():
                with open(os.path.join(d, a), "wb") as f:
                    f.write(v)
            os.symlink("../../../devices/pci0000:00/" + s, os.path.join(root, "sys/bus/pci/devices", s))
            n += 1
EOF
}
gen_pci_dump_10000() {
        python3 - "$FIX/bad/pci-dump-stderr-spliced/lspci-xxxx.txt" "$2/lspci-xxxx.txt" <<'EOF'
import sys
# one real function's 256 bytes (the first function of the committed real excerpt), repeated
lines = open(sys.argv[1]).read().split("\n")
hexl = [l for l in lines[:30] if len(l) > 3 and l[2] == ":" and l[0] in "0123456789abcdef" and "pcilib" not in l and len(l) == 51]
with open(sys.argv[2], "w") as f:
    n = 0
    for bus in range(1, 256):
        for dev in range(32):
            for fn in range(8):
                if n == 10000: break
                f.write("%02x:%02x.%d Ethernet controller: generated\n" % (bus, dev, fn))
                f.write("\n".join(hexl) + "\n\n")
                n += 1
EOF
}
gen_iomem_fifo()     { rm -f "$1/proc/iomem"; mkfifo "$1/proc/iomem"; }
gen_cmdline_symlink_to_shadow()           { rm -f "$1/proc/cmdline"; ln -s /etc/shadow "$1/proc/cmdline"; }
gen_cmdline_symlink_outside_absolute()    { echo "crashkernel=256M SECRET_OUTSIDE_ROOT" > "$2/secret"; rm -f "$1/proc/cmdline"; ln -s "$2/secret" "$1/proc/cmdline"; }
gen_cmdline_symlink_outside_relative()    { echo "crashkernel=256M SECRET_OUTSIDE_ROOT" > "$2/secret"; rm -f "$1/proc/cmdline"; ln -s ../../../../../../../../../../../../secret "$1/proc/cmdline"; ln -s ../../secret "$1/proc/up2"; }
gen_iomem_symlink_self_loop()             { rm -f "$1/proc/iomem"; ln -s iomem "$1/proc/iomem"; }
gen_iomem_symlink_two_loop()              { rm -f "$1/proc/iomem"; ln -s b "$1/proc/a"; ln -s a "$1/proc/b"; ln -s a "$1/proc/iomem"; }
gen_proc_dir_symlink_loop()               { mv "$1/proc" "$1/proc.real"; ln -s proc "$1/proc"; }
gen_cpu_dir_symlink_loop()                { rm -rf "$1/sys/devices/system/cpu"; ln -s cpu2 "$1/sys/devices/system/cpu"; ln -s cpu "$1/sys/devices/system/cpu2"; }
gen_sysconfig_symlink_to_shadow()         { rm -f "$1/etc/sysconfig/kdump"; ln -s /etc/shadow "$1/etc/sysconfig/kdump"; }
gen_pci_config_symlink_outside()          { echo SECRET_OUTSIDE_ROOT > "$2/secret"; local c="$1/sys/devices/pci0000:00/0000:00:02.0/config"; rm -f "$c"; ln -s "$2/secret" "$c"; }
gen_pci_config_symlink_dotdot()           { echo SECRET_OUTSIDE_ROOT > "$2/secret"; local c="$1/sys/devices/pci0000:00/0000:00:02.0/config"; rm -f "$c"; ln -s ../../../../../secret "$c"; }
gen_pci_device_symlink_loop()             { ln -s 0000:00:09.0 "$1/sys/bus/pci/devices/0000:00:09.0"; }
gen_pci_devices_dir_outside() {
        mkdir -p "$2/outside-pci"; cp -r "$1/sys/devices/pci0000:00/0000:00:02.0" "$2/outside-pci/"
        echo SECRET_OUTSIDE_ROOT > "$2/outside-pci/0000:00:02.0/modalias"
        rm -rf "$1/sys/bus/pci/devices"; ln -s "$2/outside-pci" "$1/sys/bus/pci/devices"
}
gen_root_is_file()                        { :; }
gen_root_empty()                          { find "$1" -mindepth 1 -delete; }
unreadable() { chmod 000 "$1/$2"; }
gen_iomem_unreadable()      { unreadable "$1" proc/iomem; }
gen_cmdline_unreadable()    { unreadable "$1" proc/cmdline; }
gen_sysconfig_unreadable()  { unreadable "$1" etc/sysconfig/kdump; }
gen_kdumpconf_unreadable()  { unreadable "$1" etc/kdump.conf; }
gen_meminfo_unreadable()    { unreadable "$1" proc/meminfo; }
gen_pci_config_unreadable() { unreadable "$1" sys/devices/pci0000:00/0000:00:02.0/config; }
gen_proc_dir_unreadable()   { chmod 000 "$1/proc"; }

# ---- the run ----
# Non-root reader for the unreadable cases.
RUNAS=()
if [ "$(id -u)" = 0 ]; then
        if command -v setpriv >/dev/null && setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
                RUNAS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all)
                setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all test -x "$KDV_BIN" || RUNAS=(no-access)
        else
                RUNAS=(no-setpriv)
        fi
fi

checksum() { # everything under DIR: names, types, modes, link targets, contents
        (cd "$1" && find . -printf '%p %y %m %s %l\n' | LC_ALL=C sort && find . -type f -exec md5sum {} + | LC_ALL=C sort) | md5sum
}

run() { # run CMD...: sets RC, OUT, ERR (the first 200 kB of each); the whole stdout stays in $T/stdout
        timeout -k 2 "$TIMEOUT" "$@" > "$T/stdout" 2> "$T/stderr"; RC=$?
        OUT=$(head -c 200000 "$T/stdout"); ERR=$(head -c 200000 "$T/stderr")
}

in_range() { # in_range CODE SPEC (SPEC: "3", "0-2", "2,3")
        local c=$1 s=$2 part
        for part in ${s//,/ }; do
                case $part in
                *-*) [ "$c" -ge "${part%-*}" ] && [ "$c" -le "${part#*-}" ] && return 0 ;;
                *) [ "$c" = "$part" ] && return 0 ;;
                esac
        done
        return 1
}

sanitizer_report() { printf '%s' "$1" | grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|libpci error outside'; }

while IFS='|' read -r name base want regex args; do
        case $name in ''|'#'*) continue ;; esac
        [ -n "${KDV_BAD_ONLY:-}" ] && ! [[ $name =~ $KDV_BAD_ONLY ]] && continue
        W=$T/$name; mkdir -p "$W"
        case $base in
        R) cp -a "$FIX/roots/r7615-healthy" "$W/root"; base_args=(--arch x86_64) ;;
        D) cp -a "$FIX/roots/debian-kdump-tools" "$W/root"; base_args=() ;;
        E) mkdir -p "$W/root"; base_args=(--arch x86_64) ;;
        *) echo "Bail out! $name: unknown base $base"; exit 1 ;;
        esac
        if [ -f "$B/$name/remove" ]; then
                while read -r p; do rm -rf "${W:?}/root/$p"; done < "$B/$name/remove"
        fi
        [ -d "$B/$name/root" ] && cp -a "$B/$name/root/." "$W/root/"
        [ -f "$B/$name/lspci-xxxx.txt" ] && cp "$B/$name/lspci-xxxx.txt" "$W/"
        marker="$W/PWNED"
        grep -rlF '@MARKER@' "$W/root" 2>/dev/null | while read -r f; do sed -i "s|@MARKER@|$marker|g" "$f"; done
        gen=gen_${name//-/_}
        if declare -F "$gen" >/dev/null; then "$gen" "$W/root" "$W"; fi
        root_arg=$W/root
        [ "$name" = root-is-file ] && { echo "not a directory" > "$W/rootfile"; root_arg=$W/rootfile; }
        [ "$name" = root-is-symlink-loop ] && { ln -s rootloop "$W/rootloop"; root_arg=$W/rootloop; }
        extra=()
        for a in $args; do extra+=("${a//@W@/$W}"); done

        runner=()
        case $name in
        *-unreadable)
                case ${RUNAS[0]:-} in
                no-setpriv) for _ in 1 2 3 4 5; do skip "$name" "running as root and setpriv cannot switch to nobody"; done; continue ;;
                no-access)  for _ in 1 2 3 4 5; do skip "$name" "nobody cannot execute $KDV_BIN"; done; continue ;;
                *) runner=("${RUNAS[@]}") ;;
                esac ;;
        esac

        before=$(checksum "$W")
        run "${runner[@]}" "$KDV_BIN" check --no-color --root "$root_arg" "${base_args[@]}" "${extra[@]}"
        text_rc=$RC; text_all="$OUT
$ERR"
        if [ -n "${KDV_BAD_EXPLORE:-}" ]; then
                echo "# $name: exit $RC"; printf '%s\n' "$text_all" | grep -iE 'invalid|unavailable|cannot|error|warning' | head -4 | sed 's/^/#    /'
        fi
        in_range "$RC" "$want"
        ok $? "$name: exit $RC, documented $want"
        printf '%s' "$text_all" | grep -qE -- "$regex"
        r=$?; ok $r "$name: the report names the input (/$regex/)"
        [ $r = 0 ] || printf '%s\n' "$text_all" | head -15 | sed 's/^/#   /'
        [ "$RC" -lt 124 ] && ! sanitizer_report "$ERR"
        r=$?; ok $r "$name: no crash, no sanitizer report, within ${TIMEOUT}s (exit $RC)"
        [ $r = 0 ] || printf '%s\n' "$ERR" | grep -m5 -E 'ERROR|runtime error|SUMMARY|libpci' | sed 's/^/#   /'

        run "${runner[@]}" "$KDV_BIN" check --json --root "$root_arg" "${base_args[@]}" "${extra[@]}"
        python3 -c '
import json, sys
j = json.load(sys.stdin)
want = {0: "ok", 1: "warning", 2: "error", 3: "unknown"}.get(int(sys.argv[1]))
sys.exit(0 if want is None or j.get("verdict") == want else 1)' "$RC" < "$T/stdout" 2>/dev/null
        r=$?
        [ "$RC" = "$text_rc" ] && [ $r = 0 ] && ! sanitizer_report "$ERR"
        ok $? "$name: --json gives the same status ($RC) and a matching verdict"

        after=$(checksum "$W")
        [ "$before" = "$after" ] && [ ! -e "$marker" ] && ! printf '%s%s' "$text_all" "$OUT" | grep -qE 'SECRET_OUTSIDE_ROOT|^root:[^ ]*:[0-9]+:'
        ok $? "$name: nothing modified or executed, nothing read from outside the root"
        chmod -R u+rwX "$W" 2>/dev/null; rm -rf "$W"
done < "$B/cases.txt"

done_testing
