"""The driftlab dashboard: ``panel serve dashboard/app.py [--args SCENARIO]``.

SCENARIO is a scenario YAML file or a built-in name (default: time_series_drift). Every browser
session gets its own :class:`~dashboard.Session`; the page is a ``panel_material_ui.Page``, which
makes no external requests (no CDN, no web fonts).
"""
import sys

import panel as pn
import panel_material_ui as pmui

from dashboard import (DriftPlots, ErrorAlert, RunControls, SampleAnimator, ScenarioView, ScheduleEditor, Session,
                       TrainingPanel, TreeView)

pn.extension()

session = Session(sys.argv[1] if len(sys.argv) > 1 else "time_series_drift")
pmui.Page(
    title="driftlab",
    sidebar=[ScenarioView(session), RunControls(session)],
    main=[
        ErrorAlert(session),
        pn.Row(DriftPlots(session), TreeView(session), sizing_mode="stretch_width"),
        pn.Row(ScheduleEditor(session), SampleAnimator(session), sizing_mode="stretch_width"),
        TrainingPanel(session),
    ],
).servable()
