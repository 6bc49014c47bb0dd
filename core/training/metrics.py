"""Continual-learning metrics on an accuracy matrix, with Avalanche's definitions (0-based here).

``R[i, j]`` is the accuracy on experience j after training on experience i, for T experiences
trained (R is T x T; entries never measured are NaN: a stream only knows experience i + 1 when
it arrives, so row i holds j <= i + 1). With t = T − 1 the last row:

- average accuracy  = mean_{j <= t} R[t, j]
- forgetting of j   = max_{j <= l < t} R[l, j] − R[t, j], for j < t (best accuracy after j was learned,
  minus the final one); average forgetting is its mean
- backward transfer = mean_{j < t} R[t, j] − R[j, j]
- forward transfer  = mean_{1 <= j <= t} R[j − 1, j] − b[j], b[j] the accuracy of the untrained model

A metric that needs two experiences is NaN for one.

>>> R = np.array([[0.75, 0.25], [0.5, 1.0]])
>>> average_accuracy(R), average_forgetting(R), backward_transfer(R), forward_transfer(R, [0.0, 0.125])
(0.75, 0.25, -0.25, 0.125)
"""
from __future__ import annotations

import numpy as np

from driftlab.errors import ConfigError


def _square(R) -> np.ndarray:
    R = np.asarray(R, dtype=float)
    if R.ndim != 2 or R.shape[0] != R.shape[1] or R.shape[0] == 0:
        raise ConfigError("R", f"expected a non-empty square accuracy matrix, got shape {R.shape}")
    return R


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if values.size else float("nan")


def average_accuracy(R) -> float:
    """Mean accuracy over every experience seen, after training on the last."""
    R = _square(R)
    return _mean(R[-1])


def forgetting(R) -> np.ndarray:
    """Per experience j < t: best accuracy on j after learning it, before the last, minus the final one."""
    R = _square(R)
    t = R.shape[0] - 1
    return np.array([np.max(R[j:t, j]) - R[t, j] for j in range(t)])


def average_forgetting(R) -> float:
    """Mean of :func:`forgetting` (NaN with one experience)."""
    return _mean(forgetting(R))


def backward_transfer(R) -> float:
    """Mean over j < t of R[t, j] − R[j, j]: how training on later experiences changed earlier ones."""
    R = _square(R)
    t = R.shape[0] - 1
    return _mean(R[t, :t] - np.diag(R)[:t])


def forward_transfer(R, baseline) -> float:
    """Mean over 1 <= j <= t of R[j − 1, j] − b[j]: what earlier training gives an unseen experience."""
    R = _square(R)
    b = np.asarray(baseline, dtype=float)
    if b.shape != (R.shape[0],):
        raise ConfigError("baseline", f"expected one accuracy per experience ({R.shape[0]}), got shape {b.shape}")
    j = np.arange(1, R.shape[0])
    return _mean(R[j - 1, j] - b[j])


def summary(R, baseline) -> dict[str, float]:
    """All four metrics by name: average_accuracy, forgetting (the average), backward/forward_transfer."""
    return {"average_accuracy": average_accuracy(R), "forgetting": average_forgetting(R),
            "backward_transfer": backward_transfer(R), "forward_transfer": forward_transfer(R, baseline)}
