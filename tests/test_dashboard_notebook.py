"""The views shown in a notebook after ``pn.extension(inline=True)`` never link a stylesheet from a CDN.

Each view is rendered as Jupyter displays it (``_repr_mimebundle_``: its own document and comm),
then the session changes as notebook 07 drives it; every stylesheet of every model in those
documents must be inline or local. tests/browser/test_browser_jupyterlab.py checks the same in a
real JupyterLab, request by request.
"""
from __future__ import annotations

import panel as pn
import pytest
from bokeh.models import ImportedStyleSheet, InlineStyleSheet
from panel.config import panel_extension
from panel.io.resources import CDN_DIST
from panel.viewable import Viewer

from driftlab.dashboard import (DriftPlots, ErrorAlert, RunControls, SampleAnimator, ScheduleEditor, Session,
                                TreeView)
from driftlab.dashboard.notebook import inline_stylesheets

VIEWS = [ScheduleEditor, SampleAnimator, DriftPlots, TreeView, RunControls, ErrorAlert]


def linked_from_a_cdn(documents) -> set[str]:
    return {sheet.url for doc in documents for model in doc.models
            for sheet in getattr(model, "stylesheets", None) or []
            if isinstance(sheet, ImportedStyleSheet) and sheet.url.startswith(("http:", "https:", "//"))}


@pytest.fixture
def inline_notebook(monkeypatch):
    """As after ``pn.extension(inline=True)`` in a notebook (its JavaScript sent, resources inline)."""
    monkeypatch.setattr(panel_extension, "_loaded", True)
    with pn.config.set(inline=True):
        yield


def shown_in_a_notebook(view):
    """Display ``view`` as Jupyter does; the document it lives in."""
    shown = view.__panel__() if isinstance(view, Viewer) else view
    shown._repr_mimebundle_()
    (model, _), *_ = shown._models.values()
    return model.document


def test_views_updated_in_a_notebook_keep_their_stylesheets_inline(inline_notebook):
    session = Session("time_series_drift")
    session.speed = 50
    documents = [shown_in_a_notebook(view(session)) for view in VIEWS]
    assert linked_from_a_cdn(documents) == set()
    for _ in range(2):
        session.step_once()
        session.join()
    session.edit_parameter("classes.probs", [0.5, 0.5])  # refused: the error alert shows
    session.edit_parameter("background.offset", {"schedule": [0.5, 1.5], "strategy": "hold"})
    session.start()
    session.join()
    session.load("rotated_digits_replay")
    session.sync()
    session.close()
    assert session.state == "idle" and session.step == 0
    assert linked_from_a_cdn(documents) == set()


def test_only_notebook_documents_with_inline_resources_are_changed(inline_notebook):
    view = pn.pane.Markdown("**a**")
    doc = shown_in_a_notebook(view)
    cdn = ImportedStyleSheet(url=f"{CDN_DIST}css/markdown.css")
    elsewhere = ImportedStyleSheet(url="https://example.org/site.css")
    inlined = inline_stylesheets([cdn, elsewhere], doc)
    assert isinstance(inlined[0], InlineStyleSheet) and inlined[0].css.strip()
    assert inlined[1] is elsewhere
    assert inline_stylesheets([cdn], doc)[0] is inlined[0]  # one copy per document and file
    with pn.config.set(inline=False):
        assert inline_stylesheets([cdn], doc) == [cdn]
    assert inline_stylesheets([cdn], None) == [cdn]
