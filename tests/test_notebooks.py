"""The user-guide notebooks in notebooks/ run top to bottom, and the committed ones show their outputs.

Each notebook is copied into a temporary folder and executed there with nbclient on the ``python3``
kernel (ipykernel, from the ``test`` extra), so the committed files are never rewritten; any
exception in any cell fails the test. The committed notebooks must have been executed in order and
saved with their outputs (with at least one figure each), so that they read on GitHub as they run.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 600  # seconds per cell: generous, for a loaded CI machine; the whole set takes minutes
# Smaller settings under test for the notebooks that train for minutes (text in a cell -> its stand-in):
# the test checks that the notebook runs end to end; its saved outputs show the full settings.
QUICK = {"06_continual_learning": [("max_iter=150", "max_iter=30"), ("eval_samples=300", "eval_samples=100")]}


def test_the_user_guide_exists():
    assert len(NOTEBOOKS) >= 7, f"expected the user-guide notebooks in {NOTEBOOKS_DIR}"


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own inline backend draws the figures
    notebook = nbformat.read(copy, as_version=4)
    for text, stand_in in QUICK.get(path.stem, []):
        cells = [cell for cell in notebook.cells if text in cell.source]
        assert cells, f"{path.name} no longer has {text!r}: update QUICK"
        for cell in cells:
            cell.source = cell.source.replace(text, stand_in)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any exception
    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_is_executed_and_saved_with_outputs(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    counts = [cell.get("execution_count") for cell in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: run every cell in order, then save"
    outputs = [output for cell in code for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"], f"{path.name} was saved with an error"
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name} has no figure"
    assert notebook["metadata"].get("kernelspec", {}).get("name") == "python3"


def test_every_notebook_is_listed_and_linked():
    listed = (NOTEBOOKS_DIR / "README.md").read_text(encoding="utf-8")
    readme = (NOTEBOOKS_DIR.parent / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"({path.name})" in listed, f"notebooks/README.md does not list {path.name}"
        assert f"(notebooks/{path.name})" in readme, f"README.md does not link {path.name}"
    for name in re.findall(r"\((?:notebooks/)?(\d\d_\w+\.ipynb)\)", listed + readme):
        assert (NOTEBOOKS_DIR / name).is_file(), f"a link points to a missing notebook: {name}"
