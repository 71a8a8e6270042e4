"""Writes getting_started.ipynb from the cells below (the notebook is committed; edit here and
re-run `python3 make_notebook.py` so the source stays reviewable)."""
import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = [
    md("# meterdsp in a notebook\n\nFrom raw samples of a (synthetic) panel to readings, "
       "energy, demand, events and plots; then a COMTRADE recording, a small fleet on Dask and a calibration.\n"
       "Every number below is computed by the same C++ kernels the meter firmware links."),
    code("%matplotlib inline\nimport numpy as np\nimport meterdsp\nfrom meterdsp import plot, "
         "fleet\nfrom meterdsp.recordings import read_comtrade, write_comtrade, Recording\n"
         "print(meterdsp.__version__, 'SIMD target:', meterdsp.simd_target())"),
    md("## 1. A synthetic panel\n`fleet.Simulated` makes a seeded 3-phase panel: 230 V, 50 Hz, "
       "12 branch currents with random 0.5–10 A loads (current *k* on phase *k* mod 3)."),
    code("panel = fleet.Simulated(seed=1, seconds=30, currents=12)\n"
         "v, i, fs, phase = panel.signals()\nv.shape, i.shape, fs"),
    md("## 2. One block: readings\n`measure` analyses the largest whole number of cycles. "
       "Results come as NumPy arrays or as a table with units."),
    code("m = meterdsp.measure(v[:, :2560], i[:, :2560], fs, phase=phase)\n"
         "m.to_dataframe().round(3).head(6)"),
    code("plot.waveform(v[:, :1024], i[:, :1024], fs, window=(0.0, 10 / 50), channels=(0,))"),
    code("plot.phasors(m, channels=[0, 1, 2])"),
    code("plot.power_bars(m)"),
    md("**Distortion.** Make two loads non-linear — an LED driver on channel 2 (3rd and 5th "
       "harmonics), a drive on channel 6 (5th and 7th) — and give the voltages 3 % of 5th "
       "harmonic. Every reading carries `thd_pct` (currents) and `v_thd_pct` (voltages), in % of "
       "the fundamental; `plot.distortion` shows where PF falls short of DPF: there distortion, "
       "not displacement, costs power factor."),
    code("t = np.arange(2560) / fs\n"
         "w = 2 * np.pi * 50 * t - 2 * np.pi * phase[:, None] / 3   # each current's phase angle\n"
         "amps, _ = panel.loads()\n"
         "harm = np.zeros((12, 2560))\n"
         "harm[1] = amps[1] * np.sqrt(2) * (0.7 * np.cos(3 * w[1]) + 0.4 * np.cos(5 * w[1]))\n"
         "harm[5] = amps[5] * np.sqrt(2) * (0.3 * np.cos(5 * w[5]) + 0.15 * np.cos(7 * w[5]))\n"
         "vh = v[:, :2560] + 230 * np.sqrt(2) * 0.03 * np.cos(5 * w[:3])\n"
         "mh = meterdsp.measure(vh, i[:, :2560] + harm, fs, phase=phase)\n"
         "print('current THD %:', mh.thd_pct.round(2))\n"
         "print('voltage THD %:', mh.v_thd_pct.round(2))\n"
         "plot.distortion(mh)"),
    code("# The spectra behind those figures: harmonics 1..25 (at 2560 Hz the 25th is the last\n"
         "# below Nyquist), each in % of its fundamental.\n"
         "hh = meterdsp.harmonics(vh, i[:, :2560] + harm, fs, phase=phase, max_order=25)\n"
         "print('I2 3rd and 5th, % of fundamental:', (100 * hh.harmonics_rms[1, [2, 4]] / hh.harmonics_rms[1, 0]).round(2))\n"
         "plot.spectrum(hh, channels=(1, 5), voltages=(0,), max_order=15)"),
    md("## 3. Streaming: energy, demand and events\nA `Meter` runs the whole chain on a "
       "stream. Here 10-s block demand and an over-current alarm on a 20 A breaker; "
       "channel 4 (index 3) is overloaded (19 A, 95 % of the breaker) from 12 s to 20 s. A `Recorder` keeps the history."),
    code("meter = meterdsp.Meter(fs, 3, 12, phase=phase, nominal_hz=50,\n"
         "                       demand={'mode': 'block', 'subinterval_s': 10},\n"
         "                       events={'breaker': 20.0, 'delay_hh_s': 1, 'delay_h_s': 1})\n"
         "rec = meterdsp.Recorder(meter)\n"
         "load = i.copy()\n"
         "t = np.arange(i.shape[1]) / fs\n"
         "overload = (t >= 12) & (t < 20)\n"
         "load[3, overload] = (19 * np.sqrt(2) * np.cos(2 * np.pi * 50 * t[overload] - 0.3)"
         ").astype(np.float32)\n"
         "for start in range(0, load.shape[1], 512):          # 0.2-s blocks, one window each\n"
         "    rec.process(v[:, start:start + 512], load[:, start:start + 512])\n"
         "rec.windows().xs(3, level='channel')[['irms [A]', 'p [W]', 'pf']].iloc[::10]"),
    code("plot.demand_curve(rec.demand())"),
    code("meter.energy().to_dataframe().round(4).head(4)"),
    code("plot.energy_quadrants(meter.energy('total'))"),
    code("rec.events()"),
    code("plot.event_timeline(rec.events(), end=meter.now_s)"),
    md("## 4. A COMTRADE recording\nExport 4 s of the panel as IEEE C37.111-2013 binary "
       "COMTRADE, read it back (scaling `a·x + b` applied) and meter it."),
    code("import tempfile, pathlib\nfolder = pathlib.Path(tempfile.mkdtemp())\n"
         "names = ['VA', 'VB', 'VC'] + [f'I{k + 1}' for k in range(12)]\n"
         "units = ['V'] * 3 + ['A'] * 12\n"
         "n = int(4 * fs)\n"
         "write_comtrade(folder / 'panel.cfg', Recording(names, units, [''] * 15,\n"
         "               np.vstack([v[:, :n], i[:, :n]]).astype(float), t[:n], [(fs, n)],\n"
         "               line_frequency_hz=50, station='demo', device='sim-1'))\n"
         "recording = read_comtrade(folder / 'panel.cfg')\nrecording"),
    code("rv, ri, rfs = recording.meter_input()\n"
         "from_file = meterdsp.measure(rv, ri, rfs, phase=phase)\n"
         "direct = meterdsp.measure(v[:, :n], i[:, :n], fs, phase=phase)\n"
         "print('largest P difference file vs. direct: %.2e W (16-bit file codes)'\n"
         "      % np.max(np.abs(from_file.p - direct.p)))"),
    md("## 5. A fleet on Dask\n`fleet.run` meters many recordings or simulated panels in "
       "parallel: a local cluster by default, or `scheduler='tcp://host:8786'` for a real one."),
    code("jobs = [folder / 'panel.cfg'] + [fleet.Simulated(seed=k, seconds=5, currents=12) "
         "for k in range(4)]\n"
         "table = fleet.run([str(j) if isinstance(j, pathlib.Path) else j for j in jobs], "
         "n_workers=2)\n"
         "table.groupby(level='source')[['p [W]', 'q [var]', 'wh_import [Wh]']].sum().round(2)"),
    md("## 6. Calibrating against a reference\nA calibrator feeds 230 V and 5 A at PF 1 and at "
       "PF 0.5 inductive; the meter's current sensors read 0–2 % off and its multiplexed ADC "
       "samples each current up to 0.1 ms late. `calibrate` fits every channel's gain and delay "
       "to what the calibrator says it applied (docs/calibration.md)."),
    code("rng = np.random.default_rng(7)\n"
         "ratio, late = 1 + rng.uniform(-0.02, 0.02, 12), rng.uniform(0, 100e-6, 12)\n"
         "def calibrator(angle_deg, amps=5.0, seconds=2.0):\n"
         "    t = np.arange(int(seconds * fs)) / fs\n"
         "    w, ph = 2 * np.pi * 50, np.radians(-120 * np.arange(3))\n"
         "    cv = np.sqrt(2) * 230 * np.sin(w * t + ph[:, None])\n"
         "    ci = np.sqrt(2) * amps * ratio[:, None] * np.sin(\n"
         "        w * (t + late[:, None]) + ph[phase][:, None] + np.radians(angle_deg))\n"
         "    return cv, ci\n\n"
         "from meterdsp.calibration import calibrate\n"
         "points = [(*calibrator(0), {'vrms': 230, 'irms': 5, 'angle_deg': 0}),\n"
         "          (*calibrator(-60), {'vrms': 230, 'irms': 5, 'angle_deg': -60})]\n"
         "cal = calibrate(points, fs, voltages=3, currents=12, phase=phase)\n"
         "cal.report.to_dataframe().round(5).iloc[3:9]"),
    code("plot.calibration(cal.report)"),
    code("def p_error_pct(calibration):  # 3 A at PF 0.8 capacitive: a point the fit never saw\n"
         "    m = meterdsp.Meter(fs, 3, 12, phase=phase, calibration=calibration)\n"
         "    p = m.process(*calibrator(36.87, amps=3.0)).p[-5:].mean(axis=0)\n"
         "    return 100 * np.abs(p / (230 * 3 * np.cos(np.radians(36.87))) - 1).max()\n"
         "print('worst P error: %.3f %% uncalibrated, %.6f %% calibrated'\n"
         "      % (p_error_pct({}), p_error_pct(cal.calibration)))"),
]
nb = nbf.v4.new_notebook(cells=cells, metadata={"kernelspec": {
    "name": "python3", "display_name": "Python 3", "language": "python"}})
nbf.write(nb, "getting_started.ipynb")
