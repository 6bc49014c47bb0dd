"""Runs to compare against: a run saved in the dashboard, or the results of a sweep.

Both are summarised in the figures of a sweep's results table (:func:`driftlab.sweep.result_rows`:
``mean_accuracy``, ``alarms``, the continual-learning metrics, per detector its alarms, delay and
false alarms), so a run in the page, a saved run and a sweep's grid points compare like for like.
A sweep's grid point shows the mean over its seeds (:func:`driftlab.sweep.aggregate`).

>>> table = comparison_table({"mean_accuracy": 0.75, "alarms": 2}, {"before": {"mean_accuracy": 0.5, "alarms": 3}})
>>> table.values.tolist()
[['mean_accuracy', '0.75', '0.5'], ['alarms', '2', '3']]
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from driftlab.errors import ConfigError
from driftlab.sweep import aggregate, result_rows

# the figures of a run, in the order a comparison lists them (then the detectors', by name)
FIGURES = ("mean_accuracy", "alarms", "episodes", "average_accuracy", "forgetting_avalanche", "forgetting_chaudhry",
           "backward_transfer", "forward_transfer", "batches")
DETECTOR_FIGURES = (".alarms", ".detected", ".missed", ".delay", ".false_alarms")


@dataclass(frozen=True)
class SavedRun:
    """A run as it stood when saved: its history, detection report, accuracy matrix and summary figures."""

    name: str
    metric: str
    history: pd.DataFrame
    detection_report: pd.DataFrame
    accuracy_matrix: np.ndarray
    summary: dict[str, Any]

    @classmethod
    def of(cls, name: str, experiment: Any) -> SavedRun:
        """The run of ``experiment`` (built, with a monitor) as it stands now (hold the session's lock)."""
        monitor = experiment.monitor
        history = monitor.history
        first = result_rows(experiment, history)[0]
        summary = {key: value for key, value in first.items() if key in FIGURES or key.endswith(DETECTOR_FIGURES)}
        trainer = experiment.trainer
        matrix = np.array(trainer.experiences.matrix, dtype=float) if trainer is not None else np.zeros((0, 0))
        return cls(name, monitor.metric, history, monitor.detection_report(), matrix, summary)

    def alarms(self) -> pd.DataFrame:
        """The batches at which the trigger detector raised an alarm, with the metric there."""
        hits = self.history[self.history["alarm"].astype(bool)] if "alarm" in self.history else self.history[:0]
        return hits[["batch", self.metric]]


@dataclass(frozen=True)
class SweepResults:
    """A sweep's results table (``results.parquet`` or ``results.csv``) and the mean of each figure per grid point."""

    folder: str
    grid: list[str]
    results: pd.DataFrame
    means: dict[str, dict[str, float]]  # grid point ("strategy=replay") -> figure -> mean over seeds


def read_sweep(folder: str, root: str | os.PathLike = ".") -> SweepResults:
    """The results in a sweep's output folder: ``results.parquet`` (else ``results.csv``); the grid from
    its ``sweep.json`` when there (without it, all cells form one point).

    ``folder`` is relative to ``root``, and must lie inside it (a page's user names a folder on the
    server's disk: only folders under the one the server shares are read).
    Raises :class:`~driftlab.errors.ConfigError` naming the folder when it is outside ``root`` or holds
    no results table.
    """
    base = Path(root).resolve()
    path = (base / folder.strip()).resolve()
    if not path.is_relative_to(base):
        raise ConfigError("sweep folder", f"expected a folder inside {str(base)!r} (the folder sweeps are opened "
                                          f"from), got {folder.strip()!r}")
    if not path.is_dir():
        raise ConfigError("sweep folder", f"expected a folder written by driftlab sweep, got {str(path)!r}: "
                                          "no such folder")
    parquet, csv = path / "results.parquet", path / "results.csv"
    if parquet.is_file():
        results = pd.read_parquet(parquet)
    elif csv.is_file():
        results = pd.read_csv(csv)
    else:
        raise ConfigError("sweep folder", f"expected results.parquet or results.csv in {str(path)!r}; "
                                          "run driftlab sweep --out there first")
    manifest = path / "sweep.json"
    grid = list(json.loads(manifest.read_text(encoding="utf-8")).get("grid") or {}) if manifest.is_file() else []
    missing = [column for column in ("cell", "status", *grid) if column not in results]
    if missing:
        name = parquet.name if parquet.is_file() else csv.name
        raise ConfigError(f"sweep folder.{name}",
                          f"expected a driftlab sweep results table; it has no column {', '.join(missing)}")
    figures = [f for f in FIGURES if f in results] + [c for c in results.columns if c.endswith(DETECTOR_FIGURES)]
    means: dict[str, dict[str, float]] = {}
    for row in aggregate(results, grid, figures).to_dict("records"):
        point = " · ".join(f"{key}={row[key]}" for key in grid) if grid else "all cells"
        means.setdefault(f"sweep: {point}", {})[row["metric"]] = row["mean"]
    return SweepResults(str(path), grid, results, means)


def comparison_table(current: dict[str, Any], others: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per figure the current run has, one column per run (the current one first), values
    as text (4 significant digits; "—" where a run lacks the figure)."""
    figures = [f for f in FIGURES if f in current] + sorted(k for k in current if k.endswith(DETECTOR_FIGURES))
    columns = {"current run": current, **others}
    return pd.DataFrame([{"figure": figure, **{name: _text(values.get(figure)) for name, values in columns.items()}}
                         for figure in figures])


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)
