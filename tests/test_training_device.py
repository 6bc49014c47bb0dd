"""The trainer's device path, checked on the CPU: no per-step reads of device values to the host, one
non-blocking index copy per step, one read per evaluation, mixed precision, and results that stay
those of the reference implementation (losses and accuracy matrices pinned from before this path).

A read to the host is a call of ``Tensor.item``/``tolist``/``cpu``/``numpy`` or ``float``/``int``/``bool`` of a
tensor: on a GPU each one waits for the device. The counters wrap the real methods (and call them)
only inside a test.
"""
from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np
import pytest
import torch

from driftlab.errors import ConfigError
from driftlab.library import rotated_digits
from driftlab.training import MLP, STRATEGIES, Evaluator, Trainer
from test_benchmarks import load_benchmark

READS = ("item", "tolist", "cpu", "numpy", "__float__", "__int__", "__bool__", "__index__")


@contextmanager
def counting(names, monkeypatch):
    """Count calls of the Tensor methods ``names`` (the real ones run); yields {name: [call kwargs]}."""
    calls = {name: [] for name in names}
    with monkeypatch.context() as patch:
        for name in names:
            real = getattr(torch.Tensor, name)

            def wrapper(self, *args, _real=real, _name=name, **kwargs):
                calls[_name].append(kwargs)
                return _real(self, *args, **kwargs)

            patch.setattr(torch.Tensor, name, wrapper)
        yield calls


def digits_trainer(strategy="naive", **settings):
    tree = rotated_digits(seed=4, regime_length=2)
    settings = {"max_iter": 4, "batch_size": 12, "eval_samples": 30, "seed": 9, **settings}
    return Trainer(MLP(64, 10, hidden=(16,), seed=2), strategy, "cpu", **settings), tree


def collect(trainer, tree, n=40):
    trainer.collector.collect_batch(dict(zip(("x", "y"), tree.batch(n), strict=True)))


# -- no per-step host reads --------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_an_episode_reads_the_device_once_per_log_every_steps(strategy, monkeypatch):
    """N steps read device values to the host at most ceil(N / log_every) times, plus a constant for the
    episode's start and end (EWC's Fisher, the weight swap); the second episode trains with memory."""
    steps, log_every = 30, 10
    # SGD: torch's Adam reads its step counters with .item(), host tensors on every device (not device syncs)
    trainer, tree = digits_trainer(strategy, max_iter=steps, log_every=log_every, optimizer="sgd")
    collect(trainer, tree)
    trainer.episode()  # fills the memory: the next episode runs the strategy's memory term
    collect(trainer, tree)
    with counting(READS, monkeypatch) as calls:
        record = trainer.episode()
    reads = sum(len(c) for c in calls.values())
    assert record["train_steps"] == steps and record["memory_samples"] > 0
    assert reads <= math.ceil(steps / log_every) + 2, {name: len(c) for name, c in calls.items() if c}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="torch's sync debug mode needs CUDA")
@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_on_cuda_an_episode_synchronizes_once_per_log_every_steps(strategy):
    """The same rule measured by torch on a GPU: synchronizing CUDA operations during an episode (Adam
    included, its step counters being host tensors) are at most ceil(N / log_every) plus the episode's
    start and end."""
    steps, log_every = 30, 10
    tree = rotated_digits(seed=4, regime_length=2)
    trainer = Trainer(MLP(64, 10, hidden=(16,), seed=2), strategy, "cuda", max_iter=steps, batch_size=12,
                      log_every=log_every)
    collect(trainer, tree)
    trainer.episode()
    collect(trainer, tree)
    assert load_benchmark("gpu").device_syncs(trainer, steps) <= math.ceil(steps / log_every) + 3


def test_log_every_changes_when_losses_are_read_not_what_they_are():
    runs = {}
    for log_every in (1, 4, 100):
        seen = []
        trainer, tree = digits_trainer("replay", max_iter=10, log_every=log_every, on_progress=seen.append)
        for _ in range(2):
            collect(trainer, tree)
            record = trainer.episode(tree)
        runs[log_every] = (seen, record, trainer.model.state_dict())
    assert [p.step for p in runs[4][0]] == [4, 8, 10, 4, 8, 10]
    assert [len(p.losses) for p in runs[4][0]] == [4, 4, 2, 4, 4, 2]
    assert [p.step for p in runs[100][0]] == [10, 10]  # after the last step, whatever log_every is
    flat = {k: [loss for p in seen for loss in p.losses] for k, (seen, _, _) in runs.items()}
    assert flat[1] == flat[4] == flat[100] and len(flat[1]) == 20
    assert runs[1][1]["loss"] == runs[4][1]["loss"] == flat[1][-1]
    for name, tensor in runs[1][2].items():
        assert torch.equal(tensor, runs[4][2][name]) and torch.equal(tensor, runs[100][2][name])


def test_a_stopped_episode_reports_the_steps_it_ran():
    seen = []
    trainer, tree = digits_trainer(max_iter=50, log_every=3)

    def stop_at_6(progress):
        seen.append(progress)
        if progress.step >= 6:
            trainer.stop()

    trainer.on_progress = stop_at_6
    collect(trainer, tree)
    record = trainer.episode()
    assert [p.step for p in seen] == [3, 6] and record["train_steps"] == 6 and record["stopped"]
    assert record["loss"] == seen[-1].losses[-1]


def test_each_step_moves_its_indices_in_one_non_blocking_copy(monkeypatch):
    """The copies to the device that an episode makes grow by exactly one non-blocking copy per step."""
    counts = {}
    for steps in (5, 12):
        trainer, tree = digits_trainer("replay", max_iter=steps)
        collect(trainer, tree)
        trainer.episode()
        collect(trainer, tree)
        with counting(["to"], monkeypatch) as calls:
            trainer.episode()
        counts[steps] = (len(calls["to"]), sum(kwargs.get("non_blocking") is True for kwargs in calls["to"]))
    assert counts[12][0] - counts[5][0] == 7 and counts[12][1] - counts[5][1] == 7


def test_the_evaluator_reads_the_device_once_per_call(monkeypatch):
    model, tree = MLP(64, 10, hidden=(16,), seed=0), rotated_digits(seed=0)
    X, y = tree.batch(50)
    evaluate = Evaluator(model, batch_size=7)  # 8 chunks
    with counting(READS, monkeypatch) as calls:
        result = evaluate(X, y)
    assert sum(len(c) for c in calls.values()) == 1
    with torch.no_grad():
        logits = model(torch.as_tensor(X, dtype=torch.float32))
    target = torch.as_tensor(y)
    assert result["accuracy"] == pytest.approx(float((logits.argmax(1) == target).double().mean()))
    assert result["loss"] == pytest.approx(float(torch.nn.functional.cross_entropy(logits, target)), rel=1e-6)


# -- mixed precision -----------------------------------------------------------------------------------


def test_bad_amp_values_name_trainer_amp():
    for amp in ("fp8", "on", None):
        with pytest.raises(ConfigError) as err:
            digits_trainer(amp=amp)
        assert err.value.path == "trainer.amp"


def test_bf16_runs_the_losses_under_cpu_autocast_and_off_does_not():
    dtypes = {}
    for amp in ("off", "bf16"):
        trainer, tree = digits_trainer("ewc", amp=amp, max_iter=3)
        seen = []
        trainer.model.net[0].register_forward_hook(lambda module, args, out, seen=seen: seen.append(out.dtype))
        for _ in range(2):
            collect(trainer, tree)
            record = trainer.episode(tree)
        assert math.isfinite(record["loss"]) and trainer.precision == {"off": "fp32"}.get(amp, amp)
        assert next(trainer.model.parameters()).dtype == torch.float32  # autocast leaves the weights fp32
        dtypes[amp] = set(seen[:3])  # the first episode's training steps
    assert dtypes == {"off": {torch.float32}, "bf16": {torch.bfloat16}}


# -- the same results as the reference implementation ----------------------------------------------------

# Per-step losses and accuracy matrices of three experiences of 4 steps each, measured with the trainer as
# it was before the device path (one loss read per step): MLP(64, 10, hidden=(16,), seed=2), rotated
# digits of seed 4, batch 12, seed 9, torch's CPU kernels. The first episode has no memory: all agree there.
FIRST = [2.3314197063446045, 2.2819271087646484, 2.255228281021118, 2.2742350101470947]
PINNED = {
    "naive": ([2.340987205505371, 2.2805254459381104, 2.255275011062622, 2.3254029750823975, 2.3132288455963135,
               2.2618916034698486, 2.294389486312866, 2.2626397609710693],
              [[4, 4, None], [4, 4, 3], [3, 6, 5]]),
    "replay": ([2.2766170501708984, 2.27992844581604, 2.2576537132263184, 2.327272653579712, 2.2998080253601074,
                2.262892484664917, 2.299363613128662, 2.28062105178833],
               [[4, 4, None], [4, 4, 3], [3, 5, 5]]),
    "ewc": ([2.262471914291382, 2.2992970943450928, 2.2416317462921143, 2.2877156734466553, 2.3217179775238037,
             2.3125553131103516, 2.2612829208374023, 2.257195234298706],
            [[4, 4, None], [3, 6, 3], [3, 6, 4]]),
    "jvp": ([2.340987205505371, 2.255373239517212, 2.280123710632324, 2.2881453037261963, 2.2525691986083984,
             2.334827184677124, 2.3142848014831543, 2.3629863262176514],
            [[4, 4, None], [4, 4, 4], [3, 5, 3]]),
    "jvp_lookahead": ([4.635450839996338, 4.5775604248046875, 4.499725818634033, 4.541065692901611,
                       4.522829532623291, 4.646168231964111, 4.602333068847656, 4.647065162658691],
                      [[4, 4, None], [4, 4, 4], [2, 5, 4]]),
}


@pytest.mark.parametrize("strategy", list(PINNED))
def test_same_seed_same_losses_and_accuracy_matrix_as_the_reference(strategy):
    seen = []
    trainer, tree = digits_trainer(strategy, log_every=3, on_progress=seen.append)
    for _ in range(3):
        collect(trainer, tree)
        trainer.episode(tree)
        tree.update()
        tree.update()
    losses, correct = PINNED[strategy]
    assert [loss for p in seen for loss in p.losses] == pytest.approx(FIRST + losses, rel=1e-5)
    expected = np.array([[np.nan if c is None else c / 30 for c in row] for row in correct])
    np.testing.assert_allclose(trainer.experiences.matrix, expected, atol=1e-12)
