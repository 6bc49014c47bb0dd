"""Cumulative-sum tests for a change in the mean of real values: PageHinkley and CUSUM."""
from __future__ import annotations

import math

import numpy as np
import param

from ..errors import ConfigError
from ._compiled import kernel, run_kernel
from .base import DriftDetector


class PageHinkley(DriftDetector):
    """Page-Hinkley test for a change in the mean: river's ``drift.PageHinkley``, re-implemented, compiled.

    With x̄_t the mean of the values since the last reset (U_0 = L_0 = 0),
        U_t = alpha·U_{t−1} + (x_t − x̄_t − delta),    L_t = alpha·L_{t−1} + (x_t − x̄_t + delta),
        statistic = max(U_t − min_{j≤t} U_j,  max_{j≤t} L_j − L_t)
    (mode "up" keeps the first term, "down" the second). Drift when statistic > threshold, once
    t ≥ min_instances.

    >>> import numpy as np
    >>> rng = np.random.default_rng(42)
    >>> stream = np.concatenate([rng.normal(0, 1, 1000), rng.normal(4, 1, 1000)])
    >>> PageHinkley().update_many(stream)
    array([1008, 1920])
    """

    __slots__ = (
        '_alpha',
        '_delta',
        '_down',
        '_down_max',
        '_min_instances',
        '_mode',
        '_n',
        '_threshold',
        '_total',
        '_up',
        '_up_min',
    )
    _positional = ("min_instances", "delta", "threshold", "alpha", "mode")

    min_instances = param.Integer(30, bounds=(0, None), constant=True,
                                  doc="Values (since the last reset) before an alarm is possible.")
    delta = param.Number(0.005, bounds=(0, None), constant=True, doc="Change tolerated per value.")
    threshold = param.Number(50.0, bounds=(0, None), constant=True, doc="Alarm when the statistic exceeds this.")
    alpha = param.Number(1 - 0.0001, bounds=(0, 1), inclusive_bounds=(False, True), constant=True,
                         doc="Forgetting factor of the cumulative sums.")
    mode: param.Selector[str] = param.Selector(default="both", objects=["up", "down", "both"], constant=True,
                                               doc="Watch for increases, decreases or both.")

    def _configure(self):
        self._min_instances, self._threshold = self.min_instances, self.threshold
        self._delta, self._alpha, self._mode = self.delta, self.alpha, self.mode

    def reset(self) -> None:
        super().reset()
        self._n, self._total = 0, 0.0
        self._up = self._down = 0.0
        self._up_min, self._down_max = math.inf, -math.inf

    def update(self, x) -> None:
        if self._drift:
            self.reset()
        n = self._n = self._n + 1
        self._total += x
        deviation = x - self._total / n
        up = self._up = self._alpha * self._up + (deviation - self._delta)
        down = self._down = self._alpha * self._down + (deviation + self._delta)
        if up < self._up_min:
            self._up_min = up
        if down > self._down_max:
            self._down_max = down
        rise, fall = up - self._up_min, self._down_max - down
        self._statistic = rise if self._mode == "up" else fall if self._mode == "down" else max(rise, fall)
        self._drift = n >= self._min_instances and self._statistic > self._threshold

    _kernel_state = ('_drift', '_statistic', '_n', '_total', '_up', '_down', '_up_min', '_down_max')

    def _run(self, x, trace):
        return run_kernel(self, self._kernel_state, _page_hinkley, x, trace, self._min_instances, self._delta,
                          self._threshold, self._alpha, self._mode != "down", self._mode != "up")


@kernel
def _page_hinkley(x, state, min_instances, delta, threshold, alpha, watch_up, watch_down, trace):
    """PageHinkley.update over ``x``; ``state`` as PageHinkley._kernel_state; watch_up/down by the mode."""
    drift, statistic, n, total, up, down, up_min, down_max = (
        state[0] != 0, state[1], int(state[2]), state[3], state[4], state[5], state[6], state[7])
    alarms, found = np.empty(x.size, np.int64), 0
    statistics = np.empty(x.size if trace else 0)
    for i in range(x.size):
        if drift:
            drift, statistic, n, total, up, down, up_min, down_max = False, 0.0, 0, 0.0, 0.0, 0.0, np.inf, -np.inf
        n += 1
        total += x[i]
        deviation = x[i] - total / n
        up = alpha * up + (deviation - delta)
        down = alpha * down + (deviation + delta)
        if up < up_min:
            up_min = up
        if down > down_max:
            down_max = down
        rise, fall = up - up_min, down_max - down
        if not watch_down:  # mode "up": the statistic is the rise (copying is ~4x faster than a branch on mode)
            fall = rise
        if not watch_up:  # mode "down": the fall
            rise = fall
        statistic = fall if fall > rise else rise  # Python's max
        drift = n >= min_instances and statistic > threshold
        if drift:
            alarms[found], found = i, found + 1
        if trace:
            statistics[i] = statistic
    state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7] = (
        drift, statistic, n, total, up, down, up_min, down_max)
    return alarms[:found], statistics, np.zeros(statistics.size, np.bool_)


class CUSUM(DriftDetector):
    """Two-sided tabular CUSUM (Page, 1954) for a shift of the mean away from mu_0; river has no CUSUM.

        S⁺_t = max(0, S⁺_{t−1} + x_t − mu_0 − k),    S⁻_t = max(0, S⁻_{t−1} + mu_0 − x_t − k),
        statistic = max(S⁺_t, S⁻_t);    drift when statistic > h.

    k (the allowance) and h (the decision interval) are in the units of x; for data with standard
    deviation σ the textbook choice is k = σ/2 and h = 4σ to 5σ. With mu_0=None, mu_0 is the mean of
    the first ``warmup`` values after each reset (the sums start after them). The sums are computed
    as S_t = C_t − min(0, min_{j≤t} C_j), C_t the running sum of the increments: Lindley's closed
    form of the same recursion.

    >>> cusum = CUSUM(mu_0=0.0, k=0.5, h=2.0)
    >>> for x in [1.0, 2.0, -1.0, 1.5, 3.0]:
    ...     cusum.update(x)
    ...     print(cusum.statistic, cusum.drift_detected)
    0.5 False
    2.0 False
    0.5 False
    1.5 False
    4.0 True
    """

    __slots__ = (
        '_down_low',
        '_down_sum',
        '_h',
        '_k',
        '_mu',
        '_seen',
        '_up_low',
        '_up_sum',
        '_warm_total',
        '_warmup',
    )
    _positional = ("k", "h", "mu_0", "warmup")

    k = param.Number(0.5, bounds=(0, None), constant=True, doc="Allowance: shift per value ignored.")
    h = param.Number(5.0, bounds=(0, None), inclusive_bounds=(False, True), constant=True,
                     doc="Decision interval: alarm when a sum exceeds it.")
    mu_0 = param.Number(None, allow_None=True, constant=True,
                        doc="In-control mean; None estimates it from the first warmup values.")
    warmup = param.Integer(30, bounds=(1, None), constant=True,
                           doc="Values averaged for mu_0 when it is not given.")

    def _check(self):
        if self._v.mu_0 is not None and not math.isfinite(self._v.mu_0):
            raise ConfigError("CUSUM.mu_0", f"expected a finite number or None, got {self._v.mu_0}")

    def _configure(self):
        self._k, self._h, self._warmup = self.k, self.h, self.warmup

    def reset(self) -> None:
        super().reset()
        self._mu = math.nan if self.mu_0 is None else float(self.mu_0)  # NaN: estimating it from the warmup
        self._seen, self._warm_total = 0, 0.0
        self._up_sum = self._up_low = self._down_sum = self._down_low = 0.0

    def update(self, x) -> None:
        if self._drift:
            self.reset()
        if self._mu != self._mu:
            self._seen += 1
            self._warm_total += x
            if self._seen == self._warmup:
                self._mu = self._warm_total / self._warmup
            return
        up = self._up_sum = self._up_sum + ((x - self._mu) - self._k)
        down = self._down_sum = self._down_sum + ((self._mu - x) - self._k)
        if up < self._up_low:
            self._up_low = up
        if down < self._down_low:
            self._down_low = down
        self._statistic = max(up - self._up_low, down - self._down_low)
        self._drift = self._statistic > self._h

    _kernel_state = ('_drift', '_statistic', '_mu', '_seen', '_warm_total', '_up_sum', '_up_low', '_down_sum',
                     '_down_low')

    def _run(self, x, trace):
        mu_0 = math.nan if self.mu_0 is None else float(self.mu_0)
        return run_kernel(self, self._kernel_state, _cusum, x, trace, self._k, self._h, mu_0, self._warmup)


@kernel
def _cusum(x, state, k, h, mu_0, warmup, trace):
    """CUSUM.update over ``x``; ``state`` as CUSUM._kernel_state."""
    drift, statistic, mu, seen, warm_total, up, up_low, down, down_low = (
        state[0] != 0, state[1], state[2], int(state[3]), state[4], state[5], state[6], state[7], state[8])
    alarms, found = np.empty(x.size, np.int64), 0
    statistics = np.empty(x.size if trace else 0)
    for i in range(x.size):
        if drift:
            drift, statistic, mu, seen, warm_total = False, 0.0, mu_0, 0, 0.0
            up = up_low = down = down_low = 0.0
        if mu != mu:
            seen += 1
            warm_total += x[i]
            if seen == warmup:
                mu = warm_total / warmup
        else:
            up = up + ((x[i] - mu) - k)
            down = down + ((mu - x[i]) - k)
            if up < up_low:
                up_low = up
            if down < down_low:
                down_low = down
            rise, fall = up - up_low, down - down_low
            statistic = fall if fall > rise else rise  # Python's max
            drift = statistic > h
            if drift:
                alarms[found], found = i, found + 1
        if trace:
            statistics[i] = statistic
    state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7], state[8] = (
        drift, statistic, mu, seen, warm_total, up, up_low, down, down_low)
    return alarms[:found], statistics, np.zeros(statistics.size, np.bool_)
