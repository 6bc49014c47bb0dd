"""Behaviour of driftlab.buffers: eviction rules, their statistics, persistence, errors, the threaded pipeline."""
from __future__ import annotations

import math
import os
import threading
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftlab.buffers import (
    NO_LABEL,
    ClassBalancedBuffer,
    CollectorAcquiredError,
    DataUser,
    RandomReplacementBuffer,
    ReservoirBuffer,
    SequentialBuffer,
    replace_probability_from_survival_length,
)
from driftlab.errors import ConfigError

FIELDS = ("x", "y", "tag")
KINDS = ("sequential", "random_replacement", "reservoir", "class_balanced")


def make(kind, max_size=8, seed=0):
    if kind == "sequential":
        return SequentialBuffer(FIELDS, max_size)
    if kind == "random_replacement":
        return RandomReplacementBuffer(FIELDS, max_size, replace_probability=0.4, seed=seed)
    if kind == "reservoir":
        return ReservoirBuffer(FIELDS, max_size, seed=seed)
    return ClassBalancedBuffer(FIELDS, max_size, label_field="y", seed=seed)


def stream(n, seed=1):
    """n labelled samples with float features, imbalanced int labels and str tags."""
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(n, 3)), "y": rng.choice(3, size=n, p=[0.7, 0.2, 0.1]),
            "tag": [f"s{i}" for i in range(n)]}


def part(data, start, stop):
    return {field: values[start:stop] for field, values in data.items()}


def step(data, i):
    return {field: values[i] for field, values in data.items()}


def assert_same(a, b):
    data_a, data_b = a.get_data(), b.get_data()
    for field in a.fields:
        if isinstance(data_a[field], list):  # label sets of several lengths: numpy cannot stack them
            assert data_a[field] == data_b[field], field
        else:
            np.testing.assert_array_equal(data_a[field], data_b[field], err_msg=field)
    assert (len(a), a.added, a.evicted, a.discarded) == (len(b), b.added, b.evicted, b.discarded)


def assert_accounted(buf):
    assert buf.added == len(buf) + buf.evicted + buf.discarded


# --- eviction rules -------------------------------------------------------------------------------

def test_sequential_keeps_the_newest_oldest_first():
    buf = SequentialBuffer(("id",), max_size=4)
    buf.add_batch({"id": np.arange(3)})
    assert buf.get_data()["id"].tolist() == [0, 1, 2] and buf.evicted == 0
    buf.add_batch({"id": np.arange(3, 10)})
    buf.add({"id": 10})
    assert buf.get_data()["id"].tolist() == [7, 8, 9, 10]
    assert (buf.added, buf.evicted, buf.discarded) == (11, 7, 0)


def test_reservoir_keeps_everything_until_full():
    buf = ReservoirBuffer(("id",), max_size=5, seed=0)
    buf.add_batch({"id": np.arange(5)})
    assert buf.get_data()["id"].tolist() == [0, 1, 2, 3, 4]
    assert buf.evicted == buf.discarded == 0


def test_reservoir_sample_is_uniform_over_the_whole_stream():
    """Each of T samples ends in the buffer with probability N/T (chi-square, 59 dof, fixed seed)."""
    length, size, trials = 60, 6, 3000
    hits = np.zeros(length)
    for trial in range(trials):
        buf = ReservoirBuffer(("id",), size, seed=[7, trial])
        buf.add_batch({"id": np.arange(length)})
        hits[buf.get_data()["id"]] += 1
        assert_accounted(buf)
    expected = trials * size / length
    chi_square = ((hits - expected) ** 2 / expected).sum()
    assert chi_square < 98.3  # the 99.9 % quantile of chi2(59); favouring recent samples gives thousands


def test_random_replacement_replaces_with_probability_p():
    size, extra, p = 50, 20_000, 0.25
    buf = RandomReplacementBuffer(("id",), size, replace_probability=p, seed=1)
    buf.add_batch({"id": np.arange(size + extra)})
    assert len(buf) == size and buf.evicted + buf.discarded == extra
    assert buf.evicted == pytest.approx(p * extra, abs=4 * math.sqrt(extra * p * (1 - p)))


def test_random_replacement_with_p_one_evicts_on_every_sample():
    buf = RandomReplacementBuffer(("id",), 10, seed=1)
    buf.add_batch({"id": np.arange(30)})
    assert (buf.replace_probability, buf.evicted, buf.discarded) == (1.0, 20, 0)


@pytest.mark.parametrize("size, length", [(1, 10), (20, 200), (100, 5000)])
def test_replace_probability_follows_pamiq_relation(size, length):
    expected = size / length * (math.log(size) + 0.5772156649015329)
    assert replace_probability_from_survival_length(size, length) == pytest.approx(expected, rel=1e-12)
    buf = RandomReplacementBuffer(("x",), size, expected_survival_length=length)
    assert buf.replace_probability == pytest.approx(expected, rel=1e-12)


def test_survival_length_is_the_whole_buffer_turnover_time():
    """From a full buffer, the last original item is gone after about L samples (exactly N·H_N / p)."""
    size, length, trials = 20, 200, 400
    p = replace_probability_from_survival_length(size, length)
    turnovers = []
    for trial in range(trials):
        buf = RandomReplacementBuffer(("id",), size, replace_probability=p, seed=[3, trial])
        buf.add_batch({"id": np.arange(size)})
        new_id = size
        while buf.get_data()["id"].min() < size:
            buf.add({"id": new_id})
            new_id += 1
        turnovers.append(new_id - size)
    harmonic = sum(1 / k for k in range(1, size + 1))
    assert np.mean(turnovers) == pytest.approx(size * harmonic / p, rel=0.08)
    assert np.mean(turnovers) == pytest.approx(length, rel=0.08)


@pytest.mark.parametrize("size, length", [(10, 0), (10, -5), (10, math.nan), (0, 100)])
def test_replace_probability_rejects_impossible_requests(size, length):
    with pytest.raises(ConfigError) as err:
        replace_probability_from_survival_length(size, length)
    assert err.value.path == ("max_size" if size == 0 else "expected_survival_length")


def test_class_balanced_splits_room_evenly():
    data = stream(3000)
    buf = ClassBalancedBuffer(FIELDS, 30, label_field="y", seed=0)
    buf.add_batch(data)
    assert buf.class_counts == {0: 10, 1: 10, 2: 10}
    assert np.bincount(buf.get_data()["y"]).tolist() == [10, 10, 10]
    assert_accounted(buf)


def test_class_balanced_rare_label_keeps_all_its_samples():
    labels = np.array([0, 1] * 500 + [2] * 4)
    np.random.default_rng(0).shuffle(labels)
    buf = ClassBalancedBuffer(("id", "y"), 30, label_field="y", seed=0)
    buf.add_batch({"id": np.arange(labels.size), "y": labels})
    assert buf.class_counts == {0: 13, 1: 13, 2: 4}
    assert sorted(buf.get_data()["id"][buf.get_data()["y"] == 2]) == sorted(np.flatnonzero(labels == 2))


def test_class_balanced_evicts_from_the_largest_class_first_seen_on_ties():
    buf = ClassBalancedBuffer(("y",), 6, label_field="y", seed=0)
    buf.add_batch({"y": ["a", "a", "a", "a", "b", "b"]})
    buf.add({"y": "c"})  # new label: evict from the largest, a
    assert buf.class_counts == {"a": 3, "b": 2, "c": 1} and buf.evicted == 1
    buf.add({"y": "b"})  # b is not largest: evict from a
    assert buf.class_counts == {"a": 2, "b": 3, "c": 1}
    buf.add({"y": "c"})  # c is not largest: evict from b (the only largest)
    assert buf.class_counts == {"a": 2, "b": 2, "c": 2}
    buf.add({"y": "d"})  # a, b and c tie: evict from a, seen first
    assert buf.class_counts == {"a": 1, "b": 2, "c": 2, "d": 1}
    buf.add({"y": "b"})  # b is a largest class: stored only by reservoir, within b
    assert buf.class_counts == {"a": 1, "b": 2, "c": 2, "d": 1}
    assert (buf.evicted + buf.discarded, buf.added) == (5, 11)


def test_class_balanced_with_one_label_is_a_reservoir():
    ids = np.arange(500)
    balanced = ClassBalancedBuffer(("id", "y"), 10, label_field="y", seed=5)
    balanced.add_batch({"id": ids, "y": np.zeros(500, dtype=int)})
    reservoir = ReservoirBuffer(("id",), 10, seed=5)
    reservoir.add_batch({"id": ids})
    assert balanced.get_data()["id"].tolist() == reservoir.get_data()["id"].tolist()


# --- the two paths, persistence, copies -----------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(kind=st.sampled_from(KINDS), cuts=st.lists(st.integers(0, 120), max_size=6),
       seed=st.integers(0, 2**32 - 1))
def test_add_batch_equals_adding_one_by_one(kind, cuts, seed):
    data = stream(120, seed=seed)
    one_by_one, batched = make(kind, seed=seed), make(kind, seed=seed)
    for i in range(120):
        one_by_one.add(step(data, i))
    for start, stop in pairwise([0, *sorted(cuts), 120]):
        batched.add_batch(part(data, start, stop))
    assert_same(one_by_one, batched)
    more = stream(40, seed=seed + 1)
    one_by_one.add_batch(more)
    batched.add_batch(more)
    assert_same(one_by_one, batched)
    assert_accounted(batched)


@pytest.mark.parametrize("kind", KINDS)
def test_save_and_load_continue_identically(kind, tmp_path):
    data = stream(400)
    original = make(kind, seed=3)
    original.add_batch(part(data, 0, 150))
    original.save_state(tmp_path / "buffer.npz")
    restored = make(kind, seed=99)
    restored.add_batch(part(data, 0, 10))  # loading replaces whatever was there
    restored.load_state(tmp_path / "buffer.npz")
    assert_same(original, restored)
    for buf in (original, restored):
        buf.add_batch(part(data, 150, 400))
    assert_same(original, restored)
    assert os.listdir(tmp_path) == ["buffer.npz"]


def test_save_state_replaces_the_file_atomically(tmp_path, monkeypatch):
    path = tmp_path / "buffer.npz"
    buf = SequentialBuffer(("x",), 5)
    buf.add({"x": 1.0})
    buf.save_state(path)
    before = path.read_bytes()
    buf.add({"x": 2.0})

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        buf.save_state(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["buffer.npz"]


def test_save_state_refuses_values_json_cannot_hold(tmp_path):
    buf = SequentialBuffer(("x", "meta"), 5)
    buf.add({"x": 1.0, "meta": {1, 2}})
    with pytest.raises(ConfigError) as err:
        buf.save_state(tmp_path / "buffer.npz")
    assert err.value.path == "SequentialBuffer.meta" and os.listdir(tmp_path) == []


def test_load_state_rejects_other_buffers_and_unsafe_files(tmp_path):
    ReservoirBuffer(FIELDS, 8, seed=0).save_state(tmp_path / "reservoir.npz")
    buf = make("sequential")
    buf.add_batch(stream(3))
    with pytest.raises(ConfigError):
        buf.load_state(tmp_path / "reservoir.npz")
    with pytest.raises(ConfigError) as err:
        ReservoirBuffer(FIELDS, 9).load_state(tmp_path / "reservoir.npz")
    assert err.value.path == "ReservoirBuffer.max_size"
    np.savez(tmp_path / "pickled.npz", meta=np.array([{"format": "x"}], dtype=object))
    with pytest.raises(ConfigError):
        buf.load_state(tmp_path / "pickled.npz")
    assert len(buf) == 3 and buf.get_data()["tag"] == ["s0", "s1", "s2"]


def test_get_data_returns_copies():
    buf = make("sequential")
    buf.add_batch(stream(3))
    data = buf.get_data()
    data["x"][:] = 0
    data["tag"].append("intruder")
    assert np.all(buf.get_data()["x"] != 0) and len(buf.get_data()["tag"]) == 3


def test_empty_buffer_has_no_data():
    assert make("reservoir").get_data() == {"x": [], "y": [], "tag": []}


# --- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("max_size", [0, -1, 2.5, True, "8"])
def test_bad_max_size(max_size):
    with pytest.raises(ConfigError) as err:
        SequentialBuffer(("x",), max_size)
    assert err.value.path == "SequentialBuffer.max_size"


@pytest.mark.parametrize("fields", ["xy", (), ("x", "x"), ("x", 1)])
def test_bad_fields(fields):
    with pytest.raises(ConfigError) as err:
        ReservoirBuffer(fields, 5)
    assert err.value.path == "ReservoirBuffer.fields"


@pytest.mark.parametrize("make_buffer, path", [
    (lambda: ClassBalancedBuffer(("x", "y"), 5, label_field="label"), "ClassBalancedBuffer.label_field"),
    (lambda: ReservoirBuffer(("x",), 5, seed=1, rng=np.random.default_rng()), "ReservoirBuffer.rng"),
    (lambda: ReservoirBuffer(("x",), 5, rng=42), "ReservoirBuffer.rng"),
    (lambda: ReservoirBuffer(("x",), 5, seed="abc"), "ReservoirBuffer.seed"),
    (lambda: RandomReplacementBuffer(("x",), 5, 0), "RandomReplacementBuffer.replace_probability"),
    (lambda: RandomReplacementBuffer(("x",), 5, 1.5), "RandomReplacementBuffer.replace_probability"),
    (lambda: RandomReplacementBuffer(("x",), 5, 0.5, expected_survival_length=100),
     "RandomReplacementBuffer.expected_survival_length"),
    (lambda: DataUser([]), "DataUser.buffer"),
    (lambda: DataUser(SequentialBuffer(("x",), 5), max_queue_size=0), "DataUser.max_queue_size"),
])
def test_bad_construction(make_buffer, path):
    with pytest.raises(ConfigError) as err:
        make_buffer()
    assert err.value.path == path


@pytest.mark.parametrize("step_data, path", [
    ([1.0, 2], "step_data"),
    ({"x": [1.0, 2.0]}, "step_data.y"),
    ({"x": [1.0, 2.0], "y": 1, "z": 0}, "step_data.z"),
    ({"x": [1.0, 2.0, 3.0], "y": 1}, "step_data.x"),
    ({"x": ["a", "b"], "y": 1}, "step_data.x"),
    ({"x": [1.0, 2.0], "y": 1.5}, "step_data.y"),  # float into an int field would truncate
])
def test_bad_step_data(step_data, path):
    buf = ReservoirBuffer(("x", "y"), 5, seed=0)
    buf.add({"x": [0.0, 0.0], "y": 0})
    with pytest.raises(ConfigError) as err:
        buf.add(step_data)
    assert err.value.path == path and buf.added == 1


@pytest.mark.parametrize("batch, path", [
    ({"x": np.zeros((3, 2)), "y": [1, 2]}, "batch.y"),
    ({"x": np.zeros((3, 2)), "y": 1}, "batch.y"),
    ({"x": np.zeros((3, 2)), "y": "abc"}, "batch.y"),
    ({"x": np.zeros((3, 3)), "y": [1, 2, 3]}, "batch.x"),
    ({"x": np.zeros((3, 2)), "y": [1, 2, None]}, "batch.y"),
])
def test_bad_batch_changes_nothing(batch, path):
    buf, twin = ReservoirBuffer(("x", "y"), 4, seed=0), ReservoirBuffer(("x", "y"), 4, seed=0)
    good = {"x": np.arange(20.0).reshape(10, 2), "y": np.arange(10)}
    buf.add_batch(good)
    twin.add_batch(good)
    with pytest.raises(ConfigError) as err:
        buf.add_batch(batch)
    assert err.value.path == path
    assert_same(buf, twin)
    buf.add_batch(good)  # the random stream did not move either
    twin.add_batch(good)
    assert_same(buf, twin)


def test_failed_first_sample_fixes_no_field_type():
    buf = ClassBalancedBuffer(("x", "y"), 5, label_field="y", seed=0)
    with pytest.raises(ConfigError) as err:
        buf.add({"x": 1.0, "y": [1, 2]})
    assert err.value.path == "step_data.y"
    buf.add({"x": "any object", "y": 1})
    assert buf.get_data()["x"] == ["any object"] and buf.get_data()["y"].tolist() == [1]


@pytest.mark.parametrize("bad, problem", [
    (("cat", ("dog",)), "expected a str, int, float or bool label, or a tuple, list or set of them"),
    ({"cat": 1}, "expected a str, int, float or bool label"),
    (None, "expected a str, int, float or bool label"),
])
def test_labels_are_scalars_or_sets_of_scalars(bad, problem):
    buf = ClassBalancedBuffer(("y",), 5, label_field="y", seed=0)
    buf.add({"y": "cat"})
    buf.add({"y": ("cat", "dog")})  # a label set: counted under cat and under dog
    with pytest.raises(ConfigError, match=problem) as err:
        buf.add({"y": bad})
    assert err.value.path == "step_data.y" and buf.added == 2 and buf.class_counts == {"cat": 2, "dog": 1}


@pytest.mark.parametrize("bad, problem", [
    (np.array([[0, 2], [1, 0]]), "expected a multi-hot row of 0/1 per sample (shape (2,)), got the value 2"),
    (np.array([[0.5, 1.0], [1.0, 0.0]]), "got the value 0.5"),
    (np.zeros((2, 2, 2)), "expected one real scalar label or one multi-hot row of 0/1 per sample"),
    (np.array([1j, 0]), "expected one real scalar label or one multi-hot row"),
])
def test_multi_hot_labels_hold_only_zeros_and_ones(bad, problem):
    buf = ClassBalancedBuffer(("x", "y"), 5, label_field="y", seed=0)
    with pytest.raises(ConfigError) as err:
        buf.add_batch({"x": np.arange(2), "y": bad})
    assert err.value.path == "batch.y" and problem in err.value.problem and buf.added == 0


# --- multi-label samples in the class-balanced buffer ---------------------------------------------

def multi_label_stream(n, seed=0, rates=(0.9, 0.3, 0.03)):
    """n samples whose multi-hot rows carry label i with probability rates[i], independently."""
    rng = np.random.default_rng(seed)
    return {"id": np.arange(n), "y": (rng.random((n, len(rates))) < rates).astype(np.int8)}


def label_counts(rows):
    """Stored samples per label of multi-hot rows, by the written definition; () counts label-less rows."""
    counts = {i: int(c) for i, c in enumerate(np.sum(rows, axis=0)) if c}
    empty = int(np.sum(~np.any(rows, axis=1)))
    return {**counts, (): empty} if empty else counts


def test_multi_label_capacity_accounting_and_counts_match_the_data():
    data = multi_label_stream(3000)
    buf = ClassBalancedBuffer(("id", "y"), 60, label_field="y", seed=0)
    for start in range(0, 3000, 250):
        buf.add_batch(part(data, start, start + 250))
        assert len(buf) == min(60, start + 250)
        assert_accounted(buf)
        stored = buf.get_data()
        assert {k: v for k, v in buf.class_counts.items() if v} == label_counts(stored["y"])
        np.testing.assert_array_equal(stored["y"], data["y"][stored["id"]])  # each row stays with its sample


def test_multi_label_a_sample_bringing_a_label_under_the_largest_count_is_kept():
    data = multi_label_stream(2000, seed=4)
    buf = ClassBalancedBuffer(("id", "y"), 40, label_field="y", seed=1)
    kept_for_balance = 0
    for i in range(2000):
        before = buf.class_counts
        labels = tuple(np.flatnonzero(data["y"][i])) or ((),)
        brings_a_short_label = buf.is_full and min(before.get(c, 0) for c in labels) < max(before.values())
        buf.add(step(data, i))
        if brings_a_short_label:
            kept_for_balance += 1
            assert i in buf.get_data()["id"], f"sample {i} with labels {labels} was not kept; counts {before}"
    assert kept_for_balance > 100


def test_multi_label_balances_far_better_than_a_reservoir_and_keeps_every_rare_sample():
    data = multi_label_stream(5000, seed=2, rates=(0.9, 0.3, 0.015))
    rare = np.flatnonzero(data["y"][:, 2])
    assert 50 < rare.size < 100 and np.sum(data["y"][:, 0]) > 4000
    balanced = ClassBalancedBuffer(("id", "y"), 300, label_field="y", seed=0)
    reservoir = ReservoirBuffer(("id", "y"), 300, seed=0)
    for buf in (balanced, reservoir):
        buf.add_batch(data)
    counts, uniform = balanced.class_counts, label_counts(reservoir.get_data()["y"])
    # label 2 (1.5 % of the stream) stays under an equal share of 300: the buffer keeps all its samples
    assert sorted(balanced.get_data()["id"][balanced.get_data()["y"][:, 2] == 1]) == rare.tolist()
    assert uniform[0] / uniform[2] > 15  # a uniform sample keeps the stream's imbalance
    assert counts[0] / counts[2] < 0.5 * uniform[0] / uniform[2]
    assert counts[0] < 0.8 * uniform[0] and counts[1] > uniform[1]


def test_one_hot_rows_label_sets_of_one_and_scalar_labels_store_the_same_samples():
    labels = np.random.default_rng(3).choice(4, size=700, p=[0.6, 0.25, 0.1, 0.05])
    names = ["abcd"[c] for c in labels]
    stored = []
    # (a tuple of ints would be stored as a numeric row: int label sets are multi-hot rows or Python sets)
    for y in (labels, np.eye(4, dtype=bool)[labels], [{int(c)} for c in labels], names, [(c,) for c in names]):
        buf = ClassBalancedBuffer(("id", "y"), 40, label_field="y", seed=11)
        buf.add_batch({"id": np.arange(700), "y": y})
        stored.append((buf.get_data()["id"].tolist(), list(buf.class_counts.values()), buf.evicted, buf.discarded))
    assert stored[1:] == [stored[0]] * 4


def test_multi_label_rule_by_hand():
    buf = ClassBalancedBuffer(("y",), 4, label_field="y", seed=0)
    buf.add_batch({"y": [("a",), ("a",), ("a", "b"), ("a",)]})
    assert buf.class_counts == {"a": 4, "b": 1}
    buf.add({"y": ("b", "c")})  # b and c are under a's 4: evict one of a's samples
    counts = buf.class_counts
    assert counts["c"] == 1 and counts["a"] == 3 and buf.evicted == 1 and len(buf) == 4
    buf.add({"y": ()})  # no label: counts under NO_LABEL, (), which is under the largest
    assert buf.class_counts[NO_LABEL] == 1 and buf.evicted == 2
    assert sum(1 for y in buf.get_data()["y"] if y == ()) == 1


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(0, 150), max_size=5), seed=st.integers(0, 2**32 - 1),
       form=st.sampled_from(["multi_hot", "sets"]))
def test_multi_label_add_batch_equals_adding_one_by_one_and_is_reproducible(cuts, seed, form):
    data = multi_label_stream(150, seed=seed % 1000, rates=(0.7, 0.4, 0.1, 0.05))
    if form == "sets":
        data["y"] = [tuple("abcd"[i] for i in np.flatnonzero(row)) for row in data["y"]]
    one_by_one = ClassBalancedBuffer(("id", "y"), 12, label_field="y", seed=seed)
    batched = ClassBalancedBuffer(("id", "y"), 12, label_field="y", seed=seed)
    for i in range(150):
        one_by_one.add(step(data, i))
    for start, stop in pairwise([0, *sorted(cuts), 150]):
        batched.add_batch(part(data, start, stop))
    assert_same(one_by_one, batched)
    assert one_by_one.class_counts == batched.class_counts


@pytest.mark.parametrize("form", ["multi_hot", "sets"])
def test_multi_label_save_and_load_continue_identically(form, tmp_path):
    data = multi_label_stream(600, seed=5, rates=(0.8, 0.2, 0.05))
    if form == "sets":  # label sets are stored as lists of tuples; () (no label) is among them
        data["y"] = [tuple("abc"[i] for i in np.flatnonzero(row)) for row in data["y"]]
        assert () in data["y"][:200]
    original = ClassBalancedBuffer(("id", "y"), 30, label_field="y", seed=3)
    original.add_batch(part(data, 0, 200))
    original.save_state(tmp_path / "buffer.npz")
    restored = ClassBalancedBuffer(("id", "y"), 30, label_field="y", seed=99)
    restored.add_batch(part(data, 0, 7))
    restored.load_state(tmp_path / "buffer.npz")
    assert_same(original, restored)
    assert restored.class_counts == original.class_counts
    for buf in (original, restored):
        buf.add_batch(part(data, 200, 600))
    assert_same(original, restored)
    assert restored.class_counts == original.class_counts


def test_a_stream_may_start_with_a_sample_that_has_no_label():
    for buf in (SequentialBuffer(("y",), 4), ClassBalancedBuffer(("y",), 4, label_field="y", seed=0)):
        buf.add_batch({"y": [(), ("ramp",), ("ramp", "step")]})  # the first value fixes the field's storage
        assert buf.get_data()["y"] == [(), ("ramp",), ("ramp", "step")]


def test_replay_with_a_class_balanced_memory_trains_a_multi_label_stream():
    from driftlab.scenario import load_scenario
    from driftlab.training import MLP, Trainer

    tree = load_scenario(Path(__file__).parent / "scenarios" / "multi_label.yaml").build_tree()
    memory = ClassBalancedBuffer(("x", "y"), 120, label_field="y", seed=0)
    trainer = Trainer(MLP(32, 2, hidden=(16,), seed=0), "replay", "cpu", classes=tree.classes, multi_label=True,
                      memory=memory, max_iter=60, batch_size=32, lr=0.01, eval_samples=256, threads=1)
    seen = []
    for step_ in range(3):  # the mix drifts at step 2: 70 % of samples carry both labels
        if step_:
            tree.update()
        X, y = tree.batch(200)
        seen.extend(y)
        trainer.collector.collect_batch({"x": X, "y": y})
        record = trainer.episode(tree)
    assert record["status"] == "completed" and record["memory_samples"] == 120 and len(memory) == 120
    # the memory holds label sets, each sample counted under its labels, () for "no pattern"
    stored = memory.get_data()["y"]
    assert memory.class_counts == {label: sum(label in (s or ((),)) for s in stored)
                                   for label in memory.class_counts}
    def spread(label_sets):  # the most common label's count over the rarest's (() counts "no pattern")
        counts = Counter(label for s in label_sets for label in (s or ((),)))
        return max(counts.values()) / min(counts.values())

    assert spread(stored) < 0.75 * spread(seen)
    X, y = tree.held_out(512)
    best_constant = max(Counter(y).values()) / len(y)
    assert trainer.evaluator()(X, y)["accuracy"] > best_constant + 0.15


# --- collector and user ---------------------------------------------------------------------------

def test_collector_drops_the_oldest_and_counts_them():
    user = DataUser(SequentialBuffer(("id",), 100), max_queue_size=5)
    for i in range(8):
        user.collector.collect({"id": i})
    assert (user.collector.dropped, len(user.collector)) == (3, 5)
    user.collector.collect_batch({"id": np.arange(8, 20)})
    assert (user.collector.collected, user.collector.dropped, len(user.collector)) == (20, 15, 5)
    assert user.update() == 5 and len(user.collector) == 0
    assert user.get_data()["id"].tolist() == [15, 16, 17, 18, 19] and len(user) == 5


def test_collector_serves_one_producer():
    user = DataUser(SequentialBuffer(("id",), 10))
    collector = user.collector.acquire()
    with pytest.raises(CollectorAcquiredError):
        user.collector.acquire()
    collector.release()
    assert user.collector.acquire() is collector
    assert user.new_collector().acquire() is not collector


def test_collector_validates_in_the_producer_and_owns_its_copy():
    user = DataUser(SequentialBuffer(("x", "y"), 10))
    features = np.ones((2, 3))
    user.collector.collect_batch({"x": features, "y": [0, 1]})
    features[:] = -1  # producers reuse their arrays
    with pytest.raises(ConfigError) as err:
        user.collector.collect({"x": np.ones(3)})
    assert err.value.path == "step_data.y" and len(user.collector) == 2
    user.update()
    assert np.all(user.get_data()["x"] == 1)


@pytest.mark.parametrize("max_size", [80_000, 300])
def test_concurrent_pipeline_accounts_for_every_sample_once(max_size):
    """Producers collect uniquely numbered samples while a trainer updates and reads: each sample is
    in the buffer, evicted (FIFO), or counted as dropped by its collector, exactly once."""
    producers, per_producer = 4, 20_000
    user = DataUser(SequentialBuffer(("id", "producer"), max_size), max_queue_size=64)
    collectors = [user.collector.acquire()] + [user.new_collector(64).acquire() for _ in range(producers - 1)]
    done, problems, updates = threading.Event(), [], []

    def produce(p):
        ids, rng, i = p * per_producer + np.arange(per_producer), np.random.default_rng(p), 0
        while i < per_producer:
            k = int(rng.integers(1, 16))
            if k == 1:
                collectors[p].collect({"id": ids[i], "producer": p})
            else:
                chunk = ids[i:i + k]
                collectors[p].collect_batch({"id": chunk, "producer": np.full(chunk.size, p)})
            i += k
            time.sleep(0)  # let the other threads interleave

    def train():
        while not done.is_set():
            updates.append(user.update())
            data = user.get_data()
            if len(np.unique(data["id"])) != len(data["id"]) or len(data["producer"]) != len(data["id"]):
                problems.append(data)
            time.sleep(0.0005)

    trainer = threading.Thread(target=train)
    threads = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    trainer.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    trainer.join()
    user.update()

    data, buf = user.get_data(), user.buffer
    dropped = sum(c.dropped for c in collectors)
    assert not problems and sum(u > 0 for u in updates) > 1
    assert len(np.unique(data["id"])) == len(data["id"])
    assert np.all(data["id"] // per_producer == data["producer"])
    assert len(buf) + buf.evicted + dropped == producers * per_producer
    assert buf.added == sum(c.collected - c.dropped for c in collectors)
    assert all(len(c) == 0 for c in collectors)
    for p in range(producers):  # each producer's samples arrive in order
        assert np.all(np.diff(data["id"][data["producer"] == p]) > 0)
    if max_size >= producers * per_producer:
        assert buf.evicted == 0
        for p, collector in enumerate(collectors):
            assert np.sum(data["producer"] == p) + collector.dropped == per_producer


# -- PAMIQ's details (issue 14) -----------------------------------------------------------------

def test_a_survival_length_shorter_than_one_turnover_caps_p_at_one_as_pamiq_does():
    assert replace_probability_from_survival_length(10, 10.0) == 1.0
    assert RandomReplacementBuffer(("x",), 50, expected_survival_length=10).replace_probability == 1.0


def test_get_data_pulls_what_the_collectors_queued_first():
    user = DataUser(SequentialBuffer(("x",), max_size=4))
    user.collector.collect({"x": 1})
    assert user.get_data()["x"].tolist() == [1]
    assert len(user.collector) == 0 and len(user) == 1


def test_the_default_collector_queue_holds_one_turnover_of_a_random_replacement_buffer():
    buf = RandomReplacementBuffer(("x",), max_size=10, replace_probability=0.25, seed=0)
    assert buf.max_queue_size == 40
    user = DataUser(buf)
    user.collector.collect_batch({"x": np.arange(40)})
    assert user.collector.dropped == 0 and user.collector.max_queue_size == 40
    assert SequentialBuffer(("x",), max_size=10).max_queue_size == 10


def test_is_full():
    buf = SequentialBuffer(("x",), max_size=2)
    buf.add({"x": 1})
    assert not buf.is_full
    buf.add({"x": 2})
    assert buf.is_full


def test_count_data_added_since_counts_samples_collected_after_a_time():
    import time
    user = DataUser(SequentialBuffer(("x",), max_size=10))
    user.collector.collect_batch({"x": np.arange(3)})
    user.update()
    between = time.time()
    while time.time() == between:  # the next stamp must be later than `between`
        pass
    user.collector.collect_batch({"x": np.arange(4)})
    assert user.count_data_added_since(between) == 0  # still queued
    user.update()
    assert user.count_data_added_since(between) == 4
    assert user.count_data_added_since(0.0) == 7
    user.collector.collect_batch({"x": np.arange(8)})  # only the last max_queue_size (10) are counted
    user.update()
    assert user.count_data_added_since(0.0) == 10
