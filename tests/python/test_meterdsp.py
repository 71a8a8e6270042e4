"""The Python contract of meterdsp: measure(), Meter, errors, zero-copy, GIL release."""
import threading

import numpy as np
import pytest

import meterdsp

FS = 2560.0


def sine(rms, phi_deg, f, n, theta0=0.3, fs=FS, h=1):
    t = np.arange(n) / fs
    return np.sqrt(2) * rms * np.sin(h * (2 * np.pi * f * t + theta0) - np.radians(phi_deg))


def test_version_and_target():
    assert isinstance(meterdsp.__version__, str) and meterdsp.__version__.count(".") == 2
    assert meterdsp.simd_target() in {"SCALAR", "SSSE3", "SSE4", "AVX2", "AVX3", "EMU128",
                                      "NEON", "SVE", "SVE2"}


@pytest.mark.parametrize("f", [45.0, 49.95, 50.0, 55.0, 60.0, 65.0])
@pytest.mark.parametrize("phi", [0.0, 60.0, -36.8699, 180.0])
def test_measure_single_channel(f, phi):
    n = int(2 * FS)
    v = sine(230, 0, f, n).astype(np.float32)
    i = sine(5, phi, f, n).astype(np.float32)
    m = meterdsp.measure(v, i, FS)
    s = 230 * 5
    assert abs(m.frequency - f) < 1e-3
    assert m.cycles >= int(2 * f) - 2
    assert m.vrms.shape == (1,) and m.irms.shape == (1,)
    assert abs(m.vrms[0] / 230 - 1) < 1e-4 and abs(m.irms[0] / 5 - 1) < 1e-4
    assert abs(m.p[0] - s * np.cos(np.radians(phi))) < 2e-4 * s
    assert abs(m.q[0] - s * np.sin(np.radians(phi))) < 5e-4 * s
    assert abs(m.s[0] - s) < 1e-4 * s
    assert abs(m.pf[0] - np.cos(np.radians(phi))) < 1e-4
    assert abs(((m.angle_deg[0] + phi + 180) % 360) - 180) < 0.01


def test_measure_multichannel_phase_assignment_and_fields():
    n = 5120
    v = np.stack([sine(230, a, 50, n) for a in (0, 120, -120)])  # V2 lags 120°
    i = np.stack([sine(5, 30 + a, 50, n) for a in (0, 120, -120, 0)])
    m = meterdsp.measure(v, i, FS, phase=[0, 1, 2, 0])
    for name in ("irms", "p", "q", "s", "n", "pf", "dpf", "angle_deg", "quadrant", "flags"):
        assert getattr(m, name).shape == (4,), name
    assert m.vrms.shape == (3,) and m.v_angle_deg.shape == (3,)
    np.testing.assert_allclose(m.p, 1150 * np.cos(np.radians(30)), rtol=2e-4)
    np.testing.assert_allclose(m.q, 1150 * np.sin(np.radians(30)), rtol=5e-4)
    np.testing.assert_allclose(m.v_angle_deg, [0, -120, 120], atol=0.01)
    np.testing.assert_allclose(m.angle_deg, [-30, -150, 90, -30], atol=0.01)
    assert list(m.quadrant) == [1, 1, 1, 1]
    # Angles relative to the assigned phase instead of V1.
    m2 = meterdsp.measure(v, i, FS, phase=[0, 1, 2, 0], angle_reference="phase")
    np.testing.assert_allclose(m2.angle_deg, [-30] * 4, atol=0.01)


def test_measure_default_phase_rows():
    n = 5120
    v = np.stack([sine(230, 0, 50, n), sine(100, 0, 50, n)])
    i = np.stack([sine(1, 0, 50, n), sine(1, 0, 50, n)])
    m = meterdsp.measure(v, i, FS)  # nv == nc: current k uses voltage row k
    np.testing.assert_allclose(m.p, [230, 100], rtol=1e-4)
    i3 = np.stack([sine(1, 0, 50, n)] * 3)
    m3 = meterdsp.measure(v, i3, FS)  # otherwise row 0
    np.testing.assert_allclose(m3.p, [230] * 3, rtol=1e-4)


def test_measure_fifth_harmonic_and_harmonic_reactive():
    n = 5120
    t = np.arange(n) / FS
    w = 2 * np.pi * 50 * t + 0.2
    v = np.sqrt(2) * 230 * (np.sin(w) + 0.1 * np.sin(5 * w))
    i = np.sqrt(2) * 5 * (np.sin(w) + 0.4 * np.sin(5 * w))
    m = meterdsp.measure(v, i, FS)
    assert abs(m.p[0] / 1196 - 1) < 2e-5
    assert abs(m.q[0]) < 2e-5 * 1244.77
    i90 = np.sqrt(2) * 5 * (np.sin(w) + 0.4 * np.sin(5 * w - np.pi / 2))
    assert abs(meterdsp.measure(v, i90, FS).q[0]) < 2e-5 * 1244.77


@pytest.mark.parametrize("dtype,bits", [(np.int16, 16), (np.int32, 24)])
def test_measure_raw_codes_in_code_units(dtype, bits):
    n = 5120
    top = 2 ** (bits - 1) - 1
    v = np.round(sine(0.5 * top / np.sqrt(2), 0, 50, n)).astype(dtype)
    i = np.round(sine(0.2 * top / np.sqrt(2), 60, 50, n)).astype(dtype)
    m = meterdsp.measure(v, i, FS)
    assert abs(m.vrms[0] / (0.5 * top / np.sqrt(2)) - 1) < 1e-4
    assert abs(m.angle_deg[0] + 60) < 0.02


def test_c_contiguous_float32_is_read_in_place():
    a = np.zeros((3, 1000), np.float32)
    assert meterdsp._core._input_address(a) == a.ctypes.data
    assert meterdsp._core._input_address(a[1]) == a[1].ctypes.data
    b = a.astype(np.float64)
    assert meterdsp._core._input_address(b) != b.ctypes.data  # converted
    f = np.asfortranarray(a)
    assert meterdsp._core._input_address(f) != f.ctypes.data  # not C-contiguous: converted


def test_meter_reads_float64_in_place_and_matches_float32():
    a = np.zeros((3, 1000))
    assert meterdsp._core._input_address(a, float64=True) == a.ctypes.data
    assert meterdsp._core._input_address(a.astype(np.float32), float64=True) != a.ctypes.data
    n = 3 * 2560 + 77
    v, i, phase = three_phase(n)
    m64 = meterdsp.Meter(FS, 3, 6, phase=phase)
    m32 = meterdsp.Meter(FS, 3, 6, phase=phase)
    w64 = m64.process(v, i)  # float64 path
    w32 = m32.process(v.astype(np.float32), i.astype(np.float32))
    assert len(w64) == len(w32) >= 10
    np.testing.assert_allclose(w64.p, w32.p, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(w64.q, w32.q, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(m64.energy()["wh_import"], m32.energy()["wh_import"], rtol=1e-6)
    # Mixed float64 / float32 rows are read as float32.
    mixed = meterdsp.Meter(FS, 3, 6, phase=phase).process(v, i.astype(np.float32))
    np.testing.assert_array_equal(mixed.p, w32.p)


def test_measure_float32_is_not_copied_and_float64_matches():
    n = 5120
    v = sine(230, 0, 50, n)
    i = sine(5, 45, 50, n)
    m64 = meterdsp.measure(v, i, FS)
    m32 = meterdsp.measure(v.astype(np.float32), i.astype(np.float32), FS)
    np.testing.assert_allclose(m64.p, m32.p, rtol=1e-6)
    # A non-contiguous float32 view is accepted too (converted).
    v2 = np.repeat(v.astype(np.float32), 2)[::2]
    assert not v2.flags.c_contiguous
    np.testing.assert_allclose(meterdsp.measure(v2, i, FS).p, m64.p, rtol=1e-6)


def test_min_on_current_and_no_voltage():
    n = 5120
    v = sine(230, 0, 50, n)
    m = meterdsp.measure(v, sine(0.01, 0, 50, n), FS, min_on_current=0.05)
    assert m.irms[0] == 0 and m.p[0] == 0 and np.isnan(m.angle_deg[0])
    assert m.flags[0] & meterdsp.FLAGS["BELOW_MIN_CURRENT"]
    z = meterdsp.measure(np.zeros(n), sine(5, 0, 50, n), FS)
    assert z.window_flags & meterdsp.FLAGS["NO_VOLTAGE"]
    assert "NO_VOLTAGE" in meterdsp.flag_names(z.window_flags)
    assert abs(z.irms[0] - 5) < 1e-3


@pytest.mark.parametrize("bad,exc,msg", [
    (dict(fs=0), ValueError, "fs"),
    (dict(fs=-1), ValueError, "fs"),
    (dict(fs=499.0), ValueError, "fs"),
    (dict(fs=float("nan")), ValueError, "fs"),
    (dict(v=np.zeros((2, 3, 4))), ValueError, "1-D"),
    (dict(v=np.zeros(100, dtype=np.complex64)), TypeError, "float32"),
    (dict(v=np.zeros(100, dtype=np.uint8)), TypeError, "float32"),
    (dict(v=[1.0, 2.0]), ValueError, "same number"),  # lists are converted, then checked
    (dict(v=[1] * 100), TypeError, "not int64"),
    (dict(i=np.zeros(99)), ValueError, "same number"),
    (dict(v=np.zeros((4, 100))), ValueError, "1..3"),
    (dict(phase=[3]), ValueError, "phase"),
    (dict(phase=[0, 0]), ValueError, "phase"),
    (dict(nominal_hz=55), ValueError, "nominal"),
    (dict(angle_reference="v2"), ValueError, "angle_reference"),
])
def test_measure_bad_input(bad, exc, msg):
    args = dict(v=sine(230, 0, 50, 100), i=sine(1, 0, 50, 100), fs=FS)
    args.update(bad)
    with pytest.raises(exc, match=msg):
        meterdsp.measure(args.pop("v"), args.pop("i"), args.pop("fs"), **args)


def test_transposed_arrays_get_a_hint():
    # (n, channels) arrays, as pandas and CSV readers give them: the error says what to do.
    v, i, phase = three_phase(1000)
    with pytest.raises(ValueError, match=r"v must have 1..3 rows, got 1000 .*a\.T"):
        meterdsp.measure(v.T, i.T, FS, phase=phase)
    with pytest.raises(ValueError, match=r"i must have at most 92 rows, got 1000 .*a\.T"):
        meterdsp.measure(v, np.zeros((1000, 6)), FS)
    meter = meterdsp.Meter(FS, 3, 6, phase=phase)
    with pytest.raises(ValueError, match=r"got 1000 and 1000 .*a\.T"):
        meter.process(v.T, i.T)
    with pytest.raises(ValueError, match=r"got 3 and 1000 .*a\.T"):
        meter.process(v, i.T)
    with pytest.raises(ValueError, match=r"got 2 and 6$"):  # a wrong row count is no transposition
        meter.process(v[:2], i)
    assert meter.now_s == 0


def test_lists_are_read_as_arrays():
    v, i = sine(230, 0, 50, 2560), np.stack([sine(5, 30, 50, 2560), sine(2, -60, 50, 2560)])
    want = meterdsp.measure(v, i, FS)
    got = meterdsp.measure(v.tolist(), i.tolist(), FS)
    for field in ("irms", "p", "q", "pf", "frequency"):
        np.testing.assert_array_equal(getattr(got, field), getattr(want, field))
    a, b = meterdsp.Meter(FS, 1, 2), meterdsp.Meter(FS, 1, 2)
    wa, wb = a.process(v[None], i), b.process(v[None].tolist(), tuple(i.tolist()))
    assert len(wa) == len(wb) >= 4  # 1 s of 10-cycle windows
    np.testing.assert_array_equal(wb.p, wa.p)


@pytest.mark.parametrize("where", ["v", "i"])
@pytest.mark.parametrize("pos", [0, 2500, 5119])
@pytest.mark.parametrize("val", [np.nan, np.inf])
def test_measure_non_finite(where, pos, val):
    n = 5120
    arrays = {"v": sine(230, 0, 50, n), "i": sine(5, 0, 50, n)}
    arrays[where][pos] = val
    with pytest.raises(ValueError, match="NaN"):
        meterdsp.measure(arrays["v"], arrays["i"], FS)


def three_phase(n, f=50.0, nc=6, theta0=0.3):
    v = np.stack([sine(230, a, f, n, theta0) for a in (0, 120, -120)])
    phase = np.arange(nc) % 3
    i = np.stack([sine(1 + k, 20 * k + (0, 120, -120)[k % 3], f, n, theta0) for k in range(nc)])
    return v, i, phase


def test_meter_streaming_windows_and_block_independence():
    n = int(4 * FS)
    v, i, phase = three_phase(n, f=49.8)
    whole = meterdsp.Meter(FS, 3, 6, phase=phase).process(v.astype(np.float32), i.astype(np.float32))
    assert len(whole) >= 18
    assert whole.p.shape == (len(whole), 6) and whole.vrms.shape == (len(whole), 3)
    steady = whole.window_flags == 0
    assert steady.sum() >= 15
    np.testing.assert_allclose(whole.frequency[steady], 49.8, atol=1e-3)
    np.testing.assert_array_equal(whole.cycles[steady], 10)
    want_p = (230 * (1 + np.arange(6)) * np.cos(np.radians(20 * np.arange(6))))
    np.testing.assert_allclose(whole.p[steady], np.broadcast_to(want_p, whole.p[steady].shape), rtol=2e-4)
    # Any cut of the stream gives bit-identical windows.
    meter = meterdsp.Meter(FS, 3, 6, phase=phase)
    parts, pos = [], 0
    for size in [1, 7, 333, 1000, 64, 2049] * 10:
        if pos >= n:
            break
        parts.append(meter.process(v[:, pos:pos + size].astype(np.float32),
                                   i[:, pos:pos + size].astype(np.float32)))
        pos += size
    cut_p = np.concatenate([w.p for w in parts])
    np.testing.assert_array_equal(cut_p, whole.p)
    np.testing.assert_array_equal(np.concatenate([w.index for w in parts]), np.arange(len(whole)))


def test_meter_long_block_is_chunked_identically():
    n = int(60 * FS) + 17  # > one 65536-frame chunk
    v, i, phase = three_phase(n, nc=3)
    v, i = v.astype(np.float32), i.astype(np.float32)
    long = meterdsp.Meter(FS, 3, 3, phase=phase).process(v, i)
    meter = meterdsp.Meter(FS, 3, 3, phase=phase)
    parts = [meter.process(v[:, a:a + 4000], i[:, a:a + 4000]) for a in range(0, n, 4000)]
    np.testing.assert_array_equal(np.concatenate([w.q for w in parts]), long.q)
    assert len(long) == sum(len(w) for w in parts) >= 295


def test_meter_result_buffer_reused_and_released_between_calls():
    """The windows of a call are collected in a buffer kept by the meter: a call with more windows
    than it keeps (> 1024), short calls before and after, and a failed call leave no stale
    windows in later results."""
    n = int(215 * FS)  # about 1070 windows
    v, i, phase = three_phase(n, nc=1)
    v, i = v.astype(np.float32), i.astype(np.float32)
    cuts = [0, 3000, int(212 * FS), int(213 * FS), n]
    meter = meterdsp.Meter(FS, 3, 1, phase=phase)
    got = []
    for a, b in zip(cuts, cuts[1:]):
        got.append(meter.process(v[:, a:b], i[:, a:b]))
        bad = i[:, a:a + 1200].copy()
        bad[0, 900] = np.nan
        with pytest.raises(ValueError):
            meter.process(v[:, a:a + 1200], bad)
    assert len(got[1]) > 1024
    ref = meterdsp.Meter(FS, 3, 1, phase=phase)
    parts = [ref.process(v[:, a:a + 4000], i[:, a:a + 4000]) for a in range(0, n, 4000)]
    for name in ("p", "q", "irms", "index", "start_s"):
        np.testing.assert_array_equal(np.concatenate([getattr(w, name) for w in got]),
                                      np.concatenate([getattr(w, name) for w in parts]))


def test_meter_process_frames_int16_with_calibration():
    n = int(3 * FS)
    v_fs, i_fs = 400.0, 20.0
    v, i, phase = three_phase(n, nc=3)
    codes = np.concatenate([np.round(v / v_fs * 32767), np.round(i / i_fs * 32767)]).T.astype(np.int16)
    meter = meterdsp.Meter(FS, 3, 3, phase=phase,
                           calibration={"v_gain": v_fs / 32767, "i_gain": i_fs / 32767})
    w = meter.process_frames(np.ascontiguousarray(codes))
    steady = w.window_flags == 0
    assert steady.sum() >= 10
    np.testing.assert_allclose(w.vrms[steady], 230, rtol=1e-4)
    np.testing.assert_allclose(w.irms[steady], np.broadcast_to([1, 2, 3], w.irms[steady].shape), rtol=2e-4)


def test_meter_skew_calibration():
    n = int(2 * FS)
    v = sine(230, 0, 50, n)[None]
    late = sine(5, 60, 50, n, theta0=0.3 + 2 * np.pi * 50 * 200e-6)[None]  # sampled 200 µs late
    raw = meterdsp.Meter(FS, 1, 1).process(v, late)
    cal = meterdsp.Meter(FS, 1, 1, calibration={"i_skew_us": 200.0}).process(v, late)
    ok = cal.window_flags == 0
    assert abs(raw.angle_deg[ok][-1, 0] + 60) > 3  # uncorrected: 3.6° off
    np.testing.assert_allclose(cal.angle_deg[ok][:, 0], -60, atol=0.01)
    np.testing.assert_allclose(cal.p[ok][:, 0], 575, rtol=3e-4)


# A call of 1500 frames is tested whole before anything is consumed (pos 10, 700, 1499); a longer
# one (9000 frames, more than the binding's 8192-frame chunk) goes through ProcessOnePass, which
# tests each tile as it converts it: a NaN found after earlier tiles and chunks went through the
# chain (7000 in the first chunk, 8500 in the second) restores the meter, the energy registers
# and the window count included. 1e39 is beyond float32, the engine's sample type: as unusable as
# Inf.
@pytest.mark.parametrize("dtype,bad", [(np.float64, np.nan), (np.float32, np.nan), (np.float64, 1e39)])
@pytest.mark.parametrize("row,pos,n", [("v", 10, 1500), ("i", 700, 1500), ("v", 1499, 1500),
                                       ("i", 10, 9000), ("i", 7000, 9000), ("v", 8500, 9000)])
def test_meter_errors_leave_state_unchanged(row, pos, n, dtype, bad):
    v, i, phase = three_phase(2 * n)
    v, i = v.astype(dtype), i.astype(dtype)
    meter = meterdsp.Meter(FS, 3, 6, phase=phase)
    first = meter.process(v[:, :n], i[:, :n])
    bad_v, bad_i = v[:, n:].copy(), i[:, n:].copy()
    (bad_v if row == "v" else bad_i)[1, pos] = bad
    before, energy = meter.now_s, meter.energy("total")
    with pytest.raises(ValueError, match="NaN"):
        meter.process(bad_v, bad_i)
    assert meter.now_s == before and meter.energy("total") == energy
    with pytest.raises(ValueError, match="rows"):
        meter.process(v[:2, n:], i[:, n:])
    with pytest.raises(TypeError):
        meter.process(v[:, n:].astype(np.complex128), i[:, n:])
    with pytest.raises(ValueError, match="frames"):
        meter.process_frames(np.zeros((10, 4), dtype=np.int16))
    with pytest.raises(TypeError, match="int16"):
        meter.process_frames(np.zeros((10, 9), dtype=np.float32))
    rest = meter.process(v[:, n:], i[:, n:])
    fresh_meter = meterdsp.Meter(FS, 3, 6, phase=phase)
    fresh = fresh_meter.process(v, i)
    np.testing.assert_array_equal(np.concatenate([first.p, rest.p]), fresh.p)
    assert meter.energy("total") == fresh_meter.energy("total")
    np.testing.assert_array_equal(meter.energy()["wh_import"], fresh_meter.energy()["wh_import"])
    assert meter.now_s == fresh_meter.now_s


@pytest.mark.parametrize("kwargs,msg", [
    (dict(fs=0), "fs"),
    (dict(fs=499.0), "fs"),
    (dict(voltages=4), "voltages"),
    (dict(currents=93), "currents"),
    (dict(nominal_hz=55), "nominal"),
    (dict(phase=[0, 5]), "phase"),
    (dict(min_on_current=-1), "thresholds"),
    (dict(min_on_current=[0.1, 0.2, 0.3]), "min_on_current"),
    (dict(calibration={"i_gain": 0}), "calibration"),
    (dict(calibration={"i_skew_us": 5000}), "calibration"),
    (dict(calibration={"i_bogus": 1}), "unknown"),
    (dict(calibration={"v_gain": [1, 2]}), "v_gain"),
])
def test_meter_bad_config(kwargs, msg):
    args = dict(fs=FS, voltages=1, currents=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=msg):
        meterdsp.Meter(args.pop("fs"), args.pop("voltages"), args.pop("currents"), **args)


def test_gil_is_released_during_measure():
    n = int(60 * FS)
    v = sine(230, 0, 50, n).astype(np.float32)
    i = np.stack([sine(5, 10, 50, n).astype(np.float32)] * 92)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)

    th = threading.Thread(target=ticker)
    th.start()
    try:
        for _ in range(3):
            meterdsp.measure(v, i, FS)
    finally:
        stop.set()
        th.join()
    assert len(ticks) > 0


def test_empty_block_and_reset():
    meter = meterdsp.Meter(FS, 1, 1)
    w = meter.process(np.zeros((1, 0), np.float32), np.zeros((1, 0), np.float32))
    assert len(w) == 0 and w.p.shape == (0, 1)
    n = 5120
    a = meter.process(sine(230, 0, 50, n)[None], sine(5, 0, 50, n)[None])
    # No windows: every field as with windows, but no rows (the same columns and dtypes).
    assert len(a) > 0 and w.as_dict().keys() == a.as_dict().keys()
    for key, full in a.as_dict().items():
        empty = getattr(w, key)
        assert empty.shape == (0,) + full.shape[1:] and empty.dtype == full.dtype, key
    meter.reset()
    b = meter.process(sine(230, 0, 50, n)[None], sine(5, 0, 50, n)[None])
    np.testing.assert_array_equal(a.p, b.p)


@pytest.mark.parametrize("f", [50.0, 49.7, 61.3])
def test_measure_total_distortion(f):
    """thd_pct / v_thd_pct: √(Σ harmonics²)/fundamental in %; DC is not distortion."""
    n = int(2 * FS)
    v = sine(230, 0, f, n) + sine(23 * 0.2, 0, f, n, h=5)            # 2 % 5th
    i = np.vstack([sine(5, 30, f, n) + sine(1.5, 0, f, n, h=3) + sine(1.0, 0, f, n, h=7) + 0.4,
                   sine(2, -20, f, n)])                              # 36.06 %; pure sine
    m = meterdsp.measure(v, i, FS, phase=[0, 0])
    assert abs(m.v_thd_pct[0] - 2.0) < 2.0 * 6e-4
    assert abs(m.thd_pct[0] - 100 * np.hypot(0.3, 0.2)) < 100 * np.hypot(0.3, 0.2) * 3e-4
    assert 0 <= m.thd_pct[1] < 0.3
    assert "thd_pct [%]" in m.to_dataframe().columns


def test_distortion_event_latches_with_absolute_threshold():
    n = int(3 * FS)
    v = sine(230, 0, 50, n)
    clean, dirty = sine(5, 0, 50, n), sine(5, 0, 50, n) + sine(1.0, 0, 50, n, h=5)  # 20 %
    meter = meterdsp.Meter(FS, 1, 2, events={"quantity": "thd", "absolute": True, "hh": 15,
                                              "h": 0, "l": 0, "ll": 0, "delay_hh_s": 1,
                                              "nl_high": 0, "nl_low": 0})
    w = meter.process(v, np.vstack([clean, dirty]))
    assert np.all(np.abs(w.thd_pct[3:, 1] - 20.0) < 0.01) and np.all(w.thd_pct[3:, 0] < 0.1)
    status = meter.events()["status"]
    assert status[1] & meterdsp.EVENT_BITS["HH"] and not status[0] & meterdsp.EVENT_BITS["HH"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_harmonics_closed_forms(dtype):
    """Each order's RMS and sine phase relative to V1's fundamental; THD from the orders equals
    thd_pct when there is nothing but harmonics."""
    n, f = 2 * 2560 + 11, 49.7
    v = sine(230, 0, f, n) + sine(6.9, 0, f, n, h=5)
    comps = [(1, 5.0, -30.0), (3, 1.5, 75.0), (5, 0.8, -140.0), (7, 0.3, 10.0)]
    i = sum(sine(r, -deg, f, n, h=h) for h, r, deg in comps)  # sine(): −phi_deg is the phase
    h = meterdsp.harmonics(v.astype(dtype), np.vstack([i, 0 * i]).astype(dtype), FS, max_order=30)
    assert h.harmonics_rms.shape == (2, 30) and h.v_harmonics_rms.shape == (1, 30)
    assert list(h.orders[:3]) == [1, 2, 3]
    for order, rms, deg in comps:
        assert h.harmonics_rms[0, order - 1] == pytest.approx(rms, abs=5e-5)
        assert (h.harmonics_deg[0, order - 1] - deg + 180) % 360 - 180 == pytest.approx(0, abs=0.01)
    assert h.v_harmonics_deg[0, 0] == pytest.approx(0, abs=1e-9)
    assert h.v_harmonics_rms[0, 4] == pytest.approx(6.9, abs=230 * 7e-6)   # edge leakage ∝ h²
    assert np.all(np.isnan(h.harmonics_rms[:, 25:]))          # 26·49.7 Hz ≥ 1280 Hz
    assert np.all(np.isnan(h.harmonics_deg[1]))                # a zero current has no phase
    want = 100 * np.sqrt(1.5 ** 2 + 0.8 ** 2 + 0.3 ** 2) / 5
    assert h.thd_h_pct()[0] == pytest.approx(want, rel=1e-4)
    assert h.thd_pct[0] == pytest.approx(want, rel=1e-3)
    assert h.v_thd_h_pct(10)[0] == pytest.approx(3.0, rel=1e-4)
    m = meterdsp.measure(v.astype(dtype), np.vstack([i, 0 * i]).astype(dtype), FS)
    assert h.p[0] == m.p[0]                                    # the same span as measure()
    df = h.to_dataframe(harmonics=True)
    assert df.loc[("I1", 3), "rms"] == pytest.approx(1.5, abs=5e-5)


def test_harmonics_bad_order():
    v = sine(230, 0, 50, 2560)
    for bad in (0, 51):
        with pytest.raises(ValueError, match="max_order"):
            meterdsp.harmonics(v, v / 46, FS, max_order=bad)
    h = meterdsp.harmonics(v, v / 46, FS, max_order=5)
    with pytest.raises(ValueError, match="max_order"):
        h.thd_h_pct(9)
