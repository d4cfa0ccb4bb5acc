#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the libFuzzer targets: the library sources (src/**/*.c except the program's main) are
# compiled again with clang and -fsanitize=fuzzer-no-link,address,undefined (not the gcc libkdv.a),
# then each tests/fuzz/fuzz-*.c is linked with -fsanitize=fuzzer. Incremental: an object is rebuilt
# when its source or any header is newer.
#
# Environment (set by tests/fuzz/fuzz.am): FUZZ_SRCDIR FUZZ_BUILDDIR (holds config.h) FUZZ_OUT
# FUZZ_CC (clang) FUZZ_SYSCONFDIR FUZZ_PKGDATADIR FUZZ_DEP_CFLAGS FUZZ_DEP_LIBS
set -euo pipefail

src=${FUZZ_SRCDIR:?}; bld=${FUZZ_BUILDDIR:?}; out=${FUZZ_OUT:?}
cc=${FUZZ_CC:-clang}
jobs=$(nproc 2>/dev/null || echo 2)

ensure_clang() {
        # Debian 12: clang (clang-14) plus libclang-rt-14-dev, which holds libclang_rt.fuzzer/asan/ubsan.
        local probe
        probe=$(mktemp -d)
        printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n){(void)d;(void)n;return 0;}\n' > "$probe/t.c"
        if command -v "$cc" >/dev/null 2>&1 &&
           "$cc" -fsanitize=fuzzer,address,undefined "$probe/t.c" -o "$probe/t" 2>/dev/null; then
                rm -rf "$probe"; return 0
        fi
        rm -rf "$probe"
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
                echo "fuzz: installing clang and its sanitizer/fuzzer runtimes (apt-get)" >&2
                DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang libclang-rt-dev >&2 ||
                        { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang libclang-rt-dev >&2; }
                command -v "$cc" >/dev/null 2>&1 || cc=clang
        elif [ "$(id -u)" = 0 ] && command -v dnf >/dev/null 2>&1; then
                dnf install -y clang compiler-rt >&2
        else
                echo "fuzz: $cc with -fsanitize=fuzzer is not available; install clang and its runtimes" \
                     "(Debian/Ubuntu: apt-get install clang libclang-rt-dev; Fedora: dnf install clang compiler-rt)" >&2
                exit 1
        fi
}
ensure_clang

san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cppflags=(-I"$src/include" -include "$bld/config.h"
          -DKDV_SYSCONFDIR="\"${FUZZ_SYSCONFDIR:-/etc}\"" -DKDV_PKGDATADIR="\"${FUZZ_PKGDATADIR:-/usr/share/kdump-validator}\""
          -DKDV_SOURCE_CONFDIR="\"$src/conf\"" -DFUZZ_SRCDIR="\"$src\"")
# shellcheck disable=SC2206
dep_cflags=(${FUZZ_DEP_CFLAGS:-})
# shellcheck disable=SC2206
dep_libs=(${FUZZ_DEP_LIBS:-})
cflags=(-g -O1 -std=gnu11 $san -fsanitize=fuzzer-no-link "${dep_cflags[@]}")

mkdir -p "$out/obj"
newest_header=$(find "$src/include" "$src/tests/fuzz" "$bld/config.h" -name '*.h' -printf '%T@\n' | sort -n | tail -1)

needs() { # needs OBJ SRC...
        local o=$1 s; shift
        [ -e "$o" ] || return 0
        for s in "$@"; do [ "$s" -nt "$o" ] && return 0; done
        [ "$(stat -c %Y "$o")" -lt "${newest_header%.*}" ] && return 0
        return 1
}

# ---- the library, in parallel ----
mapfile -t lib_srcs < <(cd "$src" && find src -name '*.c' ! -path src/kdump-validate.c | sort)
objs=(); pids=(); fail=0
for s in "${lib_srcs[@]}" tests/fuzz/fuzz-util.c; do
        o="$out/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"
        objs+=("$o")
        if needs "$o" "$src/$s"; then
                echo "  CC(fuzz) $s"
                "$cc" "${cppflags[@]}" "${cflags[@]}" -w -c "$src/$s" -o "$o.tmp" && mv "$o.tmp" "$o" &
                pids+=($!)
                if [ ${#pids[@]} -ge "$jobs" ]; then wait "${pids[0]}" || fail=1; pids=("${pids[@]:1}"); fi
        fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
[ $fail = 0 ] || { echo "fuzz: compiling the library with $cc failed" >&2; exit 1; }

# ---- the targets ----
targets=()
for t in "$src"/tests/fuzz/fuzz-*.c; do
        name=$(basename "$t" .c)
        [ "$name" = fuzz-util ] && continue
        targets+=("$name")
        if needs "$out/$name" "$t" "${objs[@]}"; then
                echo "  CCLD(fuzz) $name"
                "$cc" "${cppflags[@]}" "${cflags[@]}" -Wall -Wextra -Werror -Wno-unused-parameter \
                        -fsanitize=fuzzer "$t" "${objs[@]}" "${dep_libs[@]}" -o "$out/$name"
        fi
done
printf '%s\n' "${targets[@]}" > "$out/targets"
