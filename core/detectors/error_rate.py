"""Error-rate detectors that compare the stream with its best point so far: DDM and EDDM.

They watch error streams: 1 = error, 0 = correct (real values in [0, 1] are accepted, as river
does). DDM tracks the error rate, EDDM the distance between errors.
"""
from __future__ import annotations

import math

import numpy as np
import param

from ..errors import ConfigError
from ._vector import _cumsum_from, _forward_fill, _latest, _until_first
from .base import DriftDetector


def _indicators(x: np.ndarray, detector: str, binary: bool, where: str = "values") -> np.ndarray:
    """``x``, once every value is an error indicator (1: a mistake): 0 or 1 if ``binary``, else in [0, 1]."""
    bad = np.flatnonzero((x != 0) & (x != 1) if binary else ~((x >= 0) & (x <= 1)))
    if bad.size:
        at = f"values[{bad[0]}]" if where == "values" else where
        raise ConfigError(f"{detector}.{at}", f"expected an error indicator, {'0 or 1' if binary else 'in [0, 1]'} "
                          f"(1: a mistake), got {float(x[bad[0]])!r}")
    return x


class DDM(DriftDetector):
    """Drift Detection Method (Gama et al., 2004): river's ``drift.binary.DDM``, re-implemented, vectorised.

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

    def _scan(self, x, trace):
        n = self._n + np.arange(1, x.size + 1)
        errors = _cumsum_from(self._errors, x)
        p = errors / n
        s = np.sqrt(p * (1 - p) / n)
        ps = p + s
        tested = n > self._warm_start
        smallest_before = np.minimum.accumulate(np.concatenate(([self._ps_min], np.where(tested, ps, np.inf))))
        is_min = tested & (ps <= smallest_before[:-1])
        last = _latest(is_min)
        p_min = np.where(last >= 0, p[last], self._p_min)
        s_min = np.where(last >= 0, s[last], self._s_min)
        drift = tested & (ps > p_min + self._drift_threshold * s_min)
        warning = tested & ~drift & (ps > p_min + self._warning_threshold * s_min)
        used = _until_first(drift)
        i = used - 1
        self._n, self._errors = int(n[i]), float(errors[i])
        self._p_min, self._s_min, self._ps_min = float(p_min[i]), float(s_min[i]), float(smallest_before[i + 1])
        self._statistic, self._drift, self._warning = float(ps[i]), bool(drift[i]), bool(warning[i])
        return used, ps[:used], warning[:used]


class EDDM(DriftDetector):
    """Early Drift Detection Method (Baena-García et al., 2006): river's ``binary.EDDM``, vectorised.

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

    def _scan(self, x, trace):
        at = np.flatnonzero(x == 1)
        n = self._n + at + 1
        gaps = np.diff(n, prepend=self._last_error).astype(float)
        count = (self._errors + np.arange(1, at.size + 1)).astype(float)
        gap_sum = _cumsum_from(self._gap_sum, gaps)
        gap_squares = _cumsum_from(self._gap_squares, gaps * gaps)
        variance = (count * gap_squares - gap_sum * gap_sum) / np.maximum(count * (count - 1), 1)
        p2s = gap_sum / count + 2 * np.sqrt(variance)
        tracked = n > self._warm_start
        best = np.maximum.accumulate(np.concatenate(([self._p2s_max], np.where(tracked, p2s, -np.inf))))
        is_max = tracked & (p2s > best[:-1])
        tested = tracked & ~is_max & (count > self._warm_start)
        with np.errstate(divide="ignore", invalid="ignore"):
            level = p2s / best[:-1]
        drift = tested & (level < self._beta)
        errors_used = _until_first(drift) if at.size else 0
        used = int(at[errors_used - 1]) + 1 if drift.any() else x.size
        decided = np.flatnonzero(tested[:errors_used] & ~drift[:errors_used])
        warning = _forward_fill(at[decided], level[decided] < self._alpha, used, self._warning)
        statistic = _forward_fill(at[:errors_used], p2s[:errors_used], used, self._statistic)
        self._n += used
        if errors_used:
            i = errors_used - 1
            self._last_error, self._errors = int(n[i]), int(count[i])
            self._gap_sum, self._gap_squares = float(gap_sum[i]), float(gap_squares[i])
            self._p2s_max = float(best[i + 1])
            self._drift = bool(drift[i])
        self._statistic, self._warning = float(statistic[-1]), bool(warning[-1])
        return used, statistic, warning
