#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite from a clean clone: dependencies, build, `make check`, the same suite
# again under ASan+UBSan, a libFuzzer smoke run of every parser (make fuzz-smoke), and the real
# kdump test under QEMU (make check-vm: the seed incident and its fix on Debian's kernel; root
# only, skipped with KDV_SKIP_VM=1); ends with one line "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" = 0 ]; then "$top/tests/install-deps.sh" || exit 1; fi
cd "$top" && ./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; exit 1; }
passed=0; failed=0
run_suite() { # run_suite NAME CONFIGURE-ARGS...
        name=$1; shift
        b="$top/build-$name"
        rm -rf "$b" && mkdir -p "$b" && cd "$b" || return 1
        if ! "$top/configure" -q "$@" >configure.log 2>&1 || ! make -j"$(nproc)" >make.log 2>&1; then
                cat configure.log make.log | tail -40
                failed=$((failed + 1)); return 1
        fi
        ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
                make -j"$(nproc)" check >check.log 2>&1
        grep -E '^(PASS|FAIL|ERROR|XPASS)' check.log | sed "s/^/[$name] /"
        p=$(sed -n 's/^# PASS: *//p' check.log); f=$(sed -n 's/^# FAIL: *//p' check.log)
        e=$(sed -n 's/^# ERROR: *//p' check.log); x=$(sed -n 's/^# XPASS: *//p' check.log)
        passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0} + ${x:-0}))
        [ -n "$p" ] || { tail -40 check.log; failed=$((failed + 1)); }
        for l in $(find "$b/tests" -name '*.log'); do grep -q '^not ok' "$l" && { echo "--- $l"; grep -B2 -A8 '^not ok' "$l"; }; done
        return 0
}
run_suite plain
run_suite sanitizers --enable-sanitizers

# libFuzzer smoke run: each target a few seconds from the committed seeds (one result per target)
if [ -f "$top/build-plain/Makefile" ]; then
        make -C "$top/build-plain" fuzz-smoke >"$top/build-plain/fuzz-smoke.log" 2>&1
        grep -E '^(ok|FAIL) ' "$top/build-plain/fuzz-smoke.log" | sed 's/^/[fuzz] /'
        p=$(grep -c '^ok ' "$top/build-plain/fuzz-smoke.log"); f=$(grep -c '^FAIL ' "$top/build-plain/fuzz-smoke.log")
        passed=$((passed + p)); failed=$((failed + f))
        [ "$p" -gt 0 ] || { tail -30 "$top/build-plain/fuzz-smoke.log"; failed=$((failed + 1)); }
fi

# The real-kernel kdump test (QEMU, TCG): needs root to install its packages and boot
if [ -f "$top/build-plain/Makefile" ] && [ "$(id -u)" = 0 ] && [ -z "${KDV_SKIP_VM:-}" ]; then
        make -C "$top/build-plain" check-vm >"$top/build-plain/check-vm.log" 2>&1
        grep -E '^(ok|not ok)|^vm-accuracy' "$top/build-plain/check-vm.log" | sed 's/^/[vm] /'
        line=$(grep -E '^vm: [0-9]+ passed, [0-9]+ failed' "$top/build-plain/check-vm.log" | tail -1)
        if [ -n "$line" ]; then
                p=$(echo "$line" | sed 's/^vm: \([0-9]*\) passed.*/\1/'); f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
                passed=$((passed + p)); failed=$((failed + f))
        else
                tail -40 "$top/build-plain/check-vm.log"; failed=$((failed + 1))
        fi
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
