"""TrainingPanel: the retraining strategy and its settings, episodes on demand, progress, loss, accuracy matrix.

The strategy's and the episodes' settings are widgets generated from their declared params
(``pn.Param``) on draft copies; each change goes through :meth:`Session.configure_training`, which
validates it, applies it from the next episode and writes it into the scenario. Episodes run off
the UI thread (the session's worker, or the trainer's background thread); the progress bar, the
loss curve (every step of every episode, pretraining included) and the accuracy matrix
``R[i, j]`` (accuracy on experience ``j`` after training on experience ``i``) follow through the
session's ten-a-second sync.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool, Range1d, SingleIntervalTicker
from bokeh.models.annotations.labels import Label
from bokeh.palettes import Blues256
from bokeh.transform import linear_cmap
from panel.io import unlocked
from panel.viewable import Viewer
from param.parameters import NoNone

from driftlab.training import STRATEGIES, TrainerConfig, make_strategy
from driftlab.registry import METRICS
from driftlab.training.metrics import LABELS as METRIC_LABELS

from .actions import on_click
from .config_widgets import config_widgets
from .plotting import Placeholder, new_figure
from .session import EPISODE_SETTINGS, Session
from .text import literal


INK_FLIP = 0.55  # accuracy from which a cell is dark enough for white text
MAX_WRITTEN = 8  # a larger accuracy matrix shows its values on hover only


class TrainingPanel(Viewer):
    """Configure, start and stop retraining episodes, and watch them.

    Its two parts can be laid out apart: ``settings`` (device, strategy, episode settings) and
    ``results`` (train and stop, progress, accuracy matrix, metrics, loss).
    """

    session = param.ClassSelector(class_=Session, constant=True, allow_None=NoNone)

    def __init__(self, session: Session, **params):
        super().__init__(session=session, **params)
        self._device = pn.pane.Markdown(css_classes=["dl-device"], margin=(0, 10))
        self._strategy = pn.widgets.Select(label="Strategy", options=list(STRATEGIES),
                                           css_classes=["dl-strategy-select"])
        self._strategy.param.watch(self._new_strategy, "value")
        self._strategy_settings = pn.Column(sizing_mode="stretch_width")
        self._episode_settings = pn.Column(sizing_mode="stretch_width")
        self._start = pn.widgets.Button(label="Train now", color="primary", css_classes=["dl-train-start"])
        self._stop = pn.widgets.Button(label="Stop training", css_classes=["dl-train-stop"])
        on_click(self._start, session.start_training)
        on_click(self._stop, session.stop_training)
        self._progress = pn.indicators.Progress(value=0, max=100, css_classes=["dl-train-progress"],
                                                sizing_mode="stretch_width")  # percent of the episode
        self._status = pn.pane.Markdown(css_classes=["dl-train-status"], margin=(0, 10))
        self._losses = ColumnDataSource({"step": [], "loss": [], "episode": []})
        self._cells = ColumnDataSource({"trained": [], "evaluated": [], "accuracy": [], "text": [], "ink": []})
        self._metrics = pn.pane.Markdown(css_classes=["dl-train-metrics"], margin=(0, 10))
        self._hints = [Label(x=12, y=12, x_units="screen", y_units="screen", text=text, text_color="#888888",
                             text_font_size="11pt")
                       for text in ("No training yet: the run pretrains when it starts", "No episode yet")]
        self._controls = pn.Column(self._device, self._strategy, self._strategy_settings, self._episode_settings,
                                   sizing_mode="stretch_width")
        self._live = pn.Column(pn.Row(self._start, self._stop), self._progress, self._status,
                               pn.pane.Bokeh(self._matrix_figure(), width=340), self._metrics,
                               pn.pane.Bokeh(self._loss_figure(), sizing_mode="stretch_width"),
                               sizing_mode="stretch_width")
        self._notes = [pn.pane.Markdown("This scenario has no trainer.", visible=False) for _ in range(2)]
        self.settings = pn.Column(self._notes[0], self._controls, width=340)
        self.results = pn.Column(self._notes[1], self._live, sizing_mode="stretch_width")
        self._layout = pn.Column("### Training", pn.Row(self.settings, self.results, sizing_mode="stretch_width"),
                                 sizing_mode="stretch_width")
        self._filling = False  # drafts are being replaced: their changes are not the user's
        session.param.watch(self._new_experiment, "experiment")
        session.param.watch(self._show_progress, ["training", "progress"])
        session.param.watch(self._show_matrix, "episodes")
        self._new_experiment()

    def _loss_figure(self):
        fig = new_figure(height=170, title="Training loss (every step of every episode)", x_axis_label="step",
                         css_classes=["dl-loss"])
        line = fig.line("step", "loss", source=self._losses, line_width=1.5)
        fig.add_tools(HoverTool(renderers=[line], tooltips=[("episode", "@episode"), ("loss", "@loss")]))
        self._placeholder = Placeholder(fig)  # finite ranges before the first loss
        fig.add_layout(self._hints[0])
        return fig

    def _matrix_figure(self):
        fig = new_figure(height=240, width=340, sizing_mode="fixed", title="Accuracy matrix R[i, j]",
                         x_axis_label="evaluated on experience j", y_axis_label="after training on i",
                         tools="hover", tooltips=[("R", "@text")], x_range=Range1d(-0.5, 0.5),
                         y_range=Range1d(0.5, -0.5), css_classes=["dl-accuracy-matrix"])  # row 0 at the top
        color = linear_cmap("accuracy", Blues256[::-1][32:], 0, 1)  # pale (0) to dark blue (1), never white
        fig.rect("evaluated", "trained", 1, 1, source=self._cells, fill_color=color, line_color="white")
        fig.text("evaluated", "trained", text="text", source=self._cells, text_align="center",
                 text_baseline="middle", text_font_size="9pt", text_color="ink")
        fig.grid.visible = False
        fig.add_layout(self._hints[1])
        self._matrix_ticker = fig.xaxis.ticker = fig.yaxis.ticker = SingleIntervalTicker(interval=1)
        self._matrix_ranges = fig.x_range, fig.y_range
        return fig

    # -- the session's trainer -----------------------------------------------------------------

    def _new_experiment(self, *events) -> None:
        trainer = self.session.experiment.trainer
        for note in self._notes:
            note.visible = trainer is None
        self._controls.visible = self._live.visible = trainer is not None
        with unlocked():
            self._losses.data = {"step": [], "loss": [], "episode": []}
            self._hints[0].visible = True
            self._placeholder.show(True)
        self._seen = self._steps = 0  # progress reports and steps plotted
        if trainer is None:
            return
        self._device.object = _describe(trainer)
        self._filling = True
        self._strategy.value = type(trainer.strategy).spec_type()
        self._set_strategy(make_strategy(trainer.strategy.to_spec()))
        self._settings = TrainerConfig(**{k: getattr(trainer.config, k) for k in EPISODE_SETTINGS})
        self._episode_settings.objects = [config_widgets(self._settings, EPISODE_SETTINGS, self._configure)]
        self._filling = False
        self._show_progress()
        self._show_matrix()

    def _new_strategy(self, event) -> None:
        if not self._filling:
            self._set_strategy(STRATEGIES[event.new]())
            self._configure()

    def _set_strategy(self, strategy) -> None:
        self._draft = strategy
        self._strategy_settings.objects = [config_widgets(strategy, strategy.settings(), self._configure)]

    def _configure(self, *events) -> None:
        if not self._filling:
            self.session.configure_training(self._draft.to_spec(),
                                            {k: getattr(self._settings, k) for k in EPISODE_SETTINGS})

    # -- progress and results ------------------------------------------------------------------

    def _show_progress(self, *events) -> None:
        session = self.session
        trainer = session.experiment.trainer
        if trainer is None:
            return
        self._start.disabled, self._stop.disabled = session.training, not session.training
        progress = session.progress
        if progress is None:
            self._progress.value = 0
            self._status.object = "No episode yet: the run pretrains first, and drift alarms retrain."
        else:
            self._progress.value = round(100 * progress.step / progress.max_iter)
            ended = trainer.status  # how the latest episode ended: a stopped one says so
            state = "running" if session.training else ended if ended in ("stopped", "failed") else "finished"
            self._status.object = (f"Episode {progress.episode} {state}: step {progress.step} of {progress.max_iter}"
                                   f" · loss {progress.loss:.3f} · {progress.elapsed:.1f} s")
        reports = session.losses[self._seen:]
        if reports:  # a report holds the loss of every step since the previous one
            losses = [(p.episode, loss) for p in reports for loss in p.losses]
            first = self._steps
            new: dict[str, Any] = {"step": list(range(first, first + len(losses))),
                                   "loss": [loss for _, loss in losses], "episode": [episode for episode, _ in losses]}
            with unlocked():
                self._losses.stream(new, rollover=10_000)
                self._hints[0].visible = False
                self._placeholder.show(False)
            self._seen += len(reports)
            self._steps += len(losses)

    def _show_matrix(self, *events) -> None:
        trainer = self.session.experiment.trainer
        if trainer is None:
            return
        matrix = np.array(trainer.experiences.matrix, copy=True)
        rows, columns = np.nonzero(~np.isnan(matrix))
        values = matrix[rows, columns]
        x_range, y_range = self._matrix_ranges
        with unlocked():
            self._cells.data = {"trained": rows, "evaluated": columns, "accuracy": values,
                                "text": [f"{v:.2f}" if len(matrix) <= MAX_WRITTEN else "" for v in values],
                                "ink": ["white" if v >= INK_FLIP else "black" for v in values]}
            x_range.end = y_range.start = max(len(matrix), 1) - 0.5
            self._matrix_ticker.interval = max(1, -(-len(matrix) // MAX_WRITTEN))  # at most about 8 ticks
        with unlocked():
            self._hints[1].visible = not len(values)
        if trainer.episodes and "average_accuracy" in trainer.episodes[-1]:
            record = trainer.episodes[-1]
            self._metrics.object = " · ".join(f"{METRIC_LABELS.get(key) or literal(key)} **{record[key]:.3f}**"
                                              for key in METRICS if key in record)

    def __panel__(self):
        return self._layout


def _describe(trainer) -> str:
    """Which device trains, and whether that is a GPU."""
    device = trainer.device
    if device.type == "cuda":
        import torch

        return f"Device **{device}** — GPU in use: {torch.cuda.get_device_name(device)} ({trainer.precision})"
    return f"Device **{device}** — no GPU in use"
