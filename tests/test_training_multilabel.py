"""Multi-label streams in training: multi-hot targets, BCE in every strategy, exact-match accuracy."""
from __future__ import annotations

import collections
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from driftlab.cli import main
from driftlab.errors import ConfigError
from driftlab.scenario import load_scenario
from driftlab.training import MLP, Batch, Evaluator, Labels, Trainer
from driftlab.training.data import hits, task_loss
from driftlab.training.strategies import empirical_fisher

SCENARIO = Path(__file__).parent / "scenarios" / "multi_label.yaml"
STRATEGIES = ["naive", "replay", "ewc", "jvp", "jvp_reg", "jvp_lookahead"]


def multi_label_tree():
    return load_scenario(SCENARIO).build_tree()


def test_the_scenario_builds_a_multi_label_tree_whose_labels_are_sets():
    tree = multi_label_tree()
    assert tree.multi_label and tree.classes == ["ramp", "step"]
    _, y = tree.batch(400)
    assert set(y) == {(), ("ramp",), ("step",), ("ramp", "step")}


def test_multi_hot_encoding_follows_the_classes_and_names_the_field():
    labels = Labels(["ramp", "step"], multi_label=True)
    np.testing.assert_array_equal(labels.encode([("step", "ramp"), (), ("ramp",)]), [[1, 1], [0, 0], [1, 0]])
    with pytest.raises(ConfigError, match=r"^data\.y: label 'wave' is not one of the classes"):
        labels.encode([("wave",)], "data.y")
    with pytest.raises(ConfigError, match=r"^y: expected a tuple of labels per sample"):
        labels.encode(["ramp"])
    with pytest.raises(ConfigError, match=r"^trainer\.classes: a multi-label stream needs its classes"):
        Trainer(MLP(4, 2, seed=0), device="cpu", multi_label=True)


def test_task_loss_is_bce_with_logits_per_label_and_hits_are_exact_matches():
    logits = torch.tensor([[2.0, -1.0, 0.5], [-0.5, 0.3, -2.0]])
    y = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    by_hand = -(y * torch.log(torch.sigmoid(logits)) + (1 - y) * torch.log(1 - torch.sigmoid(logits)))
    torch.testing.assert_close(task_loss(logits, y), by_hand.mean())
    torch.testing.assert_close(task_loss(logits, y, reduction="sum"), by_hand.mean(1).sum())
    assert hits(logits, y).tolist() == [True, False]  # row 2 predicts label 1, which it lacks
    identity = torch.nn.Linear(3, 3)
    with torch.no_grad():
        identity.weight.copy_(torch.eye(3))
        identity.bias.zero_()
    evaluate = Evaluator(identity, Labels(["a", "b", "c"], multi_label=True))
    scores = evaluate(logits.numpy(), [("a", "c"), ()])
    assert scores["accuracy"] == 0.5
    assert scores["loss"] == pytest.approx(by_hand.mean().item(), rel=1e-6)


def test_empirical_fisher_of_multi_hot_targets_is_the_mean_squared_per_sample_bce_gradient():
    model = MLP(3, 2, hidden=(4,), seed=0)
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(1))
    y = torch.tensor([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    fisher = empirical_fisher(model, Batch(x, y), chunk_size=2)
    expected = {name: torch.zeros_like(p) for name, p in model.named_parameters()}
    for i in range(5):
        model.zero_grad()
        F.binary_cross_entropy_with_logits(model(x[i:i + 1]), y[i:i + 1]).backward()
        for name, p in model.named_parameters():
            expected[name] += p.grad.pow(2) / 5
    for name in expected:
        torch.testing.assert_close(fisher[name], expected[name])


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_trains_a_multi_label_stream_loss_falls_accuracy_beats_the_best_constant(strategy):
    tree = multi_label_tree()
    trainer = Trainer(MLP(32, 2, hidden=(16,), seed=0), strategy, "cpu", classes=tree.classes, multi_label=True,
                      max_iter=80, batch_size=32, lr=0.01, eval_samples=256, log_every=80, threads=1)
    losses = []
    trainer.on_progress = lambda progress: losses.extend(progress.losses)
    for step in range(2):  # two experiences: the second has a memory (replay, jvp*) and an EWC anchor
        if step:
            tree.update()
        trainer.collector.collect_batch(dict(zip(("x", "y"), tree.batch(256), strict=True)))
        record = trainer.episode(tree)
    assert record["status"] == "completed" and record["memory_samples"] == 256
    first = losses[:80]
    assert np.mean(first[-10:]) < 0.6 * np.mean(first[:10])  # BCE starts near ln 2 and falls
    X, y = tree.held_out(512)
    best_constant = max(collections.Counter(y).values()) / len(y)  # always answering the most common set
    accuracy = trainer.evaluator()(X, y)["accuracy"]
    assert accuracy > best_constant + 0.15, (accuracy, best_constant)


def test_a_multi_label_trainer_is_reproducible():
    def run():
        tree = multi_label_tree()
        trainer = Trainer(MLP(32, 2, hidden=(8,), seed=0), "replay", "cpu", classes=tree.classes, multi_label=True,
                          max_iter=10, batch_size=16, eval_samples=64, threads=1)
        for _ in range(2):
            trainer.collector.collect_batch(dict(zip(("x", "y"), tree.batch(64), strict=True)))
            trainer.episode(tree)
            tree.update()
        return trainer.experiences.matrix, trainer.model.state_dict()

    (first, weights), (again, weights_again) = run(), run()
    np.testing.assert_array_equal(first, again)
    assert all(torch.equal(weights[k], weights_again[k]) for k in weights)


def test_driftlab_run_runs_the_multi_label_scenario_end_to_end(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(SCENARIO), "--out", str(out), "--quiet", "--set", "monitor.max_steps=3"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["episodes"] >= 1
    matrix = pd.read_csv(out / "accuracy_matrix.csv", index_col=0).to_numpy()
    assert np.nanmin(matrix) > 0.5  # exact-match accuracy; the most common label set is 40 % of samples
    assert "multi_label: true" in (out / "scenario.yaml").read_text()
