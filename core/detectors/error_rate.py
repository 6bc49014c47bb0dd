"""Error-rate detectors that compare the stream with its best point so far: DDM and EDDM.

They watch error streams: 1 = error, 0 = correct (real values in [0, 1] are accepted, as river
does). DDM tracks the error rate, EDDM the distance between errors.
"""
from __future__ import annotations

import math

import numpy as np
import param

from ..errors import ConfigError
from ._compiled import kernel, run_kernel
from .base import DriftDetector


def _indicators(x: np.ndarray, detector: str, binary: bool, where: str = "values") -> np.ndarray:
    """``x``, once every value is an error indicator (1: a mistake): 0 or 1 if ``binary``, else in [0, 1]."""
    bad = _first_non_indicator(x, binary)
    if bad >= 0:
        at = f"values[{bad}]" if where == "values" else where
        raise ConfigError(f"{detector}.{at}", f"expected an error indicator, {'0 or 1' if binary else 'in [0, 1]'} "
                          f"(1: a mistake), got {float(x[bad])!r}")
    return x


@kernel
def _first_non_indicator(x, binary):
    """Index of the first value that is not 0 or 1 (``binary``) or not in [0, 1]; −1 when there is none."""
    bad = 0  # counted first, in loops without an exit, which the compiler vectorises (8x faster)
    if binary:
        for i in range(x.size):
            bad += (x[i] != 0) & (x[i] != 1)
    else:
        for i in range(x.size):
            bad += (x[i] < 0) | (x[i] > 1) | (x[i] != x[i])
    if bad:
        for i in range(x.size):
            if (x[i] != 0 and x[i] != 1) if binary else not 0 <= x[i] <= 1:
                return i
    return -1


class DDM(DriftDetector):
    """Drift Detection Method (Gama et al., 2004): river's ``drift.binary.DDM``, re-implemented, compiled.

    With p_t the error rate since the last reset and s_t = √(p_t(1 − p_t)/t): after ``warm_start``
    values, (p_min, s_min) are p and s where p + s was smallest (the latest on ties), and
        warning when p_t + s_t > p_min + warning_threshold·s_min,
        drift   when p_t + s_t > p_min + drift_threshold·s_min   (which clears the warning).
    statistic = p_t + s_t.

    >>> import numpy as np
    >>> rng = np.random.default_rng(42)
    >>> errors = np.concatenate([rng.random(2000) < 0.1, rng.random(2000) < 0.3])
    >>> DDM().update_many(errors)
    array([2500])
    """

    __slots__ = (
        '_drift_threshold',
        '_errors',
        '_n',
        '_p_min',
        '_ps_min',
        '_s_min',
        '_warm_start',
        '_warning_threshold',
    )
    _positional = ("warm_start", "warning_threshold", "drift_threshold")

    warm_start = param.Integer(30, bounds=(0, None), constant=True, doc="Values before testing starts.")
    warning_threshold = param.Number(2.0, bounds=(0, None), constant=True,
                                     doc="Warning when p + s exceeds p_min + this · s_min.")
    drift_threshold = param.Number(3.0, bounds=(0, None), constant=True,
                                   doc="Drift when p + s exceeds p_min + this · s_min.")

    def _configure(self):
        self._warm_start = self.warm_start
        self._warning_threshold, self._drift_threshold = self.warning_threshold, self.drift_threshold

    def reset(self) -> None:
        super().reset()
        self._n, self._errors = 0, 0.0
        self._p_min = self._s_min = 0.0
        self._ps_min = math.inf

    def update(self, x) -> None:
        if not 0 <= x <= 1:
            _indicators(np.array([x], dtype=float), "DDM", binary=False, where="x")
        if self._drift:
            self.reset()
        n = self._n = self._n + 1
        self._errors += x
        p = self._errors / n
        s = math.sqrt(p * (1 - p) / n)
        ps = self._statistic = p + s
        if n > self._warm_start:
            if ps <= self._ps_min:
                self._p_min, self._s_min, self._ps_min = p, s, ps
            self._drift = ps > self._p_min + self._drift_threshold * self._s_min
            self._warning = not self._drift and ps > self._p_min + self._warning_threshold * self._s_min

    def _checked(self, x):
        return _indicators(x, "DDM", binary=False)

    _kernel_state = ('_drift', '_warning', '_statistic', '_n', '_errors', '_p_min', '_s_min', '_ps_min')

    def _run(self, x, trace):
        return run_kernel(self, self._kernel_state, _ddm, x, trace, self._warm_start, self._warning_threshold,
                          self._drift_threshold)


@kernel
def _ddm(x, state, warm_start, warning_threshold, drift_threshold, trace):
    """DDM.update over ``x``; ``state`` as DDM._kernel_state."""
    drift, warning, statistic, n, errors, p_min, s_min, ps_min = (
        state[0] != 0, state[1] != 0, state[2], int(state[3]), state[4], state[5], state[6], state[7])
    alarms, found = np.empty(x.size, np.int64), 0
    statistics, warnings = np.empty(x.size if trace else 0), np.empty(x.size if trace else 0, np.bool_)
    for i in range(x.size):
        if drift:
            drift, warning, statistic, n, errors, p_min, s_min, ps_min = False, False, 0.0, 0, 0.0, 0.0, 0.0, np.inf
        n += 1
        errors += x[i]
        p = errors / n
        s = np.sqrt(p * (1 - p) / n)
        ps = statistic = p + s
        if n > warm_start:
            if ps <= ps_min:
                p_min, s_min, ps_min = p, s, ps
            drift = ps > p_min + drift_threshold * s_min
            warning = not drift and ps > p_min + warning_threshold * s_min
            if drift:
                alarms[found], found = i, found + 1
        if trace:
            statistics[i], warnings[i] = statistic, warning
    state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7] = (
        drift, warning, statistic, n, errors, p_min, s_min, ps_min)
    return alarms[:found], statistics, warnings


class EDDM(DriftDetector):
    """Early Drift Detection Method (Baena-García et al., 2006): river's ``binary.EDDM``, compiled.

    At each error (x == 1) the gap since the previous error joins the gaps seen since the last
    reset; p′ and s′ are their mean and standard deviation (ddof=1). Once more than ``warm_start``
    values have been seen, a new maximum of p′ + 2s′ is remembered; otherwise, once more than
    ``warm_start`` errors have been seen, with level = (p′ + 2s′)/max:
        drift when level < beta;  else warning while level < alpha (re-decided at each such error).
    statistic = p′ + 2s′ at the last error (0 before the first).

    >>> import numpy as np
    >>> rng = np.random.default_rng(42)
    >>> errors = np.concatenate([rng.random(2000) < 0.1, rng.random(2000) < 0.4])
    >>> EDDM(alpha=0.8, beta=0.75).update_many(errors)
    array([2383, 2972])
    """

    __slots__ = (
        '_alpha',
        '_beta',
        '_errors',
        '_gap_squares',
        '_gap_sum',
        '_last_error',
        '_n',
        '_p2s_max',
        '_warm_start',
    )
    _positional = ("warm_start", "alpha", "beta")

    warm_start = param.Integer(30, bounds=(0, None), constant=True,
                               doc="Values (to track the maximum) and errors (to test) before testing.")
    alpha = param.Number(0.95, bounds=(0, 1), inclusive_bounds=(False, True), constant=True,
                         doc="Warning below this fraction of the maximum.")
    beta = param.Number(0.9, bounds=(0, 1), inclusive_bounds=(False, True), constant=True,
                        doc="Drift below this fraction of the maximum.")

    def _check(self):
        if self._v.beta > self._v.alpha:
            raise ConfigError("EDDM.beta", f"expected at most alpha = {self._v.alpha}, got {self._v.beta}")

    def _configure(self):
        self._warm_start, self._alpha, self._beta = self.warm_start, self.alpha, self.beta

    def reset(self) -> None:
        super().reset()
        self._n = self._last_error = self._errors = 0
        self._gap_sum = self._gap_squares = 0.0
        self._p2s_max = -1.0

    def update(self, x) -> None:
        if self._drift:
            self.reset()
        n = self._n = self._n + 1
        if x != 1:
            if x != 0:
                _indicators(np.array([x], dtype=float), "EDDM", binary=True, where="x")
            return
        count = self._errors = self._errors + 1
        gap = n - self._last_error
        self._gap_sum += gap
        self._gap_squares += gap * gap
        variance = (count * self._gap_squares - self._gap_sum * self._gap_sum) / max(count * (count - 1), 1)
        p2s = self._statistic = self._gap_sum / count + 2 * math.sqrt(variance)
        if n > self._warm_start:
            if p2s > self._p2s_max:
                self._p2s_max = p2s
            elif count > self._warm_start:
                level = p2s / self._p2s_max
                if level < self._beta:
                    self._drift = True
                else:
                    self._warning = level < self._alpha
        self._last_error = n

    def _checked(self, x):
        return _indicators(x, "EDDM", binary=True)

    _kernel_state = ('_drift', '_warning', '_statistic', '_n', '_last_error', '_errors', '_gap_sum', '_gap_squares',
                     '_p2s_max')

    def _run(self, x, trace):
        return run_kernel(self, self._kernel_state, _eddm, x, trace, self._warm_start, self._alpha, self._beta)


@kernel
def _eddm(x, state, warm_start, alpha, beta, trace):
    """EDDM.update over ``x``; ``state`` as EDDM._kernel_state."""
    drift, warning, statistic, n, last_error, count, gap_sum, gap_squares, p2s_max = (
        state[0] != 0, state[1] != 0, state[2], int(state[3]), int(state[4]), int(state[5]), state[6], state[7],
        state[8])
    alarms, found = np.empty(x.size, np.int64), 0
    statistics, warnings = np.empty(x.size if trace else 0), np.empty(x.size if trace else 0, np.bool_)
    for i in range(x.size):
        if drift:
            drift, warning, statistic, n, last_error, count = False, False, 0.0, 0, 0, 0
            gap_sum, gap_squares, p2s_max = 0.0, 0.0, -1.0
        n += 1
        if x[i] == 1:
            count += 1
            gap = n - last_error
            gap_sum += gap
            gap_squares += gap * gap
            variance = (count * gap_squares - gap_sum * gap_sum) / max(count * (count - 1), 1)
            p2s = statistic = gap_sum / count + 2 * np.sqrt(variance)
            if n > warm_start:
                if p2s > p2s_max:
                    p2s_max = p2s
                elif count > warm_start:
                    level = p2s / p2s_max
                    if level < beta:
                        drift = True
                        alarms[found], found = i, found + 1
                    else:
                        warning = level < alpha
            last_error = n
        if trace:
            statistics[i], warnings[i] = statistic, warning
    state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7], state[8] = (
        drift, warning, statistic, n, last_error, count, gap_sum, gap_squares, p2s_max)
    return alarms[:found], statistics, warnings
