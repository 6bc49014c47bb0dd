"""The monitoring loop on a real drifting stream, with a real (nearest-centroid) model."""
import threading

import numpy as np
import pandas as pd
import pytest

from driftlab.buffers import DataUser, SequentialBuffer
from driftlab.detectors import make_detector
from driftlab.errors import ConfigError
from driftlab.library.time_series import background, ramp, step
from driftlab.monitor import Monitor, detection_report_of
from driftlab.parameters import Parameter, ParameterStore
from driftlab.tree import SamplingTree


class NearestCentroid:
    """A small real classifier: predicts the label of the closest class mean."""

    def fit(self, X, y):
        self.labels = np.unique(y)
        self.centroids = np.stack([X[y == label].mean(axis=0) for label in self.labels])
        return self

    def evaluate(self, X, y):
        distances = ((X[:, None, :] - self.centroids[None]) ** 2).sum(-1)
        predicted = self.labels[distances.argmin(1)]
        accuracy = float((predicted == y).mean())
        return {"accuracy": accuracy, "error": 1.0 - accuracy}


def drifting_tree(seed=3):
    """The built-in time-series transforms with one abrupt covariate shift at step 4."""
    params = {"signal_length": 64,
              "background": {"offset": {"value": 0.0, "schedule": [0.0, 0.0, 0.0, 3.0]}, "strength": 0.1},
              "ramp": {"height": 1.0, "length": 16}, "step": {"length": 16, "kernel_size": 1}}
    nodes = [background, {"name": "classes", "background": "background", "ramp": [ramp, "ramp"],
                          "step": [step, "step"]}]
    return SamplingTree(nodes, params, rng=seed)


def fitted_model(tree):
    X, y = tree.batch(2000)
    tree.set_update_step(tree.update_step)  # leave the stream exactly where it was
    return NearestCentroid().fit(X, y)


def make_monitor(adaptation="drift", seed=3, **kwargs):
    tree = drifting_tree(seed)
    model = fitted_model(tree)
    user = DataUser(SequentialBuffer(("x", "y"), max_size=128))

    def refit(monitor):
        user.update()
        data = user.get_data()
        model.fit(data["x"], np.asarray(data["y"]))  # string labels come back as a list
        return {"samples": len(user)}

    settings = dict(metric="accuracy", batch_size=64, interval=2, batches_per_step=5,
                    detectors={"ph": make_detector("PageHinkley", threshold=1.0, min_instances=5, mode="down")},
                    adapt=refit, adaptation=adaptation, collector=user.collector)
    settings.update(kwargs)
    return Monitor(tree, model.evaluate, **settings), model


def test_loop_advances_the_stream_and_aggregates_each_interval():
    monitor, _ = make_monitor(adaptation="never", aggregate="median", interval=3, batches_per_step=4)
    history = monitor.run(max_batches=12)
    assert history["batch"].tolist() == list(range(12))
    assert history["step"].tolist() == [0] * 4 + [1] * 4 + [2] * 4
    checks = history[history["check"] >= 0]
    assert checks["batch"].tolist() == [2, 5, 8, 11]
    for i, row in enumerate(checks.itertuples()):
        assert row.value == np.median(history["accuracy"][3 * i:3 * i + 3])
    assert not any(c.endswith(".alarm") for c in history)  # the never arm runs no detector


def test_drift_arm_detects_the_shift_and_adapts_once_the_model_recovers():
    monitor, _model = make_monitor()
    history = monitor.run(max_steps=8)
    assert history["change_point"].sum() == 1
    change_batch = int(history.loc[history["change_point"], "batch"].iloc[0])
    assert change_batch == 20  # step 4 starts at batch 4 · 5
    assert monitor.episodes and monitor.episodes[0]["batch"] >= change_batch
    assert monitor.episodes[0]["reason"] == "drift" and monitor.episodes[0]["samples"] == 128
    episode = monitor.episodes[-1]["batch"]
    during = history[(history["batch"] >= change_batch) & (history["batch"] <= episode)]
    after = history[history["batch"] > episode]
    # the refitted model works on the new regime again
    assert after["accuracy"].mean() > 0.75 and after["accuracy"].mean() > during["accuracy"].mean() + 0.3


@pytest.mark.parametrize("delay", [0, 4])
def test_adapt_delay_collects_batches_of_the_new_regime_before_the_episode(delay):
    monitor, _ = make_monitor(adapt_delay=delay)
    history = monitor.run(max_steps=8)
    first = monitor.episodes[0]
    alarm = int(history.loc[history["alarm"], "batch"].iloc[0])
    assert first["alarm_batch"] == alarm and first["batch"] == alarm + delay
    assert history.loc[history["adapted"], "batch"].iloc[0] == alarm + delay
    assert history.loc[history["batch"] > first["batch"], "accuracy"].mean() > 0.75


def test_detection_report_scores_against_true_change_points():
    monitor, _ = make_monitor(adaptation="detect_only")
    monitor.run(max_steps=8)
    report = monitor.detection_report()
    assert report["step"].tolist() == [0, 4]
    before, change = report.iloc[0], report.iloc[1]
    assert np.isnan(before["detected"]) and before["false_alarms"] == 0
    assert change["detected"] and 0 <= change["delay_batches"] <= 6
    assert not monitor.episodes


def test_periodic_arm_adapts_every_period_checks():
    monitor, _ = make_monitor(adaptation="periodic", period=3)
    history = monitor.run(max_batches=18)
    assert [e["batch"] for e in monitor.episodes] == [5, 11, 17]  # checks 2, 5, 8 at every 2nd batch
    assert history["adapted"].sum() == 3


def test_events_arrive_in_order():
    monitor, _ = make_monitor()
    seen = []
    for event in ("batch", "alarm", "adapt_start", "adapt_end"):
        monitor.on(event, lambda payload, event=event: seen.append(event))
    monitor.run(max_steps=8)
    assert seen.count("batch") == 40
    first_alarm = seen.index("alarm")
    assert seen[first_alarm + 1:first_alarm + 3] == ["adapt_start", "adapt_end"]


def test_same_seed_same_history():
    a = make_monitor(seed=5)[0].run(max_steps=6)
    b = make_monitor(seed=5)[0].run(max_steps=6)
    pd.testing.assert_frame_equal(a, b)


def test_stop_from_another_thread_and_resume():
    monitor, _ = make_monitor(adaptation="never")
    monitor.on("batch", lambda row: monitor.stop() if row["batch"] == 6 else None)
    worker = threading.Thread(target=monitor.run, kwargs={"max_batches": 1000})
    worker.start()
    worker.join(timeout=60)
    assert len(monitor.history) == 7
    monitor.run(max_batches=3)
    assert monitor.history["batch"].tolist() == list(range(10))


def test_collector_receives_every_batch():
    monitor, _ = make_monitor(adaptation="detect_only")
    monitor.run(max_batches=5)
    assert monitor.collector.collected == 5 * 64


def test_manual_adaptation():
    monitor, _ = make_monitor(adaptation="detect_only")
    monitor.run(max_batches=3)
    episode = monitor.adapt_now()
    assert episode["reason"] == "manual" and episode["batch"] == 2


def test_a_skipped_adaptation_is_recorded_and_leaves_the_detectors_alone():
    """An adapt that declines (a trainer busy with an episode) changes no model: the row is not
    marked adapted and the detectors keep their state."""
    monitor, _ = make_monitor(adapt=lambda monitor: {"skipped": "an episode is already running"})
    monitor.run(max_steps=8)
    skipped = [episode for episode in monitor.episodes if "skipped" in episode]
    assert skipped and len(skipped) == len(monitor.episodes)
    history = monitor.history
    assert not history["adapted"].any() and history["alarm"].sum() == len(skipped)


@pytest.mark.parametrize("kwargs, path", [
    ({"adaptation": "sometimes"}, "monitor.adaptation"),
    ({"aggregate": "mode"}, "monitor.aggregate"),
    ({"interval": 0}, "monitor.interval"),
    ({"batch_size": 2.5}, "monitor.batch_size"),
    ({"adapt": None}, "monitor.adapt"),
    ({"detectors": None}, "monitor.detectors"),
    ({"trigger": "adwin"}, "monitor.trigger"),
    ({"adapt_delay": -1}, "monitor.adapt_delay"),
    ({"detectors": {"bad": object()}}, "monitor.detectors.bad"),
])
def test_bad_settings(kwargs, path):
    with pytest.raises(ConfigError) as err:
        make_monitor(**kwargs)
    assert err.value.path == path


def test_unknown_metric_is_reported():
    monitor, _ = make_monitor(metric="f1")
    with pytest.raises(ConfigError, match="evaluate returned no 'f1'"):
        monitor.step()


def test_builtin_detector_comparison_detects_the_first_true_change():
    from driftlab.library import SCENARIOS
    from driftlab.scenario import dump_scenario, load_scenario

    # up to step 6: the covariate shift at step 4 is enough
    scenario = load_scenario(dump_scenario(SCENARIOS["detector_comparison"]()), overrides=["monitor.max_steps=6"])
    experiment = scenario.build()
    experiment.run()
    report = experiment.monitor.detection_report().set_index(["detector", "step"])
    assert experiment.monitor.change_points() == [4]
    assert report.loc[("page_hinkley", 4), "detected"] and report.loc[("cusum", 4), "detected"]
    assert report.loc[("page_hinkley", 0), "false_alarms"] == 0


def _run_with_edits(prefetch):
    """A run of the small scenario with edits and moves between batches, mid-step."""
    from pathlib import Path

    from driftlab.scenario import load_scenario

    small = Path(__file__).parent / "scenarios" / "small.yaml"
    experiment = load_scenario(small, overrides=["monitor.batches_per_step=4", "monitor.max_steps=6",
                                                 f"monitor.prefetch={str(prefetch).lower()}"]).build(threads=1)
    monitor, tree = experiment.monitor, experiment.tree
    experiment.pretrain()
    monitor.run(max_batches=5)  # mid-step 1: a batch of step 1 is drawn ahead
    tree.params.edit("ramp.height", 3.0)  # from step 1 on: the batch drawn ahead is stale
    monitor.run(max_batches=2)
    tree.params.edit("background.offset", {"schedule": [0.0, 2.0, 0.0, 1.0]})
    monitor.run(max_batches=1)
    tree.set_update_step(1)  # back to step 1's first draw
    monitor.run(max_batches=2)
    tree.seek(tree.update_step, 3)
    history = monitor.run(max_steps=6)
    episodes = [{k: v for k, v in episode.items() if "seconds" not in k} for episode in monitor.episodes]
    return history, episodes, monitor.prefetched


def test_prefetch_gives_the_unprefetched_run_bit_for_bit_through_edits_and_moves():
    plain, plain_episodes, none_ahead = _run_with_edits(prefetch=False)
    ahead, ahead_episodes, used = _run_with_edits(prefetch=True)
    assert none_ahead == 0 and 0 < used < len(ahead)  # draws ahead were used, and stale ones dropped
    pd.testing.assert_frame_equal(plain, ahead, check_exact=True)
    assert plain["alarm"].any() and plain_episodes == ahead_episodes


def test_the_columnar_history_is_the_frame_of_the_row_dicts():
    params = {"background": {"signal_length": 8, "offset": 0.0, "strength": 1.0}}
    tree = SamplingTree([background, {"a": "a", "b": "b"}], params=params, rng=0)
    emitted = []
    monitor = Monitor(tree, lambda X, y: {"accuracy": float(X[0, 0] > 0)}, {"ph": make_detector("PageHinkley")},
                      batch_size=4, interval=3, batches_per_step=2, adapt=lambda m: {}, adaptation="detect_only")
    monitor.on("batch", emitted.append)
    monitor.run(max_batches=7)
    monitor.adapt_now()  # marks the last row adapted, in the table and in the dict listeners hold
    monitor.run(max_batches=2)
    expected = pd.DataFrame(emitted)
    assert "ph.alarm" in expected and expected["ph.alarm"].isna().any()  # rows without a check lack the column
    pd.testing.assert_frame_equal(monitor.history.drop(columns="change_point"), expected, check_exact=True)
    assert monitor.history["adapted"].tolist() == [False] * 6 + [True] + [False] * 2
    restored = Monitor(tree, lambda X, y: {"accuracy": 0.0}, {"ph": make_detector("PageHinkley")},
                       adaptation="detect_only")
    restored.load_state_dict(monitor.state_dict())
    pd.testing.assert_frame_equal(restored.history, monitor.history, check_exact=True)


# -- the detection report, kept up to date -----------------------------------------------------

class CountingParameter(Parameter):
    """A Parameter that counts the values read from it."""

    reads = 0

    def __getitem__(self, k):
        self.reads += 1
        return super().__getitem__(k)


def level(x, mean, rng):
    return rng.normal(mean, 0.3, 1)


def level_monitor(schedule, interval=1, **kwargs):
    """A level that jumps by the schedule, a fixed model that is right while it stays below 0.5, and two
    sensitive detectors: changes are detected, missed and falsely alarmed at."""
    mean = CountingParameter("level.mean", schedule=schedule)
    tree = SamplingTree([level, "ok"], params=ParameterStore([mean]), rng=0)
    detectors = {"down": make_detector("PageHinkley", threshold=0.5, min_instances=5, mode="down"),
                 "up": make_detector("PageHinkley", threshold=0.5, min_instances=5, mode="up")}
    return Monitor(tree, lambda X, y: {"accuracy": float((X[:, 0] < 0.5).mean())}, detectors, batch_size=8,
                   batches_per_step=5, interval=interval, adaptation="detect_only", **kwargs)


def from_scratch(monitor, min_delta=0.0):
    return detection_report_of(monitor.history, monitor.change_points(min_delta), monitor.detectors,
                               monitor.trigger)


def test_the_kept_report_equals_the_report_from_scratch_through_a_long_run_edits_moves_and_a_restore():
    schedule = ([0.0] * 12 + [1.0] * 12 + [1.2] * 12) * 10  # jumps of 1 and of 0.2
    monitor = level_monitor(schedule)
    compared = 0
    for _ in range(30):
        monitor.run(max_batches=19)
        for min_delta in (0.0, 0.5):
            pd.testing.assert_frame_equal(monitor.detection_report(min_delta), from_scratch(monitor, min_delta))
            compared += 1
    report = monitor.detection_report()
    assert report["detected"].eq(True).sum() >= 3 and report["detected"].eq(False).sum() >= 3
    assert report["false_alarms"].sum() >= 3 and len(monitor.detection_report(0.5)) < len(report)
    monitor.tree.params.edit("level.mean", {"schedule": [5.0, 0.0, 0.0, 0.0, 1.0]})  # a new parameter object
    for _ in range(6):
        monitor.run(max_batches=7)
        pd.testing.assert_frame_equal(monitor.detection_report(), from_scratch(monitor))
    monitor.tree.set_update_step(30)  # back: later segments leave the report until the stream returns
    for _ in range(15):
        monitor.run(max_batches=9)
        pd.testing.assert_frame_equal(monitor.detection_report(), from_scratch(monitor))
        compared += 1
    restored = level_monitor(schedule)
    restored.tree = monitor.tree
    restored.load_state_dict(monitor.state_dict())
    pd.testing.assert_frame_equal(restored.detection_report(), monitor.detection_report())
    assert compared == 75


def test_a_report_reads_only_the_steps_added_since_the_last_one():
    monitor = level_monitor(([0.0] * 12 + [1.0] * 12) * 20)
    mean = monitor.tree.params["level.mean"]
    monitor.run(max_batches=1000)
    monitor.detection_report()
    monitor.run(max_batches=5)  # one more step
    before = mean.reads
    monitor.detection_report()
    assert mean.reads - before <= 2  # its value and the step before's, not the whole timeline


def change_points_from_the_change_log(monitor, min_delta=0.0):
    """The rule of ``change_points``, from the store's whole change log."""
    log = monitor.tree.params.change_log(int(monitor.history["step"].iloc[-1]))
    big = log["changed"] & ~(log["delta"].abs() <= min_delta)
    return sorted(int(k) for k in log.loc[big, "step"].unique())


def test_change_points_follow_the_change_log_through_runs_edits_and_moves():
    monitor = level_monitor(([0.0] * 12 + [1.0] * 12 + [1.2] * 12) * 4)
    for size in (19, 7, 60, 1, 33):
        monitor.run(max_batches=size)
        for min_delta in (0.0, 0.5):
            assert monitor.change_points(min_delta) == change_points_from_the_change_log(monitor, min_delta)
    monitor.tree.params.edit("level.mean", {"schedule": [5.0, 0.0, 0.0, 1.0]})  # a new parameter object
    monitor.run(max_batches=40)
    assert monitor.change_points() == change_points_from_the_change_log(monitor)
    assert monitor.change_points() == [12, 24, 25, 27]
    monitor.tree.set_update_step(13)  # back: the steps past the last row's leave
    monitor.run(max_batches=2)
    assert monitor.change_points() == change_points_from_the_change_log(monitor) == [12]


def test_the_history_after_a_run_reads_only_the_steps_added_since_the_last_one():
    monitor = level_monitor(([0.0] * 12 + [1.0] * 12) * 20)
    mean = monitor.tree.params["level.mean"]
    monitor.run(max_batches=1000)  # run returns the history: every step so far is read once
    before = mean.reads
    monitor.run(max_batches=5)  # one more step
    assert mean.reads - before <= 6  # the new step: its draws and one change test, not the whole timeline (400)
