"""Fleets on Dask: a local cluster by default and a scheduler given by address run the same
code; per-channel summaries match closed-form expectations; a bad file fails alone."""
import io
import math

import numpy as np
import pytest

pytest.importorskip("distributed")
pytest.importorskip("pandas")
import meterdsp.fleet as fleet  # noqa: E402
from meterdsp.recordings import Recording, write_comtrade  # noqa: E402

FS = 4000.0


def _write(tmp_path, name, amps, phi_deg):
    t = np.arange(int(4 * FS)) / FS
    v = 230 * math.sqrt(2) * np.cos(2 * np.pi * 60 * t)
    i = amps * math.sqrt(2) * np.cos(2 * np.pi * 60 * t - math.radians(phi_deg))
    rec = Recording(["VA", "IA"], ["V", "A"], ["A", "A"], np.vstack([v, i]), t,
                    [(FS, len(t))], line_frequency_hz=60)
    write_comtrade(tmp_path / f"{name}.cfg", rec, file_type="binary32")
    return str(tmp_path / f"{name}.cfg"), 230 * amps * math.cos(math.radians(phi_deg))


def _expected_sim(job):
    amps, lag = job.loads()
    return 230 * amps * np.cos(lag)


def _check(table, files, sims):
    for path, p in files:
        assert table.loc[(path, 0), "p [W]"] == pytest.approx(p, rel=2e-4)
        assert table.loc[(path, 0), "frequency [Hz]"] == pytest.approx(60, abs=1e-3)
        metered = table.loc[(path, 0), "metered [s]"]        # whole windows only
        assert 3.5 < metered <= 4.0
        assert table.loc[(path, 0), "wh_import [Wh]"] == pytest.approx(p * metered / 3600,
                                                                        rel=0.01)
    for job in sims:
        rows = table.loc[str(job)]
        np.testing.assert_allclose(rows["p [W]"], _expected_sim(job), rtol=2e-4, atol=1e-3)


def test_local_cluster_gathers_one_table(tmp_path):
    files = [_write(tmp_path, f"rec{k}", 5.0 + k, 20.0 * k) for k in range(3)]
    sims = [fleet.Simulated(seed=k, seconds=3, currents=6) for k in range(3)]
    (tmp_path / "broken.cfg").write_text("st,dev,1999\n9,1A,0D\n")
    out = io.StringIO()
    table = fleet.run([p for p, _ in files] + sims + [str(tmp_path / "broken.cfg")],
                      progress=out)
    assert table.index.names == ["source", "channel"]
    assert len(table) == 3 + 3 * 6 + 1
    _check(table, files, sims)
    err = table.loc[(str(tmp_path / "broken.cfg"), -1), "error"]
    assert "RecordingError" in err and "line 2" in err
    assert "fleet: 7/7 jobs done" in out.getvalue()


def test_scheduler_address_runs_the_same_code(tmp_path):
    from distributed import LocalCluster
    files = [_write(tmp_path, "a", 3.0, 45.0)]
    sims = [fleet.Simulated(seed=9, seconds=2, currents=3, frequency_hz=60)]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        table = fleet.run([files[0][0]] + sims, scheduler=cluster.scheduler_address,
                          progress=False)
    _check(table, files, sims)
    assert (table["error"] == "").all()


def test_bad_arguments_are_refused_before_any_cluster_starts():
    with pytest.raises(ValueError, match="no jobs"):
        fleet.run([])
    with pytest.raises(ValueError, match="n_workers"):
        fleet.run([fleet.Simulated(seed=1)], n_workers=0)
    with pytest.raises(ValueError, match="unknown recording type"):
        fleet.summarize("readings.xlsx")


def test_simulated_panel_is_the_documented_waveform():
    """Rows filled in place equal amp·√2·cos(ωt − 2π·phase/3 − lag) computed as whole arrays."""
    job = fleet.Simulated(seed=5, seconds=0.5, currents=7, fs=3200.0, frequency_hz=60.0)
    v, i, fs, phase = job.signals()
    assert v.dtype == i.dtype == np.float32 and v.shape == (3, 1600) and i.shape == (7, 1600)
    assert fs == 3200.0 and list(phase) == [0, 1, 2, 0, 1, 2, 0]
    w = 2 * np.pi * 60.0 * (np.arange(1600) / 3200.0)
    amps, lag = job.loads()
    for k in range(3):
        np.testing.assert_array_equal(v[k], (230 * math.sqrt(2) * np.cos(w - 2 * np.pi * k / 3))
                                      .astype(np.float32))
    for k in range(7):
        want = amps[k] * math.sqrt(2) * np.cos(w - 2 * np.pi * phase[k] / 3 - lag[k])
        np.testing.assert_array_equal(i[k], want.astype(np.float32))
