"""pandas tables and plots: DataFrames carry units and time indexes whose values match the meter's
own results; every plot returns a Figure that renders headless (Agg) with the expected artists."""
import math

import numpy as np
import pytest

import meterdsp
from meterdsp import plot

pd = pytest.importorskip("pandas")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

FS, F0 = 2560.0, 50.0
SPW = int(FS / F0 * 10)                    # samples per 10-cycle window


def _signals(n, amps=(5.0, 2.0, 8.0), phis_deg=(30.0, -60.0, 180.0), start=0):
    t = (start + np.arange(n)) / FS
    v = np.vstack([230 * math.sqrt(2) * np.cos(2 * np.pi * F0 * t - np.radians(120 * k))
                   for k in range(3)])
    i = np.vstack([a * math.sqrt(2) * np.cos(2 * np.pi * F0 * t - np.radians(phi))
                   for a, phi in zip(amps, phis_deg)])
    return v.astype(np.float32), i.astype(np.float32)


def test_windows_dataframe_units_index_values():
    meter = meterdsp.Meter(FS, 3, 3, nominal_hz=50)
    w = meter.process(*_signals(5 * SPW))
    df = w.to_dataframe()
    assert {"p [W]", "q [var]", "irms [A]", "pf", "vrms[0] [V]", "frequency [Hz]", "thd_pct [%]",
            "v_thd_pct[2] [%]"} <= set(df.columns)
    np.testing.assert_array_equal(df["v_thd_pct[2] [%]"].to_numpy(),
                                  np.repeat(np.asarray(w.v_thd_pct)[:, 2], 3))
    assert df.index.names == ["start [s]", "channel"] and len(df) == len(w) * 3
    np.testing.assert_allclose(df["p [W]"].to_numpy(), np.asarray(w.p).ravel())
    starts = df.index.get_level_values(0).unique().to_numpy()
    np.testing.assert_allclose(starts, w.start_s)
    clock = w.to_dataframe(clock_offset_s=1.7e9)
    assert str(clock.index.levels[0].tz) == "UTC"
    assert clock.index.get_level_values(0)[0] == pd.Timestamp(1.7e9 + w.start_s[0], unit="s",
                                                              tz="UTC")


def test_measurement_energy_demand_events_tables():
    v, i = _signals(20 * SPW)
    m = meterdsp.measure(v, i, FS, phase=[0, 1, 2])
    df = m.to_dataframe()
    assert len(df) == 3 and df.index.name == "channel"
    assert df.loc[0, "p [W]"] == pytest.approx(230 * 5 * math.cos(math.radians(30)), rel=1e-4)
    assert df.attrs["frequency"] == pytest.approx(F0, abs=1e-3)
    meter = meterdsp.Meter(FS, 3, 3, nominal_hz=50, phase=[0, 1, 2])
    meter.process(v, i)
    e = meter.energy().to_dataframe()
    assert "wh_import [Wh]" in e.columns and "varh_q1 [varh]" in e.columns and len(e) == 3
    assert e.index.names == ["time [s]", "channel"]
    assert e.index.get_level_values(0)[0] == meter.now_s > 0
    meter.set_clock(1.8e9)
    clock = meter.energy().to_dataframe()
    assert clock.index.get_level_values(0)[0] == pd.Timestamp(1.8e9, unit="s", tz="UTC")
    np.testing.assert_allclose(e["wh_import [Wh]"], meter.energy()["wh_import"])
    d = meter.demand().to_dataframe(channels=3)
    assert {"power [W]", "power_max [W]", "power_max_time_s [s]", "current [A]"} <= set(d.columns)
    assert d.attrs["mode"] == "block"
    ev = meter.events().to_dataframe(channels=3)
    assert "status" in ev.columns and "counters[0]" in ev.columns


def _recorded_run():
    meter = meterdsp.Meter(FS, 3, 3, nominal_hz=50, phase=[0, 1, 2],
                           demand={"mode": "block", "subinterval_s": 10},
                           events={"breaker": 10.0, "delay_hh_s": 0, "delay_h_s": 0})
    rec = meterdsp.Recorder(meter)
    amps = lambda k: (5.0, 2.0, 9.0 if 20 <= k < 40 else 1.0)   # ch 3 over 70 % for 2 s
    for k in range(60):                         # 60 windows = 12 s
        rec.process(*_signals(SPW, amps=amps(k), start=k * SPW))
    return meter, rec


def test_recorder_history():
    meter, rec = _recorded_run()
    d = rec.demand()
    assert len(d) == 60 and d.index.name == "time [s]"
    assert d["p_total_max [W]"].iloc[-1] == pytest.approx(meter.demand()["p_total_max"])
    ev = rec.events()
    hh = ev[(ev.channel == 2) & (ev.event == "HH")]          # latching: stays set
    assert hh["active"].tolist() == [True]
    assert hh.index[0] == pytest.approx(21 * SPW / FS, abs=0.25)
    nl = ev[(ev.channel == 2) & (ev.event == "NL_HIGH")]     # non-latching: set, cleared
    assert nl["active"].tolist() == [True, False]
    assert nl.index[1] == pytest.approx(41 * SPW / FS, abs=0.25)
    assert set(ev.channel) == {2}
    w = rec.windows()
    assert len(w) == 60 * 3
    # Built from the calls' arrays joined: the same frame as the calls' frames concatenated.
    import pandas as pd
    from meterdsp.tables import windows_to_dataframe
    pd.testing.assert_frame_equal(w, pd.concat([windows_to_dataframe(x) for x in rec._windows]))
    e = rec.energy()
    assert e["wh_import [Wh]"].is_monotonic_increasing


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts + [ax.title]] + \
           [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().texts]


def _calibration_report():
    from meterdsp.calibration import calibrate
    v, i = _signals(int(2 * FS))
    ref = {"vrms": 230 / 1.01, "irms": [5.0, 2.0, 8.0], "angle_deg": [-30.2, 60.0, 180.0]}
    return calibrate([(v, i, ref)], FS, voltages=3, currents=3, phase=[0, 0, 0]).report


def test_plots_render_headless(tmp_path):
    v, i = _signals(3 * SPW)
    m = meterdsp.measure(v, i, FS, phase=[0, 1, 2])
    meter, rec = _recorded_run()
    w = rec._windows[-1]
    figs = {
        "waveform": plot.waveform(v, i, FS, window=m),
        "waveform_row": plot.waveform(v, i, FS, window=(w, 0), channels=(0, 1)),
        "phasors": plot.phasors(m),
        "bars": plot.power_bars(w),
        "distortion": plot.distortion(m),
        "spectrum": plot.spectrum(meterdsp.harmonics(v, i + 0.3 * np.roll(i, 7, axis=1), FS, max_order=15),
                                  channels=(0, 1), voltages=(0,)),
        "demand": plot.demand_curve(rec.demand()),
        "energy": plot.energy_quadrants(meter.energy("total")),
        "events": plot.event_timeline(rec.events()),
        "no_events": plot.event_timeline(rec.events().iloc[:0]),
        "calibration": plot.calibration(_calibration_report()),
    }
    for name, fig in figs.items():
        assert isinstance(fig, Figure), name
        fig.savefig(tmp_path / f"{name}.png", dpi=60)
        assert (tmp_path / f"{name}.png").stat().st_size > 2000, name
    assert any("window (" in t for t in _texts(figs["waveform"]))
    assert {"V1 230.0 V", "I1 5.00 A"} <= set(_texts(figs["phasors"]))
    thd_bars = [b.get_height() for b in figs["distortion"].axes[0].patches]
    assert thd_bars == pytest.approx(np.nan_to_num(m.thd_pct))
    assert any(t.startswith("V1 THD") for t in _texts(figs["distortion"]))
    spectrum_labels = [t for t in _texts(figs["spectrum"]) if "THD" in t]
    assert [t.split()[0] for t in spectrum_labels] == ["V1", "I1", "I2"]
    assert len(figs["spectrum"].axes[0].patches) == 3 * 14
    assert any(t.startswith("maximum") for t in _texts(figs["demand"]))
    bars = figs["energy"].axes[1].patches
    quad = meter.energy("total")
    assert [b.get_height() for b in bars] == pytest.approx(
        [quad[f"varh_q{k}"] for k in range(1, 5)])
    labels = [t.get_text() for t in figs["events"].axes[0].get_yticklabels()]
    assert "ch 3 HH" in labels
    cal_axes = figs["calibration"].axes
    assert [t.get_text() for t in cal_axes[1].get_xticklabels()] == ["V1", "V2", "V3", "I1", "I2", "I3"]
    rms_bars = [b.get_height() for b in cal_axes[0].patches]
    assert rms_bars[:6] == pytest.approx([1.0] * 3 + [1e-6] * 3, rel=1e-3, abs=2e-5)  # before
    assert max(rms_bars[6:]) < 1e-4                                                 # after
    assert cal_axes[1].patches[3].get_height() == pytest.approx(0.2, abs=1e-3)       # I1 before
    phasor_ax = figs["phasors"].axes[0]
    arrows = [a for a in phasor_ax.texts if a.get_text() == ""]
    assert len(arrows) == 6                 # 3 voltages + 3 currents
