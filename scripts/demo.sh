#!/usr/bin/env bash
# The main job: a synthetic two-panel, 92-channel branch-circuit monitor at 2560 Hz.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target panel_demo
exec build/release/examples/panel_demo "$@"
