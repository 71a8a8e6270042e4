"""Writes getting_started.ipynb from the cells below (the notebook is committed; edit here and
re-run `python3 make_notebook.py` so the source stays reviewable)."""
import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = [
    md("# meterdsp in a notebook\n\nFrom raw samples of a (synthetic) panel to readings, "
       "energy, demand, events and plots; then a COMTRADE recording and a small fleet on Dask.\n"
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
]
nb = nbf.v4.new_notebook(cells=cells, metadata={"kernelspec": {
    "name": "python3", "display_name": "Python 3", "language": "python"}})
nbf.write(nb, "getting_started.ipynb")
