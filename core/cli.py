"""The ``driftlab`` command line."""
from __future__ import annotations

import argparse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``driftlab`` command."""
    parser = argparse.ArgumentParser(
        prog="driftlab",
        description="A lab for continual learning on evolving data streams.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("driftlab")
    except PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; prints help until sub-commands exist."""
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
