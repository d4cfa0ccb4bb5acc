#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite under valgrind memcheck: every unit test binary, and every e2e script with
# KDV_BIN pointing at a wrapper that runs the real binary under valgrind. Counts errors and leaked
# bytes over every process valgrind saw and fails when there is any.
#
# Usage: check-valgrind.sh UNIT_BINARY... -- E2E_SCRIPT...
#   (make check-valgrind passes $(check_PROGRAMS) and $(e2e_tests) of Makefile.am; e2e paths may be
#   relative to the source tree)
# Env: KDV_REAL_BIN (the built kdump-validate), VALGRIND_OUT (log dir), KDV_TESTS_DIR, KDV_CONF_DIR;
#   VALGRIND_ONLY=REGEX runs only the tests whose name matches (for iterating on one script);
#   VALGRIND_EXTRA_OPTS are appended to valgrind's options.
#
# What counts: memcheck errors, and definitely, indirectly and possibly lost bytes (all three are
# errors: --errors-for-leak-kinds). Still-reachable blocks are not counted (libraries keep caches
# until exit). No suppression file: everything valgrind reports, in our code or in a library, fails.
# Children: fork()ed children are checked and exec()ed programs traced (--trace-children=yes),
# except the helpers that are not ours (VG_SKIP below); every process writes its own log (%p).
# Unit tests: --error-exitcode=1 (a TAP failure and a memcheck error both fail).
# e2e: the wrapper uses --error-exitcode=99, because 1/2/3 are the program's own answers.
# Timing: the e2e scripts' bounds are for native speed; KDV_BAD_TIMEOUT (bad-input.sh) is raised
# here; daemon.sh's waits (15 s) hold as they are; its RSS bound is met with a smaller free queue
# (see the wrapper).
set -uo pipefail

: "${KDV_REAL_BIN:?}" "${VALGRIND_OUT:?}"
command -v valgrind >/dev/null || {
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
                DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >&2
        fi
        command -v valgrind >/dev/null || { echo "check-valgrind: valgrind is not installed" >&2; exit 1; }
}
start=$(date +%s)
rm -rf "$VALGRIND_OUT"; mkdir -p "$VALGRIND_OUT/unit" "$VALGRIND_OUT/e2e"
# bad-input.sh runs the unreadable cases as nobody (setpriv): the wrapper must be reachable and
# the log directory writable for it.
chmod 755 "$VALGRIND_OUT" "$VALGRIND_OUT/unit"; chmod 1777 "$VALGRIND_OUT/e2e"
# shellcheck disable=SC2054
VG_OPTS=(--tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible
         --errors-for-leak-kinds=definite,indirect,possible --track-fds=no --num-callers=30)
# Children: a fork()ed child runs our code under valgrind in any case. Of exec()ed programs every
# one is traced except those that are not ours: the shell and python3 the unit tests use as helpers
# (system(), popen()) and the decompressors collect/modules.c pipes a compressed initramfs through
# (gzip, zstd, ...: their own exit-time leaks would count against us). A new exec of anything else,
# e.g. of kdump-validate itself, runs under memcheck.
VG_SKIP='*/sh,*/dash,*/bash,*/python3*,*/gzip,*/zstd,*/xz,*/lz4,*/bzip2,*/lzop'
VG_OPTS+=(--trace-children=yes "--trace-children-skip=$VG_SKIP")
# shellcheck disable=SC2206
VG_OPTS+=(${VALGRIND_EXTRA_OPTS:-})
export KDV_TESTS_DIR KDV_CONF_DIR
export KDV_BAD_TIMEOUT="${KDV_BAD_TIMEOUT:-900}"
srcdir=${KDV_TESTS_DIR:+$KDV_TESTS_DIR/..}

units=(); e2e=(); seen=0
for a in "$@"; do
        if [ "$a" = -- ]; then seen=1; continue; fi
        [ -n "${VALGRIND_ONLY:-}" ] && ! [[ $a =~ $VALGRIND_ONLY ]] && continue
        if [ $seen = 0 ]; then units+=("$a"); else e2e+=("$a"); fi
done

failed=0; ntests=0
for t in "${units[@]}"; do
        n=$(basename "$t")
        valgrind "${VG_OPTS[@]}" --error-exitcode=1 --log-file="$VALGRIND_OUT/unit/$n.%p.log" "./$t" > "$VALGRIND_OUT/unit/$n.tap" 2>&1
        rc=$?; ntests=$((ntests+1))
        if [ $rc = 0 ]; then echo "ok   unit $n"; else echo "FAIL unit $n (exit $rc; $VALGRIND_OUT/unit/$n.*)"; failed=$((failed+1)); fi
done

# The wrapper the e2e scripts run as $KDV_BIN: every process logs to e2e/<script>.<pid>.log.
wrap="$VALGRIND_OUT/kdump-validate"
# For "daemon" the queue of freed blocks memcheck holds back from reuse (--freelist-vol, 20 MB by
# default) is cut to 1 MB: daemon.sh asserts that RSS stays flat over 40 revalidations (~6 MB of
# malloc traffic each), and a 20 MB queue filling up reads as growth. Use-after-free is still caught
# within one revalidation's worth of frees; every other command keeps the default.
cat > "$wrap" <<EOW
#!/bin/sh
extra=
for a in "\$@"; do [ "\$a" = daemon ] && extra=--freelist-vol=1000000; done
exec valgrind $(printf '%q ' "${VG_OPTS[@]}")\$extra --error-exitcode=99 --log-file="$VALGRIND_OUT/e2e/\${KDV_VG_TEST:-e2e}.%p.log" "$KDV_REAL_BIN" "\$@"
EOW
chmod 755 "$wrap"
for t in "${e2e[@]}"; do
        s=$t; [ -f "$s" ] || s="$srcdir/$t"
        n=$(basename "$t" .sh)
        tap="$VALGRIND_OUT/e2e/$n.tap"
        t0=$(date +%s)
        KDV_BIN="$wrap" KDV_VG_TEST="$n" "$s" > "$tap" 2>&1
        rc=$?; ntests=$((ntests+1))
        nf=$(grep -c '^not ok' "$tap")
        nt=$(grep -c '^ok' "$tap")
        took="$(( $(date +%s) - t0 )) s"
        if [ $rc = 0 ]; then echo "ok   e2e $n ($nt TAP ok, $took)"; else echo "FAIL e2e $n (exit $rc, $nf TAP failures, $took; $tap)"; failed=$((failed+1)); fi
done

# Totals over every process's log.
num() { sed -n "s/.*$1: \([0-9,]*\) bytes.*/\1/p" "$2" | tr -d , | tail -1; }
errors=0; definite=0; indirect=0; possible=0; reachable=0; procs=0; incomplete=0; silent=0; bad=()
for l in "$VALGRIND_OUT"/unit/*.log "$VALGRIND_OUT"/e2e/*.log; do
        [ -f "$l" ] || continue
        procs=$((procs+1))
        if ! grep -q 'ERROR SUMMARY:' "$l"; then
                # No summary: a forked child that exec()ed an untraced program (see VG_SKIP) or was
                # SIGKILLed on purpose (the tests do both) has nothing after valgrind's header; one
                # with any report, or a valgrind that failed, counts as a failure.
                if grep -vqE '^==[0-9]+== *((Memcheck|Copyright|Using Valgrind|Command|Parent PID).*)?$' "$l"; then
                        incomplete=$((incomplete+1)); bad+=("$l (no ERROR SUMMARY)")
                else
                        silent=$((silent+1))
                fi
                continue
        fi
        e=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$l" | tr -d , | tail -1)
        d=$(num 'definitely lost' "$l"); i=$(num 'indirectly lost' "$l")
        p=$(num 'possibly lost' "$l"); s=$(num 'still reachable' "$l")
        errors=$((errors + ${e:-0})); definite=$((definite + ${d:-0})); indirect=$((indirect + ${i:-0}))
        possible=$((possible + ${p:-0})); reachable=$((reachable + ${s:-0}))
        [ "${e:-0}" != 0 ] || [ "${d:-0}" != 0 ] || [ "${i:-0}" != 0 ] || [ "${p:-0}" != 0 ] &&
                bad+=("$l (${e:-0} errors, $(( ${d:-0} + ${i:-0} + ${p:-0} )) bytes lost)")
done
lost=$((definite + indirect + possible))
for b in "${bad[@]}"; do echo "valgrind: $b"; done
if grep -lq 'unhandled amd64-linux syscall: 437' "$VALGRIND_OUT"/unit/*.log "$VALGRIND_OUT"/e2e/*.log 2>/dev/null; then
        echo "valgrind: note: this valgrind ($(valgrind --version)) does not emulate openat2 (syscall 437): those"
        echo "          processes ran collect/root.c's component-by-component resolver (the pre-5.6 kernel path)"
fi
echo "valgrind: $ntests tests ($failed failed), $(( $(date +%s) - start )) s; $lost bytes lost = $definite definitely + $indirect indirectly + $possible possibly (still reachable, not counted: $reachable)"
[ $silent = 0 ] || echo "valgrind: $silent of them exec()ed an untraced program or were SIGKILLed by the test, with nothing reported"
[ $incomplete = 0 ] || echo "valgrind: $incomplete processes ended without a summary after reporting something"
echo "valgrind: $procs processes, $errors errors, $lost bytes lost"
[ $failed = 0 ] && { [ $procs -gt 0 ] || [ -n "${VALGRIND_ONLY:-}" ]; } && [ $errors = 0 ] && [ $lost = 0 ] && [ $incomplete = 0 ]
