"""ScenarioView: pick a built-in scenario, upload or download YAML, reset the run."""
from __future__ import annotations

import io
import re

import panel as pn
import param
from panel.viewable import Viewer

from driftlab.library import SCENARIOS

from .actions import on_click
from .session import Session
from .text import literal

_UNSAFE_IN_FILENAME = re.compile(r"[^\w.-]+")  # a download is named after the scenario


class ScenarioView(Viewer):
    """The scenario's name and description, and the ways to replace, save or restart it.

    The download is the scenario as it stands, live edits included; an upload that fails leaves
    the current scenario as it was and shows why. Reset starts the run over from step 0.
    """

    session = param.ClassSelector(class_=Session, constant=True)

    def __init__(self, session: Session, **params):
        super().__init__(session=session, **params)
        self._builtin = pn.widgets.Select(label="Built-in scenario", options=list(SCENARIOS),
                                          css_classes=["dl-builtin-select"], sizing_mode="stretch_width")
        self._load = pn.widgets.Button(label="Load", css_classes=["dl-builtin-load"], align="end")
        on_click(self._load, lambda: session.load(self._builtin.value))
        self._upload = pn.widgets.FileInput(accept=".yaml,.yml", multiple=False, css_classes=["dl-upload"],
                                            sizing_mode="stretch_width")
        self._upload.param.watch(self._uploaded, "value")
        self._download = pn.widgets.FileDownload(callback=self._yaml, filename="scenario.yaml",
                                                 label="Download YAML", css_classes=["dl-download"],
                                                 sizing_mode="stretch_width")
        reset = pn.widgets.Button(label="Reset run", css_classes=["dl-reset"], sizing_mode="stretch_width")
        on_click(reset, session.reset)
        self._about = pn.pane.Markdown(css_classes=["dl-scenario-about"], sizing_mode="stretch_width")
        self._layout = pn.Column(
            "### Scenario", self._about, pn.Row(self._builtin, self._load, sizing_mode="stretch_width"),
            "Upload a scenario file (YAML)", self._upload, self._download, reset, sizing_mode="stretch_width")
        session.param.watch(self._describe, "scenario")
        self._describe()

    def _describe(self, *events) -> None:
        spec = self.session.scenario.spec
        name = spec.get("name") or "unnamed scenario"
        self._about.object = f"**{literal(name)}**\n\n{literal(spec.get('description', ''))}"
        if name in SCENARIOS:
            self._builtin.value = name
        stem = _UNSAFE_IN_FILENAME.sub("_", str(name)).strip("._") or "scenario"
        self._download.filename = f"{stem}.yaml"

    def _uploaded(self, event) -> None:
        if event.new is not None:
            self.session.upload(event.new, self._upload.filename or "the uploaded file")
            self._upload.clear()  # so that choosing the same file again loads it again

    def _yaml(self) -> io.StringIO:
        return io.StringIO(self.session.to_yaml())

    def __panel__(self):
        return self._layout
