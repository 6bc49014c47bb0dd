"""Compiled per-value loops behind ``update_many``: each detector's ``update`` rule as a numba kernel.

A kernel repeats ``update`` line for line (the same floating-point operations in the same order, and
the reset on the value after an alarm), so ``update`` and ``update_many`` agree bit for bit. It takes
the detector's state as a float64 array, leaves the final state there, and returns the alarms plus,
when traced, the statistic and the warning flag after every value.

numba is imported when a kernel is first called, not by ``import driftlab``; ``cache=True`` keeps the
machine code next to this package (or in numba's user cache), so only the very first call on a
machine compiles.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np


def kernel(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` compiled by ``numba.njit(cache=True)`` on its first call."""
    compiled = None

    @functools.wraps(function)
    def call(*args):
        nonlocal compiled
        if compiled is None:
            import numba

            compiled = numba.njit(cache=True)(function)
        return compiled(*args)

    return call


def run_kernel(detector, names: tuple[str, ...], kernel_call: Callable[..., Any], x: np.ndarray, trace: bool,
               *settings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run ``kernel_call(x, state, *settings, trace)`` with the detector's attributes ``names`` as the state.

    The attributes are read into a float64 array and written back with their own types (bool, int, float).
    """
    before = [getattr(detector, name) for name in names]
    state = np.array(before, dtype=np.float64)
    alarms, statistic, warning = kernel_call(x, state, *settings, trace)
    for name, old, new in zip(names, before, state.tolist(), strict=True):
        setattr(detector, name, type(old)(new))
    return alarms, statistic, warning
