"""Behaviour of driftlab.training's Trainer: episodes, memory hand-over, stop, background swap, devices,
reproducibility, evaluation over experiences, and the Monitor wiring; plus the ready models."""
from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest
import torch
from torch import nn

from driftlab.buffers import DataUser, ReservoirBuffer, SequentialBuffer
from driftlab.detectors import make_detector
from driftlab.errors import ConfigError
from driftlab.library import rotated_digits, time_series
from driftlab.monitor import Monitor
from driftlab.training import (MLP, STRATEGIES, Conv1dNet, DigitsCNN, Evaluator, Trainer, draw_experience,
                           init_parameters, resolve_device)
import itertools

CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="CUDA is not available")
no_cuda = pytest.mark.skipif(CUDA, reason="checks the error raised without CUDA")


def blobs(n, seed=0, start=0):
    """Two Gaussian classes in 4-D; feature 3 carries a running sample id from ``start``."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(0.0, 1.0, (n, 4)) + 2.0 * y[:, None]
    x[:, 3] = start + np.arange(n)
    return {"x": x, "y": y}


def small_trainer(strategy="naive", **settings):
    settings = {"device": "cpu", "max_iter": 5, "batch_size": 8, **settings}
    return Trainer(MLP(4, 2, hidden=(8,), seed=0), strategy, **settings)


def weights(model):
    return [p.detach().clone() for p in model.state_dict().values()]


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=False))


def ids(buffer):
    return buffer.get_data()["x"][:, 3].astype(int).tolist()


# -- settings and devices ----------------------------------------------------------------------


def test_settings_errors_name_trainer_fields():
    for settings, path in [({"max_iter": 0}, "trainer.max_iter"), ({"lr": 0.0}, "trainer.lr"),
                           ({"optimizer": "rmsprop"}, "trainer.optimizer"), ({"max_iters": 3}, "trainer.max_iters"),
                           ({"strategy": "rehearsal"}, "trainer.strategy"), ({"device": "tpu"}, "trainer.device")]:
        with pytest.raises(ConfigError) as err:
            small_trainer(**settings)
        assert err.value.path == path


@no_cuda
def test_cuda_without_cuda_is_a_config_error_naming_trainer_device():
    for spec in ("cuda", "cuda:0"):
        with pytest.raises(ConfigError, match="CUDA is not available") as err:
            small_trainer(device=spec)
        assert err.value.path == "trainer.device"
    assert resolve_device("auto") == torch.device("cpu")


def test_amp_is_off_by_default_and_fp16_needs_cuda():
    trainer = small_trainer()
    assert trainer.config.amp == "off" and trainer.precision == "fp32" and trainer.scaler is None
    for amp, match in [("fp8", "expected one of"), (True, "expected one of")] + ([] if CUDA else [("fp16", "CUDA")]):
        with pytest.raises(ConfigError, match=match) as err:
            small_trainer(amp=amp)
        assert err.value.path == "trainer.amp"


@needs_cuda
def test_auto_picks_cuda_and_a_missing_index_is_an_error():
    assert resolve_device("auto").type == "cuda"
    with pytest.raises(ConfigError, match="does not exist") as err:
        resolve_device(f"cuda:{torch.cuda.device_count()}")
    assert err.value.path == "trainer.device"


@needs_cuda
@pytest.mark.parametrize("amp", ["off", "bf16", "fp16"])
def test_cuda_episode_runs_for_every_strategy_and_amp(amp):
    if amp == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("no bf16 on this GPU")
    for strategy in STRATEGIES:
        trainer = small_trainer(strategy, device="cuda", amp=amp)
        for episode in range(2):
            trainer.collector.collect_batch(blobs(32, episode, 32 * episode))
            record = trainer.episode()
        assert trainer.precision == {"off": "fp32"}.get(amp, amp) and math.isfinite(record["loss"])
        assert next(trainer.inference_model.parameters()).device.type == "cuda"


# -- episodes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_every_strategy_trains_through_the_trainer_with_and_without_memory(strategy):
    trainer = small_trainer(strategy)
    for episode in range(2):  # the second episode has the first one's data in memory
        before = weights(trainer.model)
        trainer.collector.collect_batch(blobs(32, episode, 32 * episode))
        record = trainer.episode()
        assert record["memory_samples"] == 32 * episode and math.isfinite(record["loss"])
        assert not same(before, weights(trainer.model))


def test_same_seed_same_weights_and_the_seed_matters():
    runs = []
    for seed in (0, 0, 1):
        trainer = small_trainer("replay", seed=seed)
        for episode in range(2):
            trainer.collector.collect_batch(blobs(40, episode, 40 * episode))
            trainer.episode()
        runs.append(weights(trainer.model))
    assert same(runs[0], runs[1]) and not same(runs[0], runs[2])


def test_models_do_not_touch_torchs_global_generator_and_match_pytorchs_default_init():
    with torch.random.fork_rng():
        torch.manual_seed(5)
        state = torch.get_rng_state()
        models = [MLP(4, 3, hidden=(), seed=5), Conv1dNet(3, seed=5), DigitsCNN(seed=5)]
        assert torch.equal(torch.get_rng_state(), state)
        reference = nn.Linear(4, 3)  # PyTorch's own init from the global generator seeded 5
    assert torch.equal(models[0].net[0].weight, reference.weight) and torch.equal(models[0].net[0].bias, reference.bias)
    assert models[1](torch.zeros(2, 100)).shape == (2, 3) and models[2](torch.zeros(2, 64)).shape == (2, 10)
    assert same(weights(DigitsCNN(seed=5)), weights(models[2]))
    assert not same(weights(DigitsCNN(seed=6)), weights(models[2]))
    assert init_parameters(models[0], 5) is models[0]


def test_an_episode_trains_and_hands_current_data_to_memory():
    trainer = small_trainer(current=DataUser(SequentialBuffer(("x", "y"), 10)),
                            memory=SequentialBuffer(("x", "y"), 100))
    before = weights(trainer.model)
    trainer.collector.collect_batch(blobs(6, 0, start=0))
    record = trainer.episode()
    assert record["train_steps"] == 5 and not record["stopped"] and record["current_samples"] == 6
    assert not same(before, weights(trainer.model)) and same(weights(trainer.model), weights(trainer.inference_model))
    assert ids(trainer.memory) == [0, 1, 2, 3, 4, 5]
    trainer.collector.collect_batch(blobs(3, 1, start=6))  # the current buffer now holds 0..8
    trainer.episode()
    assert ids(trainer.memory) == list(range(9))  # only the new samples: no duplicates
    trainer.collector.collect_batch(blobs(15, 2, start=9))  # 9..13 leave the current buffer unseen
    record = trainer.episode()
    assert record["memory_samples"] == 9 and record["current_samples"] == 10
    assert ids(trainer.memory) == list(range(9)) + list(range(14, 24))


def test_stop_mid_episode_leaves_the_model_of_the_last_full_step_and_hands_nothing_over():
    data = blobs(20)

    def stop_at_3(progress):
        if progress.step == 3:
            stopper.stop()

    stopper = small_trainer(on_progress=stop_at_3, max_iter=50, log_every=1)
    reference = small_trainer(max_iter=3)
    for trainer in (stopper, reference):
        trainer.collector.collect_batch(data)
        record = trainer.episode()
    assert record["train_steps"] == 3 and not record["stopped"]
    stopped = stopper.episodes[-1]
    assert stopped["train_steps"] == 3 and stopped["stopped"]
    assert same(weights(stopper.model), weights(reference.model))
    assert same(weights(stopper.inference_model), weights(stopper.model))
    assert len(stopper.memory) == 0  # a stopped episode keeps its data current
    stopper.on_progress = None
    stopper.episode()
    assert len(stopper.memory) == 20


def test_progress_is_reported_every_step_with_log_every_1():
    seen = []
    trainer = small_trainer(on_progress=seen.append, log_every=1)
    trainer.collector.collect_batch(blobs(20))
    trainer.episode()
    assert [p.step for p in seen] == [1, 2, 3, 4, 5] and {p.max_iter for p in seen} == {5}
    assert all(p.losses == (p.loss,) for p in seen)
    assert all(math.isfinite(p.loss) for p in seen) and all(a.elapsed <= b.elapsed for a, b in itertools.pairwise(seen))
    assert trainer.progress == seen[-1]


@pytest.mark.parametrize("reset, steps", [(True, 3), (False, 6)])
def test_optimizer_state_is_reset_or_kept_between_episodes(reset, steps):
    trainer = small_trainer(max_iter=3, reset_optimizer=reset)
    trainer.collector.collect_batch(blobs(20))
    trainer.episode()
    first = trainer.optimizer
    trainer.episode()
    assert (trainer.optimizer is not first) == reset
    state = next(iter(trainer.optimizer.state.values()))
    assert int(state["step"]) == steps


def test_bad_buffers_and_missing_data_are_config_errors():
    with pytest.raises(ConfigError) as err:
        small_trainer(current=DataUser(ReservoirBuffer(("x", "y"), 10, seed=0)))
    assert err.value.path == "trainer.current"
    with pytest.raises(ConfigError) as err:
        small_trainer(memory=SequentialBuffer(("x", "label"), 10))
    assert err.value.path == "trainer.memory.fields"
    with pytest.raises(ConfigError, match=r"collector=trainer.collector") as err:
        small_trainer().episode()
    assert err.value.path == "trainer.current"


def test_string_labels_go_through_the_class_mapping():
    tree = time_series(seed=0, signal_length=160)
    trainer = Trainer(Conv1dNet(3, channels=(4,), seed=0), "naive", "cpu", classes=tree.classes, max_iter=2,
                      batch_size=8, eval_samples=16)
    trainer.collector.collect_batch(dict(zip(("x", "y"), tree.batch(16), strict=False)))
    assert trainer.episode(tree)["experience"] == 0
    with pytest.raises(ConfigError, match="'wave' is not one of the classes"):
        trainer.evaluator()(np.zeros((1, 160)), ["wave"])


# -- background training and the swap ----------------------------------------------------------


def test_background_episode_swaps_weights_in_only_when_it_ends():
    reached, gate = threading.Event(), threading.Event()

    def hold_at_2(progress):
        if progress.step == 2:
            reached.set()
            gate.wait(10)

    trainer = small_trainer(background=True, on_progress=hold_at_2, log_every=1)
    data = blobs(20)
    trainer.collector.collect_batch(data)
    before = weights(trainer.inference_model)
    assert trainer.episode() == {"background": True, "experience": None}
    try:
        assert reached.wait(10) and trainer.running
        assert same(weights(trainer.inference_model), before)  # monitoring still sees the old model
        assert not same(weights(trainer.model), before)
        assert trainer.episode() == {"skipped": "an episode is already running"}
        assert set(trainer.evaluator()(data["x"], data["y"])) == {"accuracy", "loss"}
    finally:
        gate.set()
    record = trainer.join(10)
    assert not trainer.running and record["train_steps"] == 5
    assert same(weights(trainer.inference_model), weights(trainer.model))


def test_a_background_episode_that_has_ended_swaps_in_only_at_join():
    """Never at a moment set by the clock: the caller's join() places the swap (the Monitor: at a fixed batch)."""
    trained = threading.Event()
    trainer = small_trainer(background=True, log_every=1,
                            on_progress=lambda p: trained.set() if p.step == p.max_iter else None)
    data = blobs(20)
    trainer.collector.collect_batch(data)
    before = weights(trainer.inference_model)
    trainer.episode()
    assert trained.wait(10)
    time.sleep(0.5)  # the training thread has long returned
    assert trainer.running and not trainer.episodes
    assert trainer.episode() == {"skipped": "an episode is already running"}
    assert same(weights(trainer.inference_model), before)
    record = trainer.join(10)
    assert record["train_steps"] == 5 and trainer.episodes == [record] and not trainer.running
    assert same(weights(trainer.inference_model), weights(trainer.model)) and not same(before, weights(trainer.model))


def test_background_errors_surface_in_join():
    def fail(progress):
        raise RuntimeError("boom")

    trainer = small_trainer(background=True, on_progress=fail)
    trainer.collector.collect_batch(blobs(20))
    trainer.episode()
    with pytest.raises(RuntimeError, match="boom"):
        trainer.join(10)
    assert trainer.error is None


def test_the_evaluator_waits_for_the_swap_lock():
    trainer = small_trainer()
    evaluate, data, out = trainer.evaluator(), blobs(10), []
    with trainer.lock:
        worker = threading.Thread(target=lambda: out.append(evaluate(data["x"], data["y"])))
        worker.start()
        worker.join(0.2)
        assert worker.is_alive() and not out
    worker.join(10)
    assert out


def test_evaluator_accuracy_and_loss_by_definition_in_any_batch_size():
    model = MLP(4, 2, hidden=(8,), seed=1)
    data = blobs(50)
    x, y = torch.as_tensor(data["x"], dtype=torch.float32), torch.as_tensor(data["y"])
    logits = model(x).detach()
    expected_accuracy = float((logits.argmax(1) == y).float().mean())
    expected_loss = float(nn.functional.cross_entropy(logits, y))
    for batch_size in (7, 1000):
        result = Evaluator(model, batch_size=batch_size)(data["x"], data["y"])
        assert result["accuracy"] == pytest.approx(expected_accuracy)
        assert result["loss"] == pytest.approx(expected_loss, rel=1e-5)


# -- experiences and the Monitor ---------------------------------------------------------------


def test_evaluation_sets_are_held_out_and_leave_the_live_stream_alone():
    tree, twin = rotated_digits(seed=3), rotated_digits(seed=3)
    for t in (tree, twin):
        t.update()
        t.batch(5)
    X, _y = draw_experience(tree, 12)
    assert np.array_equal(X, draw_experience(twin, 12)[0])  # the same set whenever it is drawn
    twin.set_update_step(1)
    assert not np.array_equal(X, twin.batch(12)[0])  # never the stream's own first batch
    reference = rotated_digits(seed=3)
    reference.update()
    reference.batch(5)
    assert tree.update_step == 1 and np.array_equal(tree.batch(5)[0], reference.batch(5)[0])  # the stream goes on


def test_experiences_fill_the_accuracy_matrix_by_definition():
    tree = rotated_digits(seed=0)
    trainer = Trainer(MLP(64, 10, hidden=(16,), seed=0), "replay", "cpu", max_iter=20, batch_size=16, eval_samples=64)
    for step in range(3):
        tree.set_update_step(4 * step)
        X, y = tree.batch(64)
        trainer.collector.collect_batch({"x": X, "y": y})
        evaluation = draw_experience(tree, 64)
        before = trainer.evaluator()(*evaluation)["accuracy"]
        untrained = Evaluator(MLP(64, 10, hidden=(16,), seed=0))(*evaluation)["accuracy"]
        record = trainer.episode(tree)
        R = trainer.experiences.matrix
        assert record["experience"] == step and R.shape == (step + 1, step + 1)
        assert trainer.experiences.baseline[step] == untrained
        if step:
            assert R[step - 1, step] == before
    for j, step in enumerate((0, 4, 8)):
        tree.set_update_step(step)
        assert R[2, j] == trainer.evaluator()(*tree.held_out(64))["accuracy"]
    assert trainer.experiences.steps == [0, 4, 8]
    assert record["accuracy"] == R[2, 2] and set(trainer.experiences.metrics()) <= set(record)


def test_monitor_adapts_through_the_trainer_by_hand_on_drift_and_periodically():
    for adaptation, detector in (("drift", make_detector("PageHinkley", min_instances=3, threshold=0.3,
                                                         delta=0.01, mode="down")), ("periodic", None)):
        tree = rotated_digits(seed=0, regime_length=2)  # rotation changes at steps 2 and 4
        trainer = Trainer(DigitsCNN(channels=(4, 8), hidden=16, seed=0), "replay", "cpu", max_iter=60,
                          batch_size=32, eval_samples=64, lr=3e-3)
        monitor = Monitor(tree, trainer.evaluator(), detector, batch_size=32, batches_per_step=3, period=4,
                          adapt=trainer.adapt, collector=trainer.collector, adaptation=adaptation)
        for _ in range(4):
            trainer.collector.collect_batch(dict(zip(("x", "y"), tree.batch(32), strict=False)))
        monitor.adapt_now("initial")
        monitor.run(max_steps=6)
        reasons = [(e["reason"], e["step"]) for e in monitor.episodes]
        steps = (2, 4) if adaptation == "drift" else (1, 2, 3, 5)  # alarms at the changes; every 4 checks
        expected = [(adaptation, k) for k in steps]
        assert reasons == [("initial", 0), *expected]
        assert [step for _, step in reasons] == trainer.experiences.steps and len(trainer.episodes) == len(reasons)
        recorded = {"accuracy", "average_accuracy", "forgetting_avalanche", "forgetting_chaudhry", "train_steps"}
        assert all(recorded <= set(e) for e in monitor.episodes)


@pytest.mark.parametrize("background", [False, True])
def test_a_nan_loss_stops_the_episode_with_a_clear_error(background):
    from driftlab.errors import TrainingError

    trainer = small_trainer(background=background)
    data = blobs(32)
    data["x"][5, 0] = np.nan
    trainer.collector.collect_batch(data)
    before = weights(trainer.model)
    with pytest.raises(TrainingError, match=r"^trainer: episode 0 stopped at step \d: the loss is nan"):
        trainer.episode()  # in the background, the error comes with join()
        trainer.join()
    assert same(weights(trainer.model), before) and len(trainer.memory) == 0  # nothing half-applied
    assert trainer.episodes[-1]["status"] == "failed" and trainer.status == "failed"


def test_episode_status_says_how_it_ended():
    trainer = small_trainer(max_iter=3, log_every=1)  # a progress report (and so a stop) after every step
    assert trainer.status == "idle"
    trainer.collector.collect_batch(blobs(32))
    assert trainer.episode()["status"] == "completed" and trainer.status == "completed"
    trainer.on_progress = lambda progress: trainer.stop()
    trainer.collector.collect_batch(blobs(32, start=32))
    assert trainer.episode()["status"] == "stopped" and trainer.status == "stopped"
