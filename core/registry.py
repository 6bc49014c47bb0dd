"""Registries: the names by which a scenario file refers to code (transforms, models, scenarios).

A scenario file can only name what has been registered (the built-in library registers its own;
users register theirs with the decorator), or a ``module:attribute`` path the operator has
explicitly allowed. So a file alone, an uploaded one say, can never import code.

An allowance (``--allow-import``) is either ``module:attribute``, which admits exactly that object,
or ``module``, which admits the objects *of the registry's kind* defined in that very module (not in
its submodules, not re-exported from elsewhere): for transforms, plain Python functions; for
models, ``torch.nn.Module`` subclasses. So ``--allow-import torch`` admits neither ``torch:save``
(defined in ``torch.serialization``) nor ``torch.hub:load``.

>>> TRANSFORMS = Registry("transform")
>>> @TRANSFORMS.register
... def shift(x, by):
...     return x + by
>>> TRANSFORMS.get("shift", "tree[0].transform") is shift
True
>>> TRANSFORMS.get("os:system", "tree[0].transform")
Traceback (most recent call last):
...
driftlab.errors.ConfigError: tree[0].transform: 'os:system' is an import path, and it is not among ...
"""
from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from typing import Any

from .config import did_you_mean
from .errors import ConfigError


class Registry:
    """Objects of one kind by name, with a reverse lookup for writing files.

    >>> models = Registry("model")
    >>> @models.register(name="tiny")
    ... class TinyNet:
    ...     pass
    >>> models.names, models.name_of(TinyNet), "tiny" in models
    (['tiny'], 'tiny', True)
    >>> models.get("tiny_net", "model.type")
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: model.type: unknown model 'tiny_net'; known: tiny (did you mean 'tiny'?)
    """

    def __init__(self, kind: str, accepts: Callable[[Any], bool] | None = None, what: str = ""):
        self.kind = kind
        self.accepts = accepts  # which objects a module-wide allowance admits
        self.what = what or f"a {kind}"
        self._items: dict[str, Any] = {}

    def register(self, obj: Any = None, *, name: str | None = None) -> Any:
        """Register ``obj`` under ``name`` (default ``obj.__name__``); usable as a decorator."""
        if obj is None:
            return lambda target: self.register(target, name=name)
        key = name or getattr(obj, "__name__", None)
        if not key:
            raise ConfigError(self.kind, f"cannot register {obj!r} without a name")
        if key in self._items and self._items[key] is not obj:
            raise ConfigError(key, f"a different {self.kind} is already registered under this name")
        self._items[key] = obj
        return obj

    @property
    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def get(self, name: Any, path: str, allowed_imports: Iterable[str] = ()) -> Any:
        """The object named ``name``; a ``module:attribute`` path only inside an allowed module."""
        if not isinstance(name, str) or not name:
            raise ConfigError(path, f"expected the name of a {self.kind}, got {name!r}")
        if name in self._items:
            return self._items[name]
        if ":" not in name:
            raise ConfigError(path, f"unknown {self.kind} {name!r}; known: {', '.join(self.names) or 'none'}"
                              + did_you_mean(name, self.names))
        module, _, attribute = name.partition(":")
        allowed = tuple(allowed_imports)
        named = name in allowed
        if not named and module not in allowed:
            raise ConfigError(path, f"{name!r} is an import path, and it is not among the allowed imports "
                              f"({', '.join(allowed) or 'none'}); an operator can allow it with --allow-import "
                              f"{name} (or every {self.kind} defined in {module} with --allow-import {module})")
        try:
            found = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(path, f"cannot import {name!r}: {exc}") from None
        if self.accepts is not None and not self.accepts(found):
            raise ConfigError(path, f"{name!r} is not {self.what}")
        if not named and getattr(found, "__module__", None) != module:
            raise ConfigError(path, f"{name!r} is not defined in {module!r} (it comes from "
                              f"{getattr(found, '__module__', None)!r}); allow it by name with --allow-import {name}")
        return found

    def imports(self, name: Any) -> bool:
        """Whether ``name`` is an import path rather than a registered name (code outside driftlab)."""
        return isinstance(name, str) and name not in self._items and ":" in name

    def name_of(self, obj: Any) -> str | None:
        """The name ``obj`` is registered under, or None."""
        return next((name for name, item in self._items.items() if item is obj), None)


def import_path(obj: Callable) -> str:
    """``module:qualname`` of a function or class defined at module level."""
    return f"{obj.__module__}:{obj.__qualname__}"


def _is_model(obj: Any) -> bool:
    import sys

    nn = sys.modules.get("torch.nn")  # a model module imports torch; without torch nothing is a model
    return isinstance(obj, type) and nn is not None and issubclass(obj, nn.Module)


TRANSFORMS = Registry("transform", inspect.isfunction, "a transform (a plain Python function)")
MODELS = Registry("model", _is_model, "a model (a torch.nn.Module subclass)")
