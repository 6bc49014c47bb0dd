"""Fixtures shared by the dashboard tests."""
from pathlib import Path

import pytest

ABRUPT = Path(__file__).parent / "scenarios" / "abrupt.yaml"


@pytest.fixture
def session():
    """A dashboard session on a small scenario with one abrupt change, fast enough for tests."""
    from driftlab.dashboard import Session
    from driftlab.scenario import load_scenario

    session = Session(load_scenario(ABRUPT.read_text()))
    session.speed = 50
    yield session
    session.close()
