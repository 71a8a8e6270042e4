"""Python contract of the chain on meterdsp.Meter: energy, demand, events, commands, snapshots."""
import numpy as np
import pytest

import meterdsp

FS = 2560.0


def sine(rms, phi_deg, f, n, theta0=0.3):
    t = np.arange(n) / FS
    return np.sqrt(2) * rms * np.sin(2 * np.pi * f * t + theta0 - np.radians(phi_deg))


def quadrant_load(seconds, f=50.0):
    n = int(seconds * FS)
    v = sine(230, 0, f, n)[None].astype(np.float32)
    i = np.stack([sine(5, phi, f, n) for phi in (60, 120, -120, -60)]).astype(np.float32)
    return v, i


def test_energy_registers_per_quadrant():
    meter = meterdsp.Meter(FS, 1, 4, demand={"subinterval_s": 10})
    v, i = quadrant_load(30)
    w = meter.process(v, i)
    e = meter.energy()
    assert set(e) == set(meterdsp.ENERGY_REGISTERS)
    for name in meterdsp.ENERGY_REGISTERS:
        assert e[name].shape == (4,) and e[name].dtype == np.float64
    dur = w.duration_s.sum()
    p, q, s = 575.0, 995.929, 1150.0
    # Each channel fills exactly its three registers; all others stay exactly 0.
    expect = {0: ("wh_import", "varh_q1", "vah_import"), 1: ("wh_export", "varh_q2", "vah_export"),
              2: ("wh_export", "varh_q3", "vah_export"), 3: ("wh_import", "varh_q4", "vah_import")}
    for ch, regs in expect.items():
        for name in meterdsp.ENERGY_REGISTERS:
            if name not in regs:
                assert e[name][ch] == 0.0, (ch, name)
        want = dict(zip(regs, (p, q, s)))
        for name, x in want.items():
            # The whole run, including the settling windows: within 0.05 %.
            assert abs(e[name][ch] / (x * dur / 3600) - 1) < 5e-4, (ch, name)
    tot = meter.energy("total")
    assert tot["wh_import"] == pytest.approx(e["wh_import"].sum(), rel=1e-12)
    ph = meter.energy("phase")
    assert ph["varh_q3"].shape == (1,)
    life = meter.energy(lifetime=True)
    meter.command("clear_energy")
    assert meter.energy()["wh_import"].sum() == 0
    np.testing.assert_array_equal(meter.energy(lifetime=True)["wh_import"], life["wh_import"])
    assert meter.energy_reset_times()["reset_s"] == pytest.approx(meter.now_s)
    meter.preset_energy(0, "wh_import", 1234.5)
    assert meter.energy()["wh_import"][0] == pytest.approx(1234.5)
    with pytest.raises(ValueError, match="register"):
        meter.preset_energy(0, "kwh", 1)
    with pytest.raises(ValueError, match="scope"):
        meter.energy("panel")


def test_demand_block_and_maximum():
    meter = meterdsp.Meter(FS, 1, 4, demand={"mode": "block", "subinterval_s": 10})
    v, i = quadrant_load(25)
    meter.process(v, i)
    d = meter.demand()
    assert d["mode"] == "block" and d["intervals"] == 2
    assert d["power"].shape == (4,)
    np.testing.assert_allclose(d["power"], [575, -575, -575, 575], rtol=2e-4)
    np.testing.assert_allclose(d["current"], 5, rtol=2e-4)
    assert d["p_total"] == pytest.approx(0, abs=1)
    assert d["snapshot_time_s"] == pytest.approx(20.0)
    assert set(d["snapshot_wh"]) == set(meterdsp.ENERGY_REGISTERS)
    assert d["max_power"][0] == pytest.approx(575, rel=1e-3)
    meter.command("clear_maxima")
    assert meter.demand()["max_power"][0] == 0
    meter.command(20097)  # clear max demand, by code
    assert meter.demand()["power_max"][0] == 0


def test_demand_thermal_step_and_clock():
    meter = meterdsp.Meter(FS, 1, 1, demand={"mode": "thermal", "subinterval_s": 10})
    n = int(12 * FS)
    meter.process(sine(230, 0, 50, n)[None], sine(10, 0, 50, n)[None])
    d = meter.demand()
    # ~11.9 s of a 2300 W step (the first window settles): 1 − 10^(−t/10).
    t = meter.now_s
    assert d["p_total"] == pytest.approx(2300 * (1 - 10 ** (-t / 10)), rel=2e-3)
    clocked = meterdsp.Meter(FS, 1, 1, demand={"subinterval_s": 10, "clock_aligned": True})
    clocked.process(sine(230, 0, 50, n)[None], sine(10, 0, 50, n)[None])
    assert clocked.demand()["intervals"] == 0 and not clocked.demand()["clock_valid"]
    clocked.set_clock(1_700_000_007.0)
    clocked.process(sine(230, 0, 50, n)[None], sine(10, 0, 50, n)[None])
    d = clocked.demand()
    assert d["clock_valid"] and d["intervals"] >= 1
    # Sub-interval ends fall on wall-clock multiples of 10 s.
    wall = d["snapshot_time_s"] + d["clock_offset_s"]
    assert abs(wall / 10 - round(wall / 10)) < 1e-6


def test_events_latch_clear_and_summary():
    meter = meterdsp.Meter(FS, 1, 2, events={"breaker": 20, "delay_hh_s": 1, "delay_h_s": 1})
    n = int(3 * FS)
    v = sine(230, 0, 50, n)[None]
    i = np.stack([sine(16, 0, 50, n), sine(5, 0, 50, n)])  # 16 A > 14 A (70 % of 20 A)
    meter.process(v, i)
    ev = meter.events()
    assert ev["status"].shape == (2,) and ev["counters"].shape == (2, 5)
    assert ev["status"][0] & meterdsp.EVENT_BITS["HH"]
    assert ev["status"][0] & meterdsp.EVENT_BITS["NL_HIGH"]
    assert ev["status"][1] & 0x1F == 0
    assert ev["counters"][0, 0] == 1 and ev["global_counters"][0] == 1
    assert ev["recent_latching"] == 1 and ev["in_alarm_latching"] == 1
    meter.write_event_status(0, ~meterdsp.EVENT_BITS["HH"] & 0xFFFF)
    assert not meter.events()["status"][0] & meterdsp.EVENT_BITS["HH"]
    assert meter.events()["status"][0] & meterdsp.EVENT_BITS["H"]
    meter.command("reset_latched_alarms")
    assert meter.events()["status"][0] & 0x1F == 0


def test_snapshot_restore_continues_exactly():
    v, i = quadrant_load(20, f=50.2)
    cfg = dict(demand={"mode": "sliding", "subinterval_s": 10, "subintervals": 2},
               events={"delay_hh_s": 1})
    whole = meterdsp.Meter(FS, 1, 4, **cfg)
    whole.process(v, i)
    a = meterdsp.Meter(FS, 1, 4, **cfg)
    cut = 31000
    a.process(v[:, :cut], i[:, :cut])
    blob = a.snapshot()
    assert isinstance(blob, bytes) and len(blob) > 100_000
    b = meterdsp.Meter(FS, 1, 4, **cfg)
    b.restore(blob)
    b.process(v[:, cut:], i[:, cut:])
    for name in meterdsp.ENERGY_REGISTERS:
        np.testing.assert_array_equal(b.energy()[name], whole.energy()[name])
    np.testing.assert_array_equal(b.demand()["power"], whole.demand()["power"])
    np.testing.assert_array_equal(b.events()["status"], whole.events()["status"])
    before = b.energy()["wh_import"].copy()
    for bad in (blob[:-1], blob[:100], b"", blob[:50] + bytes([blob[50] ^ 1]) + blob[51:]):
        with pytest.raises(ValueError, match="snapshot"):
            b.restore(bad)
    np.testing.assert_array_equal(b.energy()["wh_import"], before)


@pytest.mark.parametrize("kwargs,msg", [
    (dict(demand={"mode": "rolling"}), "demand mode"),
    (dict(demand={"subinterval_s": 5}), "out of range|thresholds"),
    (dict(demand={"subintervals": 0}), "1..60"),
    (dict(demand={"groups": [0, 17]}), "groups"),
    (dict(demand={"bogus": 1}), "unknown demand"),
    (dict(events={"hh": 70.05}), "thresholds"),
    (dict(events={"ll": -1}), "thresholds"),
    (dict(events={"quantity": "power"}), "quantity"),
    (dict(events={"bogus": 1}), "unknown event"),
    (dict(energy_quantum_wh=0), "thresholds"),
])
def test_chain_bad_config(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        meterdsp.Meter(FS, 1, 2, **kwargs)


def test_unknown_command():
    meter = meterdsp.Meter(FS, 1, 1)
    with pytest.raises(ValueError, match="unknown command"):
        meter.command("format_flash")
    with pytest.raises(ValueError, match="unknown command"):
        meter.command(1234)


def test_running_gain_and_phase_changes():
    """set_current_gain / set_phase act from the next block on, like a meter built that way."""
    n = int(4 * FS)
    t = np.arange(n) / FS
    v = np.stack([np.sqrt(2) * 230 * np.sin(2 * np.pi * 50 * t + 0.3 - k * 2 * np.pi / 3)
                  for k in range(3)]).astype(np.float32)
    i = np.stack([np.sqrt(2) * 5 * np.sin(2 * np.pi * 50 * t + 0.3 - 0.5),
                  np.sqrt(2) * 2 * np.sin(2 * np.pi * 50 * t + 0.3 - 2 * np.pi / 3)]).astype(np.float32)
    cut = int(2 * FS) + 7
    changed = meterdsp.Meter(FS, 3, 2, phase=[0, 1])
    first = changed.process(v[:, :cut], i[:, :cut])
    changed.set_current_gain(0, 2.0)
    changed.set_phase([0, 2])  # current 1 now referred to phase C
    second = changed.process(v[:, cut:], i[:, cut:])
    built = meterdsp.Meter(FS, 3, 2, phase=[0, 2], calibration={"i_gain": [2.0, 1.0]})
    ref = built.process(v, i)
    assert len(first) + len(second) == len(ref)
    later = second.start_s > cut / FS  # windows wholly after the change
    assert later.sum() >= 5
    k0 = len(first) + int(np.argmax(later))
    np.testing.assert_allclose(second.irms[later], ref.irms[k0:], rtol=1e-6)
    np.testing.assert_allclose(second.p[later], ref.p[k0:], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(second.irms[later][:, 0], 10.0, rtol=1e-4)  # 5 A read with gain 2
    # Current 1 lags phase B by 0°, so against phase C it is 120° off: P = V·I·cos(120°) < 0.
    np.testing.assert_allclose(second.p[later][:, 1], 230 * 2 * np.cos(np.radians(120)), rtol=1e-4)
    # Bad values are refused and change nothing.
    blob = changed.snapshot()
    with pytest.raises(ValueError):
        changed.set_current_gain(0, 0.0)
    with pytest.raises(ValueError):
        changed.set_current_gain(1, float("nan"))
    with pytest.raises(IndexError):
        changed.set_current_gain(2, 1.0)
    with pytest.raises(ValueError):
        changed.set_phase([0, 3])
    with pytest.raises(ValueError):
        changed.set_phase([0])
    assert changed.snapshot() == blob
