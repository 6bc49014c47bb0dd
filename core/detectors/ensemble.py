"""DetectorEnsemble: a vote of several detectors fed the same values, and its spec."""
from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import param

from ..config import from_spec
from ..errors import ConfigError
from .base import DetectorTrace, DriftDetector, _as_values


class DetectorEnsemble(DriftDetector):
    """Vote of several detectors fed the same values: drift when enough members alarmed recently.

    A member's alarm is a vote for ``window`` values, its own included (window=1: votes must fall
    on the same value). Drift when the members holding a vote number at least one (vote="any"),
    more than half ("majority") or all of them ("all"); that alarm uses up every vote. Warnings
    are voted on the same value. Members keep their own state and reset themselves after their
    own alarms; building the ensemble resets them. statistic = the members holding a vote.

    Members may also be given as specs, a registry name or a ``{"type": name, ...}`` mapping, which
    are built with ``from_spec``: that is how a scenario file (or :meth:`to_spec`) lists them.

    >>> from driftlab.detectors import NoDrift, Periodic
    >>> ensemble = DetectorEnsemble([Periodic(period=2), Periodic(period=3), NoDrift()], vote="any")
    >>> ensemble.update_many([0.0] * 6)
    array([1, 2, 3, 5])
    >>> DetectorEnsemble([Periodic(period=4), Periodic(period=6)], vote="all", window=3).update_many([0.0] * 12)
    array([ 5, 11])
    """

    __slots__ = ('_members', '_needed', '_t', '_votes', '_window')

    _positional = ("detectors", "vote", "window")
    detectors = param.List(default=[], constant=True, instantiate=False, doc="The member detectors.")
    vote: param.Selector[str] = param.Selector(default="majority", objects=["any", "majority", "all"], constant=True,
                                               doc="How many members must hold a vote.")
    window = param.Integer(1, bounds=(1, None), constant=True, doc="Values for which a member's alarm is a vote.")

    def __init__(self, *args, **settings):
        # from_spec builds nested settings declared as a Config, not the items of a list: build them here
        if args:
            args = (_built_members(args[0]), *args[1:])
        if "detectors" in settings:
            settings["detectors"] = _built_members(settings["detectors"])
        super().__init__(*args, **settings)

    def _check(self):
        members = self._v.detectors
        if not members or not all(isinstance(d, DriftDetector) for d in members):
            raise ConfigError("DetectorEnsemble.detectors",
                              f"expected a non-empty list of drift detectors, got {members!r}")
        if len({id(d) for d in members}) < len(members):
            raise ConfigError("DetectorEnsemble.detectors",
                              "expected distinct detector objects (one listed twice would see each value twice)")

    def _configure(self):
        self._members, self._window = list(self.detectors), self.window
        self._needed = {"any": 1, "majority": len(self._members) // 2 + 1, "all": len(self._members)}[self.vote]

    def to_spec(self) -> dict[str, Any]:
        """Plain data that ``from_spec(DriftDetector, spec, path)`` rebuilds this from, members as their specs.

        ``vote`` and ``window`` are written even at their defaults: they are what the ensemble means.
        A member's state is not part of its spec; nor is a seed a member drew for itself (KSWIN
        with seed=None), so give seeds to have a rebuilt ensemble raise the same alarms.

        >>> from driftlab.detectors import DDM, Periodic
        >>> spec = DetectorEnsemble([Periodic(period=4), DDM(warm_start=20)], vote="any").to_spec()
        >>> spec  # doctest: +NORMALIZE_WHITESPACE
        {'type': 'DetectorEnsemble', 'detectors': [{'type': 'Periodic', 'period': 4},
         {'type': 'DDM', 'warm_start': 20}], 'vote': 'any', 'window': 1}
        >>> from driftlab.config import from_spec
        >>> from_spec(DriftDetector, spec, "detectors.ens")
        DetectorEnsemble(detectors=[Periodic(period=4), DDM(warm_start=20)], vote='any')
        """
        return {"type": type(self).__name__, "detectors": [member.to_spec() for member in self._members],
                "vote": self.vote, "window": self.window}

    def reset(self) -> None:
        super().reset()
        self._t = 0  # values seen
        self._votes: dict[int, int] = {}  # member index -> value count at its unused alarm
        for member in self._members:
            member.reset()

    def _checked(self, x):
        for member in self._members:  # every member takes the values, or none is fed any
            member._checked(x)
        return x

    def update(self, x) -> None:
        self._checked(np.array([x], dtype=float))
        t = self._t = self._t + 1
        for i, member in enumerate(self._members):
            member.update(x)
            if member.drift_detected:
                self._votes[i] = t
        self._votes = {i: s for i, s in self._votes.items() if t - s < self._window}
        self._statistic = float(len(self._votes))
        self._drift = len(self._votes) >= self._needed
        if self._drift:
            self._votes = {}
        self._warning = sum(member.warning_detected for member in self._members) >= self._needed

    def update_many(self, values, *, trace: bool = False):
        x = self._checked(_as_values(values))
        results = [member.update_many(x, trace=trace) for member in self._members]
        events = sorted((int(i), m) for m, r in enumerate(results) for i in (r.alarms if trace else r))
        start, window, votes = self._t, self._window, dict(self._votes)
        alarms: list[int] = []
        held: list[tuple[int, int]] = []  # held: (first, last + 1) value count of every vote, for the statistic
        for i, group in itertools.groupby(events, key=lambda event: event[0]):
            t = start + i + 1
            for _, m in group:
                if m in votes:
                    held.append((votes[m], min(t, votes[m] + window)))
                votes[m] = t
            held += [(s, s + window) for s in votes.values() if t - s >= window]
            votes = {m: s for m, s in votes.items() if t - s < window}
            if len(votes) >= self._needed:
                alarms.append(i)
                held += [(s, t + 1) for s in votes.values()]
                votes = {}
        end = self._t = start + x.size
        held += [(s, min(s + window, end + 1)) for s in votes.values()]
        self._votes = {m: s for m, s in votes.items() if end - s < window}
        counts = np.zeros(x.size + 1)
        for first, stop in held:
            counts[max(first - start - 1, 0)] += 1
            counts[max(stop - start - 1, 0)] -= 1
        statistic = np.cumsum(counts[:-1])
        if x.size:
            self._statistic, self._drift = float(statistic[-1]), bool(alarms) and alarms[-1] == x.size - 1
            self._warning = sum(member.warning_detected for member in self._members) >= self._needed
        found = np.array(alarms, dtype=np.intp)
        if not trace:
            return found
        warned = np.bincount(np.concatenate([r.warnings for r in results]), minlength=x.size)
        return DetectorTrace(found, np.flatnonzero(warned >= self._needed), statistic)


def _built_members(detectors):
    """``detectors`` with each item given as a spec (a name or a mapping) built by ``from_spec``."""
    if not isinstance(detectors, list):
        return detectors  # param rejects it, naming the setting
    return [from_spec(DriftDetector, item, f"DetectorEnsemble.detectors[{i}]")
            if isinstance(item, (str, Mapping)) else item for i, item in enumerate(detectors)]
