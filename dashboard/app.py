"""The driftlab dashboard: ``panel serve dashboard/app.py [--args SCENARIO]``.

SCENARIO is a scenario YAML file or a built-in name (default: time_series_drift). Every browser
session gets its own :class:`~driftlab.dashboard.Session`; the page is a ``panel_material_ui.Page``, which
makes no external requests (no CDN, no web fonts). Bokeh runs this script once per session.
"""
import sys

import panel as pn
import panel_material_ui as pmui
from panel.util import edit_readonly

from driftlab.dashboard import (Downloads, DriftPlots, ErrorAlert, RunControls, SampleAnimator, ScenarioView,
                                ScheduleEditor, Session, TrainingPanel, TreeView)

pn.extension()
session = Session(sys.argv[1] if len(sys.argv) > 1 else "time_series_drift")
training = TrainingPanel(session)
# One screen for the run (what it detects and how retraining answers), a tab for each editing view.
run = pn.Row(DriftPlots(session), pn.Column(training.results, width=400), sizing_mode="stretch_width")
# Only the shown tab is sent to the page (dynamic): a plot hidden in the page at load kept Bokeh's
# document from ever going idle (the session's sync starts once it is: pn.state.onload), and text
# inputs of a tab never shown failed on every update ("Cannot set properties of undefined").
views = pmui.Tabs(("Run", run), ("Schedule editor", ScheduleEditor(session)), ("Tree", TreeView(session)),
                  ("Samples", SampleAnimator(session)), ("Retraining settings", training.settings),
                  dynamic=True, css_classes=["dl-views"], sizing_mode="stretch_width")
page = pmui.Page(
    title="driftlab",
    busy_indicator=None,  # the views show their own progress
    sidebar=[RunControls(session), ScenarioView(session), Downloads(session)],
    main=[ErrorAlert(session), views],
)
# The page's busy flag follows Panel's: every event set it twice, and each set walked all the page's
# Bokeh models (80 % of the server's time per edit). Unlinked, it stays False.
with edit_readonly(page):
    page.busy = False
page.servable()
