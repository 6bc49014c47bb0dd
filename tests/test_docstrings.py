"""Every public class of the engine has a docstring with a runnable example (river style).

The examples themselves are run by ``--doctest-modules`` (pyproject's pytest addopts); this file
checks that they exist. A public class is one defined in a module of ``core`` (private modules,
``_name``, excluded) whose name does not start with ``_``, or one listed in its module's
``__all__``.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import core


def public_classes() -> dict[str, type]:
    """Public classes of every public module of ``core``, by ``module.ClassName`` of the module
    that defines them (or, for a name in ``__all__``, of the first module that exports it)."""
    found: dict[str, type] = {}
    seen: set[int] = set()
    modules = [core.__name__] + [info.name for info in pkgutil.walk_packages(core.__path__, core.__name__ + ".")]
    for module_name in sorted(modules):
        if any(part.startswith("_") for part in module_name.split(".")):
            continue
        module = importlib.import_module(module_name)
        exported = set(getattr(module, "__all__", ()))
        for name, obj in vars(module).items():
            if not inspect.isclass(obj) or id(obj) in seen or name.startswith("_"):
                continue
            if obj.__module__ == module_name or (name in exported and obj.__module__.startswith(core.__name__)):
                seen.add(id(obj))
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


CLASSES = public_classes()


def has_example(cls: type) -> bool:
    return ">>>" in (cls.__dict__.get("__doc__") or "")


def test_the_walk_finds_the_engine():
    for expected in ("core.parameters.ParameterStore", "core.tree.SamplingTree", "core.monitor.Monitor",
                     "core.detectors.windows.ADWIN", "core.training.trainer.Trainer"):
        assert expected in CLASSES


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_public_class_has_a_docstring_example(name):
    cls = CLASSES[name]
    assert cls.__dict__.get("__doc__"), f"{name} has no docstring"
    assert has_example(cls), f"{name}'s docstring has no '>>>' example"
