"""The installable package: one import name, dependencies declared as imported, extras that say
their name when missing, and lint that stays clean."""
from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import driftlab

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Import names whose distribution is named otherwise.
DISTRIBUTION = {"yaml": "pyyaml", "sklearn": "scikit-learn", "panel_material_ui": "panel-material-ui",
                "distributed": "dask"}  # `distributed` comes with dask[distributed]


def requirement_name(requirement: str) -> str:
    """``"river>=0.26"`` -> ``"river"``; ``"driftlab[torch,digits]"`` -> ``"driftlab"``."""
    for stop in "<>=![; ":
        requirement = requirement.split(stop)[0]
    return requirement.lower()


def declared(*extras: str) -> set[str]:
    """Distributions the base and ``extras`` bring, following ``driftlab[...]`` self-references."""
    optional = PYPROJECT["project"]["optional-dependencies"]
    names = {requirement_name(r) for r in PYPROJECT["project"]["dependencies"]}
    pending = list(extras)
    while pending:
        for requirement in optional[pending.pop()]:
            if requirement_name(requirement) == "driftlab":
                pending.extend(requirement.split("[")[1].rstrip("]").split(","))
            else:
                names.add(requirement_name(requirement))
    return names


def third_party_imports(*folders: str) -> set[str]:
    """Distributions imported by the modules of ``folders`` (absolute imports outside the stdlib)."""
    found = set()
    for folder in folders:
        for path in (ROOT / folder).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.partition(".")[0]
                    if top not in sys.stdlib_module_names and top != "driftlab":
                        found.add(DISTRIBUTION.get(top, top))
    return found


def optional_imports(*folders: str, files: tuple[str, ...] = ()) -> set[str]:
    """Distributions imported through ``require("module", ...)`` (driftlab.extras) in ``folders`` or ``files``."""
    found = set()
    paths = [path for folder in folders for path in (ROOT / folder).glob("*.py")] + [ROOT / f for f in files]
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "require" \
                    and node.args and isinstance(node.args[0], ast.Constant):
                top = node.args[0].value.partition(".")[0]
                found.add(DISTRIBUTION.get(top, top))
    return found


BASE = ("core", "core/detectors", "core/library")


def test_the_light_base_imports_only_base_dependencies():
    assert third_party_imports(*BASE) <= declared()


def test_training_imports_only_what_the_torch_extra_declares():
    assert third_party_imports("core/training") <= declared("torch")
    assert optional_imports(*BASE, "core/training") <= declared("torch", "digits", "sweep", "tracking")


def test_sweeps_and_tracking_require_only_what_their_extras_declare():
    assert optional_imports(files=("core/sweep.py", "core/cli_sweep.py")) <= declared("sweep", "torch")
    assert optional_imports(files=("core/tracking.py",)) <= declared("tracking")


def test_the_dashboard_imports_only_what_its_extra_declares():
    assert third_party_imports("dashboard") | optional_imports("dashboard") <= declared("dashboard")


def test_every_declared_dependency_is_imported():
    imported = third_party_imports(*BASE, "core/training", "dashboard") | optional_imports(*BASE, "core/training",
                                                                                          "dashboard")
    assert declared("all") - imported == set()


def run_python(code: str, missing: str | None = None) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter; with ``missing``, as if that package were not installed."""
    if missing:
        code = BLOCK.format(missing=missing) + code
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd="/")


BLOCK = """import sys
class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == {missing!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Missing())
"""


def test_the_light_base_loads_neither_torch_nor_panel():
    result = run_python("import sys, driftlab, driftlab.library, driftlab.detectors, driftlab.scenario, driftlab.cli\n"
                        "print(sorted({'torch', 'panel', 'bokeh', 'sklearn'} & set(sys.modules)))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("missing, code, extra", [
    ("torch", "import driftlab.training", "torch"),
    ("sklearn", "from driftlab.library import rotated_digits; rotated_digits(seed=0).batch(4)", "digits"),
    ("panel", "import driftlab.dashboard", "dashboard"),
    ("distributed", "from driftlab.sweep import execute; list(execute([{'cell': 'x'}]))", "sweep"),
])
def test_a_missing_extra_is_named(missing, code, extra):
    result = run_python(code, missing)
    assert result.returncode == 1
    assert f'needs {missing}, which is not installed: pip install "driftlab[{extra}]"' in result.stderr


def test_the_cli_names_the_missing_extra_without_a_traceback():
    result = run_python("from driftlab.cli import main\n"
                        "sys.exit(main(['run', 'time_series_drift', '--out', '/tmp/never']))", missing="torch")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert 'pip install "driftlab[torch]"' in result.stderr


def test_the_wheel_installs_one_import_package(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("driftlab-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"driftlab", f"driftlab-{driftlab.__version__}.dist-info"}
    for expected in ("driftlab/py.typed", "driftlab/dashboard/app.py", "driftlab/training/trainer.py",
                     "driftlab/detectors/windows.py", "driftlab/library/time_series.py"):
        assert expected in names
    packages = {str(p.parent.relative_to(ROOT)) for p in ROOT.glob("core/**/__init__.py")}
    assert len({name.rsplit("/", 1)[0] for name in names if name.endswith("/__init__.py")}) == len(packages) + 1
    entry_points = zipfile.ZipFile(wheel).read(f"driftlab-{driftlab.__version__}.dist-info/entry_points.txt").decode()
    assert "driftlab = driftlab.cli:main" in entry_points


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:]


def test_public_names_load_on_first_use():
    result = run_python("import sys, driftlab\n"
                        "print('driftlab.monitor' in sys.modules, 'pandas' in sys.modules)\n"
                        "from driftlab import *\n"
                        "print(Monitor is sys.modules['driftlab.monitor'].Monitor, len(driftlab.__all__))")
    assert result.returncode == 0, result.stderr
    loaded_at_import, loaded_after = result.stdout.split("\n")[:2]
    assert loaded_at_import == "False False"
    assert loaded_after.startswith("True ")


@pytest.mark.timeout(900)
def test_mypy_is_clean():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "typecheck.py")], capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stdout[-4000:]
