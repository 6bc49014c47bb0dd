"""Where the Monitor places episodes: alarms that start none are marked ``skipped``, never lost."""
import numpy as np
import pytest

from driftlab.detectors import make_detector
from driftlab.errors import ConfigError
from driftlab.library.time_series import background, ramp, step
from driftlab.monitor import Monitor
from driftlab.tree import SamplingTree
from test_monitor import fitted_model


def gradual_monitor(adapt_delay, adapt=lambda monitor: {"samples": 0}, **kwargs):
    """A stream whose offset grows by 0.5 a step from step 3, under a nearest-centroid model fitted
    at step 0, watched by a sensitive Page-Hinkley: alarms come every few batches after step 3."""
    params = {"signal_length": 64, "ramp": {"height": 1.0, "length": 16}, "step": {"length": 16, "kernel_size": 1},
              "background": {"offset": {"schedule": [0.0, 0.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]}, "strength": 0.1}}
    nodes = [background, {"name": "classes", "background": "background", "ramp": [ramp, "ramp"],
                          "step": [step, "step"]}]
    tree = SamplingTree(nodes, params, rng=3)
    model = fitted_model(tree)
    detector = make_detector("PageHinkley", threshold=0.05, min_instances=2, mode="down")
    return Monitor(tree, model.evaluate, {"ph": detector}, batch_size=64, batches_per_step=4, adapt=adapt,
                   adapt_delay=adapt_delay, **kwargs)


def batches(history, column):
    return history.loc[history[column].astype(bool), "batch"].tolist()


def test_an_alarm_while_an_episode_is_due_is_marked_skipped_and_starts_none():
    monitor = gradual_monitor(adapt_delay=6)
    history = monitor.run(max_steps=9)
    answered = [episode["alarm_batch"] for episode in monitor.episodes]
    skipped = batches(history, "skipped")
    assert skipped  # not vacuous
    assert sorted(answered + skipped) == batches(history, "alarm")  # every alarm: an episode, or marked
    for alarm in skipped:  # each came between an alarm and the episode that answers it
        assert any(e["alarm_batch"] < alarm <= e["batch"] for e in monitor.episodes)
    assert len(monitor.episodes) == history["adapted"].sum()
    assert [e["batch"] for e in monitor.episodes] == [a + 6 for a in answered]


def test_an_alarm_whose_episode_is_due_after_the_run_is_marked_skipped_when_it_ends():
    monitor = gradual_monitor(adapt_delay=8)
    monitor.run(max_steps=9)
    alarm = batches(monitor.history, "alarm")[-1]
    assert alarm + 8 > monitor.history["batch"].iloc[-1]  # its episode would start after the last batch
    assert alarm not in batches(monitor.history, "skipped")  # the run may still go on
    assert monitor.settle() is None  # the run's end: no background episode to swap in
    assert alarm in batches(monitor.history, "skipped")
    assert set(batches(monitor.history, "alarm")) == \
        {e["alarm_batch"] for e in monitor.episodes} | set(batches(monitor.history, "skipped"))


def test_a_periodic_episode_while_an_alarms_episode_is_due_is_marked_skipped():
    monitor = gradual_monitor(adapt_delay=0, adaptation="periodic", period=1)
    history = monitor.run(max_batches=6)
    assert history["adapted"].all() and not history["skipped"].any()  # one at every check: none is busy
    monitor = gradual_monitor(adapt_delay=0, adaptation="periodic", period=1,
                              adapt=lambda monitor: {"background": True}, join=lambda: None)
    history = monitor.run(max_batches=12)  # each episode swaps in 4 batches after it starts
    assert batches(history, "adapted") == [3, 7, 11]
    assert batches(history, "skipped") == [1, 2, 3, 5, 6, 7, 9, 10, 11]
    assert [e["batch"] for e in monitor.episodes] == [0, 4, 8]


def test_a_background_adapt_needs_a_join_to_swap_in():
    monitor = gradual_monitor(adapt_delay=0, adapt=lambda monitor: {"background": True})
    with pytest.raises(ConfigError, match=r"monitor\.join: adapt trained in the background"):
        monitor.run(max_steps=9)


def test_a_background_adapt_swaps_in_batches_per_step_later_and_skips_alarms_until_then():
    joined = []
    monitor = gradual_monitor(adapt_delay=0, adapt=lambda monitor: {"background": True},
                              join=lambda: joined.append(monitor.batch_index) or {"train_steps": 1})
    history = monitor.run(max_steps=9)
    episodes = monitor.episodes
    assert episodes and joined == [e["batch"] + 3 for e in episodes]  # in the step of the 4th batch after
    assert [e["swap_batch"] for e in episodes] == [e["batch"] + 4 for e in episodes]
    assert batches(history, "adapted") == [e["batch"] + 3 for e in episodes]
    assert all(e["train_steps"] == 1 for e in episodes)
    for alarm in batches(history, "skipped"):
        assert any(e["batch"] < alarm < e["swap_batch"] for e in episodes)
    assert np.all(history["batch"] == np.arange(len(history)))


def test_a_background_episode_still_to_swap_in_is_settled_before_a_save():
    monitor = gradual_monitor(adapt_delay=0, adaptation="periodic", period=1,
                              adapt=lambda monitor: {"background": True}, join=lambda: {"train_steps": 1})
    monitor.run(max_batches=2)
    with pytest.raises(ConfigError, match=r"swaps in at batch 4: settle\(\) first"):
        monitor.state_dict()
    episode = monitor.settle()
    assert episode is not None and episode["swap_batch"] == 2 and episode["train_steps"] == 1
    assert batches(monitor.history, "adapted") == [1]
    assert monitor.state_dict()["rows"][-1]["adapted"]


def test_a_manual_background_episode_swaps_in_before_the_next_batch():
    monitor = gradual_monitor(adapt_delay=0, adaptation="detect_only", adapt=lambda monitor: {"background": True},
                              join=lambda: {"train_steps": 1})
    first = monitor.adapt_now()  # before any batch: batch 0 is the new model's first
    assert first["swap_batch"] == 0 and first["train_steps"] == 1
    monitor.run(max_batches=3)
    second = monitor.adapt_now()
    assert second["swap_batch"] == 3 and batches(monitor.history, "adapted") == [2]
