#!/usr/bin/env bash
# Builds and runs every test: C++ (each SIMD target), Python (incl. the Modbus server over
# loopback) in the release workflow, then a short libFuzzer run of the Modbus request handler.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --workflow --preset release
cmake --workflow --preset fuzz
