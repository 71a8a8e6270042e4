#!/usr/bin/env bash
# Runs every benchmark and regenerates bench/README.md's results, bench/throughput.png and bench/roofline.png.
# Each step says what it runs and about how long it takes on the 2-core development VM; the
# long ones print the elapsed time every 30 s (Google Benchmark prints nothing until it is done
# when it interleaves repetitions).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '== bench.sh step %s: %s\n' "$1" "$2" >&2; }
# Runs "$@", printing "… still running, N s" every 30 s; returns its status.
with_ticker() {
  "$@" &
  local pid=$! start=$SECONDS next=30
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (( SECONDS - start >= next )); then
      printf '   … still running, %d s\n' $((SECONDS - start)) >&2
      next=$((next + 30))
    fi
  done
  wait "$pid"
}

step 1/8 "setup and the bench build (a few minutes the first time)"
scripts/setup.sh
source scripts/lib/apt.sh
apt_install_missing linux-perf valgrind  # bench/profile.py
cmake --workflow --preset bench
cmake --build --preset bench --target meterdsp_python state_sizes >/dev/null
b=build/bench
step 2/8 "kernel_bench: accumulation kernel, front end and their floor (under a minute)"
with_ticker $b/bench/kernel_bench --benchmark_min_time=0.3 --benchmark_format=json --benchmark_out=$b/kernel_bench.json >/dev/null
# Three repetitions in random order, medians reported: on a shared machine whose speed changes
# over minutes, every benchmark then sees the same mix of speeds (the report states the spread).
step 3/8 "window_bench: every stage, chain and target, three interleaved repetitions (about 3 min)"
with_ticker $b/bench/window_bench --benchmark_min_time=0.3 --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
  --benchmark_format=json --benchmark_out=$b/window_bench.json >/dev/null
step 4/8 "NumPy comparison and Meter.process from Python (about 30 s)"
PYTHONPATH=$b/python /usr/bin/python3 bench/numpy_compare.py | tee $b/numpy_compare.txt
step 5/8 "state sizes"
$b/bench/state_sizes | tee $b/state_sizes.txt
step 6/8 "latency_bench: per-call latency as firmware feeds the chain (a few seconds)"
$b/bench/latency_bench | tee $b/latency.txt
step 7/8 "perf profile and instruction count of the full chain (about 30 s)"
best=$(PYTHONPATH=$b/python /usr/bin/python3 -c 'import meterdsp; print(meterdsp.simd_target())')
/usr/bin/python3 bench/profile.py $b "$best"
step 8/8 "bench/README.md, bench/throughput.png and bench/roofline.png"
/usr/bin/python3 bench/report.py $b
