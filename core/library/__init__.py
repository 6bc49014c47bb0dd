"""Ready scenarios: functions returning a drifting :class:`~core.tree.SamplingTree`, by name."""
from .rotated_digits import rotated_digits
from .time_series import time_series

SCENARIOS = {"time_series": time_series, "rotated_digits": rotated_digits}

__all__ = ["SCENARIOS", "rotated_digits", "time_series"]
