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
from ._compiled import kernel, run_kernel
from .base import DriftDetector


class HDDM_A(DriftDetector):
    """Hoeffding drift detection on averages (Frías-Blanco et al., 2014): river's ``binary.HDDMA``, compiled.

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

    _kernel_state = ('_drift', '_warning', '_statistic', '_n', '_total', '_low', '_low_n', '_low_mean', '_high',
                     '_high_n', '_high_mean')

    def _run(self, x, trace):
        return run_kernel(self, self._kernel_state, _hddm_a, x, trace, self._log_cut, self._log_drift,
                          self._log_warning, self._two_sided)


@kernel
def _hddm_a(x, state, log_cut, log_drift, log_warning, two_sided, trace):
    """HDDM_A.update over ``x``; ``state`` as HDDM_A._kernel_state."""
    drift, warning, statistic, n, total = state[0] != 0, state[1] != 0, state[2], int(state[3]), state[4]
    low, low_n, low_mean = state[5], int(state[6]), state[7]
    high, high_n, high_mean = state[8], int(state[9]), state[10]
    alarms, found = np.empty(x.size, np.int64), 0
    statistics, warnings = np.empty(x.size if trace else 0), np.empty(x.size if trace else 0, np.bool_)
    for i in range(x.size):
        if drift:
            drift, warning, statistic, n, total = False, False, 0.0, 0, 0.0
            low, low_n, low_mean, high, high_n, high_mean = np.inf, 0, 0.0, -np.inf, 0, 0.0
        n += 1
        total += x[i]
        mean = total / n
        eps = np.sqrt(1.0 / (2 * n) * log_cut)
        if mean + eps <= low:
            low, low_n, low_mean = mean + eps, n, mean
        if mean - eps >= high:
            high, high_n, high_mean = mean - eps, n, mean
        rise = mean - low_mean
        spread = (n - low_n) / low_n * (1.0 / n) / 2
        drift = n != low_n and rise >= np.sqrt(spread * log_drift)
        warning = n != low_n and not drift and rise >= np.sqrt(spread * log_warning)
        statistic = rise
        if two_sided:
            fall = high_mean - mean
            spread = (n - high_n) / high_n * (1.0 / n) / 2
            if n != high_n and fall >= np.sqrt(spread * log_drift):
                drift = True
            elif n != high_n and fall >= np.sqrt(spread * log_warning):
                warning = True
            statistic = fall if fall > rise else rise  # Python's max
        if drift:
            alarms[found], found = i, found + 1
        if trace:
            statistics[i], warnings[i] = statistic, warning
    state[0], state[1], state[2], state[3], state[4] = drift, warning, statistic, n, total
    state[5], state[6], state[7], state[8], state[9], state[10] = low, low_n, low_mean, high, high_n, high_mean
    return alarms[:found], statistics, warnings


class HDDM_W(DriftDetector):
    """Hoeffding drift detection on EWMAs (Frías-Blanco et al., 2014): river's ``binary.HDDMW``, compiled.

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

    _kernel_state = ('_drift', '_warning', '_statistic', '_n', '_ewma', '_up_cut', '_up_ref', '_up_ref_n', '_up_n',
                     '_up_ewma', '_down_cut', '_down_ref', '_down_ref_n', '_down_n', '_down_ewma')

    def _run(self, x, trace):
        return run_kernel(self, self._kernel_state, _hddm_w, x, trace, self._lambda, self._bounds, self._log_drift,
                          self._log_warning, self._two_sided)


@kernel
def _hddm_w(x, state, lam, bounds, log_drift, log_warning, two_sided, trace):
    """HDDM_W.update over ``x``; ``state`` as HDDM_W._kernel_state; ``bounds`` the table of c_n."""
    settled = bounds.size - 1
    drift, warning, statistic, n, ewma = state[0] != 0, state[1] != 0, state[2], int(state[3]), state[4]
    up_cut, up_ref, up_ref_n, up_n, up_ewma = state[5], state[6], int(state[7]), int(state[8]), state[9]
    down_cut, down_ref, down_ref_n, down_n, down_ewma = state[10], state[11], int(state[12]), int(state[13]), state[14]
    alarms, found = np.empty(x.size, np.int64), 0
    statistics, warnings = np.empty(x.size if trace else 0), np.empty(x.size if trace else 0, np.bool_)
    for i in range(x.size):
        value = x[i]
        if drift:
            drift, warning, statistic, n, ewma = False, False, 0.0, 0, 0.0
            up_cut, up_ref, up_ref_n, up_n, up_ewma = np.inf, 0.0, 0, 0, 0.0
            down_cut, down_ref, down_ref_n, down_n, down_ewma = -np.inf, 0.0, 0, 0, 0.0
        n += 1
        ewma = value if n == 1 else lam * value + (1 - lam) * ewma
        eps = np.sqrt(bounds[min(n, settled)] * log_drift / 2)
        if ewma + eps < up_cut:
            up_cut, up_ref, up_ref_n, up_n, up_ewma = ewma + eps, ewma, n, 0, 0.0
        else:
            up_n += 1
            up_ewma = value if up_n == 1 else lam * value + (1 - lam) * up_ewma
        if ewma - eps > down_cut:
            down_cut, down_ref, down_ref_n, down_n, down_ewma = ewma - eps, ewma, n, 0, 0.0
        else:
            down_n += 1
            down_ewma = value if down_n == 1 else lam * value + (1 - lam) * down_ewma
        rise = up_ewma - up_ref if up_n else 0.0
        c = bounds[min(up_ref_n, settled)] + bounds[min(up_n, settled)]
        drift = up_n > 0 and rise > np.sqrt(c * log_drift / 2)
        warning = up_n > 0 and not drift and rise > np.sqrt(c * log_warning / 2)
        statistic = rise
        if two_sided:
            fall = down_ref - down_ewma if down_n else 0.0
            c = bounds[min(down_ref_n, settled)] + bounds[min(down_n, settled)]
            if down_n and fall > np.sqrt(c * log_drift / 2):
                drift = True
            elif down_n and fall > np.sqrt(c * log_warning / 2):
                warning = True
            statistic = fall if fall > rise else rise  # Python's max
        if drift:
            alarms[found], found = i, found + 1
        if trace:
            statistics[i], warnings[i] = statistic, warning
    state[0], state[1], state[2], state[3], state[4] = drift, warning, statistic, n, ewma
    state[5], state[6], state[7], state[8], state[9] = up_cut, up_ref, up_ref_n, up_n, up_ewma
    state[10], state[11], state[12], state[13], state[14] = down_cut, down_ref, down_ref_n, down_n, down_ewma
    return alarms[:found], statistics, warnings


class FHDDM(DriftDetector):
    """Fast Hoeffding Drift Detection Method (Pesaranghader & Viktor, 2016): river's ``binary.FHDDM``, compiled.

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

    _kernel_state = ('_drift', '_statistic', '_n', '_u_max', '_short_max')

    def _run(self, x, trace):
        size = self._size
        sums = np.zeros(size + 1)  # the running sums as a ring: the sum after value n at sums[n % (size + 1)]
        kept = np.fromiter(self._prefix, float, len(self._prefix))
        sums[(self._n - kept.size + 1 + np.arange(kept.size)) % (size + 1)] = kept
        found = run_kernel(self, self._kernel_state, _fhddm, x, trace, sums, size, self._short or 0, self._epsilon,
                           self._short_epsilon)
        n = self._n
        self._prefix.clear()  # from the last reset on, at most size + 1 sums (0 first)
        self._prefix.extend(sums[(np.arange(max(n - size, 0), n + 1)) % (size + 1)].tolist())
        return found


@kernel
def _fhddm(x, state, sums, size, short, epsilon, short_epsilon, trace):
    """FHDDM.update over ``x``; ``state`` as FHDDM._kernel_state; ``sums`` the ring of running sums (short 0: none)."""
    ring = size + 1
    drift, statistic, n, u_max, short_max = state[0] != 0, state[1], int(state[2]), state[3], state[4]
    head = n % ring  # where the newest sum is; walking indices instead of n % ring saves a division a value
    total = sums[head]
    alarms, found = np.empty(x.size, np.int64), 0
    statistics = np.empty(x.size if trace else 0)
    for i in range(x.size):
        if drift:
            drift, statistic, n, u_max, short_max, head, total = False, 0.0, 0, 0.0, 0.0, 0, 0.0
            sums[0] = 0.0
        total = total + x[i]
        n += 1
        head = head + 1 if head < size else 0
        sums[head] = total
        if n >= size:
            u = (total - sums[head + 1 if head < size else 0]) / size  # the sum size values back
            if u > u_max:
                u_max = u
            statistic = u_max - u
            drift = statistic > epsilon
            if short:
                back = head - short
                u_short = (total - sums[back if back >= 0 else back + ring]) / short
                if u_short > short_max:
                    short_max = u_short
                drift = drift or short_max - u_short > short_epsilon
            if drift:
                alarms[found], found = i, found + 1
        if trace:
            statistics[i] = statistic
    state[0], state[1], state[2], state[3], state[4] = drift, statistic, n, u_max, short_max
    return alarms[:found], statistics, np.zeros(statistics.size, np.bool_)


def _ewma_bound_table(lam: float) -> np.ndarray:
    """c_n = λ² + (1 − λ)²·c_{n−1} from c_0 = 1, up to where it stops changing in floating point."""
    lam_sq, rest_sq = lam * lam, (1 - lam) ** 2
    table = [1.0]
    while (following := lam_sq + rest_sq * table[-1]) != table[-1]:
        table.append(following)
    return np.array(table)
