#!/usr/bin/env bash
# Runs every benchmark and regenerates bench/README.md's results and bench/throughput.png.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/lib/apt.sh
apt_install_missing linux-perf  # bench/profile.py
cmake --workflow --preset bench
cmake --build --preset bench --target meterdsp_python state_sizes >/dev/null
b=build/bench
$b/bench/kernel_bench --benchmark_min_time=0.3 --benchmark_format=json --benchmark_out=$b/kernel_bench.json >/dev/null
# Three repetitions in random order, medians reported: on a shared machine whose speed changes
# over minutes, every benchmark then sees the same mix of speeds (the report states the spread).
$b/bench/window_bench --benchmark_min_time=0.3 --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
  --benchmark_format=json --benchmark_out=$b/window_bench.json >/dev/null
PYTHONPATH=$b/python /usr/bin/python3 bench/numpy_compare.py | tee $b/numpy_compare.txt
$b/bench/state_sizes | tee $b/state_sizes.txt
$b/bench/latency_bench | tee $b/latency.txt
best=$(PYTHONPATH=$b/python /usr/bin/python3 -c 'import meterdsp; print(meterdsp.simd_target())')
/usr/bin/python3 bench/profile.py $b "$best"
/usr/bin/python3 bench/report.py $b
