"""Registries: one per kind, read by the scenario loader, the CLI and the dashboard; plugins by entry point.

The plugin tests install the example package of tests/plugin_example with pip into a folder put on
``sys.path``, so ``importlib.metadata`` finds its real entry points.
"""
import contextlib
import shutil
import subprocess
import sys
from pathlib import Path

import param
import pytest

from driftlab.errors import ConfigError
from driftlab.registry import DETECTORS, KINDS, STRATEGIES, Registry
from driftlab.scenario import dump_scenario, load_scenario

HERE = Path(__file__).parent
SMALL = HERE / "scenarios" / "small.yaml"
PLUGIN = "driftlab_example_plugin"
PH = "  ph: {type: PageHinkley, min_instances: 3, threshold: 0.3, mode: down}"
WITH_PLUGIN = SMALL.read_text().replace(PH, PH + "\n  floor: {type: Floor, floor: 0.6}").replace(
    "strategy: replay", "strategy: {type: smoothed, smoothing: 0.2}")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The example plugin installed by pip into a fresh folder, which is put on ``sys.path``."""
    source, target = tmp_path_factory.mktemp("src") / "plugin", tmp_path_factory.mktemp("site")
    shutil.copytree(HERE / "plugin_example", source)  # pip builds in place: keep the tests folder clean
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True, capture_output=True, timeout=300)
    assert "Floor" not in DETECTORS and "smoothed" not in STRATEGIES  # not installed: unknown
    sys.path.insert(0, str(target))
    yield target
    sys.path.remove(str(target))
    for registry, name in ((DETECTORS, "Floor"), (STRATEGIES, "smoothed")):  # loaded by the tests
        with contextlib.suppress(ConfigError):
            registry.unregister(name)
    sys.modules.pop(PLUGIN, None)
    assert "Floor" not in DETECTORS and "smoothed" not in STRATEGIES


def test_plugin_names_are_listed_without_importing_the_plugin(installed):
    assert "Floor" in DETECTORS and "smoothed" in STRATEGIES
    assert list(DETECTORS)[-1] == "Floor"  # built-ins first, then plugins
    assert PLUGIN not in sys.modules  # listing reads the entry points' metadata only
    assert DETECTORS.origin("Floor") == "plugin driftlab-example-plugin"
    assert DETECTORS["Floor"].__module__ == PLUGIN


def test_a_scenario_file_uses_the_plugin_detector_and_strategy(installed):
    scenario = load_scenario(WITH_PLUGIN, overrides=["monitor.max_steps=2", "trainer.max_iter=2"])
    experiment = scenario.build()
    assert type(experiment.detectors["floor"]).__name__ == "Floor" and experiment.detectors["floor"].floor == 0.6
    assert type(experiment.trainer.strategy).__name__ == "Smoothed"
    history = experiment.run()
    assert "floor.alarm" in history and len(history) == 4
    assert load_scenario(dump_scenario(scenario)).spec == scenario.spec
    with pytest.raises(ConfigError, match=r"^trainer.strategy.smoothing: .*at most 1"):
        load_scenario(WITH_PLUGIN, overrides=["trainer.strategy.smoothing=2"])


def test_driftlab_list_shows_installed_plugins(installed):
    env = {"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(installed)}
    result = subprocess.run(["driftlab", "list", "detectors"], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "Floor\tplugin driftlab-example-plugin"
    assert result.stdout.splitlines()[0] == "ADWIN\tdriftlab"


def test_the_dashboard_offers_and_shows_plugins(installed, session):
    from driftlab.dashboard import Session
    from driftlab.dashboard.drift_plots import DriftPlots
    from driftlab.dashboard.training_panel import TrainingPanel

    assert "smoothed" in TrainingPanel(session)._strategy.options  # the strategy menu
    with_plugin = Session(load_scenario(WITH_PLUGIN))
    try:
        assert DriftPlots(with_plugin)._detectors == ["ph", "floor"]  # its statistic is plotted
        assert type(with_plugin.experiment.trainer.strategy).__name__ == "Smoothed"
    finally:
        with_plugin.close()


class Sharpened(STRATEGIES["naive"]):
    """A user's own strategy, registered in code."""

    type_name = "sharpened"
    temperature = param.Number(0.5, bounds=(0, None))


def test_a_strategy_registered_in_code_is_in_the_menu_and_in_files(session):
    from driftlab.dashboard.training_panel import TrainingPanel

    assert "sharpened" not in TrainingPanel(session)._strategy.options
    with pytest.raises(ConfigError, match=r"^trainer.strategy: unknown Strategy 'sharpened'"):
        load_scenario(SMALL, overrides=["trainer.strategy=sharpened"])
    STRATEGIES.register(Sharpened)
    try:
        assert "sharpened" in TrainingPanel(session)._strategy.options
        built = load_scenario(SMALL, overrides=["trainer.strategy=sharpened"]).build()
        assert type(built.trainer.strategy) is Sharpened
    finally:
        assert STRATEGIES.unregister("sharpened") is Sharpened
    assert "sharpened" not in STRATEGIES


def test_a_plugin_object_of_the_wrong_kind_is_refused(tmp_path, monkeypatch):
    (tmp_path / "wrong").mkdir()
    (tmp_path / "wrong" / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "wrong"\nversion = "1.0"\n[tool.setuptools]\npy-modules = ["wrong"]\n'
        '[project.entry-points."driftlab.detectors"]\nNotOne = "wrong:not_one"\n')
    (tmp_path / "wrong" / "wrong.py").write_text("def not_one():\n    pass\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(tmp_path / "site"), str(tmp_path / "wrong")], check=True, capture_output=True,
                   timeout=300)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(ConfigError, match=r"^detectors.x.type: the plugin entry point NotOne = wrong:not_one "
                                          r"\(group driftlab.detectors, package wrong\) is not a DriftDetector"):
        load_scenario(SMALL, overrides=["detectors.x.type=NotOne"])


def test_registering_twice_under_one_name_is_refused():
    registry = Registry("things")
    registry.register(len, name="size")
    registry.register(len, name="size")  # the same object again: nothing changes
    with pytest.raises(ConfigError, match=r"^size: a different thing .* is already registered"):
        registry.register(abs, name="size")
    assert registry.unregister("size") is len and "size" not in registry
    registry.register(abs, name="size")  # taken back, the name is free again
    with pytest.raises(ConfigError, match=r"^length: no thing registered or loaded under this name"):
        registry.unregister("length")


def test_every_kind_has_its_entry_point_group_and_builtins():
    assert {kind: registry.group for kind, registry in KINDS.items()} == {
        kind: f"driftlab.{kind}" for kind in ("transforms", "update_functions", "schedulers", "detectors", "models",
                                              "strategies", "buffers", "metrics")}
    assert all(len(registry) >= 3 for registry in KINDS.values())
