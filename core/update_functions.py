"""Update functions decide *how* a parameter's value changes when its scheduler fires.

The interface is NS-Gym's: built with the scheduler first, ``fn(value, t)`` returns
``(new_value, fired, delta)``; ``t`` is the 0-based index of the update being taken, ``Y`` the
current value and ``Y_0`` the initial value (the value at the last :meth:`UpdateFunction.reset`,
or the first value it was called with). When the scheduler does not fire, or the function
declines (an exhausted list, a spent budget, a refused proposal), the value is returned
unchanged with ``fired=False``. ``delta`` is the size of the change (see
:func:`driftlab.distributions.measure_change`): signed difference for numbers, 1-Wasserstein
distance for probability vectors.

>>> from driftlab.schedulers import ContinuousScheduler, PeriodicScheduler
>>> fn = IncrementUpdate(PeriodicScheduler(2), k=0.5)
>>> fn(1.0, 0), fn(1.0, 1)
((1.5, True, 0.5), (1.0, False, 0.0))
>>> fn = SigmoidTransition(ContinuousScheduler(), a=0.0, b=1.0, k=1.0, t0=10)
>>> round(fn(0.0, 10)[0], 3)
0.5

Distribution functions take and return probability vectors; the result is always a valid
distribution (non-negative, summing to 1), and invalid vectors given as settings are rejected at
construction:

>>> fn = TargetReversion(ContinuousScheduler(), target=[1.0, 0.0], theta=0.5)
>>> fn([0.5, 0.5], 0)[0]
array([0.75, 0.25])
"""
from __future__ import annotations

import copy
import math
from numbers import Real
from typing import Any, ClassVar

import numpy as np
import param
from param.parameters import NoNone

from .config import Config
from .distributions import as_distribution, measure_change, renormalise, wasserstein1
from .errors import ConfigError
from .registry import UPDATE_FUNCTIONS
from .schedulers import Scheduler
from .seeds import child_seed

_DECLINED = object()  # returned by _apply when the function does not change the value
_SETTINGS = frozenset({"_param__private", "_v"})  # instance attributes that hold settings, not run state


def _seed_setting() -> param.Integer:
    """The ``seed`` setting of the random update functions (NS-Gym's constructor argument)."""
    return param.Integer(default=None, allow_None=True, bounds=(0, None),
                         doc="own seed; when None, a parameter seeds it from its store's seed and its name")


class UpdateFunction(Config):
    """Base: ``fn(value, t) -> (new_value, fired, delta)``; subclasses define ``_apply``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = UPDATE_FUNCTIONS["GeometricProgression"](ContinuousScheduler(), r=0.5)
    >>> isinstance(fn, UpdateFunction), fn(8.0, 1)
    (True, (4.0, True, -4.0))
    >>> fn.reset(2.0); fn(8.0, 1)
    (1.0, True, -7.0)
    """

    _positional: ClassVar[tuple[str, ...]] = ("scheduler",)
    # allow_None=NoNone changes typing only: _check requires a scheduler
    scheduler = param.ClassSelector(class_=Scheduler, default=None, allow_None=NoNone, doc="when the update fires")

    def __init__(self, *args: Any, **settings: Any) -> None:
        super().__init__(*args, **settings)
        self._y0: Any = None

    def _check(self) -> None:
        if self._v.scheduler is None:
            raise ConfigError(f"{type(self).__name__}.scheduler", "required: a Scheduler such as ContinuousScheduler()")

    def reset(self, initial_value: Any, seed: np.random.SeedSequence | int | None = None) -> None:
        """Start over from ``Y_0 = initial_value``; random draws restart from ``seed``.

        Raises ConfigError with a path relative to the parameter (``value`` or ``update.<setting>``)
        when the initial value does not suit this function.
        """
        self._y0 = self._validate_value(initial_value)
        own_seed = getattr(self, "seed", None)
        if own_seed is not None:  # a random function's own seed wins, as a scheduler's does
            seed = own_seed
        self._rng = np.random.default_rng(child_seed(seed, 1))
        self._v.scheduler.reset(child_seed(seed, 0))
        self._start()

    def get_state(self) -> dict[str, Any]:
        """A copy of the run state: what ``reset`` and calls change, so that ``set_state`` of it
        continues with exactly the results that would have followed.

        Rule: every instance attribute but the settings is state, copied deeply; a Generator is kept
        as its bit generator's state (a few hundred bytes); an update function given as a setting
        contributes its own state. The scheduler does not: schedulers are pure functions of
        ``(seed, t)``.

        >>> from driftlab.schedulers import ContinuousScheduler
        >>> fn = RandomWalk(ContinuousScheduler()); fn.reset(0.0, seed=3)
        >>> state = fn.get_state(); first = fn(0.0, 0)
        >>> fn.set_state(state); fn(0.0, 0) == first
        True
        """
        state: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if key in _SETTINGS:
                continue
            state[key] = _GeneratorState(value) if isinstance(value, np.random.Generator) else copy.deepcopy(value)
        for key, value in vars(self._v).items():
            if isinstance(value, UpdateFunction):
                state[f"setting:{key}"] = value.get_state()
        return state

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`get_state` (the state is copied again, so it can be restored many times)."""
        for key, value in state.items():
            if key.startswith("setting:"):
                getattr(self._v, key[len("setting:"):]).set_state(value)
            else:
                self.__dict__[key] = value.generator() if isinstance(value, _GeneratorState) else copy.deepcopy(value)

    def __call__(self, value: Any, t: int) -> tuple[Any, bool, float]:
        if self._y0 is None:
            self.reset(value)
        if not self._v.scheduler(t):
            return value, False, 0.0
        y = self._validate_value(value)
        new = self._apply(y, t)
        if new is _DECLINED:
            return value, False, 0.0
        new = self._finish(new)
        return new, True, measure_change(y, new)[1]

    def _validate_value(self, value: Any) -> Any:
        if not isinstance(value, (Real, np.number)) or isinstance(value, (bool, np.bool_)):
            raise ConfigError("value", f"{type(self).__name__} needs a number, got {value!r}")
        return value

    def _start(self) -> None:
        """Reset per-run state (list positions, budgets); called by ``reset``."""

    def _finish(self, new: Any) -> Any:
        """Bring a result into canonical form (distributions are renormalised)."""
        return new

    def _apply(self, y: Any, t: int) -> Any:
        raise NotImplementedError


class _GeneratorState:
    """A Generator kept as its bit generator's state; :meth:`generator` builds an equal one."""

    __slots__ = ("state",)

    def __init__(self, rng: np.random.Generator):
        self.state = rng.bit_generator.state

    def generator(self) -> np.random.Generator:
        bit_generator = getattr(np.random, self.state["bit_generator"])()
        bit_generator.state = self.state
        return np.random.Generator(bit_generator)


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


# -- scalar updates -----------------------------------------------------------------------------

class NoUpdate(UpdateFunction):
    """``Y`` (fires but never changes the value).

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> NoUpdate(ContinuousScheduler())(2.5, 0)
    (2.5, True, 0.0)
    """

    def _apply(self, y, t):
        return y


class IncrementUpdate(UpdateFunction):
    """``Y + k``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn, y = IncrementUpdate(ContinuousScheduler(), k=0.5), 1.0
    >>> [y := fn(y, t)[0] for t in range(3)]
    [1.5, 2.0, 2.5]
    """

    _positional = ("scheduler", "k")
    k = param.Number(default=1.0)

    def _apply(self, y, t):
        return y + self._v.k


class DecrementUpdate(UpdateFunction):
    """``Y − k``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn, y = DecrementUpdate(ContinuousScheduler(), k=2.0), 5.0
    >>> [y := fn(y, t)[0] for t in range(3)]
    [3.0, 1.0, -1.0]
    """

    _positional = ("scheduler", "k")
    k = param.Number(default=1.0)

    def _apply(self, y, t):
        return y - self._v.k


class DeterministicTrend(UpdateFunction):
    """``Y + slope · t``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn, y = DeterministicTrend(ContinuousScheduler(), slope=0.5), 0.0
    >>> [y := fn(y, t)[0] for t in range(4)]
    [0.0, 0.5, 1.5, 3.0]
    """

    _positional = ("scheduler", "slope")
    slope = param.Number(default=0.01)

    def _apply(self, y, t):
        return y + self._v.slope * t


class ExponentialDecay(UpdateFunction):
    """``Y_0 · exp(−decay_rate · t)`` (anchored at ``Y_0``, never compounded).

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn, y = ExponentialDecay(ContinuousScheduler(), decay_rate=1.0), 1.0
    >>> [round(y := fn(y, t)[0], 3) for t in range(4)]
    [1.0, 0.368, 0.135, 0.05]
    """

    _positional = ("scheduler", "decay_rate")
    decay_rate = param.Number(default=0.1, bounds=(0, None))

    def _apply(self, y, t):
        return self._y0 * math.exp(-self._v.decay_rate * t)


class GeometricProgression(UpdateFunction):
    """``Y_0 · r^t`` (anchored at ``Y_0``, never compounded).

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn, y = GeometricProgression(ContinuousScheduler(), r=0.5), 8.0
    >>> [y := fn(y, t)[0] for t in range(4)]
    [8.0, 4.0, 2.0, 1.0]
    """

    _positional = ("scheduler", "r")
    r = param.Number(default=0.9)

    def _apply(self, y, t):
        return self._y0 * self._v.r ** t


class LinearInterpolation(UpdateFunction):
    """``start_val + (end_val − start_val) · min(t / T, 1)``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = LinearInterpolation(ContinuousScheduler(), start_val=0.0, end_val=10.0, T=4)
    >>> [fn(0.0, t)[0] for t in (0, 1, 2, 4, 6)]
    [0.0, 2.5, 5.0, 10.0, 10.0]
    """

    _positional = ("scheduler", "start_val", "end_val", "T")
    start_val = param.Number(default=0.0)
    end_val = param.Number(default=1.0)
    T = param.Integer(default=100, bounds=(1, None), doc="update index at which end_val is reached")

    def _apply(self, y, t):
        return self._v.start_val + (self._v.end_val - self._v.start_val) * min(t / self._v.T, 1.0)


class OrnsteinUhlenbeck(UpdateFunction):
    """``Y + θ(μ − Y) + σε`` with ``ε ~ N(0, 1)``: mean reversion towards ``mu``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn, y = OrnsteinUhlenbeck(ContinuousScheduler(), theta=0.5, mu=1.0, sigma=0.05), 0.0
    >>> fn.reset(y, seed=1)
    >>> [round(y := fn(y, t)[0], 3) for t in range(4)]
    [0.624, 0.867, 0.871, 0.959]
    """

    _positional = ("scheduler", "theta", "mu", "sigma")
    theta = param.Number(default=0.1, bounds=(0, None))
    mu = param.Number(default=0.0)
    sigma = param.Number(default=0.0, bounds=(0, None))
    seed = _seed_setting()

    def _apply(self, y, t):
        return y + self._v.theta * (self._v.mu - y) + self._v.sigma * float(self._rng.standard_normal())


class OscillatingUpdate(UpdateFunction):
    """``Y + δ · sin(t)``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = OscillatingUpdate(ContinuousScheduler(), delta=1.0)
    >>> [round(fn(0.0, t)[0], 3) for t in range(4)]
    [0.0, 0.841, 0.909, 0.141]
    """

    _positional = ("scheduler", "delta")
    delta = param.Number(default=0.1)

    def _apply(self, y, t):
        return y + self._v.delta * math.sin(t)


class PolynomialTrend(UpdateFunction):
    """``Y + Σ_i a_i · t^(i+1)`` for ``coeffs = [a_0, a_1, ...]`` (NS-Gym's: no constant term).

    The first coefficient is the slope of ``t``, the next that of ``t²``, and so on, so
    ``coeffs=[slope]`` is :class:`DeterministicTrend`.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = PolynomialTrend(ContinuousScheduler(), coeffs=[0.0, 1.0])
    >>> [fn(0.0, t)[0] for t in range(4)]
    [0.0, 1.0, 4.0, 9.0]
    >>> PolynomialTrend(ContinuousScheduler(), coeffs=[2.0])(10.0, 3)[0]
    16.0
    """

    _positional = ("scheduler", "coeffs")
    coeffs: param.List[list[Any]] = param.List(default=[0.0], item_type=Real)  # mypy has no float <: Real

    def _apply(self, y, t):
        return y + sum(a * t ** (i + 1) for i, a in enumerate(self._v.coeffs))


class RandomWalk(UpdateFunction):
    """``Y + ε`` with ``ε ~ N(mu, sigma²)``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn, y = RandomWalk(ContinuousScheduler(), sigma=0.1), 0.0
    >>> fn.reset(y, seed=0)
    >>> [round(y := fn(y, t)[0], 3) for t in range(3)]
    [0.081, -0.111, -0.46]
    """

    _positional = ("scheduler", "mu", "sigma")
    mu = param.Number(default=0.0)
    sigma = param.Number(default=1.0, bounds=(0, None))
    seed = _seed_setting()

    def _apply(self, y, t):
        return y + float(self._rng.normal(self._v.mu, self._v.sigma))


class RandomWalkWithDrift(UpdateFunction):
    """``α + Y + ε`` with ``ε ~ N(mu, sigma²)``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn, y = RandomWalkWithDrift(ContinuousScheduler(), alpha=1.0, sigma=0.1), 0.0
    >>> fn.reset(y, seed=0)
    >>> [round(y := fn(y, t)[0], 3) for t in range(3)]
    [1.081, 1.889, 2.54]
    """

    _positional = ("scheduler", "alpha", "mu", "sigma")
    alpha = param.Number(default=0.0)
    mu = param.Number(default=0.0)
    sigma = param.Number(default=1.0, bounds=(0, None))
    seed = _seed_setting()

    def _apply(self, y, t):
        return self._v.alpha + y + float(self._rng.normal(self._v.mu, self._v.sigma))


class RandomWalkWithDriftAndTrend(UpdateFunction):
    """``α + Y + slope · t + ε`` with ``ε ~ N(mu, sigma²)``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = RandomWalkWithDriftAndTrend(ContinuousScheduler(), alpha=1.0, sigma=0.1, slope=1.0)
    >>> y = 0.0; fn.reset(y, seed=0)
    >>> [round(y := fn(y, t)[0], 3) for t in range(3)]
    [1.081, 2.889, 5.54]
    """

    _positional = ("scheduler", "alpha", "mu", "sigma", "slope")
    alpha = param.Number(default=0.0)
    mu = param.Number(default=0.0)
    sigma = param.Number(default=1.0, bounds=(0, None))
    slope = param.Number(default=0.0)
    seed = _seed_setting()

    def _apply(self, y, t):
        return self._v.alpha + y + self._v.slope * t + float(self._rng.normal(self._v.mu, self._v.sigma))


class BoundedRandomWalk(UpdateFunction):
    """``clip(Y + ε, lo, hi)`` with ``ε ~ N(mu, sigma²)``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn, y = BoundedRandomWalk(ContinuousScheduler(), sigma=1.0, lo=0.0, hi=1.0), 0.5
    >>> fn.reset(y, seed=0)
    >>> [round(y := fn(y, t)[0], 3) for t in range(5)]
    [1.0, 0.0, 0.0, 0.934, 1.0]
    """

    _positional = ("scheduler", "mu", "sigma", "lo", "hi")
    mu = param.Number(default=0.0)
    sigma = param.Number(default=1.0, bounds=(0, None))
    lo = param.Number(default=0.0)
    hi = param.Number(default=1.0)

    def _check(self):
        super()._check()
        if self._v.hi < self._v.lo:
            raise ConfigError(f"{type(self).__name__}.hi", f"must be >= lo ({self._v.lo}), got {self._v.hi}")
    seed = _seed_setting()

    def _apply(self, y, t):
        return min(max(y + float(self._rng.normal(self._v.mu, self._v.sigma)), self._v.lo), self._v.hi)


class SigmoidTransition(UpdateFunction):
    """``a + (b − a) / (1 + exp(−k (t − t0)))``: a smooth switch from ``a`` to ``b`` around ``t0``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = SigmoidTransition(ContinuousScheduler(), a=0.0, b=1.0, k=1.0, t0=2)
    >>> [round(fn(0.0, t)[0], 3) for t in range(5)]
    [0.119, 0.269, 0.5, 0.731, 0.881]
    """

    _positional = ("scheduler", "a", "b", "k", "t0")
    a = param.Number(default=0.0)
    b = param.Number(default=1.0)
    k = param.Number(default=1.0)
    t0 = param.Number(default=0.0)

    def _apply(self, y, t):
        return self._v.a + (self._v.b - self._v.a) * _logistic(self._v.k * (t - self._v.t0))


class _ListUpdate(UpdateFunction):
    """Base of the updates that walk through a list of values, one entry per firing.

    A list that does not wrap round may be empty (the function then never changes the value, as
    NS-Gym's); one that wraps round must not be.
    """

    _wraps = True

    def _entries(self) -> list:
        raise NotImplementedError

    def _check(self):
        super()._check()
        if self._wraps and not self._entries():
            raise ConfigError(f"{type(self).__name__}.{self._positional[1]}", "expected a non-empty list")

    def _start(self):
        self._position = 0

    def _next(self, wrap: bool):
        entries = self._entries()
        if self._position >= len(entries):
            if not wrap:
                return _DECLINED
            self._position = 0
        self._position += 1
        return entries[self._position - 1]


class StepWiseUpdate(_ListUpdate):
    """The next entry of ``param_list`` at each firing; once exhausted the value stays, unreported.

    The caller's list is never modified.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = StepWiseUpdate(ContinuousScheduler(), param_list=[5.0, 7.0])
    >>> fn(0.0, 0), fn(5.0, 1), fn(7.0, 2)
    ((5.0, True, 5.0), (7.0, True, 2.0), (7.0, False, 0.0))
    """

    _positional = ("scheduler", "param_list")
    _wraps = False
    param_list = param.List(default=[], item_type=Real)

    def _entries(self):
        return self._v.param_list

    def _apply(self, y, t):
        return self._next(wrap=False)


class CyclicUpdate(_ListUpdate):
    """The next entry of ``value_list`` at each firing, wrapping round at the end.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = CyclicUpdate(ContinuousScheduler(), value_list=[1.0, 2.0, 3.0])
    >>> [fn(0.0, t)[0] for t in range(5)]
    [1.0, 2.0, 3.0, 1.0, 2.0]
    """

    _positional = ("scheduler", "value_list")
    value_list = param.List(default=[], item_type=Real)

    def _entries(self):
        return self._v.value_list

    def _apply(self, y, t):
        return self._next(wrap=True)


# -- distribution updates -----------------------------------------------------------------------

class DistributionUpdate(UpdateFunction):
    """Base of the updates of a probability vector ``p``; results are renormalised to sum to 1.

    ``_vectors`` names the settings holding probability vectors (validated at construction,
    and against the length of ``p`` at reset).

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = UPDATE_FUNCTIONS["UniformDrift"](ContinuousScheduler(), rate=0.5)
    >>> isinstance(fn, DistributionUpdate), fn([1.0, 0.0], 0)
    (True, (array([0.75, 0.25]), True, 0.25))
    """

    __abstract = True  # param's marker: not offered by from_spec
    _vectors: tuple[str, ...] = ()

    def _check(self):
        super()._check()
        for name in self._vectors:
            setting = getattr(self, name)
            path = f"{type(self).__name__}.{name}"
            if isinstance(setting, list) and not setting and not getattr(self, "_wraps", True):
                continue  # an empty list of steps: checked by _ListUpdate
            if isinstance(setting, list) and setting and isinstance(setting[0], (list, tuple, np.ndarray)):
                vectors = [as_distribution(v, f"{path}[{i}]") for i, v in enumerate(setting)]
                if len({v.size for v in vectors}) > 1:
                    raise ConfigError(path, "expected vectors of one length, got lengths "
                                      f"{[v.size for v in vectors]}")
            else:
                as_distribution(setting, path)

    def _validate_value(self, value):
        p = as_distribution(value, "value")
        for name in self._vectors:
            setting = np.asarray(getattr(self, name), dtype=float)
            if setting.size == 0:
                continue
            if setting.shape[-1] != p.size:
                raise ConfigError(f"update.{name}", f"has {setting.shape[-1]} categories but the value has {p.size}")
        return p

    def _finish(self, new):
        return renormalise(new)


class DistributionNoUpdate(DistributionUpdate):
    """``p`` (fires but never changes the distribution).

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> DistributionNoUpdate(ContinuousScheduler())([0.2, 0.8], 0)
    (array([0.2, 0.8]), True, 0.0)
    """

    def _apply(self, p, t):
        return p


class DistributionIncrementUpdate(DistributionUpdate):
    """Moves mass ``k`` into ``p_0`` (capped at 1); the other entries keep their proportions.

    ``p_0' = min(p_0 + k, 1)``, ``p_i' = p_i (1 − p_0') / (1 − p_0)`` for ``i >= 1``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = DistributionIncrementUpdate(ContinuousScheduler(), k=0.2)
    >>> np.round(fn([0.5, 0.25, 0.25], 0)[0], 3)
    array([0.7 , 0.15, 0.15])
    """

    _positional = ("scheduler", "k")
    k = param.Number(default=0.1, bounds=(0, 1))

    def _apply(self, p, t):
        return _set_first(p, min(p[0] + self._v.k, 1.0))


class DistributionDecrementUpdate(DistributionUpdate):
    """Moves mass ``k`` out of ``p_0`` (down to 0); the other entries keep their proportions.

    ``p_0' = max(p_0 − k, 0)``, ``p_i' = p_i (1 − p_0') / (1 − p_0)``; when all mass was in
    ``p_0`` the others have no proportions to keep and share the freed mass equally.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = DistributionDecrementUpdate(ContinuousScheduler(), k=0.4)
    >>> np.round(fn([1.0, 0.0, 0.0], 0)[0], 3)
    array([0.6, 0.2, 0.2])
    """

    _positional = ("scheduler", "k")
    k = param.Number(default=0.1, bounds=(0, 1))

    def _apply(self, p, t):
        return _set_first(p, max(p[0] - self._v.k, 0.0))


def _set_first(p: np.ndarray, first: float) -> np.ndarray:
    rest = p[1:]
    free = 1.0 - first
    scaled = rest / rest.sum() * free if rest.sum() > 0 else np.full(rest.size, free / max(rest.size, 1))
    return np.concatenate([[first], scaled])


class DistributionStepWiseUpdate(_ListUpdate, DistributionUpdate):
    """The next distribution of ``update_values`` at each firing; once exhausted it stays.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = DistributionStepWiseUpdate(ContinuousScheduler(), [[0.5, 0.5], [0.0, 1.0]])
    >>> fn([1.0, 0.0], 0)[:2], fn([0.5, 0.5], 1)[:2], fn([0.0, 1.0], 2)[:2]
    ((array([0.5, 0.5]), True), (array([0., 1.]), True), ([0.0, 1.0], False))
    """

    _positional = ("scheduler", "update_values")
    _wraps = False
    _vectors = ("update_values",)
    update_values = param.List(default=[])

    def _entries(self):
        return self._v.update_values

    def _apply(self, p, t):
        return self._next(wrap=False)


class DistributionCyclicUpdate(_ListUpdate, DistributionUpdate):
    """The next distribution of ``dist_list`` at each firing, wrapping round at the end.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = DistributionCyclicUpdate(ContinuousScheduler(), [[1.0, 0.0], [0.0, 1.0]])
    >>> [fn([0.5, 0.5], t)[0].tolist() for t in range(3)]
    [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    """

    _positional = ("scheduler", "dist_list")
    _vectors = ("dist_list",)
    dist_list = param.List(default=[])

    def _entries(self):
        return self._v.dist_list

    def _apply(self, p, t):
        return self._next(wrap=True)


class DistributionLinearInterpolation(DistributionUpdate):
    """``start_dist + (end_dist − start_dist) · min(t / T, 1)``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = DistributionLinearInterpolation(ContinuousScheduler(), [1.0, 0.0], [0.0, 1.0], T=4)
    >>> [fn([1.0, 0.0], t)[0].tolist() for t in (1, 2, 8)]
    [[0.75, 0.25], [0.5, 0.5], [0.0, 1.0]]
    """

    _positional = ("scheduler", "start_dist", "end_dist", "T")
    _vectors = ("start_dist", "end_dist")
    start_dist = param.List(default=[1.0])
    end_dist = param.List(default=[1.0])
    T = param.Integer(default=100, bounds=(1, None))

    def _apply(self, p, t):
        start, end = np.asarray(self._v.start_dist, float), np.asarray(self._v.end_dist, float)
        return start + (end - start) * min(t / self._v.T, 1.0)


class RandomCategorical(DistributionUpdate):
    """A fresh draw from ``Dirichlet(1, ..., 1)``: uniform over all distributions of that size.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = RandomCategorical(ContinuousScheduler())
    >>> fn.reset([0.25, 0.25, 0.25, 0.25], seed=0)
    >>> p = fn([0.25, 0.25, 0.25, 0.25], 0)[0]
    >>> np.round(p, 3), float(np.round(p.sum(), 9))
    (array([0.386, 0.184, 0.175, 0.255]), 1.0)
    """
    seed = _seed_setting()

    def _apply(self, p, t):
        return self._rng.dirichlet(np.ones(p.size))


class TargetReversion(DistributionUpdate):
    """``(1 − θ) p + θ · target``: a step of size ``theta`` towards ``target``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn, p = TargetReversion(ContinuousScheduler(), target=[1.0, 0.0], theta=0.5), [0.0, 1.0]
    >>> [(p := fn(p, t)[0]).tolist() for t in range(3)]
    [[0.5, 0.5], [0.75, 0.25], [0.875, 0.125]]
    """

    _positional = ("scheduler", "target", "theta")
    _vectors = ("target",)
    target = param.List(default=[1.0])
    theta = param.Number(default=0.1, bounds=(0, 1))

    def _apply(self, p, t):
        return (1.0 - self._v.theta) * p + self._v.theta * np.asarray(self._v.target, float)


class UniformDrift(DistributionUpdate):
    """``(1 − α) p + α · u`` with ``u`` the uniform distribution and ``α = rate``.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = UniformDrift(ContinuousScheduler(), rate=0.5)
    >>> fn([1.0, 0.0, 0.0, 0.0], 0)[0]
    array([0.625, 0.125, 0.125, 0.125])
    """

    _positional = ("scheduler", "rate")
    rate = param.Number(default=0.1, bounds=(0, 1))

    def _apply(self, p, t):
        return (1.0 - self._v.rate) * p + self._v.rate / p.size


class BudgetBoundedIncrement(UpdateFunction):
    """Increments while the total absolute change stays within the budget ``B``.

    On a number: ``Y + k``, costing ``|k|``. On a probability vector: mass ``k`` moved into
    ``p_0`` as in :class:`DistributionIncrementUpdate`, costing its 1-Wasserstein distance.
    An increment that would take the spent total past ``B`` is declined (and every later one).

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> fn = BudgetBoundedIncrement(ContinuousScheduler(), k=0.4, B=1.0)
    >>> fn(0.0, 0), fn(0.4, 1), fn(0.8, 2)
    ((0.4, True, 0.4), (0.8, True, 0.4), (0.8, False, 0.0))
    >>> fn.spent
    0.8
    """

    _positional = ("scheduler", "k", "B")
    k = param.Number(default=0.1)
    B = param.Number(default=1.0, bounds=(0, None))

    def _validate_value(self, value):
        if isinstance(value, (list, tuple, np.ndarray)):
            if not 0 <= self._v.k <= 1:
                raise ConfigError("update.k", f"must be in [0, 1] for a probability vector, got {self._v.k}")
            return as_distribution(value, "value")
        return super()._validate_value(value)

    def _start(self):
        self.spent = 0.0

    def _apply(self, y, t):
        if isinstance(y, np.ndarray):
            new = renormalise(_set_first(y, min(y[0] + self._v.k, 1.0)))
            cost = wasserstein1(y, new)
        else:
            new, cost = y + self._v.k, abs(self._v.k)
        if self.spent + cost > self._v.B + 1e-12:
            return _DECLINED
        self.spent += cost
        return new


class LCBoundedDistributionUpdate(DistributionUpdate):
    """Accepts a proposal of ``update_fn`` only if ``W1(p_new, p_last) <= L · |t − t_last|``.

    ``p_last`` is the value set by the last accepted change and ``t_last`` the index of that
    update (``−1`` for the initial value, which is step 0), so the distribution is
    L-Lipschitz in update steps between any two changes.

    >>> from driftlab.schedulers import ContinuousScheduler
    >>> inner = TargetReversion(ContinuousScheduler(), target=[0.0, 1.0], theta=0.2)
    >>> fn = LCBoundedDistributionUpdate(ContinuousScheduler(), L=0.1, update_fn=inner)
    >>> fn([1.0, 0.0], 0), fn([1.0, 0.0], 1)
    (([1.0, 0.0], False, 0.0), (array([0.8, 0.2]), True, 0.2))
    """

    _positional = ("scheduler", "L", "update_fn")
    L = param.Number(default=0.1, bounds=(0, None))
    update_fn = param.ClassSelector(class_=DistributionUpdate, default=None, allow_None=NoNone)  # _check requires one

    def _check(self):
        super()._check()
        if self._v.update_fn is None:
            raise ConfigError(f"{type(self).__name__}.update_fn", "required: a distribution update function")

    def reset(self, initial_value, seed=None):
        super().reset(initial_value, seed)
        try:
            self._v.update_fn.reset(initial_value, child_seed(seed, 2))
        except ConfigError as err:
            raise ConfigError(err.path.replace("update.", "update.update_fn.", 1), err.problem) from None

    def _start(self):
        self._last, self._t_last = self._y0, -1

    def _apply(self, p, t):
        proposal, fired, _ = self._v.update_fn(p, t)
        if not fired or wasserstein1(proposal, self._last) > self._v.L * abs(t - self._t_last) + 1e-12:
            return _DECLINED
        self._last, self._t_last = proposal, t
        return proposal


UPDATE_FUNCTIONS.register_all(
    NoUpdate, IncrementUpdate, DecrementUpdate, DeterministicTrend, ExponentialDecay, GeometricProgression,
    LinearInterpolation, OrnsteinUhlenbeck, OscillatingUpdate, PolynomialTrend, RandomWalk, RandomWalkWithDrift,
    RandomWalkWithDriftAndTrend, BoundedRandomWalk, SigmoidTransition, StepWiseUpdate, CyclicUpdate,
    DistributionNoUpdate, DistributionIncrementUpdate, DistributionDecrementUpdate, DistributionStepWiseUpdate,
    DistributionCyclicUpdate, DistributionLinearInterpolation, RandomCategorical, TargetReversion, UniformDrift,
    BudgetBoundedIncrement, LCBoundedDistributionUpdate)
