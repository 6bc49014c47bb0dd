"""Fixtures shared by the dashboard's unit tests (tests/test_dashboard_*.py)."""
import pytest

from core.scenario import load_scenario
from dashboard import Session

# An abrupt covariate shift at step 3 under a quickly pretrained MLP: small enough to run in a second.
ABRUPT = """
name: abrupt
seed: 1
tree:
- {transform: background}
- branch: classes
  branches:
    background: background
    ramp: [{transform: ramp}, ramp]
parameters:
  signal_length: 32
  background: {offset: {schedule: [0.0, 0.0, 0.0, 2.0]}, strength: 0.1}
  ramp: {height: 1.0, length: 8}
  classes: {probs: [0.5, 0.5]}
detectors:
  ph: {type: PageHinkley, min_instances: 3, threshold: 0.3, mode: down}
monitor: {batch_size: 64, batches_per_step: 2, max_steps: 6, pretrain_samples: 256, adaptation: detect_only}
model: {type: MLP, hidden: [16]}
trainer: {strategy: naive, max_iter: 60, batch_size: 32, lr: 0.01, eval_samples: 64}
"""


@pytest.fixture
def session():
    """A dashboard session over ABRUPT, at 50 batches per second; closed after the test."""
    session = Session(load_scenario(ABRUPT))
    session.speed = 50
    yield session
    session.close()
