"""Execute user-guide notebooks in place, in order, and save them with their outputs.

    python scripts/execute_notebooks.py notebooks/07_dashboard_widgets.ipynb [...]

Each notebook runs top to bottom on the ``python3`` kernel from its own folder (as the test suite
runs it, but writing the result back). The outputs of cells tagged ``remove-output`` are emptied
before saving, their execution counts kept: notebook 07's ``pn.extension(inline=True)`` sends 6 MB
of JavaScript that only a live notebook needs.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in notebook.cells:
        if "remove-output" in cell.metadata.get("tags", []):
            cell.outputs = []
    nbformat.write(notebook, path)
    print(f"{path}: executed in {time.perf_counter() - started:.1f} s, saved {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for argument in sys.argv[1:]:
        execute(Path(argument))
