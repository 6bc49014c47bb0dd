"""The monitoring loop: evaluate → aggregate → detect → adapt, with a tidy history.

For each stream batch the model is evaluated (``evaluate(X, y) -> {metric: value}``). Every
``interval`` batches the chosen metric of those batches is aggregated (mean | median | last) and
fed to every detector: that is a *check*. When the ``trigger`` detector alarms (or, in the periodic
arm, every ``period`` checks) the loop pauses and calls ``adapt(monitor)`` (a retraining episode;
after an alarm, ``adapt_delay`` batches later, so that the episode has batches of the new regime
to train on: the record's ``alarm_batch`` says which alarm it answers), then resets the detectors
— the adapted model is a new regime of the metric — and resumes (an ``adapt`` that declines,
returning ``{"skipped": why}``, changes nothing but the record). The stream's update step
advances every ``batches_per_step`` batches.

Episodes are placed by batch, never by the clock, so the same scenario gives the same history
at any speed. An ``adapt`` that trains in the background (it returns ``{"background": True}``)
started after batch ``b`` swaps in after batch ``b + batches_per_step - 1``: the loop calls
``join()`` there (waiting for the episode if it is still training), and that row is the one
marked ``adapted`` (detectors reset; the record's ``swap_batch`` is the first batch the new
model sees). A run that ends first swaps it in after its last batch (:meth:`Monitor.settle`).
An alarm, or a periodic episode, that comes while an episode is due (``adapt_delay``) or still
training starts none: its row says ``skipped`` (shown on the dashboard's plot), and nothing
else changes.

Arms (``adaptation``): ``"drift"`` adapts on alarms; ``"detect_only"`` detects but never adapts;
``"periodic"`` adapts every ``period`` checks whatever the detectors say; ``"never"`` neither
detects nor adapts (the no-maintenance baseline).

Prefetch (``prefetch=True``, the default): while the model evaluates batch ``i``, a worker thread
draws batch ``i + 1`` when it belongs to the same update step (:meth:`SamplingTree.batch_at`), and
the loop waits for that draw before anything else touches the tree (collector, detectors, adapt,
the step's update), so the worker never runs outside :meth:`Monitor.step` and edits made between
batches are safe. The drawn-ahead batch is used only if, when its turn comes, the stream is at the
position it was drawn for (step, draw index) with the same parameter objects (an edit replaces
one); otherwise it is dropped and the batch drawn afresh. A draw being a function of seed, step,
index and parameters, history, alarms and episodes are bit-identical with and without prefetch.
A draw that fails ahead is drawn again in turn, so its error is raised at the same batch.

The Monitor is the only place that calls stream, model, detectors and trainer together; it
announces what happens through events (``batch``, ``alarm``, ``adapt_start``, ``adapt_end``) so
that a dashboard can follow without the monitor knowing about it.
"""
from __future__ import annotations

import bisect
import copy
import itertools
import math
import operator
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import param

from .config import Config, did_you_mean
from .distributions import measure_change
from .errors import ConfigError

AGGREGATES: dict[str, Callable[[list[float]], float]] = {
    "mean": lambda values: float(np.mean(values)),
    "median": lambda values: float(np.median(values)),
    "last": lambda values: float(values[-1]),
}
ADAPTATIONS = ("drift", "detect_only", "periodic", "never")
EVENTS = ("batch", "alarm", "adapt_start", "adapt_end")
REPORT_COLUMNS = ["detector", "step", "batch", "detected", "alarm_batch", "delay_batches", "false_alarms"]


class MonitorSettings(Config):
    """Settings of the monitoring loop, the one place their bounds are declared: the :class:`Monitor`
    checks its arguments with it, and so does a scenario's ``monitor`` section (which adds ``max_steps``
    and ``pretrain_samples``).

    >>> settings = MonitorSettings(batch_size=64, adaptation="periodic", period=5)
    >>> settings
    MonitorSettings(batch_size=64, adaptation='periodic', period=5)
    >>> settings.interval, settings.aggregate, settings.max_steps
    (1, 'mean', 16)
    """

    metric = param.String("accuracy", doc="the metric fed to the detectors")
    batch_size = param.Integer(256, bounds=(1, 1_000_000), doc="samples per stream batch")
    interval = param.Integer(1, bounds=(1, 1_000_000), doc="batches aggregated into one detector input")
    aggregate: param.Selector[str] = param.Selector(default="mean", objects=list(AGGREGATES))
    batches_per_step = param.Integer(10, bounds=(1, 1_000_000), doc="batches per update step of the stream")
    adaptation: param.Selector[str] = param.Selector(default="drift", objects=list(ADAPTATIONS))
    period = param.Integer(10, bounds=(1, 1_000_000), doc="checks between episodes of the periodic arm")
    trigger = param.String(None, allow_None=True, doc="detector whose alarms trigger adaptation (default: first)")
    max_steps = param.Integer(16, bounds=(1, 100_000), doc="the run ends when the stream reaches this step")
    pretrain_samples = param.Integer(2048, bounds=(0, 1_000_000), doc="samples of step 0 trained on before the run")
    adapt_delay = param.Integer(0, bounds=(0, 1_000_000), doc="batches collected after an alarm before retraining")
    prefetch = param.Boolean(True, doc="draw the next batch on a worker thread while the model evaluates")


def check_wiring(settings: MonitorSettings, detectors: list[str], adapts: bool, monitored: bool = True) -> None:
    """The rules between the settings and the parts: the trigger names a detector; adapting needs an
    ``adapt`` (a trainer), detecting needs a detector (checked only where a monitor will run). Reads
    ``settings._v``, so :meth:`MonitorSettings.checked` settings do."""
    if settings._v.trigger is not None and settings._v.trigger not in detectors:
        raise ConfigError("monitor.trigger", f"expected one of the detectors {sorted(detectors)}, got "
                          f"{settings._v.trigger!r}" + did_you_mean(settings._v.trigger, sorted(detectors)))
    if not monitored:
        return
    if settings._v.adaptation in ("drift", "periodic") and not adapts:
        raise ConfigError("monitor.adapt", f"adaptation={settings._v.adaptation!r} needs an adapt callable "
                          "(a scenario's trainer)")
    if settings._v.adaptation in ("drift", "detect_only") and not detectors:
        raise ConfigError("monitor.detectors", f"adaptation={settings._v.adaptation!r} needs at least one detector")


class Monitor:
    """Runs a model on a drifting stream, detects drift on a metric, and adapts on alarms.

    >>> from driftlab.detectors import PageHinkley
    >>> from driftlab.tree import SamplingTree
    >>> def level(x, mean, rng):
    ...     return rng.normal(mean, 0.1, 1)
    >>> tree = SamplingTree([level, "ok"], params={"level": {"mean": {"schedule": [0.0, 0.0, 1.0]}}}, rng=0)
    >>> def evaluate(X, y):  # a fixed model, right while the level stays below 0.5
    ...     return {"accuracy": float((X[:, 0] < 0.5).mean())}
    >>> monitor = Monitor(tree, evaluate, {"ph": PageHinkley(min_instances=3, threshold=0.5, mode="down")},
    ...                   batch_size=16, batches_per_step=3, adaptation="detect_only")
    >>> history = monitor.run(max_steps=4)
    >>> len(history), monitor.change_points(), history.loc[history["alarm"], "batch"].tolist()
    (12, [2], [6])
    """

    def __init__(self, tree, evaluate: Callable[[Any, Any], Mapping[str, float]], detectors=None, *,
                 metric: str = "accuracy", batch_size: int = 256, interval: int = 1, aggregate: str = "mean",
                 batches_per_step: int = 10, adapt: Callable[[Monitor], Any] | None = None,
                 adaptation: str = "drift", period: int = 10, trigger: str | None = None, collector=None,
                 adapt_delay: int = 0, prefetch: bool = True, join: Callable[[], Any] | None = None):
        self.detectors = _named_detectors(detectors)
        try:
            settings = MonitorSettings(metric=metric, batch_size=batch_size, interval=interval, aggregate=aggregate,
                                       batches_per_step=batches_per_step, adaptation=adaptation, period=period,
                                       trigger=trigger, adapt_delay=adapt_delay, prefetch=bool(prefetch))
        except ConfigError as err:
            raise ConfigError("monitor" + err.path[len("MonitorSettings"):], err.problem) from None
        check_wiring(settings, list(self.detectors), adapts=adapt is not None)
        self.adaptation, self.aggregate = adaptation, aggregate
        self.tree, self.evaluate, self.adapt, self.collector = tree, evaluate, adapt, collector
        self.join = join  # waits for a background adaptation and swaps it in (a trainer's join)
        self.metric, self.batch_size, self.interval = metric, int(batch_size), int(interval)
        self.batches_per_step, self.period, self.adapt_delay = int(batches_per_step), int(period), int(adapt_delay)
        self.trigger = trigger or next(iter(self.detectors), None)
        self.batch_index = 0
        self.episodes: list[dict[str, Any]] = []
        self._rows = _Columns()
        self._last_row: dict[str, Any] | None = None  # the dict of the last row (listeners hold it too)
        self._pending: list[float] = []
        self._checks = 0
        self._due: tuple[int, int] | None = None  # (batch to adapt at, batch of the alarm) after an alarm
        self._swap: tuple[int, dict[str, Any], float] | None = None  # (swap batch, record, start) of a background one
        self._due_row: tuple[int, dict[str, Any]] | None = None  # (index, row) of the alarm a due episode answers
        self._listeners: dict[str, list[Callable]] = {event: [] for event in EVENTS}
        self._stop = threading.Event()
        self.prefetch = bool(prefetch)
        self.prefetched = 0  # batches taken from a draw made ahead
        self._worker: ThreadPoolExecutor | None = None
        self._ahead: tuple[tuple, Future] | None = None  # (what the draw depends on, the draw)
        self._reports: dict[float, _Report] = {}  # detection reports kept up to date, by min_delta
        self._changes: dict[float, tuple[tuple, list[bool]]] = {}  # by min_delta: (stream key, step k changed?)

    # -- events -----------------------------------------------------------------------------

    def on(self, event: str, callback: Callable[[dict], Any]) -> None:
        """Call ``callback(payload)`` on ``event`` (one of ``EVENTS``)."""
        self._listeners[_choice(event, EVENTS, "event")].append(callback)

    def _emit(self, event: str, payload: dict) -> None:
        for callback in self._listeners[event]:
            callback(payload)

    # -- the loop ---------------------------------------------------------------------------

    def run(self, max_batches: int | None = None, max_steps: int | None = None) -> pd.DataFrame:
        """Process batches until ``max_batches`` more are done, the stream reaches step ``max_steps``,
        or :meth:`stop` is called; returns the history. Calling it again resumes."""
        if max_batches is None and max_steps is None:
            raise ConfigError("run", "give max_batches or max_steps, or the loop never ends")
        self._stop.clear()
        done = 0
        while not self._stop.is_set():
            if max_batches is not None and done >= max_batches:
                break
            if max_steps is not None and self.tree.update_step >= max_steps:
                break
            self.step()
            done += 1
        return self.history

    def stop(self) -> None:
        """Ask a running :meth:`run` to return after the batch in progress (thread-safe)."""
        self._stop.set()

    def step(self) -> dict[str, Any]:
        """Process one batch: evaluate, maybe check the detectors and adapt, maybe advance the stream."""
        X, y = self._next_batch()
        if self.prefetch and (self.batch_index + 1) % self.batches_per_step:  # the next batch is of this step
            self._draw_ahead()
        try:
            metrics = dict(self.evaluate(X, y))
        finally:
            if self._ahead is not None:  # the worker is idle whenever the tree can be touched
                self._ahead[1].exception()
        if self.metric not in metrics:
            raise ConfigError("monitor.metric", f"evaluate returned no {self.metric!r}; it returned {sorted(metrics)}")
        if self.collector is not None:
            self.collector.collect_batch({"x": X, "y": y})
        row: dict[str, Any] = {"batch": self.batch_index, "step": self.tree.update_step, **metrics,
                               "check": -1, "value": np.nan, "alarm": False, "adapted": False, "skipped": False}
        self._pending.append(float(metrics[self.metric]))
        if len(self._pending) == self.interval:
            self._check(row)
        if self._due is not None and self._due[0] == self.batch_index:
            alarm_batch, self._due, self._due_row = self._due[1], None, None
            self._adapt(row, "drift", alarm_batch=alarm_batch)
        if self._swap is not None and self._swap[0] == self.batch_index + 1:
            self._swap_in(row, self.batch_index + 1)
        self._rows.append(row)
        self._last_row = row
        self._emit("batch", row)
        self.batch_index += 1
        if self.batch_index % self.batches_per_step == 0:
            self.tree.update()
        return row

    def _stream_key(self) -> tuple:
        """What the next draw depends on: the stream's position, the batch size, the parameter objects."""
        store = self.tree.params
        return self.tree.position, self.batch_size, store, tuple(store[name] for name in store)

    def _draw_ahead(self) -> None:
        key = self._stream_key()
        if self._worker is None:
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="driftlab-prefetch")
        self._ahead = (key, self._worker.submit(self.tree.batch_at, self.batch_size, key[0][1]))

    def _next_batch(self) -> tuple[Any, Any]:
        """The drawn-ahead batch if it is still the stream's next one (see the module doc), else a fresh draw."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[1].exception() is None:
            (position, size, store, params), current = ahead[0], self._stream_key()
            same_params = len(params) == len(current[3]) and all(map(operator.is_, params, current[3]))
            if position == current[0] and size == current[1] and store is current[2] and same_params:
                self.tree.skip()
                self.prefetched += 1
                return ahead[1].result()
        return self.tree.batch(self.batch_size)

    def _check(self, row: dict[str, Any]) -> None:
        value = AGGREGATES[self.aggregate](self._pending)
        self._pending.clear()
        row["check"], row["value"] = self._checks, value
        self._checks += 1
        if self.adaptation != "never":
            alarmed = []
            for name, detector in self.detectors.items():
                detector.update(value)
                row[f"{name}.statistic"] = float(detector.statistic)
                row[f"{name}.alarm"] = bool(detector.drift_detected)
                if detector.drift_detected:
                    alarmed.append(name)
            row["alarm"] = self.trigger in alarmed
            if alarmed:
                self._emit("alarm", {**row, "detectors": alarmed})
        busy = self._due is not None or self._swap is not None
        if self.adaptation == "drift" and row["alarm"]:
            if busy:
                row["skipped"] = True
            else:
                self._due = (self.batch_index + self.adapt_delay, row["batch"])  # now, or after the delay
                self._due_row = (len(self._rows), row)
        elif self.adaptation == "periodic" and row["check"] % self.period == self.period - 1:
            if busy:
                row["skipped"] = True
            else:
                self._adapt(row, "periodic")

    def adapt_now(self, reason: str = "manual") -> dict[str, Any]:
        """Run an adaptation episode now (a manual trigger) and return its record."""
        if self.adapt is None:
            raise ConfigError("monitor.adapt", "no adapt callable was given")
        row = self._last_row if self._last_row is not None else {"batch": self.batch_index,
                                                                 "step": self.tree.update_step}
        episode = self._adapt(row, reason)
        if self._swap is not None and self._swap[1] is episode:  # asked for now: it swaps in now
            self._swap_in(row, self.batch_index)
        if self._last_row is not None:  # the stored row follows its dict
            for key in ("adapted", "skipped"):
                if row.get(key):
                    self._rows.set_last(key, True)
        return episode

    def settle(self) -> dict[str, Any] | None:
        """End the run: swap in a background episode still training (wait for it, mark the last row
        ``adapted``; returns its record, else None), and mark ``skipped`` an alarm whose episode was
        due after the last batch."""
        if self._due is not None and self._due_row is not None:
            index, row = self._due_row
            row["skipped"] = True
            self._rows.set(index, "skipped", True)
            self._due = self._due_row = None
        if self._swap is None:
            return None
        episode = self._swap[1]
        row = self._last_row if self._last_row is not None else {}
        self._swap_in(row, self.batch_index)
        if self._last_row is not None:
            self._rows.set_last("adapted", True)
        return episode

    def _adapt(self, row: dict[str, Any], reason: str, **record: Any) -> dict[str, Any]:
        episode = {"episode": len(self.episodes), "batch": row["batch"], "step": row["step"], "reason": reason,
                   **record}
        self._emit("adapt_start", episode)
        start = time.perf_counter()
        assert self.adapt is not None  # __init__ requires it for drift and periodic, adapt_now checks
        result = self.adapt(self)
        episode["seconds"] = time.perf_counter() - start
        if isinstance(result, Mapping):
            episode.update(result)
        self.episodes.append(episode)
        if "skipped" in episode:
            row["skipped"] = True
        elif episode.get("background"):  # the new model comes later, at a fixed batch (see the module doc)
            if self.join is None:
                raise ConfigError("monitor.join", "adapt trained in the background: give join= (a trainer's "
                                  "join), so that the new model swaps in at a fixed batch")
            episode["swap_batch"] = row["batch"] + self.batches_per_step
            self._swap = (episode["swap_batch"], episode, start)
            return episode
        else:
            self._reset_detectors(row)
        self._emit("adapt_end", episode)
        return episode

    def _swap_in(self, row: dict[str, Any], first_batch: int) -> None:
        """A background episode's end, after ``row`` (``first_batch``: the first the new model sees):
        wait for it, take its record, reset the detectors."""
        assert self._swap is not None and self.join is not None  # _adapt set both
        _, episode, start = self._swap
        self._swap = None
        result = self.join()
        episode["seconds"] = time.perf_counter() - start
        if isinstance(result, Mapping):
            episode.update({key: value for key, value in result.items() if key not in episode})
        episode["swap_batch"] = first_batch
        self._reset_detectors(row)
        self._emit("adapt_end", episode)

    def _reset_detectors(self, row: dict[str, Any]) -> None:
        """A new model: the detectors start over on its metric, after ``row``."""
        for detector in self.detectors.values():
            detector.reset()
        row["adapted"] = True

    # -- state ------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The loop's state as plain data: counters, the values of a pending check, a pending
        adaptation, the history rows and the episode records.

        The detectors' state is not stored: :meth:`load_state_dict` rebuilds it from the history,
        whose checks hold every value the detectors were fed (detectors are deterministic given
        their settings and seeds). A background episode still to swap in is an error: :meth:`settle` first.
        """
        if self._swap is not None:
            raise ConfigError("monitor", f"a background episode swaps in at batch {self._swap[0]}: settle() first")
        return {"batch_index": self.batch_index, "checks": self._checks, "pending": list(self._pending),
                "due": None if self._due is None else list(self._due),
                "rows": _plain(self._rows.rows(), "monitor.rows"),
                "episodes": _plain(self.episodes, "monitor.episodes")}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict`. The detectors start over and are fed the history's checks
        again, reset after each adaptation, as during the run; on error nothing changes."""
        expected = {"batch_index", "checks", "pending", "due", "rows", "episodes"}
        if not isinstance(state, Mapping) or set(state) != expected:
            raise ConfigError("monitor state", f"expected a mapping with keys {sorted(expected)}")
        rows = state["rows"]
        if not isinstance(rows, list) or not all(isinstance(row, Mapping) and "check" in row for row in rows):
            raise ConfigError("monitor state.rows", "expected a list of history rows")
        self._replay({name: copy.deepcopy(detector) for name, detector in self.detectors.items()}, rows)  # a trial
        self._replay(self.detectors, rows)
        self.batch_index, self._checks = int(state["batch_index"]), int(state["checks"])
        self._pending = [float(value) for value in state["pending"]]
        due = state["due"]
        self._due = None if due is None else (int(due[0]), int(due[1]))
        self._due_row = None if due is None else next(
            ((i, dict(row)) for i, row in enumerate(rows) if row["batch"] == int(due[1])), None)
        self._rows = _Columns(rows)
        self._last_row = dict(rows[-1]) if rows else None
        self.episodes = [dict(episode) for episode in state["episodes"]]

    def _replay(self, detectors: Mapping[str, Any], rows: list[Mapping[str, Any]]) -> None:
        """Reset ``detectors``, then feed them the checks of ``rows``, resetting them after each
        adaptation, as :meth:`step` did (``update_many`` leaves the state one at a time would)."""
        for detector in detectors.values():
            detector.reset()
        if self.adaptation == "never":
            return
        fed: list[float] = []
        for i, row in enumerate(rows):
            if row["check"] >= 0:
                fed.append(row["value"])
            if row.get("adapted") or i == len(rows) - 1:
                for detector in detectors.values():
                    if fed:
                        detector.update_many(fed)
                    if row.get("adapted"):
                        detector.reset()
                fed = []

    # -- results ----------------------------------------------------------------------------

    @property
    def history(self) -> pd.DataFrame:
        """One row per batch: batch, step, metrics, check, value, ``<detector>.statistic``/``.alarm``,
        alarm, adapted, and ``change_point`` (the first batch of a step whose parameters changed)."""
        frame = self._rows.frame()
        if frame.empty:
            return frame
        changed_steps = set(self.change_points())
        first_of_step = frame["step"].ne(frame["step"].shift())
        frame["change_point"] = first_of_step & frame["step"].isin(changed_steps)
        return frame

    def change_points(self, min_delta: float = 0.0) -> list[int]:
        """Steps the loop has drawn a batch at so far at which a parameter changed by more than
        ``min_delta`` (the stream's step moves on after the last batch: that step was not reached)."""
        last = self._rows.last("step") if len(self._rows) else 0
        if last == 0:
            return []
        # each step is decided once (``run`` returns the history, so this is asked after every run), and
        # decided again only when the parameters are replaced (an edit)
        store = self.tree.params
        key = (store, *(store[name] for name in store))
        known_key, changed = self._changes.get(min_delta, ((), []))
        if len(key) != len(known_key) or not all(map(operator.is_, key, known_key)):
            changed = [False]  # step 0
        for step in range(len(changed), last + 1):
            changed.append(any(_big_change(store[name][step - 1], store[name][step], min_delta) for name in store))
        self._changes[min_delta] = (key, changed)
        return [step for step in range(1, last + 1) if changed[step]]

    def detection_report(self, min_delta: float = 0.0) -> pd.DataFrame:
        """Per detector and segment between true change points: detected or missed, delay, false alarms.

        Segment ``i`` starts at the first batch of change point ``i`` (the first segment, from batch
        0, holds no change: every alarm in it is false). A change is detected by the first alarm in
        its segment; the delay is counted in batches from the segment's first batch; every other
        alarm in the segment is a false alarm.

        The report is kept up to date: a call reads only the history rows added since the last one,
        O(new rows + report rows), and always equals :func:`detection_report_of` of the whole
        history. It starts over when the rows are replaced (:meth:`load_state_dict`) or a
        parameter of the stream is (an edit), as either can move the change points.
        """
        key = float(min_delta)
        report = self._reports.get(key)
        if report is None:
            report = self._reports[key] = _Report(list(self.detectors), key)
        return report.frame(self._rows, self.tree.params, self.trigger)


def detection_report_of(history: pd.DataFrame, change_points: Iterable[int], detectors: Iterable[str],
                        trigger: str | None) -> pd.DataFrame:
    """The detection report of a whole history (the rule :meth:`Monitor.detection_report` keeps up to date).

    ``change_points`` are the steps at which the stream changed; a segment starts at the first
    batch of each (a row whose step differs from the previous row's), if that step is at most the
    last row's. Empty when the history is, or the ``trigger`` detector has no alarm column yet.

    >>> history = pd.DataFrame({"batch": [0, 1, 2, 3], "step": [0, 0, 1, 1],
    ...                         "d.alarm": [True, np.nan, np.nan, True]})
    >>> detection_report_of(history, [1], ["d"], "d")[["step", "detected", "delay_batches", "false_alarms"]]
       step detected  delay_batches  false_alarms
    0     0      NaN            NaN             1
    1     1     True            1.0             0
    """
    detectors = list(detectors)
    if history.empty or not detectors or f"{trigger}.alarm" not in history:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    last = int(history["step"].iloc[-1])
    steps = {step for step in change_points if step <= last}
    starts = history.loc[history["step"].ne(history["step"].shift()) & history["step"].isin(steps),
                         ["step", "batch"]]
    bounds = [(0, 0, False)] + [(int(s), int(b), True) for s, b in starts.itertuples(index=False)]
    rows = []
    for name in detectors:
        alarms = history.loc[history[f"{name}.alarm"].fillna(False).astype(bool), "batch"].to_numpy()
        for i, (step, first, is_change) in enumerate(bounds):
            end = bounds[i + 1][1] if i + 1 < len(bounds) else np.inf
            inside = alarms[(alarms >= first) & (alarms < end)]
            rows.append(_report_row(name, step, first, is_change, int(inside[0]) if inside.size else None,
                                    int(inside.size)))
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def _report_row(detector: str, step: int, first: int, is_change: bool, first_alarm: int | None,
                alarms: int) -> dict[str, Any]:
    """One row of the report: a segment from batch ``first`` with ``alarms`` alarms, the first at ``first_alarm``."""
    detected = is_change and alarms > 0
    return {"detector": detector, "step": step, "batch": first, "detected": detected if is_change else np.nan,
            "alarm_batch": first_alarm if detected else np.nan,
            "delay_batches": first_alarm - first if detected and first_alarm is not None else np.nan,
            "false_alarms": alarms - detected}


class _Report:
    """The detection report of a growing history, kept up to date row by row.

    Rule: that of :func:`detection_report_of`. Each new row is read once: a row whose step differs
    from the previous row's and is a change point (a parameter changed by more than ``min_delta``
    from the step before, decided once per step) opens a segment; its alarms count in the last
    segment (batches grow row by row). Segments that start at a step past the last row's (the
    stream moved back) are left out by recounting the kept alarm batches, O(segments · log alarms).
    """

    def __init__(self, detectors: list[str], min_delta: float):
        self.detectors, self.min_delta = detectors, min_delta
        self.key: tuple = ()

    def _start(self, key: tuple) -> None:
        self.key, self.seen, self.previous_step = key, 0, None
        self.cached: tuple[int, pd.DataFrame] | None = None  # (last row's step, the report then)
        self.changed: dict[int, bool] = {}  # step -> whether it is a change point
        self.starts: list[tuple[int, int, bool]] = [(0, 0, False)]  # (step, first batch, is a change)
        self.alarms: dict[str, list[int]] = {name: [] for name in self.detectors}
        self.counts = [[0] for _ in self.detectors]  # alarms per segment, by detector
        self.firsts: list[list[int | None]] = [[None] for _ in self.detectors]  # first alarm per segment
        self.max_start = 0

    def frame(self, rows: _Columns, store, trigger: str | None) -> pd.DataFrame:
        key = (rows, store, *(store[name] for name in store))
        if len(key) != len(self.key) or not all(map(operator.is_, key, self.key)):
            self._start(key)
        if self.seen < len(rows):
            self._read(rows, store)
        if not len(rows) or not self.detectors or f"{trigger}.alarm" not in rows.columns:
            return pd.DataFrame(columns=REPORT_COLUMNS)
        last = rows.last("step")
        if self.cached is None or self.cached[0] != last:
            self.cached = (last, pd.DataFrame(self._rows(last), columns=REPORT_COLUMNS))
        return self.cached[1].copy()

    def _read(self, rows: _Columns, store) -> None:
        steps, batches = rows.columns["step"], rows.columns["batch"]
        alarm_columns = [(d, rows.columns.get(f"{name}.alarm")) for d, name in enumerate(self.detectors)]
        for i in range(self.seen, len(rows)):
            step = steps[i]
            if step != self.previous_step and self._is_change(int(step), store):
                self.starts.append((int(step), int(batches[i]), True))
                self.max_start = max(self.max_start, int(step))
                for counts, firsts in zip(self.counts, self.firsts, strict=True):
                    counts.append(0)
                    firsts.append(None)
            self.previous_step = step
            for d, column in alarm_columns:
                if column is not None and _alarmed(column[i]):
                    self.alarms[self.detectors[d]].append(int(batches[i]))
                    self.counts[d][-1] += 1
                    if self.firsts[d][-1] is None:
                        self.firsts[d][-1] = int(batches[i])
        self.seen, self.cached = len(rows), None

    def _is_change(self, step: int, store) -> bool:
        changed = self.changed.get(step)
        if changed is None:
            changed = self.changed[step] = step > 0 and any(
                _big_change(store[name][step - 1], store[name][step], self.min_delta) for name in store)
        return changed

    def _rows(self, last: int) -> list[dict[str, Any]]:
        if self.max_start <= last:  # every segment counts: the counts kept are the report's
            starts, counts, firsts = self.starts, self.counts, self.firsts
        else:
            starts = [start for start in self.starts if start[0] <= last]
            counts, firsts = [], []
            for name in self.detectors:
                alarms = self.alarms[name]
                edges = [bisect.bisect_left(alarms, first) for _, first, _ in starts] + [len(alarms)]
                counts.append([b - a for a, b in itertools.pairwise(edges)])
                firsts.append([alarms[a] if b > a else None for a, b in itertools.pairwise(edges)])
        return [_report_row(name, step, first, is_change, first_alarm, n)
                for d, name in enumerate(self.detectors)
                for (step, first, is_change), n, first_alarm in zip(starts, counts[d], firsts[d], strict=True)]


def _alarmed(cell: Any) -> bool:
    """Whether a history cell of an ``.alarm`` column is an alarm (missing and NaN are not)."""
    return cell is not _MISSING and not (isinstance(cell, float) and math.isnan(cell)) and bool(cell)


def _big_change(before: Any, after: Any, min_delta: float) -> bool:
    changed, delta = measure_change(before, after)
    return bool(changed) and not abs(delta) <= min_delta  # a change of no size (nan) counts


_MISSING = object()  # a cell of a column that its row did not have


class _Columns:
    """The history table, column by column: appending a row is O(its keys) (amortised), and the
    frame is built from the columns when asked, O(rows) once.

    Rule: the columns are those of ``pd.DataFrame(rows)`` in the same order (first appearance); a
    row without a column has NaN there, as in a frame built from the row dicts.

    >>> table = _Columns([{"a": 1, "b": 2.0}, {"a": 2}])
    >>> table.frame().to_dict("list"), table.rows()
    ({'a': [1, 2], 'b': [2.0, nan]}, [{'a': 1, 'b': 2.0}, {'a': 2}])
    """

    def __init__(self, rows: list[Mapping[str, Any]] | None = None) -> None:
        self.columns: dict[str, list[Any]] = {}
        self.sparse: set[str] = set()  # the columns with a missing cell
        self.n = 0
        for row in rows or []:
            self.append(row)

    def __len__(self) -> int:
        return self.n

    def append(self, row: Mapping[str, Any]) -> None:
        columns = self.columns
        for key, value in row.items():
            column = columns.get(key)
            if column is None:
                column = columns[key] = [_MISSING] * self.n
                if self.n:
                    self.sparse.add(key)
            column.append(value)
        self.n += 1
        if len(row) != len(columns):
            for key, column in columns.items():
                if len(column) < self.n:
                    column.append(_MISSING)
                    self.sparse.add(key)

    def last(self, key: str) -> Any:
        return self.columns[key][-1]

    def set_last(self, key: str, value: Any) -> None:
        self.columns[key][-1] = value

    def set(self, index: int, key: str, value: Any) -> None:
        """Set a cell of row ``index`` (a new column is missing in the other rows)."""
        column = self.columns.get(key)
        if column is None:
            column = self.columns[key] = [_MISSING] * self.n
            self.sparse.add(key)
        column[index] = value

    def rows(self) -> list[dict[str, Any]]:
        """The rows as dicts, each with its own keys."""
        names = list(self.columns)
        return [{k: v for k, v in zip(names, values, strict=True) if v is not _MISSING}
                for values in zip(*self.columns.values(), strict=True)] if names else []

    def frame(self) -> pd.DataFrame:
        data = {key: [np.nan if v is _MISSING else v for v in column] if key in self.sparse else column
                for key, column in self.columns.items()}
        return pd.DataFrame(data)


def _named_detectors(detectors) -> dict[str, Any]:
    if detectors is None:
        return {}
    named = dict(detectors) if isinstance(detectors, Mapping) else {type(detectors).__name__: detectors}
    for name, detector in named.items():
        missing = [a for a in ("update", "drift_detected", "statistic", "reset") if not hasattr(detector, a)]
        if missing:
            raise ConfigError(f"monitor.detectors.{name}", f"is not a detector: it lacks {', '.join(missing)}")
    return named


def _choice(value: str, choices, path: str) -> str:
    if value not in choices:
        raise ConfigError(path, f"expected one of {', '.join(map(repr, choices))}, got {value!r}"
                          + did_you_mean(str(value), list(choices)))
    return value


def _plain(value: Any, path: str) -> Any:
    """``value`` as plain Python data (what a weights-only checkpoint can hold); numpy becomes Python."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(key): _plain(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ConfigError(path, f"cannot be stored in a checkpoint: a {type(value).__name__}")
