"""Scenario files: round trips, overrides, the malformed corpus, the import rule."""
from pathlib import Path

import numpy as np
import pytest
import yaml

from driftlab.errors import ConfigError
from driftlab.library import SCENARIOS
from driftlab.scenario import dump_scenario, env_overrides, load_scenario, scenario_from_tree
from driftlab.tree import SamplingTree

HERE = Path(__file__).parent / "scenarios"
SMALL = HERE / "small.yaml"
MALFORMED = sorted((HERE / "malformed").glob("*.yaml"))
ASSETS = Path(__file__).parent.parent / "assets" / "scenarios"


def batches(tree, steps=(0, 3, 1), n=64):
    out = []
    for k in steps:
        tree.set_update_step(k)
        out.append(tree.batch(n))
    return out


def assert_same_batches(a, b):
    for (Xa, ya), (Xb, yb) in zip(a, b, strict=False):
        np.testing.assert_array_equal(Xa, Xb)
        np.testing.assert_array_equal(ya, yb)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_builtin_round_trip_regenerates_the_identical_stream(name):
    scenario = SCENARIOS[name]()
    loaded = load_scenario(dump_scenario(scenario))
    assert loaded.spec == scenario.spec
    original, again = scenario.build_tree(), loaded.build_tree()
    assert_same_batches(batches(original), batches(again))
    assert original.change_points(15) == again.change_points(15)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_assets_are_the_current_exports(name):
    assert (ASSETS / f"{name}.yaml").read_text() == dump_scenario(SCENARIOS[name]())


def test_tree_built_in_python_round_trips_through_a_file():
    from driftlab.library import rotated_digits

    tree = rotated_digits(seed=4, permute_labels=True)
    scenario = scenario_from_tree(tree)
    rebuilt = load_scenario(dump_scenario(scenario)).build_tree()
    assert_same_batches(batches(tree, steps=(0, 17, 5)), batches(rebuilt, steps=(0, 17, 5)))


def test_written_file_is_tidy_and_commented():
    text = dump_scenario(SCENARIOS["time_series_drift"]())
    sections = [line.split(":")[0] for line in text.splitlines() if line and line[0].isalpha()]
    assert sections == ["name", "description", "seed", "tree", "parameters", "detectors", "monitor", "model",
                        "trainer", "buffers"]
    assert "# The sampling tree" in text and "schedule: [0.0, 0.0" in text
    assert yaml.safe_load(text)["monitor"]["batch_size"] == 128


def test_overrides_file_then_environment_then_set(tmp_path):
    environ = {"DRIFTLAB_MONITOR__BATCH_SIZE": "64", "DRIFTLAB_SEED": "9", "OTHER": "x"}
    scenario = load_scenario(SMALL, environ=environ, overrides=["seed=11", "parameters.ramp.length=4"])
    assert scenario.spec["monitor"]["batch_size"] == 64
    assert scenario.seed == 11
    assert scenario.build_tree().params["ramp.length"].value == 4
    assert env_overrides(environ) == [("monitor.batch_size", 64), ("seed", 9)]


def test_override_errors_name_their_origin():
    with pytest.raises(ConfigError, match=r"--set monitr.batch_size=3: unknown section 'monitr'"):
        load_scenario(SMALL, overrides=["monitr.batch_size=3"])
    with pytest.raises(ConfigError, match="expected path=value"):
        load_scenario(SMALL, overrides=["seed"])
    with pytest.raises(ConfigError, match=r"monitor\.batch_size"):
        load_scenario(SMALL, environ={"DRIFTLAB_MONITOR__BATCH_SIZE": "many"})


def test_allowed_imports_admit_module_functions(tmp_path):
    text = SMALL.read_text().replace("{transform: background}",
                                     "{transform: 'driftlab.library.time_series:background'}")
    with pytest.raises(ConfigError, match="not among the allowed imports"):
        load_scenario(text)
    scenario = load_scenario(text, allowed_imports=["driftlab.library"])
    assert isinstance(scenario.build_tree(), SamplingTree)


def test_same_scenario_same_results():
    a = load_scenario(SMALL).build().run()
    b = load_scenario(SMALL).build().run()
    assert a.equals(b)


def test_corpus_is_large_enough():
    assert len(MALFORMED) >= 50


@pytest.mark.parametrize("path", MALFORMED, ids=[p.stem for p in MALFORMED])
def test_malformed_scenario_gets_a_specific_error(path):
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ")
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    assert err.value.path.startswith(expected), str(err.value)
    assert str(err.value).startswith(err.value.path + ": ") and len(err.value.problem) > 10
