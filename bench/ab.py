#!/usr/bin/env python3
"""Compares builds of a Google Benchmark binary by running them alternately.

On a shared machine one run of each build can differ by more than the change being measured
(10-20 % between processes here, sometimes in two modes), so the builds take turns, ROUNDS
times, and the script prints each benchmark's median and minimum per build and the ratio of
medians and of minima against the first build. Trust a change only when both ratios agree.

Usage: bench/ab.py FILTER ROUNDS NAME=BINARY [NAME=BINARY ...]
  e.g. cp build/bench/bench/window_bench /tmp/wb_old   (before the change, then rebuild)
       bench/ab.py 'ChainFramesI16/AVX3$' 9 old=/tmp/wb_old new=build/bench/bench/window_bench
"""
import re
import statistics
import subprocess
import sys


def run_once(binary, pattern):
    """{benchmark name: ns per iteration} of one run of binary."""
    out = subprocess.run([binary, f"--benchmark_filter={pattern}", "--benchmark_min_time=0.5"],
                         capture_output=True, text=True, check=True).stdout
    times = {}
    for line in out.splitlines():
        m = re.match(r"(\S+)\s+([0-9.]+) (ns|us|ms)\s", line)
        if m:
            scale = {"ns": 1.0, "us": 1e3, "ms": 1e6}[m.group(3)]
            times[m.group(1)] = float(m.group(2)) * scale
    return times


def main(argv):
    if len(argv) < 4 or any("=" not in a for a in argv[3:]):
        sys.exit(__doc__)
    pattern, rounds = argv[1], int(argv[2])
    builds = [tuple(a.split("=", 1)) for a in argv[3:]]
    samples = {}  # (benchmark, build) → [ns]
    for r in range(rounds):
        for name, binary in builds:
            for bench, ns in run_once(binary, pattern).items():
                samples.setdefault((bench, name), []).append(ns)
        print(f"round {r + 1}/{rounds} done", file=sys.stderr)
    if not samples:
        sys.exit(f"no benchmark matches {pattern!r}")
    first = builds[0][0]
    print(f"{'benchmark':34s} {'build':8s} {'median ns':>12s} {'min ns':>12s} {'median ×':>9s} {'min ×':>7s}")
    for bench in sorted({b for b, _ in samples}):
        base = samples.get((bench, first))
        for name, _ in builds:
            v = samples.get((bench, name))
            if not v:
                continue
            med, low = statistics.median(v), min(v)
            ratio = (f"{med / statistics.median(base):9.3f} {low / min(base):7.3f}" if base else "")
            print(f"{bench:34s} {name:8s} {med:12.0f} {low:12.0f} {ratio}")


if __name__ == "__main__":
    main(sys.argv)
