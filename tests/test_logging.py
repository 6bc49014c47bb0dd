"""The engine reports through Python logging: only the command line prints (its user-facing output)."""
from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "core"
COMMAND_LINE = {"cli.py", "cli_sweep.py"}


def test_no_print_call_in_the_engine_outside_the_command_line():
    found = []
    for path in sorted(CORE.rglob("*.py")):
        if path.name in COMMAND_LINE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # docstring examples are text, not calls
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                found.append(f"{path.relative_to(CORE)}:{node.lineno}")
    assert found == [], f"use logging.getLogger(__name__) instead of print: {found}"
