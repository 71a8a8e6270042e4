"""The getting-started notebook runs top to bottom in a fresh kernel (nbclient), so it cannot
rot; its plots come out as images and its COMTRADE / fleet / calibration cells print what they
should."""
import os
import pathlib
import re
import sys

import pytest

pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("distributed")

HERE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "notebooks"


def test_getting_started_notebook_executes(monkeypatch):
    import meterdsp
    package_root = str(pathlib.Path(meterdsp.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [package_root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    sys.path.insert(0, str(HERE))
    try:
        import render
        nb = render.execute(timeout=300)
    finally:
        sys.path.remove(str(HERE))
    assert len(list(render.images(nb))) == 9
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                   for c in nb.cells for o in c.get("outputs", []))
    assert "largest P difference file vs. direct" in text
    thd = re.search(r"current THD %: \[([^\]]*)\]", text)
    assert thd and float(thd[1].split()[1]) == pytest.approx(80.62, abs=0.01)   # √(0.7² + 0.4²)
    assert float(thd[1].split()[5]) == pytest.approx(33.54, abs=0.01)          # √(0.3² + 0.15²)
    spectrum = re.search(r"I2 3rd and 5th, % of fundamental: \[([^\]]*)\]", text)
    assert spectrum and [float(x) for x in spectrum[1].split()] == pytest.approx([70.0, 40.0], abs=0.01)
    assert "simulated:3" in text and "fleet: 5/5 jobs done" in text
    calibrated = re.search(r"worst P error: ([0-9.]+) % uncalibrated, ([0-9.]+) % calibrated", text)
    assert calibrated and float(calibrated[1]) > 1 and float(calibrated[2]) < 0.002
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors
