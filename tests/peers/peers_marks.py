"""Marks for the ported peer tests: deliberate differences (strict xfail) and not portable (skip)."""
from pathlib import Path

import pytest


def apply_marks(items: list[pytest.Item], folder: Path, differences: dict[str, str],
                not_portable: dict[str, str]) -> None:
    """Marks the tests of ``folder`` named (``file::test``) in ``differences`` or ``not_portable``."""
    for item in items:
        path = Path(item.path)
        if folder not in path.parents:
            continue
        inner = item.nodeid.split("::", 1)[1]  # Class::test[param]
        full = f"{path.name}::{inner}"
        key = full.split("[")[0]
        for table, mark in ((differences, "xfail"), (not_portable, "skip")):
            reason = table.get(full, table.get(key, table.get(path.name)))
            if reason is None:
                continue
            if mark == "xfail":
                item.add_marker(pytest.mark.xfail(strict=True, reason="deliberate difference: " + reason))
            else:
                item.add_marker(pytest.mark.skip(reason="not portable: " + reason))
