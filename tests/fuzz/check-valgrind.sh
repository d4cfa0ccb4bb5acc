#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run the unit test binaries and the e2e scripts under valgrind memcheck; count errors and leaks.
# Usage: check-valgrind.sh UNIT_BINARY... -- E2E_SCRIPT...
# Unit tests: valgrind --error-exitcode=1 (a TAP failure and a memcheck error both fail).
# e2e: KDV_BIN is a wrapper that runs the real binary under valgrind with --error-exitcode=99,
# because 1/2/3 are the program's own answers; every run writes its own log.
# Env: KDV_REAL_BIN (the built kdump-validate), VALGRIND_OUT (log dir), KDV_TESTS_DIR, KDV_CONF_DIR.
set -uo pipefail

: "${KDV_REAL_BIN:?}" "${VALGRIND_OUT:?}"
command -v valgrind >/dev/null || {
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
                DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >&2
        fi
        command -v valgrind >/dev/null || { echo "check-valgrind: valgrind is not installed" >&2; exit 1; }
}
rm -rf "$VALGRIND_OUT"; mkdir -p "$VALGRIND_OUT/unit" "$VALGRIND_OUT/e2e"
VG_OPTS="--tool=memcheck --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --track-fds=no --num-callers=30"
export KDV_TESTS_DIR KDV_CONF_DIR

units=(); e2e=(); seen=0
for a in "$@"; do
        if [ "$a" = -- ]; then seen=1; continue; fi
        if [ $seen = 0 ]; then units+=("$a"); else e2e+=("$a"); fi
done

failed=0
for t in "${units[@]}"; do
        log="$VALGRIND_OUT/unit/$(basename "$t").log"
        # shellcheck disable=SC2086
        valgrind $VG_OPTS --error-exitcode=1 --log-file="$log" "./$t" > "$log.tap" 2>&1
        rc=$?
        if [ $rc = 0 ]; then echo "ok   unit $t"; else echo "FAIL unit $t (exit $rc; $log)"; failed=$((failed+1)); fi
done

# The wrapper the e2e scripts run as $KDV_BIN.
wrap="$VALGRIND_OUT/kdump-validate"
cat > "$wrap" <<EOW
#!/bin/sh
exec valgrind $VG_OPTS --error-exitcode=99 --log-file="$VALGRIND_OUT/e2e/run.%p.log" "$KDV_REAL_BIN" "\$@"
EOW
chmod +x "$wrap"
for t in "${e2e[@]}"; do
        s=$t; [ -f "$s" ] || s="$KDV_TESTS_DIR/../$t"
        log="$VALGRIND_OUT/e2e/$(basename "$t").tap"
        KDV_BIN="$wrap" sh "$s" > "$log" 2>&1
        rc=$?
        nf=$(grep -c '^not ok' "$log")
        if [ $rc = 0 ]; then echo "ok   e2e $t"; else echo "FAIL e2e $t ($nf TAP failures; $log)"; failed=$((failed+1)); fi
done

# Totals from every log.
errors=0; definite=0; indirect=0; runs=0; unhandled=0
for l in "$VALGRIND_OUT"/unit/*.log "$VALGRIND_OUT"/e2e/run.*.log; do
        [ -f "$l" ] || continue
        runs=$((runs+1))
        e=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$l" | tr -d , | tail -1)
        d=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$l" | tr -d , | tail -1)
        i=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$l" | tr -d , | tail -1)
        errors=$((errors + ${e:-0})); definite=$((definite + ${d:-0})); indirect=$((indirect + ${i:-0}))
        grep -q 'unhandled amd64-linux syscall: 437' "$l" && unhandled=$((unhandled+1))
done
echo "valgrind: $runs processes, $errors errors, $definite bytes definitely lost, $indirect bytes indirectly lost"
if [ $unhandled -gt 0 ]; then
        echo "valgrind: $unhandled processes met openat2 (syscall 437), which this valgrind ($(valgrind --version)) does not"
        echo "          emulate: they ran collect/root.c's component-by-component resolver, the path kernels"
        echo "          before 5.6 (e.g. RHEL 8's 4.18) take."
fi
[ $failed = 0 ] && [ "$errors" = 0 ] && [ "$definite" = 0 ] && [ "$indirect" = 0 ]
