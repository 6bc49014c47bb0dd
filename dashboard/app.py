"""The driftlab dashboard: ``panel serve dashboard/app.py [--args SCENARIO]``.

SCENARIO is a scenario YAML file or a built-in name (default: time_series_drift). Every browser
session gets its own :class:`~driftlab.dashboard.Session`; the page is a ``panel_material_ui.Page``, which
makes no external requests (no CDN, no web fonts). Bokeh runs this script once per session.
"""
import sys

import panel as pn
import panel_material_ui as pmui
from panel.util import edit_readonly

from driftlab.dashboard import (Downloads, DriftPlots, ErrorAlert, RunComparison, RunControls, SampleAnimator,
                                ScenarioView, ScheduleEditor, Session, StepScrubber, TrainingPanel, TreeView)

pn.extension()
session = Session(sys.argv[1] if len(sys.argv) > 1 else "time_series_drift")
training = TrainingPanel(session)
# One screen for the run (what it detects and how retraining answers) at the top; the editing views
# below it, each in a pane of its own. (Tabs hid plots: a Bokeh plot hidden at load kept the document
# from going idle, so the session's sync never started, and Material's tabs left views behind.)
run = pn.Row(DriftPlots(session), pn.Column(training.results, width=400), sizing_mode="stretch_width")
editing = [ScheduleEditor(session), pn.Column("### Sampling tree", TreeView(session), sizing_mode="stretch_width"),
           SampleAnimator(session), pn.Column("### Retraining settings", training.settings)]
page = pmui.Page(
    title="driftlab",
    busy_indicator=None,  # the views show their own progress
    sidebar=[RunControls(session), ScenarioView(session), Downloads(session), RunComparison(session)],
    main=[ErrorAlert(session), StepScrubber(session), run, *editing],
)
# The page's busy flag follows Panel's: every event set it twice, and each set walked all the page's
# Bokeh models (80 % of the server's time per edit). Unlinked, it stays False.
with edit_readonly(page):
    page.busy = False
page.servable()
