"""Schedulers decide *when* a parameter's update function fires.

A scheduler is called with ``t``, the 0-based index of the update being taken (the update from
step ``k`` to ``k + 1`` has ``t = k``), and answers whether the update fires. Every scheduler
fires only inside its inclusive window ``start <= t <= end``.

Random schedulers are pure functions of ``(seed, t)``: their draws come from a Generator built
from the seed they were reset with, drawn in ``t`` order in blocks, so asking about the same ``t``
twice, or in any order, gives the same answer. The draws are not all kept: the generator's state is
checkpointed every :data:`CHECKPOINT_BLOCKS` blocks, the :data:`CACHED_BLOCKS` blocks used last are
kept, and any other block is drawn again from its checkpoint, bit-identical (about 0.12 MiB per
10^6 steps instead of 7.75 MiB of uniforms; see ``benchmarks/parameters.py``).

>>> s = PeriodicScheduler(3, start=2)
>>> [t for t in range(10) if s(t)]
[3, 6, 9]
>>> s = PeriodicScheduler(3, start=2, from_start=True)
>>> [t for t in range(10) if s(t)]
[2, 5, 8]
"""
from __future__ import annotations

import bisect
import functools
import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import param

from .config import Config
from .errors import ConfigError
from .registry import SCHEDULERS

_BLOCK = 1024  # random draws are made in blocks of this size, so the stream never depends on access order
CHECKPOINT_BLOCKS = 8  # blocks of draws between checkpoints of a random scheduler's generator
CACHED_BLOCKS = 4  # blocks of draws kept besides the checkpoints: stepping near a step is O(1)


class Scheduler(Config):
    """Base: fires at ``t`` when ``start <= t <= end`` and the scheduler's own rule says so.

    >>> s = PeriodicScheduler(2, start=3, end=8)  # every other t, inside the window [3, 8]
    >>> [t for t in range(12) if s(t)]
    [4, 6, 8]
    >>> ContinuousScheduler(start=5, end=2)
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: ContinuousScheduler.end: must be >= start (5), got 2
    """

    start = param.Integer(default=0, bounds=(0, None), doc="first update index at which it may fire")
    end = param.Number(default=math.inf, bounds=(0, None), doc="last update index at which it may fire")

    def __init__(self, *args, **settings):
        super().__init__(*args, **settings)
        self.reset()

    def _check(self) -> None:
        if self._v.end < self._v.start:
            raise ConfigError(f"{type(self).__name__}.end", f"must be >= start ({self._v.start}), got {self._v.end}")

    def __call__(self, t: int) -> bool:
        return bool(self._v.start <= t <= self._v.end and self._fires(t))  # a Python bool, as NS-Gym's

    def _fires(self, t: int) -> bool:
        raise NotImplementedError

    def reset(self, seed: np.random.SeedSequence | int | None = None) -> None:
        """Forget all draws; random schedulers restart their stream from ``seed`` (default 0)."""


class ContinuousScheduler(Scheduler):
    """Fires at every ``t`` in the window.

    >>> s = ContinuousScheduler(start=2, end=4)
    >>> [t for t in range(8) if s(t)]
    [2, 3, 4]
    """

    def _fires(self, t: int) -> bool:
        return True


class PeriodicScheduler(Scheduler):
    """Fires when ``t % period == 0`` (or ``(t - start) % period == 0`` with ``from_start``).

    >>> s = PeriodicScheduler(4)
    >>> [t for t in range(10) if s(t)]
    [0, 4, 8]
    >>> s.to_spec()
    {'type': 'PeriodicScheduler', 'period': 4}
    """

    _positional = ("period",)
    period = param.Integer(default=1, bounds=(1, None), doc="number of updates between firings")
    from_start = param.Boolean(default=False, doc="count the period from start instead of from 0")

    def _fires(self, t: int) -> bool:
        return (t - self._v.start if self._v.from_start else t) % self._v.period == 0


class DiscreteScheduler(Scheduler):
    """Fires at the update indices listed in ``event_list`` (a list or, as NS-Gym writes it, a set).

    Every event must lie inside the window ``[start, end]`` (NS-Gym asserts the same).

    >>> s = DiscreteScheduler([1, 4])
    >>> [t for t in range(6) if s(t)]
    [1, 4]
    """

    _positional = ("event_list",)
    event_list = param.List(default=[], item_type=int, doc="update indices at which it fires")

    def __init__(self, *args, **settings):
        if args and isinstance(args[0], (set, frozenset, tuple)):
            args = (sorted(args[0]), *args[1:])
        if isinstance(settings.get("event_list"), (set, frozenset, tuple)):
            settings["event_list"] = sorted(settings["event_list"])
        super().__init__(*args, **settings)

    def _check(self) -> None:
        super()._check()
        events, path = self._v.event_list, f"{type(self).__name__}.event_list"
        if any(t < 0 for t in events):
            raise ConfigError(path, f"expected indices >= 0, got {events}")
        outside = [t for t in events if not self._v.start <= t <= self._v.end]
        if outside:
            raise ConfigError(path, f"events {outside} lie outside the window [{self._v.start}, {self._v.end}]")
        self._events = frozenset(events)

    def _fires(self, t: int) -> bool:
        return t in self._events


class WindowScheduler(Scheduler):
    """Fires inside any of the inclusive windows ``[(a, b), ...]``.

    >>> s = WindowScheduler([(1, 2), (5, 5)])
    >>> [t for t in range(7) if s(t)]
    [1, 2, 5]
    """

    _positional = ("windows",)
    windows = param.List(default=[], doc="inclusive (first, last) update index pairs")

    def _check(self) -> None:
        super()._check()
        path = f"{type(self).__name__}.windows"
        for i, window in enumerate(self._v.windows):
            if not (isinstance(window, (list, tuple)) and len(window) == 2
                    and all(isinstance(x, (int, np.integer)) for x in window) and 0 <= window[0] <= window[1]):
                raise ConfigError(f"{path}[{i}]", f"expected a pair of integers 0 <= first <= last, got {window!r}")

    def _fires(self, t: int) -> bool:
        return any(a <= t <= b for a, b in self._v.windows)


class BurstScheduler(Scheduler):
    """Alternates ``on_duration`` firing updates with ``off_duration`` silent ones, from ``start``.

    >>> s = BurstScheduler(2, 3)
    >>> [int(s(t)) for t in range(10)]
    [1, 1, 0, 0, 0, 1, 1, 0, 0, 0]
    """

    _positional = ("on_duration", "off_duration")
    on_duration = param.Integer(default=1, bounds=(1, None))
    off_duration = param.Integer(default=1, bounds=(0, None))

    def _fires(self, t: int) -> bool:
        return (t - self._v.start) % (self._v.on_duration + self._v.off_duration) < self._v.on_duration


class CustomScheduler(Scheduler):
    """Fires when ``fn(t)`` is true.

    >>> s = CustomScheduler(lambda t: t & (t - 1) == 0, start=1)  # at powers of two
    >>> [t for t in range(40) if s(t)]
    [1, 2, 4, 8, 16, 32]
    """

    _positional = ("fn",)
    fn = param.Callable(default=None, doc="t -> bool")

    def _check(self) -> None:
        super()._check()
        if self._v.fn is None:  # param lets a None default through whatever allow_None says
            raise ConfigError(f"{type(self).__name__}.fn", "required: a function of the update index t")

    def __init__(self, *args, **settings):
        if "event_function" in settings:  # NS-Gym's name for the setting
            settings["fn"] = settings.pop("event_function")
        super().__init__(*args, **settings)

    def _fires(self, t: int) -> bool:
        return bool(self._v.fn(t))


class _Draws:
    """A random scheduler's draws in blocks: block b = ``draw(rng, end of block b − 1)``, the blocks drawn
    in order by one Generator (a block's end is its last value; ``origin`` stands before block 0).

    Kept: the generator's state before every :data:`CHECKPOINT_BLOCKS`-th block, each block's end, and
    the :data:`CACHED_BLOCKS` blocks used last. Any other block is drawn again from its checkpoint by a
    second generator, so it is the same whatever the order of access. Memory O(blocks); about 0.5 KiB
    per checkpoint and 32 B per block, for blocks of 1024 draws. A block is O(1) when kept, else
    O(CHECKPOINT_BLOCKS) blocks' draws.

    >>> draws = _Draws(7, lambda rng, end: rng.random(4), None)
    >>> later, first = draws[40].copy(), draws[0]  # block 0 is drawn again from its checkpoint
    >>> bool(np.array_equal(first, np.random.default_rng(7).random(4)))
    True
    """

    def __init__(self, seed, draw: Callable[[np.random.Generator, Any], np.ndarray], origin: Any):
        self._draw, self._origin = draw, origin
        self._rng, self._redraw = np.random.default_rng(seed), np.random.default_rng(seed)
        self._states: list[Mapping[str, Any]] = []  # generator state before block c · CHECKPOINT_BLOCKS
        self.ends: list[Any] = []  # each drawn block's last value (sorted draws are searched by it)
        self._kept: OrderedDict[int, np.ndarray] = OrderedDict()  # least recently used first
        self._hot: tuple[int, np.ndarray | None] = (-1, None)  # the block used last: stepping in order stays in it

    def __getitem__(self, b: int) -> np.ndarray:
        hot, block = self._hot
        if b == hot and block is not None:
            return block
        if b in self._kept:
            self._kept.move_to_end(b)
            self._hot = (b, self._kept[b])
            return self._kept[b]
        if b >= len(self.ends):
            while len(self.ends) < b:
                self._extend()
            return self._extend()
        first = b - b % CHECKPOINT_BLOCKS
        self._redraw.bit_generator.state = self._states[first // CHECKPOINT_BLOCKS]
        for n in range(first, b):
            self._next(self._redraw, n)
        return self._keep(b, self._next(self._redraw, b))

    def _extend(self) -> np.ndarray:
        """Draw the next new block."""
        if len(self.ends) % CHECKPOINT_BLOCKS == 0:
            self._states.append(self._rng.bit_generator.state)
        block = self._next(self._rng, len(self.ends))
        self.ends.append(block[-1].item())
        return self._keep(len(self.ends) - 1, block)

    def _next(self, rng: np.random.Generator, b: int) -> np.ndarray:
        return self._draw(rng, self.ends[b - 1] if b else self._origin)

    def _keep(self, b: int, block: np.ndarray) -> np.ndarray:
        self._kept[b], self._hot = block, (b, block)
        if len(self._kept) > CACHED_BLOCKS:
            self._kept.popitem(last=False)
        return block


def _uniforms(rng: np.random.Generator, end: Any) -> np.ndarray:
    return rng.random(_BLOCK)


def _arrivals(p: float, rng: np.random.Generator, end: int) -> np.ndarray:
    """The next block of arrival times of a Bernoulli process with rate ``p``, after the arrival ``end``."""
    return end + np.cumsum(rng.geometric(p, _BLOCK))


class _RandomScheduler(Scheduler):
    """Base of the schedulers that draw one uniform number per update index."""

    seed = param.Integer(default=None, allow_None=True,
                         doc="own seed; when None, a parameter seeds it from its store's seed and its name")

    def reset(self, seed=None) -> None:
        self._draws = _Draws(self._seed(seed), _uniforms, None)

    def _seed(self, seed):
        return self.seed if self.seed is not None else (seed if seed is not None else 0)

    def _uniform(self, t: int) -> float:
        return self._draws[t // _BLOCK][t % _BLOCK]


class RandomScheduler(_RandomScheduler):
    """Fires at each update independently with ``probability``.

    >>> s = RandomScheduler(0.5)
    >>> first = [s(t) for t in range(20)]
    >>> s.reset(); first == [s(t) for t in range(20)]
    True
    """

    _positional = ("probability",)
    probability = param.Number(default=0.5, bounds=(0, 1))

    def _fires(self, t: int) -> bool:
        return self._uniform(t) < self._v.probability


class DecayingProbabilityScheduler(_RandomScheduler):
    """Fires at ``t`` with probability ``initial_probability · exp(−decay_rate · (t − start))``.

    >>> s = DecayingProbabilityScheduler(1.0, 0.3, seed=0)  # sure at t = 0, rarer and rarer after
    >>> [t for t in range(40) if s(t)]
    [0, 1, 2, 3, 11]
    >>> s.reset(); [t for t in range(40) if s(t)]
    [0, 1, 2, 3, 11]
    """

    _positional = ("initial_probability", "decay_rate")
    initial_probability = param.Number(default=1.0, bounds=(0, 1))
    decay_rate = param.Number(default=0.1, bounds=(0, None))

    def _fires(self, t: int) -> bool:
        return self._uniform(t) < self._v.initial_probability * math.exp(-self._v.decay_rate * (t - self._v.start))


class MemorylessScheduler(_RandomScheduler):
    """Fires at arrival times of a Bernoulli process with rate ``p``, counted from ``start``.

    Inter-arrival gaps are geometric, ``P(gap = g) = (1 − p)^(g−1) p`` for ``g >= 1``; the first
    arrival is ``start + gap_1`` (so ``p=1`` fires first at ``start + 1``, as NS-Gym's does at
    ``t = 1``), and a late ``start`` delays the process instead of silencing it.

    >>> s = MemorylessScheduler(0.5, start=1000)
    >>> any(s(t) for t in range(1000, 1100))
    True
    >>> any(s(t) for t in range(1000))
    False
    """

    _positional = ("p",)
    p = param.Number(default=0.1, bounds=(0, 1), inclusive_bounds=(False, True))

    def reset(self, seed=None) -> None:
        # arrival times in blocks of _BLOCK, counted from start (the origin, not an arrival)
        self._draws = _Draws(self._seed(seed), functools.partial(_arrivals, self._v.p), self._v.start)

    def _fires(self, t: int) -> bool:
        ends = self._draws.ends
        while not ends or ends[-1] < t:
            self._draws[len(ends)]
        arrivals = self._draws[bisect.bisect_left(ends, t)]  # the block holding the first arrival >= t
        return bool(arrivals[np.searchsorted(arrivals, t)] == t)


SCHEDULERS.register_all(ContinuousScheduler, PeriodicScheduler, DiscreteScheduler, WindowScheduler, BurstScheduler,
                        CustomScheduler, RandomScheduler, DecayingProbabilityScheduler, MemorylessScheduler)
