"""IEC 62053 accuracy harness for meterdsp.

    python3 -m meterdsp.accuracy --class 0.2S --fs 2560 --out DIR [--nominal 50|60] [--quick]
    python3 -m meterdsp.accuracy --class 0.2S --input capture.npz --out DIR

Runs the test matrix of the project's standards reference (§9: groups A–J and energy over time,
and group K: a CT's current-dependent errors and an ADC skew calibrated out by
meterdsp.calibration)
through the streaming ``meterdsp.Meter``, compares every point with its closed-form expectation
and the class limit, and writes ``DIR/report.md`` plus PNG plots. Exit status 1 if any point
fails. CLASS is an active class (0.2S, 0.5S, 0.5, 1, 2) or a reactive one: Q0.5S, Q1S, Q1, Q2
(IEC 62053-24, fundamental Q) or Q2-23, Q3-23 (IEC 62053-23); an active class also runs its
companion reactive class (0.2S → Q0.5S, 0.5S → Q1S, 0.5 and 1 → Q1, 2 → Q2).

Group C also checks the total distortion of current and voltage (``thd_pct``, ``v_thd_pct``) on
its band-limited waveforms against their closed forms; with no IEC 62053 limit for it, the
limit used is IEC 61000-4-7 class I's for one harmonic, 5 % of the reading.

Pass criterion per point: |error| ≤ budget × limit, with budget 0.10 for ideal samples (the DSP
budget, standards §9.0 Tier-1), 0.25 where ADC effects (quantisation, noise) are modelled, and
the documented physical bound where the sampling rate cannot meet the limit (raw phase-fired
waveforms, §8). The report also gives the margin against the full class limit.
"""
from __future__ import annotations

import argparse
import math
import pathlib
import sys
import time

import numpy as np

from . import FLAGS, Meter, __version__, measure, simd_target

UN, IN, IMAX = 230.0, 5.0, 10.0          # nominal voltage, CT-operated In and Imax (standards §9.0)
V_FS = 1.25 * math.sqrt(2) * 1.2 * UN    # ADC full scale (peak)
I_FS = 1.25 * math.sqrt(2) * IMAX
NOT_STEADY = FLAGS["INCOMPLETE"] | FLAGS["SETTLING"] | FLAGS["NO_VOLTAGE"]

# Class limits in %, CT-operated ranges in x = I/In (standards §1.1, §2.1, §2.2).
# Each row: (kind, x_lo, x_hi, limit); kind "pf1", "pf05" (0.5 ind / 0.8 cap), "pf025"
# (0.25 ind / 0.5 cap) for active, "s1", "s05", "s025" for |sin φ| = 1, 0.5, 0.25 for reactive.
ACTIVE = {
    "0.2S": [("pf1", .01, .05, .4), ("pf1", .05, 2, .2), ("pf05", .02, .1, .5), ("pf05", .1, 2, .3), ("pf025", .1, 1, .5)],
    "0.5S": [("pf1", .01, .05, 1.), ("pf1", .05, 2, .5), ("pf05", .02, .1, 1.), ("pf05", .1, 2, .6), ("pf025", .1, 1, 1.)],
    "0.5": [("pf1", .01, .05, 1.), ("pf1", .05, 2, .5), ("pf05", .05, .1, 1.), ("pf05", .1, 2, .6), ("pf025", .1, 1, 1.)],
    "1": [("pf1", .02, .05, 1.5), ("pf1", .05, 2, 1.), ("pf05", .05, .1, 1.5), ("pf05", .1, 2, 1.), ("pf025", .1, 1, 2.5)],
    "2": [("pf1", .02, .05, 2.5), ("pf1", .05, 2, 2.), ("pf05", .05, .1, 2.5), ("pf05", .1, 2, 2.)],
}
REACTIVE = {
    "Q0.5S": [("s1", .01, .05, 1.), ("s1", .05, 2, .5), ("s05", .02, .1, 1.), ("s05", .1, 2, .6), ("s025", .1, 2, 1.)],
    "Q1S": [("s1", .01, .05, 1.5), ("s1", .05, 2, 1.), ("s05", .02, .1, 1.5), ("s05", .1, 2, 1.), ("s025", .1, 2, 1.5)],
    "Q1": [("s1", .05, .1, 1.5), ("s1", .1, 2, 1.), ("s05", .1, .2, 1.5), ("s05", .2, 2, 1.), ("s025", .2, 2, 1.5)],
    "Q2": [("s1", .05, .1, 2.5), ("s1", .1, 2, 2.), ("s05", .1, .2, 2.5), ("s05", .2, 2, 2.), ("s025", .2, 2, 2.5)],
    "Q2-23": [("s1", .02, .05, 2.5), ("s1", .05, 2, 2.), ("s05", .05, .1, 2.5), ("s05", .1, 2, 2.), ("s025", .1, 2, 2.5)],
    "Q3-23": [("s1", .02, .05, 4.), ("s1", .05, 2, 3.), ("s05", .05, .1, 4.), ("s05", .1, 2, 3.), ("s025", .1, 2, 4.)],
}
COMPANION = {"0.2S": "Q0.5S", "0.5S": "Q1S", "0.5": "Q1", "1": "Q1", "2": "Q2"}
STARTING = {"0.2S": .001, "0.5S": .001, "0.5": .002, "1": .002, "2": .003}  # Ist / In
# Total distortion has no IEC 62053 limit; the harness holds it to IEC 61000-4-7 class I's
# accuracy for a harmonic (5 % of the reading), with the same 0.10 DSP budget: 0.5 % of reading.
THD_LIMIT = 5.0


def thd_of(comps):
    """Total distortion in % of components [(order, rms, phase)]: all but the fundamental."""
    fund = math.hypot(*[c[1] for c in comps if c[0] == 1])
    return 100 * math.sqrt(sum(c[1] ** 2 for c in comps if c[0] != 1)) / fund


def active_limit(cls, x, phi_deg):
    """Active-energy error limit [%] of class `cls` at load `x` (fraction of In) and angle."""
    pf = abs(math.cos(math.radians(phi_deg)))
    kind = "pf1" if pf > .999 else "pf05" if pf > .45 else "pf025"
    for k, lo, hi, lim in ACTIVE[cls]:
        if k == kind and lo - 1e-12 <= x <= hi + 1e-12 and (kind != "pf1" or x < hi or hi == 2):
            return lim
    return None


def reactive_limit(cls, x, phi_deg):
    """Reactive-energy error limit [%] of class `cls` at load `x` and angle."""
    s = abs(math.sin(math.radians(phi_deg)))
    kind = "s1" if s > .999 else "s05" if s > .45 else "s025" if s > .2 else None
    for k, lo, hi, lim in REACTIVE[cls]:
        if k == kind and lo - 1e-12 <= x <= hi + 1e-12:
            return lim
    return None


# ------------------------------------------------------------------ signals and runs

def synth(comps, f, fs, n, theta0=0.0, dc=0.0):
    """Σ √2·rms·sin(h·(2πft + θ0) + phase) + dc; comps = [(h, rms, phase_rad)]."""
    t = np.arange(n) / fs
    w = 2 * np.pi * f * t + theta0
    x = np.full(n, float(dc))
    for h, rms, ph in comps:
        x += math.sqrt(2) * rms * np.sin(h * w + ph)
    return x


def lag(rms, phi_deg, h=1):
    """A component of order h lagging the voltage by phi (load convention)."""
    return (h, rms, -math.radians(phi_deg))


def quantise(x, fs_peak, bits, rng=None):
    """`x` as integer codes of a `bits`-bit ADC with full scale ±`fs_peak` (clipped; TPDF
    dither of ±1 code when `rng` is given)."""
    top = 2 ** (bits - 1) - 1
    d = (rng.random(x.shape) - rng.random(x.shape)) if rng is not None else 0.0
    return np.clip(np.round(x / fs_peak * top + d), -top - 1, top)


class Run:
    """One streaming run: steady windows and the meter's registers."""

    def __init__(self, v, i, fs, nominal, *, phase=None, min_on=1e-4, calibration=None, dc_removal=True):
        v = np.atleast_2d(v)
        i = np.atleast_2d(i)
        cal = dict(calibration or {})
        if not dc_removal:
            cal.update(v_dc_removal=0, i_dc_removal=0)
        self.meter = Meter(fs, v.shape[0], i.shape[0], phase=phase, nominal_hz=nominal,
                           min_on_current=min_on, min_voltage=0.5, calibration=cal,
                           demand={"subinterval_s": 10})
        self.w = self.meter.process(v, i)
        self.steady = (self.w.window_flags & NOT_STEADY) == 0
        self.dur = self.w.duration_s[self.steady]

    def worst(self, field, k, expected, scale=None):
        """Worst per-window error (%) of field[:, k] against expected (relative to `scale`)."""
        vals = getattr(self.w, field)[self.steady, k]
        ref = abs(expected) if scale is None else scale
        err = 100 * (vals - expected) / ref
        return float(err[np.argmax(np.abs(err))]), float(np.mean(vals))

    def energy_err(self, field, k, expected, scale=None):
        """Error (%) of ∫x dt over the steady windows against expected · duration."""
        got = np.sum(getattr(self.w, field)[self.steady, k] * self.dur)
        want = expected * np.sum(self.dur)
        ref = abs(want) if scale is None else scale * np.sum(self.dur)
        return float(100 * (got - want) / ref), float(got / np.sum(self.dur))


def sampled_reference(run, v, i, fs):
    """P and Q1 the samples themselves carry over the run's steady windows: the same linear-
    interpolation (hat) weights and fundamental DFT, in float64 NumPy, independent of the
    library. What a perfect sampled-data meter reads; the gap to the analytic value is aliasing."""
    def cdf(u):
        return np.where(u <= -1, 0.0, np.where(u <= 0, 0.5 * (u + 1) ** 2, np.where(u <= 1, 1 - 0.5 * (1 - u) ** 2, 1.0)))
    w = run.w
    p_sum = q_sum = dur = 0.0
    rms = []
    for k in np.flatnonzero(run.steady):
        a = w.start_s[k] * fs
        b = a + w.duration_s[k] * fs
        idx = np.arange(max(int(np.floor(a)) - 1, 0), min(int(np.floor(b)) + 2, len(v)))
        wt = cdf(b - idx) - cdf(a - idx)
        width = b - a
        vv, ii = v[idx], i[idx]
        vm, im = np.sum(wt * vv) / width, np.sum(wt * ii) / width
        p_sum += (np.sum(wt * vv * ii) / width - vm * im) * width
        rms.append(math.sqrt(max(np.sum(wt * ii * ii) / width - im * im, 0.0)))
        ph = np.exp(-2j * np.pi * w.frequency[k] / fs * (idx - a))
        v1 = math.sqrt(2) / width * np.sum(wt * vv * ph)
        i1 = math.sqrt(2) / width * np.sum(wt * ii * ph)
        q_sum += float(np.imag(v1 * np.conj(i1))) * width
        dur += width
    return p_sum / dur, q_sum / dur, float(np.mean(rms))


# ------------------------------------------------------------------ results

class Results:
    """Collected test points: each with its group, measured error, limit and margin."""
    def __init__(self, active, reactive):
        self.active, self.reactive, self.rows = active, reactive, []

    def add(self, group, point, quantity, expected, measured, err_pct, limit, budget=0.10, note="",
            bound=None):
        """A point: pass if |err| ≤ budget·limit (or ≤ bound, a documented physical bound)."""
        allowed = bound if bound is not None else (budget * limit if limit is not None else None)
        ok = allowed is None or abs(err_pct) <= allowed
        margin = None if limit is None else 100 * (1 - abs(err_pct) / limit)
        self.rows.append(dict(group=group, point=point, quantity=quantity, expected=expected,
                              measured=measured, err=err_pct, limit=limit, allowed=allowed,
                              margin=margin, ok=ok, note=note, bounded=bound is not None))
        return ok


def progress(msg):
    """One progress line on stderr (the harness runs for minutes)."""
    print(f"  {msg}", flush=True)


# ------------------------------------------------------------------ the groups

def group_a_b(res, fs, nominal, quick, rng):
    """A: current × PF sweep (active); B: sin φ sweep (reactive)."""
    xs = [.01, .02, .05, .1, .2, .5, 1, 1.2, 2]
    pfs = [0, 60, -36.8699, 75.5225, -60]
    sins = [90, -90, 30, -30, 14.4775, -14.4775]
    freqs = [nominal] if quick else [nominal, nominal * 0.999, nominal * 1.001]
    thetas = rng.uniform(0, 2 * np.pi, 1 if quick else 3)
    n = int((2 if quick else 3) * fs)
    curves = {}
    for f in freqs:
        for th in thetas:
            for grp, phis, lim_fn, cls, field in (("A", pfs, active_limit, res.active, "p"),
                                                   ("B", sins, reactive_limit, res.reactive, "q")):
                pts = [(x, phi) for phi in phis for x in xs]
                v = synth([(1, UN, 0)], f, fs, n, th)
                i = np.stack([synth([lag(IN * x, phi)], f, fs, n, th) for x, phi in pts])
                r = Run(v, i, fs, nominal)
                for k, (x, phi) in enumerate(pts):
                    lim = lim_fn(cls, x, phi)
                    if lim is None:
                        continue
                    s = UN * IN * x
                    want = s * (math.cos(math.radians(phi)) if field == "p" else math.sin(math.radians(phi)))
                    err, mean = r.worst(field, k, want)
                    name = f"x={x:g} In, φ={phi:+.1f}°, f={f:.3f}"
                    res.add(grp, name, f"{field.upper()} per window", want, mean, err, lim)
                    eerr, emean = r.energy_err(field, k, want)
                    res.add(grp, name, f"{field.upper()} energy", want, emean, eerr, lim)
                    curves.setdefault((grp, phi), []).append((x, err))
                    if grp == "A":
                        ierr, imean = r.worst("irms", k, IN * x)
                        res.add(grp, name, "Irms", IN * x, imean, ierr, 1.0, budget=0.02,
                                note="RMS target 0.02 % of reading (budget × 1 %)")
                        aerr = float(np.max(np.abs(((r.w.angle_deg[r.steady, k] + phi + 180) % 360) - 180)))
                        res.add(grp, name, "angle (°)", -phi, -phi, aerr, 0.1, budget=0.1,
                                note="angle target 0.01°; error in degrees")
        progress(f"A/B at {f:.3f} Hz: {len(res.rows)} points so far")
    return curves


def group_c(res, fs, nominal, quick):
    """C: harmonics and waveform influences (standards §9.3)."""
    n = int((2 if quick else 4) * fs)
    f = nominal
    lim_p = active_limit(res.active, 1, 0)
    lim_q = reactive_limit(res.reactive, 1, 90)
    h_max = int(fs / 2 / f)
    bars = []

    def check(name, v, i, want_p, want_q, s_ref, want_irms=None, budget=0.10, bound_p=None, bound_i=None,
              band_limited=True, want_thd=None, want_vthd=None):
        r = Run(v, i, fs, nominal)
        for field, want, what in (("thd_pct", want_thd, "current THD"), ("v_thd_pct", want_vthd, "voltage THD")):
            if want is not None:  # run average, as Irms: interharmonics beat per window
                mt = float(np.mean(getattr(r.w, field)[r.steady, 0]))
                res.add("C", name, f"{what} (run average, % of reading)", want, mt, 100 * (mt - want) / want,
                        THD_LIMIT, note="criterion: IEC 61000-4-7 class I per harmonic (no 62053 limit)")
        if not band_limited and want_irms is not None:
            # RMS of a waveform with unbounded harmonics: the DSP must read what the samples carry;
            # their own gap to the analytic RMS (aliasing of i²) is reported, not asserted.
            smp_irms = sampled_reference(r, v, i, fs)[2]
            mi = float(np.mean(r.w.irms[r.steady, 0]))
            res.add("C", name, "Irms vs the samples' own RMS", smp_irms, mi, 100 * (mi - smp_irms) / smp_irms,
                    1.0, budget=0.02)
            res.add("C", name, "sampling (aliasing) error of Irms", want_irms, smp_irms,
                    100 * (smp_irms - want_irms) / want_irms, 1.0, bound=float("inf"),
                    note="physical: not band-limited (standards §8); reported only")
            want_irms = None
        err_p, mp = r.energy_err("p", 0, want_p, scale=None if abs(want_p) > 1e-9 else s_ref)
        res.add("C", name, "P", want_p, mp, err_p, lim_p, budget=budget, bound=bound_p,
                note="raw sampling: documented aliasing bound (§8)" if bound_p else "")
        err_q, mq = r.energy_err("q", 0, want_q, scale=s_ref)
        res.add("C", name, "Q1 (of S)", want_q, mq, err_q, lim_q, budget=budget)
        if want_irms is not None:  # run average (the 10-s value): interharmonics beat per window
            mi = float(np.mean(r.w.irms[r.steady, 0]))
            err_i = 100 * (mi - want_irms) / want_irms
            res.add("C", name, "Irms (run average)", want_irms, mi, err_i, 1.0,
                    budget=0.02 if bound_i is None else 1, bound=bound_i)
        bars.append((name, err_p))

    # C1: 5th harmonic 10 % in U, 40 % in I: P = 1.04 P1, Q1 = 0.
    v = synth([(1, UN, 0), (5, .1 * UN, 0)], f, fs, n, .3)
    check("C1 5th harmonic", v, synth([(1, IN, 0), (5, .4 * IN, 0)], f, fs, n, .3), 1196.0, 0.0, 1244.765,
          5.385165, want_thd=40.0, want_vthd=10.0)
    # C2a/b: harmonic current at 90°: Q1 must stay 0 (a time-delay Q would read ±46 var).
    for h in (5, 3):
        v = synth([(1, UN, 0), (h, .1 * UN, 0)], f, fs, n, .3)
        i = synth([(1, IN, 0), (h, .4 * IN, -math.pi / 2)], f, fs, n, .3)
        check(f"C2 order {h} at 90°", v, i, 1150.0, 0.0, 1244.765, want_thd=40.0)
    # C3: half-wave rectified current (DC removed: Irms 5.453051 A), P = 1150, Q1 = 0.
    v = synth([(1, UN, 0)], f, fs, n)
    sv = np.sin(2 * np.pi * f * np.arange(n) / fs)
    check("C3 half-wave DC", v, np.where(sv > 0, math.sqrt(2) * IMAX * sv, 0.0), 1150.0, 0.0, 1626.35, 5.453051,
          band_limited=False)
    # C4: 90° phase-fired, band-limited to the Nyquist order (exact) and raw (aliasing bound).
    ip = math.sqrt(2) * 0.5 * 10
    # Fourier series of the phase-fired wave: the current is smooth on [π/2, π) and [3π/2, 2π),
    # so Gauss–Legendre on each piece gives the coefficients to rounding.
    nodes, weights = np.polynomial.legendre.leggauss(64)
    bl = []
    for h in range(1, h_max + 1, 2):
        a = b = 0.0
        for lo in (np.pi / 2, 3 * np.pi / 2):
            t = lo + (nodes + 1) * np.pi / 4
            wq = weights * np.pi / 4
            a += np.sum(wq * ip * np.sin(t) * np.sin(h * t)) / np.pi
            b += np.sum(wq * ip * np.sin(t) * np.cos(h * t)) / np.pi
        bl.append((h, math.hypot(a, b) / math.sqrt(2), math.atan2(b, a)))
    i_bl = synth(bl, f, fs, n)
    irms_bl = math.sqrt(sum(c[1] ** 2 for c in bl))
    check("C4a phase-fired, band-limited", v, i_bl, UN * ip / (2 * math.sqrt(2)), UN * ip / (math.sqrt(2) * math.pi),
          813.173, irms_bl, want_thd=thd_of(bl))
    th = 2 * np.pi * f * np.arange(n) / fs
    raw = np.where((th % np.pi) >= np.pi / 2, ip * np.sin(th), 0.0)
    r = Run(v, raw, fs, nominal)
    p_true, q_true = UN * ip / (2 * math.sqrt(2)), UN * ip / (math.sqrt(2) * math.pi)
    p_smp, q_smp, _ = sampled_reference(r, v, raw, fs)
    name = "C4b phase-fired, raw samples"
    err_p, mp = r.energy_err("p", 0, p_smp)
    res.add("C", name, "P vs the samples' own value", p_smp, mp, err_p, lim_p)
    err_q, mq = r.energy_err("q", 0, q_smp, scale=813.173)
    res.add("C", name, "Q1 vs the samples' own value (of S)", q_smp, mq, err_q, lim_q)
    documented = {(2560.0, 50): 1.5, (2560.0, 60): 3.0}.get((float(fs), nominal))
    res.add("C", name, "sampling (aliasing) error of P", p_true, p_smp, 100 * (p_smp - p_true) / p_true, lim_p,
            bound=documented if documented is not None else float("inf"),
            note="physical: raw discontinuous samples alias (standards §8)"
                 + ("" if documented is not None else "; no documented bound at this rate, reported only"))
    bars.append((name, err_p))
    # C5: burst fire 2 cycles on / 2 off: long-run P = U·Ip/(2√2).
    on = (np.floor(th / (2 * np.pi)) % 4) < 2
    check("C5 burst fire 2/2", v, np.where(on, math.sqrt(2) * IN * np.sin(th), 0.0), UN * IN / 2, 0.0, UN * IN,
          IN / math.sqrt(2), band_limited=False)
    # C6: 2nd harmonic 20 %; C7: interharmonic 10 % at 177 Hz (212 Hz at 60); C8 multi-harmonic.
    check("C6 2nd harmonic 20 %", v, synth([(1, IN, 0), (2, .2 * IN, .7)], f, fs, n), UN * IN, 0.0, UN * IN,
          IN * math.sqrt(1.04), want_thd=20.0)
    fih = 177.0 if nominal == 50 else 212.0
    ih = math.sqrt(2) * .1 * IN * np.sin(2 * np.pi * fih * np.arange(n) / fs)
    check("C7 interharmonic 10 %", v, synth([(1, IN, 0)], f, fs, n) + ih, UN * IN, 0.0, UN * IN, IN * math.sqrt(1.01),
          want_thd=10.0)
    vh = [(1, UN, 0), (3, .05 * UN, .3), (5, .06 * UN, 1.1), (7, .05 * UN, 2.0), (11, .035 * UN, .5), (13, .03 * UN, 2.5)]
    ihs = [(1, IN, -math.radians(30)), (3, .2 * IN, .9), (5, .1 * IN, 2.2), (7, .05 * IN, .1), (11, .04 * IN, 1.7),
           (13, .03 * IN, 3.0)]
    vh = [c for c in vh if c[0] <= h_max]
    ihs = [c for c in ihs if c[0] <= h_max]
    vd = {c[0]: c for c in vh}
    p8 = sum(vd[h][1] * r * math.cos(vd[h][2] - ph) for h, r, ph in ihs if h in vd)
    q8 = UN * IN * math.sin(math.radians(30))
    check("C8 multi-harmonic", synth(vh, f, fs, n), synth(ihs, f, fs, n), p8, q8, UN * IN,
          want_thd=thd_of(ihs), want_vthd=thd_of(vh))
    progress(f"C harmonics: {len(bars)} cases")
    return bars


def group_d(res, fs, nominal, quick):
    """D: frequency deviation ±2 % / ±5 % at In and 0.05 In, PF 1 and 0.5 ind; a ramp."""
    fr = [.95, .98, .99, .998, 1.002, 1.01, 1.02, 1.05]
    freqs = [nominal * k for k in ([.98, 1.02] if quick else fr)]
    n = int((2 if quick else 10) * fs)
    curve = []
    for f in freqs:
        pts = [(1, 0), (1, 60), (.05, 0), (.05, 60)]
        v = synth([(1, UN, 0)], f, fs, n, .2)
        i = np.stack([synth([lag(IN * x, phi)], f, fs, n, .2) for x, phi in pts])
        r = Run(v, i, fs, nominal)
        for k, (x, phi) in enumerate(pts):
            want = UN * IN * x * math.cos(math.radians(phi))
            err, mean = r.energy_err("p", k, want)
            res.add("D", f"f={f:.3f} Hz, x={x:g}, φ={phi}", "P energy", want, mean, err,
                    active_limit(res.active, x, phi))
            curve.append((f, phi, x, err))
        ferr = float(np.max(np.abs(r.w.frequency[r.steady] - f))) * 1000
        res.add("D", f"f={f:.3f} Hz", "frequency, 200 ms (mHz)", f, f, ferr, None, note="target ≤ 5 mHz",
                bound=5.0)
    # Ramp 49 → 51 Hz at 0.1 Hz/s (scaled to nominal).
    n = int((6 if quick else 20) * fs)
    t = np.arange(n) / fs
    f0, rate = nominal * .98, nominal * .002
    th = 2 * np.pi * (f0 * t + .5 * rate * t * t)
    v = math.sqrt(2) * UN * np.sin(th)
    i = math.sqrt(2) * IN * np.sin(th - math.pi / 3)
    r = Run(v, i[None], fs, nominal)
    err, mean = r.energy_err("p", 0, UN * IN * .5)
    res.add("D", f"ramp {f0:.1f} Hz + {rate:.2f} Hz/s", "P energy", UN * IN * .5, mean, err,
            active_limit(res.active, 1, 60))
    mid = (r.w.start_s + r.w.duration_s / 2)[r.steady]
    ferr = float(np.max(np.abs(r.w.frequency[r.steady] - (f0 + rate * mid)))) * 1000
    res.add("D", "ramp", "tracking (mHz)", 0, ferr, ferr, None, bound=10.0, note="target ≤ 10 mHz")
    progress(f"D frequency: {len(freqs)} frequencies and a ramp")
    return curve


def group_e_f_g(res, fs, nominal, quick, rng):
    """E: voltage variation, starting current, no-load creep. F: DC offsets. G: noise."""
    f = nominal
    n = int((2 if quick else 5) * fs)
    for u in (.8, .9, 1.1, 1.15, 1.2):
        v = synth([(1, UN * u, 0)], f, fs, n, .4)
        i = np.stack([synth([lag(IN, phi)], f, fs, n, .4) for phi in (0, 60)])
        r = Run(v, i, fs, nominal)
        for k, phi in enumerate((0, 60)):
            want = UN * u * IN * math.cos(math.radians(phi))
            err, mean = r.energy_err("p", k, want)
            res.add("E", f"U={u:g} Un, φ={phi}", "P energy", want, mean, err, active_limit(res.active, 1, phi))
    # Starting current: energy keeps increasing, mean power within ±10 % of U·Ist.
    ist = STARTING.get(res.active, .001) * IN
    ns = int((10 if quick else 60) * fs)
    v = synth([(1, UN, 0)], f, fs, ns, .1)
    r = Run(v, synth([(1, ist, 0)], f, fs, ns, .1)[None], fs, nominal, min_on=ist / 2)
    p = r.w.p[r.steady, 0]
    err = 100 * (np.mean(p) - UN * ist) / (UN * ist)
    res.add("E", f"starting current {ist * 1000:g} mA", "mean P", UN * ist, float(np.mean(p)), float(err), 10.0,
            budget=1.0, note="library criterion: registers and within ±10 % of U·Ist")
    res.add("E", "starting current", "registers increase", 1, float(np.all(p > 0)), 0.0 if np.all(p > 0) else 100.0,
            None, bound=0.0)
    # No-load creep: 1.15 Un, current = noise (−90 dBFS) + offset (0.05 % FS): no energy at all.
    sigma = I_FS * 10 ** (-90 / 20) / math.sqrt(2)
    icreep = rng.normal(0, sigma, ns) + 0.0005 * I_FS
    r = Run(synth([(1, 1.15 * UN, 0)], f, fs, ns), icreep[None], fs, nominal, min_on=ist / 2)
    e = r.meter.energy()
    total = sum(float(e[k][0]) for k in e)
    res.add("E", "no-load creep (noise + offset)", "all registers (Wh)", 0.0, total, 0.0 if total == 0 else 100.0,
            None, bound=0.0)
    # F: DC offsets +0.5 % FS on V, −0.5 % FS on I, PF 0.5 ind at In: removed without phase shift.
    v = synth([(1, UN, 0)], f, fs, n, .3, dc=.005 * V_FS)
    i = synth([lag(IN, 60)], f, fs, n, .3, dc=-.005 * I_FS)
    r = Run(v, i[None], fs, nominal)
    for fld, want, lim in (("p", 575.0, active_limit(res.active, 1, 60)),
                           ("q", 995.929, reactive_limit(res.reactive, 1, 30))):
        err, mean = r.energy_err(fld, 0, want)
        res.add("F", "DC offsets ±0.5 % FS", fld.upper(), want, mean, err, lim)
    err, mean = r.worst("irms", 0, IN)
    res.add("F", "DC offsets ±0.5 % FS", "Irms", IN, mean, err, 1.0, budget=0.02)
    # G: white noise on I (−90/−80/−70 dBFS) at 0.01…1 In: mean P over repetitions.
    reps = 2 if quick else 5
    for db in (-90, -80, -70):
        s = I_FS * 10 ** (db / 20) / math.sqrt(2)
        for x in (.01, .1, 1):
            errs = []
            for _ in range(reps):
                th = rng.uniform(0, 6.28)
                v = synth([(1, UN, 0)], f, fs, n, th)
                i = synth([(1, IN * x, 0)], f, fs, n, th) + rng.normal(0, s, n)
                errs.append(Run(v, i[None], fs, nominal).energy_err("p", 0, UN * IN * x)[0])
            res.add("G", f"noise {db} dBFS, x={x:g}", "P energy (mean of reps)", UN * IN * x, None,
                    float(np.mean(errs)), active_limit(res.active, x, 0), budget=0.25)
    progress("E/F/G voltage, starting, creep, DC, noise")


def group_h(res, fs, nominal, quick, rng):
    """H: 16/24-bit quantisation with TPDF dither; dynamic range of active energy."""
    f = nominal * 1.0013  # non-coherent: quantisation noise, not a bias pattern
    n = int((4 if quick else 10) * fs)
    top = {16: 2 ** 15 - 1, 24: 2 ** 23 - 1}
    ranges = {24: np.geomspace(2.0, 2.0 / 10000, 6 if quick else 11), 16: np.geomspace(2.0, 2.0 / 1000, 5 if quick else 9)}
    curves = {}
    for bits in (24, 16):
        xs = list(ranges[bits])
        v = quantise(synth([(1, UN, 0)], f, fs, n, .5), V_FS, bits, rng)
        i = np.stack([quantise(synth([(1, IN * x, 0)], f, fs, n, .5), I_FS, bits, rng) for x in xs])
        r = Run(v, i, fs, nominal, min_on=0.0,
                calibration={"v_gain": V_FS / top[bits], "i_gain": I_FS / top[bits]})
        for k, x in enumerate(xs):
            err, mean = r.energy_err("p", k, UN * IN * x)
            lim = active_limit(res.active, x, 0)
            res.add("H", f"{bits}-bit, x={x:.5g} In", "P energy", UN * IN * x, mean, err, lim, budget=0.25)
            res.add("H", f"{bits}-bit dynamic range, x={x:.5g} In", "P energy vs 0.1 %", UN * IN * x, mean, err,
                    None, bound=0.1, note=f"{'10000' if bits == 24 else '1000'}:1 target ≤ 0.1 %")
            curves.setdefault(bits, []).append((x, err))
    progress("H quantisation and dynamic range")
    return curves


def group_j(res, fs, nominal, quick):
    """J: three-phase balanced, unbalanced and single-phase load; energy registers over time."""
    f = nominal
    n = int((2 if quick else 5) * fs)
    v = np.stack([synth([(1, UN, -math.radians(120 * k))], f, fs, n, .7) for k in range(3)])

    def three(currents, phis, name, limit_x=1.0):
        i = np.stack([synth([(1, c, -math.radians(120 * k + phi))], f, fs, n, .7)
                      for k, (c, phi) in enumerate(zip(currents, phis))])
        r = Run(v, i, fs, nominal, phase=[0, 1, 2])
        want = sum(UN * c * math.cos(math.radians(phi)) for c, phi in zip(currents, phis))
        got = np.sum(r.w.p[r.steady] * r.dur[:, None]) / np.sum(r.dur)
        err = 100 * (got - want) / want
        lim = active_limit(res.active, limit_x, phis[0])
        res.add("J", name, "P total", want, float(got), float(err), lim)

    three([IN] * 3, [60] * 3, "J1 balanced 3P4W, PF 0.5 ind")
    three([IN, IN / 2, 0], [0, 0, 0], "J2 unbalanced 5 / 2.5 / 0 A")
    three([IN, 0, 0], [0, 0, 0], "A-1ph single-phase load on phase A")
    # Energy registers over time at In, PF 0.5 ind: only +A and R_QI move, others exactly 0.
    secs = 60 if quick else 3600
    nn = int(secs * fs)
    m = Meter(fs, 1, 1, nominal_hz=nominal, min_on_current=1e-4, min_voltage=0.5)
    block = int(60 * fs)
    for start in range(0, nn, block):
        k = min(block, nn - start)
        th = 2 * np.pi * f * (np.arange(start, start + k) / fs)
        m.process((math.sqrt(2) * UN * np.sin(th))[None], (math.sqrt(2) * IN * np.sin(th - math.pi / 3))[None])
    e = m.energy()
    t_end = m.now_s
    for reg, want in (("wh_import", 575.0 * t_end / 3600), ("varh_q1", 995.929 * t_end / 3600)):
        got = float(e[reg][0])
        res.add("J", f"energy over {secs} s", reg, want, got, 100 * (got - want) / want,
                active_limit(res.active, 1, 60) if reg == "wh_import" else reactive_limit(res.reactive, 1, 30))
    others = sum(float(e[r][0]) for r in e if r not in ("wh_import", "varh_q1", "vah_import"))
    res.add("J", f"energy over {secs} s", "other registers (Wh)", 0.0, others, 0.0 if others == 0 else 100.0,
            None, bound=0.0)
    progress(f"J three-phase and {secs} s of registers")


# ------------------------------------------------------------------ report

def ct_errors(x):
    """A split-core CT's errors at load x (fraction of In): ratio error (fraction, output high)
    and phase lead (°), both growing towards low current as x^-0.5 (1.1 % and 0.95° at 1 % In,
    0.02 % and 0.23° at In)."""
    return 0.0012 * x ** -0.5 - 0.001, 0.15 + 0.08 * x ** -0.5


def group_k(res, fs, nominal, quick):
    """K: sensor errors calibrated out. The current through the CT of ct_errors(), sampled 40 µs
    late; the voltage read 0.6 % low. Calibrated by meterdsp.calibration.calibrate against the
    ideal readings at six currents × PF 1 and 0.5 inductive (nominal frequency), with a current
    table; then the group-A sweep (also between the calibration currents, and at ±0.1 % of the
    frequency) against the class limits with budget 0.25 (modelled sensor). For comparison (not
    judged): the same sweep with the classic calibration — gain and delay from the two points
    at In — and uncalibrated."""
    from .calibration import calibrate
    skew_s, v_ratio = 40e-6, 0.994
    n = int((2 if quick else 3) * fs)

    def sensed(x, phi, f, th=0.4):
        ratio, lead = ct_errors(x)
        lead += 360 * f * skew_s
        return synth([lag(IN * x * (1 + ratio), phi - lead)], f, fs, n, th)

    v_of = lambda f, th=0.4: synth([(1, UN * v_ratio, 0)], f, fs, n, th)  # noqa: E731
    cal_xs = [.01, .03, .1, .3, 1, 2]
    cal_pts = [(x, phi) for x in cal_xs for phi in (0, 60)]
    points = [(v_of(nominal), sensed(x, phi, nominal)[None, :],
               {"vrms": UN, "irms": IN * x, "angle_deg": -phi}) for x, phi in cal_pts]
    kw = dict(voltages=1, currents=1, nominal_hz=nominal, min_on_current=1e-4)
    at_in = [p for p, (x, _) in zip(points, cal_pts) if x == 1]
    fits = {"table": calibrate(points, fs, current_table=True, **kw),
            "gain and delay at In": calibrate(at_in, fs, **kw)}
    progress(f"K calibrated at {len(points)} points")
    xs = [.01, .02, .05, .1, .2, .5, 1, 1.2, 2]
    pfs = [0, 60, -36.8699]
    freqs = [nominal] if quick else [nominal, nominal * 0.999, nominal * 1.001]
    curves = {}
    for f in freqs:
        pts = [(x, phi) for phi in pfs for x in xs]
        v = v_of(f, 1.1)
        i = np.stack([sensed(x, phi, f, 1.1) for x, phi in pts])
        for label, fit in (("table", fits["table"]), ("gain and delay at In", fits["gain and delay at In"]),
                           ("uncalibrated", None)):
            cal = {}
            if fit is not None:
                c = fit.calibration
                cal = {"v_gain": c["v_gain"], "i_gain": float(c["i_gain"][0]),
                       "i_phase_deg": float(c["i_phase_deg"][0])}
                if "i_table" in c:
                    cal["i_table"] = [c["i_table"][0]] * len(pts)
            r = Run(v, i, fs, nominal, calibration=cal)
            for k, (x, phi) in enumerate(pts):
                lim = active_limit(res.active, x, phi)
                want = UN * IN * x * math.cos(math.radians(phi))
                err, mean = r.energy_err("p", k, want)
                name = f"x={x:g} In, φ={phi:+.1f}°, f={f:.3f}, {label}"
                if label == "table":
                    res.add("K", name, "P energy", want, mean, err, lim, budget=0.25)
                    ierr, imean = r.worst("irms", k, IN * x)
                    res.add("K", name, "Irms", IN * x, imean, ierr, 1.0, budget=0.05,
                            note="RMS target 0.05 % of reading (budget × 1 %)")
                else:
                    res.add("K", name, "P energy", want, mean, err, None,
                            note=f"for comparison ({res.active} limit {fmt(lim)} %)")
                if f == nominal:
                    curves.setdefault((label, phi), []).append((x, err))
        progress(f"K at {f:.3f} Hz: {len(res.rows)} points so far")
    return curves


def fmt(x):
    """A value for the report: floats to 6 significant digits, None as a dash."""
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.6g}"
    return str(x)


def write_report(res, out, args, plots, elapsed):
    """Write report.md (table per group, worst margins, plots) into `out`."""
    rows = res.rows
    groups = sorted({r["group"] for r in rows})
    lines = [f"# meterdsp accuracy report — class {res.active} / {res.reactive}", "",
             f"meterdsp {__version__} ({simd_target()}), fs = {args.fs:g} Hz, nominal {args.nominal} Hz, "
             f"{'quick subset' if args.quick else 'full matrix'}, {len(rows)} points in {elapsed:.0f} s.", "",
             "Pass: |error| ≤ budget × class limit (0.10 ideal samples, 0.25 with modelled ADC effects) or the",
             "documented bound; margin = 1 − |error| / class limit. Rows judged against a physical bound (the",
             "sample rate cannot meet the class limit there) are reported but left out of the worst margin.", "",
             "| group | points | failed | worst margin | worst point |", "|---|---|---|---|---|"]
    for g in groups:
        rs = [r for r in rows if r["group"] == g]
        ms = [r for r in rs if r["margin"] is not None and not r["bounded"]]
        worst = min(ms, key=lambda r: r["margin"]) if ms else None
        lines.append(f"| {g} | {len(rs)} | {sum(not r['ok'] for r in rs)} | "
                     f"{worst['margin']:.1f} % | {worst['point']} ({worst['quantity']}) |" if worst else
                     f"| {g} | {len(rs)} | {sum(not r['ok'] for r in rs)} | – | – |")
    failed = [r for r in rows if not r["ok"]]
    lines += [""]
    for label, cls, pick in (("active", res.active, lambda r: not r["quantity"].startswith("Q")),
                             ("reactive", res.reactive, lambda r: r["quantity"].startswith("Q"))):
        rs = [r for r in rows if pick(r)]
        ms = [r["margin"] for r in rs if r["margin"] is not None and not r["bounded"]]
        bad = sum(not r["ok"] for r in rs)
        lines.append(f"- {label} class {cls}: {'PASS' if not bad else 'FAIL'} — {len(rs) - bad} of {len(rs)} "
                     f"points, worst margin {min(ms) if ms else float('nan'):.1f} %")
    lines += ["", f"**{'PASS' if not failed else 'FAIL'}**: {len(rows) - len(failed)} of {len(rows)} points pass.", ""]
    for name, path in plots:
        lines += [f"![{name}]({path})", ""]
    for g in groups:
        lines += [f"## Group {g}", "", "| point | quantity | expected | measured | error % | limit % | allowed | margin | status | note |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            if r["group"] != g:
                continue
            margin = "–" if r["margin"] is None else f"{r['margin']:.1f} %"
            lines.append(f"| {r['point']} | {r['quantity']} | {fmt(r['expected'])} | {fmt(r['measured'])} | "
                         f"{r['err']:+.5f} | {fmt(r['limit'])} | {fmt(r['allowed'])} | {margin} | "
                         f"{'pass' if r['ok'] else '**FAIL**'} | {r['note']} |")
        lines.append("")
    (out / "report.md").write_text("\n".join(lines))


def make_plots(out, curves_ab, curves_d, curves_h, bars, res, curves_k=None):
    """Error-vs-current curves and margin bars as PNGs in `out`; returns their names."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plots = []

    def save(fig, name, title, legend_axes=()):
        for a in legend_axes:
            a.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / f"{name}.png", dpi=100)
        plots.append((title, f"{name}.png"))
        plt.close(fig)

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for (grp, phi), pts in sorted(curves_ab.items()):
        if grp != "A":
            continue
        pts = sorted(pts)
        xs = [p[0] for p in pts]
        ax.semilogx(xs, [p[1] for p in pts], "o-", ms=3, label=f"φ = {phi:+.1f}°")
        ax2.loglog(xs, [max(abs(p[1]), 1e-8) for p in pts], "o-", ms=3, label=f"φ = {phi:+.1f}°")
    for k, lo, hi, lim in ACTIVE[res.active]:
        if k in ("pf1", "pf05"):
            color = "r" if k == "pf1" else "m"
            ax.hlines([lim, -lim], lo, hi, colors=color, linestyles="--", lw=1)
            ax2.hlines([lim * .1], lo, hi, colors=color, linestyles=":", lw=1)
    ax.set_xlabel("I / In")
    ax.set_ylabel("P error per window (%)")
    ax.set_title(f"Group A against the class {res.active} limits")
    ax2.set_xlabel("I / In")
    ax2.set_ylabel("|P error| (%)")
    ax2.set_title("the same, log scale; dotted: 10 % DSP budget")
    save(fig, "error_vs_current", "error vs current", (ax,))
    if curves_d:
        fig, ax = plt.subplots(figsize=(7, 3.6))
        for phi in (0, 60):
            for x in (1, .05):
                pts = sorted((f, e) for f, p, xx, e in curves_d if p == phi and xx == x)
                ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", ms=3, label=f"φ={phi}°, {x:g} In")
        ax.set_xlabel("frequency (Hz)")
        ax.set_ylabel("P energy error (%)")
        ax.set_title("Group D: error vs frequency")
        save(fig, "error_vs_frequency", "error vs frequency", (ax,))
    if bars:
        fig, ax = plt.subplots(figsize=(7, 3.6))
        ax.barh([b[0] for b in bars], [abs(b[1]) for b in bars])
        ax.set_xscale("log")
        ax.set_xlabel("|P error| (%)")
        ax.set_title("Group C: harmonics and waveform influences")
        save(fig, "harmonics", "harmonics")
    if curves_h:
        fig, ax = plt.subplots(figsize=(7, 3.6))
        for bits, pts in sorted(curves_h.items()):
            ax.loglog([p[0] for p in pts], [max(abs(p[1]), 1e-7) for p in pts], "o-", ms=3, label=f"{bits}-bit")
        ax.axhline(0.1, color="r", ls="--", lw=1, label="0.1 %")
        ax.set_xlabel("I / In")
        ax.set_ylabel("|energy error| (%)")
        ax.set_title("Group H: dynamic range of active energy")
        save(fig, "dynamic_range", "dynamic range", (ax,))
    if curves_k:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
        for ax, phi in zip(axes, (0, 60)):
            for label, style in (("uncalibrated", "s:"), ("gain and delay at In", "^--"), ("table", "o-")):
                pts = sorted(curves_k.get((label, phi), []))
                ax.loglog([p[0] for p in pts], [max(abs(p[1]), 1e-6) for p in pts], style, ms=4, label=label)
            kind = "pf1" if phi == 0 else "pf05"
            for k, lo, hi, lim in ACTIVE[res.active]:
                if k == kind:
                    ax.hlines([lim], lo, hi, colors="r", linestyles="--", lw=1)
                    ax.hlines([lim * .25], lo, hi, colors="r", linestyles=":", lw=1)
            ax.set_xlabel("I / In")
            ax.set_title(f"PF {'1' if phi == 0 else '0.5 inductive'}")
        axes[0].set_ylabel("|P energy error| (%)")
        fig.suptitle(f"Group K: a CT's errors calibrated out (dashed: class {res.active}, dotted: budget)")
        save(fig, "calibration", "sensor errors calibrated", (axes[0],))
    return plots


def run_input(args, res):
    """Measure a recorded capture (npz: v, i, fs; optional references p, q, irms, vrms per
    current row). Each reference is compared with the class limit at In and PF 1 / sin φ 1
    (P, Q) or 1 % (RMS); without references the measured values are listed."""
    d = np.load(args.input)
    v, i, fs = d["v"], d["i"], float(d["fs"])
    m = measure(v.astype(np.float64), i.astype(np.float64), fs)
    print(f"  {args.input}: {m.cycles} cycles at {m.frequency:.4f} Hz", flush=True)
    limits = {"p": active_limit(res.active, 1, 0), "q": reactive_limit(res.reactive, 1, 90),
              "irms": 1.0, "vrms": 1.0}
    for k in range(np.atleast_2d(i).shape[0]):
        for field, limit in limits.items():
            got = float(getattr(m, field)[0 if field == "vrms" else k])
            if field not in d or k >= len(np.atleast_1d(d[field])):
                res.add("input", f"channel {k}", field, None, got, 0.0, None, note="no reference")
                continue
            want = float(np.atleast_1d(d[field])[k])
            err = 100 * (got - want) / abs(want) if want else 0.0
            res.add("input", f"channel {k}", field, want, got, err, limit, budget=1.0)


def main(argv=None):
    """Command line: run the IEC test matrix (or --input recording) and write the report."""
    ap = argparse.ArgumentParser(prog="python3 -m meterdsp.accuracy", description=__doc__.split("\n")[0])
    ap.add_argument("--class", dest="cls", default="0.2S", help="0.2S, 0.5S, 0.5, 1, 2 or Q0.5S, Q1S, Q1, Q2, Q2-23, Q3-23")
    ap.add_argument("--fs", type=float, default=2560.0)
    ap.add_argument("--nominal", type=int, choices=(50, 60), default=50)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true", help="a subset that runs in well under a minute")
    ap.add_argument("--input", help="measure a capture (.npz with v, i, fs and optional references)")
    ap.add_argument("--seed", type=int, default=62053)
    args = ap.parse_args(argv)
    if args.cls in ACTIVE:
        active, reactive = args.cls, COMPANION[args.cls]
    elif args.cls in REACTIVE:
        reactive = args.cls
        active = {"Q0.5S": "0.2S", "Q1S": "0.5S", "Q1": "1", "Q2": "2", "Q2-23": "2", "Q3-23": "2"}[args.cls]
    else:
        ap.error(f"unknown class {args.cls!r}")
    if not (500 <= args.fs <= 1e6):
        ap.error("--fs must be in [500, 1e6] Hz")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    res = Results(active, reactive)
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    print(f"meterdsp accuracy: class {active} / {reactive}, fs {args.fs:g} Hz, nominal {args.nominal} Hz"
          f"{' (quick)' if args.quick else ''}", flush=True)
    plots = []
    if args.input:
        run_input(args, res)
    else:
        ab = group_a_b(res, args.fs, args.nominal, args.quick, rng)
        bars = group_c(res, args.fs, args.nominal, args.quick)
        d = group_d(res, args.fs, args.nominal, args.quick)
        group_e_f_g(res, args.fs, args.nominal, args.quick, rng)
        h = group_h(res, args.fs, args.nominal, args.quick, rng)
        group_j(res, args.fs, args.nominal, args.quick)
        k = group_k(res, args.fs, args.nominal, args.quick)
        plots = make_plots(out, ab, d, h, bars, res, k)
    write_report(res, out, args, plots, time.time() - t0)
    failed = [r for r in res.rows if not r["ok"]]
    ms = [r["margin"] for r in res.rows if r["margin"] is not None and not r["bounded"]]
    print(f"meterdsp accuracy {active}/{reactive} @ {args.fs:g} Hz: {len(res.rows)} points, "
          f"{len(res.rows) - len(failed)} pass, {len(failed)} fail, worst margin "
          f"{min(ms) if ms else float('nan'):.1f} % — {out / 'report.md'}")
    for r in failed[:10]:
        print(f"  FAIL {r['group']} {r['point']} {r['quantity']}: error {r['err']:+.4f} % > {r['allowed']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
