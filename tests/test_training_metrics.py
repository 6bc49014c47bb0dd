"""Accuracy-matrix metrics of driftlab.training.metrics against hand-computed values (Avalanche's definitions)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from driftlab.errors import ConfigError
from driftlab.training import (average_accuracy, average_forgetting, backward_transfer, forgetting, forward_transfer,
                           summary)

NAN = np.nan
# R[i][j]: accuracy on experience j after training on i; only j <= i + 1 is ever measured.
R = np.array([[0.80, 0.30, NAN, NAN],
              [0.90, 0.70, 0.20, NAN],
              [0.60, 0.75, 0.90, 0.40],
              [0.50, 0.60, 0.85, 0.95]])
B = [0.10, 0.10, 0.10, 0.25]


def test_average_accuracy_is_the_mean_of_the_last_row():
    assert average_accuracy(R) == pytest.approx((0.50 + 0.60 + 0.85 + 0.95) / 4)


def test_forgetting_is_best_accuracy_after_learning_minus_final():
    # j=0: best of R[0..2][0] = 0.90 (after experience 1, not the diagonal 0.80) − 0.50
    # j=1: best of R[1..2][1] = 0.75 − 0.60;  j=2: R[2][2] = 0.90 − 0.85
    np.testing.assert_allclose(forgetting(R), [0.40, 0.15, 0.05])
    assert average_forgetting(R) == pytest.approx(0.20)


def test_backward_transfer_compares_the_last_row_with_the_diagonal():
    assert backward_transfer(R) == pytest.approx(((0.50 - 0.80) + (0.60 - 0.70) + (0.85 - 0.90)) / 3)


def test_forward_transfer_compares_the_superdiagonal_with_the_untrained_model():
    assert forward_transfer(R, B) == pytest.approx(((0.30 - 0.10) + (0.20 - 0.10) + (0.40 - 0.25)) / 3)


def test_summary_and_a_single_experience():
    assert summary(R, B) == {"average_accuracy": average_accuracy(R), "forgetting": average_forgetting(R),
                             "backward_transfer": backward_transfer(R), "forward_transfer": forward_transfer(R, B)}
    one = summary([[0.7]], [0.1])
    assert one["average_accuracy"] == 0.7
    assert all(math.isnan(one[k]) for k in ("forgetting", "backward_transfer", "forward_transfer"))


def test_avalanche_peer_definitions_agree_on_a_two_experience_run():
    # Learn A (0.9), then B: A drops to 0.5. Forgetting 0.4 and BWT −0.4 coincide when the best is the diagonal.
    two = [[0.9, 0.1], [0.5, 0.8]]
    assert average_forgetting(two) == pytest.approx(0.4)
    assert backward_transfer(two) == pytest.approx(-0.4)
    assert forward_transfer(two, [0.1, 0.1]) == pytest.approx(0.0)


def test_bad_shapes_name_the_argument():
    with pytest.raises(ConfigError) as err:
        average_accuracy(np.zeros((2, 3)))
    assert err.value.path == "R"
    with pytest.raises(ConfigError) as err:
        forward_transfer(R, [0.1, 0.1])
    assert err.value.path == "baseline"
