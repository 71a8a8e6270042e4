#!/usr/bin/env bash
# Largest stack frames of the library (GCC -fstack-usage output of the firmware preset).
# Usage: scripts/stack_usage.sh [build/firmware]
set -euo pipefail
dir=${1:-build/firmware}
find "$dir/CMakeFiles/meterdsp.dir" -name '*.su' -print0 | xargs -0 cat |
  awk -F'\t' '{ n = split($1, a, ":"); printf "%8d  %-8s %s\n", $2, $3, a[n] }' | sort -rn | head -n "${2:-15}"
