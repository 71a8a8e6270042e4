"""The accuracy harness (python3 -m meterdsp.accuracy): quick matrix, report, plots, errors,
and the --input mode on a synthetic capture."""
import math
import subprocess
import sys

import numpy as np
import pytest

from meterdsp import accuracy


def test_quick_matrix_passes_and_writes_the_report(tmp_path):
    rc = accuracy.main(["--quick", "--out", str(tmp_path)])
    report = (tmp_path / "report.md").read_text()
    assert rc == 0, report[:3000]
    assert "**PASS**" in report
    for group in "ABCDEFGHJK":
        assert f"## Group {group}" in report
    for png in ("error_vs_current.png", "error_vs_frequency.png", "harmonics.png", "dynamic_range.png",
                "calibration.png"):
        data = (tmp_path / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    # Every active point of the 0.2S table appears with its limit.
    assert "| x=0.05 In, φ=+0.0°, f=50.000 | P energy |" in report
    assert "C2 order 3 at 90°" in report and "no-load creep" in report
    # Total distortion on the harmonic waveforms, each against its closed form.
    thd = [line.split("|") for line in report.splitlines() if "THD (run average" in line]
    assert len(thd) == 9 and all(line[9].strip() == "pass" for line in thd)
    c8 = [line for line in thd if line[1].strip() == "C8 multi-harmonic" and "current" in line[2]][0]
    assert float(c8[3]) == pytest.approx(23.4521, abs=1e-4) and abs(float(c8[5])) < 0.1
    # K: a CT's errors calibrated out with a table; the classic two-point calibration at In is
    # listed beside it and stays outside the class at 1 % In.
    assert "| x=0.02 In, φ=+60.0°, f=50.000, table | P energy |" in report
    classic = [line for line in report.splitlines()
               if line.startswith("| x=0.01 In, φ=+0.0°, f=50.000, gain and delay at In | P energy |")]
    assert classic and abs(float(classic[0].split("|")[5])) > 0.4


def test_limits_tables():
    assert accuracy.active_limit("0.2S", 0.05, 0) == 0.2
    assert accuracy.active_limit("0.2S", 0.02, 0) == 0.4
    assert accuracy.active_limit("0.2S", 0.05, 60) == 0.5
    assert accuracy.active_limit("0.2S", 0.01, 60) is None
    assert accuracy.active_limit("1", 0.5, 75.5225) == 2.5
    assert accuracy.reactive_limit("Q0.5S", 1, 90) == 0.5
    assert accuracy.reactive_limit("Q0.5S", 0.05, 30) == 1.0
    assert accuracy.reactive_limit("Q3-23", 0.2, 14.4775) == 4.0


def test_a_failing_point_fails_the_run(tmp_path, monkeypatch):
    # Tighten class 0.2S a thousandfold: the run must fail with a non-zero exit and say so.
    tight = {k: [(kind, lo, hi, lim / 1e6) for kind, lo, hi, lim in v] for k, v in accuracy.ACTIVE.items()}
    monkeypatch.setattr(accuracy, "ACTIVE", tight)
    assert accuracy.main(["--quick", "--out", str(tmp_path)]) == 1
    assert "**FAIL**" in (tmp_path / "report.md").read_text()


def test_input_capture(tmp_path):
    fs, n = 2560.0, 5120
    t = np.arange(n) / fs
    v = math.sqrt(2) * 230 * np.sin(2 * np.pi * 50 * t)
    i = np.stack([math.sqrt(2) * 5 * np.sin(2 * np.pi * 50 * t - np.pi / 3),
                  math.sqrt(2) * 1 * np.sin(2 * np.pi * 50 * t)])
    path = tmp_path / "capture.npz"
    np.savez(path, v=v, i=i, fs=fs, p=np.array([575.0, 230.0]), irms=np.array([5.0, 1.0]))
    assert accuracy.main(["--input", str(path), "--out", str(tmp_path / "out")]) == 0
    report = (tmp_path / "out" / "report.md").read_text()
    assert "channel 0" in report and "channel 1" in report
    np.savez(path, v=v, i=i, fs=fs, p=np.array([590.0, 230.0]))  # a 2.6 % wrong reference
    assert accuracy.main(["--input", str(path), "--out", str(tmp_path / "out2")]) == 1


def test_command_line_errors():
    out = subprocess.run([sys.executable, "-m", "meterdsp.accuracy", "--class", "0.3S", "--out", "/tmp/x"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "unknown class" in out.stderr
