#!/usr/bin/env python3
"""Turns the benchmark JSON (window_bench, kernel_bench) and the NumPy comparison into the table
and plots of bench/README.md. Usage: bench/report.py BUILD_DIR  (scripts/bench.sh runs it all)."""
import json
import pathlib
import re
import sys

PANEL = 2560 * 95  # channel-samples per second of one 92-channel panel (incl. 3 voltages)


def base_name(run_name):
    """A repeated benchmark's name without its /repeats:N part (threads and options kept)."""
    return re.sub(r"/repeats:[0-9]+", "", run_name)


def load(path):
    """Benchmarks by name: the single run, or the median of a repeated one."""
    out = {}
    for b in json.loads(pathlib.Path(path).read_text())["benchmarks"]:
        if b.get("run_type", "iteration") == "iteration":
            out.setdefault(b["name"], b)
        elif b.get("aggregate_name") == "median":
            out[base_name(b["run_name"])] = b
    return out


def spreads(path):
    """Coefficient of variation of every repeated benchmark's runs, by name."""
    return {base_name(b["run_name"]): b["real_time"]
            for b in json.loads(pathlib.Path(path).read_text())["benchmarks"] if b.get("aggregate_name") == "cv"}


def rate(b):
    return b.get("items_per_second", 0.0)


def profile_shares(text):
    """{stage: share 0..1} from profile.txt's table (bench/profile.py); the "other" row without
    its list of largest symbols (a legend entry)."""
    return {re.sub(r"; largest: .*\)$", ")", m.group(1)): float(m.group(2)) / 100
            for m in re.finditer(r"^\| ([^|]+?) \| ([0-9.]+) % \|$", text, re.M)}


def roofline_plot(plt, path, best, chain, dram, roof, floor_dram, shares):
    """Horizontal bars: µs per second of one panel (int16 frames) for the read roofline, the 70 %
    target, the per-sample floor from DRAM, and the full chain in cache and from DRAM, the chain
    split by the profile's stage shares (from DRAM plus the wait its front end adds there)."""
    us = 1e6
    cache_us = PANEL / chain * us
    dram_us = PANEL / rate(dram) * us
    roof_us = PANEL / roof["items_per_second"] * us
    fig, ax = plt.subplots(figsize=(9, 3.6))
    bars = [("read roofline (DRAM)", roof_us), ("70 % of it: the target", roof_us / 0.7)]
    if floor_dram:
        bars.append(("front end + kernel alone, DRAM", PANEL * 2 / floor_dram["bytes_per_second"] * us))
    for y, (label, t) in enumerate(bars):
        if y == 1:  # the target: an outline, apart from the stages' colours
            ax.barh(y, t, color="none", edgecolor="tab:red", hatch="//")
        else:
            ax.barh(y, t, color="0.6")
        ax.text(t, y, f" {t:.0f} µs", va="center", fontsize=8)
    labels = [b[0] for b in bars]
    colors = plt.get_cmap("tab20").colors
    for y, (label, total, extra) in enumerate((("full chain, frames in cache", cache_us, 0.0),
                                               ("full chain, frames in DRAM", dram_us, dram_us - cache_us)),
                                              start=len(bars)):
        left = 0.0
        for k, (stage, share) in enumerate(shares.items()):
            w = share * cache_us
            ax.barh(y, w, left=left, color=colors[k % len(colors)], label=stage if y == len(bars) else None)
            left += w
        if extra > 0:
            ax.barh(y, extra, left=left, color="k", label="DRAM wait in the front end")
        ax.text(total, y, f" {total:.0f} µs", va="center", fontsize=8)
        labels.append(label)
    ax.axvline(roof_us / 0.7, color="tab:red", ls="--", lw=1)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"µs per second of one 92-channel panel, int16 frames, one core ({best})")
    ax.set_title("Where the chain's time goes, against the memory-read roofline", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def cpu_model():
    """The processor that ran the benchmarks (this machine: report.py runs right after them)."""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "an unknown processor"


def run_date(build):
    """The day window_bench ran, from its JSON context."""
    ctx = json.loads((build / "window_bench.json").read_text()).get("context", {})
    return ctx.get("date", "date unknown")[:10]


def main(build):
    build = pathlib.Path(build)
    wb = load(build / "window_bench.json")
    kb = load(build / "kernel_bench.json")
    targets = [t for t in ("AVX3", "AVX2", "SSE4", "SSSE3", "SCALAR") if f"ProcessPlanarF32/{t}" in wb]
    lines = ["| benchmark | " + " | ".join(targets) + " |", "|---|" + "---|" * len(targets)]

    def row(label, fmt, src=wb):
        vals = []
        for t in targets:
            b = src.get(fmt.format(t))
            vals.append(f"{rate(b) / 1e9:.2f}" if b else "–")
        lines.append(f"| {label} | " + " | ".join(vals) + " |")

    row("accumulation kernel alone", "Kernel/{}", kb)
    row("kernel + skew filter", "KernelDelayFiltered/{}", kb)
    row("front end alone, int16 frames → rows", "FrontEndI16/{}")
    row("front end alone, int32 frames → rows", "FrontEndI32/{}")
    row("front end alone, int16 frames → frame-major lanes", "FrontEndLanesI16/{}")
    row("front end alone, int32 frames → frame-major lanes", "FrontEndLanesI32/{}")
    row("front end alone, float32 planar (finite check + scale)", "FrontEndF32/{}")
    row("front end alone, float64 planar (finite check + scale)", "FrontEndF64/{}")
    row("window engine, int16 frames", "ProcessFramesI16/{}")
    row("window engine, int32 frames", "ProcessFramesI32/{}")
    row("window engine, float32 planar", "ProcessPlanarF32/{}")
    row("window engine, float64 planar", "ProcessPlanarF64/{}")
    row("chain, int16 frames", "ChainFramesI16/{}")
    row("chain, int16 frames, every current skew-calibrated", "ChainFramesI16_skewcal/{}")
    row("chain, int16 frames, every current with a current table", "ChainFramesI16_tables/{}")
    row("chain, int32 frames", "ChainFramesI32/{}")
    row("chain, float32 planar", "ChainPlanarF32/{}")
    row("chain, float64 planar", "ChainPlanarF64/{}")
    row("Measure(), float32 planar", "MeasureF32/{}")
    row("Measure(), float64 planar", "MeasureF64/{}")
    ref = rate(wb["BM_PlainScalarReference"])
    best = targets[0]
    chain = rate(wb[f"ChainFramesI16/{best}"])
    dram = wb["BM_ChainDram/2560"]
    roof = wb["BM_RooflineRead/dram"]
    floor_cache, floor_dram = kb.get(f"LaneFloorI16/cache/{best}"), kb.get(f"LaneFloorI16/dram/{best}")
    floor_pct = 100 * floor_dram["bytes_per_second"] / roof["bytes_per_second"] if floor_dram else 0.0
    profile = (build / "profile.txt").read_text().strip() if (build / "profile.txt").exists() else ""
    shares = profile_shares(profile)
    # The per-frame tracker and the per-window stages, by their profile shares of the chain's
    # time in cache, against all the time the whole chain may take at 70 % of the roofline.
    tracker_and_windows = sum(v for k, v in shares.items() if not k.startswith(("front end", "window engine: accumulation",
                                                                       "other")))
    budget_us, rest_us = PANEL / (0.7 * roof["items_per_second"]) * 1e6, tracker_and_windows * PANEL / chain * 1e6
    numpy = (build / "numpy_compare.txt").read_text() if (build / "numpy_compare.txt").exists() else ""
    m = re.search(r"speed-up: ([0-9.]+)x \(median of [0-9]+ alternating rounds, ([0-9.]+)-([0-9.]+)x\); "
                  r"arrays not in cache: ([0-9.]+)x", numpy)
    mr = re.search(r"NumPy's max over the same arrays, also right after NumPy's run, ([0-9.]+) ms; measure's first "
                   r"call takes ([0-9.]+)x that \(([0-9.]+)-([0-9.]+)x\); NumPy's whole work takes ([0-9]+)x its own single "
                   r"read, so 50x on a first call needs measure in ([0-9.]+)x", numpy)
    m64 = re.search(r"float64 arrays \(([0-9.]+) MB, read in place; agree: True\): meterdsp.measure ([0-9.]+) ms = "
                    r"([0-9.]+)x \(median of [0-9]+ alternating rounds, ([0-9.]+)-([0-9.]+)x\) NumPy's ([0-9.]+) ms; "
                    r"first call ([0-9.]+) ms = ([0-9.]+)x \(([0-9.]+)-([0-9.]+)x\), ([0-9.]+)x that", numpy)
    mp = re.search(r"= ([0-9]+) 92-channel panels per core in real time", numpy)
    ml = re.search(r"DRAM-resident recording: .* for ([0-9.]+) s \(([0-9]+) MiB\) = ([0-9]+) panels", numpy)
    ml64 = re.search(r"DRAM-resident float64 recording: .* \(([0-9]+) MiB\) = ([0-9]+) panels", numpy)
    # Two cores: a Meter per thread, each streaming its own share of the 256 MiB.
    t1, t2 = (wb.get(f"BM_ChainDramThreads/2560/real_time/threads:{n}") for n in (1, 2))
    r1, r2 = (wb.get(f"BM_RooflineReadThreads/real_time/threads:{n}") for n in (1, 2))
    two_cores = (
        f"- Two cores, each thread its own `Meter` streaming its own half of the 256 MiB of int16 frames: "
        f"chain {t2['bytes_per_second'] / 1e9:.2f} GB/s = {t2['bytes_per_second'] / t1['bytes_per_second']:.2f}× "
        f"one thread ({t1['bytes_per_second'] / 1e9:.2f} GB/s), {rate(t2) / PANEL:,.0f} panels in real time; the "
        f"read roofline on two threads {r2['bytes_per_second'] / 1e9:.1f} GB/s "
        f"({r2['bytes_per_second'] / r1['bytes_per_second']:.2f}× one thread), of which the two chains read "
        f"{100 * t2['bytes_per_second'] / r2['bytes_per_second']:.0f} %: panels scale with cores."
        if t1 and t2 and r1 and r2 else "- Two cores: not measured.")
    # Measure() in C++ on 10 s × 95 rows, float32 and float64: rows in the caches, and after a 64-MiB read.
    mc, mf = wb.get("BM_MeasureLong/cached"), wb.get("BM_MeasureLong/first_call")
    m64c, m64f = wb.get("BM_MeasureLongF64/cached"), wb.get("BM_MeasureLongF64/first_call")
    measure_long = (
        f"- `Measure()` (C++) on 10 s × 95 float32 rows (9.7 MB): {mc['real_time']:.2f} ms with the rows in the "
        f"caches ({mc['bytes_per_second'] / 1e9:.1f} GB/s), {mf['real_time']:.2f} ms on a first call after a 64-MiB "
        f"read ({mf['bytes_per_second'] / 1e9:.1f} GB/s = {100 * mf['bytes_per_second'] / roof['bytes_per_second']:.0f} % "
        f"of the read roofline)" + (
            f"; on the same rows as float64 (19.5 MB, read in place) {m64c['real_time']:.2f} ms and "
            f"{m64f['real_time']:.2f} ms ({m64f['bytes_per_second'] / 1e9:.1f} GB/s)." if m64c and m64f else ".")
        if mc and mf else "- Measure() on 10 s: not measured.")
    chains = [f"{c}/{best}" for c in ("ChainFramesI16", "ChainFramesI16_skewcal", "ChainFramesI32",
                                          "ChainPlanarF32", "ChainPlanarF64")]
    all_cv = spreads(build / "window_bench.json")
    cvs = {n: all_cv[n] for n in chains if n in all_cv}
    worst = max(cvs, key=cvs.get) if cvs else None
    stability = [] if worst is None else [
        f"- Run stability: the {best} chains' repetitions (interleaved with every other benchmark's) spread "
        f"by at most {100 * cvs[worst]:.1f} % (coefficient of variation, {worst})" + (
            "." if cvs[worst] <= 0.10 else
            " — above 10 %: the machine changed speed during the run (a shared VM), so the medians and "
            "the ratios between benchmarks below mix its speeds; rerun `scripts/bench.sh` for figures to compare.")]
    summary = stability + [
        f"- Kernel {best} vs SCALAR: {rate(kb[f'Kernel/{best}']) / rate(kb['Kernel/SCALAR']):.1f}×; "
        f"window engine {best} vs the plain scalar reference: {rate(wb[f'ProcessPlanarF32/{best}']) / ref:.0f}×.",
        f"- Full chain on int16 frames ({best}): {chain / 1e9:.2f} G channel-samples/s = "
        f"{chain / PANEL:,.0f} 92-channel panels per core in real time (target 10,000); with a skew "
        f"correction on every current (4-tap fractional delay per channel): "
        f"{rate(wb[f'ChainFramesI16_skewcal/{best}']) / PANEL:,.0f}" + (
            f"; with a 4-point current table on every current (docs/calibration.md): "
            f"{rate(wb[f'ChainFramesI16_tables/{best}']) / PANEL:,.0f}."
            if f"ChainFramesI16_tables/{best}" in wb else "."),
        f"- DRAM-resident int16 frames (256 MiB): chain {dram['bytes_per_second'] / 1e9:.2f} GB/s vs the read "
        f"roofline {roof['bytes_per_second'] / 1e9:.1f} GB/s = {100 * dram['bytes_per_second'] / roof['bytes_per_second']:.0f} % "
        f"(target 70 %); the same chain on cache-resident frames reads {2 * chain / 1e9:.2f} GB/s = "
        f"{200 * chain / roof['bytes_per_second']:.0f} % of the roofline, and the DRAM-resident run keeps "
        f"{100 * rate(dram) / chain:.0f} % of that speed: the chain is compute-bound (per-sample work of "
        f"the front end and kernel, per-frame tracking, per-window finalisation), not memory-bound.",
        f"- Why 70 % is out of reach on one core: the accumulation kernel alone (five multiply-adds per sample, "
        f"rows already in cache, nothing else done) runs at {rate(kb[f'Kernel/{best}']) / 1e9:.1f} G samples/s = "
        f"{100 * rate(kb[f'Kernel/{best}']) / roof['items_per_second']:.0f} % of the roofline's "
        f"{roof['items_per_second'] / 1e9:.1f} G int16 samples/s: at 70 % of the roofline the kernel alone would "
        f"take {70 * roof['items_per_second'] / rate(kb[f'Kernel/{best}']):.0f} % of the chain's time, leaving the "
        f"rest for the front end, the tracker and all per-window work, which today take about four times the "
        f"kernel's time (profile below)." + (
            f" The per-sample work alone — int16 frames converted into the frame-major tile and accumulated, tile "
            f"after tile, no tracker, no window ends, no later stage (`kernel_bench` LaneFloorI16) — reads "
            f"{floor_cache['bytes_per_second'] / 1e9:.1f} GB/s in cache but {floor_dram['bytes_per_second'] / 1e9:.1f} "
            f"GB/s from DRAM = {floor_pct:.0f} % of the roofline: "
            + ("below 70 % before any per-frame or per-window work." if floor_pct < 70 else
               "room for 70 % if the rest of the chain cost nothing.") if floor_dram and floor_cache else "") + (
            f" And the other way round: the per-frame tracker and the per-window stages (window close, energy, "
            f"demand, events: {100 * tracker_and_windows:.0f} % of the profile below) take {rest_us:.1f} µs per panel-second "
            f"on cache-resident frames, against {budget_us:.1f} µs for the whole chain at 70 % of the roofline"
            + (": more than the whole budget before one sample is converted or accumulated." if rest_us >= budget_us
               else f", leaving {budget_us - rest_us:.1f} µs for the front end and the kernel.") if tracker_and_windows else ""),
        two_cores,
        f"- `meterdsp.measure` vs NumPy on the same work, the two taking turns: {m.group(1)}× "
        f"({m.group(2)}–{m.group(3)}× over the rounds) with the arrays in cache; {m.group(4)}× on the first "
        f"call after NumPy's run, which reads the 9.7 MB of arrays from memory" + (
            f" — {mr.group(2)}× ({mr.group(3)}–{mr.group(4)}×) the time NumPy's own `max` takes to read the "
            f"same arrays once in the same state ({mr.group(1)} ms), while NumPy's whole work takes "
            f"{mr.group(5)}× that read, so 50× on a first call needs `measure` within "
            f"{mr.group(6)}× the time of one read of its input."
            if mr else ".") if m else
        "- NumPy comparison: not run.",
        f"- The same on float64 arrays (NumPy's default type, {m64.group(1)} MB, read in place): {m64.group(3)}× "
        f"({m64.group(4)}–{m64.group(5)}×) with the arrays in cache ({m64.group(2)} ms against NumPy's "
        f"{m64.group(6)} ms); {m64.group(8)}× on a first call ({m64.group(7)} ms, {m64.group(11)}× one NumPy `max` "
        f"read of them)." if m64 else "- NumPy comparison on float64 arrays: not run.",
        measure_long,
        f"- `Meter.process` from Python on float32 (whole chain): {mp.group(1)} panels per core in real time "
        "(target 5,000)" + (f"; on a {ml.group(1)}-s recording ({ml.group(2)} MiB, DRAM-resident) {ml.group(3)}"
                            if ml else "") + (f", as float64 ({ml64.group(1)} MiB, read in place) {ml64.group(2)}"
                                              if ml64 else "") + "." if mp else "- Meter.process from Python: not run.",
        f"- Later stages per 200-ms window of 92 channels: energy {wb['BM_StageEnergy']['real_time']:.0f} ns, "
        f"demand {wb['BM_StageDemand']['real_time']:.0f} ns, events {wb['BM_StageEvents']['real_time']:.0f} ns; "
        f"a full register-map read {rate(wb['BM_StageRegisterMaps']) / 1e6:.1f} M registers/s.",
        "- Block length (int16 frames, chain-less engine): " + ", ".join(
            f"{n} → {rate(wb[f'BM_BlockLength/{n}']) / 1e9:.2f}" for n in (1, 16, 256, 2560, 25600)
            if f"BM_BlockLength/{n}" in wb) + " G/s" + (
            "; with row tiles (AVX2, as the firmware build and Arm use): " + ", ".join(
                f"{n} → {rate(wb[f'BM_BlockLengthRows/{n}']) / 1e9:.2f}" for n in (1, 16, 256, 2560)
                if f"BM_BlockLengthRows/{n}" in wb) + " G/s" if "BM_BlockLengthRows/1" in wb else "") + ".",
    ]
    if f"Channels/{best}/4" in wb:  # smaller meters: the chain by channel count (throughput.png)
        meter = wb[f"Channels/{best}/4"]
        assert meter.get("time_unit", "ns") == "ns"
        summary.append(
            f"- Channel count (full chain, int16 frames, {best}; plot below): " + ", ".join(
                f"{n} → {rate(wb[f'Channels/{best}/{n}']) / 1e9:.2f}" for n in (1, 4, 12, 24, 64, 92)
                if f"Channels/{best}/{n}" in wb) + " G/s for 3 voltages and that many currents; a 3-phase meter "
            f"with 4 currents takes {meter['real_time'] / 1e3:.1f} µs per second of signal = "
            f"{1e9 / meter['real_time']:,.0f} such meters per core in real time.")
    # DRAM-resident input of every layout next to the read roofline and the in-cache chain.
    dram_rows = ["| input, 256 MiB in DRAM | block (frames) | chain GB/s | % of read roofline | "
                 "G channel-samples/s | vs the same chain in cache |", "|---|---|---|---|---|---|"]
    for label, name, cached in (("int16 frames", "BM_ChainDram/2560", "ChainFramesI16"),
                                ("int32 frames", "BM_ChainDramI32/2560", "ChainFramesI32"),
                                ("float32 planar", "BM_ChainDramF32/2560", "ChainPlanarF32"),
                                ("float32 planar", "BM_ChainDramF32/256", "ChainPlanarF32"),
                                ("float64 planar", "BM_ChainDramF64/2560", "ChainPlanarF64"),
                                ("float64 planar", "BM_ChainDramF64/256", "ChainPlanarF64")):
        b = wb.get(name)
        if b is None:
            continue
        dram_rows.append(f"| {label} | {name.split('/')[-1]} | {b['bytes_per_second'] / 1e9:.2f} | "
                         f"{100 * b['bytes_per_second'] / roof['bytes_per_second']:.0f} % | {rate(b) / 1e9:.2f} | "
                         f"{100 * rate(b) / rate(wb[f'{cached}/{best}']):.0f} % |")
    sizes = (build / "state_sizes.txt").read_text().strip() if (build / "state_sizes.txt").exists() else ""
    latency = (build / "latency.txt").read_text().strip() if (build / "latency.txt").exists() else ""
    # Plot: the full chain on int16 frames per target vs channel count, with the DRAM read
    # roofline of int16 samples (the same units) and the 70 % target.
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4))
    for t in targets:
        pts = sorted((int(n.split("/")[-1]), rate(b)) for n, b in wb.items() if n.startswith(f"Channels/{t}/"))
        if pts:
            ax.plot([p[0] for p in pts], [p[1] / 1e9 for p in pts], "o-", ms=3, label=t)
    ax.axhline(roof["items_per_second"] / 1e9, color="r", ls="--", lw=1, label="DRAM read roofline (int16)")
    ax.axhline(0.7 * roof["items_per_second"] / 1e9, color="r", ls=":", lw=1, label="70 % of it (target)")
    ax.set_yscale("log")
    ax.set_xlabel("current channels (+3 voltages)")
    ax.set_ylabel("G channel-samples / s")
    ax.set_title("Full chain on int16 frames per SIMD target, by channel count")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the plot, off the lines
    fig.tight_layout()
    fig.savefig(pathlib.Path(__file__).parent / "throughput.png", dpi=100)
    if shares:
        roofline_plot(plt, pathlib.Path(__file__).parent / "roofline.png", best, chain, dram, roof, floor_dram, shares)
    out = pathlib.Path(__file__).parent / "README.md"
    text = out.read_text()
    start, end = text.index("<!-- results -->"), text.index("<!-- /results -->")
    body = "\n".join(["<!-- results -->", "", f"Run on {cpu_model()}, {run_date(build)}.", "",
                      "G channel-samples per second, one core, medians of the run:", "",
                      *lines, "", *summary, "", *dram_rows, "",
                      *(["![where the time goes](roofline.png)", ""] if shares else []), profile, "", latency, "",
                      sizes, "", "![throughput](throughput.png)", ""])
    out.write_text(text[:start] + body + text[end:])
    print("\n".join(lines + [""] + summary))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/bench")
