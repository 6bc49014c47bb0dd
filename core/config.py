"""Config objects: declared, validated settings that also drive YAML files and dashboard widgets.

A :class:`Config` is a ``param.Parameterized`` whose constructor also takes its leading settings
positionally (``PeriodicScheduler(5)`` as well as ``PeriodicScheduler(period=5)``), and whose
validation failures are :class:`~core.errors.ConfigError` naming ``Class.setting``.
"""
from __future__ import annotations

import difflib
import re
from typing import Any, ClassVar

import param

from .errors import ConfigError

_PARAM_NAME = re.compile(r"parameter '([\w.]+)'\s*")


class Config(param.Parameterized):
    """Base of every config object.

    ``_positional`` lists the settings that may be given positionally, in order. ``_check()``
    runs after the declared settings are validated, for rules that span several settings.
    """

    _positional: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **settings: Any):
        cls = type(self).__name__
        if len(args) > len(self._positional):
            raise ConfigError(cls, f"takes at most {len(self._positional)} positional settings "
                              f"({', '.join(self._positional) or 'none'}), got {len(args)}")
        for name, value in zip(self._positional, args):
            if name in settings:
                raise ConfigError(f"{cls}.{name}", "given both positionally and by keyword")
            settings[name] = value
        known = self.settings()
        for name in settings:
            if name not in known and name != "name":
                raise ConfigError(f"{cls}.{name}", f"unknown setting; expected one of {', '.join(known)}"
                                  + did_you_mean(name, known))
        try:
            super().__init__(**settings)
        except ValueError as exc:
            raise _as_config_error(exc, cls) from None
        self._check()

    def _check(self) -> None:
        """Cross-setting validation; raise ConfigError naming ``Class.setting``."""

    @classmethod
    def settings(cls) -> list[str]:
        """The names of the declared settings, in declaration order."""
        return [name for name in cls.param if name != "name"]

    def to_dict(self) -> dict[str, Any]:
        """The settings that differ from their defaults; a nested config as ``{ClassName: settings}``."""
        out = {}
        for name in self.settings():
            value = getattr(self, name)
            if not _same(value, self.param[name].default):
                out[name] = {type(value).__name__: value.to_dict()} if isinstance(value, Config) else value
        return out

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        return f"{type(self).__name__}({args})"


def did_you_mean(name: str, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # arrays compare element-wise
        return False


def _as_config_error(exc: ValueError, cls: str) -> ConfigError:
    message = str(exc)
    match = _PARAM_NAME.search(message)
    if not match:
        return ConfigError(cls, message)
    return ConfigError(match.group(1), message[match.end():])
