"""Config objects (driftlab.config): settings checked on construction and on assignment, clear errors."""
import pytest

from driftlab.errors import ConfigError
from driftlab.scenario import MonitorSettings
from driftlab.schedulers import ContinuousScheduler, PeriodicScheduler


@pytest.mark.parametrize("setting, value, message", [
    ("end", 1, "end: must be >= start"),  # the cross-setting check
    ("start", -1, "start: must be at least 0"),  # the setting's own bounds
])
def test_a_rejected_setting_leaves_the_scheduler_as_it_was(setting, value, message):
    scheduler = ContinuousScheduler(start=2, end=5)
    with pytest.raises(ConfigError, match=message):
        setattr(scheduler, setting, value)
    assert (scheduler.start, scheduler.end) == (2, 5)
    assert [t for t in range(8) if scheduler(t)] == [2, 3, 4, 5]


def test_a_bad_choice_names_the_choices_and_the_closest():
    with pytest.raises(ConfigError, match=r"MonitorSettings.aggregate: expected one of mean, median, last, "
                                          r"got 'meen' \(did you mean 'mean'\?\)"):
        MonitorSettings(aggregate="meen")
    settings = MonitorSettings()
    with pytest.raises(ConfigError, match="did you mean 'median'"):
        settings.aggregate = "medain"
    assert settings.aggregate == "mean"


def test_printing_a_config_shows_its_settings():
    assert str(PeriodicScheduler(4)) == repr(PeriodicScheduler(4)) == "PeriodicScheduler(period=4)"
