#!/usr/bin/env bash
# Compares builds of meterdsp inside one process (bench/inprocess_ab_driver.cc says why and how).
#
# Usage: bench/inprocess_ab.sh [--rounds N] [--block FRAMES] [--target NAME] [--currents N]
#                             WORKLOAD REV [REV ...]
#   REV: a git revision (built from `git archive`, so nothing in the working tree changes), or
#        "." for the working tree as it is, uncommitted changes included. The first is the
#        reference of the ratios; name a build twice (e.g. HEAD HEAD) to see the noise floor.
#   WORKLOAD: measure-f32 measure-f64 chain-i16 chain-i32 chain-f32 chain-f64 chain-i16-skew
#             chain-f32-onepass chain-f64-onepass (as Python's Meter.process: see the driver)
#   e.g. bench/inprocess_ab.sh chain-i16 HEAD .        (the uncommitted change against HEAD)
#        bench/inprocess_ab.sh --target AVX2 measure-f32 HEAD~3 HEAD
# Builds go to build/inprocess_ab/ (the library alone, Release, about a minute per revision the
# first time; a revision's build is kept and reused).
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
out=$root/build/inprocess_ab
cxx=${CXX:-c++}

opts=()
while [[ $# -gt 0 && $1 == --* ]]; do
  [[ $# -ge 2 ]] || { echo "$1 needs a value" >&2; exit 2; }
  opts+=("$1" "$2")
  shift 2
done
if [[ $# -lt 2 ]]; then
  sed -n '4,15p' "$0" >&2
  exit 2
fi
workload=$1
shift

mkdir -p "$out"
# The library of one revision → $out/v<index>-<name>.so (the variant side of the driver).
variant() {
  local index=$1 rev=$2 src name
  if [[ $rev == . ]]; then
    src=$root
    name=worktree
  else
    name=$(git -C "$root" rev-parse --short "$rev^{commit}")
    src=$out/src-$name
    if [[ ! -d $src ]]; then
      mkdir -p "$src.tmp"
      git -C "$root" archive "$name" | tar -x -C "$src.tmp"
      mv "$src.tmp" "$src"
    fi
  fi
  local bdir=$out/build-$name
  printf '== building %s (%s)\n' "$rev" "$name" >&2
  cmake -S "$src" -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMETERDSP_BUILD_TESTS=OFF \
    -DMETERDSP_BUILD_BENCH=OFF -DMETERDSP_BUILD_PYTHON=OFF -DMETERDSP_BUILD_EXAMPLES=OFF \
    -DMETERDSP_BUILD_TOOLS=OFF >/dev/null
  cmake --build "$bdir" -j2 --target meterdsp >/dev/null
  "$cxx" -O2 -std=c++17 -shared -fPIC -fvisibility=hidden -I"$src/include" "$root/bench/inprocess_ab_variant.cc" \
    -o "$out/v$index-$name.so" -Wl,--whole-archive "$bdir/libmeterdsp.a" -Wl,--no-whole-archive -lhwy -Wl,-Bsymbolic
  printf '%s\n' "$out/v$index-$name.so"
}

sos=()
index=0
for rev in "$@"; do
  sos+=("$(variant "$index" "$rev")")
  index=$((index + 1))
done
"$cxx" -O2 -std=c++17 "$root/bench/inprocess_ab_driver.cc" -o "$out/driver" -ldl -lhwy
"$out/driver" "${opts[@]}" "$workload" "${sos[@]}"
