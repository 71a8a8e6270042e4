#!/usr/bin/env bash
# Checks `pip install --no-build-isolation .` offline: installs into a throw-away venv that sees
# Debian's site packages, then imports and uses meterdsp from outside the source tree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-/usr/bin/python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$python" -m venv --system-site-packages "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet --no-build-isolation --no-index "$root" \
  > "$tmp/pip.log" 2>&1 || { cat "$tmp/pip.log"; exit 1; }
cd "$tmp"
"$tmp/venv/bin/python" - "$tmp/venv" <<'PY'
import math, sys
import numpy as np
import meterdsp
assert meterdsp.__file__.startswith(sys.argv[1]), meterdsp.__file__
t = np.arange(2560) / 2560
v = 230 * math.sqrt(2) * np.cos(2 * np.pi * 50 * t)
i = 5 * math.sqrt(2) * np.cos(2 * np.pi * 50 * t - math.pi / 6)
p = meterdsp.measure(v, i, 2560).p[0]
assert abs(p - 230 * 5 * math.cos(math.pi / 6)) < 0.05, p
import meterdsp.plot, meterdsp.recordings, meterdsp.fleet, meterdsp.tables  # noqa: F401
print(f"pip install ok: {meterdsp.__file__} ({meterdsp.simd_target()}), P = {p:.3f} W")
PY
