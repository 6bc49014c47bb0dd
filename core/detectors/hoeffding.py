"""Detectors that bound the change of a mean with Hoeffding's (or McDiarmid's) inequality:
HDDM_A (running averages), HDDM_W (EWMAs) and FHDDM (a sliding window).

They watch error streams, 1 = error and 0 = correct (real values in [0, 1] are accepted, as river
does); FHDDM alarms on a fall of the mean, so feed it 1 for a correct prediction.
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np
import param

from ..errors import ConfigError
from ._vector import _cumsum_from, _cut_points, _ewma, _ewma_bound_table, _restarted_ewma, _until_first
from .base import DriftDetector


class HDDM_A(DriftDetector):
    """Hoeffding drift detection on averages (Frías-Blanco et al., 2014): river's ``binary.HDDMA``, vectorised.

    With z̄_t the mean of the values since the last reset and ε(n) = √(ln(1/drift_confidence)/(2n)),
    the cut point is the latest t where z̄_t + ε(t) reached a new minimum (≤). With x̄ = z̄ at the
    cut, n_cut its count and ε′(conf) = √((t − n_cut)/(n_cut·t)/2 · ln(2/conf)):
        warning when z̄_t − x̄ ≥ ε′(warning_confidence),  drift when z̄_t − x̄ ≥ ε′(drift_confidence).
    With two_sided_test the mirror-image test (new maxima of z̄ − ε, a fall of the mean) also runs.
    statistic = z̄_t − x̄ (the larger of the rise and the fall with two_sided_test).

    >>> import numpy as np
    >>> rng = np.random.default_rng(42)
    >>> errors = np.concatenate([rng.random(2000) < 0.1, rng.random(2000) < 0.3])
    >>> HDDM_A().update_many(errors)
    array([2101])
    """

    __slots__ = (
        '_high',
        '_high_mean',
        '_high_n',
        '_log_cut',
        '_log_drift',
        '_log_warning',
        '_low',
        '_low_mean',
        '_low_n',
        '_n',
        '_total',
        '_two_sided',
    )
    _positional = ("drift_confidence", "warning_confidence", "two_sided_test")

    drift_confidence = param.Number(0.001, bounds=(0, 1), inclusive_bounds=(False, False), constant=True,
                                    doc="Confidence of the drift test.")
    warning_confidence = param.Number(0.005, bounds=(0, 1), inclusive_bounds=(False, False), constant=True,
                                      doc="Confidence of the warning test.")
    two_sided_test = param.Boolean(False, constant=True, doc="Also watch for a fall of the mean.")

    def _configure(self):
        self._log_cut = math.log(1.0 / self.drift_confidence)
        self._log_drift = math.log(2.0 / self.drift_confidence)
        self._log_warning = math.log(2.0 / self.warning_confidence)
        self._two_sided = self.two_sided_test

    def reset(self) -> None:
        super().reset()
        self._n, self._total = 0, 0.0
        self._low, self._low_n, self._low_mean = math.inf, 0, 0.0
        self._high, self._high_n, self._high_mean = -math.inf, 0, 0.0

    def update(self, x) -> None:
        if self._drift:
            self.reset()
        n = self._n = self._n + 1
        self._total += x
        mean = self._total / n
        eps = math.sqrt(1.0 / (2 * n) * self._log_cut)
        if mean + eps <= self._low:
            self._low, self._low_n, self._low_mean = mean + eps, n, mean
        if mean - eps >= self._high:
            self._high, self._high_n, self._high_mean = mean - eps, n, mean
        rise = mean - self._low_mean
        spread = (n - self._low_n) / self._low_n * (1.0 / n) / 2
        drift = n != self._low_n and rise >= math.sqrt(spread * self._log_drift)
        warning = n != self._low_n and not drift and rise >= math.sqrt(spread * self._log_warning)
        self._statistic = rise
        if self._two_sided:
            fall = self._high_mean - mean
            spread = (n - self._high_n) / self._high_n * (1.0 / n) / 2
            if n != self._high_n and fall >= math.sqrt(spread * self._log_drift):
                drift = True
            elif n != self._high_n and fall >= math.sqrt(spread * self._log_warning):
                warning = True
            self._statistic = max(rise, fall)
        self._drift, self._warning = drift, warning

    def _scan(self, x, trace):
        n = self._n + np.arange(1, x.size + 1)
        totals = _cumsum_from(self._total, x)
        mean = totals / n
        eps = np.sqrt(1.0 / (2 * n) * self._log_cut)
        low = _cut_points(mean + eps, n, mean, (self._low, self._low_n, self._low_mean), lower=True)
        high = _cut_points(mean - eps, n, mean, (self._high, self._high_n, self._high_mean), lower=False)
        rise = mean - low.value
        drift, warning = self._hoeffding_tests(rise, n, low.n)
        warning &= ~drift
        statistic = rise
        if self._two_sided:
            fall = high.value - mean
            fall_drift, fall_warning = self._hoeffding_tests(fall, n, high.n)
            warning |= ~fall_drift & fall_warning
            drift |= fall_drift
            statistic = np.maximum(rise, fall)
        used = _until_first(drift)
        i = used - 1
        self._n, self._total = int(n[i]), float(totals[i])
        self._low, self._low_n, self._low_mean = float(low.key[i]), int(low.n[i]), float(low.value[i])
        self._high, self._high_n, self._high_mean = float(high.key[i]), int(high.n[i]), float(high.value[i])
        self._statistic, self._drift, self._warning = float(statistic[i]), bool(drift[i]), bool(warning[i])
        return used, statistic[:used], warning[:used]

    def _hoeffding_tests(self, change, n, cut_n):
        moved = n != cut_n
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = (n - cut_n) / cut_n * (1.0 / n) / 2
        drift = moved & (change >= np.sqrt(spread * self._log_drift))
        return drift, moved & (change >= np.sqrt(spread * self._log_warning))


class HDDM_W(DriftDetector):
    """Hoeffding drift detection on EWMAs (Frías-Blanco et al., 2014): river's ``binary.HDDMW``, vectorised.

    An EWMA Z_t = λx_t + (1 − λ)Z_{t−1} (Z_1 = x_1, λ = lambda_val) has the McDiarmid bound
    ε(c, conf) = √(c·ln(1/conf)/2), with c_t = λ² + (1 − λ)²c_{t−1} (c_0 = 1). The cut point is the
    latest t where Z_t + ε(c_t, drift_confidence) reached a new minimum (<); a second EWMA Z′ restarts
    after it. With D = Z′ − Z_cut and c = c_cut + c′:
        warning when D > ε(c, warning_confidence),  drift when D > ε(c, drift_confidence).
    With two_sided_test the mirror-image test (new maxima of Z − ε, D = Z_cut − Z′) also runs.
    statistic = D (the larger of the two with two_sided_test; 0 while Z′ is empty).

    >>> import numpy as np
    >>> rng = np.random.default_rng(42)
    >>> errors = np.concatenate([rng.random(2000) < 0.1, rng.random(2000) < 0.3])
    >>> HDDM_W().update_many(errors)
    array([2119, 3977])
    """

    __slots__ = (
        '_bound_list',
        '_bounds',
        '_down_cut',
        '_down_ewma',
        '_down_n',
        '_down_ref',
        '_down_ref_n',
        '_ewma',
        '_lambda',
        '_log_drift',
        '_log_warning',
        '_n',
        '_settled',
        '_two_sided',
        '_up_cut',
        '_up_ewma',
        '_up_n',
        '_up_ref',
        '_up_ref_n',
    )
    _positional = ("drift_confidence", "warning_confidence", "lambda_val", "two_sided_test")

    drift_confidence = param.Number(0.001, bounds=(0, 1), inclusive_bounds=(False, False), constant=True,
                                    doc="Confidence of the drift test.")
    warning_confidence = param.Number(0.005, bounds=(0, 1), inclusive_bounds=(False, False), constant=True,
                                      doc="Confidence of the warning test.")
    lambda_val = param.Number(0.05, bounds=(0.0001, 1), constant=True,  # c_t settles after ~18/λ steps
                              doc="Weight of the newest value in the EWMAs.")
    two_sided_test = param.Boolean(False, constant=True, doc="Also watch for a fall of the mean.")

    def _configure(self):
        self._lambda, self._log_drift = self.lambda_val, math.log(1 / self.drift_confidence)
        self._log_warning, self._two_sided = math.log(1 / self.warning_confidence), self.two_sided_test
        self._bounds = _ewma_bound_table(self._lambda)
        self._bound_list, self._settled = self._bounds.tolist(), self._bounds.size - 1

    def reset(self) -> None:
        super().reset()
        self._n, self._ewma = 0, 0.0
        self._up_cut, self._up_ref, self._up_ref_n, self._up_n, self._up_ewma = math.inf, 0.0, 0, 0, 0.0
        self._down_cut, self._down_ref, self._down_ref_n, self._down_n, self._down_ewma = -math.inf, 0.0, 0, 0, 0.0

    def _c(self, n):
        return self._bound_list[min(n, self._settled)]

    def update(self, x) -> None:
        if self._drift:
            self.reset()
        lam = self._lambda
        n = self._n = self._n + 1
        ewma = self._ewma = x if n == 1 else lam * x + (1 - lam) * self._ewma
        eps = math.sqrt(self._c(n) * self._log_drift / 2)
        if ewma + eps < self._up_cut:
            self._up_cut, self._up_ref, self._up_ref_n = ewma + eps, ewma, n
            self._up_n, self._up_ewma = 0, 0.0
        else:
            self._up_n += 1
            self._up_ewma = x if self._up_n == 1 else lam * x + (1 - lam) * self._up_ewma
        if ewma - eps > self._down_cut:
            self._down_cut, self._down_ref, self._down_ref_n = ewma - eps, ewma, n
            self._down_n, self._down_ewma = 0, 0.0
        else:
            self._down_n += 1
            self._down_ewma = x if self._down_n == 1 else lam * x + (1 - lam) * self._down_ewma
        rise = self._up_ewma - self._up_ref if self._up_n else 0.0
        c = self._c(self._up_ref_n) + self._c(self._up_n)
        drift = self._up_n > 0 and rise > math.sqrt(c * self._log_drift / 2)
        warning = self._up_n > 0 and not drift and rise > math.sqrt(c * self._log_warning / 2)
        self._statistic = rise
        if self._two_sided:
            fall = self._down_ref - self._down_ewma if self._down_n else 0.0
            c = self._c(self._down_ref_n) + self._c(self._down_n)
            if self._down_n and fall > math.sqrt(c * self._log_drift / 2):
                drift = True
            elif self._down_n and fall > math.sqrt(c * self._log_warning / 2):
                warning = True
            self._statistic = max(rise, fall)
        self._drift, self._warning = drift, warning

    def _scan(self, x, trace):
        n = self._n + np.arange(1, x.size + 1)
        ewma = _ewma(x, self._lambda, self._n, self._ewma)
        eps = np.sqrt(self._bounds[np.minimum(n, self._settled)] * self._log_drift / 2)
        up = _cut_points(ewma + eps, n, ewma, (self._up_cut, self._up_ref_n, self._up_ref), lower=True,
                         strict=True)
        down = _cut_points(ewma - eps, n, ewma, (self._down_cut, self._down_ref_n, self._down_ref), lower=False,
                           strict=True)
        up_n, up_ewma = _restarted_ewma(x, self._lambda, up.new, self._up_n, self._up_ewma)
        down_n, down_ewma = _restarted_ewma(x, self._lambda, down.new, self._down_n, self._down_ewma)
        rise = np.where(up_n > 0, up_ewma - up.value, 0.0)
        drift, warning = self._mcdiarmid_tests(rise, up.n, up_n)
        warning &= ~drift
        statistic = rise
        if self._two_sided:
            fall = np.where(down_n > 0, down.value - down_ewma, 0.0)
            fall_drift, fall_warning = self._mcdiarmid_tests(fall, down.n, down_n)
            warning |= ~fall_drift & fall_warning
            drift |= fall_drift
            statistic = np.maximum(rise, fall)
        used = _until_first(drift)
        i = used - 1
        self._n, self._ewma = int(n[i]), float(ewma[i])
        self._up_cut, self._up_ref_n, self._up_ref = float(up.key[i]), int(up.n[i]), float(up.value[i])
        self._up_n, self._up_ewma = int(up_n[i]), float(up_ewma[i])
        self._down_cut, self._down_ref_n, self._down_ref = float(down.key[i]), int(down.n[i]), float(down.value[i])
        self._down_n, self._down_ewma = int(down_n[i]), float(down_ewma[i])
        self._statistic, self._drift, self._warning = float(statistic[i]), bool(drift[i]), bool(warning[i])
        return used, statistic[:used], warning[:used]

    def _mcdiarmid_tests(self, change, ref_n, new_n):
        settled = self._settled
        c = self._bounds[np.minimum(ref_n, settled)] + self._bounds[np.minimum(new_n, settled)]
        started = new_n > 0
        drift = started & (change > np.sqrt(c * self._log_drift / 2))
        return drift, started & (change > np.sqrt(c * self._log_warning / 2))


class FHDDM(DriftDetector):
    """Fast Hoeffding Drift Detection Method (Pesaranghader & Viktor, 2016): river's ``binary.FHDDM``, vectorised.

    Over the last n = sliding_window_size values, u_t is their mean and u_max = max_{j≤t} u_j
    (starting from 0, over full windows since the last reset). Drift when u_max − u_t > ε with
    ε = √(ln(1/confidence_level)/(2n)). With short_window_size = s, the same test also runs on the
    mean of the newest s values (its own maximum, ε with s for n). The alarm is for a *fall* of the
    mean, so feed 1 for a correct prediction to watch accuracy (MOA's convention; river's docstring
    says 1 for an error, but its test, reproduced here, fires on a fall).
    statistic = u_max − u_t (0 until the window is full).

    >>> import numpy as np
    >>> rng = np.random.default_rng(42)
    >>> correct = np.concatenate([rng.random(2000) < 0.9, rng.random(2000) < 0.7])
    >>> FHDDM().update_many(correct)
    array([2147])
    """

    __slots__ = ('_epsilon', '_n', '_prefix', '_short', '_short_epsilon', '_short_max', '_size', '_u_max')
    _positional = ("sliding_window_size", "confidence_level", "short_window_size")

    sliding_window_size = param.Integer(100, bounds=(1, None), constant=True, doc="Length of the window.")
    confidence_level = param.Number(0.000001, bounds=(0, 1), inclusive_bounds=(False, False), constant=True,
                                    doc="δ of Hoeffding's inequality.")
    short_window_size = param.Integer(None, bounds=(1, None), allow_None=True, constant=True,
                                      doc="Length of the short window of stacking FHDDM; None for plain FHDDM.")

    def _check(self):
        short, size = self._v.short_window_size, self._v.sliding_window_size
        if short is not None and short > size:
            raise ConfigError("FHDDM.short_window_size",
                              f"expected at most sliding_window_size = {size}, got {short}")

    def _configure(self):
        self._size, self._short = self.sliding_window_size, self.short_window_size
        log_term = math.log(1 / self.confidence_level)
        self._epsilon = math.sqrt(log_term / (2 * self._size))
        self._short_epsilon = math.sqrt(log_term / (2 * self._short)) if self._short else math.inf

    def reset(self) -> None:
        super().reset()
        self._n = 0
        self._prefix = deque([0.0], maxlen=self._size + 1)  # running sums; the window sum is a difference
        self._u_max = self._short_max = 0.0

    def update(self, x) -> None:
        if self._drift:
            self.reset()
        prefix = self._prefix
        total = prefix[-1] + x
        prefix.append(total)
        self._n += 1
        if self._n < self._size:
            return
        u = (total - prefix[0]) / self._size
        if u > self._u_max:
            self._u_max = u
        self._statistic = self._u_max - u
        drift = self._statistic > self._epsilon
        if self._short:
            u_short = (total - prefix[-1 - self._short]) / self._short
            if u_short > self._short_max:
                self._short_max = u_short
            drift = drift or self._short_max - u_short > self._short_epsilon
        self._drift = drift

    def _scan(self, x, trace):
        size, short = self._size, self._short
        history = np.fromiter(self._prefix, float, len(self._prefix))
        prefix = np.concatenate((history, _cumsum_from(history[-1], x)))
        end = np.arange(history.size, prefix.size)
        full = self._n + np.arange(1, x.size + 1) >= size
        u = np.where(full, (prefix[end] - prefix[np.maximum(end - size, 0)]) / size, -np.inf)
        u_max = np.maximum.accumulate(np.concatenate(([self._u_max], u)))[1:]
        statistic = np.where(full, u_max - u, 0.0)
        drift = statistic > self._epsilon
        short_max = np.full(x.size, self._short_max)
        if short:
            u_short = np.where(full, (prefix[end] - prefix[np.maximum(end - short, 0)]) / short, -np.inf)
            short_max = np.maximum.accumulate(np.concatenate(([self._short_max], u_short)))[1:]
            drift |= full & (short_max - u_short > self._short_epsilon)
        used = _until_first(drift)
        i = used - 1
        self._n += used
        self._prefix.extend(prefix[history.size:history.size + used].tolist())
        self._u_max, self._short_max = float(u_max[i]), float(short_max[i])
        self._statistic, self._drift = float(statistic[i]), bool(drift[i])
        return used, statistic[:used], None
