"""Docstring examples (river style): every public class has one, and every example runs.

A public class is one defined in a module of ``driftlab`` (private modules, ``_name``, excluded)
whose name does not start with ``_``, or one listed in its module's ``__all__``. The examples of
every engine module, private ones included, run here by import name (``driftlab.tree``), so that
they test the installed package rather than the folder it was built from.
"""
from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import driftlab

MODULES = sorted([driftlab.__name__] + [info.name for info in
                                        pkgutil.walk_packages(driftlab.__path__, driftlab.__name__ + ".")])


def public_classes() -> dict[str, type]:
    """Public classes of every public module of ``driftlab``, by ``module.ClassName`` of the module
    that defines them (or, for a name in ``__all__``, of the first module that exports it)."""
    found: dict[str, type] = {}
    seen: set[int] = set()
    for module_name in MODULES:
        if any(part.startswith("_") for part in module_name.split(".")):
            continue
        module = importlib.import_module(module_name)
        exported = set(getattr(module, "__all__", ()))
        for name, obj in vars(module).items():
            if not inspect.isclass(obj) or id(obj) in seen or name.startswith("_"):
                continue
            if obj.__module__ == module_name or (name in exported and obj.__module__.startswith(driftlab.__name__)):
                seen.add(id(obj))
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def examples() -> dict[str, doctest.DocTest]:
    """Every docstring example of the engine, by the name of the object it documents."""
    finder = doctest.DocTestFinder()
    return {test.name: test for module_name in MODULES
            for test in finder.find(importlib.import_module(module_name)) if test.examples}


CLASSES = public_classes()
EXAMPLES = examples()


def has_example(cls: type) -> bool:
    return ">>>" in (cls.__dict__.get("__doc__") or "")


def test_the_walk_finds_the_engine():
    for expected in ("driftlab.parameters.ParameterStore", "driftlab.tree.SamplingTree", "driftlab.monitor.Monitor",
                     "driftlab.detectors.windows.ADWIN", "driftlab.training.trainer.Trainer"):
        assert expected in CLASSES
    assert "driftlab.tree.SamplingTree" in EXAMPLES


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_public_class_has_a_docstring_example(name):
    cls = CLASSES[name]
    assert cls.__dict__.get("__doc__"), f"{name} has no docstring"
    assert has_example(cls), f"{name}'s docstring has no '>>>' example"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_docstring_example_runs(name):
    test = EXAMPLES[name]
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    output: list[str] = []
    result = runner.run(test, out=output.append, clear_globs=True)
    assert result.failed == 0, "".join(output)
