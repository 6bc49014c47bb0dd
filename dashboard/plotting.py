"""Small helpers shared by the views' Bokeh figures.

Views change their figures' models (data, titles, ranges) inside ``pn.io.unlocked()``: Panel may
run a widget's callback without the document lock (a click while a typed change is pending), and
a Bokeh model changed there raises; ``unlocked`` collects the changes and sends them itself.
"""
from __future__ import annotations

from typing import Any

from bokeh.events import DoubleTap
from bokeh.models import CustomJS
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
