"""Config objects: declared, validated settings that also drive YAML files and dashboard widgets.

A :class:`Config` is a ``param.Parameterized`` whose constructor also takes its leading settings
positionally (``PeriodicScheduler(5)`` as well as ``PeriodicScheduler(period=5)``), and whose
validation failures are :class:`~driftlab.errors.ConfigError` naming ``Class.setting``.
"""
from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any, ClassVar, TypeVar

import param

from .errors import ConfigError

_PARAM_NAME = re.compile(r"parameter '([\w.]+)'\s*")
ConfigT = TypeVar("ConfigT", bound="Config")


class Config(param.Parameterized):
    """Base of every config object.

    ``_positional`` lists the settings that may be given positionally, in order. ``_check()``
    runs after the declared settings are validated, for rules that span several settings.

    >>> import param
    >>> class Window(Config):
    ...     _positional = ("size",)
    ...     size = param.Integer(default=10, bounds=(1, None), doc="values per window")
    ...     step = param.Integer(default=1, bounds=(1, None), doc="values between windows")
    ...     def _check(self):
    ...         if self._v.step > self._v.size:
    ...             raise ConfigError("Window.step", f"must be <= size ({self._v.size}), got {self._v.step}")
    >>> Window(20, step=5)
    Window(size=20, step=5)
    >>> Window(4, step=8)
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: Window.step: must be <= size (4), got 8
    >>> Window(sise=3)
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: Window.sise: unknown setting; expected one of size, step (did you mean 'size'?)
    """

    _positional: ClassVar[tuple[str, ...]] = ()
    type_name: ClassVar[str] = ""  # the name specs use for this class ("" means the class name)
    _v: SimpleNamespace  # the settings as plain attributes (see _snapshot)

    def __init__(self, *args: Any, **settings: Any):
        cls = type(self).__name__
        if len(args) > len(self._positional):
            raise ConfigError(cls, f"takes at most {len(self._positional)} positional settings "
                              f"({', '.join(self._positional) or 'none'}), got {len(args)}")
        for name, value in zip(self._positional, args, strict=False):
            if name in settings:
                raise ConfigError(f"{cls}.{name}", "given both positionally and by keyword")
            settings[name] = value
        self._prechecked(settings)
        try:
            super().__init__(**settings)
        except (ValueError, TypeError) as exc:
            raise _as_config_error(exc, cls) from None
        self._snapshot()
        self._check()

    def __setattr__(self, name: str, value: Any, /) -> None:
        """Set a setting and re-check; a rejected value leaves the object as it was."""
        if "_v" not in self.__dict__ or name not in self._v.__dict__:
            super().__setattr__(name, value)
            return
        before = getattr(self._v, name)
        self._precheck(name, value)
        try:
            super().__setattr__(name, value)
        except (ValueError, TypeError) as exc:
            raise _as_config_error(exc, type(self).__name__) from None
        try:
            self._snapshot()
            self._check()
        except ConfigError:
            super().__setattr__(name, before)
            self._snapshot()
            raise

    @classmethod
    def _prechecked(cls, settings: Mapping[str, Any]) -> None:
        """Unknown names, and what :meth:`_precheck` rejects."""
        known = cls.settings()
        for name, value in settings.items():
            if name not in known and name != "name":
                expected = f"expected one of {', '.join(known)}" if known else f"{cls.__name__} takes no settings"
                raise ConfigError(f"{cls.__name__}.{name}", f"unknown setting; {expected}" + did_you_mean(name, known))
            if name != "name":
                cls._precheck(name, value)

    @classmethod
    def checked(cls: type[ConfigT], settings: Mapping[str, Any]) -> ConfigT:
        """The settings ``cls(**settings)`` would hold, checked by the same rules (names, each declaration,
        :meth:`_check`) without constructing: a bare instance whose ``_v`` holds them and whose
        ``__init__`` (which may build state, as a detector's does) never ran. For checking files fast.

        >>> from driftlab.detectors import KSWIN
        >>> KSWIN.checked({"window_size": 80})._v.stat_size
        30
        >>> KSWIN.checked({"window_size": 50})
        Traceback (most recent call last):
        ...
        driftlab.errors.ConfigError: KSWIN.stat_size: expected at most window_size / 2 = 25 (...), got 30
        """
        cls._prechecked(settings)
        for name, value in settings.items():
            try:
                cls.param[name]._validate(value)
            except (ValueError, TypeError) as exc:
                raise _as_config_error(exc, cls.__name__) from None
        bare = cls.__new__(cls)
        bare.__dict__["_v"] = SimpleNamespace(**{name: settings.get(name, cls.param[name].default)
                                                 for name in cls.settings()})
        bare._check()
        return bare

    @classmethod
    def _precheck(cls, name: str, value: Any) -> None:
        """Reject what param would accept or word less clearly: a bool, text, nan or ±inf for a number,
        an unknown choice."""
        declared, path = cls.param[name], f"{cls.__name__}.{name}"
        if isinstance(declared, param.Number):
            if isinstance(value, bool):
                raise ConfigError(path, f"expected a number, got {value!r}")
            # param's bounds let nan through, and inf past an open bound; inf only where it is the default
            if isinstance(value, float) and not math.isfinite(value) and not (
                    math.isinf(value) and value == declared.default):
                raise ConfigError(path, f"expected a finite number, got {value!r}")
            if isinstance(value, str):
                raise ConfigError(path, f"expected a number, got the text {value!r}")
        if type(declared) is param.Selector and value not in declared.objects and not (
                value is None and declared.allow_None):
            choices = [str(choice) for choice in declared.objects]
            raise ConfigError(path, f"expected one of {', '.join(choices)}, got {value!r}"
                              + (did_you_mean(value, choices) if isinstance(value, str) else ""))

    def _snapshot(self) -> None:
        """Copy the settings into ``self._v``, a plain namespace: param's attribute access costs
        microseconds, too much for update loops that read settings millions of times."""
        self.__dict__["_v"] = SimpleNamespace(**{name: getattr(self, name) for name in self.settings()})

    def _check(self) -> None:
        """Cross-setting validation; raise ConfigError naming ``Class.setting``."""

    @classmethod
    def settings(cls) -> list[str]:
        """The names of the declared settings, in declaration order."""
        return [name for name in cls.param if name != "name"]

    def to_spec(self) -> dict[str, Any]:
        """Plain data that :func:`from_spec` rebuilds this from: ``{"type": name, **changed settings}``.

        >>> from driftlab.schedulers import PeriodicScheduler
        >>> PeriodicScheduler(5, start=2).to_spec()
        {'type': 'PeriodicScheduler', 'start': 2, 'period': 5}
        """
        spec: dict[str, Any] = {"type": type(self).spec_type()}
        for name, value in self._changed():
            spec[name] = value.to_spec() if isinstance(value, Config) else value
        return spec

    def _changed(self):
        for name in self.settings():
            value = getattr(self, name)
            if not _same(value, self.param[name].default):
                yield name, value

    @classmethod
    def spec_type(cls) -> str:
        """The ``type`` that names this class in a spec."""
        return cls.__dict__.get("type_name") or cls.__name__

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._changed())
        return f"{type(self).__name__}({args})"

    __str__ = __repr__  # param's own str names the instance, not its settings


def from_spec(base: type[ConfigT], spec: Any, path: str) -> ConfigT:
    """Build a ``base`` config from plain data: ``"Name"`` or ``{"type": "Name", setting: value, ...}``.

    Nested configs (a scheduler inside an update function) are specs too. Errors name the field
    by its path under ``path``.

    >>> from driftlab.update_functions import UpdateFunction
    >>> from_spec(UpdateFunction, {"type": "IncrementUpdate", "k": 2,
    ...                            "scheduler": {"type": "PeriodicScheduler", "period": 3}}, "update")
    IncrementUpdate(scheduler=PeriodicScheduler(period=3), k=2)
    >>> from_spec(UpdateFunction, {"type": "IncrementUpdate", "k": "two", "scheduler": "ContinuousScheduler"},
    ...           "ramp.height.update")
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: ramp.height.update.k: expected a number, got the text 'two'
    """
    if isinstance(spec, base):
        return spec
    cls, settings = spec_class(base, spec, path)
    for key, value in settings.items():
        if key not in cls.param:
            continue  # cls(**settings) names it
        declared = cls.param[key]
        if isinstance(declared, param.ClassSelector) and isinstance(declared.class_, type) \
                and issubclass(declared.class_, Config):
            settings[key] = from_spec(declared.class_, value, f"{path}.{key}")
    try:
        return cls(**settings)
    except ConfigError as err:
        owner = cls.__name__  # errors name Class.setting
        if err.path == owner or err.path.startswith(owner + "."):
            raise ConfigError(path + err.path[len(owner):], err.problem) from None
        raise


def spec_class(base: type[ConfigT], spec: Any, path: str) -> tuple[type[ConfigT], dict[str, Any]]:
    """The registered ``base`` class that ``"Name"`` or ``{"type": "Name", setting: value, ...}`` names, and
    the settings; errors name ``path`` (``path.type`` for a mapping) and the known names."""
    kind = base.__name__
    if isinstance(spec, str):
        name, settings = spec, {}
    elif isinstance(spec, Mapping) and "type" in spec:
        name, settings = spec["type"], {k: v for k, v in spec.items() if k != "type"}
    else:
        raise ConfigError(path, f"expected a {kind} name or a mapping with a 'type' key, got {spec!r}")
    from .registry import registry_for  # the registry imports this module

    known = registry_for(base)
    where = f"{path}.type" if isinstance(spec, Mapping) else path
    if not isinstance(name, str) or name not in known:
        raise ConfigError(where, f"unknown {kind} {name!r}; expected one of {', '.join(sorted(known))}"
                          + did_you_mean(str(name), list(known)))
    cls = known.get(name, where)
    if not issubclass(cls, base):
        raise ConfigError(where, f"{name!r} is a {known.singular}, not a {kind}")
    return cls, settings


def did_you_mean(name: str, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice (ignoring case), or an empty string.

    >>> did_you_mean("hddm_w", ["HDDM_A", "HDDM_W"])
    " (did you mean 'HDDM_W'?)"
    """
    by_lower = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1)
    return f" (did you mean {by_lower[close[0]]!r}?)" if close else ""


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # arrays compare element-wise
        return False


def _as_config_error(exc: ValueError | TypeError, cls: str) -> ConfigError:
    message = str(exc)
    match = _PARAM_NAME.search(message)
    if not match:
        return ConfigError(cls, message)
    setting = match.group(1).rsplit(".", 1)[-1]  # param names the class that declared it
    return ConfigError(f"{cls}.{setting}", message[match.end():])
