"""Sweeps: a grid of scenario overrides × seeds, each cell one run, executed on Dask distributed.

A *grid* maps override paths to the values to try (``{"trainer.strategy": ["naive", "replay"]}``);
its *points* are the cartesian product, in the order the keys and values are given. A *cell* is
one point with one seed index; the sweep runs every cell once.

Seeds: seed index ``s`` runs the scenario with seed ``cell_seed(scenario seed, s)``, drawn from
``SeedSequence(scenario seed, spawn_key=(3, s))``. It depends on the seed index only, not on the
grid point: every point of a grid sees the same streams for the same ``s`` (paired comparisons).

Execution: on a Dask ``distributed`` cluster. The default is a ``LocalCluster`` started for the
sweep (one worker process per core, one thread each, on 127.0.0.1); ``scheduler="tcp://HOST:PORT"``
(or the environment variable ``DASK_SCHEDULER_ADDRESS``) or a connected ``distributed.Client`` uses
an existing cluster, whose workers
need driftlab installed and the output folder only for tracking. ``scheduler="serial"`` runs the
cells one after another in this process, without Dask (the baseline of ``benchmarks/sweep.py``).

Threads: a cell runs on one thread, one torch thread (``torch.set_num_threads(1)``) and no
prefetch thread (``monitor.prefetch=false``): a sweep's parallelism is across cells, one per worker
process, so a second thread per cell would only compete with the other workers' cells for the same
cores, and the serial baseline of ``benchmarks/sweep.py`` runs the same one-thread cells. Prefetch
changes no result (:mod:`driftlab.monitor`).

Reproducibility: a cell runs on whatever worker takes it, from a scenario rebuilt from its YAML
text, with the thread rule above, so its results do not depend on the worker, the number of
workers or the order (only ``wall_seconds`` does).

Results, in the output folder: ``cells/<cell>.json`` per finished cell (written atomically as each
cell ends), and the tidy table ``results.parquet`` + ``results.csv`` rebuilt from them while the
sweep runs and at its end, rows in cell order. A rerun into the same folder skips the cells that
succeeded; failed cells run again. A failing cell is recorded (``status="error"``, ``error``) and
the sweep goes on.

The table has one row per cell and per experience (a cell that trained on no experience has one
row, ``experience`` NaN): the grid point's values (as text), ``seed``, ``scenario_seed``, ``status``,
``error``, ``wall_seconds``, ``batches``, ``steps``, ``episodes``, ``mean_accuracy`` (the monitored
accuracy over the run), ``alarms`` (of the trigger detector), per detector ``<name>.alarms``,
``.detected``, ``.missed``, ``.delay`` (mean detection delay in batches) and ``.false_alarms``
(:meth:`~driftlab.monitor.Monitor.detection_report`), the CL metrics of
:meth:`~driftlab.training.evaluation.Experiences.metrics` (``average_accuracy``,
``forgetting_avalanche``, ``forgetting_chaudhry``, ``backward_transfer``, ``forward_transfer``), and
per experience i its ``experience_step``, ``accuracy`` R[i, i], ``accuracy_final`` R[T−1, i], ``accuracy_before``
R[i−1, i], ``baseline`` b[i] and ``accuracy_row`` (row i of R as JSON).

>>> parse_grid(["trainer.strategy=naive,replay", "model.hidden=[8, 4],[16]"])
{'trainer.strategy': ['naive', 'replay'], 'model.hidden': [[8, 4], [16]]}
>>> parse_seeds("0-2,7")
[0, 1, 2, 7]
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import itertools
import json
import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .errors import ConfigError
from .extras import require
from .files import write_atomically
from .registry import import_plugins

log = logging.getLogger(__name__)

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
_SWEEP_SEED = 3  # the SeedSequence domain tag of sweep seeds (0, 1, 2 are in driftlab.seeds)
CL_METRICS = ("average_accuracy", "forgetting_avalanche", "forgetting_chaudhry", "backward_transfer",
              "forward_transfer")
METRICS = (*CL_METRICS, "mean_accuracy", "alarms", "episodes", "wall_seconds")


def cell_seed(scenario_seed: int, seed_index: int) -> int:
    """The scenario seed of seed index ``seed_index``: the first 63-bit word of
    ``SeedSequence(scenario_seed, spawn_key=(3, seed_index))``."""
    word = np.random.SeedSequence(scenario_seed, spawn_key=(_SWEEP_SEED, seed_index)).generate_state(1, np.uint64)[0]
    return int(word >> np.uint64(1))


def split_values(text: str) -> list[str]:
    """``"a,[1, 2],{k: 3}"`` -> ``["a", "[1, 2]", "{k: 3}"]``: commas inside brackets or quotes stay."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [part.strip() for part in parts]


def parse_grid(items: Iterable[str]) -> dict[str, list[Any]]:
    """``KEY=V1,V2`` items (``--grid``) -> ``{KEY: [V1, V2]}``, each value parsed as YAML."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        key, sep, text = str(item).partition("=")
        key = key.strip()
        if not sep or not key or not text.strip():
            raise ConfigError(f"--grid {item}", "expected KEY=V1,V2,..., e.g. trainer.strategy=naive,replay")
        if key in grid:
            raise ConfigError(f"--grid {key}", "given twice; list all its values in one --grid")
        values = []
        for part in split_values(text):
            try:
                values.append(yaml.safe_load(part))
            except yaml.YAMLError as exc:
                raise ConfigError(f"--grid {key}", f"the value {part!r} is not valid YAML: {exc}") from None
        grid[key] = values
    return grid


def parse_seeds(text: str | int | Iterable[int]) -> list[int]:
    """``"0-19"``, ``"0,3,5"``, ``"0-3,8"`` or integers -> the sorted seed indices, without repeats."""
    items: list[Any]
    if isinstance(text, str):
        items = [part.strip() for part in text.split(",")]
    elif isinstance(text, Iterable):
        items = list(text)
    else:
        items = [text]
    seeds: set[int] = set()
    for item in items:
        try:
            if isinstance(item, bool):
                raise TypeError
            if isinstance(item, str) and "-" in item.lstrip("-"):
                low, high = (int(v) for v in item.split("-", 1))
                if high < low:
                    raise ValueError
                seeds.update(range(low, high + 1))
            else:
                seeds.add(int(item))
        except (TypeError, ValueError):
            raise ConfigError("--seeds", f"expected seed indices like 0-19 or 0,3,5; got {text!r}") from None
    if not seeds or min(seeds) < 0:
        raise ConfigError("--seeds", f"expected at least one seed index >= 0; got {text!r}")
    return sorted(seeds)


def value_text(value: Any) -> str:
    """A grid value as the text of its table column: a string as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


@dataclass(frozen=True)
class Cell:
    """One run of a sweep: a grid point (``(path, value)`` pairs) and a seed index.

    Its ``key`` is a hash of the point and the seed index: the name of its result file.

    >>> cell = Cell((("trainer.strategy", "replay"),), 3)
    >>> cell.overrides(), len(cell.key)
    (['trainer.strategy="replay"'], 16)
    """

    point: tuple[tuple[str, Any], ...]
    seed: int

    @property
    def key(self) -> str:
        text = json.dumps([[list(pair) for pair in self.point], self.seed], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def overrides(self) -> list[str]:
        """The point as ``path=value`` items (JSON, which YAML reads back as the same value)."""
        return [f"{path}={json.dumps(value)}" for path, value in self.point]


class Sweep:
    """A scenario, a grid of overrides and seed indices: the cells to run (see the module doc).

    ``scenario`` is YAML text, a scenario file or a built-in scenario's name; ``overrides`` are
    ``path=value`` items (``--set``) applied to it once, before the grid: the sweep's scenario text
    (and so its folder's manifest) holds them. Every grid point is validated before anything runs;
    an error names the grid key (``--grid trainer.strategy``).

    >>> sweep = Sweep("detector_comparison", {"monitor.batch_size": [32, 64]}, seeds="0-1")
    >>> len(sweep.cells), sweep.cells[1].point, sweep.cells[1].seed
    (4, (('monitor.batch_size', 32),), 1)
    >>> Sweep("detector_comparison", {"trainer.strategy": ["navie"]})
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: --grid trainer.strategy=navie: ... (did you mean 'naive'?)
    """

    def __init__(self, scenario: str | os.PathLike, grid: Mapping[str, Sequence[Any]] | None = None,
                 seeds: str | int | Iterable[int] = 0, *, overrides: Iterable[str] = (),
                 plugins: Iterable[str] = (), tracking: Mapping[str, Any] | None = None):
        from .library.scenarios import scenario_source
        from .scenario import dump_scenario, load_scenario

        source = scenario_source(scenario)
        self.plugins = tuple(plugins)
        import_plugins(self.plugins)
        self.scenario = load_scenario(source, overrides=overrides)
        self.text = dump_scenario(self.scenario)
        self.grid = {str(key): list(values) for key, values in (grid or {}).items()}
        self.seeds = parse_seeds(seeds)
        self.tracking = dict(tracking) if tracking else None
        for key, values in self.grid.items():
            if key == "seed" or key.startswith("seed."):
                raise ConfigError(f"--grid {key}", "the seed is set per cell; give seed indices with --seeds")
            if not values:
                raise ConfigError(f"--grid {key}", "expected at least one value")
        for point in self.points:
            try:
                load_scenario(self.text, overrides=Cell(point, 0).overrides())
            except ConfigError as err:
                where = " ".join(f"{path}={value_text(value)}" for path, value in point)
                culprit = next((f"{p}={value_text(v)}" for p, v in point if err.path.startswith(p)
                                or f"--set {p}=" in err.path), where)
                raise ConfigError(f"--grid {culprit}", str(err)) from None

    @property
    def points(self) -> list[tuple[tuple[str, Any], ...]]:
        """The grid points: the cartesian product of the values, in the order given."""
        keys = list(self.grid)
        return [tuple(zip(keys, values, strict=True)) for values in itertools.product(*self.grid.values())]

    @property
    def cells(self) -> list[Cell]:
        """Every cell: each grid point with each seed index (point-major order)."""
        return [Cell(point, seed) for point in self.points for seed in self.seeds]

    def task(self, cell: Cell) -> dict[str, Any]:
        """What a worker needs to run ``cell``: plain data only."""
        return {"cell": cell.key, "text": self.text, "point": [list(pair) for pair in cell.point],
                "seed": cell.seed, "scenario_seed": cell_seed(self.scenario.seed, cell.seed),
                "plugins": list(self.plugins),
                "tracking": self.tracking}

    def run(self, out: str | os.PathLike, scheduler: Any = None, *, workers: int | None = None,
            progress: bool = False, on_start: Callable[[str], Any] | None = None) -> pd.DataFrame:
        """Run the cells not finished in ``out``; returns the results table (see the module doc).

        With ``tracking`` (:func:`driftlab.tracking.tracking_settings`), each cell is also one MLflow run
        in the sweep's experiment, named after its grid point and seed index.

        ``scheduler``: None (``DASK_SCHEDULER_ADDRESS`` or a LocalCluster of ``workers`` processes),
        a scheduler address, a connected ``distributed.Client`` (kept open), or ``"serial"``.
        ``progress`` shows a tqdm bar; ``on_start(link)`` is called with the Dask dashboard's address
        once the cluster is up.
        """
        out = Path(out)
        (out / "cells").mkdir(parents=True, exist_ok=True)
        self._write_manifest(out)
        cells = self.cells
        done = {cell.key for cell in cells if _finished(out / "cells" / f"{cell.key}.json")}
        pending = [self.task(cell) for cell in cells if cell.key not in done]
        log.info("sweep: %d cells, %d finished before, %d to run", len(cells), len(done), len(pending))
        if self.tracking and pending:  # created here, once, rather than raced for by the workers
            from .tracking import client_for, experiment_id

            experiment_id(client_for(self.tracking["uri"]), self.tracking["experiment"])
        bar = _progress_bar(len(cells), len(done)) if progress else None
        last_write = time.monotonic()
        try:
            def started(link: str) -> None:
                if bar is not None:
                    bar.clear()  # the caller's line goes above the bar, not inside it
                if on_start is not None:
                    on_start(link)
                if bar is not None:
                    bar.refresh()

            for task, record in execute(pending, scheduler, workers=workers, on_start=started):
                write_json(out / "cells" / f"{task['cell']}.json", record)
                if record["status"] != "ok":
                    log.warning("sweep: cell %s %s failed: %s", task["cell"], task["point"], record["rows"][0]["error"])
                if bar is not None:
                    bar.update(1)
                if time.monotonic() - last_write > 2.0:
                    self.table(out, write=True)
                    last_write = time.monotonic()
        finally:
            if bar is not None:
                bar.close()
        return self.table(out, write=True)

    def table(self, out: str | os.PathLike, write: bool = False) -> pd.DataFrame:
        """The results table of the finished cells in ``out`` (cell order); ``write``: also as
        ``results.parquet`` and ``results.csv``."""
        out = Path(out)
        rows = []
        for cell in self.cells:
            path = out / "cells" / f"{cell.key}.json"
            if path.exists():
                rows.extend(json.loads(path.read_text(encoding="utf-8"))["rows"])
        frame = pd.DataFrame(rows)
        if write:
            write_table(frame, out)
        return frame

    def _write_manifest(self, out: Path) -> None:
        manifest = out / "sweep.json"
        if manifest.exists():
            before = json.loads(manifest.read_text(encoding="utf-8"))
            if before.get("scenario") != self.text:
                raise ConfigError("--out", f"{out} holds a sweep of another scenario; choose another folder")
        write_json(manifest, {"scenario": self.text, "grid": self.grid, "seeds": self.seeds,
                              "cells": [cell.key for cell in self.cells]})


def execute(tasks: list[dict[str, Any]], scheduler: Any = None, *, workers: int | None = None,
            on_start: Callable[[str], Any] | None = None) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Run ``run_cell`` on each task; yields ``(task, record)`` as cells finish (see :class:`Sweep`)."""
    if not tasks:
        return
    if scheduler == "serial":
        for task in tasks:
            yield task, run_cell(task)
        return
    distributed = require("distributed", "driftlab.sweep")
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    with contextlib.ExitStack() as stack:
        if isinstance(scheduler, distributed.Client):
            client = scheduler
        elif address:
            client = stack.enter_context(distributed.Client(address, timeout="60s"))
        else:
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address="127.0.0.1:0", silence_logs=logging.WARNING))
            client = stack.enter_context(distributed.Client(cluster))
        log.info("sweep: Dask dashboard at %s", client.dashboard_link)
        if on_start is not None:
            on_start(client.dashboard_link)
        futures = client.map(run_cell, tasks, key=[f"driftlab-cell-{task['cell']}" for task in tasks], pure=False)
        by_key = {future.key: task for future, task in zip(futures, tasks, strict=True)}
        for future in distributed.as_completed(futures):
            task = by_key[future.key]
            try:
                record = future.result()
            except Exception as exc:  # the worker died or the task could not run: the sweep goes on
                record = _failed(task, exc, math.nan)
            future.release()
            yield task, record


def run_cell(task: Mapping[str, Any]) -> dict[str, Any]:
    """Run one cell (a :meth:`Sweep.task`) on one thread (see the module doc); returns
    ``{"rows": [...], "status": ...}``.

    Never raises: an error is recorded in the result with the cell's identity.
    """
    from .scenario import load_scenario

    start = time.perf_counter()
    try:
        overrides = [*Cell(tuple(map(tuple, task["point"])), task["seed"]).overrides(),
                     f"seed={task['scenario_seed']}", "monitor.prefetch=false"]
        with _one_torch_thread():
            import_plugins(task["plugins"])
            scenario = load_scenario(task["text"], overrides=overrides)
            experiment = scenario.build(threads=1)
            history = experiment.run()
        seconds = time.perf_counter() - start
        rows = [{**_identity(task), **row, "wall_seconds": seconds} for row in result_rows(experiment, history)]
        if task.get("tracking"):
            from .tracking import log_experiment

            log_experiment(experiment, history, task["tracking"], run_name=_run_name(task),
                           tags={"driftlab.cell": task["cell"], "driftlab.seed_index": str(task["seed"])})
        return {"status": "ok", "rows": rows}
    except Exception as exc:
        return _failed(task, exc, time.perf_counter() - start)


def result_rows(experiment: Any, history: pd.DataFrame) -> list[dict[str, Any]]:
    """The table rows of one finished run: cell columns on every row, one row per experience."""
    monitor = experiment.monitor
    cell: dict[str, Any] = {"status": "ok", "error": None, "batches": len(history),
                            "steps": int(experiment.tree.update_step), "episodes": len(monitor.episodes),
                            "mean_accuracy": float(history["accuracy"].mean()) if "accuracy" in history else math.nan,
                            "alarms": int(history["alarm"].astype(bool).sum()) if "alarm" in history else 0}
    report = monitor.detection_report()
    for name in experiment.detectors:
        mine = report[report["detector"] == name]
        changes = mine[mine["detected"].notna()]
        column = f"{name}.alarm"
        cell[f"{name}.alarms"] = int(history[column].fillna(False).astype(bool).sum()) if column in history else 0
        cell[f"{name}.detected"] = int(changes["detected"].astype(bool).sum())
        cell[f"{name}.missed"] = int((~changes["detected"].astype(bool)).sum())
        delays = changes["delay_batches"].dropna()
        cell[f"{name}.delay"] = float(delays.mean()) if len(delays) else math.nan
        cell[f"{name}.false_alarms"] = int(mine["false_alarms"].sum())
    trainer = experiment.trainer
    experiences = trainer.experiences if trainer is not None else None
    if experiences is None or not len(experiences):
        cell.update({key: math.nan for key in CL_METRICS})
        return [{**cell, "experience": math.nan}]
    cell.update({key: float(value) for key, value in experiences.metrics().items()})
    R, last = experiences.matrix, len(experiences) - 1
    return [{**cell, "experience": i, "experience_step": int(step), "accuracy": float(R[i, i]),
             "accuracy_final": float(R[last, i]), "accuracy_before": float(R[i - 1, i]) if i else math.nan,
             "baseline": float(experiences.baseline[i]),
             "accuracy_row": json.dumps([None if np.isnan(v) else float(v) for v in R[i]])}
            for i, step in enumerate(experiences.steps)]


def write_table(frame: pd.DataFrame, out: Path) -> None:
    """``results.parquet`` (pyarrow) and ``results.csv`` in ``out``, each written atomically."""
    require("pyarrow", "driftlab.sweep")
    write_atomically(out / "results.parquet", lambda file: frame.to_parquet(file, engine="pyarrow", index=False))
    write_atomically(out / "results.csv", lambda file: file.write(frame.to_csv(index=False).encode("utf-8")))


def write_json(path: Path, data: Any) -> None:
    write_atomically(path, lambda file: file.write(json.dumps(data, indent=1).encode("utf-8")))


def load_results(out: str | os.PathLike) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The results table and the manifest (scenario, grid, seeds) of the sweep in ``out``."""
    out = Path(out)
    if not (out / "sweep.json").is_file():
        raise ConfigError(str(out), "holds no sweep (no sweep.json); run driftlab sweep --out there first")
    manifest = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    rows = []
    for key in manifest["cells"]:
        path = out / "cells" / f"{key}.json"
        if path.exists():
            rows.extend(json.loads(path.read_text(encoding="utf-8"))["rows"])
    return pd.DataFrame(rows), manifest


def aggregate(results: pd.DataFrame, grid: Iterable[str], metrics: Iterable[str] | None = None, *,
              confidence: float = 0.95, resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Per grid point and metric, over the seeds of the cells that succeeded: ``n``, ``mean``, ``std``
    (ddof 1) and a percentile bootstrap CI of the mean (``resamples`` resamples of the seeds, drawn
    from ``default_rng(seed)``; NaN values are left out).

    >>> results = pd.DataFrame({"cell": list("abcd"), "status": "ok", "k": ["x", "x", "y", "y"],
    ...                         "average_accuracy": [0.5, 0.7, 0.9, 0.9]})
    >>> aggregate(results, ["k"], ["average_accuracy"])[["k", "n", "mean", "ci_low", "ci_high"]]
       k  n  mean  ci_low  ci_high
    0  x  2   0.6     0.5      0.7
    1  y  2   0.9     0.9      0.9
    """
    grid = list(grid)
    cells = results[results["status"] == "ok"].drop_duplicates("cell") if len(results) else results
    metrics = [m for m in (metrics or METRICS) if m in cells] + [c for c in cells.columns if metrics is None and
                                                                c.endswith((".delay", ".false_alarms"))]
    rng = np.random.default_rng(seed)
    alpha = (1 - confidence) / 2
    rows = []
    groups = cells.groupby(grid, sort=False, dropna=False) if grid else [((), cells)]
    for point, group in groups:
        point = point if isinstance(point, tuple) else (point,)
        for metric in metrics:
            values = pd.to_numeric(group[metric], errors="coerce").dropna().to_numpy(dtype=float)
            if values.size:
                means = rng.choice(values, size=(resamples, values.size)).mean(axis=1)
                low, high = np.quantile(means, [alpha, 1 - alpha])
            else:
                low = high = math.nan
            rows.append({**dict(zip(grid, point, strict=True)), "metric": metric, "n": int(values.size),
                         "mean": float(values.mean()) if values.size else math.nan,
                         "std": float(values.std(ddof=1)) if values.size > 1 else math.nan,
                         "ci_low": float(low), "ci_high": float(high)})
    return pd.DataFrame(rows, columns=[*grid, "metric", "n", "mean", "std", "ci_low", "ci_high"])


def _identity(task: Mapping[str, Any]) -> dict[str, Any]:
    return {"cell": task["cell"], **{path: value_text(value) for path, value in task["point"]},
            "seed": task["seed"], "scenario_seed": task["scenario_seed"]}


def _failed(task: Mapping[str, Any], exc: BaseException, seconds: float) -> dict[str, Any]:
    error = f"{type(exc).__name__}: {exc}"
    return {"status": "error", "rows": [{**_identity(task), "status": "error", "error": error,
                                         "wall_seconds": seconds, "experience": math.nan}]}


def _finished(path: Path) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8"))["status"] == "ok"
    except (OSError, ValueError, KeyError):
        return False


def _run_name(task: Mapping[str, Any]) -> str:
    return " ".join([*(f"{path}={value_text(value)}" for path, value in task["point"]), f"seed={task['seed']}"])


@contextlib.contextmanager
def _one_torch_thread() -> Iterator[None]:
    """Run with one torch thread (when torch is installed): results independent of the machine's cores."""
    if importlib.util.find_spec("torch") is None:
        yield
        return
    torch = require("torch", "driftlab.sweep")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _progress_bar(total: int, done: int):
    tqdm = require("tqdm", "driftlab.sweep")
    return tqdm.tqdm(total=total, initial=done, unit="cell", desc="sweep")
