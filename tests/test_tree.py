"""SamplingTree: shorthand, parameters, branch probabilities, randomness, sampling strategies, views."""
from __future__ import annotations

import copy
import functools
import inspect
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from driftlab.errors import ConfigError
from driftlab.nodes import BranchingNode, ClassLabelNode, TransformNode, append_label, batched
from driftlab.parameters import Parameter, ParameterStore
from driftlab.schedulers import ContinuousScheduler
from driftlab.tree import SamplingTree
from driftlab.update_functions import DistributionLinearInterpolation


def zero(x):
    return 0.0


def add(x, by):
    return x + by


def noise(x, scale, rng):
    return rng.normal(0.0, scale, 3)


def two_way(probs=None, **params):
    """noise -> {up: add, label 'up' | flat: label 'flat'}."""
    branch = {"name": "kind", "up": [add, "up"], "flat": "flat"}
    if probs is not None:
        branch["probs"] = probs
    store = {"noise": {"scale": 0.1}, "add": {"by": 10.0}, **params}
    return SamplingTree([noise, branch], store, rng=7)


# -- shorthand and merge ----------------------------------------------------------------------------

def test_shorthand_chains_transforms_and_labels_each_sample():
    tree = SamplingTree([zero, {"a": [lambda x: x + 1, "A"], "b": "B"}], rng=0)
    samples = tree.collect(200)
    assert {label for _, label in samples} == {"A", "B"}
    assert all(x == (1.0 if label == "A" else 0.0) for x, label in samples)


def test_nodes_after_a_branching_node_apply_after_every_branch():
    def double(x):
        return 2 * x
    tree = SamplingTree([zero, {"a": [lambda x: x + 1, "a"], "b": [lambda x: x + 10, "b"]}, double], rng=0)
    X, y = tree.batch(100)
    assert set(y) == {"a", "b"}
    assert np.all(X[y == "a"] == 2.0) and np.all(X[y == "b"] == 20.0)
    graph = tree.to_graph()
    into_merge = [e["source"] for e in graph["edges"] if e["target"] == "tree[2]"]
    assert into_merge == ["tree[1].branches.a[1]", "tree[1].branches.b[1]"]


def test_the_callers_lists_and_dicts_are_never_modified():
    inner = {"name": "inner", "probs": [0.5, 0.5], "x": "X", "y": ["Y"]}
    nodes = [zero, {"name": "outer", "probs": {"schedule": [[0.5, 0.5], [1.0, 0.0]]}, "p": [inner], "q": "Q"}]
    params = {"add": {"by": {"schedule": [1, 2]}}}
    before = copy.deepcopy((nodes, params))
    tree = SamplingTree([*nodes, add], params, rng=0)
    tree.update()
    tree.batch(10)
    assert (nodes, params) == before


def test_explicit_nodes_and_shorthand_build_the_same_tree():
    short = SamplingTree([zero, {"name": "k", "probs": [0.3, 0.7], "a": "A", "b": [add, "B"]}],
                         {"add": {"by": 1}}, rng=3)
    explicit = SamplingTree([TransformNode(zero), BranchingNode({"a": ClassLabelNode("A"),
                                                                 "b": [TransformNode(add), ClassLabelNode("B")]},
                                                                probs=[0.3, 0.7], name="k")],
                            {"add": {"by": 1}}, rng=3)
    for a, b in zip(short.batch(50), explicit.batch(50), strict=False):
        np.testing.assert_array_equal(a, b)


# -- branch probabilities -----------------------------------------------------------------------------

def test_constant_probabilities_set_branch_frequencies():
    _, y = two_way([0.2, 0.8]).batch(20_000)
    assert abs(np.mean(y == "up") - 0.2) < 0.02


def test_probabilities_default_to_uniform():
    _, y = two_way().batch(20_000)
    assert abs(np.mean(y == "up") - 0.5) < 0.02


def test_scheduled_probabilities_come_from_the_scope_named_after_the_node():
    tree = two_way(kind={"probs": {"schedule": [[1.0, 0.0], [0.0, 1.0]]}})
    assert set(tree.batch(50)[1]) == {"up"}
    tree.update()
    assert set(tree.batch(50)[1]) == {"flat"}


def test_probabilities_driven_by_a_distribution_update_let_class_priors_drift():
    drift = DistributionLinearInterpolation(ContinuousScheduler(), start_dist=[1.0, 0.0], end_dist=[0.0, 1.0], T=4)
    tree = two_way({"value": [1.0, 0.0], "update": drift})
    shares = []
    for _ in range(6):
        shares.append(np.mean(tree.batch(4000)[1] == "up"))
        tree.update()
    # step k + 1 is start + (end - start) * min(k / T, 1): [1, 1, .75, .5, .25, 0] for "up"
    np.testing.assert_allclose(shares, [1.0, 1.0, 0.75, 0.5, 0.25, 0.0], atol=0.03)


def test_two_unnamed_branching_nodes_get_their_own_scopes():
    tree = SamplingTree([zero, {"a": "A", "b": "B"}, {"c": add, "d": zero}],
                        {"branching_node": {"probs": [0.0, 1.0]}, "branching_node_1": {"probs": [1.0, 0.0]},
                         "add": {"by": 5.0}}, rng=0)
    X, y = tree.batch(100)
    assert set(y) == {"B"} and np.all(X == 5.0)
    assert "<branching_node>" in str(tree) and "<branching_node_1>" in str(tree)


@pytest.mark.parametrize("probs, problem", [
    ([0.5, 0.3, 0.2], "expected 2 probabilities"),
    ([1.5, -0.5], "non-negative"),
    ([0.5, 0.6], "summing to 1"),
    ({"schedule": [[0.5, 0.5], [0.9, 0.2]]}, "summing to 1"),
])
def test_invalid_probabilities_are_rejected_at_construction_with_the_node_path(probs, problem):
    with pytest.raises(ConfigError, match=problem) as info:
        two_way(probs)
    assert info.value.path == "tree[1].probs"  # written inline: named where it was written


def test_invalid_probabilities_from_the_store_name_the_parameter_and_the_node():
    with pytest.raises(ConfigError) as info:
        two_way(kind={"probs": [0.5, 0.6]})
    assert info.value.path == "kind.probs" and str(info.value).endswith("(branching node at tree[1])")


def test_nested_branching_node_errors_name_the_branch_path():
    with pytest.raises(ConfigError) as info:
        SamplingTree({"background": "bg", "ramp": {"probs": [0.7, 0.7], "small": "s", "big": "b"}}, rng=0)
    assert info.value.path == "tree.branches.ramp.probs"
    assert str(info.value).startswith("tree.branches.ramp.probs:")


def test_an_invalid_vector_is_refused_when_moving_to_its_step_and_nothing_moves():
    tree = two_way([0.5, 0.5])
    tree.params["kind.probs"] = {"schedule": [[0.5, 0.5], [1.2, -0.2]]}  # a live edit
    with pytest.raises(ConfigError, match=r"tree\[1\].probs"):
        tree.update()
    assert tree.update_step == 0


# -- parameters -------------------------------------------------------------------------------------------

def test_a_transform_gets_the_parameters_of_its_scope_by_keyword():
    seen = []

    def ramp(x, height, length):
        seen.append((height, length))
        return x

    SamplingTree([zero, ramp], {"ramp": {"height": 2.0, "length": 7}}, rng=0).sample()
    assert seen == [(2.0, 7)]


def test_inline_node_parameters_join_the_store_under_the_node_scope():
    tree = SamplingTree([zero, TransformNode(add, params={"by": {"schedule": [1.0, 3.0]}})], rng=0)
    assert tree.get_params() == {"add.by": 1.0}
    tree.update()
    assert tree.sample()[0] == 3.0


def test_global_parameters_are_shared_and_stay_in_sync_after_update():
    def make(x, size):
        return np.zeros(size)

    def pad(x, size, by):
        return np.concatenate([x, np.full(size, by)])

    tree = SamplingTree([make, pad], {"size": {"schedule": [2, 3]}, "pad": {"by": 1.0}}, rng=0)
    assert tree.sample()[0].shape == (4,)
    tree.update()
    assert tree.params["size"].value == tree.get_params()["size"] == 3
    assert tree.sample()[0].shape == (6,)
    assert [node["params"] for node in tree.to_graph()["nodes"]] == [{"size": 3}, {"by": 1.0, "size": 3}]


def test_a_parameter_replaced_in_the_store_is_what_the_transforms_use():
    tree = SamplingTree([zero, add], {"add": {"by": 1.0}}, rng=0)
    tree.params["add.by"] = 42.0
    assert tree.sample()[0] == 42.0


def test_signatures_are_inspected_at_construction_only(monkeypatch):
    tree = two_way()

    def forbidden(*args, **kwargs):
        raise AssertionError("signature inspected while sampling")
    monkeypatch.setattr(inspect, "signature", forbidden)
    tree.batch(20)
    tree.collect(5)


def test_a_scoped_parameter_the_transform_does_not_accept_is_a_construction_error():
    with pytest.raises(ConfigError, match="not a parameter of transform 'add' at tree\\[1\\]") as info:
        SamplingTree([zero, add], {"add": {"by": 1.0, "bye": 2.0}}, rng=0)
    assert info.value.path == "add.bye"


def test_a_missing_required_parameter_is_a_construction_error():
    with pytest.raises(ConfigError, match="needs 'by'") as info:
        SamplingTree([zero, add], rng=0)
    assert info.value.path == "add.by"


@pytest.mark.parametrize("nodes, params, path", [
    ([zero, {"name": "k", "a": "A"}, {"name": "k", "b": "B"}], None, "tree[2].name"),
    ([zero, {"a": []}], None, "tree[1].branches.a"),
    ([zero, 42], None, "tree[1]"),
    ([zero, add], {"add": {"by": 1}, "ad": {"by": 2}}, "ad.by"),
    ([zero, TransformNode(add, params={"by": 1})], {"add": {"by": 2}}, "tree[1].params"),
    ([zero, {"name": "add", "a": add}], {"add": {"by": 1}}, "tree[1]"),
    ([zero, {"name": "k", "a": "A"}], {"k": {"probs": [1.0], "extra": 1}}, "k.extra"),
])
def test_bad_trees_are_rejected_with_the_offending_path(nodes, params, path):
    with pytest.raises(ConfigError) as info:
        SamplingTree(nodes, params, rng=0)
    assert info.value.path == path


# -- randomness -------------------------------------------------------------------------------------------

def test_a_transform_that_declares_rng_gets_the_trees_generator():
    seen = []

    def draw(x, rng):
        seen.append(rng)
        return rng.random()

    tree = SamplingTree([draw], rng=1)
    a = [x for x, _ in tree.collect(5)]
    assert all(isinstance(g, np.random.Generator) for g in seen)
    assert a == [x for x, _ in SamplingTree([draw], rng=1).collect(5)]
    assert a != [x for x, _ in SamplingTree([draw], rng=2).collect(5)]


def test_the_same_seed_gives_the_same_batches_and_a_generator_seeds_like_its_seed():
    first = two_way().batch(30)
    again = two_way().batch(30)
    from_generator = SamplingTree([noise, {"name": "kind", "up": [add, "up"], "flat": "flat"}],
                                  {"noise": {"scale": 0.1}, "add": {"by": 10.0}},
                                  rng=np.random.default_rng(7)).batch(30)
    for a, b, c in zip(first, again, from_generator, strict=False):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_consecutive_draws_differ():
    tree = two_way()
    assert not np.array_equal(tree.batch(10)[0], tree.batch(10)[0])


def test_set_update_step_replays_the_first_batch_drawn_at_that_step():
    tree = two_way(kind={"probs": {"schedule": [[0.5, 0.5], [0.1, 0.9], [0.9, 0.1]]}})
    first = []
    for _ in range(3):
        first.append(tree.batch(64))
        tree.batch(64)  # a second draw at the same step must not disturb the replay
        tree.update()
    for k in (1, 0, 2):
        tree.set_update_step(k)
        X, y = tree.batch(64)
        np.testing.assert_array_equal(X, first[k][0])
        np.testing.assert_array_equal(y, first[k][1])


REPRO_SCRIPT = textwrap.dedent("""
    import hashlib, sys
    from driftlab.library import time_series
    tree = time_series(seed=11)
    tree.set_update_step(5)
    X, y = tree.batch(500)
    print(hashlib.sha256(X.tobytes() + "|".join(y).encode()).hexdigest())
""")


def test_batches_are_reproducible_across_processes():
    import hashlib

    from driftlab.library import time_series
    tree = time_series(seed=11)
    tree.set_update_step(5)
    X, y = tree.batch(500)
    here = hashlib.sha256(X.tobytes() + "|".join(y).encode()).hexdigest()
    there = subprocess.run([sys.executable, "-c", REPRO_SCRIPT], capture_output=True, text=True, check=True)
    assert there.stdout.strip() == here


# -- sampling ----------------------------------------------------------------------------------------------

def test_sample_and_iteration_yield_labeled_samples_forever():
    import itertools
    tree = two_way()
    x, label = tree.sample()
    assert x.shape == (3,) and label in ("up", "flat")
    assert len(list(itertools.islice(tree, 25))) == 25


def test_balanced_strategies_give_n_per_path_in_tree_order_and_differ_per_call():
    tree = two_way([0.0, 1.0])
    first = tree.collect(3, strategy="balanced")
    assert [label for _, label in first] == ["up"] * 3 + ["flat"] * 3
    second = tree.collect(3, strategy="balanced")
    assert not np.array_equal(first[0][0], second[0][0])
    assert [label for _, label in tree.collect(3, strategy="balanced pruned")] == ["flat"] * 3
    replay = two_way([0.0, 1.0]).collect(3, strategy="balanced")
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(first, replay, strict=False))


def test_unknown_strategy_is_rejected():
    with pytest.raises(ConfigError, match="strategy"):
        two_way().collect(3, strategy="balance")


def test_batch_calls_a_batched_transform_once_per_path_with_stacked_inputs_in_sample_order():
    calls = []

    @batched
    def index(x, rng):
        calls.append(x.shape)
        return rng.random((len(x), 2))

    def tag(x, by):
        return x + by  # per sample: (2,) + scalar

    branches = {"a": [TransformNode(tag, name="a_tag"), "a"], "b": [TransformNode(tag, name="b_tag"), "b"]}
    tree = SamplingTree([index, branches], {"a_tag": {"by": 100.0}, "b_tag": {"by": 200.0}}, rng=5)
    X, y = tree.batch(1000)
    assert len(calls) == 2 and sum(shape[0] for shape in calls) == 1000
    assert X.shape == (1000, 2) and y.dtype.kind == "U"
    assert np.all((X[y == "a"] >= 100) & (X[y == "a"] < 101)) and np.all(X[y == "b"] >= 200)
    tree.set_update_step(0)
    collected = tree.collect(1000)
    assert [label for _, label in collected] == list(y)
    np.testing.assert_array_equal(np.stack([x for x, _ in collected]), X)


def test_samples_of_different_shapes_batch_into_an_object_array():
    tree = SamplingTree([zero, {"short": lambda x: np.zeros(2), "long": lambda x: np.zeros(3)}], rng=0)
    X, _y = tree.batch(20)
    assert X.dtype == object and {x.shape for x in X} == {(2,), (3,)}


def test_integer_labels_batch_into_an_int_array():
    tree = SamplingTree([zero, {"a": ClassLabelNode(3), "b": ClassLabelNode(5)}], rng=0)
    y = tree.batch(20)[1]
    assert y.dtype == np.int64 and set(y) == {3, 5}


def test_progress_bar_only_when_asked(capsys):
    tree = two_way()
    tree.collect(10)
    assert capsys.readouterr().err == ""
    tree.collect(10, progress=True)
    assert "10/10" in capsys.readouterr().err


# -- paths: drawn branching node by branching node, never listed ------------------------------------------

def digit(x, d, base):
    return base * x + d  # the sample's value spells the branches it took


def levels(count: int, width: int, probs: list | None = None) -> list:
    """``count`` branching nodes in a row with ``width`` branches (a digit each), the last one labelled."""
    nodes: list = [lambda x: 0]
    for i in range(count):
        branches = {f"b{d}": TransformNode(functools.partial(digit, d=d, base=width), name="digit")
                    for d in range(width)}
        if i == count - 1:
            branches = {key: [node, f"ends{d}"] for d, (key, node) in enumerate(branches.items())}
        nodes.append({"name": f"level{i}", **({"probs": probs} if probs else {}), **branches})
    return nodes


def test_a_tree_of_65536_paths_draws_each_branch_with_its_nodes_probabilities():
    probs = [0.1, 0.2, 0.3, 0.4]
    tree = SamplingTree(levels(8, 4, probs), rng=3)
    assert repr(tree).startswith("SamplingTree(65536 paths, classes=['ends0', 'ends1', 'ends2', 'ends3']")
    X, y = tree.batch(6000)
    assert X.dtype == np.int64 and np.all((X >= 0) & (X < 4**8)) and y.dtype == np.dtype("<U5")
    digits = (X[:, None] // 4 ** np.arange(7, -1, -1)) % 4  # column i: the branch taken at level i
    assert list(y) == [f"ends{d}" for d in digits[:, -1]]
    for column in digits.T:
        np.testing.assert_allclose(np.bincount(column, minlength=4) / len(X), probs, atol=0.025)
    both = np.mean((digits[:, 0] == 3) & (digits[:, 7] == 3))  # independent: P = 0.4 * 0.4
    assert abs(both - 0.16) < 0.02


def test_a_multi_label_tree_of_65536_label_tuples_finds_its_classes_without_listing_them():
    nodes = [lambda x: 0] + [{"name": f"level{i}", **{f"b{d}": [TransformNode(functools.partial(digit, d=d, base=4),
                                                                             name="digit"), f"l{i}b{d}"]
                                                      for d in range(4)}} for i in range(8)]
    tree = SamplingTree(nodes, rng=1, multi_label=True)
    # first seen in tree order: the first path's labels, then each level's other branches from the last level up
    assert tree.classes == [f"l{i}b0" for i in range(8)] + [f"l{i}b{d}" for i in reversed(range(8)) for d in (1, 2, 3)]
    X, y = tree.batch(300)
    assert y.dtype == object and all(labels == tuple(f"l{i}b{(x // 4 ** (7 - i)) % 4}" for i in range(8))
                                     for x, labels in zip(X.tolist(), y, strict=True))
    assert tree.encode(y).sum(axis=1).tolist() == [8.0] * 300


def test_a_tree_of_two_to_the_forty_paths_builds_and_draws():
    tree = SamplingTree(levels(40, 2), rng=0)
    assert f"{2**40} paths" in repr(tree) and tree.classes == ["ends0", "ends1"]
    X, y = tree.batch(500)
    assert len(set(X.tolist())) > 490 and list(y) == [f"ends{x % 2}" for x in X]


def test_a_path_is_drawn_as_one_uniform_choice_among_all_paths_in_tree_order():
    from driftlab.seeds import draw_seed

    # the rule written out: list every path (tree order) with the product of its branch probabilities,
    # then one uniform per sample picks a path from their cumulative sums
    p = {"level0": [0.2, 0.8], "level1": [0.5, 0.1, 0.4], "inner": [0.7, 0.3]}
    inner = {"name": "inner", "c": TransformNode(functools.partial(digit, d=0, base=10), name="digit"),
             "d": TransformNode(functools.partial(digit, d=1, base=10), name="digit")}
    first = {"name": "level0", "a": TransformNode(functools.partial(digit, d=1, base=10), name="digit"),
             "b": [TransformNode(functools.partial(digit, d=2, base=10), name="digit"), inner]}
    second = {"name": "level1", **{k: TransformNode(functools.partial(digit, d=d, base=10), name="digit")
                                   for d, k in enumerate("xyz")}}
    tree = SamplingTree([lambda x: 0, first, second], {name: {"probs": v} for name, v in p.items()}, rng=9)
    paths = [(a, b, c) for a in (0, 1) for b in ((0, 1) if a else (None,)) for c in (0, 1, 2)]
    values = [(1 if a == 0 else 20 + b) * 10 + c for a, b, c in paths]
    weights = [p["level0"][a] * (p["inner"][b] if a else 1.0) * p["level1"][c] for a, b, c in paths]
    assert values == [10, 11, 12, 200, 201, 202, 210, 211, 212] and repr(tree).startswith("SamplingTree(9 paths")
    cumulative = np.cumsum(weights)
    u = np.random.default_rng(draw_seed(9, 0, 0)).random(3000)
    expected = np.array(values)[np.searchsorted(cumulative / cumulative[-1], u, side="right")]
    np.testing.assert_array_equal(tree.batch(3000)[0], expected)
    assert [x for x, _ in tree.collect(1, "balanced")] == values
    tree.params["inner.probs"] = [0.0, 1.0]
    assert [x for x, _ in tree.collect(1, "balanced pruned")] == [10, 11, 12, 210, 211, 212]


# -- labels -------------------------------------------------------------------------------------------------

def test_nested_labels_replace_by_default_and_compose_with_a_label_function():
    def join(outer, label):
        return f"{outer}/{label}"

    deep = {"name": "inner", "ramp": ClassLabelNode("ramp", join), "step": ClassLabelNode("step", join)}
    tree = SamplingTree([zero, {"normal": "normal", "anomaly": ["anomaly", deep]}], rng=0)
    assert tree.classes == ["normal", "anomaly/ramp", "anomaly/step"]
    replaced = SamplingTree([zero, {"normal": "normal", "anomaly": ["anomaly", {"ramp": "ramp"}]}], rng=0)
    assert replaced.classes == ["normal", "ramp"]


def test_multi_label_trees_append_labels_as_in_streamgens_guide():
    # streamgen's multi-label guide: first choose how many patterns, then which ones
    ramp = TransformNode(add, name="ramp")
    step = TransformNode(add, name="step")
    tree = SamplingTree([zero, {"name": "cardinality", "probs": [0.5, 0.3, 0.2],
                                "none": lambda x: x,
                                "single": {"name": "single", "probs": [0.8, 0.2], "ramp": [ramp, "ramp"],
                                           "step": [step, "step"]},
                                "both": [ramp, "ramp", step, "step"]}],
                        {"ramp": {"by": 1.0}, "step": {"by": 10.0}}, rng=0, multi_label=True)
    X, y = tree.batch(2000)
    assert set(y) == {(), ("ramp",), ("step",), ("ramp", "step")}
    assert tree.classes == ["ramp", "step"]
    expected = np.array([sum({"ramp": 1.0, "step": 10.0}[label] for label in labels) for labels in y])
    np.testing.assert_array_equal(X, expected)
    np.testing.assert_array_equal(tree.encode([("ramp", "step"), ()]), [[1, 1], [0, 0]])
    assert append_label(None, "a") == ("a",)


# -- steps, views, adapters --------------------------------------------------------------------------------

def test_experiences_are_replayable_batches_at_consecutive_steps():
    tree = two_way(kind={"probs": {"schedule": [[1.0, 0.0], [0.0, 1.0]]}})
    experiences = tree.experiences(3, 40)
    assert [set(y) for _, y in experiences] == [{"up"}, {"flat"}, {"flat"}]
    assert tree.update_step == 2
    tree.set_update_step(1)
    np.testing.assert_array_equal(tree.batch(40)[0], experiences[1][0])


def test_change_points_come_from_the_parameters():
    tree = two_way(kind={"probs": {"schedule": [[0.5, 0.5], [0.5, 0.5], [0.1, 0.9]]}},
                   add={"by": {"schedule": [1.0, 1.0, 1.0, 2.0]}})
    assert tree.change_points(5) == [2, 3]


def test_str_shows_parameters_and_every_branch_probability():
    text = str(two_way([0.25, 0.75]))
    assert "noise(scale=0.1)" in text and "add(by=10.0)" in text
    assert "up (p=0.25)" in text and "flat (p=0.75)" in text


def test_graph_and_dot_describe_nodes_parameters_and_probabilities():
    tree = two_way([0.25, 0.75])
    graph = tree.to_graph()
    kinds = {node["id"]: node["kind"] for node in graph["nodes"]}
    assert kinds == {"tree[0]": "transform", "tree[1]": "branch", "tree[1].branches.up[0]": "transform",
                     "tree[1].branches.up[1]": "label", "tree[1].branches.flat": "label"}
    branch = next(node for node in graph["nodes"] if node["kind"] == "branch")
    assert branch["probs"] == [0.25, 0.75] and branch["param"] == "kind.probs"
    assert {(e["branch"], e["probability"]) for e in graph["edges"] if e["branch"]} == {("up", 0.25), ("flat", 0.75)}
    dot = tree.to_dot()
    assert dot.startswith("digraph") and 'label="flat\\np=0.75"' in dot and "scale=0.1" in dot


def test_an_experience_becomes_a_torch_dataset_with_a_stable_label_index():
    torch = pytest.importorskip("torch")
    tree = two_way(kind={"probs": {"schedule": [[1.0, 0.0], [0.0, 1.0]]}})
    datasets = [tree.to_dataset(X, y) for X, y in tree.experiences(2, 16)]
    assert all(isinstance(d, torch.utils.data.Dataset) and len(d) == 16 for d in datasets)
    assert datasets[0].class_to_idx == datasets[1].class_to_idx == {"up": 0, "flat": 1}
    x, target = datasets[1][0]
    assert x.dtype == torch.float32 and x.shape == (3,) and target.item() == 1
    assert {int(t) for _, t in datasets[0]} == {0}
    batch = next(iter(torch.utils.data.DataLoader(datasets[0], batch_size=8)))
    assert batch[0].shape == (8, 3) and batch[1].dtype == torch.int64


def test_a_parameter_store_is_shared_not_copied():
    store = ParameterStore({"noise": {"scale": 0.1}, "add": {"by": {"schedule": [1.0, 2.0]}}}, seed=7)
    tree = SamplingTree([noise, {"name": "kind", "up": [add, "up"], "flat": "flat"}], store, rng=7)
    assert tree.params is store
    tree.update()
    assert store["add.by"].value == 2.0


def test_a_parameter_object_given_as_probs_is_used_by_its_definition():
    probs = Parameter("whatever", schedule=[[1.0, 0.0], [0.0, 1.0]])
    tree = two_way(probs)
    tree.update()
    assert set(tree.batch(20)[1]) == {"flat"}


def test_a_saved_position_resumes_the_stream_mid_step():
    tree = two_way()
    tree.update()
    tree.batch(5)
    position = tree.position
    expected = tree.batch(7)
    again = two_way()
    again.seek(*position)
    assert position == (1, 1)
    np.testing.assert_array_equal(again.batch(7)[0], expected[0])


# -- transform nodes of one function (streamgen's pattern, issue 14) ----------------------------

def _add(x, number):
    return x + number


def test_two_nodes_of_one_function_each_keep_their_inline_parameters():
    tree = SamplingTree([lambda x: 0,
                         {"probs": {"schedule": [[1.0, 0.0], [0.0, 1.0]]},
                          "one": [TransformNode(_add, Parameter("number", 1)), "one"],
                          "two": [TransformNode(_add, Parameter("number", 2)), "two"]}])
    assert tree.sample() == (1, "one")
    tree.update()
    assert tree.sample() == (2, "two")
    assert tree.get_params()["_add_1.number"] == 1 and tree.get_params()["_add_2.number"] == 2


def test_a_node_without_inline_parameters_does_not_see_another_nodes_inline_ones():
    # streamgen: the plain `add` reads the tree's parameters (global `number`), the inline one its own
    tree = SamplingTree([lambda x: 0, _add, TransformNode(_add, Parameter("number", 10))], {"number": 1})
    assert tree.sample() == (11, None)
    assert "_add.number" not in tree.params and tree.params["_add_1.number"].value == 10


def test_nodes_of_one_name_without_inline_parameters_share_its_scope():
    tree = SamplingTree([lambda x: 0, _add, _add], {"_add": {"number": {"schedule": [1, 2]}}})
    assert tree.sample() == (2, None)
    tree.update()
    assert tree.sample() == (4, None)


def test_explicit_names_give_nodes_their_own_scopes():
    tree = SamplingTree([lambda x: 0, TransformNode(_add, name="first"), TransformNode(_add, name="second")],
                        {"first": {"number": 1}, "second": {"number": 100}})
    assert tree.sample() == (101, None)


def test_a_numbered_scope_skips_names_the_tree_already_uses():
    def _add_1(x, number):
        return x * number
    tree = SamplingTree([lambda x: 1, TransformNode(_add, Parameter("number", 1)), TransformNode(_add_1, name="_add_1"),
                         TransformNode(_add, Parameter("number", 2))], {"_add_1": {"number": 10}})
    assert tree.sample() == ((1 + 1) * 10 + 2, None)
    assert tree.get_params() == {"_add_1.number": 10, "_add_2.number": 1, "_add_3.number": 2}


@pytest.mark.parametrize("n, size", [(10, 3), (10, 10), (9000, 1000), (9000, 4096), (9000, 5000), (0, 4)])
def test_batches_yields_the_samples_of_batch_in_order_and_moves_the_stream_as_batch_does(n, size):
    from driftlab.library import time_series

    whole, chunked = time_series(seed=5), time_series(seed=5)
    X, y = whole.batch(n)
    chunks = list(chunked.batches(n, size))
    assert [len(c[1]) for c in chunks] == [size] * (n // size) + ([n % size] if n % size else [])
    if n:
        assert np.array_equal(np.concatenate([c[0] for c in chunks]), X)
        assert np.array_equal(np.concatenate([c[1] for c in chunks]), y)
    assert chunked.position == whole.position
    assert np.array_equal(chunked.batch(7)[0], whole.batch(7)[0])  # the next draw is the same


def test_batches_of_a_balanced_draw_and_of_samples_that_do_not_stack():
    tree = SamplingTree([{"a": [lambda x: np.zeros(3), "A"], "b": [lambda x: np.ones(2), "B"]}], rng=1)
    X, y = copy.deepcopy(tree).batch(5000, "balanced")
    chunks = list(tree.batches(5000, 3000, "balanced"))
    assert [len(c[0]) for c in chunks] == [3000, 3000, 3000, 1000]
    rows = [row for chunk, _ in chunks for row in chunk]  # a chunk of one path stacks, a mixed one does not
    assert all(np.array_equal(a, b) for a, b in zip(rows, X, strict=True))
    assert np.array_equal(np.concatenate([c[1] for c in chunks]), y)


def test_batches_holds_one_chunk_not_the_whole_draw():
    import tracemalloc

    from driftlab.library import time_series
    from driftlab.tree import DRAW_CHUNK

    tree = time_series(seed=0)
    n, size = 12 * DRAW_CHUNK, 512
    whole_bytes = n * tree.batch(1)[0].nbytes
    tracemalloc.start()
    try:
        for X, _ in tree.batches(n, size):
            del X
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < whole_bytes / 4  # about two internal chunks and one chunk, whatever n


def test_batches_size_must_be_positive():
    with pytest.raises(ConfigError, match="size"):
        SamplingTree(["a"], rng=0).batches(4, 0)
