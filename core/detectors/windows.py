"""Detectors over a window of recent real values: ADWIN (adaptive window, a compiled exponential histogram) and
KSWIN (sliding window, Kolmogorov-Smirnov test, river's reference samples replayed exactly).
"""
from __future__ import annotations

import functools
import math
import random
import warnings
from collections import deque

import numpy as np
import param

from ..errors import ConfigError
from ._compiled import kernel
from ._python_random import _replay_samples
from .base import DriftDetector, _until_first

_CACHED_ROWS = 1 << 16  # KSWIN reference samples kept per detector


class ADWIN(DriftDetector):
    """ADaptive WINdowing (Bifet & Gavaldà, 2007): river's ``drift.ADWIN``, re-implemented, compiled.

    ADWIN keeps the recent values in exponential-histogram buckets: level i holds up to
    ``max_buckets`` buckets of 2^i values (their total and their sum of squared deviations); when a
    level fills, its two oldest buckets merge into one of the next level. Every ``clock`` values, once
    the window W holds more than ``grace_period``, it tries each split of W at a bucket boundary into
    an older W₀ and a newer W₁ (both at least ℓ = ``min_window_length`` long); while some split has
    |mean(W₀) − mean(W₁)| > √(2·m·σ²_W·δ′) + ⅔·m·δ′, with σ²_W the variance of W,
    δ′ = ln(2·ln|W| / delta) and m = 1/(|W₀| − ℓ + 1) + 1/(|W₁| − ℓ + 1), it drops the oldest bucket
    and raises an alarm. statistic = the mean of the window; ``width`` = its length.

    Every update does river's floating-point operations in river's order, so the alarms and the window
    statistics are river's bit for bit. ``update`` and ``update_many`` run the same numba kernel (on
    one value, or on the array). One difference: where river's code stops with a Rust panic (an empty
    level left as the oldest by a drop, seen with ``max_buckets=1``), empty oldest levels are dropped.

    >>> import numpy as np
    >>> rng = np.random.default_rng(42)
    >>> stream = np.concatenate([rng.normal(0, 1, 1000), rng.normal(2, 1, 1000)])
    >>> adwin = ADWIN()
    >>> adwin.update_many(stream)
    array([1023])
    >>> adwin.width
    976
    """

    __slots__ = ('_alarm', '_args', '_counts', '_one', '_state', '_totals', '_untraced', '_variances')
    _positional = ("delta", "clock", "max_buckets", "min_window_length", "grace_period")

    delta = param.Number(0.002, bounds=(0, 1), inclusive_bounds=(False, False), constant=True,
                         doc="Significance of the cut test.")
    clock = param.Integer(32, bounds=(1, None), constant=True, doc="Test for a cut every this many values.")
    max_buckets = param.Integer(5, bounds=(1, None), constant=True, doc="Buckets kept per size before merging.")
    min_window_length = param.Integer(5, bounds=(1, None), constant=True,
                                      doc="Shortest sub-window a cut may leave.")
    grace_period = param.Integer(10, bounds=(0, None), constant=True, doc="Values seen before the first test.")

    def _configure(self):
        # update's value and alarm as the kernel's arrays, kept: a call that allocates nothing is 3x faster
        self._one, self._alarm, self._untraced = np.empty(1), np.empty(1, np.int64), np.empty(0)

    def reset(self) -> None:
        super().reset()
        self._state = np.zeros(len(_ADWIN_STATE))
        self._state[_ADWIN_STATE.index("levels")] = 1
        # level i: up to max_buckets + 1 buckets (one over, until the merge) of 2^i values each;
        # 64 levels hold more values than a float64 width can count
        self._totals = np.zeros((_LEVELS, self.max_buckets + 1))
        self._variances = np.zeros((_LEVELS, self.max_buckets + 1))
        self._counts = np.zeros(_LEVELS, np.int64)
        self._args = (self._state, self._totals, self._variances, self._counts, float(self.delta), int(self.clock),
                      int(self.max_buckets), float(self.min_window_length), float(self.grace_period))

    def update(self, x) -> None:
        self._one[0] = x
        _adwin(self._one, self._alarm, self._untraced, *self._args)
        self._drift = bool(self._state[0])

    def _run(self, x, trace):
        alarms, means = np.empty(x.size, np.int64), np.empty(x.size if trace else 0)
        found = _adwin(x, alarms, means, *self._args)
        self._drift = bool(self._state[0])
        return alarms[:found], means, np.zeros(means.size, np.bool_)

    @property
    def statistic(self) -> float:
        width = self._state[1]
        return float(self._state[2] / width) if width else 0.0

    @property
    def width(self) -> int:
        """Number of values in the window."""
        return int(self._state[1])

    @property
    def total(self) -> float:
        """The sum of the values in the window (river's ``total``)."""
        return float(self._state[2])

    @property
    def variance(self) -> float:
        """River's ``variance``: the sum of squared deviations from the window mean, ``width · σ²``.

        (river documents it as the sample variance; the value is the unnormalised sum, and kept so.)
        """
        return float(self._state[3])

    @property
    def estimation(self) -> float:
        """The mean of the window, 0 when it is empty (river's ``estimation``; the same as ``statistic``)."""
        return self.statistic

    @property
    def n_detections(self) -> int:
        """Changes detected since the last reset (river's ``n_detections``): a reset follows each alarm, so
        it is 1 right after an alarm and 0 otherwise."""
        return int(self._drift)


_ADWIN_STATE = ("drift", "width", "total", "variance", "levels", "tick")
_LEVELS = 64


@kernel
def _adwin(x, alarms, means, state, totals, variances, counts, delta, clock, max_buckets, min_length, grace):
    """ADWIN.update over ``x``: ``state`` as _ADWIN_STATE; level i's buckets in totals[i], variances[i]
    (the oldest first, counts[i] of them). Writes the alarms into ``alarms`` and returns how many; writes
    the mean after each value into ``means`` unless it is empty."""
    drift, width, total, variance, levels, tick = (
        state[0] != 0, state[1], state[2], state[3], int(state[4]), int(state[5]))
    found, trace = 0, means.size > 0
    for i in range(x.size):
        if drift:
            drift, width, total, variance, tick = False, 0.0, 0.0, 0.0, 0
            counts[:levels] = 0
            levels = 1
        value = x[i]
        # insert: a bucket of one value, and the window's sums by Welford's update
        totals[0, counts[0]], variances[0, counts[0]] = value, 0.0
        counts[0] += 1
        width += 1.0
        increment = 0.0
        if width > 1.0:
            deviation = value - total / (width - 1.0)
            increment = (width - 1.0) * deviation * deviation / width
        variance += increment
        total += value
        level = 0
        while counts[level] == max_buckets + 1:  # a full level: merge its two oldest buckets into the next
            size = float(1 << level)
            t0, t1 = totals[level, 0], totals[level, 1]
            mean0, mean1 = t0 / size, t1 / size
            spread = variances[level, 0] + variances[level, 1] + size * 0.5 * (mean0 - mean1) * (mean0 - mean1)
            if level + 1 == levels:
                levels += 1
            totals[level + 1, counts[level + 1]], variances[level + 1, counts[level + 1]] = t0 + t1, spread
            counts[level + 1] += 1
            counts[level] -= 2
            for k in range(counts[level]):
                totals[level, k], variances[level, k] = totals[level, k + 2], variances[level, k + 2]
            if counts[level + 1] <= max_buckets:
                break
            level += 1
        # test every split, oldest bucket first; after a cut, drop the oldest bucket and test again
        tick += 1
        if tick % clock == 0 and width > grace:
            cut = True
            while cut:
                cut = False
                log_term = math.log(2.0 * math.log(width) / delta)  # δ′, fixed until the window changes
                older, newer, older_total, newer_total = 0.0, width, 0.0, total
                for level in range(levels - 1, -1, -1):
                    size = float(1 << level)
                    for k in range(counts[level]):
                        older += size
                        newer -= size
                        older_total += totals[level, k]
                        newer_total -= totals[level, k]
                        if level == 0 and k == counts[0] - 1:
                            break
                        if newer >= min_length and older >= min_length:  # (newer may be 0 when level 0 is empty)
                            gap = (older_total / older) - (newer_total / newer)
                            m = 1.0 / (older - min_length + 1.0) + 1.0 / (newer - min_length + 1.0)
                            bound = (math.sqrt(2.0 * m * (variance / width) * log_term)
                                     + 2.0 / 3.0 * log_term * m)
                            if abs(gap) > bound:
                                cut = drift = True
                                break
                    if cut:
                        break
                if cut:  # drop the oldest bucket
                    last = levels - 1
                    size = float(1 << last)
                    dropped = totals[last, 0]
                    mean = dropped / size
                    width -= size
                    total -= dropped
                    rest = total / width
                    variance -= variances[last, 0] + size * width * (mean - rest) * (mean - rest) / (size + width)
                    counts[last] -= 1
                    for k in range(counts[last]):
                        totals[last, k], variances[last, k] = totals[last, k + 1], variances[last, k + 1]
                    while levels > 1 and counts[levels - 1] == 0:
                        levels -= 1
        if drift:
            alarms[found], found = i, found + 1
        if trace:
            means[i] = total / width
    state[0], state[1], state[2], state[3], state[4], state[5] = drift, width, total, variance, levels, tick
    return found


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
        '_alpha',
        '_beyond',
        '_frontier',
        '_k',
        '_older',
        '_p_value',
        '_rows',
        '_seed',
        '_size',
        '_tests',
        '_window',
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
        self._window: deque[float] = deque(maxlen=self._size)
        self._p_value = 0.0
        self._tests = 0  # tests since the reset
        self._beyond: random.Random | None = None  # generator for tests past the kept rows

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


@functools.cache
def _ks_test(size: int, distance: int) -> tuple[float, float]:
    """KS statistic and p-value that scipy's ks_2samp (method "auto", as river calls it) gives two
    samples of ``size`` values whose ECDFs differ by at most ``distance``/``size``: it depends on
    nothing else, so it is asked once, of two shifted ranges."""
    from scipy import stats  # on first use: scipy.stats alone is a third of ``import driftlab``

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
