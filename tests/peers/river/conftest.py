"""river 0.26.1's own drift-detector tests (BSD-3-Clause, see LICENSE) run on driftlab's detectors.

Run: ``pytest -m peers tests/peers/river``
"""
from pathlib import Path

import peers_marks
import river_adapter

river_adapter.install()

HERE = Path(__file__).parent

DIFFERENCES: dict[str, str] = {}
NOT_PORTABLE: dict[str, str] = {}


def pytest_collection_modifyitems(config, items):
    peers_marks.apply_marks(items, HERE, DIFFERENCES, NOT_PORTABLE)
