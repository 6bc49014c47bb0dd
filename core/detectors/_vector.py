"""Vector building blocks of the detectors' ``_scan`` methods.

Each performs the same floating-point operations, in the same order, as the matching per-value
code in the detectors' ``update``, so ``update`` and ``update_many`` agree bit for bit.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


def _lfilter(b: list[float], a: list[float], x: np.ndarray, zi: list[float]) -> np.ndarray:
    """scipy's ``lfilter``, imported on first use (scipy.signal is most of ``import driftlab``'s time)."""
    from scipy.signal import lfilter

    return lfilter(b, a, x, zi=zi)[0]


def _cumsum_from(start: float, x: np.ndarray) -> np.ndarray:
    """start + x[0], start + x[0] + x[1], ... added left to right (np.cumsum is sequential)."""
    return np.cumsum(np.concatenate(([start], x)))[1:]


def _recurrence(a: float, b: np.ndarray, y0: float) -> np.ndarray:
    """y_t = a·y_{t−1} + b_t from y_0, as the loop ``y = a * y + b`` computes it."""
    return _lfilter([1.0], [1.0, -a], b, zi=[a * y0])


def _ewma(x: np.ndarray, lam: float, n: int, ewma: float) -> np.ndarray:
    """river's EWMean after each of the (at least one) values: the first value, then λ·x + (1 − λ)·previous."""
    c = 1 - lam
    if n:
        return _lfilter([lam], [1.0, -c], x, zi=[c * ewma])
    out = np.empty(x.size)
    out[0] = x[0]
    out[1:] = _lfilter([lam], [1.0, -c], x[1:], zi=[c * x[0]])
    return out


def _restarted_ewma(x, lam, restart, n, ewma):
    """Count and EWMA of the values after the latest restart (a restart empties it: count 0, EWMA 0)."""
    last = _latest(restart)
    index = np.arange(x.size)
    counts = np.where(last >= 0, index - last, n + index + 1)
    out = np.zeros(x.size)
    cuts = np.flatnonzero(restart).tolist()
    starts, carries = [0] + [c + 1 for c in cuts], [True] + [False] * len(cuts)
    for start, stop, carried in zip(starts, [*cuts, x.size], carries, strict=True):
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
    new = (key < before if lower else key > before) if strict else key <= before if lower else key >= before
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
