"""Registries: the one place each kind of named thing is looked up, listed and extended.

There is one :class:`Registry` per kind: :data:`TRANSFORMS`, :data:`UPDATE_FUNCTIONS`,
:data:`SCHEDULERS`, :data:`DETECTORS`, :data:`MODELS`, :data:`STRATEGIES`, :data:`BUFFERS` and
:data:`METRICS`. The scenario loader, ``driftlab list KIND``, the dashboard's menus and the docs all
read them, so what is registered is usable everywhere at once.

Registering is one decorator or one call (``DETECTORS.register(MyDetector)``). A separate package
registers through the Python entry point group of the kind, ``driftlab.<kind>`` (``driftlab.detectors``,
``driftlab.strategies``, ...): each entry point's name is the name scenario files use, its value the
object (``mything.detect:MyDetector``). Entry points are listed when a registry's names are first
needed and each one is imported only when its name is looked up, so installing a plugin costs nothing
until it is used. A name registered in code wins over an entry point of the same name.

Scenario files can only name registered things: a file alone, an uploaded one say, never imports
code. The operator decides what code runs, by installing a plugin package or by registering in code.

>>> shifts = Registry("transforms")
>>> @shifts.register
... def shift(x, by):
...     return x + by
>>> shifts.get("shift", "tree[0].transform") is shift
True
>>> shifts.get("shfit", "tree[0].transform")
Traceback (most recent call last):
...
driftlab.errors.ConfigError: tree[0].transform: unknown transform 'shfit'; known: shift (did you mean 'shift'?)
"""
from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from .config import did_you_mean
from .errors import ConfigError

ENTRY_POINT_PREFIX = "driftlab."


class Registry(Mapping[str, Any]):
    """Objects of one kind by name: registered in code, or declared by an installed package's entry points.

    ``kind`` is the plural the CLI and the entry point group use (``detectors`` → ``driftlab.detectors``).
    ``builtins`` is the module whose import registers the built-in objects (imported on first use, so
    listing detectors does not import torch); ``accepts`` says which objects belong (a plugin's object
    that does not is refused with an error naming its entry point). As a mapping it holds every name,
    built-in names first in registration order, then plugins' names sorted.

    >>> models = Registry("models")
    >>> @models.register(name="tiny")
    ... class TinyNet:
    ...     pass
    >>> list(models), models.name_of(TinyNet), "tiny" in models
    (['tiny'], 'tiny', True)
    >>> models.get("tiny_net", "model.type")
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: model.type: unknown model 'tiny_net'; known: tiny (did you mean 'tiny'?)
    """

    def __init__(self, kind: str, *, builtins: str | None = None, accepts: Callable[[Any], bool] | None = None,
                 what: str = "", doc: str = ""):
        self.kind = kind
        self.singular = kind[:-1] if kind.endswith("s") else kind
        self.group = ENTRY_POINT_PREFIX + kind
        self.builtins = builtins
        self.accepts = accepts
        self.what = what or f"a {self.singular}"
        self.doc = doc
        self._items: dict[str, Any] = {}
        self._origin: dict[str, str] = {}  # name → the distribution that declared it, for plugins
        self._scanned: tuple[tuple[str, ...], dict[str, importlib.metadata.EntryPoint]] | None = None

    # -- registering ------------------------------------------------------------------------------

    def register(self, obj: Any = None, *, name: str | None = None) -> Any:
        """Register ``obj`` under ``name`` (default: its spec type for config classes, else ``__name__``);
        usable as a decorator, with or without ``name=``."""
        if obj is None:
            return lambda target: self.register(target, name=name)
        key = name or _default_name(obj)
        if not key:
            raise ConfigError(self.kind, f"cannot register {obj!r} without a name")
        if key in self._items and _where(self._items[key]) != _where(obj):  # a reloaded module replaces its own
            raise ConfigError(key, f"a different {self.singular} ({_where(self._items[key])}) is already "
                              "registered under this name")
        self._items[key] = obj
        return obj

    def register_all(self, *objs: Any) -> None:
        """Register each of ``objs`` under its default name (how a module registers its built-ins)."""
        for obj in objs:
            self.register(obj)

    def unregister(self, name: str) -> Any:
        """Take back what is registered under ``name`` (a class redefined in a notebook, a test's own
        detector) and return it; an installed plugin's entry point is still found afterwards."""
        if name not in self._items:
            raise ConfigError(name, f"no {self.singular} registered or loaded under this name")
        self._origin.pop(name, None)
        return self._items.pop(name)

    # -- looking up -------------------------------------------------------------------------------

    def get(self, name: Any, path: str = "") -> Any:  # type: ignore[override]
        """The object named ``name``, loading a plugin's entry point on first use; an unknown name is a
        :class:`~driftlab.errors.ConfigError` naming ``path`` and the known names (unlike ``Mapping.get``,
        there is no default: a name in a file is either known or an error)."""
        if not isinstance(name, str) or not name:
            raise ConfigError(path or self.kind, f"expected the name of a {self.singular}, got {name!r}")
        self._load_builtins()
        if name in self._items:
            return self._items[name]
        point = self._entry_points().get(name)
        if point is None:
            known = sorted(self)
            raise ConfigError(path or self.kind, f"unknown {self.singular} {name!r}; known: "
                              f"{', '.join(known) or 'none'}" + did_you_mean(name, known))
        return self._load(point, path)

    def __getitem__(self, name: str) -> Any:
        if name not in self:
            raise KeyError(name)
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        self._load_builtins()
        return isinstance(name, str) and (name in self._items or name in self._entry_points())

    def __iter__(self) -> Iterator[str]:
        self._load_builtins()
        yield from list(self._items)
        yield from sorted(set(self._entry_points()) - set(self._items))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @property
    def names(self) -> list[str]:
        """Every name, built-ins first (see the class doc)."""
        return list(self)

    def name_of(self, obj: Any) -> str | None:
        """The name ``obj`` is registered under, or None (plugins count once loaded)."""
        self._load_builtins()
        return next((name for name, item in self._items.items() if item is obj), None)

    def origin(self, name: str) -> str:
        """Where ``name`` comes from: ``driftlab``, the module that registered it, or ``plugin <dist>``."""
        if name in self._origin:
            return self._origin[name]
        if name not in self._items and name in self._entry_points():
            dist = self._entry_points()[name].dist
            return f"plugin {dist.name if dist else '?'}"
        module = getattr(self.get(name), "__module__", "") or ""
        return "driftlab" if module.split(".")[0] == "driftlab" else module

    # -- internals --------------------------------------------------------------------------------

    def _load_builtins(self) -> None:
        if self.builtins is not None and self.builtins not in sys.modules:
            importlib.import_module(self.builtins)

    def _entry_points(self) -> dict[str, importlib.metadata.EntryPoint]:
        """The group's entry points by name, listed again when ``sys.path`` changed (a plugin installed
        into a folder put on the path while running is seen)."""
        key = tuple(sys.path)
        if self._scanned is None or self._scanned[0] != key:
            found = {point.name: point for point in importlib.metadata.entry_points(group=self.group)}
            self._scanned = (key, found)
        return self._scanned[1]

    def _load(self, point: importlib.metadata.EntryPoint, path: str) -> Any:
        where = f"entry point {point.name} = {point.value} (group {self.group}" + (
            f", package {point.dist.name})" if point.dist else ")")
        try:
            obj = point.load()
        except Exception as exc:  # a broken plugin is bad input, reported like one
            raise ConfigError(path or self.kind, f"the plugin {where} failed to load: {exc}") from None
        if self.accepts is not None and not self.accepts(obj):
            raise ConfigError(path or self.kind, f"the plugin {where} is not {self.what}")
        self.register(obj, name=point.name)
        self._origin[point.name] = f"plugin {point.dist.name if point.dist else '?'}"
        return obj


def import_plugins(modules: Iterable[str]) -> None:
    """Import each of ``modules`` (the operator's ``--plugin``), whose decorators register their objects."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ConfigError(f"--plugin {module}", f"cannot import it: {exc}") from None


def _where(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', repr(obj))}"


def _default_name(obj: Any) -> str | None:
    spec_type = getattr(obj, "spec_type", None)
    if isinstance(obj, type) and callable(spec_type):
        return spec_type()
    return getattr(obj, "__name__", None)


def _subclass_of(module: str, name: str) -> Callable[[Any], bool]:
    """Accepts classes deriving from ``module.name`` (imported when a plugin is checked)."""
    def accepts(obj: Any) -> bool:
        return isinstance(obj, type) and issubclass(obj, getattr(importlib.import_module(module), name))
    return accepts


def registry_for(base: type) -> Registry:
    """The registry of the config classes deriving from ``base`` (``from_spec`` looks names up there)."""
    for registry in (UPDATE_FUNCTIONS, SCHEDULERS, DETECTORS, STRATEGIES):
        if registry.accepts is not None and registry.accepts(base):
            return registry
    raise ConfigError(base.__name__, "has no registry of named kinds")


TRANSFORMS = Registry("transforms", builtins="driftlab.library", accepts=callable, what="a callable",
                      doc="functions of a tree's transform nodes: fn(sample, **args) -> sample")
UPDATE_FUNCTIONS = Registry("update_functions", builtins="driftlab.update_functions",
                            accepts=_subclass_of("driftlab.update_functions", "UpdateFunction"),
                            what="an UpdateFunction subclass", doc="how a stream parameter changes when it fires")
SCHEDULERS = Registry("schedulers", builtins="driftlab.schedulers",
                      accepts=_subclass_of("driftlab.schedulers", "Scheduler"),
                      what="a Scheduler subclass", doc="when a stream parameter's update fires")
DETECTORS = Registry("detectors", builtins="driftlab.detectors",
                     accepts=_subclass_of("driftlab.detectors.base", "DriftDetector"),
                     what="a DriftDetector subclass", doc="drift detectors on the monitored metric")
MODELS = Registry("models", builtins="driftlab.training.models", accepts=_subclass_of("torch.nn", "Module"),
                  what="a model (a torch.nn.Module subclass)", doc="classifiers: cls(in_features, n_classes, ...)")
STRATEGIES = Registry("strategies", builtins="driftlab.training.strategies",
                      accepts=_subclass_of("driftlab.training.strategies", "Strategy"),
                      what="a Strategy subclass", doc="how a retraining episode trains")
BUFFERS = Registry("buffers", builtins="driftlab.buffers", accepts=_subclass_of("driftlab.buffers", "DataBuffer"),
                   what="a DataBuffer subclass", doc="data buffers of the trainer: cls(fields, max_size, ...)")
METRICS = Registry("metrics", builtins="driftlab.training.metrics", accepts=inspect.isfunction,
                   what="a function fn(R, baseline) -> float",
                   doc="continual-learning metrics on the accuracy matrix, reported after each episode")
KINDS: dict[str, Registry] = {r.kind: r for r in (TRANSFORMS, UPDATE_FUNCTIONS, SCHEDULERS, DETECTORS, MODELS,
                                                  STRATEGIES, BUFFERS, METRICS)}
