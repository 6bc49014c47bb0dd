"""Bounded buffers over a data stream, and the thread-safe hand-over from inference to training.

Step data is one sample, a mapping ``field -> value`` (``{"x": features, "y": label}``); a batch is
a mapping ``field -> n values`` (arrays whose first axis has length n, or sequences of length n).
The first value a field receives fixes how it is stored:

* numeric values (bool, int, float, complex scalars or arrays) go into one numpy array; later values
  must have the same shape and a dtype that numpy casts ``"same_kind"`` to the first one (float64 into
  a float32 field is accepted, float into an int field is an error);
* anything else (str, None, objects, an empty tuple or list such as a sample's empty label set) goes
  into a list, by reference.

``add(step_data)`` is ``add_batch`` of a batch of one, and every randomised buffer draws exactly one
uniform number per sample, in arrival order, so both paths give the same buffer for the same seed.
Counts account for every sample: ``added == len(buffer) + evicted + discarded``.

The pipeline keeps PAMIQ-Core's names: a producer (the inference thread) calls ``collect`` on a
:class:`DataCollector`; the training thread calls :meth:`DataUser.update` to move everything collected
into the buffer, then reads it.

>>> user = DataUser(SequentialBuffer(("x", "y"), max_size=100))
>>> collector = user.collector.acquire()            # inference thread
>>> collector.collect({"x": [0.5, 1.5], "y": 1})
>>> collector.collect_batch({"x": np.zeros((2, 2)), "y": [0, 0]})
>>> user.update()                                   # training thread
3
>>> user.get_data()["y"]
array([1, 0, 0])
"""
from __future__ import annotations

import json
import math
import os
import threading
import time
from abc import ABC, abstractmethod
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from driftlab.errors import ConfigError, DriftlabError
from driftlab.files import write_atomically
from driftlab.registry import BUFFERS

Column = np.ndarray | list
_NUMERIC_KINDS = "biufc"
_STATE_FORMAT = "driftlab.buffer/1"
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class CollectorAcquiredError(DriftlabError, RuntimeError):
    """A :class:`DataCollector` was acquired a second time without being released.

    >>> user = DataUser(SequentialBuffer(("x",), max_size=4))
    >>> producer = user.collector.acquire()
    >>> user.collector.acquire()
    Traceback (most recent call last):
    ...
    driftlab.buffers.CollectorAcquiredError: this DataCollector is already acquired; ... DataUser.new_collector()
    >>> producer.release()
    >>> user.collector.acquire() is producer
    True
    """


@dataclass(frozen=True)
class _Spec:
    """How a field is stored: a numpy array of ``dtype`` and item ``shape``, or (dtype None) a list."""

    dtype: np.dtype | None
    shape: tuple[int, ...] = ()

    @classmethod
    def of(cls, value: Any) -> _Spec:
        try:
            array = np.asarray(value)
        except (ValueError, TypeError, RuntimeError):  # ragged nesting, tensors that need .detach()
            return cls(None)
        if array.size == 0 and not isinstance(value, np.ndarray):
            # an empty tuple or list (a sample with no labels) says nothing of a numeric shape
            return cls(None)
        return cls(array.dtype, array.shape) if array.dtype.kind in _NUMERIC_KINDS else cls(None)

    def column(self, values: Any, path: str) -> np.ndarray | list:
        """``values`` (n items) as one stored column: an array of shape (n, *shape), or a list."""
        if self.dtype is None:
            return list(values)
        try:
            array = np.asarray(values)
        except (ValueError, TypeError, RuntimeError) as exc:
            raise ConfigError(path, f"expected {self}, got values numpy cannot stack ({exc})") from None
        castable = array.dtype.kind in _NUMERIC_KINDS and np.can_cast(array.dtype, self.dtype, "same_kind")
        if array.shape[1:] != self.shape or not castable:
            raise ConfigError(path, f"expected {self}, got {array.dtype} values of shape {array.shape[1:]}")
        return array

    def to_json(self) -> dict[str, Any]:
        return {"dtype": None if self.dtype is None else self.dtype.str, "shape": list(self.shape)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Spec:
        return cls(None if data["dtype"] is None else np.dtype(data["dtype"]), tuple(data["shape"]))

    def __str__(self) -> str:
        if self.dtype is None:
            return "any Python object"
        return f"numeric values of shape {self.shape} castable to {self.dtype}"


def _label_key(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class _Schema:
    """The fields a buffer stores and how each is stored; shared by a buffer and its collectors."""

    def __init__(self, fields: tuple[str, ...], label_field: str | None = None):
        self.fields = fields
        self.label_field = label_field
        self.specs: dict[str, _Spec | None] = dict.fromkeys(fields)
        self.lock = threading.Lock()

    def sample(self, step_data: Any, path: str) -> tuple[dict[str, Column], int]:
        """Validate one step and return it as columns of one item."""
        self._check_keys(step_data, path)
        return self.batch({field: [step_data[field]] for field in self.fields}, path)

    def batch(self, batch: Any, path: str) -> tuple[dict[str, Column], int]:
        """Validate a batch and return its columns and length; the first values fix unknown specs."""
        self._check_keys(batch, path)
        n = self._length(batch, path)
        if n == 0:
            return {}, 0
        if None not in self.specs.values():
            return self._columns(batch, cast("dict[str, _Spec]", self.specs), path), n
        with self.lock:  # two threads must not fix different specs for the same field
            specs = {f: _Spec.of(next(iter(batch[f]))) if s is None else s for f, s in self.specs.items()}
            columns = self._columns(batch, specs, path)
            self.specs = dict(specs)
        return columns, n

    def _check_keys(self, data: Any, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(path, f"expected a mapping field -> value, got {type(data).__name__}")
        for field in self.fields:
            if field not in data:
                raise ConfigError(f"{path}.{field}", f"missing; this buffer stores fields {self.fields}")
        for key in data:
            if key not in self.specs:
                raise ConfigError(f"{path}.{key}", f"unknown field; this buffer stores fields {self.fields}")

    def _length(self, batch: Mapping, path: str) -> int:
        lengths: dict[str, int] = {}
        for field in self.fields:
            values = batch[field]
            try:
                if isinstance(values, (str, bytes)):
                    raise TypeError
                lengths[field] = len(values)
            except TypeError:
                raise ConfigError(
                    f"{path}.{field}", f"expected an array or sequence of values, got {type(values).__name__}"
                ) from None
        first, n = next(iter(lengths.items()))
        for field, length in lengths.items():
            if length != n:
                raise ConfigError(f"{path}.{field}", f"has {length} values but {path}.{first} has {n}")
        return n

    def _columns(self, batch: Mapping, specs: dict[str, _Spec], path: str) -> dict[str, Column]:
        columns = {field: specs[field].column(batch[field], f"{path}.{field}") for field in self.fields}
        if self.label_field is not None:
            label = self.label_field
            self._check_labels(columns[label], specs[label], f"{path}.{label}")
        return columns

    @staticmethod
    def _check_labels(column: Column, spec: _Spec, path: str) -> None:
        """Labels are scalars (str, int, float, bool), sets of scalars (tuple, list, set, frozenset) or
        multi-hot rows (a numeric field of shape (K,) holding only 0 and 1)."""
        if spec.dtype is not None:
            if spec.dtype.kind == "c" or len(spec.shape) > 1:
                raise ConfigError(path, "expected one real scalar label or one multi-hot row of 0/1 per sample, "
                                  f"got {spec.dtype} of shape {spec.shape}")
            if spec.shape and not np.isin(column, (0, 1)).all():
                bad = np.asarray(column)[~np.isin(column, (0, 1))][0].item()
                raise ConfigError(path, f"expected a multi-hot row of 0/1 per sample (shape {spec.shape}), "
                                  f"got the value {bad!r}")
            return
        for value in column:
            items = value if isinstance(value, _LABEL_SETS) else (value,)
            if not all(isinstance(_label_key(item), _SCALAR_LABELS) for item in items):
                raise ConfigError(path, "expected a str, int, float or bool label, or a tuple, list or set of "
                                  f"them, got {value!r}")


_SCALAR_LABELS = (str, int, float)  # bool is an int
_LABEL_SETS = (tuple, list, set, frozenset)
NO_LABEL = ()  # the key a sample with an empty label set counts under


def _label_sets(column: Column) -> list[tuple]:
    """The labels each sample counts under, distinct, in their order: a scalar c gives (c,), a label set
    its members (a set's sorted), a multi-hot row the indices of its ones; an empty set (NO_LABEL,)."""
    if isinstance(column, np.ndarray):
        if column.ndim == 1:
            return [(label,) for label in column.tolist()]
        return [tuple(np.flatnonzero(row).tolist()) or (NO_LABEL,) for row in column]
    sets = []
    for value in column:
        if isinstance(value, (set, frozenset)):
            value = sorted(value, key=lambda item: (type(item).__name__, item))
        elif not isinstance(value, _LABEL_SETS):
            value = (value,)
        sets.append(tuple(dict.fromkeys(_label_key(item) for item in value)) or (NO_LABEL,))
    return sets


MAX_BUFFER_SIZE = 10_000_000  # samples: a buffer's storage is allocated up front


def _check_size(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 1 <= value <= MAX_BUFFER_SIZE:
        raise ConfigError(path, f"expected an integer in [1, {MAX_BUFFER_SIZE}], got {value!r}")
    return int(value)


def _check_fields(fields: Any, path: str) -> tuple[str, ...]:
    if isinstance(fields, str) or not isinstance(fields, Sequence) or not fields:
        raise ConfigError(path, f"expected a non-empty sequence of field names, got {fields!r}")
    if not all(isinstance(f, str) and f for f in fields) or len(set(fields)) != len(fields):
        raise ConfigError(path, f"expected distinct non-empty str field names, got {fields!r}")
    return tuple(fields)


class DataBuffer(ABC):
    """A bounded store of step data; a subclass's ``_place`` decides where each new sample goes.

    Rule: ``_place`` gives sample i of a batch a slot (slots fill 0, 1, 2, ... first) or -1. A sample
    sent to an occupied slot evicts the item there (within one batch the later sample wins, exactly as
    if added one by one); a sample sent to -1 is discarded. ``get_data()`` returns copies: a dict
    field -> array stacked along a new first axis, or list for non-numeric fields (``[]`` while a
    field has never received a value).

    >>> buf = SequentialBuffer(("x", "y"), max_size=4)  # a DataBuffer that keeps the newest samples
    >>> buf.add({"x": [0.0, 1.0], "y": "cat"})
    >>> buf.add_batch({"x": np.ones((5, 2)), "y": ["dog"] * 5})
    >>> data = buf.get_data()
    >>> data["x"].shape, data["y"], buf.added == len(buf) + buf.evicted + buf.discarded
    ((4, 2), ['dog', 'dog', 'dog', 'dog'], True)
    >>> buf.add({"x": [1.5], "y": "cat"})
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: step_data.x: expected numeric values of shape (2,) ... of shape (1,)
    """

    def __init__(self, fields: Sequence[str], max_size: int, *, label_field: str | None = None):
        owner = type(self).__name__
        self._schema = _Schema(_check_fields(fields, f"{owner}.fields"), label_field)
        self._max_size = _check_size(max_size, f"{owner}.max_size")
        self._storage: dict[str, Column] = {}
        self._size = self._added = self._evicted = self._discarded = 0

    @abstractmethod
    def _place(self, n: int, columns: dict[str, Column]) -> np.ndarray:
        """Target slot of each of the n new samples (-1: discarded), given the state before them."""

    def _order(self) -> np.ndarray:
        """The occupied slots in the order ``get_data`` returns them."""
        return np.arange(self._size)

    def _config(self) -> dict[str, Any]:
        """The constructor arguments, as JSON values (saved, checked on load, rebuild the buffer)."""
        return {"fields": list(self.fields), "max_size": self._max_size}

    def _state(self) -> dict[str, Any]:
        """Subclass state beyond contents and counts, as JSON values."""
        return {}

    def _set_state(self, state: dict[str, Any]) -> None:  # noqa: B027  (a hook: most buffers keep no more state)
        """Restore ``_state()``; called after contents and counts are restored."""

    @property
    def fields(self) -> tuple[str, ...]:
        return self._schema.fields

    @property
    def max_size(self) -> int:
        return self._max_size

    @property
    def max_queue_size(self) -> int:
        """The default queue of a collector feeding this buffer (PAMIQ's ``max_queue_size``): ``max_size``."""
        return self._max_size

    @property
    def is_full(self) -> bool:
        """Whether the buffer holds ``max_size`` samples (PAMIQ's ``is_full``)."""
        return self._size >= self._max_size

    @property
    def added(self) -> int:
        """Samples offered to the buffer so far."""
        return self._added

    @property
    def evicted(self) -> int:
        """Samples that were stored and later replaced."""
        return self._evicted

    @property
    def discarded(self) -> int:
        """Samples that were never stored."""
        return self._discarded

    def __len__(self) -> int:
        return self._size

    def add(self, step_data: Mapping[str, Any]) -> None:
        """Add one sample, a mapping field -> value."""
        self._add(*self._schema.sample(step_data, "step_data"))

    def add_batch(self, batch: Mapping[str, Any]) -> None:
        """Add n samples given as field -> n values; same result as n calls of ``add``."""
        self._add(*self._schema.batch(batch, "batch"))

    def get_data(self) -> dict[str, Column]:
        """A copy of the stored samples: field -> stacked array (or list for non-numeric fields)."""
        order = self._order()
        data: dict[str, Column] = {}
        for field in self.fields:
            store = self._storage.get(field)
            if store is None:
                data[field] = []
            elif isinstance(store, np.ndarray):
                data[field] = store[order]
            else:
                data[field] = [store[i] for i in order.tolist()]
        return data

    def _add(self, columns: dict[str, Column], n: int) -> None:
        if n == 0:
            return
        slots = self._place(n, columns)
        kept = np.flatnonzero(slots >= 0)
        size = max(self._size, int(slots[kept].max()) + 1) if kept.size else self._size
        self._evicted += kept.size - (size - self._size)  # every kept sample but those filling new slots
        self._discarded += n - kept.size
        self._added += n
        self._size = size
        latest_first = kept[::-1]  # a slot hit twice keeps the later sample, as one-by-one adds would
        _, first = np.unique(slots[latest_first], return_index=True)
        winners = latest_first[first]
        for field, column in columns.items():
            store = self._storage.get(field)
            if store is None:
                spec = self._schema.specs[field]
                assert spec is not None  # batch() fixed it
                store = self._storage[field] = self._allocate(spec)
            if isinstance(store, np.ndarray):
                store[slots[winners]] = column[winners]
            else:
                for slot, i in zip(slots[winners].tolist(), winners.tolist(), strict=False):
                    store[slot] = column[i]

    def _allocate(self, spec: _Spec) -> Column:
        if spec.dtype is None:
            return [None] * self._max_size
        return np.empty((self._max_size, *spec.shape), dtype=spec.dtype)

    def save_state(self, path: str | os.PathLike) -> None:
        """Write contents, counts, specs and random state to ``path`` as one ``.npz`` file, atomically.

        Numeric fields are stored as arrays, everything else as JSON, so list fields must hold JSON
        values (str, int, float, bool, None, lists, tuples, dicts; an item that is a tuple, such as a
        label set, is restored as a tuple, tuples inside items as lists); the file is written to a temporary file in
        the same folder, then renamed over ``path``.
        """
        arrays: dict[str, np.ndarray] = {}
        specs: dict[str, Any] = {}
        lists: dict[str, list] = {}
        tuples: dict[str, list[int]] = {}  # the items of a list field that are tuples, which JSON writes as lists
        for i, field in enumerate(self.fields):
            spec, store = self._schema.specs[field], self._storage.get(field)
            specs[field] = None if spec is None else spec.to_json()
            if isinstance(store, np.ndarray):
                arrays[f"field{i}"] = store[: self._size]
            elif store is not None:
                lists[field] = store[: self._size]
                tuples[field] = [i for i, item in enumerate(lists[field]) if isinstance(item, tuple)]
                try:
                    json.dumps(lists[field])
                except (TypeError, ValueError) as exc:
                    raise ConfigError(
                        f"{type(self).__name__}.{field}", f"cannot save a value that is not JSON ({exc})"
                    ) from None
        counts = {"size": self._size, "added": self._added,
                  "evicted": self._evicted, "discarded": self._discarded}
        meta = {"format": _STATE_FORMAT, "buffer": type(self).__name__, "config": self._config(),
                "specs": specs, "lists": lists, "tuples": tuples, "counts": counts, "state": self._state()}
        write_atomically(path, lambda file: np.savez(  # numeric arrays only: nothing to pickle
            file, meta=np.array(json.dumps(meta)), allow_pickle=False, **arrays))

    def load_state(self, path: str | os.PathLike) -> None:
        """Replace contents, counts and random state by those ``save_state`` wrote to ``path``.

        The file must come from a buffer of the same class and configuration. It is read without
        pickle and fully checked before this buffer changes; afterwards the buffer continues exactly
        as the saved one would have (drawing from its own generator, restored from the file).
        """
        fresh = type(self)(**self._config())
        fresh._restore(path)
        with self._schema.lock:  # collectors share the schema object: update it in place
            self._schema.specs = fresh._schema.specs
        fresh._schema = self._schema
        self.__dict__.update(fresh.__dict__)

    def _restore(self, path: str | os.PathLike) -> None:
        file = os.fspath(path)
        try:
            with np.load(file, allow_pickle=False) as npz:
                meta = json.loads(str(npz["meta"]))
                arrays = {name: npz[name] for name in npz.files}
            self._check_header(meta, file)
            counts = meta["counts"]
            size = counts["size"]
            for i, field in enumerate(self.fields):
                spec = meta["specs"][field]
                if spec is None:
                    continue
                spec = _Spec.from_json(spec)
                if spec.dtype is None:
                    content = meta["lists"][field]
                    shape_ok = isinstance(content, list) and len(content) == size
                    for item in meta.get("tuples", {}).get(field, []):  # files of older versions have none
                        content[item] = tuple(content[item])
                else:
                    content = arrays[f"field{i}"]
                    shape_ok = spec.dtype.kind in _NUMERIC_KINDS and content.dtype == spec.dtype
                    shape_ok = shape_ok and content.shape == (size, *spec.shape)
                if not shape_ok:
                    raise ConfigError(file, f"field {field!r} does not hold {size} items of {spec}")
                self._schema.specs[field] = spec
                self._storage[field] = self._allocate(spec)
                self._storage[field][:size] = content
            self._size, self._added = size, counts["added"]
            self._evicted, self._discarded = counts["evicted"], counts["discarded"]
            if not 0 <= size <= self._max_size or self._added != size + self._evicted + self._discarded:
                raise ConfigError(file, f"inconsistent counts {counts}")
            self._set_state(meta["state"])
        except ConfigError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(file, f"not a readable {type(self).__name__} state ({exc!r})") from None

    def _check_header(self, meta: dict, file: str) -> None:
        owner = type(self).__name__
        if meta.get("format") != _STATE_FORMAT or meta.get("buffer") != owner:
            raise ConfigError(
                file, f"expected a {owner} state, got {meta.get('buffer')!r} ({meta.get('format')!r})")
        saved, expected = meta["config"], json.loads(json.dumps(self._config()))
        for key, value in expected.items():
            if saved.get(key) != value:
                raise ConfigError(
                    f"{owner}.{key}", f"{file} was saved with {saved.get(key)!r}, this buffer has {value!r}")


def _rng_state(rng: np.random.Generator) -> dict:
    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value.tolist() if isinstance(value, np.ndarray) else value

    return plain(rng.bit_generator.state)


def _rng_from_state(state: dict) -> np.random.Generator:
    name = state.get("bit_generator")
    if name not in _BIT_GENERATORS:
        raise ValueError(f"unknown bit generator {name!r}")
    rng = np.random.Generator(getattr(np.random, name)())
    rng.bit_generator.state = state
    return rng


def _make_rng(seed: Any, rng: Any, owner: str) -> np.random.Generator:
    if rng is not None:
        if seed is not None:
            raise ConfigError(f"{owner}.rng", "give seed or rng, not both")
        if not isinstance(rng, np.random.Generator):
            raise ConfigError(f"{owner}.rng", f"expected a numpy.random.Generator, got {type(rng).__name__}")
        return rng
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{owner}.seed", f"expected None, an int or a numpy.random.SeedSequence, got {seed!r}") from None


class SequentialBuffer(DataBuffer):
    """First in, first out: the newest ``max_size`` samples, oldest first.

    Rule: once full, each new sample evicts the oldest one; nothing is discarded.

    >>> buf = SequentialBuffer(("x", "y"), max_size=3)
    >>> for i in range(5):
    ...     buf.add({"x": [i, -i], "y": i % 2})
    >>> buf.get_data()["y"]
    array([0, 1, 0])
    >>> len(buf), buf.added, buf.evicted
    (3, 5, 2)
    """

    def _place(self, n: int, columns: dict[str, Column]) -> np.ndarray:
        return (self._added + np.arange(n)) % self._max_size

    def _order(self) -> np.ndarray:
        if self._size < self._max_size:
            return np.arange(self._size)
        return (self._added + np.arange(self._max_size)) % self._max_size


class _RandomizedBuffer(DataBuffer):
    """A buffer that draws one uniform number per added sample from its own Generator."""

    def __init__(self, fields: Sequence[str], max_size: int, *, seed: Any = None,
                 rng: np.random.Generator | None = None, label_field: str | None = None):
        super().__init__(fields, max_size, label_field=label_field)
        self._rng = _make_rng(seed, rng, type(self).__name__)

    def _state(self) -> dict[str, Any]:
        return {"rng": _rng_state(self._rng)}

    def _set_state(self, state: dict[str, Any]) -> None:
        self._rng = _rng_from_state(state["rng"])


def replace_probability_from_survival_length(max_size: int, expected_survival_length: float) -> float:
    """Replacement probability p that turns a full buffer over in ``expected_survival_length`` samples.

    PAMIQ's relation p = N/L · (ln N + γ), with N = max_size, L = expected_survival_length and γ ≈ 0.5772
    Euler's constant. Replacing every item now in the buffer at least once takes N·H_N replacements on
    average (coupon collector, H_N = 1 + 1/2 + ... + 1/N ≈ ln N + γ), and each sample replaces one with
    probability p, so L is the expected number of added samples until the last of today's items is
    gone. One item lives N/p = L/(ln N + γ) samples on average. ln N + γ underestimates H_N by < 2 % for
    N >= 10 (by 42 % at N = 1). An L shorter than N·(ln N + γ), the turnover at p = 1, gives p = 1 (as
    PAMIQ caps it): the buffer cannot turn over faster than one replacement per sample.

    >>> replace_probability_from_survival_length(100, 10)
    1.0

    >>> round(replace_probability_from_survival_length(100, 1000), 4)
    0.5182
    """
    size = _check_size(max_size, "max_size")
    length = expected_survival_length
    if isinstance(length, bool) or not isinstance(length, (int, float, np.integer, np.floating)) \
            or not math.isfinite(length) or length <= 0:
        raise ConfigError("expected_survival_length", f"expected a finite number > 0, got {length!r}")
    turnover_at_p1 = size * (math.log(size) + np.euler_gamma)
    return float(min(1.0, turnover_at_p1 / length))


class RandomReplacementBuffer(_RandomizedBuffer):
    """Fills up, then each new sample replaces a uniformly random slot with probability p (as PAMIQ).

    Rule: while not full a sample takes the next free slot. Once full, one uniform draw u per sample:
    if u < p the sample replaces slot ⌊u/p · N⌋ (uniform, since u/p is uniform given u < p) and the old
    item is evicted; otherwise the new sample is discarded. Give ``replace_probability`` (default 1) or
    ``expected_survival_length`` (see :func:`replace_probability_from_survival_length`), not both.

    >>> buf = RandomReplacementBuffer(("x",), max_size=10, replace_probability=0.5, seed=0)
    >>> buf.add_batch({"x": np.arange(1000)})
    >>> len(buf), buf.added == len(buf) + buf.evicted + buf.discarded, 400 < buf.discarded < 600
    (10, True, True)
    """

    def __init__(self, fields: Sequence[str], max_size: int, replace_probability: float | None = None, *,
                 expected_survival_length: float | None = None, seed: Any = None,
                 rng: np.random.Generator | None = None):
        super().__init__(fields, max_size, seed=seed, rng=rng)
        owner = type(self).__name__
        if expected_survival_length is not None:
            if replace_probability is not None:
                raise ConfigError(f"{owner}.expected_survival_length", "give replace_probability or"
                                  " expected_survival_length, not both")
            try:
                replace_probability = replace_probability_from_survival_length(
                    max_size, expected_survival_length)
            except ConfigError as err:
                raise err.within(owner) from None
        p = 1.0 if replace_probability is None else replace_probability
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or not 0 < p <= 1:
            raise ConfigError(f"{owner}.replace_probability", f"expected a probability in (0, 1], got {p!r}")
        self._p = float(p)

    @property
    def replace_probability(self) -> float:
        return self._p

    @property
    def max_queue_size(self) -> int:
        """A collector's default queue: ⌈max_size / p⌉, the samples one turnover of the buffer takes in
        (PAMIQ's), so that a collector drops nothing the buffer would have kept."""
        return math.ceil(self._max_size / self._p)

    def _config(self) -> dict[str, Any]:
        return {**super()._config(), "replace_probability": self._p}

    def _place(self, n: int, columns: dict[str, Column]) -> np.ndarray:
        u = self._rng.random(n)
        free_slot = self._size + np.arange(n)
        random_slot = np.minimum((u / self._p * self._max_size).astype(np.intp), self._max_size - 1)
        return np.where(free_slot < self._max_size, free_slot, np.where(u < self._p, random_slot, -1))


class ReservoirBuffer(_RandomizedBuffer):
    """A uniform random sample of everything added so far (Vitter's algorithm R).

    Rule: sample number t (1-based, over all samples ever added) takes slot t - 1 while t <= N; after
    that, one uniform draw u gives j = ⌊u·t⌋ in {0, ..., t - 1}: if j < N the sample replaces slot j (the
    old item is evicted), otherwise it is discarded. After T samples each is stored with probability N/T.

    >>> buf = ReservoirBuffer(("x",), max_size=5, seed=0)
    >>> buf.add_batch({"x": np.arange(100)})
    >>> len(buf), buf.added, buf.evicted + buf.discarded
    (5, 100, 95)
    """

    def _place(self, n: int, columns: dict[str, Column]) -> np.ndarray:
        u = self._rng.random(n)
        t = self._added + 1 + np.arange(n)
        j = (u * t).astype(np.intp)
        return np.where(t <= self._max_size, t - 1, np.where(j < self._max_size, j, -1))


class ClassBalancedBuffer(_RandomizedBuffer):
    """Equal room per label: class-balanced reservoir sampling (CBRS, Chrysakis & Moens, ICML 2020),
    for multi-label samples too, each counted under every label it has.

    Labels: a scalar (str, int, float, bool) is one label; a label set (tuple, list, set, frozenset of
    scalars) or a multi-hot row (a numeric field of shape (K,), 0/1; label i where it holds 1) is a
    multi-label sample, counted under each of its labels, as Partitioning Reservoir Sampling counts
    them (PRS, Kim, Jeong & Kim, ECCV 2020; its quota n_c^ρ with ρ = 0 is this equal split). A
    sample with no label counts under ``NO_LABEL`` (``()``), as a label of its own. m_c is the number
    of stored samples that have label c, n_c the number seen (this one included).

    Rule: while not full a sample takes the next free slot. Once full, for a sample with labels S and
    one uniform draw u:

    * if some c in S is not a largest label (m_c < m_L, L the largest label; ties: the label seen
      first), the sample replaces one of L's items, chosen uniformly: the ⌊u·k⌋-th of L's k
      candidates (by slot);
    * otherwise (every label of S is a largest one), take c the label of S seen least (fewest n_c;
      ties: seen first) and j = ⌊u·n_c⌋: if j < m_c the sample replaces c's ⌊j·k/m_c⌋-th of its k
      candidates (by slot), uniformly chosen since j is uniform below m_c; else it is discarded
      (reservoir sampling within c, at the rate of the sample's rarest label).

    A label's candidates are its items whose scarcest label (the one with the fewest items) has the
    most items, so that room made for one label takes no sample of a rarer label along (PRS's
    sample-out picks its victim for the same reason); while every item has one label, that is all
    of the label's items. An item replaced leaves the count of each of its labels. With one label
    per sample this is CBRS:
    max_size is split evenly over the labels seen so far, a label with fewer samples than its share
    keeps all of them, the others converge to equal counts (±1). With label sets, labels that occur
    together cannot always be balanced exactly (a sample adds to all its labels at once); a sample
    that brings a label below the largest count is always kept, so rare labels keep their samples.

    >>> buf = ClassBalancedBuffer(("x", "y"), max_size=6, label_field="y", seed=0)
    >>> buf.add_batch({"x": np.arange(100), "y": [0] * 90 + [1] * 8 + [2] * 2})
    >>> buf.class_counts
    {0: 2, 1: 2, 2: 2}
    >>> tagged = ClassBalancedBuffer(("x", "y"), max_size=4, label_field="y", seed=0)
    >>> tagged.add_batch({"x": np.arange(100), "y": [("cat",)] * 97 + [("cat", "dog"), ("dog",), ()]})
    >>> tagged.class_counts
    {'cat': 2, 'dog': 2, (): 1}
    """

    def __init__(self, fields: Sequence[str], max_size: int, label_field: str, *, seed: Any = None,
                 rng: np.random.Generator | None = None):
        owner = type(self).__name__
        if label_field not in _check_fields(fields, f"{owner}.fields"):
            raise ConfigError(
                f"{owner}.label_field", f"expected one of the fields {tuple(fields)}, got {label_field!r}")
        super().__init__(fields, max_size, seed=seed, rng=rng, label_field=label_field)
        self._seen: dict[Any, int] = {}  # label -> samples seen with it, in first-seen order
        self._members: dict[Any, list[int]] = {}  # label -> the slots of its samples, ascending; same key order
        self._slot_labels: list[tuple] = []  # slot -> the labels of the sample there
        self._multi = 0  # stored items with more than one label

    @property
    def label_field(self) -> str:
        label = self._schema.label_field
        assert label is not None  # __init__ requires one
        return label

    @property
    def class_counts(self) -> dict[Any, int]:
        """Stored samples per label (a multi-label sample counts under each of its labels), labels in
        first-seen order."""
        return {label: len(slots) for label, slots in self._members.items()}

    def _config(self) -> dict[str, Any]:
        return {**super()._config(), "label_field": self.label_field}

    def _place(self, n: int, columns: dict[str, Column]) -> np.ndarray:
        slots = np.empty(n, dtype=np.intp)
        size = self._size
        for i, (labels, u) in enumerate(zip(_label_sets(columns[self.label_field]), self._rng.random(n).tolist(),
                                            strict=False)):
            for label in labels:
                self._seen[label] = self._seen.get(label, 0) + 1
                self._members.setdefault(label, [])
            if size < self._max_size:
                slot, size = size, size + 1
                self._slot_labels.append(labels)
            else:
                largest = max(self._members, key=lambda label: len(self._members[label]))  # first of ties
                if min(len(self._members[label]) for label in labels) < len(self._members[largest]):
                    candidates = self._candidates(largest)
                    slot = candidates[int(u * len(candidates))]
                else:
                    rarest = min(labels, key=self._seen.__getitem__)  # first of ties
                    stored, j = len(self._members[rarest]), int(u * self._seen[rarest])
                    if j >= stored:
                        slots[i] = -1
                        continue
                    candidates = self._candidates(rarest)
                    slot = candidates[j * len(candidates) // stored]  # j is uniform in [0, stored)
                self._multi -= len(self._slot_labels[slot]) > 1
                for label in self._slot_labels[slot]:
                    members = self._members[label]
                    members.pop(bisect_left(members, slot))
                self._slot_labels[slot] = labels
            self._multi += len(labels) > 1
            for label in labels:
                insort(self._members[label], slot)
            slots[i] = slot
        return slots

    def _candidates(self, label: Any) -> list[int]:
        """The slots of ``label``'s items that may be replaced: those whose scarcest label has the most items."""
        members = self._members[label]
        if not self._multi:  # one label per item: all of them (CBRS)
            return members
        counts = {c: len(slots) for c, slots in self._members.items()}
        scores = [min(counts[c] for c in self._slot_labels[slot]) for slot in members]
        best = max(scores)
        return [slot for slot, score in zip(members, scores, strict=True) if score == best]

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "seen": [[label, count] for label, count in self._seen.items()]}

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)
        # JSON writes NO_LABEL, (), as []
        self._seen = {tuple(label) if isinstance(label, list) else label: count for label, count in state["seen"]}
        self._members = {label: [] for label in self._seen}
        stored = self._storage.get(self.label_field, [])[: self._size]
        self._slot_labels = _label_sets(stored)
        self._multi = sum(len(labels) > 1 for labels in self._slot_labels)
        for slot, labels in enumerate(self._slot_labels):
            for label in labels:
                self._members[label].append(slot)


class DataCollector:
    """The inference side of a :class:`DataUser`: a bounded, thread-safe queue of collected samples.

    Rule: when more than ``max_queue_size`` samples wait, the oldest are dropped and counted in
    ``dropped``; ``collected == dropped + len(collector) + samples taken by update()``. Steps are
    validated here, in the producer's thread. One producer per collector: ``acquire()`` hands the
    collector out once; a second ``acquire()`` raises :class:`CollectorAcquiredError` until
    ``release()``. Made by :class:`DataUser` (``user.collector``, ``user.new_collector()``).

    >>> user = DataUser(SequentialBuffer(("x",), max_size=8), max_queue_size=3)
    >>> collector = user.collector.acquire()
    >>> collector.collect_batch({"x": np.arange(5)})
    >>> len(collector), collector.collected, collector.dropped  # the two oldest were dropped
    (3, 5, 2)
    >>> user.update(), user.get_data()["x"]
    (3, array([2, 3, 4]))
    """

    def __init__(self, schema: _Schema, max_queue_size: int):
        self._schema = schema
        self._max_queue_size = max_queue_size
        self._lock = threading.Lock()
        self._chunks: deque[tuple[dict[str, Column], int]] = deque()
        self._queued = self._collected = self._dropped = 0
        self._acquired = False
        self._times: deque[list] = deque()  # [collection time, samples still queued], per chunk

    @property
    def max_queue_size(self) -> int:
        return self._max_queue_size

    @property
    def collected(self) -> int:
        """Samples collected so far."""
        return self._collected

    @property
    def dropped(self) -> int:
        """Samples dropped because the queue was full."""
        return self._dropped

    def __len__(self) -> int:
        return self._queued

    def acquire(self) -> DataCollector:
        """Claim this collector for one producer and return it."""
        with self._lock:
            if self._acquired:
                raise CollectorAcquiredError(
                    "this DataCollector is already acquired; each collector serves one producer:"
                    " release() it first, or give the new producer DataUser.new_collector()")
            self._acquired = True
        return self

    def release(self) -> None:
        """Give the collector back so that another producer can acquire it."""
        with self._lock:
            self._acquired = False

    def collect(self, step_data: Mapping[str, Any]) -> None:
        """Queue one sample, a mapping field -> value."""
        self._enqueue(*self._schema.sample(step_data, "step_data"))

    def collect_batch(self, batch: Mapping[str, Any]) -> None:
        """Queue n samples given as field -> n values."""
        self._enqueue(*self._schema.batch(batch, "batch"))

    def _enqueue(self, columns: dict[str, Column], n: int) -> None:
        if n == 0:
            return
        # own a copy: producers reuse their arrays
        owned = {f: c.copy() if isinstance(c, np.ndarray) else c for f, c in columns.items()}
        now = time.time()
        with self._lock:
            self._chunks.append((owned, n))
            self._times.append([now, n])
            self._queued += n
            self._collected += n
            excess = self._queued - self._max_queue_size
            while excess > 0:
                oldest, size = self._chunks[0]
                drop = min(size, excess)
                if drop == size:
                    self._chunks.popleft()
                    self._times.popleft()
                else:
                    self._chunks[0] = ({f: c[drop:] for f, c in oldest.items()}, size - drop)
                    self._times[0][1] -= drop
                self._queued -= drop
                self._dropped += drop
                excess -= drop


    def _take(self) -> tuple[dict[str, Column], int]:
        """Everything queued, as one batch of columns, leaving the queue empty."""
        columns, n, _ = self._take_stamped()
        return columns, n

    def _take_stamped(self) -> tuple[dict[str, Column], int, list[float]]:
        """Everything queued, as one batch of columns, with each sample's collection time."""
        with self._lock:
            chunks, self._chunks = self._chunks, deque()
            times, self._times = self._times, deque()
            n, self._queued = self._queued, 0
        stamps = [t for t, size in times for _ in range(size)]
        if len(chunks) <= 1:
            return (chunks[0][0] if chunks else {}), n, stamps
        fields = chunks[0][0].keys()
        return {f: np.concatenate([c[f] for c, _ in chunks]) if isinstance(chunks[0][0][f], np.ndarray)
                else [v for c, _ in chunks for v in c[f]] for f in fields}, n, stamps


class DataUser:
    """The training side: owns a buffer, moves collected samples into it on ``update()``.

    Rule: ``update()`` takes each collector's whole queue at once (a sample is either still queued or
    in the buffer, never both or neither) and adds it in collection order, collector after collector
    in the order they were made. ``update``, ``get_data`` and
    ``len`` are mutually thread-safe; the buffer itself must only be used through the user while
    collectors run. ``max_queue_size`` defaults to the buffer's ``max_size``.

    >>> user = DataUser(ReservoirBuffer(("x",), max_size=4, seed=0), max_queue_size=10)
    >>> user.collector.collect_batch({"x": np.arange(15)})
    >>> user.collector.dropped, user.update(), len(user)
    (5, 10, 4)
    """

    def __init__(self, buffer: DataBuffer, max_queue_size: int | None = None):
        if not isinstance(buffer, DataBuffer):
            raise ConfigError("DataUser.buffer", f"expected a DataBuffer, got {type(buffer).__name__}")
        self._buffer = buffer
        self._lock = threading.RLock()
        self._collectors: list[DataCollector] = []
        self._stamps: list[float] = []  # collection times of the samples moved in, oldest first
        self.new_collector(max_queue_size)

    @property
    def buffer(self) -> DataBuffer:
        return self._buffer

    @property
    def collector(self) -> DataCollector:
        """The collector made with this user (PAMIQ's one collector per user)."""
        return self._collectors[0]

    def new_collector(self, max_queue_size: int | None = None) -> DataCollector:
        """Another collector feeding this user, for one more producer."""
        size = self._buffer.max_queue_size if max_queue_size is None else max_queue_size
        collector = DataCollector(self._buffer._schema, _check_size(size, "DataUser.max_queue_size"))
        with self._lock:
            self._collectors.append(collector)
        return collector

    def update(self) -> int:
        """Move everything collected into the buffer; returns how many samples were moved."""
        moved = 0
        with self._lock:
            for collector in self._collectors:
                columns, n, stamps = collector._take_stamped()
                self._buffer._add(columns, n)
                moved += n
                self._stamps.extend(stamps)
            self._stamps.sort()
            del self._stamps[:-self._buffer.max_queue_size]
        return moved

    def get_data(self) -> dict[str, Column]:
        """Pull what the collectors queued (:meth:`update`), then a copy of the buffer's content, as PAMIQ's."""
        with self._lock:
            self.update()
            return self._buffer.get_data()

    def count_data_added_since(self, timestamp: float) -> int:
        """How many of the samples moved into the buffer were collected after ``timestamp`` (``time.time()``).

        Counts over the last ``buffer.max_queue_size`` samples moved, as PAMIQ's does; samples still
        queued count once :meth:`update` (or :meth:`get_data`) has moved them.
        """
        with self._lock:
            return len(self._stamps) - bisect_right(self._stamps, timestamp)

    def __len__(self) -> int:
        with self._lock:
            return len(self._buffer)


BUFFERS.register_all(SequentialBuffer, RandomReplacementBuffer, ReservoirBuffer, ClassBalancedBuffer)
