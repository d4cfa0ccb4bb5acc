#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The systemd units: templates substitute cleanly, "systemd-analyze verify" is clean for the
# daemon unit and for stub kdump units carrying our drop-ins, and the daemon unit's
# "systemd-analyze security" exposure is at most 2.0. Skipped where systemd-analyze is absent.
. "$(dirname "$0")/lib.sh"
UNITS="$KDV_TESTS_DIR/../units"
skip() { _n=$((_n+1)); echo "ok $_n # SKIP $1"; }

# Template checks need no systemd.
for f in "$UNITS/kdump-validator.service.in" "$UNITS/kdump.service.d/50-kdump-validator.conf.in" \
         "$UNITS/kdump-tools.service.d/50-kdump-validator.conf.in"; do
        grep -q '@sbindir@/kdump-validate ' "$f"; ok $? "$(basename "$(dirname "$f")")/$(basename "$f") runs @sbindir@/kdump-validate"
done
grep -q '^ExecStartPre=@sbindir@/kdump-validate hook$' "$UNITS/kdump.service.d/50-kdump-validator.conf.in"
ok $? "kdump drop-in: ExecStartPre without '-' (refuse must be able to stop kdump)"
grep -q '^Type=notify$' "$UNITS/kdump-validator.service.in"; ok $? "daemon unit is Type=notify"
grep -q '^Before=.*kdump.service.*kdump-tools.service' "$UNITS/kdump-validator.service.in"; ok $? "daemon unit runs before kdump"

if ! command -v systemd-analyze >/dev/null 2>&1; then
        skip "systemd-analyze not installed"; skip "systemd-analyze not installed"
        skip "systemd-analyze not installed"; skip "systemd-analyze not installed"
        skip "systemd-analyze not installed"
        done_testing; exit $?
fi

T=$(mktemp -d /tmp/kdv-units-XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/sbin" "$T/system/kdump.service.d" "$T/system/kdump-tools.service.d"
printf '#!/bin/sh\nexit 0\n' > "$T/sbin/kdump-validate"; chmod 755 "$T/sbin/kdump-validate"
sed "s|@sbindir@|$T/sbin|g" "$UNITS/kdump-validator.service.in" > "$T/system/kdump-validator.service"
for u in kdump kdump-tools; do
        sed "s|@sbindir@|$T/sbin|g" "$UNITS/$u.service.d/50-kdump-validator.conf.in" > "$T/system/$u.service.d/50-kdump-validator.conf"
        # stand-ins for the distributions' units (kexec-tools' kdump.service, kdump-tools.service)
        printf '[Unit]\nDescription=stub %s\n[Service]\nType=oneshot\nExecStart=/bin/true\nRemainAfterExit=yes\n' "$u" > "$T/system/$u.service"
done
! grep -rq '@[a-z]*@' "$T/system"; ok $? "no @placeholder@ left after substitution"

# --man=no: the man pages are not installed at "make check" time.
OUT=$(cd "$T/system" && systemd-analyze verify --man=no ./kdump-validator.service 2>&1); r=$?
[ $r = 0 ] && [ -z "$OUT" ]; ok $? "systemd-analyze verify kdump-validator.service: clean"
[ -z "$OUT" ] || echo "$OUT" | sed 's/^/# /'

OUT=$(cd "$T/system" && systemd-analyze verify --man=no ./kdump.service ./kdump-tools.service 2>&1); r=$?
[ $r = 0 ] && [ -z "$OUT" ]; ok $? "systemd-analyze verify kdump.service + kdump-tools.service with the drop-ins: clean"
[ -z "$OUT" ] || echo "$OUT" | sed 's/^/# /'

# The drop-ins are really read: without the binary, verify must name it.
rm "$T/sbin/kdump-validate"
OUT=$(cd "$T/system" && systemd-analyze verify --man=no ./kdump.service 2>&1)
echo "$OUT" | grep -q "kdump-validate"; ok $? "verify reads the drop-in (fails on a missing hook binary)"
printf '#!/bin/sh\nexit 0\n' > "$T/sbin/kdump-validate"; chmod 755 "$T/sbin/kdump-validate"

OUT=$(cd "$T/system" && systemd-analyze security --offline=yes --threshold=20 ./kdump-validator.service 2>&1); r=$?
level=$(echo "$OUT" | sed -n 's/.*Overall exposure level for kdump-validator.service: \([0-9.]*\).*/\1/p')
[ $r = 0 ] && [ -n "$level" ] && awk "BEGIN{exit !($level <= 2.0)}"; ok $? "systemd-analyze security exposure $level <= 2.0"
[ $r = 0 ] || echo "$OUT" | grep '✗' | sed 's/^/# /'
done_testing
