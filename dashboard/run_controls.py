"""RunControls: start, pause and step the stream and its monitor; set the speed; how to begin."""
from __future__ import annotations

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from .actions import on_click
from .session import Session

ONBOARDING = ("Press **Start**: batches stream through the model, the drift plots fill in, and a detector's "
              "alarm (▲) retrains the model. Edit the stream below the plots, even while it runs.")


class RunControls(Viewer):
    """Start / Pause / Step buttons, a speed slider (batches per second), the run's status, and a short
    onboarding text shown until the first batch."""

    session = param.ClassSelector(class_=Session, constant=True, allow_None=NoNone)

    def __init__(self, session: Session, **params):
        super().__init__(session=session, **params)
        self._start = pn.widgets.Button(label="Start", color="primary", css_classes=["dl-run-start"])
        self._pause = pn.widgets.Button(label="Pause", css_classes=["dl-run-pause"])
        self._step = pn.widgets.Button(label="Step", css_classes=["dl-run-step"])
        on_click(self._start, session.start)
        on_click(self._pause, session.pause)
        on_click(self._step, session.step_once)
        speed = pn.widgets.IntSlider.from_param(session.param.speed, label="Speed (batches per second)",
                                                css_classes=["dl-speed"], sizing_mode="stretch_width")
        self._status = pn.pane.Markdown(css_classes=["dl-run-status"], margin=(0, 10))
        self._onboarding = pn.pane.Markdown(ONBOARDING, css_classes=["dl-onboarding"], margin=(0, 10),
                                            sizing_mode="stretch_width")
        self._layout = pn.Column("### Run", self._onboarding, pn.Row(self._start, self._pause, self._step), speed,
                                 self._status, sizing_mode="stretch_width")
        session.param.watch(self._update, ["state", "step", "batch", "scenario", "training"])
        self._update()

    def _update(self, *events) -> None:
        session = self.session
        state = session.state
        busy = state in ("running", "pretraining")
        self._start.disabled = busy or state == "finished"
        self._step.disabled = busy or state == "finished"
        self._pause.disabled = not busy
        self._onboarding.visible = session.batch == 0 and state == "idle"
        self._status.object = (f"**{state}** · step {session.step} of {session.max_steps} · "
                               f"{session.batch} batches" + (" · retraining" if session.training else ""))

    def __panel__(self):
        return self._layout
