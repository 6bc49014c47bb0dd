"""TreeView: the sampling tree as a graph, with branch probabilities and each node's current parameters.

Drawn with Bokeh from :meth:`driftlab.tree.SamplingTree.to_graph` (no Graphviz), in layers from the
root down: a node sits below the mean of its parents, and the children of a branching node are
spread side by side, one unit apart. Each node's name is written under it (a branching node's to
its left), a transform's parameters under its name; a branch's probability is written on its
edge, near the child, and sets the edge's width. In a crowded layer (more than ``MAX_LABELLED``
nodes) parameters and probabilities are shown on hover only. The texts are redrawn when the
stream moves to another step or a parameter is edited; the layout only when another scenario is
loaded. While the user scrubs back (the session's ``scrub``), the texts show the parameters at the
scrubbed step, read from a copy of the stream set to that step (parameters are histories, edits
included), so the live stream is untouched.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool, Range1d
from panel.io import unlocked
from panel.viewable import Viewer
from param.parameters import NoNone

from driftlab.tree import SamplingTree

from .plotting import new_figure
from .session import Session
from .text import literal

MAX_LABELLED = 4  # in a layer of more nodes, parameters and probabilities are shown on hover only
LAYER_PX = 100  # height of a layer of the drawing, in pixels
KINDS = {"transform": ("square", "#4c72b0"), "branch": ("diamond", "#dd8452"), "label": ("circle", "#55a868")}


def layout(graph: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """``(x, y)`` of every node: ``y = −depth`` (longest path from the root), ``x`` as in the module doc."""
    incoming = defaultdict(list)
    for edge in graph["edges"]:
        incoming[edge["target"]].append(edge)
    children = defaultdict(list)
    for edge in graph["edges"]:
        children[edge["source"]].append(edge["target"])
    position: dict[str, tuple[float, float]] = {}
    for node in graph["nodes"]:  # listed so that every node comes after its parents
        parents = [edge["source"] for edge in incoming[node["id"]]]
        if not parents:
            position[node["id"]] = (0.0, 0.0)
            continue
        depth = max(-position[p][1] for p in parents) + 1
        x = float(np.mean([position[p][0] for p in parents]))
        if len(parents) == 1 and incoming[node["id"]][0]["branch"] is not None:
            siblings = children[parents[0]]
            x += siblings.index(node["id"]) - (len(siblings) - 1) / 2
        position[node["id"]] = (x, -depth)
    return position


def _show(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:.3g}"
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _shorten(text: str, width: int = 32) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


class TreeView(Viewer):
    """The session's sampling tree at its current step."""

    session = param.ClassSelector(class_=Session, constant=True, allow_None=NoNone)

    def __init__(self, session: Session, **params):
        super().__init__(session=session, **params)
        self._nodes = ColumnDataSource({k: [] for k in ("x", "y", "marker", "color", "name", "details", "text",
                                                        "align", "baseline", "dx", "dy")})
        self._edges = ColumnDataSource({k: [] for k in ("x0", "y0", "x1", "y1", "width", "xt", "yt", "text")})
        fig = new_figure(height=4 * LAYER_PX, title="Sampling tree", x_axis_type=None, y_axis_type=None,
                         x_range=Range1d(start=-1, end=1), y_range=Range1d(start=-1, end=1), css_classes=["dl-tree"])
        fig.grid.visible = False
        fig.outline_line_color = None
        fig.segment("x0", "y0", "x1", "y1", source=self._edges, line_width="width", color="#999999")
        fig.text("xt", "yt", text="text", source=self._edges, text_font_size="8pt", text_align="center",
                 text_baseline="middle", background_fill_color="white", background_fill_alpha=0.9)
        nodes = fig.scatter("x", "y", marker="marker", color="color", size=16, source=self._nodes)
        fig.text("x", "y", text="text", source=self._nodes, x_offset="dx", y_offset="dy", text_align="align",
                 text_baseline="baseline", text_font_size="8pt", text_line_height=1.1,
                 background_fill_color="white", background_fill_alpha=0.7)
        fig.add_tools(HoverTool(renderers=[nodes], tooltips=[("node", "@name"), ("now", "@details")]))
        self._figure = fig
        self._caption = pn.pane.Markdown(css_classes=["dl-tree-caption"], margin=(0, 10))
        self._layout = pn.Column(pn.pane.Bokeh(fig, sizing_mode="stretch_width"),
                                 self._caption, sizing_mode="stretch_width")
        self._positions: dict[str, tuple[float, float]] = {}
        session.param.watch(self._new_experiment, "experiment")
        session.param.watch(self._redraw, ["step", "revision", "scrub"])
        self._twin: SamplingTree | None = None  # a copy of the stream to set to scrubbed steps; made when first needed
        self._new_experiment()

    def _new_experiment(self, *events) -> None:
        self._twin = None
        self._positions = layout(self.session.tree.to_graph())
        xs = [x for x, _ in self._positions.values()]
        depth = -min(y for _, y in self._positions.values())
        with unlocked():
            self._figure.x_range.update(start=min(xs) - 0.75, end=max(xs) + 0.75)
            self._figure.y_range.update(start=-depth - 0.8, end=0.3)  # room for the texts under the last layer
            self._figure.height = int(LAYER_PX * (depth + 1.1)) + 30
        self._redraw()

    def _redraw(self, *events) -> None:
        session = self.session
        if any(event.name == "revision" for event in events):
            self._twin = None  # an edit: copy the edited stream when next needed
        if session.scrub is None:
            with session.lock:
                graph = session.tree.to_graph()
        else:
            if self._twin is None:
                self._twin = session.tree_copy()
            self._twin.set_update_step(session.scrub)
            graph = self._twin.to_graph()
        position = self._positions
        crowded = Counter(y for _, y in position.values())
        nodes: dict[str, list] = defaultdict(list)
        for node in graph["nodes"]:
            x, y = position[node["id"]]
            marker, color = KINDS[node["kind"]]
            settings = [f"{k}={_show(v)}" for k, v in node.get("params", {}).items()]
            if node["kind"] == "branch":
                settings = [node["param"] or "uniform"]
            text = str(node["label"]) if node["kind"] == "label" else node["name"]
            if node["kind"] == "transform" and crowded[y] <= MAX_LABELLED:
                text += "".join("\n" + _shorten(setting) for setting in settings)
            # under the node; a branching node's name to its left, clear of the edges it sends down
            place = ("right", "middle", -12, 0) if node["kind"] == "branch" else ("center", "top", 0, 11)
            for key, value in [("x", x), ("y", y), ("marker", marker), ("color", color), ("name", node["name"]),
                               ("details", ", ".join(settings)), ("text", text),
                               *zip(("align", "baseline", "dx", "dy"), place, strict=False)]:
                nodes[key].append(value)
        edges: dict[str, list] = defaultdict(list)
        for edge in graph["edges"]:
            (x0, y0), (x1, y1) = position[edge["source"]], position[edge["target"]]
            probability = edge["probability"]
            shown = probability is not None and crowded[y1] <= MAX_LABELLED
            for key, value in [("x0", x0), ("y0", y0), ("x1", x1), ("y1", y1),
                               ("width", 1.5 if probability is None else 1 + 8 * probability),
                               ("xt", x0 + 0.6 * (x1 - x0)), ("yt", y0 + 0.6 * (y1 - y0)),
                               ("text", f"p={probability:.2f}" if shown else "")]:
                edges[key].append(value)
        with unlocked():
            self._nodes.data, self._edges.data = dict(nodes), dict(edges)
        classes = literal(self.session.tree.classes)
        where = "" if session.scrub is None else f" (looking back: the stream is at step {session.step})"
        self._caption.object = f"Step {graph['step']} · seed {graph['seed']} · classes {classes}{where}"

    def __panel__(self):
        return self._layout
