"""Downloads: the run's results as files, CSV or Parquet, taken from the session when clicked.

Three tables: the monitor's **history** (one row per batch: :attr:`driftlab.monitor.Monitor.history`),
its **detection report** (:meth:`driftlab.monitor.Monitor.detection_report`) and the **accuracy
matrix** ``R[i, j]`` (accuracy on experience ``j`` after training on experience ``i``; a row per
``i``, columns ``0..n-1``, empty where not evaluated). Each file is named after the
scenario, e.g. ``time_series_drift_history.csv``.

>>> import pandas as pd
>>> pd.read_csv(io.BytesIO(table_bytes(pd.DataFrame({"a": [1, 2]}), "csv"))).a.tolist()
[1, 2]
"""
from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from .session import Session

FORMATS = ("csv", "parquet")
_UNSAFE_IN_FILENAME = re.compile(r"[^\w.-]+")


def table_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """``frame`` as a CSV (no index) or Parquet file's content."""
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()
    raise ValueError(f"format: expected one of {FORMATS}, got {fmt!r}")


def accuracy_frame(matrix: np.ndarray) -> pd.DataFrame:
    """The accuracy matrix as a table: column ``trained`` (i), then one column per experience ``j``."""
    frame = pd.DataFrame(np.asarray(matrix, dtype=float), columns=[str(j) for j in range(len(matrix))])
    frame.insert(0, "trained", range(len(matrix)))
    return frame


class Downloads(Viewer):
    """A format choice and one download button per table of the run."""

    session = param.ClassSelector(class_=Session, constant=True, allow_None=NoNone)

    def __init__(self, session: Session, **params):
        super().__init__(session=session, **params)
        self._format = pn.widgets.RadioButtonGroup(label="File format", options=list(FORMATS), value="csv",
                                                   css_classes=["dl-download-format"])
        self._buttons = {
            what: pn.widgets.FileDownload(callback=lambda what=what: self._file(what), label=label,
                                          filename=f"{what}.csv", css_classes=[f"dl-download-{what}"],
                                          sizing_mode="stretch_width")
            for what, label in [("history", "History"), ("detection_report", "Detection report"),
                                ("accuracy_matrix", "Accuracy matrix")]}
        self._layout = pn.Column("### Download the run", self._format, *self._buttons.values(),
                                 sizing_mode="stretch_width")
        self._format.param.watch(self._rename, "value")
        session.param.watch(self._rename, "scenario")
        self._rename()

    def table(self, what: str) -> pd.DataFrame:
        """The table named ``what`` (history, detection_report, accuracy_matrix) as it stands now."""
        experiment = self.session.experiment
        with self.session.lock:
            if what == "accuracy_matrix":
                trainer = experiment.trainer
                return accuracy_frame(trainer.experiences.matrix if trainer is not None else np.zeros((0, 0)))
            monitor = experiment.monitor
            if monitor is None:
                return pd.DataFrame()
            return monitor.history if what == "history" else monitor.detection_report()

    def _file(self, what: str) -> io.BytesIO:
        return io.BytesIO(table_bytes(self.table(what), self._format.value))

    def _rename(self, *events) -> None:
        name = str(self.session.scenario.spec.get("name") or "scenario")
        stem = _UNSAFE_IN_FILENAME.sub("_", name).strip("._") or "scenario"
        for what, button in self._buttons.items():
            button.filename = f"{stem}_{what}.{self._format.value}"

    def __panel__(self):
        return self._layout
