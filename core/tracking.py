"""Experiment tracking: a run's parameters, metrics, alarms, episodes and files logged to MLflow.

A scenario's ``tracking:`` section (:class:`TrackingSettings`), or ``--track mlflow|none`` on
``driftlab run`` / ``driftlab sweep`` (the flag wins), turns it on. What one run logs
(:func:`log_experiment`), as one MLflow run:

- params: the scenario's settings flattened to dotted paths (``trainer.strategy``,
  ``monitor.batch_size``, ``parameters.ramp.height.update.k``, ...), the tree itself as an artifact;
- per batch (MLflow step = batch index): every metric the monitor evaluated (``accuracy``, ``loss``);
- per check (MLflow step = check index): ``check.value`` (the aggregated metric fed to the
  detectors), ``<detector>.statistic``, ``<detector>.alarm`` (0/1) and ``alarm`` (the trigger's);
- per episode (MLflow step = episode index): ``episode.loss``, ``episode.train_steps``,
  ``episode.seconds``; per row i of the accuracy matrix (MLflow step = i): ``accuracy_matrix.<j>``
  = R[i, j] for the entries measured;
- summary metrics: ``alarms``, ``episodes``, ``batches`` and the CL metrics ``average_accuracy``,
  ``forgetting``, ``backward_transfer``, ``forward_transfer`` (those that are not NaN);
- artifacts: ``scenario.yaml``, ``history.parquet``, ``detection_report.csv``, ``accuracy_matrix.csv``.

Where: ``uri`` if given (``sqlite:///mlflow.db``, ``http://host:5000``, ...); otherwise a local MLflow
file store, no server: ``<output folder>/mlruns`` for the CLI, ``./mlruns`` for a library call. MLflow
3 keeps its file store in maintenance mode behind ``MLFLOW_ALLOW_FILE_STORE``; driftlab opts in for
``file:`` stores only, because every sweep cell (its own worker process) then writes its own run
folder, with no database to lock. The experiment is ``experiment`` if given, else the scenario's
name (a sweep's: ``<scenario name> sweep <output folder name>``).
"""
from __future__ import annotations

import logging
import math
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import param

from .config import Config
from .errors import ConfigError
from .extras import require

log = logging.getLogger(__name__)

BACKENDS = ("none", "mlflow")
_BATCH = 900  # MLflow takes at most 1000 metrics per log_batch


class TrackingSettings(Config):
    """The ``tracking:`` section of a scenario file.

    >>> TrackingSettings(backend="mlflow", experiment="drift study")
    TrackingSettings(backend='mlflow', experiment='drift study')
    >>> TrackingSettings(backend="wandb")
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: TrackingSettings.backend: expected one of none, mlflow, got 'wandb'
    """

    backend: param.Selector = param.Selector(default="none", objects=list(BACKENDS))  # where runs are logged
    uri = param.String(None, allow_None=True, doc="MLflow tracking URI (default: a local ./mlruns file store)")
    experiment = param.String(None, allow_None=True, doc="MLflow experiment (default: the scenario's name)")
    artifacts = param.Boolean(True, doc="log the scenario, history, detection report and accuracy matrix files")


def tracking_settings(scenario: Any, track: str | None = None, *, out: str | os.PathLike | None = None,
                      experiment: str | None = None) -> dict[str, Any] | None:
    """The tracking of a run as plain data (None: not tracked): the scenario's section, with
    ``track`` (``--track``) overriding its backend; a local file store under ``out`` unless the
    section names a ``uri``; ``experiment`` unless the section names one."""
    section = scenario.spec.get("tracking") or {}
    settings = scenario_tracking(section)
    if track is not None:
        if track not in BACKENDS:
            raise ConfigError("--track", f"expected one of {', '.join(BACKENDS)}, got {track!r}")
        settings.backend = track
    if settings.backend == "none":
        return None
    uri = settings.uri or _file_uri(Path(out or ".") / "mlruns")
    name = settings.experiment or experiment or scenario.spec.get("name") or "driftlab"
    return {"backend": settings.backend, "uri": uri, "experiment": name, "artifacts": settings.artifacts}


def scenario_tracking(section: Any) -> TrackingSettings:
    """A scenario's ``tracking:`` section, validated (errors name ``tracking.<field>``)."""
    if not isinstance(section, Mapping):
        raise ConfigError("tracking", f"expected a mapping, got {type(section).__name__} {section!r}")
    try:
        return TrackingSettings(**section)
    except ConfigError as err:
        raise ConfigError("tracking" + err.path[len("TrackingSettings"):], err.problem) from None


def client_for(uri: str):
    """An ``MlflowClient`` on ``uri`` (a ``file:`` store is allowed, see the module doc)."""
    if uri.startswith("file:"):
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    tracking = require("mlflow.tracking", "driftlab.tracking")
    return tracking.MlflowClient(tracking_uri=uri)


def experiment_id(client: Any, name: str) -> str:
    """The id of experiment ``name``, created if missing (safe when several processes race to create it)."""
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    try:
        return client.create_experiment(name)
    except Exception:  # another process created it first
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return found.experiment_id


def log_experiment(experiment: Any, history: pd.DataFrame, settings: Mapping[str, Any], *,
                   run_name: str | None = None, tags: Mapping[str, str] | None = None) -> str:
    """Log a finished :class:`~driftlab.scenario.Experiment` run as one MLflow run; returns its run id."""
    entities = require("mlflow.entities", "driftlab.tracking")
    client = client_for(settings["uri"])
    run = client.create_run(experiment_id(client, settings["experiment"]), run_name=run_name,
                            tags={"driftlab.scenario": str(experiment.scenario.spec.get("name", "")), **(tags or {})})
    run_id = run.info.run_id
    try:
        now = int(time.time() * 1000)
        params = [entities.Param(key, value) for key, value in flat_params(experiment.scenario.spec).items()]
        metrics = [entities.Metric(key, value, now, step) for key, value, step in run_metrics(experiment, history)]
        for start in range(0, len(params), 100):
            client.log_batch(run_id, params=params[start:start + 100])
        for start in range(0, len(metrics), _BATCH):
            client.log_batch(run_id, metrics=metrics[start:start + _BATCH])
        if settings.get("artifacts", True):
            with tempfile.TemporaryDirectory() as folder:
                write_artifacts(experiment, history, Path(folder))
                client.log_artifacts(run_id, folder)
        client.set_terminated(run_id, "FINISHED")
    except BaseException:
        client.set_terminated(run_id, "FAILED")
        raise
    log.info("tracking: logged run %s to %s (experiment %r)", run_id, settings["uri"], settings["experiment"])
    return run_id


def flat_params(spec: Mapping[str, Any]) -> dict[str, str]:
    """The scenario's settings as ``{dotted.path: text}`` (the tree's topology left out: it is a file).

    >>> flat_params({"seed": 1, "tree": ["a"], "trainer": {"strategy": {"type": "replay", "ratio": 0.5}}})
    {'seed': '1', 'trainer.strategy.type': 'replay', 'trainer.strategy.ratio': '0.5'}
    """
    out: dict[str, str] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, Mapping) and value:
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list) and value and any(isinstance(v, (Mapping, list)) for v in value):
            for i, item in enumerate(value):
                walk(item, f"{path}.{i}")
        else:
            out[path] = str(value)[:6000]

    walk({k: v for k, v in spec.items() if k not in ("tree", "description", "tracking")}, "")
    return out


def run_metrics(experiment: Any, history: pd.DataFrame) -> list[tuple[str, float, int]]:
    """``(key, value, step)`` of every metric a run logs (see the module doc)."""
    out: list[tuple[str, float, int]] = []
    monitor = experiment.monitor
    skip = {"batch", "step", "check", "value", "alarm", "adapted", "skipped", "change_point"}
    evaluated = [c for c in history.columns if c not in skip and "." not in c]
    for row in history.to_dict("records"):
        out += [(name, float(row[name]), int(row["batch"])) for name in evaluated if _number(row[name])]
        if row["check"] >= 0:
            check = int(row["check"])
            out.append(("check.value", float(row["value"]), check))
            out.append(("alarm", float(bool(row["alarm"])), check))
            for name in experiment.detectors:
                if f"{name}.statistic" in row and _number(row[f"{name}.statistic"]):
                    out.append((f"{name}.statistic", float(row[f"{name}.statistic"]), check))
                    out.append((f"{name}.alarm", float(bool(row[f"{name}.alarm"])), check))
    for episode in monitor.episodes:
        for key, name in (("loss", "episode.loss"), ("train_steps", "episode.train_steps"),
                          ("seconds", "episode.seconds")):
            if _number(episode.get(key)):
                out.append((name, float(episode[key]), int(episode["episode"])))
    summary = {"alarms": float(history["alarm"].astype(bool).sum()) if "alarm" in history else 0.0,
               "episodes": float(len(monitor.episodes)), "batches": float(len(history))}
    trainer = experiment.trainer
    if trainer is not None and len(trainer.experiences):
        R = trainer.experiences.matrix
        out += [(f"accuracy_matrix.{j}", float(R[i, j]), i) for i in range(len(R)) for j in range(len(R))
                if not np.isnan(R[i, j])]
        summary.update(trainer.experiences.metrics())
    out += [(key, float(value), 0) for key, value in summary.items() if _number(value)]
    return out


def write_artifacts(experiment: Any, history: pd.DataFrame, folder: Path) -> None:
    """The run's files in ``folder``: scenario.yaml, history.parquet, detection_report.csv, accuracy_matrix.csv."""
    from .scenario import dump_scenario

    (folder / "scenario.yaml").write_text(dump_scenario(experiment.scenario), encoding="utf-8")
    require("pyarrow", "driftlab.tracking")
    history.to_parquet(folder / "history.parquet", index=False)
    experiment.monitor.detection_report().to_csv(folder / "detection_report.csv", index=False)
    trainer = experiment.trainer
    if trainer is not None and len(trainer.experiences):
        steps = trainer.experiences.steps
        pd.DataFrame(trainer.experiences.matrix, index=pd.Index(steps, name="trained_at_step"),
                     columns=[f"step_{k}" for k in steps]).to_csv(folder / "accuracy_matrix.csv")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and not math.isnan(float(value))


def _file_uri(path: Path) -> str:
    return path.resolve().as_uri()
