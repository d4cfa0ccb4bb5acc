#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The bash completion completes commands, options and option values.
. "$(dirname "$0")/lib.sh"
BC=/usr/share/bash-completion/bash_completion
if [ ! -r "$BC" ]; then
        echo "ok 1 # SKIP bash-completion is not installed"; echo "1..1"; exit 0
fi
complete_words() { # complete_words WORD... : the completions bash offers for the last word
        bash -c '. "$1"; . "$2"; shift 2
                 COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                 _kdump_validate; printf "%s\n" "${COMPREPLY[@]}"' _ "$BC" "$KDV_TESTS_DIR/../conf/kdump-validate.bash-completion" "$@"
}
r=$(complete_words kdump-validate ch); [ "$r" = "check" ]; ok $? "commands: ch -> check"
r=$(complete_words kdump-validate check --js); [ "$r" = "--json" ]; ok $? "options: --js -> --json"
r=$(complete_words kdump-validate --format pro); [ "$r" = "prometheus" ]; ok $? "--format values"
r=$(complete_words kdump-validate check ""); ! echo "$r" | grep -qx apply; ok $? "no second command after check"
done_testing
