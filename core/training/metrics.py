"""Continual-learning metrics on an accuracy matrix, each named by its definition and source (0-based here).

``R[i, j]`` is the accuracy on experience j after training on experience i, for T experiences
trained (R is T x T; entries never measured are NaN: a stream only knows experience i + 1 when
it arrives, so row i holds j <= i + 1). With t = T − 1 the last row:

- average accuracy     = mean_{j <= t} R[t, j]                              (Avalanche, GEM)
- forgetting_avalanche = mean_{j < t} R[j, j] − R[t, j]: accuracy right after learning j minus the final
  one (Avalanche 0.6's ExperienceForgetting / StreamForgetting); equal to −backward transfer
- forgetting_chaudhry  = mean_{j < t} max_{j <= l < t} R[l, j] − R[t, j]: best accuracy on j once learned,
  before the last, minus the final one (Chaudhry et al. 2018, "Riemannian Walk", the forgetting measure)
- backward transfer    = mean_{j < t} R[t, j] − R[j, j]                     (Lopez-Paz & Ranzato 2017, GEM)
- forward transfer     = mean_{1 <= j <= t} R[j − 1, j] − b[j], b[j] the accuracy of the untrained model

The two forgettings agree when no experience is ever more accurate than right after it was
learned; Chaudhry's is never smaller. A metric that needs two experiences is NaN for one.

>>> R = np.array([[0.75, 0.25, np.nan], [0.875, 0.5, 0.25], [0.5, 0.75, 1.0]])
>>> average_forgetting_avalanche(R), average_forgetting_chaudhry(R), backward_transfer(R)
(0.0, 0.0625, 0.0)
"""
from __future__ import annotations

import inspect

import numpy as np

from driftlab.errors import ConfigError
from driftlab.registry import METRICS


def _square(R) -> np.ndarray:
    R = np.asarray(R, dtype=float)
    if R.ndim != 2 or R.shape[0] != R.shape[1] or R.shape[0] == 0:
        raise ConfigError("R", f"expected a non-empty square accuracy matrix, got shape {R.shape}")
    return R


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if values.size else float("nan")


def average_accuracy(R) -> float:
    """Mean accuracy over every experience seen, after training on the last: mean_{j <= t} R[t, j].

    >>> average_accuracy([[0.75, 0.25], [0.5, 1.0]])
    0.75
    """
    R = _square(R)
    return _mean(R[-1])


def forgetting_avalanche(R) -> np.ndarray:
    """Per experience j < t, Avalanche's forgetting: R[j, j] − R[t, j].

    The accuracy on j right after training on it minus the final accuracy on j, as Avalanche 0.6's
    ``ExperienceForgetting`` / ``StreamForgetting`` (which averages it over the experiences trained
    before the last) compute it: the per-experience negative of backward transfer.

    >>> forgetting_avalanche([[0.75, 0.25, np.nan], [0.875, 0.5, 0.25], [0.5, 0.75, 1.0]])
    array([ 0.25, -0.25])
    """
    R = _square(R)
    t = R.shape[0] - 1
    return np.diag(R)[:t] - R[t, :t]


def forgetting_chaudhry(R) -> np.ndarray:
    """Per experience j < t, Chaudhry et al.'s forgetting: max_{j <= l < t} R[l, j] − R[t, j].

    The best accuracy on j after it was learned and before the last experience, minus the final
    one (Chaudhry, Dokania, Ajanthan & Torr 2018, "Riemannian Walk for Incremental Learning",
    f_j^k). Rows l < j are no candidates: there j is not learned yet (R[j − 1, j] is the forward-
    transfer entry), as in the paper, where accuracy on a task is measured once it is learned.

    >>> forgetting_chaudhry([[0.75, 0.25, np.nan], [0.875, 0.5, 0.25], [0.5, 0.75, 1.0]])
    array([ 0.375, -0.25 ])
    """
    R = _square(R)
    t = R.shape[0] - 1
    return np.array([np.max(R[j:t, j]) - R[t, j] for j in range(t)])


def average_forgetting_avalanche(R) -> float:
    """Mean of :func:`forgetting_avalanche` over j < t (Avalanche's StreamForgetting; NaN with one experience).

    >>> average_forgetting_avalanche([[0.9, 0.1], [0.5, 0.8]])
    0.4
    """
    return _mean(forgetting_avalanche(R))


def average_forgetting_chaudhry(R) -> float:
    """Mean of :func:`forgetting_chaudhry` over j < t (Chaudhry et al. 2018's F_k; NaN with one experience).

    >>> average_forgetting_chaudhry([[0.9, 0.1], [0.5, 0.8]])
    0.4
    """
    return _mean(forgetting_chaudhry(R))


def backward_transfer(R) -> float:
    """Mean over j < t of R[t, j] − R[j, j]: how training on later experiences changed earlier ones (GEM, Avalanche).

    >>> backward_transfer([[0.9, 0.1], [0.5, 0.8]])
    -0.4
    """
    R = _square(R)
    t = R.shape[0] - 1
    return _mean(R[t, :t] - np.diag(R)[:t])


def forward_transfer(R, baseline) -> float:
    """Mean over 1 <= j <= t of R[j − 1, j] − b[j]: what earlier training gives an unseen experience (GEM, Avalanche).

    >>> forward_transfer([[0.9, 0.25], [0.5, 0.8]], [0.1, 0.125])
    0.125
    """
    R = _square(R)
    b = np.asarray(baseline, dtype=float)
    if b.shape != (R.shape[0],):
        raise ConfigError("baseline", f"expected one accuracy per experience ({R.shape[0]}), got shape {b.shape}")
    j = np.arange(1, R.shape[0])
    return _mean(R[j - 1, j] - b[j])


LABELS = {  # how the built-in metrics are shown to people (the name says whose definition it is); others by name
    "average_accuracy": "average accuracy",
    "forgetting_avalanche": "forgetting (Avalanche: R[j,j] − R[t,j])",
    "forgetting_chaudhry": "forgetting (Chaudhry 2018: max R[l,j] − R[t,j])",
    "backward_transfer": "backward transfer",
    "forward_transfer": "forward transfer",
}


METRICS.register(average_accuracy)
METRICS.register(average_forgetting_avalanche, name="forgetting_avalanche")
METRICS.register(average_forgetting_chaudhry, name="forgetting_chaudhry")
METRICS.register_all(backward_transfer, forward_transfer)


def summary(R, baseline) -> dict[str, float]:
    """Every metric of :data:`~driftlab.registry.METRICS` by name; a metric is called ``fn(R)``, or
    ``fn(R, baseline)`` when it takes a second argument.

    >>> sorted(summary([[0.9, 0.1], [0.5, 0.8]], [0.1, 0.1])) == sorted(LABELS)
    True
    """
    return {name: float(fn(R, baseline) if len(inspect.signature(fn).parameters) > 1 else fn(R))
            for name, fn in METRICS.items()}
