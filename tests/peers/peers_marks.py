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
        file = path.relative_to(folder).as_posix()
        inner = item.nodeid.split("::", 1)[1]  # Class::test[param]
        full = f"{file}::{inner}"
        key = full.split("[")[0]
        klass = f"{file}::{inner.split('::')[0]}" if "::" in inner else None
        for table, mark in ((differences, "xfail"), (not_portable, "skip")):
            reason = table.get(full, table.get(key, table.get(klass, table.get(file))))
            if reason is None:
                continue
            if mark == "xfail":
                item.add_marker(pytest.mark.xfail(strict=True, reason="deliberate difference: " + reason))
            else:
                item.add_marker(pytest.mark.skip(reason="not portable: " + reason))
