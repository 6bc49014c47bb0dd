"""Plugins: extend a monitored run without editing driftlab, with Avalanche-style hooks.

A :class:`Plugin` overrides the hooks it needs; :func:`attach` subscribes it to a
:class:`~driftlab.monitor.Monitor`'s events. Hooks and when they are called, in this order within
a batch:

- ``on_alarm(monitor, row)``: a check at which some detector alarmed (``row["detectors"]`` names them);
- ``before_episode(monitor, episode)``: a retraining episode is about to run (its record so far:
  ``episode``, ``batch``, ``step``, ``reason``);
- ``after_episode(monitor, episode)``: it ended (the record with the trainer's results: ``loss``,
  ``train_steps``, ``accuracy``, the CL metrics, ``seconds``);
- ``after_check(monitor, row)``: the batch's history row, when the batch ended a check (its
  ``value`` was fed to the detectors; any episode it triggered has run);
- ``after_batch(monitor, row)``: every batch's history row.

>>> from driftlab.library import SCENARIOS
>>> from driftlab.scenario import dump_scenario, load_scenario
>>> class Count(Plugin):
...     def __init__(self):
...         self.checks, self.episodes = 0, []
...     def after_check(self, monitor, row):
...         self.checks += 1
...     def after_episode(self, monitor, episode):
...         self.episodes.append(episode["reason"])
>>> tiny = ["monitor.max_steps=2", "monitor.batch_size=16", "monitor.batches_per_step=2",
...         "monitor.pretrain_samples=0", "monitor.adaptation=periodic", "monitor.period=2",
...         "trainer.max_iter=1"]
>>> experiment = load_scenario(dump_scenario(SCENARIOS["detector_comparison"]()), overrides=tiny).build()
>>> count = attach(experiment.monitor, Count())
>>> history = experiment.run()
>>> count.checks, count.episodes
(4, ['periodic', 'periodic'])
"""
from __future__ import annotations

from typing import Any


class Plugin:
    """Base of plugins: every hook does nothing until overridden (see the module doc).

    >>> Plugin().after_batch(None, {"batch": 0}) is None
    True
    """

    def on_alarm(self, monitor: Any, row: dict[str, Any]) -> None:
        """A check at which some detector alarmed."""

    def before_episode(self, monitor: Any, episode: dict[str, Any]) -> None:
        """A retraining episode is about to run."""

    def after_episode(self, monitor: Any, episode: dict[str, Any]) -> None:
        """A retraining episode ended."""

    def after_check(self, monitor: Any, row: dict[str, Any]) -> None:
        """A batch that ended a check is done."""

    def after_batch(self, monitor: Any, row: dict[str, Any]) -> None:
        """A batch is done."""


def attach(monitor: Any, plugin: Plugin) -> Plugin:
    """Subscribe ``plugin``'s hooks to ``monitor``'s events; returns the plugin."""
    def batch(row: dict[str, Any]) -> None:
        if row["check"] >= 0:
            plugin.after_check(monitor, row)
        plugin.after_batch(monitor, row)

    monitor.on("alarm", lambda row: plugin.on_alarm(monitor, row))
    monitor.on("adapt_start", lambda episode: plugin.before_episode(monitor, episode))
    monitor.on("adapt_end", lambda episode: plugin.after_episode(monitor, episode))
    monitor.on("batch", batch)
    return plugin
