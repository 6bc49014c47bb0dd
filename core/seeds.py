"""Every random stream in driftlab is derived from the scenario seed with ``SeedSequence``.

The spawn key starts with a domain tag, so that no two kinds of stream can ever share a key:

- ``(0, k, d)``: the d-th draw of the sampling tree since it moved to update step ``k`` (its first
  4096 samples; ``(0, k, d, c)`` its chunk ``c ≥ 1``);
- ``(1, *name_bytes)``: parameter ``name`` (its scheduler and update function take children
  ``(..., 0)`` and ``(..., 1)`` of it);
- ``(2, k)``: the held-out samples of update step ``k`` (evaluation sets, never a stream batch;
  ``(2, k, c)`` its chunk ``c ≥ 1``).

>>> draw_seed(7, 3, 0).spawn_key, parameter_seed(7, "ab").spawn_key, held_out_seed(7, 3).spawn_key
((0, 3, 0), (1, 97, 98), (2, 3))
"""
from __future__ import annotations

import numpy as np

_DRAW, _PARAMETER, _HELD_OUT = 0, 1, 2


def draw_seed(seed: int, step: int, draw: int) -> np.random.SeedSequence:
    """The seed of the tree's ``draw``-th draw at update step ``step``."""
    return np.random.SeedSequence(seed, spawn_key=(_DRAW, step, draw))


def parameter_seed(seed: int, name: str) -> np.random.SeedSequence:
    """The seed of parameter ``name`` in a store seeded with ``seed`` (stable across processes)."""
    return np.random.SeedSequence(seed, spawn_key=(_PARAMETER, *name.encode("utf-8")))


def held_out_seed(seed: int, step: int) -> np.random.SeedSequence:
    """The seed of the held-out samples of update step ``step``."""
    return np.random.SeedSequence(seed, spawn_key=(_HELD_OUT, step))


def child_seed(seed: np.random.SeedSequence | int | None, index: int) -> np.random.SeedSequence:
    """The ``index``-th independent child of ``seed``, the same every time it is asked for."""
    if not isinstance(seed, np.random.SeedSequence):
        seed = np.random.SeedSequence(0 if seed is None else seed)
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, index))
