"""The ``driftlab sweep`` and ``driftlab report`` subcommands (see :mod:`driftlab.sweep`).

``driftlab sweep SCENARIO [--set PATH=VALUE ...] --grid KEY=V1,V2 ... --seeds 0-19 --out DIR [--scheduler tcp://HOST:PORT]``
runs the grid × seeds on Dask (a LocalCluster unless a scheduler address is given, or
``DASK_SCHEDULER_ADDRESS`` is set; ``--track mlflow`` logs each cell as an MLflow run);
``driftlab report DIR`` aggregates a sweep's results per grid
point (mean, std, 95 % bootstrap CI over seeds) into ``report.csv`` and ``report.html``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_commands(commands) -> None:
    """Add ``sweep`` and ``report`` to the ``driftlab`` subparsers."""
    sweep = commands.add_parser("sweep", help="run a grid of overrides × seeds on Dask; a tidy results table")
    sweep.add_argument("scenario", help="a scenario YAML file, or the name of a built-in scenario")
    sweep.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2",
                       help="values to try for a field (parsed as YAML); repeatable: the cartesian product")
    sweep.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                       help="override a field of the scenario for every cell (value parsed as YAML); repeatable")
    sweep.add_argument("--seeds", default="0", help="seed indices: 0-19, 0,3,5 (default: 0)")
    sweep.add_argument("--out", type=Path, required=True, help="output folder (a rerun resumes there)")
    sweep.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="Dask scheduler address (tcp://HOST:PORT), or 'serial' for no Dask; default: "
                            "$DASK_SCHEDULER_ADDRESS, else a LocalCluster on this machine")
    sweep.add_argument("--workers", type=int, default=None, help="LocalCluster worker processes (default: cores)")
    sweep.add_argument("--track", choices=("mlflow", "none"), default=None,
                       help="log each cell as an MLflow run (default: the scenario's tracking section)")
    sweep.add_argument("--plugin", dest="plugins", action="append", default=[], metavar="MODULE",
                       help="import MODULE first, here and on every worker, for what it registers; repeatable")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")

    report = commands.add_parser("report", help="aggregate a sweep: mean, std, 95%% bootstrap CI per grid point")
    report.add_argument("out", type=Path, help="the sweep's output folder")
    report.add_argument("--no-html", action="store_true", help="only the table (report.csv)")


def sweep(args: argparse.Namespace) -> int:
    from .errors import ConfigError
    from .sweep import Sweep, parse_grid

    if args.workers is not None and args.workers < 1:
        raise ConfigError("--workers", f"expected an integer >= 1, got {args.workers}")
    from .tracking import tracking_settings

    plan = Sweep(args.scenario, parse_grid(args.grid), args.seeds, overrides=args.overrides, plugins=args.plugins)
    name = plan.scenario.spec.get("name") or "scenario"
    plan.tracking = tracking_settings(plan.scenario, args.track, out=args.out,
                                      experiment=f"{name} sweep {args.out.resolve().name}")
    print(f"sweep: {len(plan.cells)} cells ({len(plan.points)} grid points × {len(plan.seeds)} seeds) → {args.out}",
          file=sys.stderr)
    table = plan.run(args.out, args.scheduler, workers=args.workers, progress=not args.quiet,
                     on_start=lambda link: print(f"Dask dashboard: {link}", file=sys.stderr))
    cells = table.drop_duplicates("cell") if len(table) else table
    failed = int((cells["status"] != "ok").sum()) if len(cells) else 0
    print(f"wrote {args.out}/results.parquet and results.csv: {len(cells)} cells, {failed} failed")
    return 0


def track(scenario, experiment, history, track: str | None, out: Path) -> None:
    """``driftlab run``'s tracking: log the finished run if ``--track`` or the scenario asks for it."""
    from .tracking import log_experiment, tracking_settings

    settings = tracking_settings(scenario, track, out=out)
    if settings is not None:
        run_id = log_experiment(experiment, history, settings)
        print(f"tracked: MLflow run {run_id} in experiment {settings['experiment']!r} at {settings['uri']}")


def report(args: argparse.Namespace) -> int:
    import pandas as pd

    from .sweep import aggregate, load_results

    results, manifest = load_results(args.out)
    table = aggregate(results, list(manifest["grid"]))
    table.to_csv(args.out / "report.csv", index=False)
    with pd.option_context("display.width", 200, "display.max_rows", 500, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    written = "report.csv"
    if not args.no_html:
        from driftlab.dashboard.sweep_report import write_report_page

        write_report_page(results, table, manifest, args.out / "report.html")
        written += ", report.html"
    print(f"wrote {args.out}/{written}")
    return 0
