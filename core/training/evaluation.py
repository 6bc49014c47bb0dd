"""Evaluating a classifier: the Monitor's ``evaluate`` callable and the accuracy matrix over experiences.

>>> from driftlab.training.models import MLP
>>> evaluate = Evaluator(MLP(4, 3, hidden=(8,), seed=0))
>>> sorted(evaluate(np.zeros((10, 4)), np.zeros(10, dtype=int)))
['accuracy', 'loss']
"""
from __future__ import annotations

import bisect
import contextlib
import copy
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from driftlab.errors import ConfigError

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


def regime_starts(tree: Any, steps: int) -> list[int]:
    """The first step of each true regime among steps ``0 .. steps − 1``: ``[0, *tree.change_points(steps − 1)]``.

    >>> from driftlab.library import rotated_digits
    >>> regime_starts(rotated_digits(seed=0, regime_length=2), 8)
    [0, 2, 4, 6]
    """
    return [0, *tree.change_points(steps - 1)] if steps > 1 else [0]


class Experiences:
    """The evaluation sets of the experiences, and the accuracy matrix R over them.

    Two protocols, by ``regime_steps``:

    * ``None`` (episodes): experience i is the stream at update step ``steps[i]``, one per episode;
      its evaluation set is drawn once, by :func:`draw_experience`. When experience i arrives
      (:meth:`add`), the model so far gives R[i − 1, i] and an untrained model the baseline b[i];
      after training on it, :meth:`record` fills row i for every j <= i. Which experiences exist
      depends on when the episodes ran (alarms), so two runs' matrices need not be comparable.
    * ``K`` (regimes): the experiences are the true regimes of steps ``0 .. K − 1``
      (:func:`regime_starts`), the same for every run of the stream whatever triggers its
      episodes. Regime j's evaluation set is ``held_out`` at its first step, drawn at the first
      episode. R[t, j] is the accuracy on regime j of the model as it is at the end of regime t:
      after each episode (at a step of regime r) the model is scored on every regime and that row
      is written to rows r .. T − 1 (later episodes overwrite them; a regime without an episode
      keeps the model it inherited). Rows before the first episode are the model as given, which
      is also the baseline b. Steps from K on count to the last regime.

    See :mod:`driftlab.training.metrics` for the metrics.

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

    def __init__(self, regime_steps: int | None = None) -> None:
        self.regime_steps = regime_steps
        self.steps: list[int] = []  # per experience: the step it was drawn at (regimes: the regime's first step)
        self.sets: list[Batch] = []
        self.matrix = np.zeros((0, 0))
        self.baseline: list[float] = []
        self.episode_steps: list[int] = []  # regimes: the step of each episode
        self._last = -1  # regimes: the regime of the latest episode

    def __len__(self) -> int:
        return len(self.steps)

    def arrive(self, tree: Any, n_samples: int, to_batch: Callable[[Any, Any], Batch],
               current: Callable[[Batch], float], untrained: Callable[[Batch], float]) -> int:
        """An episode starts at ``tree.update_step``: register its experience and return its index.

        ``to_batch(X, y)`` makes an evaluation set, ``current`` and ``untrained`` score one with the
        model so far and the untrained model. Episodes: :meth:`add` of a new experience. Regimes: on
        the first call every regime's set is drawn (from a copy of the tree, which stays where it
        is) and scored; the index is the regime of the step.
        """
        if self.regime_steps is None:
            data = to_batch(*draw_experience(tree, n_samples))
            return self.add(tree.update_step, data, current(data), untrained(data))
        if not self.steps:
            self.steps = regime_starts(tree, self.regime_steps)
            probe = copy.deepcopy(tree)
            for start in self.steps:
                probe.set_update_step(start)
                self.sets.append(to_batch(*probe.held_out(n_samples)))
            self.baseline = [untrained(data) for data in self.sets]
            self.matrix = np.tile([current(data) for data in self.sets], (len(self.sets), 1))
        self.episode_steps.append(tree.update_step)
        self._last = bisect.bisect_right(self.steps, tree.update_step) - 1
        return self._last

    def add(self, step: int, data: Batch, before: float, untrained: float) -> int:
        """Register experience i at ``step`` with its evaluation set and accuracies R[i − 1, i] and b[i]
        (the episode protocol)."""
        if self.regime_steps is not None:
            raise ConfigError("trainer.regime_steps", "the experiences are the true regimes: use arrive(tree, ...)")
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
        """After an episode: episodes, fill row i (the last experience): R[i, j] = ``accuracy(set j)`` for
        j <= i; regimes, score every regime and write rows r .. T − 1 (r: the episode's regime). Returns row i or r."""
        if self.regime_steps is not None:
            self.matrix[self._last:] = [accuracy(data) for data in self.sets]
            return self.matrix[self._last]
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
                "y": [d.y.cpu() for d in self.sets], "regime_steps": self.regime_steps,
                "episode_steps": list(self.episode_steps), "last": self._last}

    def load_state_dict(self, state: dict[str, Any], device: torch.device) -> None:
        if state.get("regime_steps") != self.regime_steps:
            raise ConfigError("trainer.regime_steps", f"the state was saved with {state.get('regime_steps')!r}, "
                              f"this trainer has {self.regime_steps!r}")
        self.steps, self.baseline = list(state["steps"]), list(state["baseline"])
        self.episode_steps, self._last = list(state.get("episode_steps", [])), int(state.get("last", -1))
        self.matrix = state["matrix"].cpu().numpy().copy()
        self.sets = [Batch(x.to(device), y.to(device)) for x, y in zip(state["x"], state["y"], strict=False)]
