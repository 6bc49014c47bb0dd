"""Control arms for experiments: NoDrift (never alarms) and Periodic (alarms on a fixed clock)."""
from __future__ import annotations

import numpy as np
import param

from .base import DriftDetector


class NoDrift(DriftDetector):
    """Control arm that never raises an alarm (river's ``drift.NoDrift``). statistic = 0.

    >>> NoDrift().update_many([0.0, 5.0, 100.0])
    array([], dtype=int64)
    """

    def update(self, x) -> None:
        pass

    def _scan(self, x, trace):
        return x.size, np.zeros(x.size), None


class Periodic(DriftDetector):
    """Control arm that raises an alarm every ``period`` values, whatever they are.

    The same alarms as river's ``drift.DummyDriftDetector(t_0=period)``.
    statistic = values since the last alarm.

    >>> Periodic(period=3).update_many([0.0] * 10)
    array([2, 5, 8])
    """

    __slots__ = ('_n', '_period')
    _positional = ("period",)

    period = param.Integer(300, bounds=(1, None), constant=True, doc="Values between two alarms.")

    def _configure(self):
        self._period = self.period

    def reset(self) -> None:
        super().reset()
        self._n = 0

    def update(self, x) -> None:
        if self._drift:
            self.reset()
        self._n += 1
        self._statistic = float(self._n)
        self._drift = self._n >= self._period

    def _run(self, x, trace):
        # values since the last alarm go on from _n (from 0 after an alarm) and wrap after period
        start = 0 if self._drift else self._n
        alarms = np.arange(self._period - start - 1, x.size, self._period)
        if x.size:
            self._n = (start + x.size - 1) % self._period + 1
            self._statistic, self._drift = float(self._n), self._n == self._period
        if not trace:
            return alarms, np.zeros(0), np.zeros(0, bool)
        return alarms, ((start + np.arange(x.size)) % self._period + 1).astype(float), np.zeros(x.size, bool)
