"""DriftPlots: the monitored metric, the detectors' statistics, alarms and true change points, live.

New rows of the monitor's history are streamed into Bokeh ``ColumnDataSource``s
(``stream(..., rollover=WINDOW)``) when the session's ``batch`` changes, which :meth:`Session.sync`
makes happen at most ten times a second. Alarms are triangles on the metric, true change points
(the first batch of a step at which a parameter changed) dashed vertical lines; the detection
report (:meth:`driftlab.monitor.Monitor.detection_report`) is redrawn when the step changes or an
alarm comes.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource
from panel.io import unlocked
from panel.viewable import Viewer
from param.parameters import NoNone

from .plotting import new_figure, palette
from .session import Session
from .text import literal

WINDOW = 10_000  # points kept per curve


class DriftPlots(Viewer):
    """Live plots of the metric and the detector statistics, and the detection report."""

    session = param.ClassSelector(class_=Session, constant=True, allow_None=NoNone)

    def __init__(self, session: Session, **params):
        super().__init__(session=session, **params)
        self._metric_pane = pn.pane.Bokeh(css_classes=["dl-drift-metric"], sizing_mode="stretch_width")
        self._statistic_pane = pn.pane.Bokeh(css_classes=["dl-drift-statistic"], sizing_mode="stretch_width")
        self._report = pn.pane.DataFrame(index=False, css_classes=["dl-detection-report"], sizing_mode="stretch_width")
        self._note = pn.pane.Markdown(margin=(0, 10))
        self._layout = pn.Column("### Drift", self._note, self._metric_pane, self._statistic_pane,
                                 "**Detection report** (per detector and segment between true changes)", self._report,
                                 sizing_mode="stretch_width")
        session.param.watch(self._new_experiment, "experiment")
        session.param.watch(self._new_revision, "revision")
        session.param.watch(self._stream, "batch")
        session.param.watch(self._update_report, "step")
        self._new_experiment()

    def _new_experiment(self, *events) -> None:
        monitor = self.session.experiment.monitor
        self._rows, self._seen, self._last_step = self.session.rows, 0, 0
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
        detectors = ", ".join(map(literal, self._detectors)) or "no detector"
        self._note.object = (f"Metric **{literal(monitor.metric)}**, aggregated ({literal(monitor.aggregate)}) every "
                             f"{monitor.interval} batch(es) and fed to {detectors}.")
        self._metric_pane.object, self._statistic_pane.object = self._figures(monitor.metric)
        self._new_revision()
        self._update_report()

    def _figures(self, metric: str):
        metric_fig = new_figure(height=240, title=f"Monitored {metric}", x_axis_label="batch", y_axis_label=metric)
        metric_fig.line("batch", "metric", source=self._batches, color="#777777", legend_label=f"{metric} per batch")
        metric_fig.scatter("batch", "value", source=self._checks, size=4, color="black", legend_label="detector input")
        metric_fig.scatter("batch", "metric", source=self._alarms, marker="triangle", size=13, color="color",
                           line_color="black", legend_field="detector")
        statistic_fig = new_figure(height=200, title="Detector statistics", x_axis_label="batch",
                                   x_range=metric_fig.x_range)
        for i, name in enumerate(self._detectors):
            statistic_fig.line("batch", f"s{i}", source=self._checks, color=self._colors[name], line_width=2,
                               legend_label=name)
        for fig in (metric_fig, statistic_fig):
            fig.vspan(x="batch", source=self._changes, line_color="crimson", line_dash="dashed", line_width=2,
                      legend_label="true change")
            legend = fig.legend[0]
            legend.orientation, legend.label_text_font_size, legend.margin = "horizontal", "8pt", 0
            legend.padding = 2  # type: ignore[assignment]  # bokeh's stub types it as a Property of a Property
            fig.add_layout(legend, "above")  # above the plot, never over the curves
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
            for source, new in [(self._batches, batches), (self._checks, checks), (self._alarms, alarms),
                                (self._changes, {"batch": changes} if changes else {})]:
                if new:
                    source.stream(dict(new), rollover=WINDOW)
        if alarms:
            self._update_report()

    def _update_report(self, *events) -> None:
        monitor = self.session.experiment.monitor
        if monitor is None:
            return
        with self.session.lock:
            report = monitor.detection_report().convert_dtypes()  # whole batches as integers
        self._report.object = report.astype(object).where(report.notna(), "")

    def __panel__(self):
        return self._layout
