"""StepScrubber: look back at any step the run has reached, then return to following it.

A slider over the steps seen so far (0 to the stream's current step) sets the session's ``scrub``;
the drift plots mark the batches of that step, the samples show the stream as it was at that step
and the tree its parameter values there (both drawn from copies: a Parameter's value at step k is a
pure function of its definition, its seed and k, so the same seed gives the same samples). **Live**
(on by default, and again after a new scenario or reset) follows the run; moving the slider turns
it off. The run itself goes on untouched while the views look back.
"""
from __future__ import annotations

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from .session import Session


class StepScrubber(Viewer):
    """A "Show step" slider, a "Live" toggle and a line saying which step the views show."""

    session = param.ClassSelector(class_=Session, constant=True, allow_None=NoNone)

    def __init__(self, session: Session, **params):
        super().__init__(session=session, **params)
        self._slider = pn.widgets.IntSlider(label="Show step", start=0, end=1, value=0, css_classes=["dl-scrub"],
                                            sizing_mode="stretch_width")
        self._live = pn.widgets.Toggle(label="Live", value=True, css_classes=["dl-live"])
        self._status = pn.pane.Markdown(css_classes=["dl-scrub-status"], margin=(0, 10), width=420)
        # one row above the drift plots it marks
        self._layout = pn.Row(self._slider, self._live, self._status, sizing_mode="stretch_width")
        self._following = False  # the slider is being moved here to follow the run, not by the user
        self._slider.param.watch(self._scrub, "value")
        self._live.param.watch(self._toggle, "value")
        session.param.watch(self._update, ["step", "scrub"])
        self._update()

    def _scrub(self, event) -> None:
        if not self._following:
            self.session.scrub = min(event.new, self.session.step)

    def _toggle(self, event) -> None:
        if event.new:
            self.session.scrub = None
        elif self.session.scrub is None:
            self.session.scrub = self.session.step  # held where the run is now

    def _update(self, *events) -> None:
        step, scrub = self.session.step, self.session.scrub
        self._following = True
        try:
            self._slider.param.update(end=max(step, 1), disabled=step == 0, value=step if scrub is None else scrub)
        finally:
            self._following = False
        self._live.value = scrub is None
        self._status.object = (f"**Live**: following the run (step {step})" if scrub is None else
                               f"**Showing step {scrub}** (the run is at step {step}): press Live to follow it")

    def __panel__(self):
        return self._layout
