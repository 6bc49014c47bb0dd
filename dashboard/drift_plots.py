"""DriftPlots: the monitored metric, the detectors' statistics, alarms and true change points, live.

New rows of the monitor's history are streamed into Bokeh ``ColumnDataSource``s
(``stream(..., rollover=WINDOW)``) when the session's ``batch`` changes, which :meth:`Session.sync`
makes happen at most ten times a second. Alarms are triangles on the metric; an alarm (or a
periodic episode) that started no episode, because one was due or training (the monitor's
``skipped`` rows), is a cross over it; true change points (the first batch of a step at which a
parameter changed) are dashed vertical lines; the detection
report (:meth:`driftlab.monitor.Monitor.detection_report`) is redrawn when the step changes or an
alarm comes.

While the user scrubs back (the session's ``scrub``), a band marks the batches of the step shown. A
saved run named by the session's ``compared`` is overlaid: its metric as a dashed line with its
alarms as hollow triangles, and its detectors' statistics (those named as in this run) dashed.
"""
from __future__ import annotations

import html
from collections import defaultdict

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool
from bokeh.models.annotations.labels import Label
from panel.io import unlocked
from panel.viewable import Viewer
from param.parameters import NoNone

from .plotting import Placeholder, new_figure, palette
from .session import Session
from .text import literal

WINDOW = 10_000  # points kept per curve
INPUT_COLOR = "#1a9e8f"  # the detector input: contrast >= 3 on the light and the dark theme (black vanished)
METRIC_COLOR = "#888888"
SKIPPED_COLOR = "#d62728"
SKIPPED_TIP = "started no episode: one was due or training"
COMPARED_COLOR = "#8e44ad"  # a saved run overlaid: apart from the metric's grey and the detectors' palette
EMPTY_HINT = "No batches yet: press Start (or Step) in the sidebar"
# Why a cell of the detection report is empty (shown as "—" with this as its tooltip)
WHY_EMPTY = {"first": "The run's first segment holds no true change: there is nothing to detect.",
             "missed": "The change was missed: no alarm in this segment, so no alarm batch and no delay."}


class DriftPlots(Viewer):
    """Live plots of the metric and the detector statistics, and the detection report."""

    session = param.ClassSelector(class_=Session, constant=True, allow_None=NoNone)

    def __init__(self, session: Session, **params):
        super().__init__(session=session, **params)
        self._metric_pane = pn.pane.Bokeh(css_classes=["dl-drift-metric"], sizing_mode="stretch_width")
        self._statistic_pane = pn.pane.Bokeh(css_classes=["dl-drift-statistic"], sizing_mode="stretch_width")
        self._report = pn.pane.DataFrame(index=False, escape=False, css_classes=["dl-detection-report"],
                                         sizing_mode="stretch_width")
        self._note = pn.pane.Markdown(margin=(0, 10))
        self._layout = pn.Column("### Drift", self._note, self._metric_pane, self._statistic_pane,
                                 "**Detection report** (per detector and segment between true changes)", self._report,
                                 sizing_mode="stretch_width")
        session.param.watch(self._new_experiment, "experiment")
        session.param.watch(self._new_revision, "revision")
        session.param.watch(self._stream, "batch")
        session.param.watch(self._update_report, "step")
        session.param.watch(self._stream_skipped, "state")  # the run's end can mark an earlier alarm
        session.param.watch(self._mark_step, "scrub")
        session.param.watch(self._overlay, ["compared", "saved_runs"])
        self._new_experiment()

    def _new_experiment(self, *events) -> None:
        monitor = self.session.experiment.monitor
        self._rows, self._seen, self._last_step = self.session.rows, 0, 0
        self._step_batches: dict[int, tuple[int, int]] = {}  # step -> its first and last batch
        if monitor is None:
            self._note.object = "This scenario has no model, so nothing is monitored."
            self._metric_pane.object = self._statistic_pane.object = self._report.object = None
            return
        self._detectors = list(monitor.detectors)
        self._colors = dict(zip(self._detectors, palette(len(self._detectors)), strict=False))
        self._batches = ColumnDataSource({"batch": [], "metric": []})
        statistics: dict[str, list[float]] = {f"s{i}": [] for i in range(len(self._detectors))}
        self._checks = ColumnDataSource({"batch": [], "value": [], **statistics})
        self._alarms = ColumnDataSource({"batch": [], "metric": [], "detector": [], "color": []})
        self._changes = ColumnDataSource({"batch": []})
        self._skipped = ColumnDataSource({"batch": [], "skipped": []})  # skipped: the metric there
        self._skipped_seen: set[int] = set()
        self._shown = ColumnDataSource({"x0": [], "x1": [], "label": []})  # the scrubbed step's batches
        self._compared = ColumnDataSource({"batch": [], "metric": [], "run": [], **statistics})
        self._compared_alarms = ColumnDataSource({"batch": [], "metric": [], "run": []})
        detectors = ", ".join(map(literal, self._detectors)) or "no detector"
        self._note.object = (f"Metric **{literal(monitor.metric)}**, aggregated ({literal(monitor.aggregate)}) every "
                             f"{monitor.interval} batch(es) and fed to {detectors}.")
        self._metric_pane.object, self._statistic_pane.object = self._figures(monitor.metric)
        self._new_revision()
        self._update_report()
        self._mark_step()
        self._overlay()

    def _figures(self, metric: str):
        metric_fig = new_figure(height=220, title=f"Monitored {metric}", x_axis_label="batch", y_axis_label=metric,
                                tools="xpan,xwheel_zoom,reset", active_scroll="xwheel_zoom")
        line = metric_fig.line("batch", "metric", source=self._batches, color=METRIC_COLOR,
                               legend_label=f"{metric} per batch")
        inputs = metric_fig.scatter("batch", "value", source=self._checks, size=4, color=INPUT_COLOR,
                                    legend_label="detector input")
        alarms = metric_fig.scatter("batch", "metric", source=self._alarms, marker="triangle", size=13, color="color",
                                    line_color=METRIC_COLOR, legend_field="detector")
        skipped = metric_fig.scatter("batch", "skipped", source=self._skipped, marker="x", size=15, line_width=3,
                                     color=SKIPPED_COLOR, legend_label="skipped")
        compared = metric_fig.line("batch", "metric", source=self._compared, color=COMPARED_COLOR, line_dash="dashed",
                                   line_width=2, legend_field="run")
        compared_alarms = metric_fig.scatter("batch", "metric", source=self._compared_alarms, marker="triangle",
                                             size=13, fill_color=None, line_color=COMPARED_COLOR, line_width=2)
        metric_fig.add_tools(
            HoverTool(renderers=[line], tooltips=[("batch", "@batch"), (metric, "@metric{0.000}")], mode="vline"),
            HoverTool(renderers=[compared], tooltips=[("run", "@run"), ("batch", "@batch"),
                                                      (metric, "@metric{0.000}")], mode="vline"),
            HoverTool(renderers=[compared_alarms], tooltips=[("alarm of the run", "@run"), ("batch", "@batch")]),
            HoverTool(renderers=[inputs], tooltips=[("batch", "@batch"), ("detector input", "@value{0.000}")]),
            HoverTool(renderers=[alarms], tooltips=[("alarm", "@detector"), ("batch", "@batch")]),
            HoverTool(renderers=[skipped], tooltips=[("skipped", SKIPPED_TIP), ("batch", "@batch")]))
        statistic_fig = new_figure(height=170, title="Detector statistics", x_axis_label="batch",
                                   x_range=metric_fig.x_range, tools="xpan,xwheel_zoom,reset",
                                   active_scroll="xwheel_zoom")
        for i, name in enumerate(self._detectors):
            curve = statistic_fig.line("batch", f"s{i}", source=self._checks, color=self._colors[name], line_width=2,
                                       legend_label=name)
            statistic_fig.add_tools(HoverTool(renderers=[curve], mode="vline",
                                              tooltips=[("batch", "@batch"), (name, f"@s{i}{{0.000}}")]))
            statistic_fig.line("batch", f"s{i}", source=self._compared, color=self._colors[name], line_width=1.5,
                               line_dash="dashed")
        for fig in (metric_fig, statistic_fig):
            fig.vspan(x="batch", source=self._changes, line_color="crimson", line_dash="dashed", line_width=2,
                      legend_label="true change")
            fig.vstrip(x0="x0", x1="x1", source=self._shown, fill_color="#f2c94c", fill_alpha=0.35, line_color=None,
                       legend_field="label")
            legend = fig.legend[0]
            legend.orientation, legend.label_text_font_size, legend.margin = "horizontal", "8pt", 0
            legend.padding = 2  # type: ignore[assignment]  # bokeh's stub types it as a Property of a Property
            fig.add_layout(legend, "above")  # above the plot, never over the curves
        # finite ranges before the first batch (the statistics: before the first finite statistic)
        self._placeholders = [Placeholder(metric_fig), Placeholder(statistic_fig)]
        self._hints = [Label(x=12, y=12, x_units="screen", y_units="screen", text=EMPTY_HINT, text_color=METRIC_COLOR,
                             text_font_size="12pt") for _ in range(2)]
        metric_fig.add_layout(self._hints[0])
        statistic_fig.add_layout(self._hints[1])
        return metric_fig, statistic_fig

    def _new_revision(self, *events) -> None:
        self._change_steps = set(self.session.change_points())

    def _stream(self, *events) -> None:
        if self.session.experiment.monitor is None or self._rows is not self.session.rows:
            return
        rows = self._rows[self._seen:]
        self._seen += len(rows)
        if not rows:
            return
        metric = self.session.experiment.monitor.metric
        batches, checks, alarms, changes = defaultdict(list), defaultdict(list), defaultdict(list), []
        for row in rows:
            first, _ = self._step_batches.get(row["step"], (row["batch"], row["batch"]))
            self._step_batches[row["step"]] = (first, row["batch"])
            batches["batch"].append(row["batch"])
            batches["metric"].append(row[metric])
            if row["step"] != self._last_step and row["step"] in self._change_steps:
                changes.append(row["batch"])
            self._last_step = row["step"]
            if row["check"] < 0:
                continue
            checks["batch"].append(row["batch"])
            checks["value"].append(row["value"])
            for i, name in enumerate(self._detectors):
                checks[f"s{i}"].append(row.get(f"{name}.statistic", np.nan))
                if row.get(f"{name}.alarm"):
                    for key, value in [("batch", row["batch"]), ("metric", row[metric]), ("detector", name),
                                       ("color", self._colors[name])]:
                        alarms[key].append(value)
        with unlocked():
            for hint in self._hints:
                hint.visible = False
            self._placeholders[0].show(False)
            if any(np.isfinite(checks.get(f"s{i}", [])).any() for i in range(len(self._detectors))):
                self._placeholders[1].show(False)
            for source, new in [(self._batches, batches), (self._checks, checks), (self._alarms, alarms),
                                (self._changes, {"batch": changes} if changes else {})]:
                if new:
                    source.stream(dict(new), rollover=WINDOW)
        self._stream_skipped(rows=rows)
        if alarms:
            self._update_report()
        if self.session.scrub is not None and self._marked != self.session.scrub:
            self._mark_step()  # the step shown has its first batches only now

    def _mark_step(self, *events) -> None:
        """Shade the batches of the scrubbed step (nothing while following the run)."""
        if self.session.experiment.monitor is None:
            return
        k = self.session.scrub
        batches = self._step_batches.get(k) if k is not None else None
        self._marked = k if batches is not None else None
        band = (batches[0] - 0.5, batches[1] + 0.5) if batches is not None else None
        with unlocked():
            self._shown.data = {"x0": [band[0]] if band else [], "x1": [band[1]] if band else [],
                                "label": [f"step {k}"] if band else []}

    def _overlay(self, *events) -> None:
        """Draw the saved run named by ``compared`` over this run (nothing when none is named)."""
        if self.session.experiment.monitor is None:
            return
        saved = self.session.saved_runs.get(self.session.compared)
        line: dict = {"batch": [], "metric": [], "run": [], **{f"s{i}": [] for i in range(len(self._detectors))}}
        alarms: dict = {"batch": [], "metric": [], "run": []}
        if saved is not None and saved.metric in saved.history:
            history = saved.history
            line.update(batch=history["batch"].tolist(), metric=history[saved.metric].tolist(),
                        run=[saved.name] * len(history))
            for i, name in enumerate(self._detectors):
                column = f"{name}.statistic"
                line[f"s{i}"] = history[column].tolist() if column in history else [np.nan] * len(history)
            hits = saved.alarms()
            alarms.update(batch=hits["batch"].tolist(), metric=hits[saved.metric].tolist(),
                          run=[saved.name] * len(hits))
        with unlocked():
            self._compared.data, self._compared_alarms.data = line, alarms

    def _stream_skipped(self, *events, rows=None) -> None:
        """Cross the rows marked ``skipped`` not crossed yet (all rows when the run has ended)."""
        if self.session.experiment.monitor is None or self._rows is not self.session.rows:
            return
        metric = self.session.experiment.monitor.metric
        new = [row for row in (self._rows[:self._seen] if rows is None else rows)
               if row.get("skipped") and row["batch"] not in self._skipped_seen]
        if new:
            self._skipped_seen.update(row["batch"] for row in new)
            with unlocked():
                self._skipped.stream({"batch": [row["batch"] for row in new], "skipped": [row[metric] for row in new]},
                                     rollover=WINDOW)

    def _update_report(self, *events) -> None:
        monitor = self.session.experiment.monitor
        if monitor is None:
            return
        with self.session.lock:
            report = monitor.detection_report()
        self._report.object = shown(report)

    def __panel__(self):
        return self._layout


def shown(report):
    """The detection report as the page shows it: HTML-escaped text, whole numbers as integers, and
    an empty cell as "—" whose tooltip says why (:data:`WHY_EMPTY`)."""
    cells = report.convert_dtypes().astype(object)  # whole batches as integers
    for i, row in report.iterrows():
        why = html.escape(WHY_EMPTY["first" if row["step"] == 0 and row["batch"] == 0 else "missed"], quote=True)
        for column in report.columns:
            value = row[column]
            cells.at[i, column] = (f'<span title="{why}">—</span>' if value is None or value != value
                                   else html.escape(str(cells.at[i, column])))
    return cells
