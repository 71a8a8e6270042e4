#!/usr/bin/env bash
# Builds and runs every test, C++ (each SIMD target) and Python: the release workflow.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --workflow --preset release
