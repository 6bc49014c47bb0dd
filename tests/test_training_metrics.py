"""Accuracy-matrix metrics of driftlab.training.metrics against values computed by hand from each written
definition: Avalanche 0.6's forgetting (R[j,j] − R[t,j]), Chaudhry et al. 2018's (max_{j<=l<t} R[l,j] − R[t,j]),
GEM's backward and forward transfer."""
from __future__ import annotations

import math

import numpy as np
import pytest

from driftlab.errors import ConfigError
from driftlab.training import (average_accuracy, average_forgetting_avalanche, average_forgetting_chaudhry,
                               backward_transfer, forgetting_avalanche, forgetting_chaudhry, forward_transfer,
                               summary)
from driftlab.training.metrics import LABELS

NAN = np.nan
# R[i][j]: accuracy on experience j after training on i; only j <= i + 1 is ever measured.
R = np.array([[0.80, 0.30, NAN, NAN],
              [0.90, 0.70, 0.20, NAN],
              [0.60, 0.75, 0.90, 0.40],
              [0.50, 0.60, 0.85, 0.95]])
B = [0.10, 0.10, 0.10, 0.25]
# Old experiences improve later (positive backward transfer), and the forward-transfer entry R[0, 1] = 0.99
# is above everything measured once experience 1 is learned: it must not count as "best accuracy".
IMPROVING = np.array([[0.60, 0.99, NAN],
                      [0.90, 0.80, 0.10],
                      [0.70, 0.90, 0.95]])
# Monotone decay: the diagonal is the best row for every column, so the two definitions coincide.
DECAYING = np.array([[0.9, 0.1, NAN],
                     [0.7, 0.8, 0.2],
                     [0.4, 0.6, 0.7]])


def test_average_accuracy_is_the_mean_of_the_last_row():
    assert average_accuracy(R) == pytest.approx((0.50 + 0.60 + 0.85 + 0.95) / 4)


@pytest.mark.parametrize("matrix, per_experience", [
    (R, [0.80 - 0.50, 0.70 - 0.60, 0.90 - 0.85]),
    (IMPROVING, [0.60 - 0.70, 0.80 - 0.90]),
    (DECAYING, [0.9 - 0.4, 0.8 - 0.6]),
])
def test_avalanche_forgetting_is_the_diagonal_minus_the_last_row(matrix, per_experience):
    # Avalanche 0.6 ExperienceForgetting: accuracy at the end of training on j minus the last one;
    # StreamForgetting averages it over the experiences before the last.
    np.testing.assert_allclose(forgetting_avalanche(matrix), per_experience)
    assert average_forgetting_avalanche(matrix) == pytest.approx(np.mean(per_experience))
    assert average_forgetting_avalanche(matrix) == pytest.approx(-backward_transfer(matrix))


@pytest.mark.parametrize("matrix, per_experience", [
    # j=0: best of R[0..2][0] = 0.90 (after experience 1, not the diagonal 0.80) − 0.50;
    # j=1: best of R[1..2][1] = 0.75 − 0.60;  j=2: R[2][2] = 0.90 − 0.85
    (R, [0.90 - 0.50, 0.75 - 0.60, 0.90 - 0.85]),
    # j=0: max(0.60, 0.90) − 0.70; j=1: R[1][1] = 0.80 (R[0][1] = 0.99 is before learning it) − 0.90
    (IMPROVING, [0.90 - 0.70, 0.80 - 0.90]),
    (DECAYING, [0.9 - 0.4, 0.8 - 0.6]),
])
def test_chaudhry_forgetting_is_the_best_row_once_learned_minus_the_last_row(matrix, per_experience):
    np.testing.assert_allclose(forgetting_chaudhry(matrix), per_experience)
    assert average_forgetting_chaudhry(matrix) == pytest.approx(np.mean(per_experience))


def test_the_two_forgettings_differ_exactly_where_a_later_row_beats_the_diagonal():
    assert average_forgetting_avalanche(R) == pytest.approx(0.15)
    assert average_forgetting_chaudhry(R) == pytest.approx(0.20)
    assert average_forgetting_avalanche(IMPROVING) == pytest.approx(-0.10)
    assert average_forgetting_chaudhry(IMPROVING) == pytest.approx(0.05)
    assert average_forgetting_avalanche(DECAYING) == pytest.approx(average_forgetting_chaudhry(DECAYING))
    for matrix in (R, IMPROVING, DECAYING):
        assert np.all(forgetting_chaudhry(matrix) >= forgetting_avalanche(matrix) - 1e-12)


def test_backward_transfer_compares_the_last_row_with_the_diagonal():
    assert backward_transfer(R) == pytest.approx(((0.50 - 0.80) + (0.60 - 0.70) + (0.85 - 0.90)) / 3)


def test_forward_transfer_compares_the_superdiagonal_with_the_untrained_model():
    assert forward_transfer(R, B) == pytest.approx(((0.30 - 0.10) + (0.20 - 0.10) + (0.40 - 0.25)) / 3)


def test_summary_names_each_forgetting_by_its_definition_and_a_single_experience_is_nan():
    assert summary(R, B) == {"average_accuracy": average_accuracy(R),
                             "forgetting_avalanche": average_forgetting_avalanche(R),
                             "forgetting_chaudhry": average_forgetting_chaudhry(R),
                             "backward_transfer": backward_transfer(R), "forward_transfer": forward_transfer(R, B)}
    assert set(LABELS) == set(summary(R, B))
    assert "Avalanche" in LABELS["forgetting_avalanche"] and "Chaudhry" in LABELS["forgetting_chaudhry"]
    one = summary([[0.7]], [0.1])
    assert one["average_accuracy"] == 0.7
    assert all(math.isnan(one[k]) for k in ("forgetting_avalanche", "forgetting_chaudhry", "backward_transfer",
                                            "forward_transfer"))


def test_avalanche_peer_definitions_agree_on_a_two_experience_run():
    # Learn A (0.9), then B: A drops to 0.5. With two experiences both forgettings are 0.4, BWT −0.4.
    two = [[0.9, 0.1], [0.5, 0.8]]
    assert average_forgetting_avalanche(two) == pytest.approx(0.4)
    assert average_forgetting_chaudhry(two) == pytest.approx(0.4)
    assert backward_transfer(two) == pytest.approx(-0.4)
    assert forward_transfer(two, [0.1, 0.1]) == pytest.approx(0.0)


def test_bad_shapes_name_the_argument():
    with pytest.raises(ConfigError) as err:
        average_accuracy(np.zeros((2, 3)))
    assert err.value.path == "R"
    with pytest.raises(ConfigError) as err:
        forgetting_chaudhry(np.zeros((2, 3)))
    assert err.value.path == "R"
    with pytest.raises(ConfigError) as err:
        forward_transfer(R, [0.1, 0.1])
    assert err.value.path == "baseline"
