"""driftlab's engine: drifting stream generation, drift detection and continual learning.

The public names are re-exported here; see each module for the rules it implements.
"""
from .errors import ConfigError, DriftlabError, ScheduleExhaustedError
from .parameters import Parameter, ParameterStore
from .schedulers import SCHEDULERS, Scheduler
from .update_functions import UPDATE_FUNCTIONS, UpdateFunction

__all__ = [
    "ConfigError", "DriftlabError", "ScheduleExhaustedError",
    "Parameter", "ParameterStore",
    "SCHEDULERS", "Scheduler", "UPDATE_FUNCTIONS", "UpdateFunction",
]
