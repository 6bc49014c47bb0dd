"""Small helpers shared by the views' Bokeh figures.

A figure whose ranges follow its data (``DataRange1d``) but that starts empty gets a
:class:`Placeholder`: with no data its ranges are not finite, and BokehJS logs "could not set initial
ranges" on every repaint (over forty per page load).

Views change their figures' models (data, titles, ranges) inside ``pn.io.unlocked()``: Panel may
run a widget's callback without the document lock (a click while a typed change is pending), and
a Bokeh model changed there raises; ``unlocked`` collects the changes and sends them itself.
"""
from __future__ import annotations

from typing import Any

from bokeh.events import DoubleTap
from bokeh.models import ColumnDataSource, CustomJS
from bokeh.models.annotations.labels import Title
from bokeh.palettes import Category10_10, Category20_20
from bokeh.plotting import figure


def palette(n: int) -> list[str]:
    """``n`` distinct colours (Category10, then Category20, then cycled)."""
    colors = Category10_10 if n <= 10 else Category20_20
    return [colors[i % len(colors)] for i in range(n)]


# Double-click resets a plot's view (what the toolbar's reset did): the figure's view is found from
# the page's root views, and PlotView.reset() restores its ranges.
RESET_JS = """
const find = (view) => {
  if (view.model === plot) return view;
  for (const child of view.children()) { const hit = find(child); if (hit) return hit; }
  return null;
};
for (const root of Bokeh.index.roots) { const view = find(root); if (view) { view.reset(); break; } }
"""


def new_figure(**options: Any) -> figure:
    """A figure in the house style: stretches to its container's width, no toolbar; drag pans,
    double-click resets the view. ``options`` override the defaults.

    A toolbar's buttons were five or six tab stops per plot for keyboard users; without it the
    tools still work (``tools`` and ``active_scroll`` choose them), and hover shows values.
    """
    options = {"sizing_mode": "stretch_width", "tools": "pan,wheel_zoom,reset", "toolbar_location": None,
               **options}
    fig = figure(**options)
    fig.toolbar.logo = None
    fig.js_on_event(DoubleTap, CustomJS(args={"plot": fig}, code=RESET_JS))
    assert isinstance(fig.title, Title)  # figure() makes one of a str title; the stub types what it accepts
    fig.title.text_font_size = "11pt"
    return fig


class Placeholder:
    """An invisible renderer over the box ``x`` × ``y`` that keeps an empty figure's data ranges finite.

    A ``DataRange1d`` counts invisible renderers too (``only_visible`` is False), so the box is the
    figure's extent while it has no data. ``show(False)`` once data comes (the ranges then follow the
    data alone); ``show(True)`` when the data is cleared. Call inside ``unlocked()``.
    """

    def __init__(self, fig: figure, x: tuple[float, float] = (0.0, 1.0), y: tuple[float, float] = (0.0, 1.0)):
        self._box = {"x": list(x), "y": list(y)}
        self.source = ColumnDataSource(dict(self._box))
        fig.scatter("x", "y", source=self.source, visible=False)
        self.shown = True

    def show(self, shown: bool) -> None:
        if shown != self.shown:
            self.source.data = dict(self._box) if shown else {"x": [], "y": []}
            self.shown = shown
