"""Probability vectors over ordered categories: validation, distance, and the size of a change.

A change of a parameter value is measured as
- ``new - old`` for real numbers (signed);
- the 1-Wasserstein distance over category indices for probability vectors,
  ``W1(p, q) = Σ_i |P_i − Q_i|`` with ``P``, ``Q`` the cumulative sums (the mass moved times
  the number of categories it moves across);
- ``nan`` for anything else (the value changed or not, but has no size).
"""
from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from .errors import ConfigError

TOLERANCE = 1e-9


def as_distribution(value: Any, path: str) -> np.ndarray:
    """``value`` as a read-only float vector, after checking it is a probability vector.

    >>> as_distribution([0.25, 0.75], "probs")
    array([0.25, 0.75])
    >>> as_distribution([0.5, 0.6], "probs")
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: probs: expected a probability vector summing to 1, got [0.5, 0.6] (sum 1.1)
    """
    try:
        p = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(path, f"expected a probability vector (a list of numbers), got {value!r}") from None
    if p.ndim != 1 or p.size == 0:
        raise ConfigError(path, f"expected a non-empty 1-D probability vector, got {value!r}")
    if not np.all(np.isfinite(p)) or np.any(p < -TOLERANCE):
        raise ConfigError(path, f"expected non-negative finite probabilities, got {_show(p)}")
    total = p.sum()
    if abs(total - 1.0) > 1e-6:
        raise ConfigError(path, f"expected a probability vector summing to 1, got {_show(p)} (sum {total:.6g})")
    return _frozen(p)


def renormalise(p: np.ndarray) -> np.ndarray:
    """Clip rounding noise below zero and rescale to sum exactly to 1 (read-only result)."""
    p = np.clip(np.asarray(p, dtype=float), 0.0, None)
    return _frozen(p / p.sum())


def wasserstein1(p: np.ndarray, q: np.ndarray) -> float:
    """1-Wasserstein distance between two distributions over categories ``0..n-1``.

    >>> wasserstein1([1.0, 0.0, 0.0], [0.0, 0.0, 1.0])
    2.0
    """
    return float(np.abs(np.cumsum(np.subtract(p, q))).sum())


def is_distribution(value: Any) -> bool:
    """Whether ``value`` is a 1-D numeric vector of non-negative entries summing to 1."""
    if not isinstance(value, (list, tuple, np.ndarray)):
        return False
    try:
        p = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return p.ndim == 1 and p.size > 0 and bool(np.all(p >= -TOLERANCE)) and abs(p.sum() - 1.0) <= 1e-6


def measure_change(old: Any, new: Any) -> tuple[bool, float]:
    """``(changed, delta)`` between two values of a parameter, by the rules in the module doc.

    >>> measure_change(1.0, 1.5)
    (True, 0.5)
    >>> measure_change([0.5, 0.5], [0.0, 1.0])
    (True, 0.5)
    >>> measure_change("a", "a")
    (False, 0.0)
    """
    if _is_real(old) and _is_real(new):
        delta = float(new) - float(old)
        return delta != 0.0, delta
    if is_distribution(old) and is_distribution(new) and len(old) == len(new):
        delta = wasserstein1(old, new)
        return delta > 0.0, delta
    changed = _differ(old, new)
    return changed, (math.nan if changed else 0.0)


def _is_real(x: Any) -> bool:
    return isinstance(x, (Real, np.number)) and not isinstance(x, (bool, np.bool_))


def _differ(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape != b.shape or not np.array_equal(a, b)
    try:
        return bool(a != b)
    except (TypeError, ValueError):
        return a is not b


def _frozen(p: np.ndarray) -> np.ndarray:
    p.setflags(write=False)
    return p


def _show(p: np.ndarray) -> str:
    return "[" + ", ".join(f"{x:.6g}" for x in p) + "]"


def values_wasserstein(p: Any, q: Any) -> float:
    """NS-Gym's ``delta`` of a distribution update: the 1-Wasserstein distance between the
    probability *values* of ``p`` and ``q`` taken as two samples (``scipy.stats.wasserstein_distance(p, q)``).

    driftlab's own ``delta`` (:func:`wasserstein1`) treats the vectors as distributions over the
    ordered categories, so it sees mass moving between categories; this one only sees the set of
    values change (a permutation has distance 0). For two samples of one size it is the mean
    absolute difference of the sorted values.

    >>> values_wasserstein([0.5, 0.5], [1.0, 0.0])
    0.5
    >>> values_wasserstein([1.0, 0.0], [0.0, 1.0])
    0.0
    """
    a, b = np.sort(np.asarray(p, dtype=float).ravel()), np.sort(np.asarray(q, dtype=float).ravel())
    if a.size != b.size:
        raise ConfigError("q", f"expected {a.size} probabilities, like p, got {b.size}")
    return float(np.mean(np.abs(a - b))) if a.size else 0.0
