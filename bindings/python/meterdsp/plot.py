"""Plots of meter inputs and results (matplotlib). Each function returns the Figure and works
headless: it draws on a new Figure (no pyplot state), so it runs under the Agg backend, in a
notebook (the Figure displays itself) or in a script (``fig.savefig("x.png")``).

* :func:`waveform` — voltage and current with the analysis window shaded
* :func:`phasors` — phasor diagram of voltages and currents of one window
* :func:`power_bars` — per-channel P / Q / S bars
* :func:`distortion` — per-channel THD, with PF against DPF: displacement or distortion?
* :func:`spectrum` — harmonic spectra (:func:`meterdsp.harmonics`) in % of the fundamental
* :func:`demand_curve` — demand over time with the maximum marked
* :func:`energy_quadrants` — energy by quadrant (import/export, Q1..Q4 varh)
* :func:`event_timeline` — when each channel's events were active
* :func:`calibration` — each channel's worst error before and after a calibration fit
"""
from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

__all__ = ["waveform", "phasors", "power_bars", "distortion", "spectrum", "demand_curve",
           "energy_quadrants", "event_timeline", "calibration"]


def _row(result, window: int):
    """Fields of one window of a Measurement (1 window) or Windows (row `window`)."""
    def get(name):
        a = np.asarray(getattr(result, name))
        if hasattr(result, "__len__") and hasattr(result, "index"):    # Windows
            return a[window]
        return a
    return get


def waveform(v: npt.ArrayLike, i: npt.ArrayLike, fs: float, *, window=None, channels=(0,), title: str | None = None
             ) -> Figure:
    """Voltage (left axis) and current (right axis) against time (ms).

    v: (n,) or (nv, n) [V]; i: (n,) or (nc, n) [A]; `channels` picks the rows drawn (voltage
    row k is drawn with current row k when both exist). window: a Measurement, a Windows row
    ``(windows, k)`` or ``(start_s, duration_s)`` — shaded, with its cycle count."""
    v, i = np.atleast_2d(v), np.atleast_2d(i)
    t_ms = np.arange(v.shape[1]) / fs * 1e3
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ax2 = ax.twinx()
    for k in channels:
        if k < len(v):
            ax.plot(t_ms, v[k], lw=1.0, label=f"V{k + 1}")
        if k < len(i):
            ax2.plot(t_ms, i[k], lw=1.0, ls="--", label=f"I{k + 1}", color=f"C{k + 3}")
    ax.set_xlabel("time [ms]")
    ax.set_ylabel("voltage [V]")
    ax2.set_ylabel("current [A]")
    if window is not None:
        cycles = None
        if isinstance(window, tuple) and len(window) == 2 and not np.isscalar(window[0]):
            w, k = window
            start, dur, cycles = (float(np.asarray(w.start_s)[k]),
                                  float(np.asarray(w.duration_s)[k]),
                                  int(np.asarray(w.cycles)[k]))
        elif isinstance(window, tuple):
            start, dur = map(float, window)
        else:
            start, dur, cycles = float(window.start_s), float(window.duration_s), window.cycles
        ax.axvspan(start * 1e3, (start + dur) * 1e3, color="0.85", zorder=0,
                   label=f"window ({cycles} cycles)" if cycles else "window")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper right", fontsize=8)
    ax.set_title(title or "Waveform and analysis window")
    return fig


def phasors(result: Any, *, window: int = -1, channels=None, title: str | None = None) -> Figure:
    """Phasor diagram: voltages (solid) and currents (dashed, scaled to the voltage circle) of a
    Measurement or of row `window` of a Windows. Angles as the meter reports them (relative
    to V1, lagging current negative)."""
    get = _row(result, window)
    vr, va = np.atleast_1d(get("vrms")), np.atleast_1d(get("v_angle_deg"))
    ir, ia = np.atleast_1d(get("irms")), np.atleast_1d(get("angle_deg"))
    chans = range(len(ir)) if channels is None else channels
    fig = Figure(figsize=(5, 5), layout="constrained")
    ax = fig.add_subplot(projection="polar")
    vmax = max(float(np.nanmax(vr)), 1e-12)
    imax = max(float(np.nanmax(ir[list(chans)])) if len(list(chans)) else 0.0, 1e-12)
    for k in range(len(vr)):
        ax.annotate("", xy=(np.radians(va[k]), vr[k] / vmax), xytext=(0, 0),
                    arrowprops=dict(arrowstyle="->", color=f"C{k}", lw=2))
        ax.text(np.radians(va[k]), vr[k] / vmax * 1.08, f"V{k + 1} {vr[k]:.1f} V",
                color=f"C{k}", ha="center", fontsize=8)
    for k in chans:
        if not np.isfinite(ia[k]):
            continue                                # below the minimum current
        r = 0.8 * ir[k] / imax
        ax.annotate("", xy=(np.radians(ia[k]), r), xytext=(0, 0),
                    arrowprops=dict(arrowstyle="->", color=f"C{k % 10}", lw=1.2, ls="--"))
        ax.text(np.radians(ia[k]), r * 1.1, f"I{k + 1} {ir[k]:.2f} A", fontsize=7,
                ha="center")
    ax.set_ylim(0, 1.2)
    ax.set_yticklabels([])
    ax.set_title(title or "Phasors (currents scaled to the largest)")
    return fig


def power_bars(result: Any, *, window: int = -1, names=None, title: str | None = None) -> Figure:
    """Per-channel bars of real P [W], reactive Q1 [var] and apparent S [VA]."""
    get = _row(result, window)
    p, q, s = (np.atleast_1d(get(k)) for k in ("p", "q", "s"))
    x = np.arange(len(p))
    fig = Figure(figsize=(max(6, 0.25 * len(p) + 2), 3.6), layout="constrained")
    ax = fig.add_subplot()
    for off, vals, lab in ((-0.27, p, "P [W]"), (0, q, "Q [var]"), (0.27, s, "S [VA]")):
        ax.bar(x + off, vals, width=0.27, label=lab)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(x, names or [str(k + 1) for k in x], fontsize=7 if len(p) > 20 else 9,
                  rotation=90 if len(p) > 20 else 0)
    ax.set_xlabel("channel")
    ax.set_ylabel("power")
    ax.legend(fontsize=8)
    ax.set_title(title or "Power per channel")
    return fig


def distortion(result: Any, *, window: int = -1, names=None, title: str | None = None) -> Figure:
    """Per-channel total distortion [% of the fundamental] (bars; the voltages' as lines), and
    below it PF beside DPF: where PF falls short of DPF the current's distortion, not its
    displacement, costs power factor (PF ≈ DPF / √(1 + THD²) on a clean voltage). Channels that
    are off (THD NaN) stay empty."""
    get = _row(result, window)
    thd = np.atleast_1d(get("thd_pct")).astype(float)
    pf, dpf = np.abs(np.atleast_1d(get("pf"))), np.abs(np.atleast_1d(get("dpf")))
    vthd = np.atleast_1d(get("v_thd_pct")).astype(float)
    x = np.arange(len(thd))
    fig = Figure(figsize=(max(6, 0.25 * len(thd) + 2), 5.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    top.bar(x, np.nan_to_num(thd), width=0.6, color="tab:purple", label="current THD")
    for k, val in enumerate(vthd):
        if np.isfinite(val):
            top.axhline(val, color="tab:gray", lw=0.8, ls=("-", "--", ":")[k % 3],
                        label=f"V{k + 1} THD {val:.2f} %")
    top.set_ylabel("THD [%]")
    top.legend(fontsize=8)
    top.set_title(title or "Distortion per channel")
    on = np.isfinite(thd)
    bottom.plot(x[on], dpf[on], "o", mfc="none", color="tab:blue", label="|DPF| (displacement)")
    bottom.plot(x[on], pf[on], "x", color="tab:red", label="|PF|")
    bottom.set_ylim(0, 1.05)
    bottom.set_ylabel("power factor")
    bottom.set_xlabel("channel")
    bottom.set_xticks(x, names or [str(k + 1) for k in x], fontsize=7 if len(x) > 20 else 9,
                      rotation=90 if len(x) > 20 else 0)
    bottom.legend(fontsize=8, loc="lower right")
    return fig


def spectrum(result: Any, *, channels=(0,), voltages=(), max_order: int | None = None,
             title: str | None = None) -> Figure:
    """Harmonic spectra of a :class:`meterdsp.Harmonics` result: orders 2.. in % of each
    channel's fundamental, grouped bars per order, currents ``channels`` (indices) and voltages
    ``voltages`` (indices); the legend gives each one's THD from those orders."""
    rows = [(f"V{k + 1}", np.asarray(result.v_harmonics_rms)[k]) for k in voltages] + \
           [(f"I{k + 1}", np.asarray(result.harmonics_rms)[k]) for k in channels]
    if not rows:
        raise ValueError("give at least one channel or voltage")
    top = len(rows[0][1]) if max_order is None else int(max_order)
    orders = np.arange(2, top + 1)
    fig = Figure(figsize=(max(6, 0.22 * len(orders) * max(1, len(rows)) ** 0.5 + 2), 3.6),
                 layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / len(rows)
    for j, (name, rms) in enumerate(rows):
        pct = 100 * np.nan_to_num(rms[1:top]) / rms[0] if rms[0] > 0 else np.zeros(len(orders))
        thd = float(np.sqrt(np.sum(pct ** 2)))
        ax.bar(orders + (j - (len(rows) - 1) / 2) * width, pct, width=width,
               label=f"{name}  THD {thd:.2f} %")
    ax.set_xticks(orders[::max(1, len(orders) // 20)])
    ax.set_xlabel("harmonic order")
    ax.set_ylabel("% of the fundamental")
    ax.legend(fontsize=8)
    ax.set_title(title or "Harmonic spectrum")
    return fig


def demand_curve(demand: Any, column: str = "p_total [W]", *, title: str | None = None) -> Figure:
    """Demand over time from ``Recorder.demand()`` (or any DataFrame / Series indexed by
    time), with the maximum marked and labelled."""
    series = demand[column] if hasattr(demand, "columns") else demand
    t = series.index
    y = np.asarray(series, dtype=float)
    fig = Figure(figsize=(8, 3.4), layout="constrained")
    ax = fig.add_subplot()
    seconds = t.dtype.kind in "fiu"
    span = float(np.ptp(np.asarray(t, dtype=float))) if seconds and len(t) else 0.0
    unit, scale = ("h", 3600) if span > 7200 else ("min", 60) if span > 120 else ("s", 1)
    x = np.asarray(t, dtype=float) / scale if seconds else t
    ax.step(x, y, where="post", lw=1.2, label=column)
    if len(y):
        k = int(np.nanargmax(y))
        ax.plot([x[k]], [y[k]], "v", color="C3", ms=9,
                label=f"maximum {y[k]:.6g} at {t[k]:.6g} s" if seconds
                else f"maximum {y[k]:.6g} at {t[k]}")
    ax.set_xlabel(f"time [{unit}]" if seconds else "time")
    ax.set_ylabel(column)
    ax.legend(fontsize=8)
    ax.set_title(title or "Demand")
    return fig


def energy_quadrants(energy: dict, *, title: str | None = None) -> Figure:
    """Energy by quadrant from ``Meter.energy("total")`` (floats) or per-channel dicts (summed):
    active import/export [Wh], reactive Q1..Q4 [varh], apparent import/export [VAh]."""
    tot = {k: float(np.sum(v)) for k, v in energy.items()}
    fig = Figure(figsize=(8, 3.4), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    quad = [tot.get(f"varh_q{k}", 0.0) for k in range(1, 5)]
    ax2.bar(["Q1\nimport\ninductive", "Q2\nexport\ncapacitive", "Q3\nexport\ninductive",
             "Q4\nimport\ncapacitive"], quad, color=["C0", "C1", "C2", "C3"])
    ax2.set_ylabel("reactive energy [varh]")
    ax1.bar(["Wh import", "Wh export", "VAh import", "VAh export"],
            [tot.get("wh_import", 0.0), tot.get("wh_export", 0.0), tot.get("vah_import", 0.0),
             tot.get("vah_export", 0.0)], color=["C0", "C1", "C4", "C5"])
    ax1.set_ylabel("energy [Wh / VAh]")
    ax1.tick_params(axis="x", labelsize=8)
    ax2.tick_params(axis="x", labelsize=8)
    fig.suptitle(title or "Energy by quadrant")
    return fig


def event_timeline(events: Any, *, end=None, title: str | None = None) -> Figure:
    """Horizontal bars showing when each (channel, event) was active, from
    ``Recorder.events()`` (transitions: index time, columns channel, event, active).
    Events still active are drawn to `end` (default: the last transition)."""
    fig = Figure(figsize=(8, 3.4), layout="constrained")
    ax = fig.add_subplot()
    if len(events) == 0:
        ax.text(0.5, 0.5, "no events", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(title or "Events")
        return fig
    seconds = events.index.dtype.kind in "fiu"
    t = np.asarray(events.index, dtype=float) if seconds else \
        np.asarray((events.index - events.index[0]).total_seconds())
    last = end if end is not None else t[-1]
    keys = sorted({(int(c), e) for c, e in zip(events["channel"], events["event"])})
    colours = {"HH": "C3", "H": "C1", "L": "C0", "LL": "C9", "OFF": "0.5", "NL_HIGH": "C6",
               "NL_LOW": "C8"}
    for row, (ch, ev) in enumerate(keys):
        sel = (np.asarray(events["channel"]) == ch) & (np.asarray(events["event"]) == ev)
        times, active = np.asarray(t)[sel], np.asarray(events["active"])[sel]
        spans, on = [], None
        for when, is_on in zip(times, active):
            if is_on and on is None:
                on = when
            elif not is_on and on is not None:
                spans.append((on, when - on))
                on = None
        if on is not None:
            spans.append((on, last - on))
        ax.broken_barh(spans, (row - 0.4, 0.8), color=colours.get(ev, "C7"))
    ax.set_yticks(range(len(keys)), [f"ch {c + 1} {e}" for c, e in keys], fontsize=8)
    ax.set_xlabel("time [s]" if seconds else f"seconds after {events.index[0]}")
    ax.set_title(title or "Event timeline")
    return fig


def calibration(report: Any, *, title: str | None = None) -> Figure:
    """Each channel's worst RMS error [%] and angle error [°] over its test points, before and
    after the fit, from ``meterdsp.calibration.calibrate(...).report`` (log scale: errors of a
    few percent and of a few millionths side by side; channels without points are left out,
    angle bars drawn only for channels fitted with angles, errors below 1e-6 drawn at 1e-6)."""
    names = np.asarray(report["channel"])
    fitted = np.asarray(report["points"]) > 0
    x = np.arange(int(fitted.sum()))
    fig = Figure(figsize=(max(6, 0.3 * len(x) + 2), 5.2), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    floor = 1e-6
    has_angles = (np.asarray(report["angle_points"]) > 0)[fitted]
    for ax, key, unit in ((axes[0], "rms_error_pct", "%"), (axes[1], "angle_error_deg", "°")):
        shown = np.ones(len(x), bool) if unit == "%" else has_angles
        for off, when, color in ((-0.2, "before", "C3"), (0.2, "after", "C2")):
            vals = np.asarray(report[f"{key}_{when}"], dtype=float)[fitted]
            ax.bar(x + off, np.where(shown, np.maximum(vals, floor), np.nan), width=0.4,
                   bottom=0, color=color, label=f"{when} the fit")
        ax.set_yscale("log")
        ax.set_ylabel(f"worst |{'RMS' if unit == '%' else 'angle'} error| [{unit}]")
        ax.grid(axis="y", which="major", lw=0.4, alpha=0.6)
    axes[0].legend(fontsize=8)
    axes[1].set_xticks(x, list(names[fitted]), fontsize=7 if len(x) > 20 else 9,
                       rotation=90 if len(x) > 20 else 0)
    axes[1].set_xlabel("channel")
    axes[0].set_title(title or "Calibration: worst error over the test points")
    return fig
