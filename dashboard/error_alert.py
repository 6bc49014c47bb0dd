"""ErrorAlert: the session's last error, in the page (hidden while there is none)."""
from __future__ import annotations

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from .actions import on_click
from .session import Session
from .text import literal


class ErrorAlert(Viewer):
    """A red alert with the session's ``error`` and a Dismiss button."""

    session = param.ClassSelector(class_=Session, constant=True, allow_None=NoNone)

    def __init__(self, session: Session, **params):
        super().__init__(session=session, **params)
        self._alert = pn.pane.Alert("", alert_type="danger", css_classes=["dl-error"], sizing_mode="stretch_width")
        dismiss = pn.widgets.Button(label="Dismiss", css_classes=["dl-error-dismiss"], align="center")
        on_click(dismiss, lambda: session.param.update(error=""))
        self._layout = pn.Row(self._alert, dismiss, sizing_mode="stretch_width", visible=False)
        session.param.watch(self._show, "error")
        self._show()

    def _show(self, *events) -> None:
        message = self.session.error
        # literal text: a path such as parameters.ramp_height must not turn into markup
        self._alert.object = "**Error.** " + literal(message)
        self._layout.visible = bool(message)

    def __panel__(self):
        return self._layout
