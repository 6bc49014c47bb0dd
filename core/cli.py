"""The ``driftlab`` command line: run, validate and export scenarios, serve the dashboard.

Exit codes: 0 success, 2 bad input (the message names the field), 1 anything unexpected.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .errors import ConfigError, DriftlabError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``driftlab`` command."""
    parser = argparse.ArgumentParser(prog="driftlab",
                                     description="A lab for continual learning on evolving data streams.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def scenario_arguments(command: argparse.ArgumentParser) -> None:
        command.add_argument("scenario", help="a scenario YAML file, or the name of a built-in scenario")
        command.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                             help="override a field (value parsed as YAML); repeatable, applied in order")
        command.add_argument("--allow-import", dest="allowed_imports", action="append", default=[],
                             metavar="MODULE", help="allow module:function references inside MODULE")

    run = commands.add_parser("run", help="stream → monitor → detect → retrain; write the results")
    scenario_arguments(run)
    run.add_argument("--out", type=Path, default=None, help="output folder (default: out/<scenario name>)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    validate = commands.add_parser("validate", help="check a scenario without running it")
    scenario_arguments(validate)

    export = commands.add_parser("export", help="print a built-in scenario as YAML")
    export.add_argument("name", help="built-in scenario name")
    export.add_argument("-o", "--output", type=Path, default=None, help="write to this file instead")

    serve = commands.add_parser("serve", help="start the dashboard (with a scenario loaded)")
    serve.add_argument("scenario", nargs="?", default=None, help="a scenario YAML file or built-in name")
    serve.add_argument("--port", type=int, default=5006)
    serve.add_argument("--address", default="127.0.0.1",
                       help="the interface to listen on (default 127.0.0.1: this machine only; 0.0.0.0 exposes it "
                            "to the network, so add --basic-auth, or serve with panel's OAuth options)")
    serve.add_argument("--allow-websocket-origin", dest="origins", action="append", default=[], metavar="HOST[:PORT]",
                       help="a host browsers may open the page from besides this machine; repeatable")
    serve.add_argument("--basic-auth", default=None, metavar="PASSWORD|FILE",
                       help="require a login: a password, or a JSON file of users and passwords (panel serve)")
    serve.add_argument("--cookie-secret", default=None, help="the secret that signs login cookies (panel serve)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return {"run": _run, "validate": _validate, "export": _export, "serve": _serve}[args.command](args)
    except DriftlabError as err:
        print(f"driftlab {args.command}: error: {err}", file=sys.stderr)
        return 2


def _load(args: argparse.Namespace):
    from .library.scenarios import scenario_source
    from .scenario import load_scenario

    return load_scenario(scenario_source(args.scenario), overrides=args.overrides, environ=os.environ,
                         allowed_imports=args.allowed_imports)


def _validate(args: argparse.Namespace) -> int:
    scenario = _load(args)
    tree = scenario.build_tree()
    print(f"ok: {scenario.spec.get('name', args.scenario)}: {len(tree.params)} parameters, "
          f"classes {tree.classes}, detectors {sorted(scenario.spec.get('detectors') or {})}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from .library import SCENARIOS
    from .scenario import dump_scenario

    if args.name not in SCENARIOS:
        raise ConfigError(args.name, f"unknown built-in scenario; expected one of {', '.join(SCENARIOS)}")
    text = dump_scenario(SCENARIOS[args.name]())
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


def _run(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from .scenario import dump_scenario

    scenario = _load(args)
    experiment = scenario.build()
    out = args.out or Path("out") / scenario.spec.get("name", "scenario")
    out.mkdir(parents=True, exist_ok=True)
    progress = None if args.quiet else _ProgressBar(scenario.monitor_settings.max_steps, experiment)
    history = experiment.run(on_batch=progress)
    if progress is not None:
        progress.close()
    report = experiment.monitor.detection_report()
    history.to_csv(out / "history.csv", index=False)
    report.to_csv(out / "detection_report.csv", index=False)
    (out / "scenario.yaml").write_text(dump_scenario(scenario), encoding="utf-8")
    summary = {"batches": len(history), "steps": int(experiment.tree.update_step),
               "change_points": experiment.monitor.change_points(),
               "alarms": {name: int(history[f"{name}.alarm"].fillna(False).astype(bool).sum())
                          for name in experiment.detectors if f"{name}.alarm" in history},
               "episodes": len(experiment.monitor.episodes)}
    trainer = experiment.trainer
    if trainer is not None and len(trainer.experiences):
        matrix = trainer.experiences.matrix
        steps = trainer.experiences.steps
        pd.DataFrame(matrix, index=pd.Index(steps, name="trained_at_step"),
                     columns=[f"step_{k}" for k in steps]).to_csv(out / "accuracy_matrix.csv")
        summary.update({k: (None if np.isnan(v) else float(v)) for k, v in trainer.experiences.metrics().items()})
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}/: history.csv, detection_report.csv, scenario.yaml, summary.json"
          + (", accuracy_matrix.csv" if (out / "accuracy_matrix.csv").exists() else ""))
    print(json.dumps(summary))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from driftlab import dashboard

    command = [sys.executable, "-m", "panel", "serve", str(Path(dashboard.__file__).parent / "app.py"),
               "--port", str(args.port), "--address", args.address]
    origins = args.origins or [f"{host}:{args.port}" for host in ("localhost", "127.0.0.1")]
    command += [arg for origin in origins for arg in ("--allow-websocket-origin", origin)]
    for flag, value in [("--basic-auth", args.basic_auth), ("--cookie-secret", args.cookie_secret)]:
        if value is not None:
            command += [flag, value]
    if args.address not in ("127.0.0.1", "localhost", "::1") and args.basic_auth is None:
        print(f"driftlab serve: warning: listening on {args.address} with no login (see --basic-auth)",
              file=sys.stderr)
    if args.scenario is not None:
        _load(argparse.Namespace(scenario=args.scenario, overrides=[], allowed_imports=[]))  # fail early
        command += ["--args", args.scenario]
    return subprocess.call(command)


class _ProgressBar:
    """A one-line progress bar on stderr: steps done, batch, alarms and episodes so far."""

    def __init__(self, total_steps: int, experiment):
        self.total, self.monitor, self.last, self.alarms = total_steps, experiment.monitor, 0.0, 0

    def __call__(self, row: dict) -> None:
        self.alarms += bool(row["alarm"])
        now = time.monotonic()
        if now - self.last < 0.1:
            return
        self.last = now
        done = min(row["step"], self.total)
        bar = "#" * int(30 * done / self.total)
        print(f"\r[{bar:<30}] step {done}/{self.total}  batch {row['batch']}  "
              f"alarms {self.alarms}  episodes {len(self.monitor.episodes)}", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        print(f"\r[{'#' * 30}] step {self.total}/{self.total}  alarms {self.alarms}  "
              f"episodes {len(self.monitor.episodes)}", file=sys.stderr)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("driftlab")
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
