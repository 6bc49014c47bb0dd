"""NS-Gym 1.0.10's own scheduler and update-function tests (MIT, see LICENSE) run on driftlab.

Run: ``pytest -m peers tests/peers/ns_gym``
"""
from pathlib import Path

import ns_gym_adapter
import peers_marks

ns_gym_adapter.install()

HERE = Path(__file__).parent

ERRORS = ("bad settings raise driftlab.errors.ConfigError naming the field (a ValueError), "
          "not a bare AssertionError")
ARRAYS = ("distribution updates return read-only numpy arrays (a list compares elementwise with ==), "
          "not lists; .tolist() gives NS-Gym's form")
HOOK = "the internal hook a subclass overrides is _apply, not _update (the call interface is NS-Gym's)"
DIFFERENCES: dict[str, str] = {
    "test_schedulers.py::TestDiscreteScheduler::test_assertion_start_after_first_event": ERRORS,
    "test_schedulers.py::TestDiscreteScheduler::test_assertion_end_before_last_event": ERRORS,
    "test_update_functions.py::TestCallInterface::test_requires_scheduler_instance": ERRORS,
    "test_update_functions.py::TestCallInterface::test_distribution_requires_list": ERRORS,
    "test_update_functions.py::TestDistributionNoUpdate::test_requires_list_input": ERRORS,
    "test_update_functions.py::TestCallInterface::test_t_must_be_numeric":
        "a non-integer t raises TypeError from the comparison with the window, not AssertionError",
    "test_update_functions.py::TestDistributionNoUpdate::test_returns_same_distribution": ARRAYS,
    "test_update_functions.py::TestDistributionStepWiseUpdate::test_steps_through_distributions": ARRAYS,
    "test_update_functions.py::TestDistributionCyclicUpdate::test_cycles_through_distributions": ARRAYS,
    "test_update_functions.py::TestDistributionCyclicUpdate::test_single_distribution_repeats": ARRAYS,
    "test_update_functions.py::TestGeometricProgression::test_ratio_multiply":
        "GeometricProgression follows its documented Y0-anchored formula Y0 * r^t; NS-Gym compounds Y * r",
    "test_update_functions.py::TestGeometricProgression::test_ratio_less_than_one":
        "GeometricProgression follows its documented Y0-anchored formula Y0 * r^t; NS-Gym compounds Y * r",
    "test_update_functions.py::TestGeometricProgression::test_multiple_calls":
        "GeometricProgression follows its documented Y0-anchored formula Y0 * r^t; NS-Gym compounds Y * r",
    "test_update_functions.py::test_has_update_method": HOOK,
    "test_update_functions.py::TestCallInterface::test_prev_param_tracked":
        "no prev_param attribute: a Parameter keeps the whole history (p.timeline(k), p.change_log(k))",
    "test_schedulers.py::TestMemorylessScheduler::test_resamples_after_fire":
        "no transition_time attribute: arrival times are drawn in blocks from (seed, t), so any t can be asked",
    "test_schedulers.py::TestMemorylessScheduler::test_seed_creates_deterministic_schedule":
        "no transition_time attribute: arrival times are drawn in blocks from (seed, t), so any t can be asked",
    "test_schedulers.py::TestMemorylessScheduler::test_different_seeds_give_different_schedules":
        "no transition_time attribute: arrival times are drawn in blocks from (seed, t), so any t can be asked",
}
NOT_PORTABLE: dict[str, str] = {}


def pytest_collection_modifyitems(config, items):
    peers_marks.apply_marks(items, HERE, DIFFERENCES, NOT_PORTABLE)
