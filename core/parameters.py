"""Parameters: named values over integer update steps ``k = 0, 1, 2, ...``.

A :class:`Parameter` takes one of three forms:

- a constant ``value``;
- a ``schedule`` (a list, an array, or any iterable, endless ones such as ``itertools.count()``
  included) with a ``strategy`` for what follows its end: ``"hold"`` keeps the last value,
  ``"cycle"`` restarts it, ``"raise"`` (streamgen's ``"raise exception"`` is accepted too) raises
  :class:`~driftlab.errors.ScheduleExhaustedError`. With only a schedule, its first entry is step 0;
  with a ``value`` too, the value is step 0 and the schedule supplies steps 1, 2, .... A list,
  tuple or array is copied at once; any other iterable is drawn from lazily, one entry as each
  step is first reached, so an endless schedule costs O(1) amortised per step;
- an ``update`` function (see :mod:`driftlab.update_functions`) applied to the initial ``value``:
  ``value_{k+1}, fired, delta = update(value_k, t=k)``. It is given as an object or as plain data
  (``{"type": "IncrementUpdate", "k": 1, "scheduler": "ContinuousScheduler"}``).

The value at step ``k`` is a pure function of the definition, the seed and ``k``: random draws
come from a Generator seeded from the store's seed and the name (:func:`driftlab.seeds.parameter_seed`),
so :meth:`Parameter.set_update_step` can jump back and forth without ever changing history. An
update function's values are not all kept: its run state (:meth:`UpdateFunction.get_state
<driftlab.update_functions.UpdateFunction.get_state>`, random generators included) is checkpointed
every :data:`CHECKPOINT_EVERY` steps and the values of the :data:`CACHED_BLOCKS` blocks of steps used
last are kept; any other step is recomputed from its block's checkpoint, bit-identical. Memory is
O(steps / CHECKPOINT_EVERY) (a few MiB per 10^6 steps, see ``benchmarks/parameters.py``); an access is
O(1) within a kept block, O(CHECKPOINT_EVERY) otherwise.

>>> p = Parameter("strength", 1, schedule=[2, 3], strategy="cycle")
>>> p.timeline(5)
[1, 2, 3, 2, 3, 2]
>>> p.update(), p.update(), p.value
(2, 3, 3)
>>> p.set_update_step(0)
1
"""
from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .config import did_you_mean, from_spec
from .distributions import measure_change
from .errors import ConfigError, ScheduleExhaustedError
from .seeds import parameter_seed
from .update_functions import UpdateFunction

STRATEGIES = ("hold", "cycle", "raise")
STRATEGY_ALIASES = {"raise exception": "raise"}  # streamgen's spelling
DEFINITION_KEYS = ("value", "schedule", "strategy", "update", "edits")
CHECKPOINT_EVERY = 256  # steps between checkpoints of an update function's state (a block of steps)
CACHED_BLOCKS = 4  # blocks of values kept besides the one being computed: scrubbing near a step is O(1)


class _Unset:
    """The missing ``value`` of a schedule-only parameter (survives deep copies and pickling as itself)."""

    def __repr__(self) -> str:
        return "<unset>"

    def __deepcopy__(self, memo: dict) -> _Unset:
        return self

    def __reduce__(self) -> str:
        return "_UNSET"  # unpickled as the module's one instance, which ``is`` tests compare against


_UNSET: Any = _Unset()


class _Schedule:
    """A schedule's entries, drawn from its iterable as they are first needed and then kept.

    Entries never change once drawn, so a schedule is shared (not copied) by the parameters an
    edit derives from it; a list, tuple or array is read at once.
    """

    def __init__(self, entries: Iterable, eager: bool):
        self._items: list[Any] = []
        self._source: Iterator[Any] | None = iter(entries)
        if eager:
            self._draw_to(None)

    def _draw_to(self, i: int | None) -> None:
        while self._source is not None and (i is None or len(self._items) <= i):
            try:
                item = next(self._source)
            except StopIteration:
                self._source = None
                break
            self._items.append(_frozen(copy.deepcopy(item)))

    def has(self, i: int) -> bool:
        """Whether entry ``i`` exists (drawing up to it if needed)."""
        self._draw_to(i)
        return i < len(self._items)

    def __getitem__(self, i: int) -> Any:
        return self._items[i]

    def __len__(self) -> int:
        """The number of entries, all of them drawn first (never call it on an endless schedule)."""
        self._draw_to(None)
        return len(self._items)

    @property
    def complete(self) -> bool:
        """Whether every entry has been drawn (the end is known)."""
        return self._source is None

    @property
    def drawn(self) -> list[Any]:
        """The entries drawn so far."""
        return list(self._items)

    def __deepcopy__(self, memo: dict) -> _Schedule:
        return self


class _UpdateValues:
    """The values and fired flags of an update function over steps ``j = 0, 1, ...`` of a definition.

    Rule: ``value_0 = initial``; ``value_{j+1}, fired_{j+1}, _ = fn(value_j, origin + j)``. At every
    ``j`` divisible by :data:`CHECKPOINT_EVERY` the value, its fired flag and ``fn.get_state()`` are
    kept; the values of the block being computed (the frontier) and of the :data:`CACHED_BLOCKS`
    blocks used last are kept. Any other block is recomputed from its checkpoint with ``fn``'s
    state restored, then ``fn`` is put back at the frontier: the values are those of one pass.
    Reads hold a lock (a dashboard preview reads old steps while the run reads new ones); a copy
    or pickle takes the frontier's state under it.
    """

    def __init__(self, fn: UpdateFunction, initial: Any, origin: int):
        self._fn, self._origin = fn, origin
        self._checkpoints: list[tuple[Any, bool, dict[str, Any]]] = [(initial, False, fn.get_state())]
        self._frontier = ([initial], [False])  # block len(checkpoints) - 1, being computed
        self._blocks: OrderedDict[int, tuple[list[Any], list[bool]]] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        with self._lock:  # fn's own state may be a checkpoint's while another thread replays: take the frontier's
            state = {**self.__dict__, "_frontier": (list(self._frontier[0]), list(self._frontier[1])),
                     "_checkpoints": list(self._checkpoints), "_blocks": OrderedDict(self._blocks),
                     "_frontier_state": self._fn.get_state()}
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        frontier_state = state.pop("_frontier_state")
        self.__dict__.update(state)
        self._fn.set_state(frontier_state)
        self._lock = threading.Lock()

    @property
    def computed(self) -> int:
        """The number of steps computed so far (``j < computed``)."""
        return (len(self._checkpoints) - 1) * CHECKPOINT_EVERY + len(self._frontier[0])

    def get(self, j: int) -> tuple[Any, bool]:
        """``(value_j, fired_j)`` (``fired_0`` is False)."""
        with self._lock:
            if j >= self.computed:
                self._advance(j)
            b, i = divmod(j, CHECKPOINT_EVERY)
            if b == len(self._checkpoints) - 1:
                values, fired = self._frontier
            elif b in self._blocks:
                self._blocks.move_to_end(b)
                values, fired = self._blocks[b]
            else:
                values, fired = self._replay(b)
            return values[i], fired[i]

    def _advance(self, j: int) -> None:
        fn, values, fired = self._fn, *self._frontier
        for n in range(self.computed, j + 1):
            new, did_fire, _ = fn(values[-1], self._origin + n - 1)
            new, did_fire = _frozen(new), bool(did_fire)
            if n % CHECKPOINT_EVERY:
                values.append(new)
                fired.append(did_fire)
                continue
            self._keep(len(self._checkpoints) - 1, self._frontier)
            self._checkpoints.append((new, did_fire, fn.get_state()))
            values, fired = self._frontier = [new], [did_fire]

    def _replay(self, b: int) -> tuple[list[Any], list[bool]]:
        fn, (value, did_fire, state) = self._fn, self._checkpoints[b]
        frontier_state = fn.get_state()
        fn.set_state(state)
        values, fired = [value], [did_fire]
        try:
            for n in range(b * CHECKPOINT_EVERY + 1, (b + 1) * CHECKPOINT_EVERY):
                new, did_fire, _ = fn(values[-1], self._origin + n - 1)
                values.append(_frozen(new))
                fired.append(bool(did_fire))
        finally:
            fn.set_state(frontier_state)
        self._keep(b, (values, fired))
        return values, fired

    def _keep(self, b: int, block: tuple[list[Any], list[bool]]) -> None:
        self._blocks[b] = block
        if len(self._blocks) > CACHED_BLOCKS:
            self._blocks.popitem(last=False)


class Parameter:
    """A named value over update steps: a constant, a schedule, or an update function.

    >>> Parameter("signal_length", 256).timeline(2)
    [256, 256, 256]
    >>> Parameter("ramp.height", 1.0, schedule=[0.8, 0.6]).timeline(3)
    [1.0, 0.8, 0.6, 0.6]
    >>> p = Parameter("ramp.height", 1.0, update={"type": "IncrementUpdate", "k": 0.5,
    ...                                           "scheduler": {"type": "PeriodicScheduler", "period": 2}})
    >>> p.timeline(4)
    [1.0, 1.5, 1.5, 2.0, 2.0]
    >>> p.set_update_step(3), p
    (2.0, Parameter('ramp.height', value=2.0, step=3))
    """

    def __init__(self, name: str, value: Any = _UNSET, schedule: Iterable | None = None,
                 strategy: str = "hold", update: UpdateFunction | None = None, seed: int = 0,
                 edits: Iterable[Mapping[str, Any]] = ()):
        if not isinstance(name, str) or not name or name.startswith(".") or name.endswith("."):
            raise ConfigError("name", f"expected a non-empty dotted name such as 'ramp.height', got {name!r}")
        self.name = name
        self.seed = _check_seed(seed, f"{name}.seed")
        strategy = STRATEGY_ALIASES.get(strategy, strategy) if isinstance(strategy, str) else strategy
        self.strategy = strategy
        self._schedule = self._check_schedule(value, schedule, strategy, update)
        self.update_function = self._check_update(value, update)
        self._initial = copy.deepcopy(value)
        self._origin = 0  # the step at which the current definition starts (after edits)
        self._updates: _UpdateValues | None = None  # the values of an update-function parameter
        if self.update_function is not None:
            self._updates = _UpdateValues(self.update_function, self._start_update(self.update_function), 0)
        self._before: Parameter | None = None  # the parameter before the last edit: it answers steps < origin
        self._edits: list[dict[str, Any]] = []
        self._step = 0
        self._value = self[0]
        for i, edit in enumerate(edits):
            self._apply_edit(edit, f"{name}.edits[{i}]")

    # -- definition -------------------------------------------------------------------------

    def _check_schedule(self, value, schedule, strategy, update) -> _Schedule | None:
        if strategy not in STRATEGIES:
            raise ConfigError(f"{self.name}.strategy", f"expected one of {', '.join(map(repr, STRATEGIES))}, "
                              f"got {strategy!r}" + did_you_mean(str(strategy), list(STRATEGIES)))
        if schedule is None:
            if strategy != "hold":
                raise ConfigError(f"{self.name}.strategy", "only applies to a schedule, and none is given")
            if value is _UNSET and update is None:
                raise ConfigError(self.name, "needs a value, a schedule or an update function")
            return None
        if update is not None:
            raise ConfigError(self.name, "give either a schedule or an update function, not both")
        if isinstance(schedule, _Schedule):  # an edit's base, shared
            return schedule
        if isinstance(schedule, (str, bytes, Mapping)) or not isinstance(schedule, Iterable):
            raise ConfigError(f"{self.name}.schedule", "expected a list (or another iterable) of values, "
                              f"got {type(schedule).__name__}")
        items = _Schedule(schedule, eager=isinstance(schedule, (list, tuple, range, np.ndarray, pd.Series)))
        if not items.has(0):
            raise ConfigError(f"{self.name}.schedule", "expected at least one value, got an empty schedule")
        return items

    def _check_update(self, value, update) -> UpdateFunction | None:
        if update is None:
            return None
        if value is _UNSET:
            raise ConfigError(f"{self.name}.value", "required with an update function (it is the initial value)")
        if isinstance(update, UpdateFunction):
            return copy.deepcopy(update)  # the caller's object may serve several parameters
        return from_spec(UpdateFunction, copy.deepcopy(update), f"{self.name}.update")

    def _start_update(self, update: UpdateFunction) -> Any:
        try:
            update.reset(copy.deepcopy(self._initial), parameter_seed(self.seed, self.name))
        except ConfigError as err:
            raise err.within(self.name) from None
        return _frozen(update._validate_value(self._initial))

    def edited(self, step: int, definition: Any) -> Parameter:
        """A new parameter with this one's values before ``step`` and ``definition`` from ``step`` on.

        ``definition`` is a constant or a definition dict (``value``, ``schedule``, ``strategy``,
        ``update``); an update function continues with absolute update indices ``t``. The edit is
        recorded (``definition()["edits"]``, replacing recorded edits at ``step`` or later, which
        it redefines), so a file written from the result rebuilds it exactly.

        >>> p = Parameter("x", schedule=[1, 2, 3, 4])
        >>> p.edited(2, {"schedule": [9, 8]}).timeline(4)
        [1, 2, 9, 8, 8]
        """
        step = _check_step(step, f"{self.name} edit step")
        spec = dict(definition) if isinstance(definition, Mapping) else {"value": definition}
        kept = [edit for edit in self._edits if edit["step"] < step]  # later ones are redefined
        return Parameter(self.name, seed=self.seed, **self._base_definition(), edits=[*kept, {"step": step, **spec}])

    def _apply_edit(self, edit: Any, path: str) -> None:
        if not isinstance(edit, Mapping) or "step" not in edit:
            raise ConfigError(path, f"expected a mapping with 'step' and a definition, got {edit!r}")
        spec = {k: v for k, v in edit.items() if k != "step"}
        step = _check_step(edit["step"], f"{path}.step")
        if not self._edits:
            self._base = self._base_definition()
        if step < self._origin:
            raise ConfigError(f"{path}.step", f"edits must come in step order; the previous one is at {self._origin}")
        keys = [k for k in DEFINITION_KEYS if k != "edits"]
        unknown = [k for k in spec if k not in keys]
        if unknown:
            raise ConfigError(f"{path}.{unknown[0]}", f"unknown key in an edit; expected step, "
                              f"{', '.join(keys)}" + did_you_mean(str(unknown[0]), keys))
        if step:
            self[step - 1]  # every earlier step exists (or ScheduleExhaustedError is raised)
        try:
            successor = Parameter(self.name, seed=self.seed, **spec)
        except ConfigError as err:
            raise ConfigError(path + err.path[len(self.name):], err.problem) from None
        if successor._updates is not None:  # the update indices t continue from the edit's step
            successor._updates._origin = step
        before = copy.copy(self)  # shares the values computed so far (they never change)
        self.__dict__.update({k: v for k, v in successor.__dict__.items()
                              if k in ("strategy", "_schedule", "update_function", "_initial", "_updates")})
        self._origin, self._before = step, before
        self._edits = [*self._edits, {"step": step, **copy.deepcopy(spec)}]
        self._value = self[self._step]

    @property
    def schedule(self) -> list | None:
        """The schedule's entries (a copy; of an iterable drawn lazily, those drawn so far), or None."""
        return None if self._schedule is None else self._schedule.drawn

    @property
    def initial_value(self) -> Any:
        """The ``value`` given at construction (unset for a schedule-only parameter)."""
        return self._initial

    def definition(self) -> dict[str, Any]:
        """The keyword arguments that rebuild this parameter (without its name and seed)."""
        out = self._base_definition()
        if self._edits:
            out["edits"] = copy.deepcopy(self._edits)
        return out

    def _base_definition(self) -> dict[str, Any]:
        """The definition this parameter started with, before any edit."""
        if self._edits:
            return copy.deepcopy(self._base)
        out: dict[str, Any] = {}
        if self._initial is not _UNSET:
            out["value"] = copy.deepcopy(self._initial)
        if self._schedule is not None:
            out["schedule"] = self.schedule if self._schedule.complete else self._schedule
            if self.strategy != "hold":
                out["strategy"] = self.strategy
        if self.update_function is not None:
            out["update"] = copy.deepcopy(self.update_function)
        return out

    # -- values over steps --------------------------------------------------------------------

    def __getitem__(self, k: int) -> Any:
        """The value at step ``k``; does not move the current step."""
        k = _check_step(k, f"{self.name} step")
        if k < self._origin:
            assert self._before is not None  # an edit set the origin
            return self._before[k]
        j = k - self._origin  # the step counted from the start of the current definition
        if self._updates is not None:
            return self._updates.get(j)[0]
        if self._schedule is None:
            return self._initial
        offset = 0 if self._initial is _UNSET else 1
        if j < offset:
            return self._initial
        i = j - offset
        if not self._schedule.has(i):
            n = len(self._schedule)  # the end is reached, so it is known
            if self.strategy == "hold":
                i = n - 1
            elif self.strategy == "cycle":
                i %= n
            else:
                raise ScheduleExhaustedError(
                    f"{self.name}: step {k} is past the end of its schedule of {n} values (strategy 'raise'); "
                    f"the last step it defines is {self._origin + n - 1 + offset}")
        return self._schedule[i]

    @property
    def value(self) -> Any:
        """The value at the current step."""
        return self._value

    @property
    def update_step(self) -> int:
        """The current step ``k``."""
        return self._step

    def set_update_step(self, k: int) -> Any:
        """Move to step ``k`` (forward or back) and return its value; on error nothing changes."""
        value = self[k]
        self._step, self._value = k, value
        return value

    def update(self) -> Any:
        """Move to the next step and return its value."""
        return self.set_update_step(self._step + 1)

    def timeline(self, k_end: int) -> list[Any]:
        """The values of steps ``0..k_end`` (inclusive), without moving the current step."""
        return [self[k] for k in range(_check_step(k_end, f"{self.name} k_end") + 1)]

    def change_log(self, k_end: int) -> pd.DataFrame:
        """For each step ``1..k_end``: whether the update fired, whether the value changed, and by how much.

        The change is the signed difference for numbers and the 1-Wasserstein distance for
        probability vectors (:func:`driftlab.distributions.measure_change`).

        >>> Parameter("x", schedule=[0, 1, 1]).change_log(3)
           step  fired  changed  delta
        0     1   True     True    1.0
        1     2   True    False    0.0
        2     3  False    False    0.0
        """
        rows = []
        for k in range(1, _check_step(k_end, f"{self.name} k_end") + 1):
            changed, delta = measure_change(self[k - 1], self[k])
            rows.append((k, self._fired(k), changed, delta))
        return pd.DataFrame(rows, columns=["step", "fired", "changed", "delta"]).astype(
            {"step": int, "fired": bool, "changed": bool, "delta": float})

    def _fired(self, k: int) -> bool:
        if k < self._origin:
            assert self._before is not None  # an edit set the origin
            return self._before._fired(k)
        if k == self._origin:  # an edit fires where it changes the value
            return measure_change(self[k - 1], self[k])[0]
        j = k - self._origin
        if self._updates is not None:
            return self._updates.get(j)[1]
        if self._schedule is None:
            return False
        i = j - (0 if self._initial is _UNSET else 1)
        return self._schedule.has(i) or self.strategy == "cycle"

    def __repr__(self) -> str:
        return f"Parameter({self.name!r}, value={self._value!r}, step={self._step})"


class ParameterStore:
    """Parameters by dotted name (``"ramp.height"``), moved through update steps together.

    Built from a nested dict as streamgen users write it: a non-dict value is a constant; a dict
    with any of the keys ``value``, ``schedule``, ``strategy``, ``update`` defines one parameter
    (it may repeat the parameter's name under ``name``, as streamgen allows; a ``name`` that differs
    from its key is rejected); any other dict is a scope. The caller's dict is never modified.

    >>> store = ParameterStore({"signal_length": 256,
    ...                         "ramp": {"height": {"schedule": [0.9, 0.8, 0.7]}}})
    >>> store.update()
    {'ramp.height': 0.8, 'signal_length': 256}
    >>> store.get_scope("ramp").get_params()
    {'height': 0.8}
    """

    def __init__(self, params: Mapping | Iterable[Parameter] | None = None, seed: int = 0):
        self.seed = _check_seed(seed, "seed")
        self._params: dict[str, Parameter] = _build(params, self.seed)
        self._prefix = ""
        self._step = 0
        self.set_update_step(0)

    # -- access -----------------------------------------------------------------------------

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self._params[name]
        except KeyError:
            raise KeyError(f"no parameter {name!r}; known: {', '.join(sorted(self._params)) or 'none'}"
                           + did_you_mean(str(name), list(self._params))) from None

    def __setitem__(self, name: str, definition: Any) -> None:
        """Add or replace a parameter: a constant, a definition dict, or a :class:`Parameter`."""
        parameter = _parameter(self._prefix + name, definition, self.seed)
        _check_nesting([*self._params, name], self._prefix)
        parameter[self.update_step]  # raises before anything changes if the step is out of its reach
        parameter.set_update_step(self.update_step)
        self._params[name] = parameter

    def edit(self, name: str, definition: Any) -> Parameter:
        """Redefine parameter ``name`` from the current step on; earlier steps keep their values.

        On a bad definition a ConfigError is raised and nothing changes. Stores sharing the old
        Parameter object keep it; this store holds the edited one (:meth:`Parameter.edited`).

        >>> store = ParameterStore({"a": {"schedule": [1, 2, 3]}})
        >>> store.set_update_step(1)
        {'a': 2}
        >>> store.edit("a", 7).timeline(3)
        [1, 7, 7, 7]
        """
        edited = self[name].edited(self.update_step, definition)
        edited.set_update_step(self.update_step)
        self._params[name] = edited
        return edited

    def __contains__(self, name: object) -> bool:
        return name in self._params

    def __iter__(self):
        return iter(sorted(self._params))

    def __len__(self) -> int:
        return len(self._params)

    @property
    def names(self) -> list[str]:
        """Parameter names, sorted."""
        return sorted(self._params)

    @property
    def scopes(self) -> list[str]:
        """The top-level scope names, sorted."""
        return sorted({name.split(".", 1)[0] for name in self._params if "." in name})

    def get_params(self) -> dict[str, Any]:
        """The current values as a flat dict sorted by name."""
        return {name: self._params[name].value for name in sorted(self._params)}

    def get_scope(self, scope: str) -> ParameterStore:
        """A store of the parameters under ``scope``, named relative to it; the same Parameter objects."""
        prefix = scope + "."
        members = {name[len(prefix):]: p for name, p in self._params.items() if name.startswith(prefix)}
        if not members:
            raise KeyError(f"no scope {scope!r}; known: {', '.join(self.scopes) or 'none'}"
                           + did_you_mean(scope, self.scopes))
        return self._view(members, self._prefix + prefix)

    def __or__(self, other: ParameterStore | Parameter) -> ParameterStore:
        """A new store with the parameters of both (``other`` wins on a shared name); the same objects."""
        if isinstance(other, Parameter):
            others, step = {other.name: other}, other.update_step
        elif isinstance(other, ParameterStore):
            others, step = other._params, other.update_step
        else:
            return NotImplemented
        if step != self.update_step:
            raise ConfigError("|", f"cannot merge parameters at different update steps ({self.update_step} and {step})")
        merged = {**self._params, **others}
        _check_nesting(merged, self._prefix)
        return self._view(merged, self._prefix)

    def _view(self, params: dict[str, Parameter], prefix: str) -> ParameterStore:
        view = ParameterStore.__new__(ParameterStore)
        view.seed, view._params, view._prefix, view._step = self.seed, params, prefix, self.update_step
        return view

    # -- steps ------------------------------------------------------------------------------

    @property
    def update_step(self) -> int:
        """The current step ``k`` of the store's parameters (shared objects may be moved by another store)."""
        return next(iter(self._params.values())).update_step if self._params else self._step

    def set_update_step(self, k: int) -> dict[str, Any]:
        """Move every parameter to step ``k``; if any cannot reach it, none moves."""
        k = _check_step(k, "step")
        for parameter in self._params.values():
            parameter[k]  # computes, or raises before anything has moved
        for parameter in self._params.values():
            parameter.set_update_step(k)
        self._step = k
        return self.get_params()

    def update(self) -> dict[str, Any]:
        """Move every parameter to the next step and return the new values."""
        return self.set_update_step(self.update_step + 1)

    # -- tables -----------------------------------------------------------------------------

    def to_dataframe(self, k_end: int) -> pd.DataFrame:
        """Values of steps ``0..k_end`` (rows) by parameter (columns); the current step is unchanged."""
        steps = range(_check_step(k_end, "k_end") + 1)
        columns = {name: [self._params[name][k] for k in steps] for name in sorted(self._params)}
        return pd.DataFrame(columns, index=pd.RangeIndex(len(steps), name="step"))

    @classmethod
    def from_dataframe(cls, df: pd.DataFrame, seed: int = 0) -> ParameterStore:
        """Each column a schedule (rows are steps 0, 1, ...); a column of one repeated value a constant.

        Columns named ``"scope.name"`` are scoped.

        >>> df = pd.DataFrame({"ramp.height": [0.9, 0.8], "signal_length": [256, 256]})
        >>> ParameterStore.from_dataframe(df).update()
        {'ramp.height': 0.8, 'signal_length': 256}
        """
        if not isinstance(df, pd.DataFrame) or len(df) == 0:
            raise ConfigError("df", f"expected a non-empty pandas DataFrame, got {type(df).__name__}")
        params = {}
        for column in df.columns:
            values = list(df[column])
            constant = all(not measure_change(values[0], v)[0] for v in values[1:])
            params[str(column)] = values[0] if constant else {"schedule": values}
        return cls(params, seed=seed)

    def change_log(self, k_end: int) -> pd.DataFrame:
        """The change logs of every parameter in one tidy table: step, parameter, fired, changed, delta."""
        frames = [p.change_log(k_end).assign(parameter=name) for name, p in sorted(self._params.items())]
        columns = ["step", "parameter", "fired", "changed", "delta"]
        if not frames:
            return pd.DataFrame(columns=columns)
        return pd.concat(frames, ignore_index=True)[columns].sort_values(["step", "parameter"], ignore_index=True)

    def change_points(self, k_end: int) -> list[int]:
        """The steps ``1..k_end`` at which at least one parameter's value changed."""
        log = self.change_log(k_end)
        return sorted(int(k) for k in log.loc[log["changed"], "step"].unique())

    def __repr__(self) -> str:
        return f"ParameterStore({self.get_params()!r}, step={self.update_step})"


def _build(params: Mapping | Iterable[Parameter] | None, seed: int) -> dict[str, Parameter]:
    """Parameters by name from a nested dict or a list of Parameters; nothing is built on error."""
    if params is None:
        return {}
    if isinstance(params, Mapping):
        definitions = dict(_flatten(params, ""))
    elif isinstance(params, Iterable) and not isinstance(params, (str, bytes)):
        definitions = {}
        for i, parameter in enumerate(params):
            if not isinstance(parameter, Parameter):
                raise ConfigError(f"params[{i}]", f"expected a Parameter, got {type(parameter).__name__}")
            definitions[parameter.name] = parameter
    else:
        raise ConfigError("params",
                          f"expected a dict of parameters or a list of Parameter, got {type(params).__name__}")
    _check_nesting(definitions, "")
    return {name: _parameter(name, definition, seed) for name, definition in definitions.items()}


def _flatten(tree: Mapping, prefix: str):
    """``(dotted name, definition)`` pairs of a nested parameter dict."""
    if prefix and not tree:
        raise ConfigError(prefix[:-1], "is an empty scope; give it parameters or remove it")
    for key, node in tree.items():
        if not isinstance(key, str) or not key or key.startswith(".") or key.endswith("."):
            raise ConfigError(f"{prefix}{key}", f"expected a non-empty string name, got {key!r}")
        path = prefix + key
        if isinstance(node, Mapping) and not any(k in DEFINITION_KEYS for k in node):
            yield from _flatten(node, path + ".")
        else:
            yield path, node


def _parameter(name: str, definition: Any, seed: int) -> Parameter:
    if isinstance(definition, Parameter):
        if definition.name != name:
            raise ConfigError(name, f"is given a Parameter named {definition.name!r}; their names must match")
        return definition
    if isinstance(definition, Mapping):
        if "name" in definition:  # streamgen's dicts may repeat the parameter's name; it must match the key
            given = definition["name"]
            if given not in (name, name.rsplit(".", 1)[-1]):
                raise ConfigError(f"{name}.name", f"is {given!r}, but the parameter is defined under the key "
                                  f"{name.rsplit('.', 1)[-1]!r}; leave 'name' out or make it match")
            definition = {k: v for k, v in definition.items() if k != "name"}
        unknown = [k for k in definition if k not in DEFINITION_KEYS]
        if unknown:
            raise ConfigError(f"{name}.{unknown[0]}", f"unknown key in a parameter definition; expected "
                              f"{', '.join(DEFINITION_KEYS)}" + did_you_mean(str(unknown[0]), list(DEFINITION_KEYS)))
        return Parameter(name, seed=seed, **definition)
    return Parameter(name, definition, seed=seed)


def _check_nesting(names: Iterable[str], prefix: str) -> None:
    """No name may be both a parameter and a scope (``ramp`` beside ``ramp.height``)."""
    names = set(names)
    for name in sorted(names):
        parts = name.split(".")
        for i in range(1, len(parts)):
            scope = ".".join(parts[:i])
            if scope in names:
                raise ConfigError(prefix + scope, f"is both a parameter and the scope of {prefix + name!r}")


def _frozen(value: Any) -> Any:
    """Arrays are kept read-only, so that no caller can rewrite a parameter's history."""
    if isinstance(value, np.ndarray) and value.flags.writeable:
        value = value.copy()
        value.setflags(write=False)
    return value


def _check_step(k: Any, what: str) -> int:
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ConfigError(what, f"expected an integer >= 0, got {k!r}")
    return int(k)


def _check_seed(seed: Any, path: str) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(path, f"expected an integer >= 0, got {seed!r}")
    return int(seed)
