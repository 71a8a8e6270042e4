"""Calibrating a meter against a reference standard.

Record what the meter's inputs see of a few test points (a calibrator's output, or a load read
by a reference meter), tell :func:`calibrate` what the reference read, and it returns the
calibration that brings the meter onto the reference::

    from meterdsp.calibration import calibrate
    points = [(v1, i1, {"vrms": 230, "irms": 5, "angle_deg": 0}),      # 5 A, PF 1
              (v2, i2, {"vrms": 230, "irms": 5, "angle_deg": -60})]    # 5 A, PF 0.5 inductive
    cal = calibrate(points, fs=2560, voltages=1, currents=4, calibration=old)
    cal.report.to_dataframe()          # per channel: factor, delay, errors before and after
    meter = meterdsp.Meter(2560, 1, 4, calibration=cal.calibration)

Each recording goes through a :class:`meterdsp.Meter` built with the calibration in use; the
steady windows' readings (whole cycles, settled, with voltage) are averaged and fitted per
channel by the core's ``FitCalibration`` (include/meterdsp/calibration.h): a factor on the gain
(least squares of the relative RMS errors) and a delay (least squares of the angle errors over
the points' frequencies), folded into ``*_gain`` and ``*_phase_deg``. The delay is what the
engine can correct — skew and phase are one time delay per channel — so points at several
frequencies fit one delay, and the report's errors *after* show what one gain and one delay
cannot follow (a CT whose ratio error changes with current, say).

Reference readings per point (each a number for all channels, or one value per channel; NaN or
a missing key: that channel is not fitted from this point):

* ``vrms`` — each voltage's RMS; ``irms`` — each current's RMS;
* ``angle_deg`` — each current's angle against its own phase voltage, the meter's sign
  (positive when the current leads: an inductive load at PF 0.5 is −60°); or instead ``p`` and
  ``q``, each current's active and fundamental reactive power as a reference meter reads them
  (Q > 0 inductive), from which the angle is −atan2(q, p);
* ``v_angle_deg`` — V2's and V3's angles against V1 (V1's entry is ignored: V1 is the reference
  of every angle and keeps its phase correction).

A CT's ratio and phase errors grow towards low current, which one gain and delay cannot
follow: with ``current_table=True`` each current also gets a table of corrections by current
level (``i_table``: the gain and phase still needed at each level of the points, applied per
window and interpolated in log(current) in between; ``WindowConfig::current_table`` in C++).

When V2 or V3 gets a new delay, the currents on that phase get it too (their angles were
measured against that voltage). A current is not fitted from a point where it read below the
minimum ON current or clipped.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from . import _core
from ._core import FLAGS
from .tables import Table

__all__ = ["calibrate", "CalibrationResult"]

_NOT_STEADY = FLAGS["INCOMPLETE"] | FLAGS["SETTLING"] | FLAGS["NO_VOLTAGE"]
_UNUSABLE = FLAGS["BELOW_MIN_CURRENT"] | FLAGS["CLIPPED"]


class CalibrationResult:
    """What :func:`calibrate` found: ``calibration`` (a dict for ``Meter(calibration=...)``, the
    old settings with ``v_gain``, ``v_phase_deg``, ``i_gain`` and ``i_phase_deg`` per channel
    replaced) and ``report`` (a :class:`meterdsp.Table`, one row per channel, voltages first:
    ``channel``, ``points``, ``angle_points``, ``gain_factor``, ``delay_us`` (a current's
    against its phase voltage; the delay it gets also includes that voltage's) and the worst
    point's ``rms_error_pct`` / ``angle_error_deg`` before and after the fit; with a current
    table also ``table_points`` and the errors left with it, ``rms_error_pct_table`` /
    ``angle_error_deg_table``; channels without points read factor 1 and delay 0, NaN
    errors)."""

    def __init__(self, calibration: dict, report: Table):
        self.calibration = calibration
        self.report = report

    def __repr__(self) -> str:
        r = self.report
        fitted = np.asarray(r["points"]) > 0
        if not fitted.any():
            return "CalibrationResult(no channel fitted)"
        worst = np.nanmax(np.asarray(r["rms_error_pct_after"])[fitted])
        worst_deg = np.nanmax(np.asarray(r["angle_error_deg_after"])[fitted])
        return (f"CalibrationResult({int(fitted.sum())} of {len(fitted)} channels fitted; "
                f"worst after: {worst:.3g} % RMS, {worst_deg:.3g}°)")


def _per_channel(value, n: int, what: str) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return np.full(n, float(a))
    if a.shape != (n,):
        raise ValueError(f"{what} must be a number or {n} values, got shape {a.shape}")
    return a.copy()


def _circular_mean_deg(a: np.ndarray) -> np.ndarray:
    return np.degrees(np.angle(np.exp(1j * np.radians(a)).mean(axis=0)))


def _read_point(k: int, v, i, fs, voltages, currents, meter_settings) -> dict:
    from . import Meter
    meter = Meter(fs, voltages, currents, angle_reference="phase", **meter_settings)
    w = meter.process(v, i)
    steady = (np.asarray(w.window_flags) & _NOT_STEADY) == 0 if len(w) else np.zeros(0, bool)
    if not steady.any():
        raise ValueError(f"point {k}: no steady window in the recording ({len(w)} windows; "
                         "record at least 0.5 s of a signal with voltage)")
    flags = np.asarray(w.flags)[steady]
    usable = ((flags & _UNUSABLE) == 0).all(axis=0) if currents else np.zeros(0, bool)
    return {
        "frequency": float(np.mean(np.asarray(w.frequency)[steady])),
        "vrms": np.asarray(w.vrms)[steady].mean(axis=0),
        "v_angle_deg": _circular_mean_deg(np.asarray(w.v_angle_deg)[steady]),
        "irms": np.asarray(w.irms)[steady].mean(axis=0) if currents else np.zeros(0),
        "angle_deg": _circular_mean_deg(np.asarray(w.angle_deg)[steady]) if currents else np.zeros(0),
        "usable": usable,
    }


def calibrate(points: Sequence[tuple[npt.ArrayLike, npt.ArrayLike, dict]], fs: float, *,
              voltages: int, currents: int, phase: npt.ArrayLike | None = None,
              nominal_hz: float = 50.0, calibration: dict | None = None,
              min_on_current: float | npt.ArrayLike = 0.05,
              current_table: bool = False) -> CalibrationResult:
    """Fit every channel's gain and phase correction to a reference standard's readings.

    points: ``(v, i, reference)`` per test point — v (voltages, n) and i (currents, n) as
    ``Meter.process`` takes them (engineering units or raw codes, as ``calibration`` expects),
    reference a dict of the reference's readings (module docstring). fs, voltages, currents,
    phase, nominal_hz, min_on_current: as for :class:`meterdsp.Meter`; calibration: the one in
    use when the points were recorded (default: none). current_table: also fit each current a
    table of corrections by current level (``i_table``; the points grouped into up to 6 levels
    of readings within 5 %), for CTs whose errors change with current; the recordings are then
    read without any old table. Raises ValueError on a point without steady windows, reference
    values of the wrong shape, a fit that would need a correction beyond ±2 samples, or more
    than 6 current levels; nothing is changed then."""
    if not isinstance(points, Sequence) or len(points) == 0:
        raise ValueError("points must be a non-empty sequence of (v, i, reference) tuples")
    nv, nc = int(voltages), int(currents)
    old = dict(calibration or {})
    reading_cal = {k: v for k, v in old.items() if not (current_table and k == "i_table")}
    settings = dict(phase=phase, nominal_hz=nominal_hz, calibration=reading_cal,
                    min_on_current=min_on_current)
    ph = (np.arange(nc) if nv == nc else np.zeros(nc, int)) if phase is None else np.asarray(phase, int)

    readings, refs = [], []
    for k, point in enumerate(points):
        if not isinstance(point, tuple) or len(point) != 3 or not isinstance(point[2], dict):
            raise ValueError(f"point {k}: expected a tuple (v, i, reference dict)")
        v, i, ref = point
        unknown = set(ref) - {"vrms", "irms", "angle_deg", "v_angle_deg", "p", "q"}
        if unknown:
            raise ValueError(f"point {k}: unknown reference keys {sorted(unknown)}")
        if ("p" in ref) != ("q" in ref) or ("p" in ref and "angle_deg" in ref):
            raise ValueError(f"point {k}: give the currents' angles as angle_deg, or as p and q (both)")
        readings.append(_read_point(k, v, i, fs, nv, nc, settings))
        r = {key: _per_channel(ref.get(key, np.nan), n, f"point {k}: {key}")
             for key, n in (("vrms", nv), ("irms", nc), ("angle_deg", nc), ("v_angle_deg", nv))}
        if "p" in ref:  # Q1 > 0 lagging: the current's angle is −atan2(Q, P)
            r["angle_deg"] = -np.degrees(np.arctan2(_per_channel(ref["q"], nc, f"point {k}: q"),
                                                    _per_channel(ref["p"], nc, f"point {k}: p")))
        refs.append(r)

    def fit(measured, reference, m_angle, r_angle, usable, table=False):
        rows = [j for j in range(len(readings)) if np.isfinite(reference[j]) and usable[j]]
        if not rows:
            return None
        f = np.array([readings[j]["frequency"] for j in rows])
        ma = np.array([m_angle[j] for j in rows]) if m_angle is not None else None
        ra = np.array([r_angle[j] for j in rows]) if r_angle is not None else None
        if ma is not None:  # points without both angles fit the gain only
            both = np.isfinite(ra) & np.isfinite(ma)
            ma, ra = (np.where(both, ma, np.nan), np.where(both, ra, np.nan)) if both.any() else (None, None)
        args = (f, np.array([measured[j] for j in rows]), np.array([reference[j] for j in rows]), ma, ra)
        result = _core.fit_calibration(*args)
        if table:
            result["table"] = _core.fit_current_table(*args, result["gain_factor"], result["delay_us"])
        return result

    fits = []
    for k in range(nv):
        angles = k > 0
        fits.append(fit([r["vrms"][k] for r in readings], [r["vrms"][k] for r in refs],
                        [r["v_angle_deg"][k] for r in readings] if angles else None,
                        [r["v_angle_deg"][k] for r in refs] if angles else None,
                        [True] * len(readings)))
    for k in range(nc):
        try:
            fits.append(fit([r["irms"][k] for r in readings], [r["irms"][k] for r in refs],
                            [r["angle_deg"][k] for r in readings], [r["angle_deg"][k] for r in refs],
                            [bool(r["usable"][k]) for r in readings], table=current_table))
        except ValueError as e:
            raise ValueError(f"I{k + 1}: {e} (a current table holds up to 6 levels of current)"
                             if current_table else f"I{k + 1}: {e}") from None

    v_delay_us = np.array([f["delay_us"] if f else 0.0 for f in fits[:nv]])
    new = dict(old)
    for prefix, n, first in (("v", nv, 0), ("i", nc, nv)):
        gain = _per_channel(old.get(f"{prefix}_gain", 1.0), n, f"{prefix}_gain")
        skew = _per_channel(old.get(f"{prefix}_skew_us", 0.0), n, f"{prefix}_skew_us")
        phase_deg = _per_channel(old.get(f"{prefix}_phase_deg", 0.0), n, f"{prefix}_phase_deg")
        for k in range(n):
            f = fits[first + k]
            extra = v_delay_us[ph[k]] if prefix == "i" else 0.0  # follow the phase voltage
            factor, delay = (f["gain_factor"], f["delay_us"]) if f else (1.0, 0.0)
            if f is None and extra == 0.0:
                continue
            try:
                gain[k], phase_deg[k] = _core.apply_calibration_fit(
                    factor, delay + extra, gain[k], skew[k], phase_deg[k], float(fs), float(nominal_hz))
            except ValueError as e:
                name = f"{'V' if prefix == 'v' else 'I'}{k + 1}"
                raise ValueError(f"{name}: the fitted correction ({delay + extra:.1f} µs more) is "
                                 f"out of range: {e}") from None
        new[f"{prefix}_gain"] = gain
        new[f"{prefix}_phase_deg"] = phase_deg
    if current_table:
        new["i_table"] = [f["table"]["rows"] if f else None for f in fits[nv:]]

    def col(key, default):
        return np.array([f[key] if f else default for f in fits])

    report = Table({
        "channel": np.array([f"V{k + 1}" for k in range(nv)] + [f"I{k + 1}" for k in range(nc)]),
        "points": col("points", 0), "angle_points": col("angle_points", 0),
        "gain_factor": col("gain_factor", 1.0), "delay_us": col("delay_us", 0.0),
        "rms_error_pct_before": col("max_rms_error_pct_before", np.nan),
        "rms_error_pct_after": col("max_rms_error_pct", np.nan),
        "angle_error_deg_before": col("max_angle_error_deg_before", np.nan),
        "angle_error_deg_after": col("max_angle_error_deg", np.nan),
    })
    if current_table:
        def tcol(key, default):
            return np.array([f["table"][key] if f and "table" in f else default for f in fits])
        report["table_points"] = tcol("levels", 0)
        report["rms_error_pct_table"] = tcol("max_rms_error_pct", np.nan)
        report["angle_error_deg_table"] = tcol("max_angle_error_deg", np.nan)
    return CalibrationResult(new, report)
