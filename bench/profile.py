#!/usr/bin/env python3
"""Where the full chain's time goes: perf samples of window_bench's ChainFramesI16 on the best
SIMD target, grouped by pipeline stage. Writes BUILD_DIR/profile.txt (read by report.py).
Usage: bench/profile.py BUILD_DIR TARGET  (scripts/bench.sh runs it; needs linux-perf, and a
machine where perf can sample — otherwise it writes why it could not)."""
import pathlib
import re
import shutil
import subprocess
import sys

# Symbol substrings → stage, first match wins (the stages of DESIGN.md §1).
STAGES = [
    ("front end: frames → tile (rows or frame-major lanes)", ("FramesI16", "FramesI32", "ConvertFrames")),
    ("window engine: accumulation kernel", ("AccumulateTileImpl", "DelayVoltagesImpl")),
    ("window engine: per-frame tracker and oscillator", ("ProcessTileRange", "RollTile", "Track")),
    ("window engine: window close and finalisation",
     ("CloseWindow", "Boundary", "SampleTerms", "ScalarY", "FlushLanes", "FinalizeChannels", "AnglesDeg",
      "AddSample", "DistortionPct")),
    ("energy", ("AccumulateEnergy", "AddJoules")),
    ("demand", ("Demand",)),
    ("events", ("Events",)),
]


def main(build, target):
    build = pathlib.Path(build)
    out = build / "profile.txt"
    perf = shutil.which("perf")
    if perf is None:
        out.write_text("not measured: perf is not installed (Debian package linux-perf)\n")
        return
    data = build / "perf.data"
    rec = subprocess.run([perf, "record", "-q", "-o", str(data), str(build / "bench" / "window_bench"),
                          f"--benchmark_filter=^ChainFramesI16/{target}$", "--benchmark_min_time=2"],
                         capture_output=True, text=True)
    if rec.returncode != 0:
        out.write_text("not measured: perf could not sample here: " + rec.stderr.strip().splitlines()[-1] + "\n")
        return
    rep = subprocess.run([perf, "report", "-i", str(data), "--no-children", "--stdio", "--sort", "symbol"],
                         capture_output=True, text=True, check=True).stdout
    shares = {name: 0.0 for name, _ in STAGES}
    other = 0.0
    for line in rep.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+\[\.\]\s+(.*)", line)
        if not m:
            continue
        pct, sym = float(m.group(1)), m.group(2)
        for name, keys in STAGES:
            if any(k in sym for k in keys):
                shares[name] += pct
                break
        else:
            other += pct
    rows = [f"| {name} | {pct:.1f} % |" for name, pct in shares.items()]
    rows.append(f"| other (benchmark loop, libc, dispatch) | {other:.1f} % |")
    out.write_text(f"Profile of the full chain on int16 frames ({target}, perf samples):\n\n"
                   "| stage | share of time |\n|---|---|\n" + "\n".join(rows) + "\n")
    print(out.read_text())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
