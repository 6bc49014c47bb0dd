"""driftlab's detectors inside river: river's base surface, ADWIN's statistics, the NaN policy, and
the river internals driftlab relies on (they fail here, loudly, when an upstream change breaks them)."""
from __future__ import annotations

import inspect
import math
import random
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
from river import drift as river_drift
from river import tree as river_tree

from driftlab.detectors._python_random import _replay_samples
from driftlab.detectors import (ADWIN, CUSUM, DDM, DETECTORS, EDDM, FHDDM, HDDM_A, HDDM_W, KSWIN, DetectorEnsemble,
                                NoDrift, PageHinkley, Periodic)
from driftlab.errors import ConfigError

PYPROJECT = Path(__file__).parents[1] / "pyproject.toml"


def _stream(n=1200, seed=0):
    """Two features; the concept flips at n // 2 (y = x0 > 0, then y = x0 <= 0)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = X[:, 0] > 0
    y[n // 2:] = ~y[n // 2:]
    return [({"a": float(a), "b": float(b)}, bool(t)) for (a, b), t in zip(X, y, strict=True)]


def test_a_driftlab_detector_drives_rivers_hoeffding_adaptive_tree():
    detector = ADWIN(delta=0.01)
    model = river_tree.HoeffdingAdaptiveTreeClassifier(grace_period=50, drift_detector=detector, seed=1)
    errors = []
    for x, y in _stream():
        errors.append(model.predict_one(x) != y)
        model.learn_one(x, y)
    assert model.n_alternate_trees > 0 or model.n_switch_alternate_trees > 0 or model.n_pruned_alternate_trees > 0
    assert model.drift_detector is detector  # river clones it for its nodes, keeping the template
    assert np.mean(errors[-200:]) < 0.25  # it recovered from the flip
    assert model.clone().drift_detector is not detector


def test_rivers_tree_gives_the_same_predictions_with_driftlabs_adwin_as_with_its_own():
    def run(detector):
        model = river_tree.HoeffdingAdaptiveTreeClassifier(grace_period=50, drift_detector=detector, seed=1)
        out = []
        for x, y in _stream(seed=3):
            out.append(model.predict_one(x))
            model.learn_one(x, y)
        return out, model.n_alternate_trees
    assert run(ADWIN(delta=0.01)) == run(river_drift.ADWIN(delta=0.01))


@pytest.mark.parametrize("name", sorted(set(DETECTORS) - {"DetectorEnsemble"}))
def test_clone_gives_a_fresh_detector_with_the_same_settings(name):
    detector = DETECTORS[name]()
    values = np.random.default_rng(1).integers(0, 2, 300).astype(float)
    detector.update_many(values)
    twin = detector.clone()
    assert type(twin) is type(detector) and twin is not detector
    assert twin.to_spec() == detector.to_spec()
    fresh = DETECTORS[name]()
    assert twin.update_many(values).tolist() == fresh.update_many(values).tolist()


def test_clone_takes_new_params_and_can_keep_the_state():
    adwin = ADWIN(delta=0.01)
    assert adwin.clone({"clock": 16}).to_spec() == {"type": "ADWIN", "delta": 0.01, "clock": 16}
    adwin.update_many(np.arange(100.0))
    assert adwin.clone(include_attributes=True).width == adwin.width > 0
    assert adwin.clone().width == 0
    with pytest.raises(ConfigError):
        ADWIN().clone({"nope": 1})


def test_adwin_exposes_rivers_window_statistics():
    values = np.random.default_rng(5).normal(3.0, 2.0, 2000)
    ours, theirs = ADWIN(), river_drift.ADWIN()
    for x in values:
        ours.update(x)
        theirs.update(x)
        assert ours.n_detections == theirs.n_detections
    assert ours.width == theirs.width
    assert ours.total == theirs.total
    assert ours.variance == theirs.variance
    assert ours.estimation == theirs.estimation
    window = values[-ours.width:]  # river's `variance` is the sum of squared deviations, width * var
    assert ours.variance == pytest.approx(np.var(window) * ours.width, rel=1e-6)


def _every_detector():
    return [ADWIN(), KSWIN(seed=1), PageHinkley(), CUSUM(), DDM(), EDDM(), HDDM_A(), HDDM_W(), FHDDM(), NoDrift(),
            Periodic(period=5), DetectorEnsemble([ADWIN(), PageHinkley()])]


@pytest.mark.parametrize("detector", _every_detector(), ids=lambda d: type(d).__name__)
def test_every_detector_refuses_nan_before_changing(detector):
    detector.update(1.0)
    before = (detector.drift_detected, detector.warning_detected, detector.statistic)
    with pytest.raises(ConfigError) as err:
        detector.update(math.nan)
    assert err.value.path == "x"
    assert (detector.drift_detected, detector.warning_detected, detector.statistic) == before
    with pytest.raises(ConfigError) as err:
        detector.update_many([0.0, 1.0, float("nan")])
    assert err.value.path == "values[2]"
    assert detector.statistic == before[2]


def test_the_river_range_driftlab_is_checked_for_is_pinned():
    test_extra = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]["test"]
    pinned = next(d for d in test_extra if d.startswith("river"))  # the peer the detectors are checked against
    assert pinned == "river>=0.26,<0.27"
    major, minor = (int(p) for p in version("river").split(".")[:2])
    assert (major, minor) == (0, 26), f"river {version('river')} is outside the range driftlab was checked for"


def test_rivers_kswin_still_draws_its_reference_sample_with_random_sample():
    # driftlab's KSWIN replays CPython's random.Random.sample in bulk; river must still call it so
    source = inspect.getsource(river_drift.KSWIN)
    assert re.search(r"random\.Random\(", source), "river's KSWIN no longer builds a random.Random"
    assert re.search(r"\.sample\(", source), "river's KSWIN no longer draws with Random.sample"
    values = np.random.default_rng(2).normal(size=3000)
    theirs = river_drift.KSWIN(seed=4)
    expected = []
    for i, x in enumerate(values):
        theirs.update(x)
        if theirs.drift_detected:
            expected.append(i)
    assert KSWIN(seed=4).update_many(values).tolist() == expected
    ours, python = random.Random(0), random.Random(0)  # CPython's algorithm, as replayed
    assert _replay_samples(ours, 170, 100, 3).tolist() == [python.sample(range(170), 100) for _ in range(3)]


def test_rivers_adaptive_random_forest_takes_driftlab_detectors_and_scores_as_with_its_own():
    from river import datasets, evaluate, forest, metrics

    def score(detector, warning):
        model = forest.ARFClassifier(n_models=3, seed=8, drift_detector=detector, warning_detector=warning)
        return evaluate.progressive_val_score(datasets.Phishing(), model, metrics.Accuracy()).get()
    ours = score(ADWIN(delta=0.001), ADWIN(delta=0.01))
    assert ours == score(river_drift.ADWIN(delta=0.001), river_drift.ADWIN(delta=0.01))
    assert ours > 0.8
