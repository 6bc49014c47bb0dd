"""The ``driftlab`` command line: run, validate and export scenarios, serve the dashboard, sweep and report.

Exit codes: 0 success, 2 bad input (the message names the field), 1 a failure (a failed episode,
a file that cannot be written, anything unexpected), 130 interrupted; errors are one line on stderr.
The run writes only inside its output folder.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from . import cli_sweep
from .config import did_you_mean
from .errors import ConfigError, DriftlabError, MissingExtraError
from .files import write_text_atomically




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
        plugin_argument(command)

    run = commands.add_parser("run", help="stream → monitor → detect → retrain; write the results")
    scenario_arguments(run)
    run.add_argument("--out", type=Path, default=None,
                     help="output folder (default: out/<scenario name>, the name reduced to one safe folder name)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--track", choices=("mlflow", "none"), default=None,
                     help="log the run to MLflow (default: the scenario's tracking section)")

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
    export_schema = commands.add_parser("schema", help="print the JSON Schema of scenario files (for editors)")
    export_schema.add_argument("-o", "--output", type=Path, default=None, help="write to this file instead")
    plugin_argument(export_schema)

    listing = commands.add_parser("list", help="the registered names of a kind (built-ins and installed plugins)")
    listing.add_argument("kind", nargs="?", default=None,
                         help="transforms, update_functions, schedulers, detectors, models, strategies, buffers "
                              "or metrics (default: all)")
    plugin_argument(listing)
    cli_sweep.add_commands(commands)
    return parser


def plugin_argument(command: argparse.ArgumentParser) -> None:
    """``--plugin MODULE``: the operator's own registrations, for code not installed as a plugin package."""
    command.add_argument("--plugin", dest="plugins", action="append", default=[], metavar="MODULE",
                         help="import MODULE first, so that what it registers (driftlab.registry) can be "
                              "named in the scenario; repeatable. Installed plugin packages need no flag")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        if getattr(args, "plugins", None):
            from .registry import import_plugins

            import_plugins(args.plugins)
        return {"run": _run, "validate": _validate, "export": _export, "serve": _serve, "list": _list,
                "schema": _schema, "sweep": cli_sweep.sweep, "report": cli_sweep.report}[args.command](args)
    except (ConfigError, MissingExtraError) as err:  # bad input or a missing extra: nothing ran
        print(f"driftlab {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"driftlab {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a failed run or write: one line, the results so far are on disk
        print(f"driftlab {args.command}: error: {_reason(err)}", file=sys.stderr)
        return 1


def _load(args: argparse.Namespace):
    from .library.scenarios import scenario_source
    from .scenario import load_scenario

    return load_scenario(scenario_source(args.scenario), overrides=args.overrides, environ=os.environ)


def _emit(text: str, output: str | None) -> None:
    """``text`` to standard output, or atomically to the file ``output``."""
    if output is None:
        sys.stdout.write(text)
    else:
        write_text_atomically(output, text)


def _schema(args: argparse.Namespace) -> int:
    from .schema import json_schema

    _emit(json.dumps(json_schema(), indent=1) + "\n", args.output)
    return 0


def _list(args: argparse.Namespace) -> int:
    from .registry import KINDS

    if args.kind is not None and args.kind not in KINDS:
        raise ConfigError("kind", f"expected one of {', '.join(KINDS)}, got {args.kind!r}"
                          + did_you_mean(args.kind, list(KINDS)))
    for kind in [args.kind] if args.kind else list(KINDS):
        registry = KINDS[kind]
        if args.kind is None:
            print(f"{kind}: {registry.doc}")
        for name in registry:
            print(f"  {name}  ({registry.origin(name)})" if args.kind is None else f"{name}\t{registry.origin(name)}")
    return 0


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
    _emit(dump_scenario(SCENARIOS[args.name]()), args.output)
    return 0


def _run(args: argparse.Namespace) -> int:
    """Run the scenario and write its results under the output folder.

    ``scenario.yaml`` is written before the run, the other results after every episode (and at
    most every few seconds as the stream advances) and at the end, each atomically: when the run
    fails, what was computed is on disk, ``summary.json`` says ``status: failed`` and why, and the
    command exits 1 with a one-line reason.
    """
    from .scenario import dump_scenario

    scenario = _load(args)
    experiment = scenario.build()
    out = args.out if args.out is not None else Path("out") / output_folder_name(scenario.spec.get("name"))
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomically(out / "scenario.yaml", dump_scenario(scenario))
    results = _Results(out, experiment)
    experiment.monitor.on("adapt_end", lambda episode: results.write())
    experiment.monitor.on("batch", results.on_batch)
    progress = None if args.quiet else _Progress(scenario.monitor_settings.max_steps, experiment)
    try:
        experiment.run(on_batch=progress)
    except (Exception, KeyboardInterrupt) as exc:
        results.write(error=exc)
        raise
    finally:
        if progress is not None:
            progress.close()
    summary = results.write()
    print(f"wrote {out}/: " + ", ".join(sorted(p.name for p in out.iterdir() if not p.name.startswith("."))))
    print(json.dumps(summary))
    cli_sweep.track(scenario, experiment, experiment.monitor.history, args.track, out)
    return 0


def output_folder_name(name: object) -> str:
    """The folder name for a scenario ``name``: one path component made of letters, digits, ``-``,
    ``_`` and inner dots (anything else becomes ``_``), so that it stays inside the output folder.

    >>> output_folder_name("../../etc"), output_folder_name("/abs/dir"), output_folder_name(None)
    ('etc', 'abs_dir', 'scenario')
    """
    return re.sub(r"[^\w.-]+", "_", str(name or "")).strip("._") or "scenario"


class _Results:
    """The run's result files, rewritten atomically as the run goes."""

    every_seconds = 5.0  # rewrite at most this often as the stream advances

    def __init__(self, out: Path, experiment):
        self.out, self.experiment, self.step, self.last = out, experiment, 0, time.monotonic()

    def on_batch(self, row: dict) -> None:
        if row["step"] != self.step:
            self.step = row["step"]
            if time.monotonic() - self.last >= self.every_seconds:
                self.write()

    def write(self, error: BaseException | None = None) -> dict:
        import numpy as np
        import pandas as pd

        self.last = time.monotonic()
        monitor, trainer = self.experiment.monitor, self.experiment.trainer
        history = monitor.history
        write_text_atomically(self.out / "history.csv", history.to_csv(index=False))
        write_text_atomically(self.out / "detection_report.csv", monitor.detection_report().to_csv(index=False))
        summary = {"status": "completed" if error is None else "failed", "batches": len(history),
                   "steps": int(history["step"].max()) + 1 if len(history) else 0,
                   "change_points": monitor.change_points(),
                   "alarms": {name: int(history[f"{name}.alarm"].fillna(False).astype(bool).sum())
                              for name in self.experiment.detectors if f"{name}.alarm" in history},
                   "episodes": len(monitor.episodes)}
        if error is not None:
            summary["error"] = _reason(error)
        if trainer is not None and len(trainer.experiences):
            experiences = trainer.experiences
            # columns name the experience and its step: two experiences can share a step
            frame = pd.DataFrame(experiences.matrix, index=pd.Index(experiences.steps, name="trained_at_step"),
                                 columns=[f"experience_{j}_step_{k}" for j, k in enumerate(experiences.steps)])
            write_text_atomically(self.out / "accuracy_matrix.csv", frame.to_csv())
            summary.update({k: (None if np.isnan(v) else float(v)) for k, v in experiences.metrics().items()})
        write_text_atomically(self.out / "summary.json", json.dumps(summary, indent=2) + "\n")
        return summary


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
        _load(argparse.Namespace(scenario=args.scenario, overrides=[]))  # fail early
        command += ["--args", args.scenario]
    return subprocess.call(command)


class _Progress:
    """Progress on stderr: a tqdm bar (steps, alarms, episodes) on a terminal; redirected, no
    frames, just one line at the end."""

    def __init__(self, total_steps: int, experiment):
        from tqdm import tqdm

        self.total, self.monitor, self.alarms, self.done = total_steps, experiment.monitor, 0, 0
        self.bar = tqdm(total=total_steps, unit="step", file=sys.stderr, disable=None, dynamic_ncols=True)

    def __call__(self, row: dict) -> None:
        self.alarms += bool(row["alarm"])
        done = min(row["step"], self.total)
        if not self.bar.disable:
            self.bar.set_postfix(alarms=self.alarms, episodes=len(self.monitor.episodes), refresh=False)
            self.bar.update(done - self.bar.n)
        self.done = done

    def close(self) -> None:
        done = min(self.monitor.tree.update_step, self.total)
        if self.bar.disable:
            print(f"step {done}/{self.total}  alarms {self.alarms}  episodes {len(self.monitor.episodes)}",
                  file=sys.stderr)
        else:
            self.bar.update(done - self.bar.n)
            self.bar.close()


def _reason(error: BaseException) -> str:
    """An exception as one line: driftlab's own errors as their message, others with their type."""
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    text = " ".join(str(error).split())
    if isinstance(error, (DriftlabError, OSError)):
        return text or type(error).__name__
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("driftlab")
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
