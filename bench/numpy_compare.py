#!/usr/bin/env python3
"""meterdsp.measure against NumPy doing the same work, in the same run.

Work: 3 voltages + 92 currents, 10 s at 2560 Hz (float32 in memory, as a notebook holds it):
hysteresis zero crossings of V1, the largest whole number of cycles with linear-interpolation
weights at both ends, RMS, P, and the fundamental phasors (single-bin DFT) → Q1, PF, angles.
The NumPy version uses float64 and BLAS matrix-vector products — the idiomatic fast way.
Prints medians of repeated runs and the ratio, and a first call's floor: NumPy's own max reading
the same arrays once in the same state (right after NumPy's run); exits non-zero if the two
disagree.
"""
import argparse
import statistics
import sys
import time

import numpy as np

import meterdsp


def hat_cdf(u):
    u = np.asarray(u, dtype=np.float64)
    out = np.where(u <= -1, 0.0, np.where(u <= 0, 0.5 * (u + 1) ** 2,
                   np.where(u <= 1, 1 - 0.5 * (1 - u) ** 2, 1.0)))
    return out


def numpy_measure(v, i, fs, phase):
    n = v.shape[1]
    x = v[0].astype(np.float64)
    x = x - x.mean()
    peak = np.abs(x).max()
    cand = np.flatnonzero((x[1:] >= 0) & (x[:-1] < 0)) + 1
    below = np.where(x < -0.1 * peak, np.arange(n), -1)
    last_below = np.maximum.accumulate(below)
    accepted, prev = [], -1
    for c in cand:  # a crossing counts once the signal went below −10 % since the last one
        if last_below[c - 1] > prev:
            accepted.append(c)
            prev = c
    c = np.asarray(accepted)
    tc = c - 1 + x[c - 1] / (x[c - 1] - x[c])
    a, b = tc[0], tc[-1]
    cycles = len(tc) - 1
    freq = cycles * fs / (b - a)
    t = np.arange(n, dtype=np.float64)
    w = hat_cdf(b - t) - hat_cdf(a - t)
    th = 2 * np.pi * freq / fs * (t - a)
    wc, ws = w * np.cos(th), w * np.sin(th)
    W = b - a
    V = v.astype(np.float64)
    I = i.astype(np.float64)
    def stats(X, ref):
        mean = X @ w / W
        ms = (X * X) @ w / W - mean ** 2
        xv = np.einsum("ij,ij,j->i", X, ref, w) / W
        ph = np.sqrt(2) / W * (X @ wc - 1j * (X @ ws))
        return mean, np.sqrt(np.maximum(ms, 0)), xv, ph
    vmean, vrms, _, vph = stats(V, V)
    imean, irms, iv, iph = stats(I, V[phase])
    p = iv - imean * vmean[phase]
    s = vrms[phase] * irms
    vi = vph[phase] * np.conj(iph)
    return dict(frequency=freq, cycles=cycles, vrms=vrms, irms=irms, p=p, q=vi.imag, s=s,
                pf=p / s, angle_deg=np.degrees(np.angle(iph / vph[0])))


def synth(nc, seconds, fs, f=50.03):
    n = int(seconds * fs)
    t = np.arange(n) / fs
    rng = np.random.default_rng(7)
    w = 2 * np.pi * f * t
    v = np.stack([325 * np.sin(w - k * 2 * np.pi / 3) + 10 * np.sin(5 * (w - k * 2 * np.pi / 3))
                  for k in range(3)]).astype(np.float32)
    amp = rng.uniform(0.5, 20, nc)[:, None]
    phi = rng.uniform(-np.pi, np.pi, nc)[:, None]
    phase = np.arange(nc) % 3
    i = (amp * np.sin(w - phase[:, None] * 2 * np.pi / 3 - phi)).astype(np.float32)
    return v, i, phase


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def alternate(v, i, fs, phase, rounds):
    """meterdsp.measure and numpy_measure taking turns, round after round, each round giving
    ratios: the machine's speed changes over seconds (a shared VM), and both sides of a round see
    the same speed. NumPy's run leaves the caches full of its float64 temporaries, so measure's
    first call after it reads the arrays from memory ("cold"); its next calls find them in cache
    ("warm", as a loop of calls over the same arrays would). The floor of a first call: NumPy
    reading the same arrays once with its simplest reduction (max), also right after NumPy's run.
    Returns medians (seconds) and the ratios as text, "median x (min-max x)"."""
    cold_t, warm_t, np_t, read_t, cold_r, warm_r, read_r = [], [], [], [], [], [], []
    run = lambda: meterdsp.measure(v, i, fs, phase=phase)  # noqa: E731
    read_once = lambda: (v.max(), i.max())  # noqa: E731
    for _ in range(rounds):
        b = median_time(lambda: numpy_measure(v, i, fs, phase), 1)
        c = median_time(run, 1)
        for _ in range(3):
            run()
        a = median_time(run, 5)
        numpy_measure(v, i, fs, phase)
        r = median_time(read_once, 1)
        cold_t.append(c)
        warm_t.append(a)
        np_t.append(b)
        read_t.append(r)
        cold_r.append(b / c)
        warm_r.append(b / a)
        read_r.append(c / r)
    med = statistics.median
    return dict(warm=med(warm_t), cold=med(cold_t), numpy=med(np_t), read=med(read_t),
                np_reads=med(np_t) / med(read_t),
                warm_x=f"{med(warm_r):.1f}x (median of {rounds} alternating rounds, {min(warm_r):.1f}-{max(warm_r):.1f}x)",
                cold_x=f"{med(cold_r):.1f}x ({min(cold_r):.1f}-{max(cold_r):.1f}x)",
                per_read=f"{med(read_r):.2f}x that ({min(read_r):.2f}-{max(read_r):.2f}x)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--currents", type=int, default=92)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    fs = 2560.0
    v, i, phase = synth(args.currents, args.seconds, fs)
    ours = meterdsp.measure(v, i, fs, phase=phase)
    ref = numpy_measure(v, i, fs, phase)
    ok = (abs(ours.frequency - ref["frequency"]) < 1e-6 and ours.cycles == ref["cycles"]
          and np.allclose(ours.p, ref["p"], rtol=1e-5, atol=1e-4)
          and np.allclose(ours.q, ref["q"], rtol=1e-5, atol=1e-4)
          and np.allclose(ours.irms, ref["irms"], rtol=1e-5))
    print(f"meterdsp {meterdsp.__version__} on {meterdsp.simd_target()}; "
          f"{v.shape[0]} V + {i.shape[0]} I, {args.seconds:g} s at {fs:g} Hz "
          f"({(v.size + i.size) / 1e6:.2f} M channel-samples, float32)")
    print(f"results agree with NumPy: {ok} (max |dP|/S = "
          f"{np.max(np.abs(ours.p - ref['p']) / ref['s']):.2e})")
    r32 = alternate(v, i, fs, phase, max(3, args.repeat // 2))
    rate = (v.size + i.size) / r32["warm"]
    print(f"median meterdsp.measure: {r32['warm'] * 1e3:8.3f} ms  ({rate / 1e9:.2f} G channel-samples/s, "
          f"{args.seconds / r32['warm']:.0f} 92-channel panels per core); first call after NumPy's run "
          f"(arrays not in cache): {r32['cold'] * 1e3:.3f} ms")
    print(f"median NumPy (float64 + BLAS): {r32['numpy'] * 1e3:8.3f} ms")
    print(f"speed-up: {r32['warm_x']}; arrays not in cache: {r32['cold_x']}")
    print(f"first call vs one read: NumPy's max over the same arrays, also right after NumPy's run, "
          f"{r32['read'] * 1e3:.3f} ms; measure's first call takes {r32['per_read']}; NumPy's whole work takes "
          f"{r32['np_reads']:.0f}x its own single read, so 50x on a first call needs measure in "
          f"{r32['np_reads'] / 50:.2f}x the time of one read")
    # The same on float64 arrays, NumPy's default type: measure reads them in place (twice the
    # bytes), NumPy's version is the same code.
    v64, i64 = v.astype(np.float64), i.astype(np.float64)
    ok64 = np.allclose(meterdsp.measure(v64, i64, fs, phase=phase).p, ref["p"], rtol=1e-5, atol=1e-4)
    r64 = alternate(v64, i64, fs, phase, max(3, args.repeat // 3))
    print(f"float64 arrays ({(v64.nbytes + i64.nbytes) / 1e6:.1f} MB, read in place; agree: {ok64}): "
          f"meterdsp.measure {r64['warm'] * 1e3:.3f} ms = {r64['warm_x']} NumPy's {r64['numpy'] * 1e3:.1f} ms; "
          f"first call {r64['cold'] * 1e3:.3f} ms = {r64['cold_x']}, {r64['per_read']} NumPy's max read")
    ok = ok and ok64
    # Streaming from Python: Meter.process on the same float32 arrays, 10 s per call.
    meter = meterdsp.Meter(fs, 3, args.currents, phase=phase)
    t_meter = median_time(lambda: meter.process(v, i), args.repeat)
    print(f"median Meter.process (whole chain): {t_meter * 1e3:8.3f} ms for {args.seconds:g} s = "
          f"{args.seconds / t_meter:.0f} 92-channel panels per core in real time")
    # The same on a recording that does not fit in cache (120 s, 111 MiB of float32).
    long_s = 12 * args.seconds
    vl, il, _ = synth(args.currents, long_s, fs)
    meter = meterdsp.Meter(fs, 3, args.currents, phase=phase)
    t_long = median_time(lambda: meter.process(vl, il), 5)
    print(f"median Meter.process on a DRAM-resident recording: {t_long * 1e3:8.3f} ms for {long_s:g} s "
          f"({(vl.nbytes + il.nbytes) >> 20} MiB) = {long_s / t_long:.0f} panels per core")
    vl, il = vl.astype(np.float64), il.astype(np.float64)  # NumPy's default type, read in place
    meter = meterdsp.Meter(fs, 3, args.currents, phase=phase)
    t_long = median_time(lambda: meter.process(vl, il), 5)
    print(f"median Meter.process on a DRAM-resident float64 recording: {t_long * 1e3:8.3f} ms for "
          f"{long_s:g} s ({(vl.nbytes + il.nbytes) >> 20} MiB) = {long_s / t_long:.0f} panels per core")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
