"""Type-check the package under its import names: ``python scripts/typecheck.py``.

mypy cannot follow setuptools' folder mapping (``driftlab`` is the folder ``core/``,
``driftlab.dashboard`` the folder ``dashboard/``), so this lays the package out as a wheel would in
``.mypy_cache/tree`` (files copied with their times, so that mypy's cache stays valid), runs
``mypy -p driftlab`` there with the project's configuration, and prints each error at its path in
the repository. The exit status is mypy's.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"core": Path("driftlab"), "dashboard": Path("driftlab/dashboard")}


def lay_out(tree: Path) -> None:
    """Copy the package's sources into ``tree`` under their import paths."""
    shutil.rmtree(tree, ignore_errors=True)
    for folder, target in FOLDERS.items():
        for source in (ROOT / folder).rglob("*.py"):
            destination = tree / target / source.relative_to(ROOT / folder)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def to_repository_path(line: str) -> str:
    """``driftlab/dashboard/x.py:3: ...`` -> ``dashboard/x.py:3: ...``; ``driftlab/x.py`` -> ``core/x.py``."""
    line = re.sub(r"^driftlab/dashboard/", "dashboard/", line)
    return re.sub(r"^driftlab/", "core/", line)


def main() -> int:
    tree = ROOT / ".mypy_cache" / "tree"
    lay_out(tree)
    command = [sys.executable, "-m", "mypy", "-p", "driftlab", "--config-file", str(ROOT / "pyproject.toml"),
               "--cache-dir", str(ROOT / ".mypy_cache")]
    result = subprocess.run(command, cwd=tree, capture_output=True, text=True)
    for line in (result.stdout + result.stderr).splitlines():
        print(to_repository_path(line))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
