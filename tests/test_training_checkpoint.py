"""Checkpoints of driftlab.training: a run stopped and resumed equals an uninterrupted one; writes are atomic;
a checkpoint that does not fit changes nothing."""
from __future__ import annotations

import math
import os
import threading
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
import torch

from driftlab.buffers import DataUser, ReservoirBuffer, SequentialBuffer
from driftlab.detectors import make_detector
from driftlab.errors import ConfigError
from driftlab.library import rotated_digits
from driftlab.monitor import Monitor
from driftlab.training import MLP, Trainer, load_checkpoint, save_checkpoint


def make_run(strategy="ewc", memory_size=300, **settings):
    tree = rotated_digits(seed=1, regime_length=2)
    settings = {"device": "cpu", **settings}
    trainer = Trainer(MLP(64, 10, hidden=(16,), seed=0), strategy, max_iter=15, batch_size=16,
                      eval_samples=48, reset_optimizer=False, seed=7,
                      current=DataUser(SequentialBuffer(("x", "y"), 160)),  # holds more than one experience
                      memory=ReservoirBuffer(("x", "y"), memory_size, seed=3), **settings)
    return trainer, tree


def experience(trainer, tree):
    """Two stream batches, an episode, then the stream moves on two steps."""
    for _ in range(2):
        trainer.collector.collect_batch(dict(zip(("x", "y"), tree.batch(48), strict=False)))
    trainer.episode(tree)
    tree.update()
    tree.update()


def snapshot(trainer):
    records = [{k: None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items() if k != "train_seconds"}
               for r in trainer.episodes]
    return {"model": {k: v.clone() for k, v in trainer.model.state_dict().items()},
            "inference": {k: v.clone() for k, v in trainer.inference_model.state_dict().items()},
            "memory": trainer.memory.get_data(), "current": trainer.current.get_data(),
            "matrix": trainer.experiences.matrix.copy(), "records": records,
            "generator": trainer.generator.get_state()}


def assert_same(a, b):
    for part in ("model", "inference"):
        assert a[part].keys() == b[part].keys()
        assert all(torch.equal(a[part][k], b[part][k]) for k in a[part])
    for part in ("memory", "current"):
        assert all(np.array_equal(a[part][f], b[part][f]) for f in ("x", "y"))
    np.testing.assert_array_equal(a["matrix"], b["matrix"])
    assert a["records"] == b["records"]
    assert torch.equal(a["generator"], b["generator"])


@pytest.mark.parametrize("strategy", ["ewc", "jvp_lookahead"])
def test_a_run_stopped_and_resumed_from_a_checkpoint_equals_an_uninterrupted_run(tmp_path, strategy):
    whole, tree = make_run(strategy)
    for _ in range(4):
        experience(whole, tree)

    first, tree = make_run(strategy)
    for _ in range(2):
        experience(first, tree)
    path = tmp_path / "run.ckpt"
    save_checkpoint(path, first, tree)
    del first, tree

    resumed, tree = make_run(strategy)
    load_checkpoint(path, resumed, tree)
    assert tree.update_step == 4
    for _ in range(2):
        experience(resumed, tree)
    assert_same(snapshot(resumed), snapshot(whole))
    if strategy == "ewc":
        assert all(torch.equal(resumed.strategy.fisher[n], whole.strategy.fisher[n]) for n in whole.strategy.fisher)


@contextmanager
def storages_tagged_as_cuda():
    """torch.save tags host tensors as ``cuda:0``, as a CUDA machine writes its tensors: a file that needs
    ``map_location`` to load on a machine without CUDA. (torch's package registry has no removal: the
    tagger is taken out of it by hand.)"""
    def tagger(storage):
        return "cuda:0" if storage.device.type == "cpu" else None

    torch.serialization.register_package(1, tagger, lambda storage, location: None)
    try:
        yield
    finally:
        registry = torch.serialization._package_registry
        registry[:] = [entry for entry in registry if entry[1] is not tagger]


@pytest.mark.parametrize("map_location", ["default", {"cuda:0": "cpu"}])
def test_a_checkpoint_written_on_cuda_resumes_on_the_cpu_like_the_uninterrupted_run(tmp_path, map_location):
    whole, tree = make_run("ewc")
    for _ in range(3):
        experience(whole, tree)

    first, tree = make_run("ewc")
    for _ in range(2):
        experience(first, tree)
    path = tmp_path / "cuda.ckpt"
    with storages_tagged_as_cuda():
        save_checkpoint(path, first, tree)
    del first, tree
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):  # the file does hold CUDA tensors
            torch.load(path, weights_only=True)

    resumed, tree = make_run("ewc", device="cpu")
    options = {} if map_location == "default" else {"map_location": map_location}
    load_checkpoint(path, resumed, tree, **options)
    experience(resumed, tree)
    assert_same(snapshot(resumed), snapshot(whole))


def make_monitored_run():
    """A trainer on rotated digits under a monitor that retrains it every four checks (synchronously),
    with detectors of every kind of state watching the accuracy."""
    trainer, tree = make_run("replay")
    detectors = {"ph": make_detector("PageHinkley", threshold=0.3, min_instances=3, mode="down"),
                 "adwin": make_detector("ADWIN"), "kswin": make_detector("KSWIN", seed=5, window_size=30, stat_size=10),
                 "ddm": make_detector("DDM", warm_start=5)}
    metric = trainer.evaluator()
    evaluate = lambda X, y: {**metric(X, y), "error": 1.0 - metric(X, y)["accuracy"]}  # noqa: E731
    monitor = Monitor(tree, evaluate, detectors, batch_size=32, batches_per_step=3, adapt=trainer.adapt,
                      collector=trainer.collector, adaptation="periodic", period=4)
    experience(trainer, tree)  # the first regime, before monitoring
    return trainer, tree, monitor


def test_a_monitored_run_resumed_from_a_checkpoint_equals_an_uninterrupted_one(tmp_path):
    trainer, tree, whole = make_monitored_run()
    whole.run(max_steps=10)
    assert len(whole.episodes) >= 4  # each resets the detectors: the restored ones must reset there too

    trainer, tree, first = make_monitored_run()
    first.run(max_steps=7)  # three checks after the last reset
    path = tmp_path / "monitored.ckpt"
    save_checkpoint(path, trainer, tree, first)
    saved = {name: (d.statistic, d.drift_detected) for name, d in first.detectors.items()}
    del trainer, tree, first

    trainer, tree, resumed = make_monitored_run()
    load_checkpoint(path, trainer, tree, resumed)
    assert {name: (d.statistic, d.drift_detected) for name, d in resumed.detectors.items()} == saved
    assert resumed.detectors["adwin"].width > 0
    resumed.run(max_steps=10)
    clean = lambda frame: frame.drop(columns=[c for c in frame if "seconds" in c])  # noqa: E731
    pd.testing.assert_frame_equal(clean(resumed.history), clean(whole.history))
    timeless = lambda episodes: [{k: v for k, v in e.items() if "seconds" not in k} for e in episodes]  # noqa: E731
    assert timeless(resumed.episodes) == timeless(whole.episodes)


def test_a_monitor_state_that_does_not_fit_changes_nothing(tmp_path):
    trainer, tree, monitor = make_monitored_run()
    monitor.run(max_steps=4)
    path = tmp_path / "monitored.ckpt"
    save_checkpoint(path, trainer, tree)  # no monitor in it
    before = monitor.state_dict()
    with pytest.raises(ConfigError, match="saved without a monitor"):
        load_checkpoint(path, trainer, tree, monitor)
    save_checkpoint(path, trainer, tree, monitor)
    monitor.run(max_steps=6)
    before = monitor.state_dict()
    other, _ = make_run("ewc")  # a trainer of another strategy: its part of the checkpoint does not fit
    with pytest.raises(ConfigError, match="strategy"):
        load_checkpoint(path, other, tree, monitor)
    assert monitor.state_dict() == before  # the monitor, restored first, was put back
    # a monitor whose detectors cannot take the saved history: the trainer is left as it was too
    strict = Monitor(tree, trainer.evaluator(), {"eddm": make_detector("EDDM")}, batch_size=32,
                     adaptation="detect_only")
    kept = snapshot(trainer)
    with pytest.raises(ConfigError, match="error indicator"):
        load_checkpoint(path, trainer, tree, strict)
    assert_same(snapshot(trainer), kept)
    state = monitor.state_dict()
    state["rows"] = [{"value": 1.0}]  # rows without their check index
    with pytest.raises(ConfigError, match=r"monitor state.rows"):
        monitor.load_state_dict(state)
    assert monitor.state_dict() == before


def test_the_file_is_weights_only_and_holds_the_whole_run(tmp_path):
    trainer, tree = make_run()
    experience(trainer, tree)
    save_checkpoint(tmp_path / "run.ckpt", trainer, tree)
    state = torch.load(tmp_path / "run.ckpt", weights_only=True)
    assert state["stream"] == {"position": [2, 0], "seed": 1}
    assert set(state["trainer"]["strategy_state"]) == {"fisher", "anchor"}
    assert state["trainer"]["optimizer"]["state"] and set(state["buffers"]) == {"current", "memory"}


def test_a_failed_write_leaves_the_old_checkpoint(tmp_path, monkeypatch):
    trainer, tree = make_run()
    experience(trainer, tree)
    path = tmp_path / "run.ckpt"
    save_checkpoint(path, trainer, tree)
    old = path.read_bytes()

    def crash(state, file):
        file.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, trainer, tree)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["run.ckpt"]


def test_a_checkpoint_that_does_not_fit_changes_nothing(tmp_path):
    trainer, tree = make_run("replay")
    experience(trainer, tree)
    save_checkpoint(tmp_path / "replay.ckpt", trainer, tree)

    for other, path in [(make_run("ewc"), "trainer.strategy"),
                        (make_run("replay", memory_size=100), f"{tmp_path / 'replay.ckpt'}.buffers.memory")]:
        target, target_tree = other
        experience(target, target_tree)
        before = snapshot(target)
        with pytest.raises(ConfigError) as err:
            load_checkpoint(tmp_path / "replay.ckpt", target, target_tree)
        assert err.value.path.startswith(path)
        assert_same(snapshot(target), before)
        assert target_tree.update_step == 2

    target, _ = make_run("replay")
    with pytest.raises(ConfigError, match="seed"):
        load_checkpoint(tmp_path / "replay.ckpt", target, rotated_digits(seed=2))


def test_saving_while_a_background_episode_runs_is_an_error(tmp_path):
    gate = threading.Event()
    trainer, tree = make_run(background=True, on_progress=lambda progress: gate.wait(10))
    trainer.collector.collect_batch(dict(zip(("x", "y"), tree.batch(48), strict=False)))
    trainer.episode()
    try:
        with pytest.raises(ConfigError, match="running") as err:
            save_checkpoint(tmp_path / "run.ckpt", trainer, tree)
        assert err.value.path == "trainer"
    finally:
        gate.set()
    trainer.join(10)
    assert not (tmp_path / "run.ckpt").exists()
