"""Parameters and the ParameterStore: forms, steps, change logs, reproducibility, errors."""
import copy
import itertools
import json
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftlab.errors import ConfigError, ScheduleExhaustedError
from driftlab.parameters import CACHED_BLOCKS, CHECKPOINT_EVERY, Parameter, ParameterStore
from driftlab.schedulers import ContinuousScheduler, PeriodicScheduler, RandomScheduler
from driftlab.seeds import parameter_seed
from driftlab.update_functions import (BudgetBoundedIncrement, CyclicUpdate, IncrementUpdate, OrnsteinUhlenbeck,
                                       RandomCategorical, RandomWalk, StepWiseUpdate, TargetReversion)

STREAMGEN_GUIDE = {
    "background": {"signal_length": 256, "offset": {"schedule": [0.0, 0.2, 0.5]},
                   "strength": {"schedule": [0.1, 0.4], "strategy": "cycle"}},
    "ramp": {"height": {"schedule": [0.9, 0.8, 0.7]}, "length": {"schedule": [128, 64, 32]}},
    "step": {"length": {"value": 128}, "kernel_size": {"schedule": [1, 10, 20]}},
}


def random_store(seed=0):
    return ParameterStore({
        "walk": {"value": 0.0, "update": RandomWalk(RandomScheduler(0.5), sigma=1.0)},
        "probs": {"value": [0.5, 0.3, 0.2], "update": RandomCategorical(PeriodicScheduler(3))},
        "scope": {"level": {"value": 1, "update": IncrementUpdate(PeriodicScheduler(2), k=1)},
                  "cycle": {"value": 9, "schedule": [1, 2, 3], "strategy": "cycle"}},
    }, seed=seed)


# -- forms ---------------------------------------------------------------------------------------

def test_streamgen_guide_example_after_one_update():
    store = ParameterStore(STREAMGEN_GUIDE)
    store.update()
    assert store.get_params() == {
        "background.offset": 0.2, "background.signal_length": 256, "background.strength": 0.4,
        "ramp.height": 0.8, "ramp.length": 64, "step.kernel_size": 10, "step.length": 128}


def test_caller_dict_is_not_mutated():
    definition = copy.deepcopy(STREAMGEN_GUIDE)
    store = ParameterStore(definition)
    store.set_update_step(5)
    assert definition == STREAMGEN_GUIDE


def test_schedule_forms_and_strategies():
    assert Parameter("a", schedule=[1, 2, 3]).timeline(4) == [1, 2, 3, 3, 3]
    assert Parameter("a", schedule=[1, 2, 3], strategy="cycle").timeline(6) == [1, 2, 3, 1, 2, 3, 1]
    assert Parameter("a", 0, schedule=[1, 2], strategy="cycle").timeline(5) == [0, 1, 2, 1, 2, 1]
    assert Parameter("a", 0, schedule=[1, 2]).timeline(4) == [0, 1, 2, 2, 2]
    assert Parameter("a", 5).timeline(2) == [5, 5, 5]
    assert Parameter("a", schedule=(x * x for x in range(3))).timeline(3) == [0, 1, 4, 4]


def test_raise_strategy_fails_clearly_and_leaves_state():
    p = Parameter("ramp.height", schedule=[0.9, 0.8], strategy="raise")
    p.update()
    with pytest.raises(ScheduleExhaustedError, match=r"ramp.height: step 2 is past the end of its schedule of 2"):
        p.update()
    assert p.update_step == 1 and p.value == 0.8


def test_update_function_form():
    p = Parameter("x", 1.0, update=IncrementUpdate(PeriodicScheduler(2), k=0.5))
    assert p.timeline(5) == [1.0, 1.5, 1.5, 2.0, 2.0, 2.5]  # fires at t = 0, 2, 4


def test_update_given_as_plain_data():
    p = Parameter("x", 1.0, update={"type": "IncrementUpdate", "k": 2,
                                    "scheduler": {"type": "PeriodicScheduler", "period": 2}})
    assert p.timeline(3) == [1.0, 3.0, 3.0, 5.0]


def test_shared_update_object_serves_independent_parameters():
    fn = StepWiseUpdate(ContinuousScheduler(), [1, 2, 3])
    store = ParameterStore({"a": {"value": 0, "update": fn}, "b": {"value": 0, "update": fn}})
    store.update()
    store.update()
    assert store.get_params() == {"a": 2, "b": 2}


def test_values_cannot_be_rewritten_through_the_returned_array():
    p = Parameter("p", [0.5, 0.5], update=TargetReversion(ContinuousScheduler(), target=[1.0, 0.0], theta=0.5))
    value = p.update()
    with pytest.raises(ValueError):
        value[0] = 0.0


# -- steps ---------------------------------------------------------------------------------------

def test_set_update_step_jumps_both_ways_without_changing_history():
    store = random_store()
    forward = [dict(store.set_update_step(k)) for k in range(60)]
    for k in [59, 3, 40, 0, 17]:
        got = store.set_update_step(k)
        assert _same(got, forward[k])
    assert store.update_step == 17


def test_timeline_and_to_dataframe_do_not_move_the_step():
    store = random_store()
    store.set_update_step(4)
    frame = store.to_dataframe(30)
    assert store.update_step == 4 and frame.shape == (31, 4) and frame.index.name == "step"
    assert store["walk"].timeline(30) == list(frame["walk"])


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 300), st.integers(0, 2**32 - 1))
def test_set_update_step_equals_k_updates_from_a_fresh_store(k, seed):
    jumped = random_store(seed)
    jumped.set_update_step(k)
    stepped = random_store(seed)
    for _ in range(k):
        stepped.update()
    assert _same(jumped.get_params(), stepped.get_params())


def test_timelines_identical_across_processes():
    script = (
        "import json, numpy as np\n"
        "from tests.test_parameters import random_store\n"
        "frame = random_store(seed=123).to_dataframe(200)\n"
        "print(json.dumps({c: [np.asarray(v).tolist() for v in frame[c]] for c in frame}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "999", "PATH": ""}).stdout
    here = random_store(seed=123).to_dataframe(200)
    assert json.loads(out) == {c: [np.asarray(v).tolist() for v in here[c]] for c in here}


def test_seed_and_name_decide_random_timelines():
    a = random_store(seed=1)["walk"].timeline(50)
    assert a == random_store(seed=1)["walk"].timeline(50)
    assert a != random_store(seed=2)["walk"].timeline(50)
    twin = ParameterStore({"walk": {"value": 0.0, "update": RandomWalk(ContinuousScheduler())},
                           "walk2": {"value": 0.0, "update": RandomWalk(ContinuousScheduler())}})
    assert twin["walk"].timeline(20) != twin["walk2"].timeline(20)


# -- change log ----------------------------------------------------------------------------------

def test_change_log_records_fired_changed_and_delta():
    p = Parameter("x", 0.0, update=StepWiseUpdate(PeriodicScheduler(2), [1.0, 1.0]))
    log = p.change_log(6)
    assert log["fired"].tolist() == [True, False, True, False, False, False]
    assert log["changed"].tolist() == [True, False, False, False, False, False]
    assert log["delta"].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_change_log_uses_wasserstein_for_distributions():
    p = Parameter("probs", schedule=[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert p.change_log(1)["delta"].tolist() == [2.0]


def test_store_change_points():
    store = ParameterStore(STREAMGEN_GUIDE)
    assert store.change_points(6) == [1, 2, 3, 4, 5, 6]  # strength cycles forever
    store = ParameterStore({"a": {"schedule": [0, 0, 1]}, "b": {"value": 0, "schedule": [0, 0, 0, 2]}})
    assert store.change_points(8) == [2, 4]


# -- store ---------------------------------------------------------------------------------------

def test_get_scope_shares_parameter_objects():
    store = ParameterStore(STREAMGEN_GUIDE)
    ramp = store.get_scope("ramp")
    assert ramp["height"] is store["ramp.height"]
    assert ramp.get_params() == {"height": 0.9, "length": 128}
    store.update()
    assert ramp.get_params() == {"height": 0.8, "length": 64}
    assert store.scopes == ["background", "ramp", "step"]


def test_deep_scopes_and_dotted_keys():
    store = ParameterStore({"a": {"b": {"c": 1}}, "a.d": 2})
    assert store.names == ["a.b.c", "a.d"]
    assert store.get_scope("a").get_scope("b").get_params() == {"c": 1}


def test_setitem_builds_at_the_current_step_and_getitem_suggests():
    store = ParameterStore({"a": {"schedule": [1, 2, 3]}})
    store.update()
    store["b"] = {"schedule": [10, 20, 30]}
    store["c"] = Parameter("c", 7)
    assert store.get_params() == {"a": 2, "b": 20, "c": 7}
    with pytest.raises(KeyError, match="did you mean 'b'"):
        store["bb"]


def test_or_returns_a_new_store_sharing_parameters():
    a = ParameterStore({"x": 1, "y": 2})
    b = ParameterStore({"y": 3, "z": 4})
    merged = a | b
    assert merged.get_params() == {"x": 1, "y": 3, "z": 4}
    assert merged["z"] is b["z"] and a.get_params() == {"x": 1, "y": 2}
    assert (a | Parameter("w", 0)).names == ["w", "x", "y"]
    b.update()
    with pytest.raises(ConfigError, match="different update steps"):
        a | b


def test_dataframe_round_trip():
    store = ParameterStore(STREAMGEN_GUIDE)
    frame = store.to_dataframe(5)
    rebuilt = ParameterStore.from_dataframe(frame)
    pd.testing.assert_frame_equal(rebuilt.to_dataframe(5), frame)
    assert rebuilt.change_log(5).query("parameter == 'background.signal_length'")["fired"].sum() == 0


def test_from_dataframe_with_vector_cells():
    frame = pd.DataFrame({"node.probs": [[0.5, 0.5], [0.9, 0.1]]})
    store = ParameterStore.from_dataframe(frame)
    store.update()
    assert store["node.probs"].value == [0.9, 0.1]


# -- live edits ----------------------------------------------------------------------------------

def test_edit_keeps_history_and_continues_with_absolute_t():
    store = random_store(seed=4)
    before = store.to_dataframe(30)
    store.set_update_step(12)
    edited = store.edit("scope.level", {"value": 100, "update": IncrementUpdate(PeriodicScheduler(2), k=1)})
    after = store.to_dataframe(30)
    pd.testing.assert_frame_equal(after.iloc[:12], before.iloc[:12])
    assert after["scope.level"].iloc[12:17].tolist() == [100, 101, 101, 102, 102]  # fires at even t = 12, 14, ...
    assert store.update_step == 12 and edited.value == 100
    log = edited.change_log(13)
    assert log["changed"].iloc[11]
    assert log["fired"].tolist()[:11] == store["scope.level"].change_log(11)["fired"].tolist()


def test_edited_parameter_rebuilds_from_its_definition():
    store = random_store(seed=4)
    store.set_update_step(5)
    store.edit("walk", {"schedule": [1.0, 2.0]})
    store.set_update_step(9)
    store.edit("walk", 3.5)
    rebuilt = ParameterStore({"walk": store["walk"].definition()}, seed=4)
    assert rebuilt["walk"].timeline(12) == store["walk"].timeline(12)
    assert [e["step"] for e in store["walk"].definition()["edits"]] == [5, 9]
    store.set_update_step(2)  # an edit before recorded ones redefines them
    store.edit("walk", 1.0)
    assert [e["step"] for e in store["walk"].definition()["edits"]] == [2]
    assert store["walk"].timeline(12)[2:] == [1.0] * 11


def test_bad_edit_changes_nothing():
    store = random_store()
    store.set_update_step(3)
    original = store["walk"]
    with pytest.raises(ConfigError, match=r"walk\.edits\[0\]\.strategy: expected one of"):
        store.edit("walk", {"schedule": [1], "strategy": "loop"})
    assert store["walk"] is original and store.update_step == 3
    with pytest.raises(ConfigError, match=r"walk.edits\[1\].step: edits must come in step order"):
        Parameter("walk", 0, edits=[{"step": 4, "value": 1}, {"step": 2, "value": 3}])


# -- errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize("definition, path", [
    ({"ramp": {"height": {"value": 1, "schedul": [1]}}}, "ramp.height.schedul"),
    ({"ramp": {"height": {"schedule": 5}}}, "ramp.height.schedule"),
    ({"ramp": {"height": {"schedule": "abc"}}}, "ramp.height.schedule"),
    ({"ramp": {"height": {"schedule": []}}}, "ramp.height.schedule"),
    ({"ramp": {"height": {"schedule": [1], "strategy": "loop"}}}, "ramp.height.strategy"),
    ({"ramp": {"height": {"value": 1, "strategy": "cycle"}}}, "ramp.height.strategy"),
    ({"ramp": {"height": {"value": 1, "update": {"type": "IncrementUpdate", "k": 1,
                                                  "scheduler": {"type": "PeriodicScheduler", "period": -2}}}}},
     "ramp.height.update.scheduler.period"),
    ({"ramp": {"height": {"value": 1, "update": {"type": "IncrementUpdat"}}}}, "ramp.height.update.type"),
    ({"ramp": {"height": {"value": 1, "update": 3}}}, "ramp.height.update"),
    ({"ramp": {"height": {"update": {"type": "NoUpdate", "scheduler": "ContinuousScheduler"}}}}, "ramp.height.value"),
    ({"node": {"probs": {"value": [0.5, 0.6], "update": {"type": "UniformDrift",
                                                         "scheduler": "ContinuousScheduler"}}}}, "node.probs.value"),
    ({"node": {"probs": {"value": [0.5, 0.5], "update": {
        "type": "TargetReversion", "target": [0.2, 0.2], "scheduler": "ContinuousScheduler"}}}},
     "node.probs.update.target"),
    ({"ramp": {}}, "ramp"),
    ({"ramp": 1, "ramp.height": 2}, "ramp"),
    ({"ramp": {"height": {"value": 1, "schedule": [1], "update": {"type": "NoUpdate"}}}}, "ramp.height"),
])
def test_malformed_definitions_name_the_parameter_path(definition, path):
    with pytest.raises(ConfigError) as err:
        ParameterStore(definition)
    assert err.value.path == path
    assert str(err.value).startswith(path + ": ")


def test_bad_steps_and_seeds():
    store = ParameterStore({"a": 1})
    with pytest.raises(ConfigError, match="step: expected an integer >= 0"):
        store.set_update_step(-1)
    with pytest.raises(ConfigError, match="seed"):
        ParameterStore({"a": 1}, seed=-3)


def test_store_step_is_all_or_nothing():
    store = ParameterStore({"ok": {"schedule": [1, 2, 3, 4]}, "short": {"schedule": [1, 2], "strategy": "raise"}})
    with pytest.raises(ScheduleExhaustedError):
        store.set_update_step(3)
    assert store.update_step == 0 and store["ok"].update_step == 0


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


# -- streamgen's own forms (issue 14) -----------------------------------------------------------

def test_a_parameter_dict_may_repeat_its_name_as_streamgen_documents():
    store = ParameterStore({"var2": {"name": "var2", "schedule": [0.0, 1.0]},
                            "scope": {"inner": {"name": "inner", "value": 3}}})
    assert store.update() == {"scope.inner": 3, "var2": 1.0}
    assert "name" not in store["var2"].definition()


def test_a_parameter_dict_whose_name_differs_from_its_key_is_rejected_with_its_path():
    with pytest.raises(ConfigError) as err:
        ParameterStore({"scope": {"inner": {"name": "outer", "value": 3}}})
    assert err.value.path == "scope.inner.name"


def test_the_caller_dict_keeps_its_name_key():
    params = {"var2": {"name": "var2", "value": 1}}
    ParameterStore(params)
    assert params == {"var2": {"name": "var2", "value": 1}}


def test_an_endless_schedule_is_drawn_lazily_as_steps_are_reached():
    drawn = []

    def endless():
        for i in itertools.count():
            drawn.append(i)
            yield i * 10

    p = Parameter("count", schedule=endless())
    assert p.value == 0 and drawn == [0]
    assert p.update() == 10 and drawn == [0, 1]
    assert p.set_update_step(5) == 50 and drawn == [0, 1, 2, 3, 4, 5]
    assert p.set_update_step(2) == 20 and len(drawn) == 6  # going back draws nothing
    assert Parameter("c", schedule=itertools.count()).timeline(3) == [0, 1, 2, 3]


def test_a_finite_iterator_schedule_still_follows_its_strategy_at_its_end():
    assert Parameter("h", schedule=iter([1, 2])).timeline(3) == [1, 2, 2, 2]
    assert Parameter("h", schedule=iter([1, 2])).change_log(3)["fired"].tolist() == [True, False, False]
    assert Parameter("c", schedule=(x for x in [1, 2]), strategy="cycle").timeline(4) == [1, 2, 1, 2, 1]
    p = Parameter("r", schedule=iter([1, 2]), strategy="raise exception")  # streamgen's spelling
    assert p.strategy == "raise"
    with pytest.raises(ScheduleExhaustedError):
        p[2]


def test_an_edit_of_a_lazy_schedule_keeps_the_drawn_history():
    p = Parameter("x", schedule=itertools.count())
    p.set_update_step(3)
    edited = p.edited(3, 99)
    assert edited.timeline(4) == [0, 1, 2, 99, 99]


def test_an_empty_iterator_schedule_is_rejected():
    with pytest.raises(ConfigError) as err:
        Parameter("x", schedule=iter([]))
    assert err.value.path == "x.schedule"


# -- bounded history: checkpoints every CHECKPOINT_EVERY steps, values recomputed exactly --------

def reference_values(fn, initial, n, seed, name, t0=0):
    """Values of steps 0..n-1 and fired flags of an update function, by its definition: a fresh copy
    reset with the parameter's seed and applied once per step, update indices from t0."""
    fn = copy.deepcopy(fn)
    fn.reset(copy.deepcopy(initial), parameter_seed(seed, name))
    values, fired, y = [initial], [False], initial
    for t in range(t0, t0 + n - 1):
        y, did_fire, _ = fn(y, t)
        values.append(y)
        fired.append(did_fire)
    return values, fired


LONG_UPDATES = [
    (RandomWalk(RandomScheduler(0.5), sigma=0.3), 0.0),
    (OrnsteinUhlenbeck(ContinuousScheduler(), theta=0.1, mu=1.0, sigma=0.2), 0.0),
    (RandomCategorical(RandomScheduler(0.2)), [0.2, 0.3, 0.5]),
    (BudgetBoundedIncrement(ContinuousScheduler(), k=0.01, B=7.0), 0.0),
    (CyclicUpdate(RandomScheduler(0.5), value_list=[1.0, 2.0, 3.0]), 0.0),
]


def same(a, b):
    return np.array_equal(np.asarray(a), np.asarray(b)) and np.asarray(a).dtype == np.asarray(b).dtype


@pytest.mark.parametrize("fn, initial", LONG_UPDATES, ids=lambda x: type(x).__name__)
def test_long_runs_are_bit_identical_under_random_access(fn, initial):
    n = (CACHED_BLOCKS + 3) * CHECKPOINT_EVERY + 37  # more blocks than are kept
    values, fired = reference_values(fn, initial, n, 5, "w")
    p = Parameter("w", initial, update=fn, seed=5)
    rng = np.random.default_rng(0)
    ks = np.concatenate([rng.integers(0, n, 100), np.arange(n - 1, -1, -1)[:: 11], rng.integers(0, n, 100)])
    for k in ks:
        k = int(k)
        assert same(p.set_update_step(k), values[k]), k
    for k in range(n):  # every step, in order, after the blocks were evicted and replayed
        assert same(p[k], values[k]), k
    p.set_update_step(int(ks[0]))
    assert p.change_log(n - 1)["fired"].tolist() == fired[1:]


def test_an_update_function_parameter_keeps_a_bounded_number_of_values():
    import tracemalloc
    p = Parameter("w", 0.0, update=RandomWalk(ContinuousScheduler(), sigma=0.1), seed=1)
    n = 20_000
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        p.set_update_step(n)
        per_step = (tracemalloc.get_traced_memory()[0] - before) / n
    finally:
        tracemalloc.stop()
    assert per_step < 10, f"{per_step:.1f} B per step kept"  # each value kept costs >= 32 B


def test_edits_scrubbing_and_round_trips_over_a_long_run_are_exact():
    n, first_edit, second_edit = 9 * CHECKPOINT_EVERY, 3 * CHECKPOINT_EVERY + 5, 6 * CHECKPOINT_EVERY + 100
    walk = RandomWalk(RandomScheduler(0.5), sigma=0.3)
    ou = OrnsteinUhlenbeck(ContinuousScheduler(), theta=0.2, mu=-1.0, sigma=0.1)
    store = ParameterStore({"w": {"value": 0.0, "update": walk}}, seed=3)
    expected, _ = reference_values(walk, 0.0, n, 3, "w")
    store.set_update_step(first_edit)
    store.edit("w", {"value": 2.0, "update": ou})
    expected[first_edit:] = reference_values(ou, 2.0, n - first_edit, 3, "w", t0=first_edit)[0]
    store.set_update_step(second_edit)
    store.edit("w", {"schedule": [5.0, 6.0]})
    expected[second_edit:] = [5.0] + [6.0] * (n - second_edit - 1)
    rng = np.random.default_rng(1)
    for k in [*rng.integers(0, n, 400), n - 1, 0, second_edit - 1, first_edit - 1, first_edit]:
        assert store.set_update_step(int(k))["w"] == expected[k], k
    edited = store["w"]
    rebuilt = Parameter("w", seed=3, **edited.definition())
    for copy_ in (rebuilt, copy.deepcopy(edited), pickle.loads(pickle.dumps(edited))):
        assert copy_.timeline(n - 1) == expected
    assert edited.timeline(n - 1) == expected


def test_threads_reading_old_steps_of_one_parameter_get_its_values():
    """A dashboard preview reads every step while the run reads the current one: replays must not mix."""
    import sys
    import threading
    fn = RandomWalk(ContinuousScheduler(), sigma=1.0)
    n = (CACHED_BLOCKS + 4) * CHECKPOINT_EVERY
    expected, _ = reference_values(fn, 0.0, n, 2, "w")
    p = Parameter("w", 0.0, update=fn, seed=2)
    p[n - 1]
    wrong = []

    def read(seed):
        rng = np.random.default_rng(seed)
        for k in rng.integers(0, n, 150):
            if p[int(k)] != expected[k]:
                wrong.append(int(k))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, inside replays
    try:
        threads = [threading.Thread(target=read, args=(seed,)) for seed in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not wrong
    copied = copy.deepcopy(p)
    assert copied.timeline(n - 1) == expected
