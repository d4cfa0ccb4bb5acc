#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: cost of `kdump-validate check` against `lspci -vv` on the same lspci -xxxx dumps,
# peak RSS, instructions per PCI function (callgrind) and scaling from 1,000 to 10,000 functions;
# then the daemon's idle CPU and RSS (daemon.sh).
# Not a test: it prints a table (Markdown) and the targets of issue 6, met or missed.
#
# Environment: KDV_BIN (default ./kdump-validate), KDV_SRCDIR (default: two levels above this
# script), BENCH_WORK (default ./bench-work: generated dumps and the root are cached there),
# BENCH_RUNS_SMALL (11), BENCH_RUNS_LARGE (5), BENCH_CALLGRIND (1; 0 skips valgrind),
# BENCH_SIZES ("1000 10000"), BENCH_SEED (1), BENCH_KDV_ALT (a second kdump-validate binary,
# e.g. one built with a proposed fix: its rows are added as "alt"), and the daemon's
# (tests/bench/daemon.sh): BENCH_DAEMON_IDLE_SECONDS (60), BENCH_DAEMON_EVENTS (1000).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=${KDV_SRCDIR:-$(cd "$here/../.." && pwd)}
kdv=${KDV_BIN:-./kdump-validate}
work=${BENCH_WORK:-./bench-work}
runs_small=${BENCH_RUNS_SMALL:-11}
runs_large=${BENCH_RUNS_LARGE:-5}
callgrind=${BENCH_CALLGRIND:-1}
sizes=${BENCH_SIZES:-"1000 10000"}
seed=${BENCH_SEED:-1}
py=${PYTHON:-python3}

[ -x "$kdv" ] || { echo "bench: $kdv not built" >&2; exit 2; }
command -v lspci >/dev/null || { echo "bench: lspci (pciutils) not installed" >&2; exit 2; }
kdv=$(cd "$(dirname "$kdv")" && pwd)/$(basename "$kdv")
kdv_main=$kdv
mkdir -p "$work"
work=$(cd "$work" && pwd)

# ---- the root: tests/bench/data/root (r7615-healthy) + a module dir + a kdump initramfs, so
# the whole pipeline runs: modalias -> module (libkmod), initramfs contents, vector simulation.
root=$work/root
rm -rf "$root"
cp -R "$here/data/root" "$root"
chmod -R u+w "$root"
kv=$(cat "$root/proc/sys/kernel/osrelease")
mods=$src/tests/fixtures/pci/a-baseline/lib/modules/6.1.0-56-amd64
mkdir -p "$root/lib/modules/$kv" "$root/boot"
if [ -f "$mods/modules.alias.bin" ]; then
        # The whole index set a server has (depmod writes all five .bin files): with it libkmod
        # maps the indexes once (kmod_load_resources); with a part of it, every lookup opens and
        # seeks the files again.
        cp "$mods"/modules.alias.bin "$mods"/modules.builtin "$mods"/modules.builtin.bin \
           "$mods"/modules.builtin.alias.bin "$here"/data/modules/modules.dep.bin \
           "$here"/data/modules/modules.symbols.bin "$root/lib/modules/$kv/"
else
        echo "bench: $mods missing: modules not resolved, the vector planner sees no drivers" >&2
fi
"$py" "$here/mkinitramfs.py" "$kv" "$root/boot/initramfs-${kv}kdump.img"

# ---- the dumps
stamp=$(cat "$here/gen-lspci-dump.py" | cksum | cut -d' ' -f1)-$seed
dumps="small:$here/data/ecs-h310-desktop-coffeelake.txt server:$here/data/huananzhi-x99-qd4-xeon-e5v3.txt"
for n in $sizes; do
        f=$work/gen-$n.txt
        if [ "$(cat "$f.stamp" 2>/dev/null)" != "$stamp" ]; then
                echo "bench: generating $n functions..." >&2
                "$py" "$here/gen-lspci-dump.py" --seed "$seed" "$n" > "$f.tmp"
                mv "$f.tmp" "$f"
                echo "$stamp" > "$f.stamp"
        fi
        dumps="$dumps gen-$n:$f"
done

kdv_cmd() {     # kdv_cmd DUMP
        echo "$kdv" check --arch x86_64 --driver-table "$src/conf/drivers.conf" --pci-dump "$1" --root "$root" --json
}

peak_rss() {    # peak_rss CMD...: KiB, GNU time %M (ru_maxrss of the command's own process)
        if [ -x /usr/bin/time ]; then
                /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1 || true
                tail -n 1 "$work/rss"
        else
                echo -
        fi
}

count_functions() {
        lspci -F "$1" 2>/dev/null | wc -l
}

# what kdump-validate made of the dump: pci fact state, functions, vector devices, exit code
describe() {    # describe DUMP
        set +e
        $(kdv_cmd "$1") > "$work/out.json" 2>/dev/null
        rc=$?
        set -e
        "$py" - "$work/out.json" "$rc" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("no-json rc=%s" % sys.argv[2]); sys.exit()
p = d["facts"]["pci"]
v = d.get("vectors") or {}
s = "pci=%s fns=%s vecdevs=%d rc=%s" % (p["state"], p["functions"], len(v.get("devices", [])), sys.argv[2])
if p.get("error"):
    s += " error=%s" % p["error"].replace(" ", "_")
print(s)
EOF
}

printf '# kdump-validate benchmark (%s)\n\n' "$(date -u +%Y-%m-%dT%H:%MZ)"
printf 'host: %s, %s CPUs; %s; %s\n' "$(uname -m)" "$(nproc)" "$(lspci --version)" "$("$kdv" --version)"
printf 'kdv = `%s`\n' "$(kdv_cmd DUMP | sed "s|$work|\$BENCH_WORK|g; s|$src|\$SRC|g")"
printf 'lspci = `lspci -vv -F DUMP`; median of %s runs (%s from 5,000 functions up), whole processes, kdv and lspci\n' "$runs_small" "$runs_large"
printf 'interleaved, stdout to /dev/null; peak RSS by GNU time %%M; Ir = instructions (valgrind --tool=callgrind,\n'
printf 'the process itself: the gzip child that unpacks the initramfs is in kdv ms, not in its Ir)\n\n'
printf 'load average at start: %s\n\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| dump | functions | kdv ms | lspci ms | ratio (time) | ratio (Ir) | kdv peak RSS KiB | lspci peak RSS KiB | kdv Ir/function | lspci Ir/function | kdv result |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n'

missed=""
t1k=""; t10k=""; a1k=""; a10k=""; d10k=""
rows=""
for d in $dumps; do rows="$rows main:$d"; done
if [ -n "${BENCH_KDV_ALT:-}" ]; then
        for d in $dumps; do case $d in gen-*) rows="$rows alt:$d" ;; esac; done
fi
for row in $rows; do
        which=${row%%:*}; d=${row#*:}
        name=${d%%:*}; f=${d#*:}
        kdv=$kdv_main
        if [ "$which" = alt ]; then kdv=$BENCH_KDV_ALT; name=alt-$name; fi
        n=$(count_functions "$f")
        runs=$runs_small
        [ "$n" -ge 5000 ] && runs=$runs_large
        desc=$(describe "$f")
        set -- $("$py" "$here/measure.py" "$runs" -- $(kdv_cmd "$f") -- lspci -vv -F "$f")
        kms=$1 lms=$2
        krss=$(peak_rss $(kdv_cmd "$f"))
        lrss=$(peak_rss lspci -vv -F "$f")
        ratio=$(echo "$kms $lms" | awk '{ printf "%.2f", $1 / $2 }')
        kir=-; lir=-; irratio=-
        if [ "$callgrind" = 1 ] && command -v valgrind >/dev/null; then
                valgrind --tool=callgrind --callgrind-out-file="$work/cg-kdv-$name.out" \
                        $(kdv_cmd "$f") >/dev/null 2>"$work/cg-kdv-$name.log" || true
                valgrind --tool=callgrind --callgrind-out-file="$work/cg-lspci-$name.out" \
                        lspci -vv -F "$f" >/dev/null 2>"$work/cg-lspci-$name.log" || true
                kir=$(awk '/^(summary|totals):/ { print $2; exit }' "$work/cg-kdv-$name.out")
                lir=$(awk '/^(summary|totals):/ { print $2; exit }' "$work/cg-lspci-$name.out")
                irratio=$(echo "$kir $lir" | awk '{ printf "%.2f", $1 / $2 }')
                kir=$(echo "$kir $n" | awk '{ printf "%.0f", $1 / $2 }')
                lir=$(echo "$lir $n" | awk '{ printf "%.0f", $1 / $2 }')
        fi
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
                "$([ "$which" = alt ] && echo "alt: ")$(basename "$f")" "$n" "$kms" "$lms" "$ratio" "$irratio" "$krss" "$lrss" "$kir" "$lir" "$desc"
        [ "$which" = alt ] || case $desc in *pci=ok*) ;; *) missed="$missed\n- $(basename "$f"): kdump-validate did not read the dump ($desc)" ;; esac
        if [ "$which" = main ] && awk -v r="$ratio" 'BEGIN { exit !(r > 0.5) }'; then
                missed="$missed\n- $(basename "$f"): $ratio x lspci -vv wall time, $irratio x its instructions (target <= 0.5)"
        fi
        case $name in gen-1000) t1k=$kms ;; gen-10000) t10k=$kms; d10k=$desc ;;
                      alt-gen-1000) a1k=$kms ;; alt-gen-10000) a10k=$kms ;; esac
done

printf '\n'
if [ -n "$t1k" ] && [ -n "$t10k" ]; then
        scale=$(echo "$t10k $t1k" | awk '{ printf "%.1f", $1 / $2 }')
        printf 'scaling 10,000 / 1,000 functions (kdv wall time): %sx (target <= 12x)' "$scale"
        case $d10k in *pci=ok*) printf '\n' ;; *) printf ' -- NOT comparable: the 10,000-function dump was not read\n' ;; esac
        if awk -v s="$scale" 'BEGIN { exit !(s > 12) }'; then
                missed="$missed\n- scaling 10k/1k = ${scale}x (target <= 12x)"
        fi
fi
if [ -n "$a1k" ] && [ -n "$a10k" ]; then
        printf 'scaling 10,000 / 1,000 functions (alt kdv %s): %sx\n' "$BENCH_KDV_ALT" \
                "$(echo "$a10k $a1k" | awk '{ printf "%.1f", $1 / $2 }')"
fi

# ---- the daemon rows of issue 6 (tests/bench/daemon.sh): idle CPU over
# BENCH_DAEMON_IDLE_SECONDS (60) and RSS after 1,000 and 2,000 simulated hotplug events, the
# daemon on a temp copy of a fixture root, its report under $BENCH_WORK/daemon.
: > "$work/daemon-missed"
KDV_BIN=$kdv_main KDV_SRCDIR=$src BENCH_WORK=$work BENCH_DAEMON_MISSED=$work/daemon-missed \
        sh "$here/daemon.sh" || missed="$missed\n- daemon: tests/bench/daemon.sh failed"
while IFS= read -r l; do missed="$missed\n$l"; done < "$work/daemon-missed"

printf '\ntargets missed:'
if [ -n "$missed" ]; then printf "$missed\n"; else printf ' none\n'; fi
