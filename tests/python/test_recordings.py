"""COMTRADE / CSV / NPZ readers: every COMTRADE variant written by the test itself, closed-form
waveforms so the meter result after reading is known exactly, malformed files named."""
import math

import numpy as np
import pytest

import meterdsp
from meterdsp.recordings import (Recording, RecordingError, read_comtrade, read_csv, read_npz,
                                 write_comtrade)

FS, F0, N = 4000.0, 50.0, 4000
VPK, IPK, PHI = 230 * math.sqrt(2), 5 * math.sqrt(2), math.radians(30)


def _recording(rates=None):
    t = np.arange(N) / FS
    v = VPK * np.cos(2 * np.pi * F0 * t)
    i = IPK * np.cos(2 * np.pi * F0 * t - PHI)
    return Recording(["VA", "IA"], ["kV", "A"], ["A", "A"], np.vstack([v / 1000, i]), t,
                     rates or [(FS, N)], line_frequency_hz=50, station="sub", device="rec1")


VARIANTS = [(1991, "ascii"), (1991, "binary"), (1999, "ascii"), (1999, "binary"),
            (2013, "ascii"), (2013, "binary"), (2013, "binary32"), (2013, "float32")]


@pytest.mark.parametrize("revision,file_type", VARIANTS)
def test_comtrade_round_trip_and_meter(tmp_path, revision, file_type):
    rec = _recording()
    cfg = tmp_path / "rec.cfg"
    write_comtrade(cfg, rec, revision=revision, file_type=file_type)
    got = read_comtrade(cfg)
    assert got.revision == revision and got.names == ["VA", "IA"] and got.fs == FS
    tol = 1e-6 if file_type == "float32" else 1.0 / 32767 if file_type in ("ascii", "binary") \
        else 1e-8
    for row, want in zip(got.values, rec.values):
        np.testing.assert_allclose(row, want, atol=tol * np.abs(want).max())
    np.testing.assert_allclose(got.time_s, rec.time_s, atol=1e-6)
    v, i, fs = got.meter_input()
    assert v.shape == (1, N) and abs(v.max() - VPK) < 0.02      # kV scaled to V
    m = meterdsp.measure(v, i, fs)
    p_exact = 230 * 5 * math.cos(PHI)
    assert abs(m.p[0] - p_exact) / p_exact < 2e-4
    assert abs(m.frequency - F0) < 1e-3


def test_scaling_ps_and_digital(tmp_path):
    cfg = tmp_path / "s.cfg"
    cfg.write_text("st,dev,1999\n3,2A,1D\n"
                   "1,VA,A,,V,0.5,10,0,-32767,32767,100,1,S\n"
                   "2,IA,A,,A,2,0,0,-32767,32767,1000,5,P\n"
                   "1,TRIP,,,0\n50\n1\n1000,3\n01/02/2026,10:00:00.000000\n"
                   "01/02/2026,10:00:00.001000\nASCII\n1\n")
    (tmp_path / "s.dat").write_text("1,0,2,3,0\n2,1000,4,,1\n3,2000,6,5,0\n")
    rec = read_comtrade(cfg)
    np.testing.assert_allclose(rec.values[0], [11, 12, 13])      # 0.5·x + 10
    assert np.isnan(rec.values[1, 1]) and rec.values[1, 2] == 10
    assert rec.digital.tolist() == [[0, 1, 0]] and rec.digital_names == ["TRIP"]
    assert rec.start.year == 2026 and rec.trigger.microsecond == 1000
    prim = read_comtrade(cfg, side="primary")
    np.testing.assert_allclose(prim.values[0], [1100, 1200, 1300])   # S → ×100/1
    sec = read_comtrade(cfg, side="secondary")
    np.testing.assert_allclose(sec.values[1, [0, 2]], [6 * 5 / 1000, 10 * 5 / 1000])
    with pytest.raises(ValueError, match="missing"):
        rec.meter_input()


def test_rate_sections_and_timestamps(tmp_path):
    rec = _recording(rates=[(FS, 2000), (FS / 2, N)])
    cfg = tmp_path / "r.cfg"
    write_comtrade(cfg, rec, file_type="binary")
    got = read_comtrade(cfg)
    assert got.rates == [(FS, 2000), (FS / 2, N)]
    assert got.time_s[2001] - got.time_s[2000] == pytest.approx(2 / FS)
    with pytest.raises(ValueError, match="2 sample rates"):
        got.fs
    parts = list(got.sections())
    assert [(fs, len(r)) for fs, r in parts] == [(FS, 2000), (FS / 2, 2000)]
    # nrates = 0: the rate comes from the time stamps
    write_comtrade(tmp_path / "u.cfg", _recording(), file_type="binary")
    (tmp_path / "u.cfg").write_text((tmp_path / "u.cfg").read_text()
                                    .replace("\n1\n4000,4000\n", "\n0\n0,4000\n"))
    assert read_comtrade(tmp_path / "u.cfg").fs == pytest.approx(FS, rel=1e-6)


BAD_CFG = [
    ("st,dev,1999\n2,1A,0D\n", "line 2: TT = 2 is not ##A"),
    ("st,dev,1999\n1,1A,0D\n1,VA,A,,V,x,0,0,0,1,1,1,P\n", "line 3: field 6 (a) = 'x'"),
    ("st,dev,1999\n1,1A,0D\n1,VA,A,,V,1,0,0,0,1,1,1,Q\n", "line 3: field 13 (PS)"),
    ("st,dev,2007\n", "line 1: field 3 (rev_year) = 2007"),
    ("st,dev,1999\n1,1A,0D\n1,VA,A,,V,1,0,0,0,1,1,1,P\n50\n1\n", "end of file"),
    ("st,dev,1999\n1,1A,0D\n1,VA,A,,V,1,0,0,0,1,1,1,P\n50\n1\n100,2\n"
     "01/01/2026,00:00:00.0\n01/01/2026,00:00:00.0\nFLOAT32\n1\n", "file type 'float32'"),
]


@pytest.mark.parametrize("text,message", BAD_CFG)
def test_malformed_cfg_names_line_and_field(tmp_path, text, message):
    cfg = tmp_path / "bad.cfg"
    cfg.write_text(text)
    (tmp_path / "bad.dat").write_text("1,0,1\n2,1,1\n")
    with pytest.raises(RecordingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_comtrade(cfg)


def test_malformed_dat(tmp_path):
    cfg = tmp_path / "d.cfg"
    write_comtrade(cfg, _recording(), file_type="ascii")
    dat = tmp_path / "d.dat"
    rows = dat.read_text().splitlines()
    rows[7] = rows[7].replace(",", ",zz,", 1)
    dat.write_text("\n".join(rows))
    with pytest.raises(RecordingError, match="line 8: expected 4 fields"):
        read_comtrade(cfg)
    rows[7] = "8,1750,12,oops"
    dat.write_text("\n".join(rows))
    with pytest.raises(RecordingError, match="line 8: field 4 = 'oops'"):
        read_comtrade(cfg)
    write_comtrade(cfg, _recording(), file_type="binary")
    dat.write_bytes(dat.read_bytes()[:-3])
    with pytest.raises(RecordingError, match="bytes, expected 4000 samples"):
        read_comtrade(cfg)


@pytest.mark.parametrize("revision", [1991, 1999, 2013])
def test_ascii_parsers_agree(tmp_path, revision):
    """A regular ASCII .dat goes through NumPy's C parser; anything irregular (a missing value,
    a blank line, a 99999 before 2013, a status that is not 0/1) falls back to the
    field-by-field reader. Both give the same values wherever the C parser answers."""
    from meterdsp import recordings as R
    cfg, dat = tmp_path / "a.cfg", tmp_path / "a.dat"
    write_comtrade(cfg, _recording(), revision=revision, file_type="ascii")
    text = dat.read_text(encoding="latin-1")
    fast = R._read_dat_ascii_regular(str(dat), 2, 0, N, revision)
    slow = R._read_dat_ascii_fields(str(dat), text, 2, 0, N, revision)
    assert fast is not None
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)
    rows = text.splitlines()
    irregular = {"missing": (5, "6,{t},,17"), "99999": (5, "6,{t},99999,17"),
                 "blank line": (5, "\n6,{t},3,17")}
    for what, (k, row) in irregular.items():
        t = rows[k].split(",")[1]
        bad = rows[:k] + [row.format(t=t)] + rows[k + 1:]
        dat.write_text("\n".join(bad) + "\n", encoding="latin-1")
        regular = R._read_dat_ascii_regular(str(dat), 2, 0, N, revision)
        expect_fallback = what != "blank line" and not (what == "99999" and revision == 2013)
        assert (regular is None) == expect_fallback, what
        got = read_comtrade(cfg)                    # either way: the fields reader's values
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(R, "_read_dat_ascii_regular", lambda *args: None)
            want = read_comtrade(cfg)
        np.testing.assert_array_equal(got.values, want.values)
        np.testing.assert_array_equal(got.time_s, want.time_s)


def test_csv_and_npz(tmp_path):
    rec = _recording()
    v, i = rec.values[0] * 1000, rec.values[1]
    csv = tmp_path / "w.csv"
    np.savetxt(csv, np.column_stack([rec.time_s, v, i]), delimiter=",",
               header="time,V1 [V],I1 [A]", comments="")
    got = read_csv(csv)
    assert got.fs == pytest.approx(FS) and got.units == ["V", "A"]
    m = meterdsp.measure(*got.meter_input())
    assert abs(m.p[0] - 230 * 5 * math.cos(PHI)) < 0.2
    npz = tmp_path / "w.npz"
    np.savez(npz, v=v[None], i=i[None], fs=FS)
    vv, ii, fs = read_npz(npz).meter_input()
    assert fs == FS and vv.shape == (1, N)
    np.savez(tmp_path / "bad.npz", v=v[None], fs=FS)
    with pytest.raises(RecordingError, match=r"missing array\(s\) \['i'\]"):
        read_npz(tmp_path / "bad.npz")
    (tmp_path / "bad.csv").write_text("time,V1,I1\n0,1,2\n0.1,x,3\n")
    with pytest.raises(RecordingError, match="bad.csv"):
        read_csv(tmp_path / "bad.csv")


def test_recording_dataframe():
    pd = pytest.importorskip("pandas")
    df = _recording().to_dataframe()
    assert list(df.columns) == ["VA [kV]", "IA [A]"] and df.index.name == "time [s]"
    assert isinstance(df, pd.DataFrame) and len(df) == N
