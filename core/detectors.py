"""Drift detectors: one river-compatible protocol, vectorised ``update_many``, an ensemble, a registry.

Every detector follows river's protocol: ``update(x)`` takes one value, after which
``drift_detected`` and ``warning_detected`` (always False where the algorithm has no warning zone)
describe that value; a detector resets itself on the update that follows an alarm. driftlab adds:

* ``update_many(values)``: feed a whole array and get the indices (into ``values``) of the alarms;
  ``update_many(values, trace=True)`` returns a :class:`DetectorTrace` that also holds the warnings
  and the statistic after every value. The detector ends in exactly the state that feeding the same
  values one at a time gives, so chunks and single updates can be mixed freely.
* ``statistic``: the quantity the detector thresholds, for plotting.
* ``reset()``: forget everything seen.

Detectors are :class:`~core.config.Config` objects: their settings are ``param`` parameters
(validation, YAML specs, dashboard widgets), can be given positionally in river's order, and a bad
one raises :class:`~core.errors.ConfigError` naming ``NAME.setting``. They are fixed after
construction, because a detector's state only means something for the settings that built it:
build a new detector (:func:`make_detector`, ``from_spec``) to change them.

river 0.26 is the reference, with the same defaults and the same reset-after-alarm behaviour.
:class:`ADWIN` runs river's own Rust implementation. Every other detector is driftlab's own
implementation, vectorised segment by segment (vectorise up to the next alarm, reset, go on), and
tests/test_detectors.py checks that it raises the same alarms and warnings as river's detector on
seeded streams, fed one at a time and in chunks. Running sums replace river's incremental means, so
statistics agree with river's to rounding, not bit for bit; ``update`` and ``update_many`` do the
same floating-point operations, so those two agree bit for bit.
"""
from __future__ import annotations

import functools
import itertools
import math
import random
import re
import warnings
from collections import deque
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import param
from river._river_rust.drift import AdaptiveWindowing
from scipy import signal, stats

from .config import Config, did_you_mean
from .errors import ConfigError

__all__ = [
    "ADWIN", "CUSUM", "DDM", "DETECTORS", "DetectorEnsemble", "DetectorTrace", "DriftDetector",
    "EDDM", "FHDDM", "HDDM_A", "HDDM_W", "KSWIN", "NoDrift", "PageHinkley", "Periodic",
    "make_detector",
]

# update_many works in blocks that start small after an alarm and double while none comes, so the
# work thrown away after an alarm stays below the work kept.
_FIRST_BLOCK = 512
_LAST_BLOCK = 1 << 16
_CACHED_ROWS = 1 << 16  # KSWIN reference samples kept per detector


class DetectorTrace(NamedTuple):
    """What ``update_many(values, trace=True)`` returns: alarms, warnings and the statistic per value."""

    alarms: np.ndarray  #: indices into ``values`` after which ``drift_detected`` was True
    warnings: np.ndarray  #: indices into ``values`` after which ``warning_detected`` was True
    statistic: np.ndarray  #: ``statistic`` after each value (float64, same length as ``values``)


class DriftDetector(Config):
    """Base of driftlab's drift detectors: river's protocol plus ``update_many`` and ``statistic``.

    A subclass declares its settings as constant ``param`` parameters and implements ``update(x)``,
    ``reset()`` and ``_scan(values, trace)``: feed ``values`` up to and including the first alarm,
    return how many were used plus the statistic and warning flags for each of them. It lists its
    state in ``__slots__``: other attributes of a ``param`` class are about twice as slow to reach.
    """

    __slots__ = ('_drift', '_warning', '_statistic')
    # Settings are constant, so Config's re-check on every attribute write has nothing to do; here
    # writes are per-value state, millions a second.
    __setattr__ = object.__setattr__

    def __init__(self, *args, **settings):
        super().__init__(*args, **settings)
        self._configure()
        self.reset()

    def _configure(self) -> None:
        """Copy settings into plain attributes, so the per-value code never touches ``param``."""

    def reset(self) -> None:
        """Forget every value seen, as if just constructed."""
        self._drift = False
        self._warning = False
        self._statistic = 0.0

    def update(self, x) -> None:
        """Feed one value."""
        raise NotImplementedError

    @property
    def drift_detected(self) -> bool:
        """Whether the last value raised a drift alarm."""
        return self._drift

    @property
    def warning_detected(self) -> bool:
        """Whether the detector is in its warning zone after the last value."""
        return self._warning

    @property
    def statistic(self) -> float:
        """The quantity the detector thresholds, after the last value."""
        return self._statistic

    def update_many(self, values, *, trace: bool = False):
        """Feed every value in order; return the indices of the alarms (or a DetectorTrace if ``trace``)."""
        x = _as_values(values)
        alarms, statistics, warned = [], [], []
        start, block = 0, _FIRST_BLOCK
        while start < x.size:
            if self._drift:
                self.reset()
            used, statistic, warning = self._scan(x[start:start + block], trace)
            if trace:
                statistics.append(statistic)
                warned.append(np.zeros(used, bool) if warning is None else warning)
            start += used
            if self._drift:
                alarms.append(start - 1)
                block = _FIRST_BLOCK
            else:
                block = min(2 * block, _LAST_BLOCK)
        alarms = np.array(alarms, dtype=np.intp)
        if not trace:
            return alarms
        return DetectorTrace(
            alarms,
            np.flatnonzero(np.concatenate(warned)) if warned else np.array([], np.intp),
            np.concatenate(statistics) if statistics else np.array([], float),
        )

    def _scan(self, x: np.ndarray, trace: bool) -> tuple[int, np.ndarray | None, np.ndarray | None]:
        raise NotImplementedError


def _as_values(values) -> np.ndarray:
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ConfigError("values", f"expected a 1-D array of numbers ({error})") from None
    if x.ndim != 1:
        raise ConfigError("values", f"expected a 1-D array of numbers, got shape {x.shape}")
    return x


# --------------------------------------------------------------------------------------------------
# Detectors of real values


class ADWIN(DriftDetector):
    """ADaptive WINdowing (Bifet & Gavaldà, 2007); runs river's own Rust ADWIN internally.

    ADWIN keeps the recent values in exponential-histogram buckets (at most ``max_buckets`` per
    size). Every ``clock`` values, once the window W holds more than ``grace_period``, it tries each
    split of W into an older W₀ and a newer W₁ (both at least ℓ = ``min_window_length`` long); while
    some split has |mean(W₀) − mean(W₁)| > √(2·m·σ²_W·δ′) + ⅔·m·δ′, with σ²_W the variance of W,
    δ′ = ln(2·ln|W| / delta) and m = 1/(|W₀| − ℓ + 1) + 1/(|W₁| − ℓ + 1), it drops the oldest bucket
    and raises an alarm. statistic = the mean of the window; ``width`` = its length.
    ``update_many`` calls the same Rust update in a loop, without river's Python wrapper.

    >>> import numpy as np
    >>> rng = np.random.default_rng(42)
    >>> stream = np.concatenate([rng.normal(0, 1, 1000), rng.normal(2, 1, 1000)])
    >>> adwin = ADWIN()
    >>> adwin.update_many(stream)
    array([1023])
    >>> adwin.width
    976
    """

    __slots__ = ('_window',)
    _positional = ("delta", "clock", "max_buckets", "min_window_length", "grace_period")

    delta = param.Number(0.002, bounds=(0, 1), inclusive_bounds=(False, False), constant=True,
                         doc="Significance of the cut test.")
    clock = param.Integer(32, bounds=(1, None), constant=True, doc="Test for a cut every this many values.")
    max_buckets = param.Integer(5, bounds=(1, None), constant=True, doc="Buckets kept per size before merging.")
    min_window_length = param.Integer(5, bounds=(1, None), constant=True,
                                      doc="Shortest sub-window a cut may leave.")
    grace_period = param.Integer(10, bounds=(0, None), constant=True, doc="Values seen before the first test.")

    def reset(self) -> None:
        super().reset()
        self._window = AdaptiveWindowing(
            delta=self.delta, clock=self.clock, max_buckets=self.max_buckets,
            min_window_length=self.min_window_length, grace_period=self.grace_period,
        )

    def update(self, x) -> None:
        if self._drift:
            self.reset()
        self._drift = self._window.update(x)

    @property
    def statistic(self) -> float:
        width = self._window.get_width()
        return self._window.get_total() / width if width else 0.0

    @property
    def width(self) -> int:
        """Number of values in the window."""
        return int(self._window.get_width())

    def _scan(self, x, trace):
        window = self._window
        update = window.update
        means = []
        for i, value in enumerate(x.tolist()):
            drift = update(value)
            if trace:
                width = window.get_width()
                means.append(window.get_total() / width if width else 0.0)
            if drift:
                self._drift = True
                return i + 1, np.array(means), None
        return x.size, np.array(means), None


class KSWIN(DriftDetector):
    """Kolmogorov-Smirnov WINdowing (Raab et al., 2020): river's ``drift.KSWIN``, re-implemented, vectorised.

    A sliding window holds the last ``window_size`` values. Once it is full, every update draws a
    reference sample of ``stat_size`` of its ``window_size − stat_size`` oldest values and runs a
    two-sample Kolmogorov-Smirnov test against the ``stat_size`` newest ones. Drift when
    p ≤ alpha and D > 0.1, with D = max_v |F_ref(v) − F_new(v)| and p the p-value scipy's
    ``ks_2samp(method="auto")`` gives for D, as river computes them. The sample is drawn with
    ``random.Random(seed).sample`` exactly as river draws it, reseeded on every reset, so for the
    same seed the alarms are river's. seed=None takes a seed from the OS once, when the detector is
    built (river takes a new one at every reset). statistic = D of the last test (0 before the first).

    ``update_many`` replays the same samples in bulk, computes D on sorted integer ranks for all
    windows at once and asks scipy only for the p-values of the distinct D values. The samples after
    every reset are the same, so the first 2¹⁶ are drawn once and kept.

    >>> import numpy as np
    >>> rng = np.random.default_rng(42)
    >>> stream = np.concatenate([rng.normal(0, 1, 1000), rng.normal(2, 1, 1000)])
    >>> KSWIN(alpha=0.0001, seed=42).update_many(stream)
    array([1017])
    """

    __slots__ = (
        '_alpha', '_size', '_k', '_older', '_window', '_p_value', '_tests', '_beyond', '_rows',
        '_frontier', '_seed',
    )
    _positional = ("alpha", "window_size", "stat_size", "seed")

    alpha = param.Number(0.005, bounds=(0, 1), constant=True, doc="Significance level of the KS test.")
    window_size = param.Integer(100, bounds=(2, None), constant=True, doc="Length of the sliding window.")
    stat_size = param.Integer(30, bounds=(1, None), constant=True,
                              doc="Length of the newest part of the window and of the reference sample.")
    seed = param.Integer(None, allow_None=True, constant=True,
                         doc="Seed of the reference sampling; None draws one from the OS.")

    def _check(self):
        if 2 * self._v.stat_size > self._v.window_size:
            raise ConfigError(
                "KSWIN.stat_size",
                f"expected at most window_size / 2 = {self._v.window_size // 2} (the reference sample "
                f"is drawn from the window_size - stat_size oldest values), got {self._v.stat_size}",
            )

    def _configure(self):
        self._alpha, self._size, self._k = self.alpha, self.window_size, self.stat_size
        self._older = self._size - self._k
        self._seed = self.seed if self.seed is not None else random.SystemRandom().getrandbits(64)
        self._rows = np.empty((0, self._k), np.min_scalar_type(self._older))  # samples after a reset, in order
        self._frontier = random.Random(self._seed)  # positioned after the kept rows

    def reset(self) -> None:
        super().reset()
        self._window = deque(maxlen=self._size)
        self._p_value = 0.0
        self._tests = 0  # tests since the reset
        self._beyond = None  # generator for tests past the kept rows

    def _reference_rows(self, count: int) -> np.ndarray:
        """Reference samples (indices into the window's older part) of the next ``count`` tests."""
        start, stop = self._tests, self._tests + count
        self._tests = stop
        if len(self._rows) < stop and len(self._rows) < _CACHED_ROWS:
            more = _replay_samples(self._frontier, self._older, self._k, min(stop, _CACHED_ROWS) - len(self._rows))
            self._rows = np.concatenate((self._rows, more.astype(self._rows.dtype)))
        if stop <= len(self._rows):
            return self._rows[start:stop]
        if self._beyond is None:
            self._beyond = random.Random()
            self._beyond.setstate(self._frontier.getstate())
        drawn = _replay_samples(self._beyond, self._older, self._k, stop - max(start, len(self._rows)))
        return np.concatenate((self._rows[start:], drawn))

    @property
    def p_value(self) -> float:
        """p-value of the last test (0 before the first, as in river)."""
        return self._p_value

    def update(self, x) -> None:
        if self._drift:
            self.reset()
        window = self._window
        window.append(x)
        if len(window) < self._size:
            return
        reference = [window[i] for i in self._reference_rows(1)[0].tolist()]
        ranks = np.unique(np.array(reference + list(window)[self._older:], dtype=float),
                          return_inverse=True)[1].astype(np.int32).reshape(1, -1)
        distance = int(_ks_distances(ranks[:, :self._k], ranks[:, self._k:])[0])
        self._statistic, self._p_value = _ks_test(self._k, distance)
        self._drift = self._p_value <= self._alpha and self._statistic > 0.1

    def _scan(self, x, trace):
        size, k, older = self._size, self._k, self._older
        kept = len(self._window)
        values = np.concatenate((np.fromiter(self._window, float, kept), x))
        first = max(size - 1, kept)  # where the first full window ends
        statistic = np.full(x.size, self._statistic)
        used = x.size
        if values.size > first:
            ends = np.arange(first, values.size)
            starts = ends - (size - 1)
            ranks = np.unique(values, return_inverse=True)[1].astype(np.int32)
            reference = ranks[starts[:, None] + self._reference_rows(ends.size)]
            newest = np.lib.stride_tricks.sliding_window_view(ranks, k)[starts + older]
            distances = _ks_distances(reference, newest)
            d_of, p_of = np.zeros(k + 1), np.ones(k + 1)
            for distance in np.unique(distances).tolist():
                d_of[distance], p_of[distance] = _ks_test(k, distance)
            d, p = d_of[distances], p_of[distances]
            alarm = (p <= self._alpha) & (d > 0.1)
            tests = _until_first(alarm)
            used = ends[tests - 1] - kept + 1
            statistic = statistic[:used]
            statistic[first - kept:] = d[:tests]
            self._statistic, self._p_value = float(d[tests - 1]), float(p[tests - 1])
            self._drift = bool(alarm[tests - 1])
        self._window.extend(x[:used].tolist())
        return used, statistic, None


class PageHinkley(DriftDetector):
    """Page-Hinkley test for a change in the mean: river's ``drift.PageHinkley``, re-implemented, vectorised.

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
        '_min_instances', '_threshold', '_delta', '_alpha', '_mode', '_n', '_total', '_up', '_down',
        '_up_min', '_down_max',
    )
    _positional = ("min_instances", "delta", "threshold", "alpha", "mode")

    min_instances = param.Integer(30, bounds=(0, None), constant=True,
                                  doc="Values (since the last reset) before an alarm is possible.")
    delta = param.Number(0.005, bounds=(0, None), constant=True, doc="Change tolerated per value.")
    threshold = param.Number(50.0, bounds=(0, None), constant=True, doc="Alarm when the statistic exceeds this.")
    alpha = param.Number(1 - 0.0001, bounds=(0, 1), inclusive_bounds=(False, True), constant=True,
                         doc="Forgetting factor of the cumulative sums.")
    mode = param.Selector(default="both", objects=["up", "down", "both"], constant=True,
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

    def _scan(self, x, trace):
        n = self._n + np.arange(1, x.size + 1)
        totals = _cumsum_from(self._total, x)
        deviation = x - totals / n
        up = _recurrence(self._alpha, deviation - self._delta, self._up)
        down = _recurrence(self._alpha, deviation + self._delta, self._down)
        up_min = np.minimum.accumulate(np.concatenate(([self._up_min], up)))[1:]
        down_max = np.maximum.accumulate(np.concatenate(([self._down_max], down)))[1:]
        rise, fall = up - up_min, down_max - down
        statistic = rise if self._mode == "up" else fall if self._mode == "down" else np.maximum(rise, fall)
        alarm = (n >= self._min_instances) & (statistic > self._threshold)
        used = _until_first(alarm)
        i = used - 1
        self._n, self._total = int(n[i]), float(totals[i])
        self._up, self._down = float(up[i]), float(down[i])
        self._up_min, self._down_max = float(up_min[i]), float(down_max[i])
        self._statistic, self._drift = float(statistic[i]), bool(alarm[i])
        return used, statistic[:used], None


class CUSUM(DriftDetector):
    """Two-sided tabular CUSUM (Page, 1954) for a shift of the mean away from mu_0; river has no CUSUM.

        S⁺_t = max(0, S⁺_{t−1} + x_t − mu_0 − k),    S⁻_t = max(0, S⁻_{t−1} + mu_0 − x_t − k),
        statistic = max(S⁺_t, S⁻_t);    drift when statistic > h.

    k (the allowance) and h (the decision interval) are in the units of x; for data with standard
    deviation σ the textbook choice is k = σ/2 and h = 4σ to 5σ. With mu_0=None, mu_0 is the mean of
    the first ``warmup`` values after each reset (the sums start after them). The sums are computed
    as S_t = C_t − min(0, min_{j≤t} C_j), C_t the running sum of the increments: Lindley's closed
    form of the same recursion, which vectorises.

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
        '_k', '_h', '_warmup', '_mu', '_seen', '_warm_total', '_up_sum', '_up_low', '_down_sum',
        '_down_low',
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
        self._mu = self.mu_0
        self._seen, self._warm_total = 0, 0.0
        self._up_sum = self._up_low = self._down_sum = self._down_low = 0.0

    def update(self, x) -> None:
        if self._drift:
            self.reset()
        if self._mu is None:
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

    def _scan(self, x, trace):
        if self._mu is None:
            used = min(self._warmup - self._seen, x.size)
            self._warm_total = float(_cumsum_from(self._warm_total, x[:used])[-1])
            self._seen += used
            if self._seen == self._warmup:
                self._mu = self._warm_total / self._warmup
            return used, np.zeros(used), None
        up = _cumsum_from(self._up_sum, (x - self._mu) - self._k)
        down = _cumsum_from(self._down_sum, (self._mu - x) - self._k)
        up_low = np.minimum.accumulate(np.concatenate(([self._up_low], up)))[1:]
        down_low = np.minimum.accumulate(np.concatenate(([self._down_low], down)))[1:]
        statistic = np.maximum(up - up_low, down - down_low)
        used = _until_first(statistic > self._h)
        i = used - 1
        self._up_sum, self._up_low = float(up[i]), float(up_low[i])
        self._down_sum, self._down_low = float(down[i]), float(down_low[i])
        self._statistic = float(statistic[i])
        self._drift = self._statistic > self._h
        return used, statistic[:used], None


# --------------------------------------------------------------------------------------------------
# Detectors of error streams (1 = error, 0 = correct; real values in [0, 1] are accepted as river does)


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
        '_warm_start', '_warning_threshold', '_drift_threshold', '_n', '_errors', '_p_min',
        '_s_min', '_ps_min',
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
        '_warm_start', '_alpha', '_beta', '_n', '_last_error', '_errors', '_gap_sum',
        '_gap_squares', '_p2s_max',
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
        '_log_cut', '_log_drift', '_log_warning', '_two_sided', '_n', '_total', '_low', '_low_n',
        '_low_mean', '_high', '_high_n', '_high_mean',
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
        '_lambda', '_log_drift', '_log_warning', '_two_sided', '_bounds', '_bound_list', '_settled',
        '_n', '_ewma', '_up_cut', '_up_ref', '_up_ref_n', '_up_n', '_up_ewma', '_down_cut',
        '_down_ref', '_down_ref_n', '_down_n', '_down_ewma',
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

    __slots__ = ('_size', '_short', '_epsilon', '_short_epsilon', '_n', '_prefix', '_u_max', '_short_max')
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


# --------------------------------------------------------------------------------------------------
# Control arms and the ensemble


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

    __slots__ = ('_period', '_n')
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

    def _scan(self, x, trace):
        used = min(x.size, self._period - self._n)
        statistic = np.arange(self._n + 1, self._n + used + 1, dtype=float)
        self._n += used
        self._statistic, self._drift = float(self._n), self._n >= self._period
        return used, statistic, None


class DetectorEnsemble(DriftDetector):
    """Vote of several detectors fed the same values: drift when enough members alarmed recently.

    A member's alarm is a vote for ``window`` values, its own included (window=1: votes must fall
    on the same value). Drift when the members holding a vote number at least one (vote="any"),
    more than half ("majority") or all of them ("all"); that alarm uses up every vote. Warnings
    are voted on the same value. Members keep their own state and reset themselves after their
    own alarms; building the ensemble resets them. statistic = the members holding a vote.

    >>> ensemble = DetectorEnsemble([Periodic(period=2), Periodic(period=3), NoDrift()], vote="any")
    >>> ensemble.update_many([0.0] * 6)
    array([1, 2, 3, 5])
    >>> DetectorEnsemble([Periodic(period=4), Periodic(period=6)], vote="all", window=3).update_many([0.0] * 12)
    array([ 5, 11])
    """

    __slots__ = ('_members', '_needed', '_window', '_t', '_votes')

    _positional = ("detectors", "vote", "window")
    detectors = param.List(default=[], constant=True, instantiate=False, doc="The member detectors.")
    vote = param.Selector(default="majority", objects=["any", "majority", "all"], constant=True,
                          doc="How many members must hold a vote.")
    window = param.Integer(1, bounds=(1, None), constant=True, doc="Values for which a member's alarm is a vote.")

    def _check(self):
        members = self._v.detectors
        if not members or not all(isinstance(d, DriftDetector) for d in members):
            raise ConfigError("DetectorEnsemble.detectors",
                              f"expected a non-empty list of drift detectors, got {members!r}")
        if len({id(d) for d in members}) < len(members):
            raise ConfigError("DetectorEnsemble.detectors",
                              "expected distinct detector objects (one listed twice would see each value twice)")

    def _configure(self):
        self._members, self._window = list(self.detectors), self.window
        self._needed = {"any": 1, "majority": len(self._members) // 2 + 1, "all": len(self._members)}[self.vote]

    def reset(self) -> None:
        super().reset()
        self._t, self._votes = 0, {}  # values seen; member index -> value count at its unused alarm
        for member in self._members:
            member.reset()

    def update(self, x) -> None:
        t = self._t = self._t + 1
        for i, member in enumerate(self._members):
            member.update(x)
            if member.drift_detected:
                self._votes[i] = t
        self._votes = {i: s for i, s in self._votes.items() if t - s < self._window}
        self._statistic = float(len(self._votes))
        self._drift = len(self._votes) >= self._needed
        if self._drift:
            self._votes = {}
        self._warning = sum(member.warning_detected for member in self._members) >= self._needed

    def update_many(self, values, *, trace: bool = False):
        x = _as_values(values)
        results = [member.update_many(x, trace=trace) for member in self._members]
        events = sorted((int(i), m) for m, r in enumerate(results) for i in (r.alarms if trace else r))
        start, window, votes = self._t, self._window, dict(self._votes)
        alarms, held = [], []  # held: (first, last + 1) value count of every vote, for the statistic
        for i, group in itertools.groupby(events, key=lambda event: event[0]):
            t = start + i + 1
            for _, m in group:
                if m in votes:
                    held.append((votes[m], min(t, votes[m] + window)))
                votes[m] = t
            held += [(s, s + window) for s in votes.values() if t - s >= window]
            votes = {m: s for m, s in votes.items() if t - s < window}
            if len(votes) >= self._needed:
                alarms.append(i)
                held += [(s, t + 1) for s in votes.values()]
                votes = {}
        end = self._t = start + x.size
        held += [(s, min(s + window, end + 1)) for s in votes.values()]
        self._votes = {m: s for m, s in votes.items() if end - s < window}
        counts = np.zeros(x.size + 1)
        for first, stop in held:
            counts[max(first - start - 1, 0)] += 1
            counts[max(stop - start - 1, 0)] -= 1
        statistic = np.cumsum(counts[:-1])
        if x.size:
            self._statistic, self._drift = float(statistic[-1]), bool(alarms) and alarms[-1] == x.size - 1
            self._warning = sum(member.warning_detected for member in self._members) >= self._needed
        alarms = np.array(alarms, dtype=np.intp)
        if not trace:
            return alarms
        warned = np.bincount(np.concatenate([r.warnings for r in results]), minlength=x.size)
        return DetectorTrace(alarms, np.flatnonzero(warned >= self._needed), statistic)


# --------------------------------------------------------------------------------------------------
# Registry


DETECTORS = MappingProxyType({
    cls.__name__: cls
    for cls in (ADWIN, KSWIN, PageHinkley, DDM, EDDM, HDDM_A, HDDM_W, FHDDM, CUSUM, NoDrift, Periodic)
})
"""Detector classes by registry name (the class name)."""


def make_detector(name: str, **settings) -> DriftDetector:
    """The detector registered as ``name``, built with ``settings``.

    >>> make_detector("PageHinkley", threshold=20.0).threshold
    20.0
    >>> make_detector("PageHinkly")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    core.errors.ConfigError: detector: unknown detector 'PageHinkly'; ... (did you mean 'PageHinkley'?)
    """
    if not isinstance(name, str) or name not in DETECTORS:
        raise ConfigError("detector", f"unknown detector {name!r}; expected one of {', '.join(DETECTORS)}"
                                      + did_you_mean(str(name), list(DETECTORS)))
    return DETECTORS[name](**settings)


# --------------------------------------------------------------------------------------------------
# Vector building blocks. Each performs the same floating-point operations, in the same order, as
# the matching per-value code above, so update and update_many agree bit for bit.


def _cumsum_from(start: float, x: np.ndarray) -> np.ndarray:
    """start + x[0], start + x[0] + x[1], ... added left to right (np.cumsum is sequential)."""
    return np.cumsum(np.concatenate(([start], x)))[1:]


def _recurrence(a: float, b: np.ndarray, y0: float) -> np.ndarray:
    """y_t = a·y_{t−1} + b_t from y_0, as the loop ``y = a * y + b`` computes it."""
    return signal.lfilter([1.0], [1.0, -a], b, zi=[a * y0])[0]


def _ewma(x: np.ndarray, lam: float, n: int, ewma: float) -> np.ndarray:
    """river's EWMean after each of the (at least one) values: the first value, then λ·x + (1 − λ)·previous."""
    c = 1 - lam
    if n:
        return signal.lfilter([lam], [1.0, -c], x, zi=[c * ewma])[0]
    out = np.empty(x.size)
    out[0] = x[0]
    out[1:] = signal.lfilter([lam], [1.0, -c], x[1:], zi=[c * x[0]])[0]
    return out


def _restarted_ewma(x, lam, restart, n, ewma):
    """Count and EWMA of the values after the latest restart (a restart empties it: count 0, EWMA 0)."""
    last = _latest(restart)
    index = np.arange(x.size)
    counts = np.where(last >= 0, index - last, n + index + 1)
    out = np.zeros(x.size)
    cuts = np.flatnonzero(restart).tolist()
    for start, stop, carried in zip([0] + [c + 1 for c in cuts], cuts + [x.size], [True] + [False] * len(cuts)):
        if stop > start:
            out[start:stop] = _ewma(x[start:stop], lam, n if carried else 0, ewma if carried else 0.0)
    return counts, out


class _Cuts(NamedTuple):
    key: np.ndarray  # the cut point's key after each step (the running minimum or maximum)
    n: np.ndarray  # the count at the cut point
    value: np.ndarray  # the value remembered at the cut point
    new: np.ndarray  # whether the step moved the cut point


def _cut_points(key, n, value, state, *, lower: bool, strict: bool = False) -> _Cuts:
    """The cut point after each step: the latest step whose ``key`` reached a new minimum (or maximum).

    ``state`` is (key, n, value) of the cut point before the first step; a tie moves it unless strict.
    """
    best = (np.minimum if lower else np.maximum).accumulate(np.concatenate(([state[0]], key)))
    before = best[:-1]
    if strict:
        new = key < before if lower else key > before
    else:
        new = key <= before if lower else key >= before
    last = _latest(new)
    return _Cuts(best[1:], np.where(last >= 0, n[last], state[1]), np.where(last >= 0, value[last], state[2]), new)


def _latest(flags: np.ndarray) -> np.ndarray:
    """Index of the latest True at or before each position (−1 before the first)."""
    return np.maximum.accumulate(np.where(flags, np.arange(flags.size), -1))


def _forward_fill(at: np.ndarray, values: np.ndarray, size: int, before):
    """An array of ``size`` holding values[j] from position at[j] on, and ``before`` ahead of at[0]."""
    marks = np.full(size, -1)
    marks[at] = np.arange(at.size)
    latest = np.maximum.accumulate(marks)
    return np.where(latest >= 0, values[latest] if values.size else before, before)


def _until_first(flags: np.ndarray) -> int:
    """How many positions up to and including the first True (all of them when none)."""
    first = int(np.argmax(flags))
    return first + 1 if flags[first] else flags.size


def _ewma_bound_table(lam: float) -> np.ndarray:
    """c_n = λ² + (1 − λ)²·c_{n−1} from c_0 = 1, up to where it stops changing in floating point."""
    lam_sq, rest_sq = lam * lam, (1 - lam) ** 2
    table = [1.0]
    while (following := lam_sq + rest_sq * table[-1]) != table[-1]:
        table.append(following)
    return np.array(table)


# --------------------------------------------------------------------------------------------------
# KSWIN's test and its reference samples


@functools.lru_cache(maxsize=None)
def _ks_test(size: int, distance: int) -> tuple[float, float]:
    """KS statistic and p-value that scipy's ks_2samp (method "auto", as river calls it) gives two
    samples of ``size`` values whose ECDFs differ by at most ``distance``/``size``: it depends on
    nothing else, so it is asked once, of two shifted ranges."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        result = stats.ks_2samp(np.arange(size), np.arange(size) + distance, method="auto")
    return float(result.statistic), float(result.pvalue)


def _ks_distances(reference: np.ndarray, newest: np.ndarray) -> np.ndarray:
    """max_v |#{reference ≤ v} − #{newest ≤ v}| for each row of two (rows, k) arrays of integer ranks."""
    k = reference.shape[1]
    keys = np.concatenate((reference * 2 + 1, newest * 2), axis=1)
    keys.sort(axis=1)
    steps = (keys & 1).astype(np.int8 if k < 128 else np.int32) * 2 - 1
    balance = np.cumsum(steps, axis=1, dtype=steps.dtype)
    ranks = keys >> 1
    end_of_ties = np.ones(keys.shape, bool)  # the ECDFs count every copy of a tied value
    np.not_equal(ranks[:, 1:], ranks[:, :-1], out=end_of_ties[:, :-1])
    return np.abs(np.where(end_of_ties, balance, 0)).max(axis=1).astype(np.intp)


def _replay_samples(rng: random.Random, population: int, k: int, count: int) -> np.ndarray:
    """``[rng.sample(range(population), k) for _ in range(count)]`` as a (count, k) array, leaving ``rng``
    in the same state.

    CPython draws each index j < m as ``getrandbits(m.bit_length())``, redrawn while ≥ m, from one
    32-bit Mersenne Twister word per try, and (for a small population) picks pool[j] from a pool
    that shrinks by moving its last item into the hole. With a population of at most 255 the top
    byte of a word decides a try, so one regular expression over those bytes, "[rejected]*[accepted]"
    per draw, splits the words into samples in C; numpy then reads the accepted words and replays
    the pool moves. Few samples, or other sizes, call ``rng.sample``.
    """
    set_size = 21 + (4 ** math.ceil(math.log(k * 3, 4)) if k > 5 else 0)  # CPython's pool/set choice
    if count < 64 or population > min(255, set_size):
        return np.array([rng.sample(range(population), k) for _ in range(count)], dtype=np.intp).reshape(count, k)
    pattern, thresholds, shifts, words_per_sample = _sampling_program(population, k)
    state = rng.getstate()
    words = int(count * words_per_sample * 1.05) + 64
    while True:  # too few words end in a failed or misaligned match: then draw more
        raw = np.frombuffer(rng.getrandbits(32 * words).to_bytes(4 * words, "little"), "<u4")
        top = (raw >> 24).astype(np.uint8)
        pieces = pattern.split(top.tobytes(), maxsplit=count)  # gap, sample, gap, sample, ..., the rest
        rng.setstate(state)
        if len(pieces) == 2 * count + 1 and not any(pieces[0:-1:2]):
            break
        words *= 2
    ends = np.cumsum(np.fromiter(map(len, pieces[1::2]), np.intp, count))
    rng.getrandbits(32 * int(ends[-1]))
    position = np.concatenate(([0], ends[:-1]))
    picks = np.empty((k, count), dtype=np.intp)
    for i, (threshold, shift) in enumerate(zip(thresholds, shifts)):
        rejected = np.flatnonzero(top[position] >= threshold)
        while rejected.size:
            position[rejected] += 1
            rejected = rejected[top[position[rejected]] >= threshold]
        picks[i] = top[position] >> shift
        position += 1
    pool = np.repeat(np.arange(population, dtype=np.uint8)[:, None], count, axis=1)
    flat, columns = pool.reshape(-1), np.arange(count)
    chosen = np.empty((k, count), dtype=np.intp)
    for i in range(k):
        slots = picks[i] * count + columns
        chosen[i] = flat[slots]
        flat[slots] = pool[population - 1 - i]
    return chosen.T


@functools.lru_cache(maxsize=None)
def _sampling_program(population: int, k: int):
    bounds = range(population, population - k, -1)
    shifts = [8 - m.bit_length() for m in bounds]
    thresholds = [m << shift for m, shift in zip(bounds, shifts)]  # a top byte below it is accepted
    units = b"".join(rb"[\x%02x-\xff]*[\x00-\x%02x]" % (t, t - 1) for t in thresholds)
    words_per_sample = sum(2 ** m.bit_length() / m for m in bounds)
    return re.compile(b"(" + units + b")"), thresholds, shifts, words_per_sample
