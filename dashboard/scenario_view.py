"""ScenarioView: pick a built-in scenario, upload or download YAML, reset the run."""
from __future__ import annotations

import io
import re

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from driftlab.library import SCENARIOS

from .actions import in_background, on_click
from .session import Session
from .text import literal

_UNSAFE_IN_FILENAME = re.compile(r"[^\w.-]+")  # a download is named after the scenario


class ScenarioView(Viewer):
    """The scenario's name and description, and the ways to replace, save or restart it.

    The download is the scenario as it stands, live edits included; an upload that fails leaves
    the current scenario as it was and shows why right under the controls (as well as in the page's
    error alert), until the error is dismissed or replaced. An uploaded file is read and built off
    the event loop (:func:`~driftlab.dashboard.actions.in_background`), so other sessions go on
    meanwhile. Reset starts the run over from step 0.
    """

    session = param.ClassSelector(class_=Session, constant=True, allow_None=NoNone)

    def __init__(self, session: Session, **params):
        super().__init__(session=session, **params)
        self._builtin = pn.widgets.Select(label="Built-in scenario", options=list(SCENARIOS),
                                          css_classes=["dl-builtin-select"], sizing_mode="stretch_width")
        self._load = pn.widgets.Button(label="Load", css_classes=["dl-builtin-load"], align="end")
        on_click(self._load, lambda: self._show_problem(session.load(self._builtin.value)))
        # the label names the file input for screen readers too
        self._upload = pn.widgets.FileInput(label="Upload a scenario file (YAML)", accept=".yaml,.yml", multiple=False,
                                            css_classes=["dl-upload"],
                                            sizing_mode="stretch_width")
        # an empty file arrives as value None: only its filename changes
        self._upload.param.watch(self._uploaded, ["value", "filename"])
        self._problem = pn.pane.Alert("", alert_type="danger", css_classes=["dl-load-error"], visible=False,
                                      sizing_mode="stretch_width")
        self._download = pn.widgets.FileDownload(callback=self._yaml, filename="scenario.yaml",
                                                 label="Download YAML", css_classes=["dl-download"],
                                                 sizing_mode="stretch_width")
        reset = pn.widgets.Button(label="Reset run", css_classes=["dl-reset"], sizing_mode="stretch_width")
        on_click(reset, session.reset)
        self._about = pn.pane.Markdown(css_classes=["dl-scenario-about"], sizing_mode="stretch_width")
        self._layout = pn.Column(
            "### Scenario", self._about, pn.Row(self._builtin, self._load, sizing_mode="stretch_width"),
            self._upload, self._problem, self._download, reset,
            sizing_mode="stretch_width")
        session.param.watch(self._describe, "scenario")
        session.param.watch(self._error_changed, "error")
        self._describe()

    def _describe(self, *events) -> None:
        spec = self.session.scenario.spec
        name = spec.get("name") or "unnamed scenario"
        self._about.object = f"**{literal(name)}**\n\n{literal(spec.get('description', ''))}"
        if name in SCENARIOS:
            self._builtin.value = name
        stem = _UNSAFE_IN_FILENAME.sub("_", str(name)).strip("._") or "scenario"
        self._download.filename = f"{stem}.yaml"

    def _uploaded(self, *events) -> None:
        data, filename = self._upload.value, self._upload.filename
        if data is None and not filename:
            return  # cleared
        data, filename = data or b"", filename or "the uploaded file"
        self._upload.param.update(value=None, filename=None)
        self._upload.clear()  # so that choosing the same file again loads it again
        self._upload.loading = True
        in_background(lambda: self.session.prepare_upload(data, filename), self._install)

    def _install(self, prepared) -> None:
        self._upload.loading = False
        self._show_problem(self.session.install(prepared))

    def _show_problem(self, loaded: bool) -> None:
        message = "" if loaded else self.session.error
        self._problem.param.update(object=literal(message), visible=bool(message))

    def _error_changed(self, event) -> None:
        if self._problem.visible and event.new != event.old:  # dismissed, or another action's error
            self._problem.visible = False

    def _yaml(self) -> io.StringIO:
        return io.StringIO(self.session.to_yaml())

    def __panel__(self):
        return self._layout
