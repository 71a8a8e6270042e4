"""Fleets: many recordings (or simulated panels) metered in parallel on Dask.

    import meterdsp.fleet as fleet
    table = fleet.run(["a.cfg", "b.cfg", "c.npz"])                 # local cluster
    table = fleet.run(paths, scheduler="tcp://10.0.0.5:8786")       # any Dask scheduler
    table = fleet.run([fleet.Simulated(seed=k, seconds=60) for k in range(100)])

Each job is metered by :func:`summarize` on a worker (one Meter per job; the kernels release
the GIL) and the per-channel summaries are gathered into one pandas DataFrame indexed by
(source, channel). Progress is printed as jobs finish. A job that fails (bad file) gives a
row with its error in the ``error`` column; the others still complete.

In a script (not a notebook), call :func:`run` under ``if __name__ == "__main__":`` — the local
cluster's worker processes are started with "spawn" and re-import the main module.
"""
from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Iterable

import numpy as np

__all__ = ["run", "summarize", "Simulated"]


@dataclass(frozen=True)
class Simulated:
    """A synthetic 3-phase panel: `currents` channels with random loads (:meth:`loads`), 230 V /
    50 Hz (or `frequency_hz`), `seconds` long at `fs`."""
    seed: int
    seconds: float = 10.0
    currents: int = 12
    fs: float = 2560.0
    frequency_hz: float = 50.0

    def __str__(self) -> str:
        return f"simulated:{self.seed}"

    def loads(self):
        """``(amps [A rms], lag [rad])`` per current: 0.5–10 A, lag −0.3…0.8 rad (seeded)."""
        rng = np.random.default_rng(self.seed)
        return rng.uniform(0.5, 10.0, self.currents), rng.uniform(-0.3, 0.8, self.currents)

    def signals(self):
        """``(v (3, n) [V], i (currents, n) [A], fs, phase)``; current k is on phase k mod 3."""
        n = int(self.seconds * self.fs)
        t = np.arange(n) / self.fs
        w = 2 * np.pi * self.frequency_hz * t
        amps, lag = self.loads()
        phase = np.arange(self.currents) % 3
        v = np.empty((3, n), np.float32)
        i = np.empty((self.currents, n), np.float32)
        # Row by row through one float64 buffer, the same values as amp·cos(w − shifts) computed
        # as whole float64 arrays: a fresh array per row would be a fresh mmap, and its page
        # faults (about 15 µs each on the development VM) cost more than the cosines.
        arg = np.empty(n)

        def fill(row, amp, *shifts):
            np.subtract(w, shifts[0], out=arg)
            for s in shifts[1:]:
                np.subtract(arg, s, out=arg)
            np.cos(arg, out=arg)
            np.multiply(arg, amp, out=row, casting="same_kind")

        for k in range(3):
            fill(v[k], 230 * math.sqrt(2), 2 * np.pi * k / 3)
        for k in range(self.currents):
            fill(i[k], amps[k] * math.sqrt(2), 2 * np.pi * phase[k] / 3, lag[k])
        return v, i, self.fs, phase


def _load(job):
    """(v, i, fs, phase or None) of a job: Simulated, a path, or a (v, i, fs) tuple."""
    if isinstance(job, Simulated):
        return job.signals()
    if isinstance(job, tuple):
        v, i, fs = job
        return np.atleast_2d(v), np.atleast_2d(i), float(fs), None
    from .recordings import read_comtrade, read_csv, read_npz
    path = str(job)
    low = path.lower()
    rec = (read_comtrade(path) if low.endswith(".cfg") else read_csv(path)
           if low.endswith(".csv") else read_npz(path) if low.endswith(".npz") else None)
    if rec is None:
        raise ValueError(f"{path}: unknown recording type (expected .cfg, .csv or .npz)")
    v, i, fs = rec.meter_input()
    return v, i, fs, None


def summarize(job: Simulated | str | os.PathLike | tuple, *, nominal_hz=None, block_s: float = 1.0, **meter_settings) -> list[dict]:
    """Meter one job and return one summary row per current channel: mean Vrms / Irms / P / Q
    / PF / frequency over the windows, energy registers, maximum power demand, latched-event
    counters. Means skip settling / incomplete windows. Runs anywhere (it is what each Dask task calls)."""
    from . import FLAGS, Meter
    source = str(job)
    v, i, fs, phase = _load(job)
    if nominal_hz is None:
        nominal_hz = 60 if isinstance(job, Simulated) and job.frequency_hz > 55 else 50
        if not isinstance(job, Simulated):
            from . import measure
            probe = measure(v[:, :int(fs)], i[:, :int(fs)], fs)
            nominal_hz = 60 if probe.frequency > 55 else 50
    meter = Meter(fs, len(v), len(i), phase=phase, nominal_hz=nominal_hz, **meter_settings)
    step = max(int(block_s * fs), 1)
    rows = {k: [] for k in ("irms", "p", "q", "pf")}
    vrms, freq = [], []
    # Blocks are copied into two reused C-contiguous float32 buffers: slices of a planar array
    # are strided, and converting them afresh on every call costs an mmap + page faults per call
    # under Dask's workers (their MALLOC_TRIM_THRESHOLD_ disables glibc's adaptive threshold).
    vbuf, ibuf = (np.empty((len(x), step), np.float32) for x in (v, i))
    for start in range(0, v.shape[1], step):
        m = min(step, v.shape[1] - start)
        if m == step:
            np.copyto(vbuf, v[:, start:start + m])
            np.copyto(ibuf, i[:, start:start + m])
            vb, ib = vbuf, ibuf
        else:
            vb, ib = (np.ascontiguousarray(x[:, start:], np.float32) for x in (v, i))
        w = meter.process(vb, ib)
        if len(w):                      # settling / incomplete windows are not averaged
            ok = (np.asarray(w.window_flags) & (FLAGS["SETTLING"] | FLAGS["INCOMPLETE"])) == 0
            for k in rows:
                rows[k].append(np.asarray(getattr(w, k)).reshape(len(w), -1)[ok])
            vrms.append(np.asarray(w.vrms).reshape(len(w), -1)[ok])
            freq.append(np.asarray(w.frequency).reshape(-1)[ok])
    if not sum(len(f) for f in freq):
        raise ValueError(f"{source}: too short for one settled measurement window")
    mean = {k: np.nanmean(np.vstack(rows[k]), axis=0) for k in rows}
    vmean = np.nanmean(np.vstack(vrms), axis=0)
    energy, demand = meter.energy(), meter.demand()
    counters = np.asarray(meter.events()["counters"])
    vphase = phase if phase is not None else [k if len(v) == len(i) else 0
                                              for k in range(len(i))]
    out = []
    for ch in range(len(i)):
        out.append({"source": source, "channel": ch,
                    "vrms [V]": float(vmean[vphase[ch]]), "irms [A]": float(mean["irms"][ch]),
                    "p [W]": float(mean["p"][ch]), "q [var]": float(mean["q"][ch]),
                    "pf": float(mean["pf"][ch]), "frequency [Hz]": float(np.mean(np.hstack(freq))),
                    **{f"{k} [{'Wh' if k.startswith('wh') else 'VAh' if k.startswith('vah') else 'varh'}]":
                       float(energy[k][ch]) for k in energy},
                    "power_max [W]": float(demand["power_max"][ch]),
                    "events_hh": int(counters[ch, 0]), "events_h": int(counters[ch, 1]),
                    "duration [s]": v.shape[1] / fs, "metered [s]": meter.now_s,
                    "error": ""})
    return out


def _progress(done: int, total: int, started: float, stream) -> None:
    if stream is None:
        return
    elapsed = time.monotonic() - started
    eta = elapsed / done * (total - done) if done else float("nan")
    stream.write(f"\rfleet: {done}/{total} jobs done, {elapsed:.1f} s elapsed"
                 f"{'' if done == total else f', ~{eta:.0f} s left'}")
    if done == total:
        stream.write("\n")
    stream.flush()


def _local_cluster(n_workers: int):
    """A LocalCluster of single-threaded worker processes. Dask's nanny normally sets
    MALLOC_TRIM_THRESHOLD_ in workers, which disables glibc's adaptive mmap threshold: every
    large NumPy temporary then costs an mmap and page faults, measured 2–3× slower per job
    (bench/fleet_bench.py). Jobs here allocate per block, so the local cluster leaves it out."""
    import dask
    from distributed import LocalCluster
    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ",
                                                {}).items() if k != "MALLOC_TRIM_THRESHOLD_"}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                            dashboard_address=None)


def run(jobs: Iterable, *, scheduler=None, n_workers: int = 2, progress=True, **summary_settings):
    """Meter every job on Dask and gather the summaries into one DataFrame.

    jobs: paths (.cfg COMTRADE, .csv, .npz), :class:`Simulated` panels or (v, i, fs) tuples.
    scheduler: None → a local cluster of `n_workers` processes (closed afterwards); a
    ``distributed.Client``; or a scheduler address string ("tcp://host:8786").
    progress: True (to stderr), False, or a writable stream. Other keywords go to
    :func:`summarize` (and on to :class:`~meterdsp.Meter`).
    Returns a pandas DataFrame indexed by (source, channel); failed jobs have one row with
    ``error`` set and NaN readings."""
    import pandas as pd
    from distributed import Client, as_completed

    jobs = list(jobs)
    if not jobs:
        raise ValueError("fleet.run: no jobs given")
    if scheduler is None and int(n_workers) < 1:
        raise ValueError(f"fleet.run: n_workers must be ≥ 1, got {n_workers}")
    stream = sys.stderr if progress is True else (progress or None)
    owned = []
    if scheduler is None:
        cluster = _local_cluster(int(n_workers))
        client = Client(cluster)
        owned = [client, cluster]
    elif isinstance(scheduler, str):
        client = Client(scheduler)
        owned = [client]
    else:
        client = scheduler
    try:
        started = time.monotonic()
        futures = [client.submit(summarize, job, pure=False, **summary_settings)
                   for job in jobs]
        index_of = {f.key: k for k, f in enumerate(futures)}
        results = [None] * len(jobs)
        _progress(0, len(jobs), started, stream)
        for done, future in enumerate(as_completed(futures), 1):
            k = index_of[future.key]
            try:
                results[k] = future.result()
            except Exception as e:                      # noqa: BLE001 — reported per job
                results[k] = [{"source": str(jobs[k]), "channel": -1,
                               "error": f"{type(e).__name__}: {e}"}]
            _progress(done, len(jobs), started, stream)
    finally:
        for thing in owned:
            thing.close()
    df = pd.DataFrame([row for rows in results for row in rows])
    return df.set_index(["source", "channel"])
