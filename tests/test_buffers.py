"""Behaviour of driftlab.buffers: eviction rules, their statistics, persistence, errors, the threaded pipeline."""
from __future__ import annotations

import math
import os
import threading
import time
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftlab.buffers import (
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
        np.testing.assert_array_equal(np.asarray(data_a[field]), np.asarray(data_b[field]), err_msg=field)
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


def test_labels_must_be_scalars():
    buf = ClassBalancedBuffer(("y",), 5, label_field="y", seed=0)
    buf.add({"y": "cat"})
    with pytest.raises(ConfigError) as err:
        buf.add({"y": ("cat", "dog")})
    assert err.value.path == "step_data.y" and buf.added == 1


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
