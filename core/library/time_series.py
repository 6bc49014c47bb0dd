"""The time-series scenario of streamgen's guide: background noise, then a ramp, a step, or nothing.

A sample is ``signal_length`` points of noise ``N(offset, strength²)`` (scope ``background``,
``signal_length`` global); then the branching node ``classes`` picks one of

- ``background``: the noise alone;
- ``ramp``: plus a linear ramp from 0 to ``height`` over ``length`` points at a uniform start;
- ``step``: plus a unit step of ``length`` points at a uniform start, smoothed by a moving
  average of ``kernel_size`` points (``np.convolve(..., mode="same")``).

Drift: covariate shift through ``background.offset`` / ``background.strength``, concept shift
through ``ramp.height`` / ``ramp.length`` (and the step's), prior shift through
``classes.probs``. The default schedule holds each of four regimes for ``regime_length`` steps:
calm, covariate shift, concept shift, prior shift.

>>> tree = time_series(seed=0)
>>> X, y = tree.batch(6)
>>> X.shape, sorted(tree.classes)
((6, 256), ['background', 'ramp', 'step'])
>>> tree.change_points(15)
[4, 8, 12]
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError
from ..nodes import batched
from ..registry import TRANSFORMS
from ..tree import SamplingTree

REGIMES: dict[str, list[Any]] = {  # calm, covariate shift, concept shift, prior shift
    "background.offset": [0.0, 0.5, 0.5, 0.5],
    "background.strength": [0.1, 0.3, 0.3, 0.3],
    "ramp.height": [1.0, 1.0, 0.5, 0.5],
    "ramp.length": [64, 64, 128, 128],
    "step.length": [32, 32, 16, 16],
    "step.kernel_size": [1, 1, 9, 9],
    "classes.probs": [[0.5, 0.25, 0.25]] * 3 + [[0.2, 0.2, 0.6]],
}


@TRANSFORMS.register
@batched
def background(x, signal_length, offset, strength, rng):
    """``len(x)`` signals of Gaussian noise ``N(offset, strength²)``."""
    return rng.normal(offset, strength, (len(x), signal_length))


@TRANSFORMS.register
@batched
def ramp(x, height, length, rng):
    """Adds ``linspace(0, height, length)`` at a start drawn uniformly from ``[0, L − length)``."""
    n, size = x.shape
    start = rng.integers(0, size - length, n)
    x[np.arange(n)[:, None], start[:, None] + np.arange(length)] += np.linspace(0.0, height, length)
    return x


@TRANSFORMS.register
@batched
def step(x, length, kernel_size, rng):
    """Adds a unit step of ``length`` points at a uniform start, smoothed by a ``kernel_size`` moving average.

    The box filter of a box is closed-form: point ``i`` averages ``[i − ⌊k/2⌋, i + ⌊(k−1)/2⌋]``
    (the window of ``np.convolve(step, ones(k) / k, mode="same")``), so it adds the number of
    step points in that window over ``k``; only the ``length + k − 1`` points it can reach change.
    """
    n, size = x.shape
    start = rng.integers(0, size - length, n)[:, None]
    i = start - (kernel_size - 1) // 2 + np.arange(length + kernel_size - 1)
    overlap = np.minimum(start + length - 1, i + (kernel_size - 1) // 2) - np.maximum(start, i - kernel_size // 2) + 1
    inside = (i >= 0) & (i < size)
    rows = np.broadcast_to(np.arange(n)[:, None], i.shape)
    x[rows[inside], i[inside]] += overlap[inside] / kernel_size
    return x


def time_series(seed: int = 0, signal_length: int = 256, regime_length: int = 4, drift: bool = True) -> SamplingTree:
    """The time-series tree with the default drifting schedule (``drift=False``: the calm regime only)."""
    longest = max(REGIMES["ramp.length"] + REGIMES["step.length"])
    if signal_length <= longest:
        raise ConfigError("signal_length", f"must exceed the longest pattern ({longest} points), got {signal_length}")
    params = {name: ({"schedule": [v for v in values for _ in range(regime_length)]} if drift else values[0])
              for name, values in REGIMES.items()}
    params["signal_length"] = signal_length
    nodes = [background, {"name": "classes", "background": "background", "ramp": [ramp, "ramp"],
                          "step": [step, "step"]}]
    return SamplingTree(nodes, params, rng=seed)
