"""The detector protocol: :class:`DriftDetector` (river's ``update``/``drift_detected`` plus
``update_many`` and ``statistic``) and :class:`DetectorTrace`.

``update_many`` feeds a whole array through the subclass's ``_run``: a compiled loop (the detector's
``update`` rule as a numba kernel, see ``_compiled``) for most detectors; by default the segment loop
here, where a subclass's ``_scan`` handles a block of values up to and including the first alarm and
the loop resets the detector and goes on with the rest (ADWIN, KSWIN, NoDrift).

NaN policy, the same for every detector: a NaN is refused with a
:class:`~driftlab.errors.ConfigError` (a ValueError) before the detector changes: by ``update``
(path ``x``) and by ``update_many`` (path ``values[i]``, before any value is fed). river's
detectors differ among themselves (DDM and EDDM raise, the others take NaN and then alarm, or
not, in ways that depend on the algorithm); a missing value is no evidence either way, so it is
the caller's to drop or impute. Infinities are values and are fed.

river's ``base.Base`` surface that its models use is here too: ``clone(new_params,
include_attributes)`` and ``_get_params()``, so a driftlab detector can be given to a river model
(``tree.HoeffdingAdaptiveTreeClassifier(drift_detector=ADWIN())``).
"""
from __future__ import annotations

import functools

import copy
from typing import Any, NamedTuple

import numpy as np

from ..config import Config
from ..errors import ConfigError

# update_many works in blocks that start small after an alarm and double while none comes, so the
# work thrown away after an alarm stays below the work kept.
_FIRST_BLOCK = 512
_LAST_BLOCK = 1 << 16


class DetectorTrace(NamedTuple):
    """What ``update_many(values, trace=True)`` returns: alarms, warnings and the statistic per value.

    >>> from driftlab.detectors import DDM
    >>> rng = np.random.default_rng(0)
    >>> errors = (rng.random(600) < np.repeat([0.1, 0.5], 300)).astype(float)  # error rate 0.1, then 0.5
    >>> trace = DDM().update_many(errors, trace=True)
    >>> trace.alarms, trace.warnings.size, trace.statistic.shape
    (array([333]), 22, (600,))
    """

    alarms: np.ndarray  #: indices into ``values`` after which ``drift_detected`` was True
    warnings: np.ndarray  #: indices into ``values`` after which ``warning_detected`` was True
    statistic: np.ndarray  #: ``statistic`` after each value (float64, same length as ``values``)


class DriftDetector(Config):
    """Base of driftlab's drift detectors: river's protocol plus ``update_many`` and ``statistic``.

    A subclass declares its settings as constant ``param`` parameters and implements ``update(x)``,
    ``reset()`` and either ``_run(values, trace)`` (feed every value; return the alarms and, if
    ``trace``, the statistic and warning flags after each value) or ``_scan(values, trace)``: feed
    ``values`` up to and including the first alarm, return how many were used plus the statistic and
    warning flags for each of them. It lists its state in ``__slots__``: other attributes of a
    ``param`` class are about twice as slow to reach.

    >>> from driftlab.detectors import PageHinkley
    >>> values = np.repeat([0.0, 1.0], 100)  # the mean jumps at index 100
    >>> PageHinkley(threshold=5).update_many(values)
    array([105])
    >>> detector = PageHinkley(threshold=5)  # the same, one value at a time
    >>> for i, x in enumerate(values):
    ...     detector.update(x)
    ...     if detector.drift_detected:
    ...         print(i, round(detector.statistic, 2))
    105 5.77
    """

    __slots__ = ('_drift', '_statistic', '_warning')
    # Settings are constant, so Config's re-check on every attribute write has nothing to do; here
    # writes are per-value state, millions a second.
    __setattr__ = object.__setattr__

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "update" in cls.__dict__:  # the NaN policy, in one place for every detector
            cls.update = _rejecting_nan(cls.__dict__["update"], cls.__name__)

    # -- river's base.Base surface: river's models clone the detector they are given -------------

    def clone(self, new_params: dict[str, Any] | None = None, include_attributes: bool = False) -> DriftDetector:
        """A fresh detector with the same settings (``new_params`` replacing some), as river's ``clone``.

        With ``include_attributes`` the clone also has this detector's state (a deep copy).

        >>> from driftlab.detectors import ADWIN
        >>> ADWIN(delta=0.01).clone({"clock": 16})
        ADWIN(delta=0.01, clock=16)
        """
        if include_attributes:
            twin = copy.deepcopy(self)
            if new_params:
                raise ConfigError("new_params", "cannot be combined with include_attributes: settings are "
                                  "fixed after construction, and the state only means something for the "
                                  "settings that built it")
            return twin
        return type(self)(**{**self._get_params(), **(new_params or {})})

    def _get_params(self) -> dict[str, Any]:
        """The settings by name, as river's ``_get_params``."""
        return {name: copy.deepcopy(getattr(self, name)) for name in self.settings()}

    @property
    def _is_stochastic(self) -> bool:
        return "seed" in self.settings()

    @classmethod
    def _unit_test_params(cls):
        yield {}

    def __init__(self, *args, **settings):
        super().__init__(*args, **settings)
        self._configure()
        self.reset()

    def _configure(self) -> None:
        """Copy settings into plain attributes, so the per-value code never touches ``param``."""

    def reset(self) -> None:
        """Forget every value seen, as if just constructed."""
        self._drift = False
        self._warning = False
        self._statistic = 0.0

    def update(self, x) -> None:
        """Feed one value."""
        raise NotImplementedError

    @property
    def drift_detected(self) -> bool:
        """Whether the last value raised a drift alarm."""
        return self._drift

    @property
    def warning_detected(self) -> bool:
        """Whether the detector is in its warning zone after the last value."""
        return self._warning

    @property
    def statistic(self) -> float:
        """The quantity the detector thresholds, after the last value."""
        return self._statistic

    def update_many(self, values, *, trace: bool = False):
        """Feed every value in order; return the indices of the alarms (or a DetectorTrace if ``trace``)."""
        x = self._checked(_as_values(values))
        found, statistic, warning = self._run(x, trace)
        if not trace:
            return found
        return DetectorTrace(found, np.flatnonzero(warning), statistic)

    def _run(self, x: np.ndarray, trace: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Feed ``x`` block by block through ``_scan``, resetting after each alarm."""
        alarms: list[int] = []
        statistics: list[np.ndarray] = []
        warned: list[np.ndarray] = []
        start, block = 0, _FIRST_BLOCK
        while start < x.size:
            if self._drift:
                self.reset()
            used, statistic, warning = self._scan(x[start:start + block], trace)
            if trace:
                statistics.append(statistic)
                warned.append(np.zeros(used, bool) if warning is None else warning)
            start += used
            if self._drift:
                alarms.append(start - 1)
                block = _FIRST_BLOCK
            else:
                block = min(2 * block, _LAST_BLOCK)
        return (np.array(alarms, dtype=np.intp),
                np.concatenate(statistics) if statistics else np.array([], float),
                np.concatenate(warned) if warned else np.array([], bool))

    def _checked(self, x: np.ndarray) -> np.ndarray:
        """``x``, once the detector has checked it can take these values (by default any number)."""
        return x

    def _scan(self, x: np.ndarray, trace: bool) -> tuple[int, np.ndarray, np.ndarray | None]:
        raise NotImplementedError


def _until_first(flags: np.ndarray) -> int:
    """How many positions up to and including the first True (all of them when none)."""
    first = int(np.argmax(flags))
    return first + 1 if flags[first] else flags.size


def _rejecting_nan(update, name: str):
    """``update`` behind driftlab's NaN policy: a NaN is refused before the detector changes."""
    @functools.wraps(update)
    def checked(self, x):
        if x != x:  # NaN is the one value unequal to itself
            raise ConfigError("x", f"{name} got NaN; a missing value is not evidence for or against drift: "
                              "drop or impute it before feeding the detector")
        update(self, x)
    return checked


def _as_values(values) -> np.ndarray:
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ConfigError("values", f"expected a 1-D array of numbers ({error})") from None
    if x.ndim != 1:
        raise ConfigError("values", f"expected a 1-D array of numbers, got shape {x.shape}")
    if x.size and np.isnan(x.min()):  # min is NaN when any value is, with no temporary array
        raise ConfigError(f"values[{int(np.flatnonzero(np.isnan(x))[0])}]",
                          "is NaN; a missing value is not evidence for or against drift: drop or impute it first")
    return x
