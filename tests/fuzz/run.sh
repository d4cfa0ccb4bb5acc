#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run the libFuzzer targets built by build.sh.
#   run.sh smoke            every target for FUZZ_SMOKE_SECONDS (default 3) each; the whole run ≤ 60 s
#   run.sh long             every target for FUZZ_SECONDS (default 600) each, FUZZ_JOBS at a time;
#                           FUZZ_CPU_SECONDS=N: go on (same corpus) until each had N CPU seconds
#   run.sh replay           run every saved reproducer in tests/fuzz/crashes/<target>/ once
# FUZZ_TARGETS="fuzz-iomem fuzz-policy" restricts the set. Seeds: tests/fuzz/corpus/<target>/ (read
# only); new inputs go to $FUZZ_OUT/corpus/<target>/, crashes/leaks to $FUZZ_OUT/crashes/<target>/.
# Exit status: 0 when no target reported a crash, leak, timeout or UB.
set -uo pipefail

mode=${1:-smoke}
src=${FUZZ_SRCDIR:?}; out=${FUZZ_OUT:?}
read -r -a targets <<< "${FUZZ_TARGETS:-$(tr '\n' ' ' < "$out/targets")}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

case $mode in
smoke) secs=${FUZZ_SMOKE_SECONDS:-3}; jobs=$(nproc 2>/dev/null || echo 1) ;;
long)  secs=${FUZZ_SECONDS:-600}; jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)} ;;
replay)
        rc=0
        for t in "${targets[@]}"; do
                for f in "$src/tests/fuzz/crashes/$t"/*; do
                        [ -f "$f" ] || continue
                        case $f in *.md|*.txt) continue ;; esac
                        if "$out/$t" -runs=1 "$f" > "$out/replay.log" 2>&1; then
                                echo "PASS $t $(basename "$f")"
                        else
                                echo "FAIL $t $(basename "$f")"; grep -m3 -E 'ERROR|runtime error|SUMMARY' "$out/replay.log" | sed 's/^/    /'
                                rc=1
                        fi
                done
        done
        exit $rc ;;
*) echo "usage: run.sh smoke|long|replay" >&2; exit 64 ;;
esac

run_one() {
        local t=$1 work="$out/corpus/$1" art="$out/crashes/$1" log="$out/logs/$1.log" seeds=()
        # smoke starts from the committed seeds only (a fresh work corpus): same inputs every run
        [ "$mode" = smoke ] && { work="$out/smoke-corpus/$1"; rm -rf "$work"; }
        mkdir -p "$work" "$art" "$out/logs"
        [ -d "$src/tests/fuzz/corpus/$t" ] && seeds=("$src/tests/fuzz/corpus/$t")
        local dict=() maxlen=65536
        [ "$t" = fuzz-pci-dump ] && maxlen=131072
        [ -f "$src/tests/fuzz/dict/$t.dict" ] && dict=(-dict="$src/tests/fuzz/dict/$t.dict")
        # CPU seconds (user+sys) the fuzzer really got, not wall time: on a loaded machine they
        # differ. With FUZZ_CPU_SECONDS (long mode) the target runs again on its own corpus until
        # it has had that much CPU time.
        local TIMEFORMAT='%U %S' rc cpu=0 want=${FUZZ_CPU_SECONDS:-0} wall=0 run=$secs
        [ "$mode" = long ] || want=0
        : > "$log"
        while :; do
                { time "$out/$t" -max_total_time="$run" -timeout=10 -rss_limit_mb=2048 -max_len=$maxlen \
                        -print_final_stats=1 "${dict[@]}" -artifact_prefix="$art/" "$work" "${seeds[@]}" >> "$log" 2>&1; } 2> "$log.time"
                rc=$?
                cpu=$(awk -v c="$cpu" '{ printf "%d", c + $1 + $2 }' "$log.time")
                wall=$((wall + run))
                [ $rc = 0 ] && [ "$cpu" -lt "$want" ] || break
                run=$((want - cpu < 30 ? 30 : want - cpu))
        done
        secs=$wall
        local execs
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{ n += $1 } END { if (NR) print n }')
        if [ "$rc" = 0 ]; then
                printf 'ok   %-22s %4ss wall %5ss cpu %10s runs, corpus %s\n' "$t" "$secs" "$cpu" "${execs:-?}" "$(ls "$work" | wc -l)"
        else
                printf 'FAIL %-22s %4ss wall %5ss cpu %10s runs: %s\n' "$t" "$secs" "$cpu" "${execs:-?}" \
                        "$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' "$log" | cut -c1-160)"
                echo "     log: $log; reproducer: $(ls -t "$art" | head -1)"
        fi
        return $rc
}

rc=0; pids=()
for t in "${targets[@]}"; do
        if [ "$jobs" -le 1 ]; then
                run_one "$t" || rc=1
        else
                run_one "$t" & pids+=($!)
                if [ ${#pids[@]} -ge "$jobs" ]; then wait "${pids[0]}" || rc=1; pids=("${pids[@]:1}"); fi
        fi
done
for p in "${pids[@]}"; do wait "$p" || rc=1; done
exit $rc
