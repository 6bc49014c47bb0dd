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
__version__ = "0.2.0"

from .buffers import (ClassBalancedBuffer, DataBuffer, DataCollector, DataUser, RandomReplacementBuffer,
                      ReservoirBuffer, SequentialBuffer)
from .detectors import DETECTORS, DetectorEnsemble, DriftDetector, make_detector
from .errors import ConfigError, DriftlabError, ScheduleExhaustedError
from .monitor import Monitor
from .nodes import BranchingNode, ClassLabelNode, TransformNode, batched
from .parameters import Parameter, ParameterStore
from .registry import MODELS, TRANSFORMS
from .scenario import Scenario, dump_scenario, load_scenario
from .schedulers import SCHEDULERS, Scheduler
from .tree import SamplingTree
from .update_functions import UPDATE_FUNCTIONS, UpdateFunction

__all__ = [
                      "DETECTORS",
                      "MODELS",
                      "SCHEDULERS",
                      "TRANSFORMS",
                      "UPDATE_FUNCTIONS",
                      "BranchingNode",
                      "ClassBalancedBuffer",
                      "ClassLabelNode",
                      "ConfigError",
                      "DataBuffer",
                      "DataCollector",
                      "DataUser",
                      "DetectorEnsemble",
                      "DriftDetector",
                      "DriftlabError",
                      "Monitor",
                      "Parameter",
                      "ParameterStore",
                      "RandomReplacementBuffer",
                      "ReservoirBuffer",
                      "SamplingTree",
                      "Scenario",
                      "ScheduleExhaustedError",
                      "Scheduler",
                      "SequentialBuffer",
                      "TransformNode",
                      "UpdateFunction",
                      "__version__",
                      "batched",
                      "dump_scenario",
                      "load_scenario",
                      "make_detector",
]
