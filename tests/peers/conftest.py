"""The peers' own test suites, ported: collected only when asked for with ``-m peers``.

Each folder holds one peer's tests (under the peer's license, kept beside them) and a
``conftest.py`` that maps the peer's import names onto driftlab's. A test whose peer behaviour
driftlab changes on purpose is marked ``xfail(strict=True)`` with the reason (so it fails loudly
if the difference goes away); one that needs what driftlab does not have is skipped as not
portable, with the reason. Both lists live in the suite's conftest, next to the adapter, and the
README's "Coming from ..." tables name the differences.
"""
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def _asked_for(config: pytest.Config) -> bool:
    return "peers" in (config.getoption("markexpr", "") or "")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # The main suite's default run leaves these out: they import peers' packages (gymnasium,
    # pytest-mock, ...) that the main environment need not have, and each suite installs
    # import aliases for its peer's names.
    if not _asked_for(config) and collection_path != HERE:
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.peers)
