"""driftlab: drifting stream generation, drift detection and continual learning.

The public names of the engine are re-exported here; see each module for the rules it implements.
The light base (streams, parameters, detectors, scenario files) imports neither torch nor Panel;
``driftlab.training`` needs the ``torch`` extra and ``driftlab.dashboard`` the ``dashboard`` extra
(``pip install "driftlab[torch]"``), and each says so when it is missing.

Words with one meaning each:

* **parameter** -- a :class:`Parameter`: a value over integer update steps (streamgen's name; it is
  not a ``param.Parameter``, which driftlab's config objects use for their *settings*).
* **exhaustion rule** -- what a parameter does past the end of its schedule: ``hold``, ``cycle``
  or ``raise`` (streamgen's ``Parameter(strategy=...)`` keyword, kept under that name).
* **draw rule** -- how ``tree.collect``/``tree.batch`` pick leaves: ``stochastic`` or ``balanced``
  (streamgen's ``collect(strategy=...)`` keyword, kept under that name).
* **training strategy** -- how a retraining episode trains: ``naive``, ``replay``, ``ewc``,
  ``jvp``, ``jvp_reg`` (Apeiron's), ``jvp_lookahead`` (``trainer.strategy`` in scenario files;
  :mod:`driftlab.training.strategies`).
* **experience** -- the data of one regime, drawn at one update step: ``tree.experiences(n, m)``
  draws them, and a trainer's :class:`~driftlab.training.Experiences` keeps one per retraining
  episode with its row of the accuracy matrix (Avalanche's sense of the word).
* **episode** -- one retraining run of the trainer; a *step* moves the stream's distribution, a
  *batch* is what the monitor evaluates.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# The public names by the module that defines them. They load on first use (PEP 562), so that
# ``import driftlab`` and ``driftlab --help`` cost next to nothing until a name is needed.
_EXPORTS = {
    "buffers": ("ClassBalancedBuffer", "DataBuffer", "DataCollector", "DataUser", "RandomReplacementBuffer",
                "ReservoirBuffer", "SequentialBuffer"),
    "detectors": ("DETECTORS", "DetectorEnsemble", "DriftDetector", "make_detector"),
    "errors": ("ConfigError", "DriftlabError", "MissingExtraError", "ScheduleExhaustedError"),
    "monitor": ("Monitor",),
    "nodes": ("BranchingNode", "ClassLabelNode", "TransformNode", "batched"),
    "parameters": ("Parameter", "ParameterStore"),
    "registry": ("MODELS", "TRANSFORMS"),
    "scenario": ("Scenario", "dump_scenario", "load_scenario"),
    "schedulers": ("SCHEDULERS", "Scheduler"),
    "tree": ("SamplingTree",),
    "update_functions": ("UPDATE_FUNCTIONS", "UpdateFunction"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = ["__version__", *_MODULE_OF]

if TYPE_CHECKING:  # the same names, for type checkers
    from .buffers import (ClassBalancedBuffer, DataBuffer, DataCollector, DataUser, RandomReplacementBuffer,
                          ReservoirBuffer, SequentialBuffer)
    from .detectors import DETECTORS, DetectorEnsemble, DriftDetector, make_detector
    from .errors import ConfigError, DriftlabError, MissingExtraError, ScheduleExhaustedError
    from .monitor import Monitor
    from .nodes import BranchingNode, ClassLabelNode, TransformNode, batched
    from .parameters import Parameter, ParameterStore
    from .registry import MODELS, TRANSFORMS
    from .scenario import Scenario, dump_scenario, load_scenario
    from .schedulers import SCHEDULERS, Scheduler
    from .tree import SamplingTree
    from .update_functions import UPDATE_FUNCTIONS, UpdateFunction


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'driftlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
