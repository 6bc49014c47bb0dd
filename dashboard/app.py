"""The driftlab dashboard: ``panel serve dashboard/app.py [--args SCENARIO]``.

SCENARIO is a scenario YAML file or a built-in name (default: time_series_drift). Every browser
session gets its own :class:`~driftlab.dashboard.Session`; the page is a ``panel_material_ui.Page``, which
makes no external requests (no CDN, no web fonts). Bokeh runs this script once per session.

A request gets the page's frame at once; the session and its views are built once the page has
loaded, in a worker thread, so that neither a plain GET (a link preview, a health check) nor many
users arriving together hold the server's event loop for the seconds a build takes.
"""
import asyncio
import html
import sys

import panel as pn
import panel_material_ui as pmui
from bokeh.document import Document
from panel.io.state import set_curdoc
from panel.util import edit_readonly

SCENARIO = sys.argv[1] if len(sys.argv) > 1 else "time_series_drift"


def build() -> tuple:
    """The session and the page's views (sidebar, main); touches no document, so any thread may run it."""
    # imported here: the first request of a new server gets its frame before driftlab (and torch) load
    from driftlab.dashboard import (Downloads, DriftPlots, ErrorAlert, RunComparison, RunControls, SampleAnimator,
                                    ScenarioView, ScheduleEditor, Session, StepScrubber, TrainingPanel, TreeView)

    session = Session(SCENARIO, attach=False)
    training = TrainingPanel(session)
    # One screen for the run (what it detects and how retraining answers) at the top; the editing views
    # below it, each in a pane of its own. (Tabs hid plots: a Bokeh plot hidden at load kept the document
    # from going idle, so the session's sync never started, and Material's tabs left views behind.)
    run = pn.Row(DriftPlots(session), pn.Column(training.results, width=400), sizing_mode="stretch_width")
    editing = [ScheduleEditor(session), pn.Column("### Sampling tree", TreeView(session), sizing_mode="stretch_width"),
               SampleAnimator(session), pn.Column("### Retraining settings", training.settings)]
    sidebar = [RunControls(session), ScenarioView(session), Downloads(session), RunComparison(session)]
    return session, sidebar, [ErrorAlert(session), StepScrubber(session), run, *editing]


pn.extension()
page = pmui.Page(
    title="driftlab",
    busy_indicator=None,  # the views show their own progress
    sidebar=[sidebar := pn.Column(sizing_mode="stretch_width")],
    main=[main := pn.Column(pn.pane.Markdown("Loading the scenario …", css_classes=["dl-loading"]),
                            sizing_mode="stretch_width")],
)
# The page's busy flag follows Panel's: every event set it twice, and each set walked all the page's
# Bokeh models (80 % of the server's time per edit). Unlinked, it stays False. Setting it leaves
# the link's watcher on the process-wide `pn.state`, which would keep every closed page (and its
# Session) alive: remove it too.
with edit_readonly(page):
    page.busy = False
for watcher in pn.state.param.watchers.get("busy", {}).get("value", []):
    if getattr(watcher.fn, "__self__", None) is not None and watcher.fn.__self__.self is page:
        pn.state.param.unwatch(watcher)


def build_apart() -> tuple:
    """:func:`build` with a document of its own, never served: Panel takes a thread without one for
    whichever document the event loop is running a callback of (Bokeh's global ``curdoc``), and the
    views would treat that one as theirs."""
    with set_curdoc(Document()):
        return build()


async def fill() -> None:
    try:
        session, sidebar_views, main_views = await asyncio.get_running_loop().run_in_executor(None, build_apart)
    except Exception as err:  # said where the views would be, as text (it may quote the file), and logged
        message = html.escape(f"The dashboard could not be built: {type(err).__name__}: {err}")
        main.objects = [pn.pane.HTML(f"<p>{message}</p>", css_classes=["dl-build-failed"])]
        raise
    session.attach()  # back on the event loop
    sidebar.objects, main.objects = sidebar_views, main_views


pn.state.onload(fill)
page.servable()
