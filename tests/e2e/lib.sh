# SPDX-License-Identifier: GPL-2.0-or-later
# TAP helpers for the end-to-end tests: run the real binary on fixture roots.
: "${KDV_TESTS_DIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${KDV_BIN:=kdump-validate}"
FIX="$KDV_TESTS_DIR/fixtures"
_n=0; _failed=0
ok() { _n=$((_n+1)); if [ "$1" = 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; _failed=$((_failed+1)); fi; }
# expect_exit WANT NAME -- CMD...: run CMD, check exit status; output in $OUT / $ERR
expect_exit() {
        want=$1; name=$2; shift 3
        OUT=$("$@" 2>/tmp/kdv-e2e-err.$$); got=$?; ERR=$(cat /tmp/kdv-e2e-err.$$); rm -f /tmp/kdv-e2e-err.$$
        [ "$got" = "$want" ]; r=$?
        ok $r "$name (exit $got, want $want)"
        [ $r = 0 ] || { echo "# stdout: $(echo "$OUT" | head -20)"; echo "# stderr: $ERR"; }
}
# jq-free JSON checks through python3 (present on Debian/Fedora base images)
json_has() { # json_has EXPR NAME : EXPR is a python expression over j
        printf '%s' "$OUT" | python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($1) else 1)" 2>/dev/null
        ok $? "$2"
}
done_testing() { echo "1..$_n"; [ $_failed = 0 ]; }
