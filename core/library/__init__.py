"""Built-in streams (``TREES``: functions returning a drifting :class:`~driftlab.tree.SamplingTree`) and
ready experiments (``SCENARIOS``: functions returning a :class:`~driftlab.scenario.Scenario`)."""
from .rotated_digits import class_incremental_digits, rotated_digits
from .scenarios import SCENARIOS, detector_comparison, rotated_digits_replay, time_series_drift
from .time_series import time_series

TREES = {"time_series": time_series, "rotated_digits": rotated_digits,
         "class_incremental_digits": class_incremental_digits}

__all__ = ["SCENARIOS", "TREES", "class_incremental_digits", "detector_comparison", "rotated_digits",
           "rotated_digits_replay", "time_series",
           "time_series_drift"]
