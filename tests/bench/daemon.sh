#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon rows of `make bench` (issue 6): idle CPU and RSS of `kdump-validate daemon`, run for
# real without systemd the way tests/e2e/daemon.sh runs it: NOTIFY_SOCKET read by a listener
# here, simulated hotplug uevents through the test hook socket (KDV_DAEMON_EVENT_SOCKET), on a
# temp copy of a fixture root, with its report written under BENCH_WORK (never /run).
# Run by bench.sh, or alone (`make bench-daemon`, or `sh tests/bench/daemon.sh`).
#
# Environment: KDV_BIN (default ./kdump-validate), KDV_SRCDIR, BENCH_WORK (./bench-work),
# BENCH_DAEMON_IDLE_SECONDS (60), BENCH_DAEMON_EVENTS (1000: events per step, two steps),
# BENCH_DAEMON_BATCH (20 events per debounced revalidation), BENCH_DAEMON_MISSED (a file that
# gets one "- ..." line per missed target, for bench.sh's summary).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=${KDV_SRCDIR:-$(cd "$here/../.." && pwd)}
kdv=${KDV_BIN:-./kdump-validate}
work=${BENCH_WORK:-./bench-work}
idle=${BENCH_DAEMON_IDLE_SECONDS:-60}
events=${BENCH_DAEMON_EVENTS:-1000}
batch=${BENCH_DAEMON_BATCH:-20}
missed_file=${BENCH_DAEMON_MISSED:-}
py=${PYTHON:-python3}
rss_limit=4096          # KiB: "daemon RSS < 4 MiB" (issue 6)
flat_limit=64           # KiB: "flat": VmRSS after 2 × EVENTS at most this above VmRSS after EVENTS

[ -x "$kdv" ] || { echo "bench: $kdv not built" >&2; exit 2; }
kdv=$(cd "$(dirname "$kdv")" && pwd)/$(basename "$kdv")
mkdir -p "$work"
work=$(cd "$work" && pwd)
d=$work/daemon
rm -rf "$d"
mkdir -p "$d"
[ -n "$missed_file" ] || missed_file=$d/missed     # run alone: printed at the end
: > "$missed_file"
missed() { echo "- $*" >> "$missed_file"; }
finish() {
        if [ -z "${BENCH_DAEMON_MISSED:-}" ]; then
                printf '\ndaemon targets missed:'
                if [ -s "$missed_file" ]; then printf '\n'; cat "$missed_file"; else printf ' none\n'; fi
        fi
        exit 0
}

# ---- the root: the oracle capture b-blk-enospc (PCI sysfs, virtio_blk dump disk at risk), plus
# the Debian 6.1 module index (libkmod mmaps it on every validation) and a gzip kdump initramfs
# (unpacked by a gzip child on every validation): the whole pipeline runs each time.
cp -R "$src/tests/fixtures/oracle/b-blk-enospc/root" "$d/root"
chmod -R u+w "$d/root"
kv=$(cat "$d/root/proc/sys/kernel/osrelease")
mods=$src/tests/fixtures/pci/a-baseline/lib/modules/$kv
mkdir -p "$d/root/lib/modules/$kv" "$d/root/boot"
[ -d "$mods" ] && cp "$mods"/modules.* "$d/root/lib/modules/$kv/"
"$py" "$here/mkinitramfs.py" "$kv" "$d/root/boot/initramfs-${kv}kdump.img"
cat > "$d/policy.conf" <<EOF
[daemon]
debounce_ms = 100
report_dir = $d/report
EOF

pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
wait_for() {    # wait_for FILE REGEX SECONDS
        _end=$(( $(now_ms) + $3 * 1000 ))
        while [ "$(now_ms)" -lt $_end ]; do
                grep -Eq "$2" "$1" 2>/dev/null && return 0
                sleep 0.05
        done
        return 1
}
validations() { grep -c 'revalidated after' "$d/daemon.err" 2>/dev/null || true; }
events_seen() { # the events the revalidations report ("revalidated after N event(s)")
        sed -n 's/.*revalidated after \([0-9]*\) event.*/\1/p' "$d/daemon.err" | awk '{ s += $1 } END { print s + 0 }'
}
wait_events() { # wait_events N SECONDS: until the revalidations account for N events
        _end=$(( $(now_ms) + $2 * 1000 ))
        while [ "$(now_ms)" -lt $_end ]; do
                [ "$(events_seen)" -ge "$1" ] && return 0
                sleep 0.1
        done
        return 1
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
heap_kb() {     # Rss of the [heap] mapping (brk); malloc's mmap arenas are in RssAnon
        awk '/^[0-9a-f]+-[0-9a-f]+ / { h = ($6 == "[heap]") } h && $1 == "Rss:" { s += $2 } END { print s + 0 }' "/proc/$1/smaps"
}
pss_kb() { awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup"; }

row() {         # row LABEL EVENTS VALIDATIONS TICKS
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" \
                "$(status_kb $dpid VmRSS)" "$(status_kb $dpid RssAnon)" "$(status_kb $dpid RssFile)" \
                "$(heap_kb $dpid)" "$(pss_kb $dpid)"
}

"$py" "$here/daemon-io.py" notify "$d/notify.sock" "$d/notify.log" & pids="$pids $!"
wait_for "$d/notify.log" '^listening' 5 || { echo "bench: sd_notify listener did not start" >&2; exit 2; }
NOTIFY_SOCKET="$d/notify.sock" KDV_DAEMON_EVENT_SOCKET="$d/events.sock" \
        "$kdv" daemon --root "$d/root" --config "$d/policy.conf" --driver-table "$src/conf/drivers.conf" \
        2>"$d/daemon.err" &
dpid=$!; pids="$pids $dpid"

printf '\n| daemon (`kdump-validate daemon --root`, b-blk-enospc + module index + initramfs) | hotplug events | validations | CPU ticks | VmRSS KiB | RssAnon KiB | RssFile KiB | [heap] KiB | Pss KiB |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
if ! wait_for "$d/notify.log" 'READY=1' 60 || ! kill -0 $dpid 2>/dev/null; then
        printf '| did not start (no READY=1 within 60 s): %s | | | | | | | | |\n' "$(tail -n 1 "$d/daemon.err" | tr '|' '/')"
        missed "daemon: did not start"
        finish
fi
sleep 0.3       # READY=1 is sent after the report is written; let the listener and the log settle
row "after start (READY=1, first validation)" 0 1 -
rss_start=$(status_kb $dpid VmRSS)

t0=$(cpu_ticks $dpid); sleep "$idle"; t1=$(cpu_ticks $dpid)
ticks=$((t1 - t0))
row "idle ${idle} s (utime+stime over it)" 0 1 "$ticks"

# Each step: EVENTS uevents in batches of BATCH, 0.3 s apart (debounce 100 ms): one revalidation
# per batch, unless a validation outlasts the pause (then batches coalesce; the count shows it).
sent=0; rss_steps=""
for step in 1 2; do
        "$py" "$here/daemon-io.py" send "$d/events.sock" "$events" "$batch" 0.3
        sent=$((sent + events))
        wait_events $sent 120 || true
        sleep 0.3       # the log line is written before the previous validation is freed
        row "after $sent hotplug events ($(events_seen) counted by the revalidations)" $sent "$(( $(validations) + 1 ))" -
        rss_steps="$rss_steps $(status_kb $dpid VmRSS)"
done
set -- $rss_steps
rss1=$1 rss2=$2
anon=$(status_kb $dpid RssAnon)
kill -TERM $dpid; wait $dpid 2>/dev/null || true

hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
printf '\ndaemon idle CPU over %s s: %s ticks of 1/%s s = %s %% (target 0 %%)\n' "$idle" "$ticks" "$hz" \
        "$(echo "$ticks $hz $idle" | awk '{ printf "%.3f", 100 * $1 / $2 / $3 }')"
printf 'daemon VmRSS: %s KiB after start, %s KiB after %s events, %s KiB after %s (%+d KiB over the second %s; RssAnon %s KiB at the end); target < %s KiB and flat (<= +%s KiB)\n' \
        "$rss_start" "$rss1" "$events" "$rss2" "$sent" "$((rss2 - rss1))" "$events" "$anon" "$rss_limit" "$flat_limit"
[ "$ticks" = 0 ] || missed "daemon idle CPU: $ticks ticks over $idle s (target 0)"
[ "$rss2" -lt $rss_limit ] || missed "daemon VmRSS $rss2 KiB after $sent events (target < $rss_limit KiB; RssAnon $anon KiB, the rest is mapped shared library text: see README-bench.md)"
[ $((rss2 - rss1)) -le $flat_limit ] || missed "daemon VmRSS grew $((rss2 - rss1)) KiB over the second $events events (target flat, <= $flat_limit KiB)"
[ "$(events_seen)" = "$sent" ] || missed "daemon: the revalidations account for $(events_seen) of $sent events sent"
finish
