"""meterdsp.calibration: a meter with sensor errors, calibrated against a reference, reads it."""
import numpy as np
import pytest

import meterdsp
from meterdsp.calibration import calibrate

FS = 2560.0
PHASE = [0, 1, 2, 0, 1, 2]
# The sensors: ratio errors; delays in seconds (positive: the input reads early = leads), V2
# leading V1 and I6 sampled 150 µs late by a multiplexed ADC, the rest CT phase errors.
V_RATIO = [0.995, 1.004, 1.0]
V_DELAY = [0.0, 50e-6, 0.0]
I_RATIO = [1.012, 0.991, 1.0, 1.003, 0.98, 1.0]
I_DELAY = [40e-6, -25e-6, 0.0, 10e-6, 60e-6, 150e-6]


def record(f, irms, angle_deg, seconds=2.0, i_delay=I_DELAY):
    """What the meter's inputs see of a calibrator at f Hz: 230 V, irms A per current, each
    current at angle_deg against its phase voltage (positive leading)."""
    t = np.arange(int(seconds * FS)) / FS
    theta = 0.7
    v = np.array([np.sqrt(2) * 230 * V_RATIO[p]
                  * np.sin(2 * np.pi * f * (t + V_DELAY[p]) + theta - np.radians(120 * p))
                  for p in range(3)])
    irms = np.broadcast_to(np.asarray(irms, float), (6,))
    angle = np.broadcast_to(np.asarray(angle_deg, float), (6,))
    i = np.array([np.sqrt(2) * irms[k] * I_RATIO[k]
                  * np.sin(2 * np.pi * f * (t + i_delay[k]) + theta - np.radians(120 * PHASE[k])
                           + np.radians(angle[k]))
                  for k in range(6)])
    return v, i


def reference(irms, angle_deg):
    return {"vrms": 230, "irms": irms, "angle_deg": angle_deg, "v_angle_deg": [0, -120, 120]}


def points():
    tps = [(50, 5, 0), (50, 5, -60), (50, 1, 30), (55, 5, -45)]
    return [(*record(f, irms, ang), reference(irms, ang)) for f, irms, ang in tps]


def steady_mean(meter, v, i):
    w = meter.process(v, i)
    ok = (w.window_flags & (meterdsp.FLAGS["INCOMPLETE"] | meterdsp.FLAGS["SETTLING"])) == 0
    assert ok.sum() >= 5
    return {k: np.asarray(getattr(w, k))[ok].mean(axis=0) for k in ("vrms", "irms", "angle_deg", "v_angle_deg", "p")}


def test_calibrated_meter_reads_the_reference():
    old = {"i_skew_us": 0.0, "i_dc_removal": 1}  # other settings are kept as they are
    cal = calibrate(points(), FS, voltages=3, currents=6, phase=PHASE, calibration=old)
    rep = cal.report
    assert list(rep["channel"]) == ["V1", "V2", "V3", "I1", "I2", "I3", "I4", "I5", "I6"]
    assert list(rep["points"]) == [4] * 9
    assert list(rep["angle_points"]) == [0, 4, 4] + [4] * 6
    np.testing.assert_allclose(rep["gain_factor"], 1 / np.array(V_RATIO + I_RATIO), rtol=2e-5)
    # A current's delay is fitted against its phase voltage; V2's own against V1.
    rel = [I_DELAY[k] - V_DELAY[PHASE[k]] for k in range(6)]
    np.testing.assert_allclose(rep["delay_us"], (np.array(V_DELAY + rel)) * 1e6, atol=0.05)
    assert rep["rms_error_pct_before"][3] == pytest.approx(1.2, abs=0.01)
    assert rep["angle_error_deg_before"][8] == pytest.approx(360 * 55 * 150e-6, abs=0.01)
    assert np.nanmax(rep["rms_error_pct_after"]) < 0.002
    assert np.nanmax(rep["angle_error_deg_after"]) < 0.002
    assert cal.calibration["i_dc_removal"] == 1 and old == {"i_skew_us": 0.0, "i_dc_removal": 1}
    assert "9 of 9 channels fitted" in repr(cal)

    # A test point the fit never saw: 47 Hz, 2 A, 25° lagging.
    meter = meterdsp.Meter(FS, 3, 6, phase=PHASE, calibration=cal.calibration, angle_reference="phase")
    got = steady_mean(meter, *record(47, 2, -25))
    np.testing.assert_allclose(got["vrms"], 230, rtol=2e-5)
    np.testing.assert_allclose(got["irms"], 2, rtol=2e-5)
    np.testing.assert_allclose(got["angle_deg"], -25, atol=0.003)
    np.testing.assert_allclose(got["v_angle_deg"], [0, -120, 120], atol=0.003)
    np.testing.assert_allclose(got["p"], 230 * 2 * np.cos(np.radians(25)), rtol=5e-5)
    # Uncalibrated, the same point is off by the sensors' errors.
    raw = steady_mean(meterdsp.Meter(FS, 3, 6, phase=PHASE, angle_reference="phase"), *record(47, 2, -25))
    assert np.abs(raw["irms"] / 2 - 1).max() > 0.01


def test_points_a_channel_cannot_use_are_left_out():
    pts = points()
    # I2 below the minimum ON current at one point; I3 has no reference angle at two; I4 no
    # reference at all at one.
    v, i = record(50, [5, 0.01, 5, 5, 5, 5], 0)
    pts[0] = (v, i, reference([5, 0.01, 5, np.nan, 5, 5], [0, 0, np.nan, 0, 0, 0]))
    pts[1][2]["angle_deg"] = [-60, -60, np.nan, -60, -60, -60]
    cal = calibrate(pts, FS, voltages=3, currents=6, phase=PHASE)
    assert list(cal.report["points"][3:]) == [4, 3, 4, 3, 4, 4]
    assert list(cal.report["angle_points"][3:]) == [4, 3, 2, 3, 4, 4]
    assert np.nanmax(cal.report["angle_error_deg_after"]) < 0.002


def test_reference_powers_give_the_angles():
    # A reference meter's P and Q (per current) instead of angles: the same calibration.
    pts = points()
    by_angle = calibrate(pts, FS, voltages=3, currents=6, phase=PHASE)
    as_pq = []
    for v, i, ref in pts:
        ang = np.radians(np.broadcast_to(ref["angle_deg"], (6,)))
        s = 230 * np.broadcast_to(ref["irms"], (6,))
        as_pq.append((v, i, {"vrms": 230, "irms": ref["irms"], "v_angle_deg": ref["v_angle_deg"],
                             "p": s * np.cos(ang), "q": -s * np.sin(ang)}))
    by_pq = calibrate(as_pq, FS, voltages=3, currents=6, phase=PHASE)
    np.testing.assert_allclose(by_pq.calibration["i_phase_deg"], by_angle.calibration["i_phase_deg"], atol=1e-9)
    np.testing.assert_allclose(by_pq.calibration["i_gain"], by_angle.calibration["i_gain"], rtol=1e-12)
    with pytest.raises(ValueError, match="as p and q"):
        calibrate([(pts[0][0], pts[0][1], {"irms": 5, "p": 1150})], FS, voltages=3, currents=6, phase=PHASE)


def test_raw_int16_codes_with_gains_in_code_units():
    vs, is_ = 400 / 32767, 20 / 32767
    pts = [(np.round(v / vs).astype(np.int16), np.round(i / is_).astype(np.int16), ref) for v, i, ref in points()]
    cal = calibrate(pts, FS, voltages=3, currents=6, phase=PHASE, calibration={"v_gain": vs, "i_gain": is_})
    np.testing.assert_allclose(cal.calibration["v_gain"], vs / np.array(V_RATIO), rtol=1e-4)
    np.testing.assert_allclose(cal.calibration["i_gain"], is_ / np.array(I_RATIO), rtol=2e-4)
    np.testing.assert_allclose(cal.report["delay_us"][3:], np.array([I_DELAY[k] - V_DELAY[PHASE[k]]
                                                                     for k in range(6)]) * 1e6, atol=0.5)


def test_gain_only_and_unfitted_channels():
    # Voltages only, no angles: gains fitted, phases untouched; the currents keep theirs.
    pts = [(*record(50, 5, 0), {"vrms": 230}), (*record(60, 5, 0), {"vrms": [230, 230, np.nan]})]
    cal = calibrate(pts, FS, voltages=3, currents=6, phase=PHASE, nominal_hz=50,
                    calibration={"i_gain": 2.0, "i_phase_deg": 0.25})
    np.testing.assert_allclose(cal.calibration["v_gain"], [1 / 0.995, 1 / 1.004, 1.0], rtol=2e-5)
    np.testing.assert_array_equal(cal.calibration["v_phase_deg"], 0.0)
    np.testing.assert_array_equal(cal.calibration["i_gain"], 2.0)
    np.testing.assert_array_equal(cal.calibration["i_phase_deg"], 0.25)
    assert list(cal.report["points"]) == [2, 2, 1, 0, 0, 0, 0, 0, 0]
    assert np.isnan(cal.report["rms_error_pct_after"][3])


@pytest.mark.parametrize("bad,msg", [
    (lambda p: [], "non-empty"),
    (lambda p: [p[0][:2]], "tuple"),
    (lambda p: [(p[0][0], p[0][1], {"irms": 5, "vrm": 230})], "unknown reference keys"),
    (lambda p: [(p[0][0], p[0][1], {"irms": [5, 5]})], "irms must be a number or 6 values"),
    (lambda p: [(p[0][0][:, :200], p[0][1][:, :200], p[0][2])], "no steady window"),
    (lambda p: [(p[0][0][:2], p[0][1], p[0][2])], "rows"),
])
def test_bad_input_is_refused(bad, msg):
    with pytest.raises(ValueError, match=msg):
        calibrate(bad(points()), FS, voltages=3, currents=6, phase=PHASE)


def test_a_correction_beyond_two_samples_is_refused():
    far = list(I_DELAY)
    far[0] = 900e-6  # 2.3 samples at 2560 Hz
    pts = [(*record(50, 5, 0, i_delay=far), reference(5, 0))]
    old = {"i_gain": 1.0}
    with pytest.raises(ValueError, match="I1: the fitted correction .* out of range"):
        calibrate(pts, FS, voltages=3, currents=6, phase=PHASE, calibration=old)
    assert old == {"i_gain": 1.0}


def test_core_fit_checks_its_arrays():
    fit = meterdsp._core.fit_calibration([50, 60], [1.01, 1.02], [1, 1])
    assert fit["points"] == 2 and fit["delay_us"] == 0
    with pytest.raises(ValueError, match="one entry per point"):
        meterdsp._core.fit_calibration([50], [1, 1], [1, 1])
    with pytest.raises(ValueError, match="both"):
        meterdsp._core.fit_calibration([50], [1], [1], [0.5])
    with pytest.raises(ValueError, match="meterdsp: "):
        meterdsp._core.fit_calibration([50], [-1], [1])
    with pytest.raises(ValueError, match="1..256 points"):
        meterdsp._core.fit_calibration([], [], [])


# A CT whose errors change with current (piecewise linear in log current), on I1; I2 is exact.
CT_AMPS = np.array([0.05, 0.25, 1.0, 5.0, 10.0])
CT_RATIO = np.array([1.012, 1.006, 1.002, 1.0, 0.999])
CT_LEAD = np.array([0.9, 0.6, 0.4, 0.3, 0.3])


def ct_record(amps, angle_deg, seconds=2.0):
    t = np.arange(int(seconds * FS)) / FS
    ratio = np.interp(np.log(amps), np.log(CT_AMPS), CT_RATIO)
    lead = np.interp(np.log(amps), np.log(CT_AMPS), CT_LEAD)
    th = 2 * np.pi * 50 * t + 0.3
    v = np.sqrt(2) * 230 * np.sin(th)[None, :]
    i = np.sqrt(2) * amps * np.array([ratio * np.sin(th + np.radians(angle_deg + lead)),
                                      np.sin(th + np.radians(angle_deg))])
    return v, i


def test_current_table_follows_a_ct_across_its_range():
    pts = [(*ct_record(a, ang), {"vrms": 230, "irms": a, "angle_deg": ang})
           for a in CT_AMPS for ang in (0, -60)]
    kw = dict(voltages=1, currents=2, min_on_current=0.01)
    plain = calibrate(pts, FS, **kw)
    cal = calibrate(pts, FS, current_table=True, calibration={"i_table": [[(1, 1.5, 0)], None]}, **kw)
    rep = cal.report
    assert plain.report["rms_error_pct_after"][1] > 0.5       # one gain cannot follow the CT
    assert list(rep["table_points"]) == [0, 5, 5]
    assert rep["rms_error_pct_table"][1] < 1e-4 and rep["angle_error_deg_table"][1] < 1e-4
    table = cal.calibration["i_table"][0]
    assert table.shape == (5, 3) and np.all(np.diff(table[:, 0]) > 0)
    np.testing.assert_allclose(cal.calibration["i_table"][1][:, 1:], [[1, 0]] * 5, atol=2e-6)
    meter_kw = dict(phase=[0, 0], min_on_current=0.01, angle_reference="phase")
    for amps in (0.05, 0.1, 0.5, 2.5, 6.0):    # on and between the levels
        with_table = steady_mean(meterdsp.Meter(FS, 1, 2, calibration=cal.calibration, **meter_kw),
                                 *ct_record(amps, -60))
        np.testing.assert_allclose(with_table["irms"], amps, rtol=5e-5)
        np.testing.assert_allclose(with_table["angle_deg"], -60, atol=0.003)
        np.testing.assert_allclose(with_table["p"], 230 * amps * 0.5, rtol=1e-4)
    base_only = steady_mean(meterdsp.Meter(FS, 1, 2, calibration=plain.calibration, **meter_kw),
                            *ct_record(0.05, -60))
    assert abs(base_only["p"][0] / (230 * 0.05 * 0.5) - 1) > 0.01


@pytest.mark.parametrize("table,msg", [
    ([None], "one entry per current"),
    ("ab", "one entry per current"),
    ([[(1, 1, 0)] * 7, None], "1..6 rows"),
    ([[(1, 1)], None], "rows of"),
    ([[(2, 1, 0), (1, 1, 0)], None], "current table's amps ascending"),
    ([[(1, 3.0, 0)], None], r"gains in \[0.5, 2\]"),
])
def test_bad_current_tables_are_refused(table, msg):
    with pytest.raises(ValueError, match=msg):
        meterdsp.Meter(FS, 1, 2, calibration={"i_table": table})


def test_too_many_current_levels_for_a_table():
    pts = [(*ct_record(a, 0), {"vrms": 230, "irms": a, "angle_deg": 0})
           for a in (0.05, 0.1, 0.2, 0.5, 1, 2, 5)]
    with pytest.raises(ValueError, match="I1: .*up to 6 levels"):
        calibrate(pts, FS, voltages=1, currents=2, min_on_current=0.01, current_table=True)
