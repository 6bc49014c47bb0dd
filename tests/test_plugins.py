"""Plugins: each hook is called when its documented event happens, with the run's own records."""
from __future__ import annotations

from pathlib import Path

from driftlab.plugins import Plugin, attach
from driftlab.scenario import load_scenario

TINY = Path(__file__).parent / "scenarios" / "sweep_tiny.yaml"


class Recorder(Plugin):
    def __init__(self):
        self.calls = []

    def on_alarm(self, monitor, row):
        self.calls.append(("on_alarm", row["batch"], tuple(row["detectors"])))

    def before_episode(self, monitor, episode):
        self.calls.append(("before_episode", episode["batch"], "loss" in episode))

    def after_episode(self, monitor, episode):
        self.calls.append(("after_episode", episode["batch"], episode["loss"]))

    def after_check(self, monitor, row):
        self.calls.append(("after_check", row["batch"], row["value"]))

    def after_batch(self, monitor, row):
        self.calls.append(("after_batch", row["batch"], row["step"]))


def test_hooks_follow_the_run():
    experiment = load_scenario(TINY, overrides=["monitor.adaptation=drift", "monitor.max_steps=6",
                                                "monitor.period=1"]).build()
    recorder = attach(experiment.monitor, Recorder())
    history = experiment.run()
    calls = recorder.calls
    assert [c[1:] for c in calls if c[0] == "after_batch"] == list(zip(history["batch"], history["step"],
                                                                       strict=True))
    checks = history[history["check"] >= 0]
    assert [c[1:] for c in calls if c[0] == "after_check"] == list(zip(checks["batch"], checks["value"],
                                                                       strict=True))
    alarms = history.loc[history["ph.alarm"].fillna(False).astype(bool), "batch"].tolist()
    assert [c[1] for c in calls if c[0] == "on_alarm"] == alarms and alarms
    episodes = experiment.monitor.episodes
    assert [c[1:] for c in calls if c[0] == "after_episode"] == [(e["batch"], e["loss"]) for e in episodes]
    assert [c[1:] for c in calls if c[0] == "before_episode"] == [(e["batch"], False) for e in episodes]
    for episode in episodes:  # within a batch: alarm, before, after, check, batch
        order = [c[0] for c in calls if c[1] == episode["batch"]]
        assert order.index("before_episode") < order.index("after_episode") < order.index("after_batch")
