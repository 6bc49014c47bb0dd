"""Every public class of the engine has a docstring with a runnable example (river style).

The examples themselves are run by ``--doctest-modules`` (pyproject's pytest addopts); this file
checks that they exist. A public class is one defined in a module of ``core`` (private modules,
``_name``, excluded) whose name does not start with ``_``, or one listed in its module's
``__all__``. Classes known to lack an example are listed in ``MISSING_EXAMPLE``: each is an expected
failure, strict, so that adding its example makes the test fail until it is removed from the list.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import core

# Public classes without a ">>>" example, to be written (see the report of issue 8).
MISSING_EXAMPLE = {
    "core.buffers.CollectorAcquiredError",
    "core.buffers.DataBuffer",
    "core.buffers.DataCollector",
    "core.config.Config",
    "core.detectors.base.DetectorTrace",
    "core.detectors.base.DriftDetector",
    "core.errors.DriftlabError",
    "core.errors.ScheduleExhaustedError",
    "core.monitor.Monitor",
    "core.nodes.Placed",
    "core.parameters.Parameter",
    "core.registry.Registry",
    "core.scenario.Experiment",
    "core.scenario.MonitorSettings",
    "core.scenario.Scenario",
    "core.schedulers.ContinuousScheduler",
    "core.schedulers.CustomScheduler",
    "core.schedulers.DecayingProbabilityScheduler",
    "core.schedulers.PeriodicScheduler",
    "core.schedulers.Scheduler",
    "core.training.data.Batch",
    "core.training.data.Labels",
    "core.training.evaluation.Evaluator",
    "core.training.evaluation.Experiences",
    "core.training.models.DigitsCNN",
    "core.training.strategies.EWC",
    "core.training.strategies.JVP",
    "core.training.strategies.JVPLookahead",
    "core.training.strategies.Naive",
    "core.training.strategies.Strategy",
    "core.training.trainer.Progress",
    "core.training.trainer.Trainer",
    "core.training.trainer.TrainerConfig",
    "core.update_functions.BoundedRandomWalk",
    "core.update_functions.BudgetBoundedIncrement",
    "core.update_functions.CyclicUpdate",
    "core.update_functions.DecrementUpdate",
    "core.update_functions.DeterministicTrend",
    "core.update_functions.DistributionCyclicUpdate",
    "core.update_functions.DistributionDecrementUpdate",
    "core.update_functions.DistributionIncrementUpdate",
    "core.update_functions.DistributionLinearInterpolation",
    "core.update_functions.DistributionNoUpdate",
    "core.update_functions.DistributionStepWiseUpdate",
    "core.update_functions.DistributionUpdate",
    "core.update_functions.ExponentialDecay",
    "core.update_functions.GeometricProgression",
    "core.update_functions.IncrementUpdate",
    "core.update_functions.LCBoundedDistributionUpdate",
    "core.update_functions.LinearInterpolation",
    "core.update_functions.NoUpdate",
    "core.update_functions.OrnsteinUhlenbeck",
    "core.update_functions.OscillatingUpdate",
    "core.update_functions.PolynomialTrend",
    "core.update_functions.RandomCategorical",
    "core.update_functions.RandomWalk",
    "core.update_functions.RandomWalkWithDrift",
    "core.update_functions.RandomWalkWithDriftAndTrend",
    "core.update_functions.SigmoidTransition",
    "core.update_functions.StepWiseUpdate",
    "core.update_functions.TargetReversion",
    "core.update_functions.UniformDrift",
    "core.update_functions.UpdateFunction",
}


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


def test_the_list_of_missing_examples_names_real_classes():
    assert not MISSING_EXAMPLE - set(CLASSES), "remove from MISSING_EXAMPLE: classes that no longer exist"


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(reason="no >>> example yet", strict=True))
    if name in MISSING_EXAMPLE else name
    for name in sorted(CLASSES)])
def test_public_class_has_a_docstring_example(name):
    cls = CLASSES[name]
    assert cls.__dict__.get("__doc__"), f"{name} has no docstring"
    assert has_example(cls), f"{name}'s docstring has no '>>>' example"
