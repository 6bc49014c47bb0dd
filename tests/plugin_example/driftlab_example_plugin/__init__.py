"""An example driftlab plugin: a drift detector and a training strategy, registered by entry points.

Installing this package (``pip install ./tests/plugin_example``) makes ``Floor`` usable under
``detectors:`` and ``smoothed`` under ``trainer.strategy`` in any scenario file, lists them in
``driftlab list`` and in the dashboard's menus, with no change to driftlab: its pyproject.toml
declares them in the entry point groups ``driftlab.detectors`` and ``driftlab.strategies``.
"""
from __future__ import annotations

import numpy as np
import param
import torch
import torch.nn.functional as F

from driftlab.detectors import DriftDetector
from driftlab.training.strategies import Strategy


class Floor(DriftDetector):
    """Alarms on every value below ``floor`` (an accuracy that falls too low). statistic = the value.

    >>> Floor(floor=0.5).update_many([0.9, 0.4, 0.8, 0.3])
    array([1, 3])
    """

    __slots__ = ("_floor",)
    _positional = ("floor",)

    floor = param.Number(0.5, bounds=(0, 1), constant=True, doc="values below this raise an alarm")

    def _configure(self):
        self._floor = self.floor

    def update(self, x) -> None:
        self._statistic = float(x)
        self._drift = self._statistic < self._floor

    def _scan(self, x, trace):
        below = np.flatnonzero(x < self._floor)
        used = int(below[0]) + 1 if below.size else x.size
        self._statistic, self._drift = float(x[used - 1]), bool(below.size)
        return used, x[:used].copy(), None


class Smoothed(Strategy):
    """Fine-tuning with label smoothing: loss = CE(current batch) with targets (1 − s)·onehot + s/K."""

    type_name = "smoothed"
    smoothing = param.Number(0.1, bounds=(0, 1), doc="the probability mass spread over every class")

    def loss(self, model, current, memory) -> torch.Tensor:
        return F.cross_entropy(model(current.x), current.y, label_smoothing=self._v.smoothing)
