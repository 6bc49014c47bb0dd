"""Scenario files: round trips, overrides, the malformed corpus, the import rule."""
import sys
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


def test_same_scenario_same_results():
    a = load_scenario(SMALL).build().run()
    b = load_scenario(SMALL).build().run()
    assert a.equals(b)


def test_corpus_is_large_enough():
    assert len(MALFORMED) >= 50


@pytest.mark.parametrize("path", MALFORMED, ids=[p.stem for p in MALFORMED])
def test_malformed_scenario_gets_a_specific_error(path):
    expected = path.read_bytes().split(b"\n")[0].decode().removeprefix("# expect: ")
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    assert err.value.path.startswith(expected), str(err.value)
    assert str(err.value).startswith(err.value.path + ": ") and len(err.value.problem) > 10


BILLION_LAUGHS = "[" + ", ".join(["&a [x, x, x, x, x, x, x, x, x]"] + [
    f"&{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]" for a, b in zip("abcd", "bcde", strict=True)]) + "]"


def test_overrides_refuse_aliases_like_files():
    with pytest.raises(ConfigError, match=r"^--set description=.*anchors and aliases"):
        load_scenario(SMALL, overrides=[f"description={BILLION_LAUGHS}"])
    with pytest.raises(ConfigError, match=r"^environment variable DRIFTLAB_DESCRIPTION.*anchors and aliases"):
        load_scenario(SMALL, environ={"DRIFTLAB_DESCRIPTION": "&x [*x]"})


def test_sizes_are_limited_and_the_limit_is_named():
    from driftlab.scenario import MAX_OVERRIDE_BYTES, MAX_SCENARIO_BYTES

    padding = "# " + "x" * 78 + "\n"
    with pytest.raises(ConfigError, match=f"scenario: .*larger than the limit of {MAX_SCENARIO_BYTES} bytes"):
        load_scenario(SMALL.read_text() + padding * (MAX_SCENARIO_BYTES // len(padding) + 1))
    with pytest.raises(ConfigError, match=f"^--set description=x+: .*limit of {MAX_OVERRIDE_BYTES} bytes"):
        load_scenario(SMALL, overrides=["description=" + "x" * (MAX_OVERRIDE_BYTES + 1)])


def test_counts_have_upper_bounds_named_in_the_error():
    with pytest.raises(ConfigError, match=r"^monitor.max_steps: .*at most 100000"):
        load_scenario(SMALL, overrides=["monitor.max_steps=1000000"])
    with pytest.raises(ConfigError, match=r"^trainer.max_iter: .*at most"):
        load_scenario(SMALL, overrides=["trainer.max_iter=1000000000000"])


def test_exponent_floats_are_numbers_in_files_and_overrides():
    """YAML 1.1 reads 1e-3 (no dot) as text; scenario files read it as the number YAML 1.2 and users expect."""
    scenario = load_scenario(SMALL, overrides=["trainer.lr=1e-3"], environ={"DRIFTLAB_TRAINER__MAX_ITER": "5"})
    assert scenario.spec["trainer"]["lr"] == 0.001
    text = SMALL.read_text().replace("max_iter: 20", "max_iter: 20, lr: 2E-4")
    assert load_scenario(text).spec["trainer"]["lr"] == 0.0002
    assert load_scenario(SMALL, overrides=["description=1e-3 is small"]).spec["description"] == "1e-3 is small"


def test_a_string_where_a_number_belongs_says_it_was_read_as_text():
    with pytest.raises(ConfigError, match=r"^trainer.lr: .*got the text '1e-3x'"):
        load_scenario(SMALL, overrides=["trainer.lr=1e-3x"])


MODULE = """
import pathlib
from torch import nn

from driftlab.registry import MODELS, TRANSFORMS

CALLS = pathlib.Path(__file__).with_name("calls.txt")


def _called(what):
    with CALLS.open("a") as file:
        file.write(what + "\\n")


@TRANSFORMS.register(name="user_shift")
def shift(x, rng):
    _called("shift")
    return x


@MODELS.register(name="UserNet")
class Net(nn.Module):
    def __init__(self, in_features, n_classes, seed=0):
        _called("Net")
        super().__init__()
        self.linear = nn.Linear(in_features, n_classes)

    def forward(self, x):
        return self.linear(x.flatten(1))


def not_a_model(in_features, n_classes, seed=0):
    _called("not_a_model")
"""


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    import sys

    (tmp_path / "user_code.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path / "calls.txt"
    sys.modules.pop("user_code", None)


def with_user_code(model="UserNet", transform="user_shift"):
    return SMALL.read_text().replace("- {transform: background}",
                                     f"- {{transform: background}}\n- {{transform: '{transform}'}}").replace(
        "type: MLP, hidden: [16]", f"type: '{model}'")


def test_validation_never_calls_user_code(user_module):
    import user_code  # noqa: F401  (the operator's registrations)

    scenario = load_scenario(with_user_code())
    assert not user_module.exists()
    scenario.build()  # building to run does call it
    assert set(user_module.read_text().split()) == {"Net", "shift"}


@pytest.mark.parametrize("model, transform, path", [("torch:save", "background", "model.type"),
                                                    ("MLP", "torch.hub:load", r"tree\[1\].transform"),
                                                    ("MLP", "builtins:eval", r"tree\[1\].transform"),
                                                    ("user_code:Net", "background", "model.type")])
def test_a_file_names_only_registered_code(user_module, model, transform, path):
    text = with_user_code(model=model, transform=transform)
    with pytest.raises(ConfigError, match=rf"^{path}: unknown (model|transform) "):
        load_scenario(text)
    assert "user_code" not in sys.modules and not user_module.exists()


def test_a_run_waits_for_background_episodes():
    experiment = load_scenario(SMALL, overrides=["trainer.background=true", "monitor.max_steps=3"]).build()
    experiment.run()
    assert not experiment.trainer.running
    assert len(experiment.trainer.episodes) == 1 + len(
        [e for e in experiment.monitor.episodes if "skipped" not in e])


def test_change_points_are_those_the_run_reached():
    experiment = load_scenario(SMALL, overrides=["monitor.max_steps=5"]).build()
    history = experiment.run()
    assert history["step"].max() == 4
    assert experiment.monitor.change_points() == [1, 3]


HOSTILE_OVERRIDES = [
    ("description=" + "[" * 5000 + "]" * 5000, "--set description="),
    ("trainer.lr=.nan", "trainer.lr"),
    ("trainer.classes=[a]", "trainer.classes"),
    ("trainer.model={type: MLP}", "trainer.model"),
    ("buffers.memory={type: ReservoirBuffer, max_size: 100000000000}", "buffers.memory.max_size"),
    ("monitor.max_steps=.inf", "monitor.max_steps"),
    ("parameters.ramp.length=.nan", "parameters.ramp.length"),
    ("seed=!!python/object/apply:os.system [id]", "--set seed="),
    ("description=" + "x" * 70_000, "--set description="),
]


@pytest.mark.parametrize("item, path", HOSTILE_OVERRIDES, ids=[p for _, p in HOSTILE_OVERRIDES])
def test_hostile_overrides_get_field_named_errors(item, path):
    with pytest.raises(ConfigError) as err:
        load_scenario(SMALL, overrides=[item])
    assert str(err.value).startswith(path), str(err.value)[:200]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_yaml_tree_is_the_python_tree(name):
    """One tree format: a scenario's tree data builds a SamplingTree in Python as it is, and writes back identical."""
    from driftlab.scenario import tree_to_spec

    spec = SCENARIOS[name]().spec
    tree = SamplingTree(spec["tree"], spec.get("parameters"), rng=spec["seed"])
    assert tree_to_spec(tree) == spec["tree"]


def test_a_shorthand_tree_dumps_to_the_yaml_form_and_back():
    from driftlab.library import TREES
    from driftlab.scenario import tree_to_spec

    shorthand = TREES["time_series"](seed=3)  # callables and a dict of branches
    data = tree_to_spec(shorthand)
    assert data[1] == {"branch": "classes", "branches": {"background": "background",
                                                        "ramp": [{"transform": "ramp"}, "ramp"],
                                                        "step": [{"transform": "step"}, "step"]}}
    again = SamplingTree(yaml.safe_load(yaml.safe_dump(data)), shorthand.params, rng=3)
    assert tree_to_spec(again) == data
    for a, b in zip(batches(shorthand), batches(again), strict=True):
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_a_tree_in_the_yaml_form_names_its_errors_in_python_too():
    with pytest.raises(ConfigError, match=r"^tree\[0\].transform: unknown transform 'rampp'"):
        SamplingTree([{"transform": "rampp"}, "a"])
    with pytest.raises(ConfigError, match=r"^tree\[0\]: expected one of .* got the keys transform, label"):
        SamplingTree([{"transform": "ramp", "label": "a"}])
