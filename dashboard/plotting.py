"""Small helpers shared by the views' Bokeh figures.

Views change their figures' models (data, titles, ranges) inside ``pn.io.unlocked()``: Panel may
run a widget's callback without the document lock (a click while a typed change is pending), and
a Bokeh model changed there raises; ``unlocked`` collects the changes and sends them itself.
"""
from __future__ import annotations

from typing import Any

from bokeh.models.annotations.labels import Title
from bokeh.palettes import Category10_10, Category20_20
from bokeh.plotting import figure


def palette(n: int) -> list[str]:
    """``n`` distinct colours (Category10, then Category20, then cycled)."""
    colors = Category10_10 if n <= 10 else Category20_20
    return [colors[i % len(colors)] for i in range(n)]


def new_figure(**options: Any) -> figure:
    """A figure in the house style (stretches to its container's width, a small toolbar, no logo);
    ``options`` override the defaults."""
    options = {"sizing_mode": "stretch_width", "tools": "pan,wheel_zoom,box_zoom,reset,save",
               "toolbar_location": "above", **options}
    fig = figure(**options)
    fig.toolbar.logo = None
    assert isinstance(fig.title, Title)  # figure() makes one of a str title; the stub types what it accepts
    fig.title.text_font_size = "11pt"
    return fig

