"""The regime protocol of driftlab.training.Experiences: the experiences are the stream's true regimes,
the same whenever the episodes run, and R[t, j] is the model at the end of regime t on regime j."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from driftlab.errors import ConfigError
from driftlab.library import class_incremental_digits, rotated_digits
from driftlab.training import Batch, DigitsCNN, Evaluator, Experiences, Trainer
from driftlab.training.evaluation import regime_starts

STEPS = 8  # four regimes of two steps


def run_episodes(episode_steps, regime_steps=STEPS, seed=0):
    """A trainer on rotated digits (regimes of 2 steps) with one episode at each of ``episode_steps``."""
    tree = rotated_digits(seed=seed, regime_length=2, test_fraction=0.25)
    trainer = Trainer(DigitsCNN(seed=0, channels=(4, 8), hidden=16), "naive", "cpu", max_iter=20, batch_size=16,
                      lr=0.01, eval_samples=40, regime_steps=regime_steps, seed=0)
    for step in episode_steps:
        tree.set_update_step(step)
        trainer.collector.collect_batch(dict(zip(("x", "y"), tree.batch(64), strict=True)))
        trainer.episode(tree)
    return tree, trainer


def test_regime_starts_are_the_change_points_of_the_run():
    assert regime_starts(rotated_digits(seed=0, regime_length=2), STEPS) == [0, 2, 4, 6]
    assert regime_starts(class_incremental_digits(seed=0, regime_length=3), 9) == [0, 3, 6]
    assert regime_starts(rotated_digits(seed=0), 1) == [0]


def test_every_schedule_of_episodes_gets_the_same_experiences_and_evaluation_sets():
    _, early = run_episodes([0, 3, 5])  # alarm-like: late in a regime, none in the last
    _, oracle = run_episodes([1, 3, 5, 7])  # one at the end of each regime
    for trainer in (early, oracle):
        assert trainer.experiences.steps == [0, 2, 4, 6] and trainer.experiences.matrix.shape == (4, 4)
        assert not np.isnan(trainer.experiences.matrix).any()
    assert early.experiences.episode_steps == [0, 3, 5] and oracle.experiences.episode_steps == [1, 3, 5, 7]
    for a, b in zip(early.experiences.sets, oracle.experiences.sets, strict=True):
        assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    # regime j's set is the held-out draw at its first step
    tree = rotated_digits(seed=0, regime_length=2, test_fraction=0.25)
    tree.set_update_step(4)
    X, _ = tree.held_out(40)
    assert torch.equal(early.experiences.sets[2].x, torch.as_tensor(X, dtype=torch.float32))


def test_a_row_is_the_model_at_the_end_of_its_regime():
    _, trainer = run_episodes([3, 5])  # regimes 1 and 2; none in 0 or 3
    R, sets = trainer.experiences.matrix, trainer.experiences.sets
    evaluate = Evaluator(trainer.model)
    final = [evaluate.score(data)["accuracy"] for data in sets]
    untrained = [Evaluator(DigitsCNN(seed=0, channels=(4, 8), hidden=16)).score(data)["accuracy"] for data in sets]
    np.testing.assert_allclose(R[0], untrained)  # before the first episode: the model as given
    np.testing.assert_allclose(trainer.experiences.baseline, untrained)
    np.testing.assert_allclose(R[2], final)  # regime 2's episode is the last: it stands to the end
    np.testing.assert_allclose(R[3], final)
    assert not np.allclose(R[1], R[2])  # regime 1 ended with the model of the episode at step 3
    assert trainer.episodes[-1]["accuracy"] == R[2, 2]


def test_a_trainer_that_never_retrains_has_equal_rows_and_no_forgetting():
    _, trainer = run_episodes([0])
    R = trainer.experiences.matrix
    assert (R[0] == R).all()
    metrics = trainer.experiences.metrics()
    assert metrics["backward_transfer"] == 0.0 and metrics["forgetting_chaudhry"] == 0.0
    assert metrics["average_accuracy"] == pytest.approx(R[0].mean())


def test_the_regime_protocol_refuses_episode_experiences_and_state_of_the_other_protocol():
    _, trainer = run_episodes([0, 3])
    data = Batch(torch.zeros(2, 64), torch.tensor([0, 1]))
    with pytest.raises(ConfigError, match=r"trainer\.regime_steps"):
        trainer.experiences.add(0, data, 0.5, 0.5)
    state = trainer.experiences.state_dict()
    restored = Experiences(STEPS)
    restored.load_state_dict(state, torch.device("cpu"))
    np.testing.assert_array_equal(restored.matrix, trainer.experiences.matrix)
    assert restored.steps == [0, 2, 4, 6] and restored.episode_steps == [0, 3]
    with pytest.raises(ConfigError, match=r"trainer\.regime_steps"):
        Experiences().load_state_dict(state, torch.device("cpu"))
