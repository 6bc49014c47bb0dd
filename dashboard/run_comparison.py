"""RunComparison: save the run under a name, overlay a saved run on the drift plots, open a sweep's results.

**Save run** keeps the run as it stands (:meth:`Session.save_run`); saved runs outlive a reset or
another scenario, so a run can be compared with the one before an edit. **Compare with** names the
saved run the drift plots overlay (:class:`~driftlab.dashboard.DriftPlots`). **Open sweep** reads
the results folder ``driftlab sweep --out`` wrote, on the server's disk, inside the session's
``sweeps_root`` (the server's working directory; a path outside it is refused), and only its
``results.parquet`` or ``results.csv`` and ``sweep.json``. The table lists the run's figures (those of a sweep's results
table: :mod:`driftlab.dashboard.runs`) beside the compared run's and each sweep grid point's mean
over seeds; it follows the run step by step.
"""
from __future__ import annotations

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from .actions import on_click
from .runs import comparison_table
from .session import Session

NONE = "(none)"  # the "Compare with" choice that overlays nothing


class RunComparison(Viewer):
    """Save the run, pick a saved run to overlay, open a sweep folder, and a table comparing them."""

    session = param.ClassSelector(class_=Session, constant=True, allow_None=NoNone)

    def __init__(self, session: Session, **params):
        super().__init__(session=session, **params)
        self._name = pn.widgets.TextInput(label="Run name", value="run 1", css_classes=["dl-run-name"],
                                          sizing_mode="stretch_width")
        self._save = pn.widgets.Button(label="Save run", css_classes=["dl-save-run"])
        self._compare = pn.widgets.Select(label="Compare with", options=[NONE], css_classes=["dl-compare-select"],
                                          sizing_mode="stretch_width")
        self._folder = pn.widgets.TextInput(label="Sweep results folder",
                                            placeholder="the folder of driftlab sweep --out",
                                            css_classes=["dl-sweep-folder"], sizing_mode="stretch_width")
        self._open = pn.widgets.Button(label="Open sweep", css_classes=["dl-open-sweep"])
        self._table = pn.pane.DataFrame(index=False, css_classes=["dl-comparison"], sizing_mode="stretch_width")
        self._layout = pn.Column("### Compare runs", self._name, self._save, self._compare, self._folder, self._open,
                                 self._table, sizing_mode="stretch_width")
        on_click(self._save, self._save_run)
        on_click(self._open, lambda: session.open_sweep(self._folder.value or ""))
        self._compare.param.watch(self._choose, "value")
        session.param.watch(self._list_saved, "saved_runs")
        session.param.watch(self._refresh, ["compared", "saved_runs", "sweep", "step", "episodes", "experiment"])
        self._list_saved()
        self._refresh()

    def _save_run(self) -> None:
        if self.session.save_run(self._name.value or ""):
            self._name.value = f"run {len(self.session.saved_runs) + 1}"

    def _choose(self, event) -> None:
        self.session.compared = "" if event.new == NONE else event.new

    def _list_saved(self, *events) -> None:
        self._compare.options = [NONE, *self.session.saved_runs]

    def _refresh(self, *events) -> None:
        session = self.session
        if session.experiment.monitor is None:
            self._table.object = None
            return
        others = {}
        saved = session.saved_runs.get(session.compared)
        if saved is not None:
            others[saved.name if saved.name != "current run" else "current run (saved)"] = saved.summary
        if session.sweep is not None:
            others.update(session.sweep.means)
        self._table.object = comparison_table(session.current_summary(), others)

    def __panel__(self):
        return self._layout
