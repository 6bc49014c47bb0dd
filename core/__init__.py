"""driftlab's engine: drifting stream generation, drift detection and continual learning.

The public names of the engine are re-exported here; see each module for the rules it implements.
``core.training`` (which imports torch) is imported on its own: ``from core.training import Trainer``.
"""
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
    "ConfigError", "DriftlabError", "ScheduleExhaustedError",
    "Parameter", "ParameterStore", "SCHEDULERS", "Scheduler", "UPDATE_FUNCTIONS", "UpdateFunction",
    "SamplingTree", "TransformNode", "BranchingNode", "ClassLabelNode", "batched", "TRANSFORMS", "MODELS",
    "DETECTORS", "DriftDetector", "DetectorEnsemble", "make_detector", "Monitor",
    "DataBuffer", "SequentialBuffer", "RandomReplacementBuffer", "ReservoirBuffer", "ClassBalancedBuffer",
    "DataCollector", "DataUser", "Scenario", "load_scenario", "dump_scenario",
]
