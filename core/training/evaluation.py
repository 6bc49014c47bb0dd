"""Evaluating a classifier: the Monitor's ``evaluate`` callable and the accuracy matrix over experiences.

>>> from driftlab.training.models import MLP
>>> evaluate = Evaluator(MLP(4, 3, hidden=(8,), seed=0))
>>> sorted(evaluate(np.zeros((10, 4)), np.zeros(10, dtype=int)))
['accuracy', 'loss']
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from .data import Batch, Labels, hits, task_loss
from .metrics import summary


class Evaluator:
    """``evaluate(X, y) -> {"accuracy": mean(argmax f(x) == y), "loss": mean cross-entropy}``.

    For a multi-label stream (``Labels(..., multi_label=True)``) the accuracy is the exact-match
    (subset) accuracy and the loss the mean binary cross-entropy (:func:`~driftlab.training.data.hits`,
    :func:`~driftlab.training.data.task_loss`).

    Rows go through the model ``batch_size`` at a time under ``torch.no_grad``, on the model's
    device, with the model as it is (a trainer's inference copy is in eval mode). The input goes to
    the device in one asynchronous copy (:func:`~driftlab.training.data.to_device`); the per-chunk
    counts and summed losses stay there and are read to the host once per call (one device sync),
    then added up in float64 in chunk order. With a ``lock``,
    every forward pass holds it: a trainer that swaps weights in under the same lock is never seen
    half-way. ``labels`` maps stream labels to class indices (see :class:`~driftlab.training.data.Labels`).

    A model fed zeros answers one class for every row, so it is right on half of these:

    >>> from driftlab.training.models import MLP
    >>> evaluate = Evaluator(MLP(4, 2, hidden=(8,), seed=0), labels=["no", "yes"], batch_size=4)
    >>> evaluate(np.zeros((6, 4)), ["no", "yes"] * 3)["accuracy"]
    0.5
    """

    def __init__(self, model: nn.Module, labels: Labels | Sequence[Any] | None = None, *,
                 batch_size: int = 1024, lock: threading.Lock | None = None):
        self.model = model
        self.labels = labels if isinstance(labels, Labels) else Labels(labels)
        self.batch_size = batch_size
        self.lock = lock

    def __call__(self, X: Any, y: Any) -> dict[str, float]:
        device = next(self.model.parameters()).device
        return self.score(Batch.from_data({"x": X, "y": y}, self.labels, device))

    def score(self, data: Batch) -> dict[str, float]:
        """Accuracy and mean cross-entropy on ``data`` (tensors on the model's device)."""
        sums = []  # per chunk (correct, summed loss), on the device: read to the host once, at the end
        with self.lock or contextlib.nullcontext(), torch.no_grad():
            for start in range(0, len(data), self.batch_size):
                x, y = data.x[start:start + self.batch_size], data.y[start:start + self.batch_size]
                logits = self.model(x)
                correct = hits(logits, y).sum().double()
                sums.append(torch.stack([correct, task_loss(logits.float(), y, reduction="sum").double()]))
        rows = torch.stack(sums).tolist() if sums else []
        n = max(len(data), 1)
        return {"accuracy": sum(int(c) for c, _ in rows) / n, "loss": sum((loss for _, loss in rows), 0.0) / n}


def draw_experience(tree: Any, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """The evaluation set of the tree's current step: ``tree.held_out(n_samples)``.

    Held-out samples have their own seed, so an evaluation set never repeats a batch the model
    was monitored or trained on, and drawing it leaves the live stream where it was.
    """
    return tree.held_out(n_samples)


class Experiences:
    """The evaluation sets of the experiences trained on so far, and the accuracy matrix R over them.

    Experience i is the stream at update step ``steps[i]`` (one per episode); its evaluation set is
    drawn once, by :func:`draw_experience`. When experience i arrives (:meth:`add`), the model so
    far gives R[i − 1, i] and an untrained model the baseline b[i]; after training on it,
    :meth:`record` fills row i for every j <= i. See :mod:`driftlab.training.metrics` for the metrics.

    >>> experiences, data = Experiences(), Batch(torch.zeros(2, 1), torch.tensor([0, 1]))
    >>> experiences.add(0, data, before=0.5, untrained=0.5), experiences.record(lambda data: 1.0)
    (0, array([1.]))
    >>> experiences.add(4, data, before=0.75, untrained=0.5), experiences.record(lambda data: 0.5)
    (1, array([0.5, 0.5]))
    >>> experiences.matrix
    array([[1.  , 0.75],
           [0.5 , 0.5 ]])
    >>> metrics = experiences.metrics()
    >>> metrics["forgetting_avalanche"], metrics["forgetting_chaudhry"], metrics["forward_transfer"]
    (0.5, 0.5, 0.25)
    """

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.sets: list[Batch] = []
        self.matrix = np.zeros((0, 0))
        self.baseline: list[float] = []

    def __len__(self) -> int:
        return len(self.steps)

    def add(self, step: int, data: Batch, before: float, untrained: float) -> int:
        """Register experience i at ``step`` with its evaluation set and accuracies R[i − 1, i] and b[i]."""
        i = len(self.steps)
        self.steps.append(step)
        self.sets.append(data)
        self.baseline.append(untrained)
        grown = np.full((i + 1, i + 1), np.nan)
        grown[:i, :i] = self.matrix
        if i:
            grown[i - 1, i] = before
        self.matrix = grown
        return i

    def record(self, accuracy: Callable[[Batch], float]) -> np.ndarray:
        """Fill row i (the last experience): R[i, j] = ``accuracy(set j)`` for j <= i; returns the row."""
        i = len(self.steps) - 1
        self.matrix[i, : i + 1] = [accuracy(data) for data in self.sets]
        return self.matrix[i]

    def metrics(self) -> dict[str, float]:
        """:func:`~driftlab.training.metrics.summary` of the matrix so far: average accuracy, both forgettings
        (``forgetting_avalanche``: R[j,j] − R[t,j]; ``forgetting_chaudhry``: max_{j<=l<t} R[l,j] − R[t,j]),
        backward and forward transfer."""
        return summary(self.matrix, self.baseline)

    def state_dict(self) -> dict[str, Any]:
        return {"steps": list(self.steps), "matrix": torch.from_numpy(self.matrix.copy()),
                "baseline": list(self.baseline), "x": [d.x.cpu() for d in self.sets],
                "y": [d.y.cpu() for d in self.sets]}

    def load_state_dict(self, state: dict[str, Any], device: torch.device) -> None:
        self.steps, self.baseline = list(state["steps"]), list(state["baseline"])
        self.matrix = state["matrix"].cpu().numpy().copy()
        self.sets = [Batch(x.to(device), y.to(device)) for x, y in zip(state["x"], state["y"], strict=False)]
