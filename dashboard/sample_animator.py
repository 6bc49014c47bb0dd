"""SampleAnimator: labeled samples of the stream, step by step, driven by a Player.

The Player's value is an update step ``k``. A frame shows the first draw at step ``k`` (what
``set_update_step(k); batch(n)`` gives, drawn from a copy of the stream, so the live stream is
untouched): a grid of samples (series as lines, 2-D samples as images), each titled and
coloured by its label, and the label distribution of the draw as a bar chart. While the Player
is not playing it follows the stream, so the grid shows the current experience; while the user
scrubs back (the session's ``scrub``) it shows the scrubbed step instead.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import panel as pn
import panel_material_ui as pmui
import param
from bokeh.layouts import gridplot
from bokeh.models import ColumnDataSource, FactorRange, Range1d
from panel.io import unlocked
from panel.viewable import Viewer
from param.parameters import NoNone

from driftlab.errors import DriftlabError

from .plotting import new_figure, palette
from .session import Session
from .text import literal

GRID_SAMPLES, COLUMNS = 12, 6  # samples in the grid, in rows of COLUMNS
CELL_HEIGHT = 92  # a sample's plot, in pixels, its title included
CELL_WIDTH = {"series": 120, "image": 74, "other": 74}  # an image's drawing area is square
DRAW = 256  # samples per frame, for the label distribution


class SampleAnimator(Viewer):
    """A Player over update steps, a grid of labeled samples and their label distribution.

    Every plot has explicit ranges, set with the data of each frame: ranges the browser computes
    itself would be sent back to the server after every frame.
    """

    session = param.ClassSelector(class_=Session, constant=True, allow_None=NoNone)

    def __init__(self, session: Session, **params):
        super().__init__(session=session, **params)
        # Material's Player: its buttons carry accessible names ("Play", "Next frame", ...)
        self._player = pmui.Player(label="Update step", start=0, end=session.horizon, value=0, interval=800,
                                   loop_policy="once", show_loop_controls=False, css_classes=["dl-player"],
                                   sizing_mode="stretch_width")
        self._title = pn.pane.Markdown(css_classes=["dl-samples-title"], margin=(0, 10))
        self._grid = pn.pane.Bokeh(css_classes=["dl-samples"])
        self._counts = ColumnDataSource({"label": [], "count": [], "color": []})
        self._labels, self._proportions = FactorRange(), Range1d(start=0, end=1)  # the bars' ranges
        self._bars = new_figure(height=2 * CELL_HEIGHT + 40, title="Label distribution", x_range=self._labels,
                                y_range=self._proportions, y_axis_label=f"of {DRAW} samples",
                                css_classes=["dl-label-distribution"],
                                tooltips=[("label", "@label"), (f"of {DRAW} samples", "@count")])
        self._bars.vbar(x="label", top="count", color="color", width=0.8, source=self._counts)
        self._bars.xgrid.visible = False
        self._layout = pn.Column(
            "### Samples", self._player, self._title,
            pn.Row(self._grid, pn.pane.Bokeh(self._bars, sizing_mode="stretch_width"), sizing_mode="stretch_width"),
            sizing_mode="stretch_width")
        self._kind: str | None = None  # what the grid is drawn for: "series", "image" or "other"
        self._player.param.watch(self._frame, "value")
        session.param.watch(self._new_experiment, "experiment")
        session.param.watch(self._new_revision, "revision")
        session.param.watch(self._follow, ["step", "scrub"])
        self._new_experiment()

    def _new_experiment(self, *events) -> None:
        session = self.session
        self._twin = session.tree_copy()
        classes = session.tree.classes
        self._colors = dict(zip(classes, palette(len(classes)), strict=False))
        with unlocked():
            self._labels.factors = [str(c) for c in classes]
        X, _ = self._twin.batch(1)
        kind = {1: "series", 2: "image"}.get(np.ndim(X[0]) if X.dtype != object else 0, "other")
        if kind != self._kind:  # the same grid serves another scenario with samples of the same kind
            self._kind = kind
            # columns the glyphs can draw before the first frame arrives (BokehJS fails on an image
            # glyph without its image)
            blanks: dict[str, dict[str, list[Any]]] = {
                "series": {"t": [], "value": []}, "image": {"image": [np.zeros((1, 1))], "dw": [1], "dh": [1]},
                "other": {}}
            blank = blanks[kind]
            self._sources = [ColumnDataSource(dict(blank)) for _ in range(GRID_SAMPLES)]
            self._x_range, self._y_range = Range1d(start=0, end=1), Range1d(start=0, end=1)  # shared by the cells
            self._figures = [self._cell(source, kind) for source in self._sources]
            self._grid.object = gridplot(self._figures, ncols=COLUMNS, toolbar_location=None)
        self._player.end = session.horizon
        if self._player.value == session.shown_step:
            self._frame()
        else:
            self._player.value = session.shown_step  # its watcher draws the frame

    def _cell(self, source: ColumnDataSource, kind: str):
        fig = new_figure(width=CELL_WIDTH[kind], height=CELL_HEIGHT, sizing_mode="fixed", toolbar_location=None,
                         tools="", min_border=4, outline_line_width=2, x_range=self._x_range, y_range=self._y_range)
        fig.axis.visible = fig.grid.visible = False
        if kind == "series":
            fig.line("t", "value", source=source, line_width=1.5)
        elif kind == "image":
            fig.image(image="image", x=0, y=0, dw="dw", dh="dh", source=source, palette="Greys256")
        return fig

    def _new_revision(self, *events) -> None:
        self._twin = self.session.tree_copy()  # a parameter was edited: draw from the edited stream
        self._frame()

    def _follow(self, *events) -> None:
        scrubbed = any(event.name == "scrub" for event in events)
        if self._player.direction == 0 or scrubbed:
            self._player.value = min(self.session.shown_step, self._player.end)

    def _frame(self, *events) -> None:
        k = self._player.value
        try:
            self._twin.set_update_step(k)
            X, y = self._twin.batch(DRAW)
        except DriftlabError as err:
            self._title.object = f"Step {k}: no samples ({literal(err)})"
            return
        self._title.object = (f"**Step {k}** (the stream is at step {self.session.step}): "
                              f"the first {GRID_SAMPLES} samples drawn at this step")
        labels, counts = np.unique(np.asarray(y, dtype=object).astype(str), return_counts=True)
        tally = dict(zip(labels.tolist(), counts.tolist(), strict=False))
        colors = self._colors
        shown = [np.asarray(x, dtype=float) for x in X[:GRID_SAMPLES]] if self._kind != "other" else []
        with unlocked():
            for fig, source, x, label in zip(self._figures, self._sources, shown, y, strict=False):
                color = colors.get(label, "black")
                fig.title.text, fig.title.text_color, fig.outline_line_color = str(label), color, color
                if self._kind == "series":
                    source.data = {"t": np.arange(len(x)), "value": x}
                    fig.renderers[0].glyph.line_color = color
                else:
                    image = np.flipud(x)  # row 0 at the top
                    source.data = {"image": [image], "dw": [image.shape[1]], "dh": [image.shape[0]]}
            if shown:
                self._fit(shown)
            self._counts.data = {"label": [str(c) for c in colors], "count": [tally.get(str(c), 0) for c in colors],
                                 "color": list(colors.values())}
            self._proportions.end = 1.1 * max(tally.values())

    def _fit(self, shown: list[np.ndarray]) -> None:
        """Fit the cells' shared ranges to the samples shown: series share their value axis, so that
        shifts in level show; images fill their cell."""
        if self._kind == "series":
            low = min(float(np.nanmin(x)) for x in shown)
            high = max(float(np.nanmax(x)) for x in shown)
            pad = 0.05 * (high - low or 1.0)
            self._x_range.update(start=0, end=max(len(x) for x in shown) - 1)
            self._y_range.update(start=low - pad, end=high + pad)
        else:
            self._x_range.update(start=0, end=shown[0].shape[1])
            self._y_range.update(start=0, end=shown[0].shape[0])

    def __panel__(self):
        return self._layout
