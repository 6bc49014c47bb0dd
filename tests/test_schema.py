"""The scenario schema: validation as plain data (nothing built), edits checked by what they touch, JSON Schema."""
import json
import subprocess
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from driftlab.detectors import NoDrift
from driftlab.errors import ConfigError
from driftlab.library import SCENARIOS
from driftlab.registry import DETECTORS
from driftlab.scenario import Scenario, dump_scenario, load_scenario, read_yaml
from driftlab.schema import json_schema, validate

HERE = Path(__file__).parent
SMALL = HERE / "scenarios" / "small.yaml"
ASSETS = sorted((HERE.parent / "assets" / "scenarios").glob("*.yaml"))
MALFORMED = sorted((HERE / "scenarios" / "malformed").glob("*.yaml"))


class Counted(NoDrift):
    """A detector that counts how often it is built (its state is made in ``_configure``)."""

    built = 0

    def _configure(self):
        type(self).built += 1


@pytest.fixture
def counted():
    DETECTORS.register(Counted)
    yield Counted
    DETECTORS.unregister("Counted")


def test_validation_builds_no_detector_and_building_does(counted):
    text = SMALL.read_text().replace("ph: {type: PageHinkley", "counted: Counted\n  ph: {type: PageHinkley")
    Counted.built = 0
    scenario = load_scenario(text)
    assert Counted.built == 0
    assert isinstance(scenario.build().detectors["counted"], Counted) and Counted.built == 1


def test_validation_does_not_import_torch_for_a_stream_only_scenario():
    code = ("import sys; from driftlab.scenario import load_scenario; "
            "load_scenario('seed: 1\\ntree: [{transform: ramp}, a]\\nparameters: {ramp: {height: 1, length: 4}, "
            "signal_length: 8}\\ndetectors: {ph: PageHinkley}'); print('torch' in sys.modules)")
    result = subprocess.run(["python", "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


WIRING = [p for p in MALFORMED if p.read_bytes().split(b"\n")[0].decode().startswith("# expect: parameters.")
          and not p.stem.endswith(("_inf", "_infinite", "_nan"))]  # finite numbers: a rule of files alone


@pytest.mark.parametrize("path", WIRING, ids=lambda p: p.stem)
def test_the_schema_and_the_tree_name_the_same_field(path):
    """The schema checks the parameters and how they feed the tree without building it; the tree, built
    from the same file without the schema, must reject it at the same field."""
    expected = path.read_bytes().split(b"\n")[0].decode().removeprefix("# expect: ")
    with pytest.raises(ConfigError) as by_schema:
        load_scenario(path)
    unchecked = Scenario.__new__(Scenario)
    unchecked.spec = read_yaml(path.read_text())
    with pytest.raises(ConfigError) as by_tree:
        unchecked.build_tree()
    assert by_schema.value.path.startswith(expected) and by_tree.value.path.startswith(expected)


def test_an_edit_is_checked_by_the_rules_it_touches():
    scenario = load_scenario(SMALL)
    edited = scenario.edited("parameters", {**scenario.spec["parameters"], "classes": {"probs": [0.2, 0.8]}})
    assert edited.spec["parameters"]["classes"] == {"probs": [0.2, 0.8]}
    assert scenario.spec["parameters"]["classes"] == {"probs": [0.5, 0.5]}  # the original is untouched
    with pytest.raises(ConfigError, match=r"^parameters.classes.probs: expected 2 probabilities"):
        scenario.edited("parameters", {**scenario.spec["parameters"], "classes": {"probs": [0.2, 0.3, 0.5]}})
    with pytest.raises(ConfigError, match=r"^monitor.trigger: expected one of the detectors \['ph'\]"):
        scenario.edited("monitor", {"trigger": "adwin"})
    with pytest.raises(ConfigError, match=r"^monitor.detectors: adaptation='drift' needs at least one detector"):
        scenario.edited("detectors", {})
    again = load_scenario(dump_scenario(edited))
    assert np.array_equal(edited.build().tree.batch(8)[1], again.build().tree.batch(8)[1])


def test_a_trainer_needs_a_model():
    spec = read_yaml(SMALL.read_text())
    del spec["model"]
    with pytest.raises(ConfigError, match=r"^model: required with a trainer"):
        validate(spec)


def test_the_monitor_bounds_are_the_same_for_a_file_and_a_monitor():
    from driftlab.monitor import Monitor

    with pytest.raises(ConfigError) as in_file:
        load_scenario(SMALL, overrides=["monitor.batch_size=2000000"])
    tree = load_scenario(SMALL).build_tree()
    with pytest.raises(ConfigError) as in_code:
        Monitor(tree, lambda X, y: {"accuracy": 1.0}, batch_size=2_000_000, adaptation="never")
    assert str(in_file.value) == str(in_code.value) == "monitor.batch_size: must be at most 1000000, not 2000000."


@pytest.fixture(scope="module")
def validator():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_json_schema_accepts_the_built_in_scenarios(validator, name):
    validator.validate(read_yaml(dump_scenario(SCENARIOS[name]())))


@pytest.mark.parametrize("path", [*ASSETS, SMALL, HERE / "scenarios" / "abrupt.yaml"], ids=lambda p: p.name)
def test_the_json_schema_accepts_the_scenario_files(validator, path):
    validator.validate(read_yaml(path.read_text()))


@pytest.mark.parametrize("edit, where", [
    ("monitr: {}", []),
    ("monitor: {batch_size: 0}", ["monitor", "batch_size"]),
    ("detectors: {ph: {type: PageHinkly}}", ["detectors", "ph"]),
    ("detectors: {ph: {type: PageHinkley, threshold: -1}}", ["detectors", "ph"]),
    ("trainer: {strategy: {type: replay, ratio: 2}}", ["trainer", "strategy"]),
    ("model: {type: MLP, hiden: [3]}", ["model"]),
    ("tree: [{transform: 'os:system'}]", ["tree"]),
])
def test_the_json_schema_rejects_what_validation_rejects(validator, edit, where):
    spec = {**read_yaml(SMALL.read_text()), **read_yaml(edit)}
    errors = list(validator.iter_errors(spec))
    assert errors and any(list(error.absolute_path)[:len(where)] == where for error in errors)
    with pytest.raises(ConfigError):
        validate(spec)


def test_driftlab_schema_writes_the_json_schema(tmp_path):
    result = subprocess.run(["driftlab", "schema", "-o", str(tmp_path / "s.json")], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "s.json").read_text())["properties"]["seed"]["minimum"] == 0
