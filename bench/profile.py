#!/usr/bin/env python3
"""Where the full chain's time goes: perf samples of window_bench's ChainFramesI16 on the best
SIMD target, grouped by pipeline stage; and the instructions each stage executes per
panel-second, counted by callgrind — the same count on every run, however busy the machine, where
the time shares move with it. Writes BUILD_DIR/profile.txt (read by report.py).
Usage: bench/profile.py BUILD_DIR TARGET  (scripts/bench.sh runs it; needs linux-perf, and a
machine where perf can sample, and valgrind — otherwise it writes why it could not).
        bench/profile.py --instructions BUILD_DIR  prints the instruction table alone (a few seconds)."""
import pathlib
import re
import shutil
import subprocess
import sys

# Symbol substrings → stage, first match wins (the stages of DESIGN.md §1).
STAGES = [
    # ProcessFramesT: Process's conversion step around the converter (inlined): the voltages
    # copied out of a frame-major tile into the tracker's rows, clip marks.
    ("front end: frames → tile (rows or frame-major lanes)",
     ("FramesI16", "FramesI32", "ConvertFrames", "ProcessFramesT", "AnyClipped")),
    ("window engine: accumulation kernel", ("AccumulateTileImpl", "DelayVoltagesImpl")),
    ("window engine: per-frame tracker and oscillator", ("ProcessTileRange", "RollTile", "Track")),
    ("window engine: window close and finalisation",
     ("CloseWindow", "Boundary", "SampleTerms", "ScalarY", "FlushLanes", "FlushCurrentLanes", "FinalizeChannels",
      "FinalizeCurrents", "AnglesDeg", "AddSample", "DistortionPct")),
    ("energy", ("AccumulateEnergy", "AddJoules")),
    ("demand", ("Demand",)),
    ("events", ("Events",)),
]


def stage_of(symbol):
    """The stage name of a symbol, or None (other)."""
    for name, keys in STAGES:
        if any(k in symbol for k in keys):
            return name
    return None


def short_name(symbol):
    """A symbol without its namespaces and arguments: "meterdsp::N_AVX3::(anonymous
    namespace)::LaneFramesI16" → "LaneFramesI16"."""
    name = symbol.replace("(anonymous namespace)::", "").split("(")[0]
    return name.split("::")[-1].split("@")[0] or symbol


# The chain's entry for int16 frames, and the engine's, whose calls count the panel-seconds.
CHAIN_ENTRY = "meterdsp::Process(meterdsp::Meter&, meterdsp::FrameBlock<short>"
ENGINE_ENTRY = "meterdsp::Process(meterdsp::WindowEngine&, meterdsp::FrameBlock<short>"


def engine_calls(raw):
    """Calls of ENGINE_ENTRY in a callgrind output file (its cfn=/calls= lines; names are
    compressed to "(id)" after their first appearance)."""
    names, calls, callee = {}, 0, None
    for line in raw.splitlines():
        m = re.match(r"c?fn=\((\d+)\)(?: (.*))?$", line)
        if m:
            if m.group(2):
                names[m.group(1)] = m.group(2)
            callee = names.get(m.group(1), "") if line.startswith("cfn=") else None
        elif line.startswith("calls=") and callee is not None and callee.startswith(ENGINE_ENTRY):
            calls += int(line.split("=")[1].split()[0])
    return calls


def instructions(build):
    """Markdown: instructions per panel-second of the int16 chain by stage (callgrind, counting
    only inside the chain's Process calls), or why they were not counted. valgrind runs no
    AVX-512 code, so the count is of the AVX2 kernels (fewer lanes: more vector instructions per
    sample than AVX3 executes; the per-window stages are scalar and the same on every target)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None or shutil.which("callgrind_annotate") is None:
        return "Instructions not counted: valgrind is not installed (Debian package valgrind).\n"
    raw_path = build / "callgrind.chain.out"
    run = subprocess.run([valgrind, "--tool=callgrind", f"--callgrind-out-file={raw_path}",
                          f"--toggle-collect={CHAIN_ENTRY}*", str(build / "bench" / "window_bench"),
                          "--benchmark_filter=^ChainFramesI16_20calls/AVX2/"],
                         capture_output=True, text=True)
    if run.returncode != 0 or not raw_path.exists():
        # valgrind stops at an instruction it cannot decode; name it (the function and library).
        lines = run.stderr.splitlines()
        for k, line in enumerate(lines):
            if "Unrecognised instruction" in line:
                where = next((m.group(1) for m in (re.search(r"at 0x[0-9A-Fa-f]+: (.*)", x) for x in lines[k + 1:k + 3])
                              if m), "?")
                return ("Instructions not counted: this valgrind cannot decode an instruction that runs in "
                        f"{where} on this machine (e.g. rdtscp where the CPU does not report it), so the "
                        "benchmark stops at start-up.\n")
        return "Instructions not counted: valgrind failed: " + (lines or ["?"])[-1] + "\n"
    calls = engine_calls(raw_path.read_text(errors="replace"))
    ann = subprocess.run(["callgrind_annotate", "--threshold=100", str(raw_path)],
                         capture_output=True, text=True, check=True).stdout
    counts = {name: 0 for name, _ in STAGES}
    other = 0
    for line in ann.splitlines():
        m = re.match(r"\s*([0-9,]+) \(\s*[0-9.]+%\)\s+\S*?:(.*)", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        n, stage = int(m.group(1).replace(",", "")), stage_of(m.group(2))
        if stage is None:
            other += n
        else:
            counts[stage] += n
    if calls == 0:
        return "Instructions not counted: no chain calls found in the callgrind output.\n"
    total = sum(counts.values()) + other
    rows = [f"| {name} | {n / calls / 1e3:,.0f} k | {100 * n / total:.1f} |" for name, n in counts.items()]
    rows.append(f"| other (dispatch, libc) | {other / calls / 1e3:,.0f} k | {100 * other / total:.1f} |")
    rows.append(f"| whole chain | {total / calls / 1e3:,.0f} k | 100 |")
    return ("Instructions per panel-second of the same chain (AVX2 kernels: valgrind's callgrind runs no "
            f"AVX-512; the stream's first {calls} seconds, one call each, start-up included; the same count on every run):\n\n"
            "| stage | instructions | % |\n|---|---|---|\n" + "\n".join(rows) + "\n")


def main(build, target):
    build = pathlib.Path(build)
    out = build / "profile.txt"
    counted = instructions(build)
    perf = shutil.which("perf")
    if perf is None:
        out.write_text("not measured: perf is not installed (Debian package linux-perf)\n\n" + counted)
        return
    data = build / "perf.data"
    rec = subprocess.run([perf, "record", "-q", "-o", str(data), str(build / "bench" / "window_bench"),
                          f"--benchmark_filter=^ChainFramesI16/{target}$", "--benchmark_min_time=2"],
                         capture_output=True, text=True)
    if rec.returncode != 0:
        out.write_text("not measured: perf could not sample here: " + rec.stderr.strip().splitlines()[-1] + "\n\n" +
                       counted)
        return
    rep = subprocess.run([perf, "report", "-i", str(data), "--no-children", "--stdio", "--sort", "symbol"],
                         capture_output=True, text=True, check=True).stdout
    shares = {name: 0.0 for name, _ in STAGES}
    other, others = 0.0, []
    for line in rep.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+\[\.\]\s+(.*)", line)
        if not m:
            continue
        sym = re.split(r"\s{2,}", m.group(2).strip())[0]  # perf pads the column, then "-  -"
        pct, stage = float(m.group(1)), stage_of(sym)
        if stage is None:
            other += pct
            others.append((pct, sym))
        else:
            shares[stage] += pct
    rows = [f"| {name} | {pct:.1f} % |" for name, pct in shares.items()]
    # The largest symbols of no stage, so that a function the table misses shows itself.
    largest = ", ".join(f"`{short_name(sym)}` {pct:.1f} %" for pct, sym in sorted(others, reverse=True)[:4])
    rows.append(f"| other (benchmark loop, libc, dispatch; largest: {largest or 'none'}) | {other:.1f} % |")
    out.write_text(f"Profile of the full chain on int16 frames ({target}, perf samples):\n\n"
                   "| stage | share of time |\n|---|---|\n" + "\n".join(rows) + "\n\n" + counted)
    print(out.read_text())


if __name__ == "__main__":
    if sys.argv[1] == "--instructions":
        print(instructions(pathlib.Path(sys.argv[2])))
    else:
        main(sys.argv[1], sys.argv[2])
