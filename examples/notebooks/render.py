"""Executes getting_started.ipynb and saves its plots as PNGs (docs/img/notebook/) for the
README. Usage: PYTHONPATH=build/release/python python3 examples/notebooks/render.py"""
import base64
import pathlib
import sys

import nbformat
from nbclient import NotebookClient

here = pathlib.Path(__file__).resolve().parent
out = here.parents[1] / "docs" / "img" / "notebook"


def execute(path=here / "getting_started.ipynb", timeout=600):
    """Run every cell in a fresh kernel; raises nbclient's CellExecutionError on failure."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def images(nb):
    """(cell number, PNG bytes) of every image output."""
    for k, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                yield k, base64.b64decode(png)


if __name__ == "__main__":
    nb = execute()
    out.mkdir(parents=True, exist_ok=True)
    for k, png in images(nb):
        (out / f"cell{k:02d}.png").write_bytes(png)
        print(out / f"cell{k:02d}.png", file=sys.stderr)
