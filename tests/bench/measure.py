#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Time two commands as whole processes, N runs each, interleaved A B A B ...

    measure.py N -- CMD_A [ARGS...] -- CMD_B [ARGS...]

prints "median_A_ms median_B_ms min_A min_B max_A max_B exit_codes_A exit_codes_B".
Wall time per run is perf_counter() around fork+exec+wait4; stdout and stderr go to /dev/null.
One untimed warm-up run of each first (same page cache for every timed run). Interleaving
makes both commands see the same background load, so their ratio stays meaningful on a busy
machine even when the absolute times do not.

Peak RSS is NOT measured here: a child forked from python carries python's pages until exec,
and ru_maxrss keeps that high-water mark (bench.sh uses GNU time, whose own process is small)."""
import os
import statistics
import subprocess
import sys
import time


def run_once(argv):
    with open(os.devnull, "wb") as null:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=null, stderr=null)
        _, status, _ = os.wait4(p.pid, 0)
        t1 = time.perf_counter()
    return (t1 - t0) * 1000.0, os.waitstatus_to_exitcode(status)


def main():
    n = int(sys.argv[1])
    rest = sys.argv[2:]
    if not rest or rest[0] != "--" or rest[1:].count("--") != 1:
        raise SystemExit(__doc__)
    i = rest.index("--", 1)
    cmds = [rest[1:i], rest[i + 1:]]
    for c in cmds:
        run_once(c)
    times = [[], []]
    codes = [set(), set()]
    for _ in range(n):
        for k, c in enumerate(cmds):
            ms, rc = run_once(c)
            times[k].append(ms)
            codes[k].add(rc)
    print("%.1f %.1f %.1f %.1f %.1f %.1f %s %s" % (
        statistics.median(times[0]), statistics.median(times[1]),
        min(times[0]), min(times[1]), max(times[0]), max(times[1]),
        ",".join(map(str, sorted(codes[0]))), ",".join(map(str, sorted(codes[1])))))


if __name__ == "__main__":
    main()
