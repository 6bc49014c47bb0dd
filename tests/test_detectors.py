"""Drift detectors: river equivalence, chunking, statistics, registry, ensemble, control arms."""
from __future__ import annotations

import copy
import json
import math
import pickle
import random
import subprocess
import sys

import numpy as np
import pytest
import scipy.stats
from river import drift as river_drift
from river.drift import binary as river_binary

from driftlab.detectors import (
    ADWIN, CUSUM, DDM, DETECTORS, EDDM, FHDDM, HDDM_A, HDDM_W, KSWIN, DetectorEnsemble, DetectorTrace,
    DriftDetector, NoDrift, PageHinkley, Periodic, make_detector,
)
from driftlab.detectors._python_random import _replay_samples
from driftlab.config import from_spec
from driftlab.errors import ConfigError

# ---------------------------------------------------------------------------------------------
# Seeded streams: four segments with shifts between them, or a ramp; and two degenerate error streams


def _streams(seed: int, n: int = 4000) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    segment = n // 4
    ramp = np.clip((np.arange(n) - n / 3) / (n / 3), 0, 1)
    return {
        "real_abrupt": np.concatenate([rng.normal(mean, 1, segment) for mean in (0, 1.5, -1, 3)]),
        "real_gradual": rng.normal(0, 1, n) + 2 * ramp,
        "binary_abrupt": np.concatenate([rng.random(segment) < p for p in (0.1, 0.3, 0.05, 0.5)]).astype(float),
        "binary_gradual": (rng.random(n) < 0.1 + 0.3 * ramp).astype(float),
        "unit_interval": np.clip(rng.beta(2, 5, n) + np.repeat([0, 0.2, 0, 0.3], segment), 0, 1),
        "binary_runs": np.repeat([0.0, 1.0, 0.0, 1.0, 0.0], [1500, 300, 1200, 400, 600]),  # ties in the cut points
        "binary_pattern": np.tile([0.0, 0.0, 1.0], 1000),  # gaps between errors never vary
    }


def _river_run(detector, values) -> tuple[list[int], list[int]]:
    alarms, warnings = [], []
    for i, x in enumerate(values):
        detector.update(x)
        if detector.drift_detected:
            alarms.append(i)
        if getattr(detector, "warning_detected", False):
            warnings.append(i)
    return alarms, warnings


def _one_at_a_time(detector: DriftDetector, values) -> DetectorTrace:
    alarms, warnings, statistic = [], [], []
    for i, x in enumerate(values):
        detector.update(x)
        if detector.drift_detected:
            alarms.append(i)
        if detector.warning_detected:
            warnings.append(i)
        statistic.append(detector.statistic)
    return DetectorTrace(np.array(alarms, int), np.array(warnings, int), np.array(statistic))


def _in_chunks(detector: DriftDetector, values: np.ndarray, seed: int) -> DetectorTrace:
    """Feed random-sized chunks with single updates in between; check the flags after every piece."""
    rng = np.random.default_rng(seed)
    alarms, warnings, statistic = [], [], []
    start = 0
    while start < values.size:
        if rng.random() < 0.3:
            detector.update(values[start])
            piece = DetectorTrace(np.array([0] if detector.drift_detected else [], int),
                                  np.array([0] if detector.warning_detected else [], int),
                                  np.array([detector.statistic]))
        else:
            piece = detector.update_many(values[start:start + int(rng.integers(1, 1500))], trace=True)
            if piece.statistic.size:
                last = piece.statistic.size - 1
                assert detector.statistic == piece.statistic[-1]
                assert detector.drift_detected == (last in piece.alarms)
                assert detector.warning_detected == (last in piece.warnings)
        alarms += (piece.alarms + start).tolist()
        warnings += (piece.warnings + start).tolist()
        statistic += piece.statistic.tolist()
        start += piece.statistic.size
    return DetectorTrace(np.array(alarms, int), np.array(warnings, int), np.array(statistic))


# ---------------------------------------------------------------------------------------------
# Same alarms and warnings as river, fed one at a time, in one array and in chunks

RIVER_PAIRS = [
    ("PageHinkley", river_drift.PageHinkley, PageHinkley, {}, ["real_abrupt", "real_gradual", "binary_runs"]),
    ("PageHinkley", river_drift.PageHinkley, PageHinkley, {"mode": "up", "threshold": 20.0},
     ["real_abrupt", "real_gradual"]),
    ("PageHinkley", river_drift.PageHinkley, PageHinkley, {"mode": "down", "threshold": 20.0, "alpha": 0.99},
     ["real_abrupt", "real_gradual"]),
    ("ADWIN", river_drift.ADWIN, ADWIN, {}, ["real_abrupt", "real_gradual", "binary_abrupt"]),
    ("DDM", river_binary.DDM, DDM, {}, ["binary_abrupt", "binary_gradual", "unit_interval", "binary_runs"]),
    ("EDDM", river_binary.EDDM, EDDM, {}, ["binary_abrupt", "binary_gradual", "binary_runs", "binary_pattern"]),
    ("EDDM", river_binary.EDDM, EDDM, {"alpha": 0.8, "beta": 0.7, "warm_start": 10}, ["binary_abrupt"]),
    ("HDDM_A", river_binary.HDDMA, HDDM_A, {},
     ["binary_abrupt", "binary_gradual", "unit_interval", "binary_runs"]),
    ("HDDM_A", river_binary.HDDMA, HDDM_A, {"two_sided_test": True}, ["binary_abrupt", "unit_interval"]),
    ("HDDM_W", river_binary.HDDMW, HDDM_W, {},
     ["binary_abrupt", "binary_gradual", "unit_interval", "binary_runs"]),
    ("HDDM_W", river_binary.HDDMW, HDDM_W, {"two_sided_test": True, "lambda_val": 0.1},
     ["binary_abrupt", "unit_interval"]),
    ("FHDDM", river_binary.FHDDM, FHDDM, {}, ["binary_abrupt", "binary_gradual", "unit_interval", "binary_runs"]),
    ("FHDDM", river_binary.FHDDM, FHDDM, {"short_window_size": 20}, ["binary_abrupt", "binary_gradual"]),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("name", "river_class", "ours", "settings", "kinds"), RIVER_PAIRS,
                         ids=[f"{p[0]}-{i}" for i, p in enumerate(RIVER_PAIRS)])
def test_alarms_and_warnings_match_river(seed, name, river_class, ours, settings, kinds):
    streams = _streams(seed)
    for kind in kinds:
        values = streams[kind]
        expected = _river_run(river_class(**settings), values.tolist())
        single = _one_at_a_time(ours(**settings), values.tolist())
        whole = ours(**settings).update_many(values, trace=True)
        chunked = _in_chunks(ours(**settings), values, seed)
        for got in (single, whole, chunked):
            assert (got.alarms.tolist(), got.warnings.tolist()) == expected, kind
        assert np.array_equal(whole.statistic, single.statistic)
        assert np.array_equal(chunked.statistic, single.statistic)
    assert name in DETECTORS


def test_streams_raise_several_alarms_so_the_reset_after_an_alarm_is_exercised():
    streams = _streams(0)
    assert len(_river_run(river_drift.PageHinkley(), streams["real_abrupt"].tolist())[0]) >= 3
    assert len(_river_run(river_binary.DDM(), streams["binary_abrupt"].tolist())[0]) >= 3
    assert len(_river_run(river_binary.EDDM(), streams["binary_abrupt"].tolist())[0]) >= 3
    assert len(_river_run(river_binary.HDDMW(), streams["binary_abrupt"].tolist())[0]) >= 2


def _long_stream(seed: int, kind: str, n: int = 30_000) -> np.ndarray:
    """Many short segments (50 to 1500 values) with random means, or low and high error rates in turn."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(50, 1500, size=n // 50)
    segment = np.repeat(np.arange(lengths.size), lengths)[:n]
    if kind == "real":
        return rng.normal(rng.normal(0, 2, lengths.size)[segment], 1)
    rate = np.where(np.arange(lengths.size) % 2, rng.uniform(0.3, 0.7, lengths.size), rng.uniform(0, 0.1, lengths.size))
    rate = rate[segment]  # low and high error rates in turn: every rise is a drift
    errors = (rng.random(n) < rate).astype(float)
    return 1 - errors if kind == "correct" else errors


LONG_PAIRS = [  # river detector, driftlab detector, settings, stream, alarms at least
    (river_drift.PageHinkley, PageHinkley, {"threshold": 10.0}, "real", 300),
    (river_drift.PageHinkley, PageHinkley, {"threshold": 5.0, "mode": "up", "alpha": 0.999}, "real", 300),
    (river_drift.PageHinkley, PageHinkley, {"threshold": 5.0, "mode": "down", "min_instances": 5}, "real", 300),
    (river_binary.DDM, DDM, {}, "errors", 10),
    (river_binary.DDM, DDM, {"warm_start": 5, "drift_threshold": 2.5}, "errors", 20),
    (river_binary.EDDM, EDDM, {}, "errors", 50),
    (river_binary.EDDM, EDDM, {"warm_start": 10, "alpha": 0.9, "beta": 0.8}, "errors", 3),
    (river_binary.HDDMA, HDDM_A, {}, "errors", 10),
    (river_binary.HDDMA, HDDM_A, {"two_sided_test": True, "drift_confidence": 0.01}, "errors", 30),
    (river_binary.HDDMW, HDDM_W, {}, "errors", 20),
    (river_binary.HDDMW, HDDM_W, {"two_sided_test": True, "lambda_val": 0.1}, "errors", 30),
    (river_binary.FHDDM, FHDDM, {}, "correct", 10),
    (river_binary.FHDDM, FHDDM, {"sliding_window_size": 50, "short_window_size": 10}, "correct", 20),
    (lambda **s: river_drift.DummyDriftDetector(t_0=s["period"]), Periodic, {"period": 77}, "real", 300),
    (river_drift.ADWIN, ADWIN, {}, "real", 30),
    (river_drift.ADWIN, ADWIN, {"delta": 0.01, "clock": 4, "grace_period": 5}, "real", 30),
    (river_drift.ADWIN, ADWIN, {"clock": 1, "min_window_length": 1, "max_buckets": 2}, "real", 30),
    (river_drift.ADWIN, ADWIN, {"delta": 0.1, "clock": 7, "max_buckets": 3, "grace_period": 0}, "errors", 30),
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("river_class", "ours", "settings", "kind", "least"), LONG_PAIRS,
                         ids=[f"{p[1].__name__}-{i}" for i, p in enumerate(LONG_PAIRS)])
def test_long_streams_with_many_alarms_raise_rivers_alarms_and_warnings(seed, river_class, ours, settings, kind,
                                                                          least):
    values = _long_stream(seed, kind)
    expected = _river_run(river_class(**settings), values.tolist())
    assert len(expected[0]) >= least  # many resets after alarms are exercised
    single = _one_at_a_time(ours(**settings), values.tolist())
    whole = ours(**settings).update_many(values, trace=True)
    alarms_only = ours(**settings).update_many(values)
    chunked = _in_chunks(ours(**settings), values, seed)
    for got in (single, whole, chunked):
        assert (got.alarms.tolist(), got.warnings.tolist()) == expected
    assert alarms_only.tolist() == expected[0]
    assert np.array_equal(whole.statistic, single.statistic)
    assert np.array_equal(chunked.statistic, single.statistic)


@pytest.mark.parametrize("settings", [{}, {"clock": 1, "min_window_length": 1, "max_buckets": 2},
                                      {"delta": 0.1, "clock": 7, "max_buckets": 3, "grace_period": 0}])
def test_adwin_window_after_update_many_is_rivers_bit_for_bit(settings):
    values = _long_stream(3, "real", 50_000)
    theirs = river_drift.ADWIN(**settings)
    for x in values.tolist():
        theirs.update(x)
    ours = ADWIN(**settings)
    for piece in np.array_split(values, [777, 20_000, 20_001]):  # chunks, a single value among them
        ours.update_many(piece)
    assert (ours.width, ours.total, ours.variance) == (theirs.width, theirs.total, theirs.variance)
    assert ours.n_detections == theirs.n_detections and ours.drift_detected == theirs.drift_detected


def test_adwin_goes_on_where_rivers_rust_code_panics():
    # max_buckets=1 empties levels; river panics when a cut leaves an empty level as the oldest one
    rng = np.random.default_rng(12)
    values = rng.normal(np.repeat(rng.normal(0, 3, 60), 500), 1)  # river panics at value 29,508
    theirs, expected = river_drift.ADWIN(max_buckets=1, clock=1, min_window_length=1), []
    with pytest.raises(BaseException, match="slice index"):  # pyo3's PanicException derives from BaseException
        for i, x in enumerate(values.tolist()):
            theirs.update(x)
            if theirs.drift_detected:
                expected.append(i)
    ours = ADWIN(max_buckets=1, clock=1, min_window_length=1)
    alarms = ours.update_many(values)
    assert alarms[alarms < i].tolist() == expected and i in alarms  # river panics while dropping after a cut
    assert alarms.size > len(expected) and 0 < ours.width <= values.size - alarms[-1]


def test_adwin_state_survives_pickling_and_deep_copies():
    values = _long_stream(5, "real", 8000)
    adwin = ADWIN(clock=4)
    adwin.update_many(values[:5000])
    twins = [pickle.loads(pickle.dumps(adwin)), copy.deepcopy(adwin), adwin.clone(include_attributes=True)]
    expected = adwin.update_many(values[5000:], trace=True)
    for twin in twins:
        got = twin.update_many(values[5000:], trace=True)
        assert got.alarms.tolist() == expected.alarms.tolist() and np.array_equal(got.statistic, expected.statistic)
        assert (twin.width, twin.total, twin.variance) == (adwin.width, adwin.total, adwin.variance)


def test_cusum_on_a_long_stream_matches_one_value_at_a_time_through_many_alarms():
    values = _long_stream(2, "real")
    for settings in ({"h": 4.0}, {"mu_0": 0.5, "k": 0.25, "h": 3.0}):
        single = _one_at_a_time(CUSUM(**settings), values.tolist())
        assert single.alarms.size >= 50
        whole = CUSUM(**settings).update_many(values, trace=True)
        assert whole.alarms.tolist() == single.alarms.tolist()
        assert np.array_equal(whole.statistic, single.statistic)


def test_numba_is_imported_by_the_first_compiled_update_many_not_by_import():
    code = ("import sys, numpy, driftlab, driftlab.detectors\n"
            "before = 'numba' in sys.modules\n"
            "driftlab.detectors.PageHinkley().update_many(numpy.zeros(10))\n"
            "print(before, 'numba' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


KSWIN_SETTINGS = [
    {"seed": 1},  # river's defaults
    {"seed": 7, "alpha": 0.05, "window_size": 60, "stat_size": 20},
    {"seed": 5, "alpha": 0.2, "window_size": 12, "stat_size": 3},
    {"seed": 3, "window_size": 300, "stat_size": 90},  # samples from a population over 255
    {"seed": 2, "window_size": 400, "stat_size": 30},  # Python samples through a set here
]


@pytest.mark.parametrize("settings", KSWIN_SETTINGS, ids=lambda s: "-".join(f"{k}{v}" for k, v in s.items()))
def test_kswin_alarms_match_river(settings):
    streams = _streams(settings["seed"], n=1200)
    for kind in ("real_abrupt", "binary_abrupt"):
        values = streams[kind]
        expected, _ = _river_run(river_drift.KSWIN(**settings), values.tolist())
        single = _one_at_a_time(KSWIN(**settings), values.tolist())
        whole = KSWIN(**settings).update_many(values, trace=True)
        chunked = _in_chunks(KSWIN(**settings), values, settings["seed"])
        assert single.alarms.tolist() == whole.alarms.tolist() == chunked.alarms.tolist() == expected
        assert np.array_equal(whole.statistic, single.statistic)
        assert np.array_equal(chunked.statistic, single.statistic)


def test_kswin_alarms_only_when_the_statistic_exceeds_0_1_even_if_significant():
    values = np.random.default_rng(0).normal(size=2000)
    settings = {"seed": 0, "window_size": 1000, "stat_size": 500, "alpha": 0.05}  # p(D = 0.1) = 0.013 here
    expected, _ = _river_run(river_drift.KSWIN(**settings), values.tolist())
    trace = KSWIN(**settings).update_many(values, trace=True)
    assert trace.alarms.tolist() == _one_at_a_time(KSWIN(**settings), values).alarms.tolist() == expected
    assert np.any(trace.statistic[:expected[0]] == 0.1)


def test_kswin_alarms_match_river_on_a_long_alarm_heavy_stream():
    values = np.random.default_rng(3).normal(size=6000)  # about one false alarm per 700 values
    expected, _ = _river_run(river_drift.KSWIN(seed=11), values.tolist())
    assert len(expected) >= 4
    assert KSWIN(seed=11).update_many(values).tolist() == expected


@pytest.mark.parametrize(("population", "k", "count"),
                         [(70, 30, 500), (70, 30, 64), (20, 5, 300), (255, 40, 100), (85, 21, 200), (1, 1, 70),
                          (86, 21, 100), (300, 90, 70), (400, 30, 70)])
def test_bulk_samples_are_pythons_samples(population, k, count):
    ours, python = random.Random(population), random.Random(population)
    rows = _replay_samples(ours, population, k, count)
    assert rows.tolist() == [python.sample(range(population), k) for _ in range(count)]
    assert ours.getstate() == python.getstate()


def test_periodic_alarms_match_rivers_fixed_dummy_detector():
    values = _streams(0)["real_abrupt"]
    expected, _ = _river_run(river_drift.DummyDriftDetector(t_0=250), values.tolist())
    assert Periodic(period=250).update_many(values).tolist() == expected


# ---------------------------------------------------------------------------------------------
# Chunks and single updates mix freely, for every detector


def _all_detectors() -> list[DriftDetector]:
    return [
        ADWIN(), KSWIN(seed=4, alpha=0.05), PageHinkley(threshold=10.0), DDM(), EDDM(),
        HDDM_A(two_sided_test=True), HDDM_W(two_sided_test=True), FHDDM(short_window_size=30),
        CUSUM(h=4.0), CUSUM(mu_0=0.2, k=0.25, h=3.0), NoDrift(), Periodic(period=97),
        DetectorEnsemble([PageHinkley(threshold=10.0), CUSUM(h=4.0), DDM()], vote="any"),
        DetectorEnsemble([PageHinkley(threshold=10.0), CUSUM(h=4.0), EDDM(), HDDM_W()], vote="majority",
                         window=40),
    ]


def _values_for(detector, streams):
    """Values in [0, 1]; 0/1 mistakes for EDDM (or an ensemble with it), which counts gaps between mistakes."""
    members = detector.detectors if isinstance(detector, DetectorEnsemble) else [detector]
    return streams["binary_abrupt" if any(isinstance(m, EDDM) for m in members) else "unit_interval"]


@pytest.mark.parametrize("index", range(len(_all_detectors())),
                         ids=[type(d).__name__ for d in _all_detectors()])
def test_update_many_leaves_the_state_one_at_a_time_would(index):
    values = _values_for(_all_detectors()[index], _streams(5, n=3000))
    single = _one_at_a_time(_all_detectors()[index], values.tolist())
    for seed in range(3):
        chunked = _in_chunks(_all_detectors()[index], values, seed)
        assert chunked.alarms.tolist() == single.alarms.tolist()
        assert chunked.warnings.tolist() == single.warnings.tolist()
        assert np.array_equal(chunked.statistic, single.statistic)


@pytest.mark.parametrize("index", range(len(_all_detectors())),
                         ids=[type(d).__name__ for d in _all_detectors()])
def test_reset_forgets_everything(index):
    values = _values_for(_all_detectors()[index], _streams(6, n=2000))
    used, fresh = _all_detectors()[index], _all_detectors()[index]
    used.update_many(values[::-1])
    used.reset()
    assert not used.drift_detected and not used.warning_detected
    again = used.update_many(values, trace=True)
    assert np.array_equal(again.statistic, fresh.update_many(values, trace=True).statistic)


@pytest.mark.parametrize("index", range(len(_all_detectors())), ids=[type(d).__name__ for d in _all_detectors()])
def test_infinities_are_fed_the_same_way_one_at_a_time_and_in_bulk(index):
    if isinstance(_all_detectors()[index], (EDDM, DDM, HDDM_A, HDDM_W, FHDDM, DetectorEnsemble)):
        pytest.skip("error-rate detectors take values in [0, 1] only")
    values = _streams(8, n=600)["real_abrupt"]
    values[[100, 250, 251, 400]] = [np.inf, -np.inf, np.inf, np.inf]
    single = _one_at_a_time(_all_detectors()[index], values.tolist())
    whole = _all_detectors()[index].update_many(values, trace=True)
    assert whole.alarms.tolist() == single.alarms.tolist()
    assert whole.warnings.tolist() == single.warnings.tolist()
    assert np.array_equal(whole.statistic, single.statistic, equal_nan=True)


def test_trace_lines_up_with_the_values():
    values = _streams(0)["binary_abrupt"]
    trace = DDM().update_many(values, trace=True)
    assert trace.statistic.shape == values.shape
    assert trace.alarms.tolist() == DDM().update_many(values).tolist()
    assert set(trace.alarms).isdisjoint(trace.warnings)  # DDM clears its warning on an alarm
    empty = DDM().update_many([], trace=True)
    assert empty.alarms.size == empty.warnings.size == empty.statistic.size == 0


@pytest.mark.parametrize("bad", [[[1.0, 2.0], [3.0, 4.0]], 3.0, ["a", "b"]])
def test_update_many_rejects_what_is_not_a_list_of_numbers(bad):
    with pytest.raises(ConfigError) as error:
        PageHinkley().update_many(bad)
    assert error.value.path == "values"


# ---------------------------------------------------------------------------------------------
# Statistics against their definitions


def test_page_hinkley_statistic_is_its_cumulative_sum_test():
    values = np.random.default_rng(0).normal(0, 1, 500)
    ph = PageHinkley(threshold=1e9, alpha=0.99, delta=0.1)
    trace = ph.update_many(values, trace=True)
    up = down = 0.0
    up_min, down_max, expected = math.inf, -1.0, []
    for t, x in enumerate(values, start=1):
        deviation = x - values[:t].mean()
        up, down = 0.99 * up + deviation - 0.1, 0.99 * down + deviation + 0.1
        up_min, down_max = min(up_min, up), max(down_max, down)
        expected.append(max(up - up_min, down_max - down))
    assert np.allclose(trace.statistic, expected, rtol=1e-9, atol=1e-9)


def test_ddm_statistic_is_error_rate_plus_its_standard_deviation():
    errors = (np.random.default_rng(1).random(1000) < 0.2).astype(float)
    trace = DDM(drift_threshold=100.0, warning_threshold=100.0).update_many(errors, trace=True)
    n = np.arange(1, errors.size + 1)
    p = np.cumsum(errors) / n
    assert np.allclose(trace.statistic, p + np.sqrt(p * (1 - p) / n), rtol=1e-12)


def test_eddm_statistic_is_mean_plus_two_deviations_of_the_gaps_between_errors():
    errors = (np.random.default_rng(2).random(800) < 0.3).astype(float)
    trace = EDDM(alpha=1e-9, beta=1e-9).update_many(errors, trace=True)
    at = np.flatnonzero(errors) + 1
    gaps = np.diff(at, prepend=0)
    for j in (1, 5, 50, gaps.size - 1):
        std = gaps[:j + 1].std(ddof=1) if j else 0.0
        assert trace.statistic[at[j] - 1] == pytest.approx(gaps[:j + 1].mean() + 2 * std, rel=1e-12)
    assert np.all(trace.statistic[:at[0] - 1] == 0)


def test_fhddm_statistic_is_the_fall_of_the_window_mean_from_its_maximum():
    correct = (np.random.default_rng(3).random(600) < 0.8).astype(float)
    trace = FHDDM(sliding_window_size=50, confidence_level=0.5 ** 1000).update_many(correct, trace=True)
    means = np.convolve(correct, np.ones(50), "valid") / 50
    assert np.all(trace.statistic[:49] == 0)
    assert np.allclose(trace.statistic[49:], np.maximum.accumulate(means) - means, atol=1e-12)


def test_adwin_statistic_is_the_mean_of_its_window():
    values = np.random.default_rng(4).normal(size=300)
    adwin = ADWIN()
    trace = adwin.update_many(values, trace=True)
    assert trace.alarms.size == 0 and adwin.width == values.size
    assert np.allclose(trace.statistic, np.cumsum(values) / np.arange(1, values.size + 1))


def test_kswin_statistic_is_scipys_ks_statistic_on_pythons_reference_sample():
    values = np.random.default_rng(5).normal(size=160)
    trace = KSWIN(seed=9, alpha=0.0).update_many(values, trace=True)
    rng = random.Random(9)
    assert np.all(trace.statistic[:99] == 0)
    for t in range(99, values.size):
        window = values[t - 99:t + 1]
        reference = window[rng.sample(range(70), 30)]
        assert trace.statistic[t] == scipy.stats.ks_2samp(reference, window[70:]).statistic


def test_cusum_follows_its_written_formula_with_hand_computed_values():
    # mu_0 = 0, k = 0.5: S+ = max(0, S+ + x - 0.5), S- = max(0, S- - x - 0.5); both restart after an alarm
    cusum = CUSUM(mu_0=0.0, k=0.5, h=2.0)
    trace = cusum.update_many([1.0, 2.0, -1.0, 1.5, 3.0, -3.0, -0.5, -4.0], trace=True)
    # S+: 0.5, 2.0, 0.5, 1.5, 4.0 (alarm) | 0 | 0, 0
    # S-: 0,   0,   0.5, 0,   0         | 2.5 (alarm) | 0, 3.5 (alarm)
    assert trace.statistic.tolist() == [0.5, 2.0, 0.5, 1.5, 4.0, 2.5, 0.0, 3.5]
    assert trace.alarms.tolist() == [4, 5, 7]


def test_cusum_estimates_mu_0_from_the_warmup_after_every_reset():
    cusum = CUSUM(k=0.0, h=2.5, warmup=2)
    trace = cusum.update_many([1.0, 3.0, 3.0, 4.0, 5.0, 7.0, 6.0], trace=True)
    # mu_0 = 2: S+ = 1, 3 (alarm) | warm-up 5, 7 -> mu_0 = 6: S- = 0 - 6 + 6 = 0
    assert trace.statistic.tolist() == [0.0, 0.0, 1.0, 3.0, 0.0, 0.0, 0.0]
    assert trace.alarms.tolist() == [3]


def test_cusum_matches_the_plain_recursion_on_a_long_stream():
    values = np.random.default_rng(6).normal(0, 1, 5000) + np.repeat([0.0, 1.0], 2500)
    trace = CUSUM(mu_0=0.0, k=0.5, h=8.0).update_many(values, trace=True)
    s_plus = s_minus = 0.0
    alarms, statistic = [], []
    for i, x in enumerate(values):
        s_plus, s_minus = max(0.0, s_plus + x - 0.5), max(0.0, s_minus - x - 0.5)
        statistic.append(max(s_plus, s_minus))
        if statistic[-1] > 8.0:
            alarms.append(i)
            s_plus = s_minus = 0.0
    assert trace.alarms.tolist() == alarms
    assert np.allclose(trace.statistic, statistic, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Control arms, ensemble, reproducibility


def test_no_drift_never_alarms():
    detector = NoDrift()
    for values in _streams(0).values():
        assert detector.update_many(values).size == 0
    detector.update(1e9)
    assert not detector.drift_detected and detector.statistic == 0


def test_periodic_alarms_every_period_values_whatever_they_are():
    periodic = Periodic(period=4)
    assert periodic.update_many(np.array([np.inf, -5, 1e300, 0, 1, -np.inf, 2, 3, 4, 5])).tolist() == [3, 7]
    periodic.update(0.0)
    periodic.update(0.0)
    assert periodic.drift_detected and periodic.statistic == 4


@pytest.mark.parametrize(("vote", "expected"),
                         [("any", [1, 2, 3, 5, 7, 8, 9, 11]), ("majority", [5, 11]), ("all", [])])
def test_ensemble_votes_on_the_members_alarms(vote, expected):
    def members():
        return [Periodic(period=2), Periodic(period=3), NoDrift()]

    ensemble = DetectorEnsemble(members(), vote=vote)
    assert ensemble.update_many(np.zeros(12)).tolist() == expected
    one_by_one = DetectorEnsemble(members(), vote=vote)
    assert _one_at_a_time(one_by_one, [0.0] * 12).alarms.tolist() == expected
    trace = DetectorEnsemble(members(), vote=vote).update_many(np.zeros(12), trace=True)
    assert trace.statistic.tolist() == [0, 1, 1, 1, 0, 2, 0, 1, 1, 1, 0, 2]


def test_an_alarm_stays_a_vote_for_window_values_and_an_ensemble_alarm_uses_the_votes_up():
    def ensemble(window):
        return DetectorEnsemble([Periodic(period=4), Periodic(period=6)], vote="all", window=window)

    # the first member alarms on values 3, 7, 11, the second on 5, 11
    trace = ensemble(3).update_many(np.zeros(12), trace=True)
    assert trace.alarms.tolist() == [5, 11]
    assert trace.statistic.tolist() == [0, 0, 0, 1, 1, 2, 0, 1, 1, 1, 0, 2]
    assert _one_at_a_time(ensemble(3), [0.0] * 12).statistic.tolist() == trace.statistic.tolist()
    assert ensemble(2).update_many(np.zeros(12)).tolist() == [11]


def test_ensemble_votes_on_warnings_too():
    errors = _streams(0)["binary_abrupt"]
    ddm_warnings = DDM().update_many(errors, trace=True).warnings
    trace = DetectorEnsemble([DDM(), NoDrift()], vote="any").update_many(errors, trace=True)
    assert trace.warnings.tolist() == ddm_warnings.tolist()
    assert DetectorEnsemble([DDM(), NoDrift()], vote="all").update_many(errors, trace=True).warnings.size == 0


def test_kswin_with_a_seed_is_reproducible_and_resets_to_the_same_samples():
    values = np.random.default_rng(8).normal(size=3000)
    first = KSWIN(seed=3, alpha=0.05)
    alarms = first.update_many(values)
    first.reset()
    assert first.update_many(values).tolist() == alarms.tolist()
    assert KSWIN(seed=3, alpha=0.05).update_many(values).tolist() == alarms.tolist()


def test_kswin_without_a_seed_takes_one_when_built_and_replays_it_after_every_reset():
    values = np.random.default_rng(9).normal(size=3000)
    detector = KSWIN(alpha=0.05)
    alarms = detector.update_many(values)
    detector.reset()
    assert detector.update_many(values).tolist() == alarms.tolist()


# ---------------------------------------------------------------------------------------------
# Registry and settings


def test_registry_lists_and_builds_every_detector_with_rivers_defaults():
    assert list(DETECTORS) == ["ADWIN", "KSWIN", "PageHinkley", "DDM", "EDDM", "HDDM_A", "HDDM_W", "FHDDM",
                               "CUSUM", "NoDrift", "Periodic", "DetectorEnsemble"]
    for name, cls in DETECTORS.items():
        settings = {"detectors": ["ADWIN", "DDM"]} if cls is DetectorEnsemble else {}  # it has no default members
        assert type(make_detector(name, **settings)) is cls
    assert make_detector("ADWIN", delta=0.01).delta == 0.01
    assert PageHinkley().param.values() | {"name": None} == {
        "name": None, "min_instances": 30, "delta": 0.005, "threshold": 50.0, "alpha": 1 - 0.0001, "mode": "both"}
    assert (KSWIN().alpha, KSWIN().window_size, KSWIN().stat_size, KSWIN().seed) == (0.005, 100, 30, None)
    assert (HDDM_W().lambda_val, FHDDM().confidence_level, EDDM().beta) == (0.05, 0.000001, 0.9)


@pytest.mark.parametrize(("name", "suggestion"),
                         [("ADWN", "ADWIN"), ("pagehinkley", "PageHinkley"), ("HDDMW", "HDDM_W")])
def test_unknown_detector_names_list_the_known_ones_and_suggest_the_closest(name, suggestion):
    with pytest.raises(ConfigError) as error:
        make_detector(name)
    assert error.value.path == "detector"
    assert f"known: {', '.join(sorted(DETECTORS))} (did you mean {suggestion!r}?)" in str(error.value)
    assert f"did you mean {suggestion!r}" in str(error.value)


@pytest.mark.parametrize(("name", "settings", "path", "allowed"), [
    ("ADWIN", {"dleta": 0.1}, "ADWIN.dleta", "did you mean 'delta'"),
    ("ADWIN", {"delta": 0.0}, "ADWIN.delta", "greater than 0"),
    ("ADWIN", {"delta": 1.5}, "ADWIN.delta", "less than 1"),
    ("ADWIN", {"delta": "0.1"}, "ADWIN.delta", "expected a number, got the text"),
    ("ADWIN", {"clock": 2.5}, "ADWIN.clock", "integer"),
    ("KSWIN", {"window_size": -10}, "KSWIN.window_size", "at least 2"),
    ("KSWIN", {"stat_size": 60}, "KSWIN.stat_size", "at most window_size / 2 = 50"),
    ("KSWIN", {"seed": 1.5}, "KSWIN.seed", "integer"),
    ("PageHinkley", {"mode": "sideways"}, "PageHinkley.mode", "up, down, both"),
    ("PageHinkley", {"threshold": float("nan")}, "PageHinkley.threshold", "finite"),
    ("EDDM", {"beta": 0.97}, "EDDM.beta", "at most alpha = 0.95"),
    ("FHDDM", {"short_window_size": 200}, "FHDDM.short_window_size", "at most sliding_window_size = 100"),
    ("HDDM_A", {"two_sided_test": "yes"}, "HDDM_A.two_sided_test", "True or False"),
    ("CUSUM", {"h": 0}, "CUSUM.h", "greater than 0"),
    ("CUSUM", {"mu_0": float("nan")}, "CUSUM.mu_0", "finite"),
    ("HDDM_W", {"lambda_val": 1e-6}, "HDDM_W.lambda_val", "at least 0.0001"),
    ("NoDrift", {"period": 3}, "NoDrift.period", "unknown setting"),
])
def test_bad_settings_name_the_setting_and_what_is_allowed(name, settings, path, allowed):
    with pytest.raises(ConfigError) as error:
        make_detector(name, **settings)
    assert error.value.path == path
    assert allowed in error.value.problem


def test_settings_come_positionally_in_rivers_order_and_round_trip_through_specs():
    assert DDM(20, 1.5, 2.5).to_spec() == {"type": "DDM", "warm_start": 20, "warning_threshold": 1.5,
                                           "drift_threshold": 2.5}
    assert ADWIN(0.01).to_spec() == {"type": "ADWIN", "delta": 0.01}
    rebuilt = from_spec(DriftDetector, KSWIN(0.01, seed=3).to_spec(), "monitor.detector")
    assert type(rebuilt) is KSWIN and (rebuilt.alpha, rebuilt.seed) == (0.01, 3)
    with pytest.raises(ConfigError) as error:
        from_spec(DriftDetector, {"type": "HDDM_A", "drift_confidence": 2.0}, "monitor.detector")
    assert error.value.path == "monitor.detector.drift_confidence"


def test_settings_are_fixed_after_construction():
    detector = ADWIN(delta=0.01)
    with pytest.raises(TypeError):
        detector.delta = 0.1
    assert detector.delta == 0.01


@pytest.mark.parametrize("detectors", [[], [ADWIN(), 3], "ADWIN"])
def test_ensemble_needs_a_list_of_detectors(detectors):
    with pytest.raises(ConfigError) as error:
        DetectorEnsemble(detectors)
    assert error.value.path == "DetectorEnsemble.detectors"


def test_ensemble_refuses_the_same_detector_twice():
    ddm = DDM()
    with pytest.raises(ConfigError, match="distinct detector objects"):
        DetectorEnsemble([ddm, ddm])
    with pytest.raises(ConfigError) as error:
        DetectorEnsemble([DDM()], vote="most")
    assert error.value.path == "DetectorEnsemble.vote"


# ---------------------------------------------------------------------------------------------
# The ensemble as plain data


def _ensemble() -> DetectorEnsemble:
    return DetectorEnsemble([
        PageHinkley(threshold=10.0), KSWIN(alpha=0.01, seed=7), CUSUM(k=0.05, h=1.0),
        DetectorEnsemble([DDM(warm_start=20), Periodic(period=500)], vote="any"),
    ], vote="majority", window=30)


def test_ensemble_spec_lists_its_members_as_their_own_specs():
    spec = _ensemble().to_spec()
    assert spec == {
        "type": "DetectorEnsemble",
        "detectors": [
            {"type": "PageHinkley", "threshold": 10.0}, {"type": "KSWIN", "alpha": 0.01, "seed": 7},
            {"type": "CUSUM", "k": 0.05, "h": 1.0},
            {"type": "DetectorEnsemble", "detectors": [{"type": "DDM", "warm_start": 20},
                                                       {"type": "Periodic", "period": 500}],
             "vote": "any", "window": 1},
        ],
        "vote": "majority", "window": 30,
    }
    assert json.loads(json.dumps(spec)) == spec  # plain data, as a scenario file holds it


def test_ensemble_round_trips_through_its_spec_and_raises_the_same_alarms():
    spec = _ensemble().to_spec()
    rebuilt = from_spec(DriftDetector, spec, "detectors.ens")
    assert type(rebuilt) is DetectorEnsemble and rebuilt.to_spec() == spec
    assert [type(member) for member in rebuilt.detectors] == [PageHinkley, KSWIN, CUSUM, DetectorEnsemble]
    values = _streams(3)["unit_interval"]
    expected = _ensemble().update_many(values, trace=True)
    assert expected.alarms.tolist() == [1002, 2033, 3016]  # the stream shifts at 1000, 2000, 3000
    got = rebuilt.update_many(values, trace=True)
    assert got.alarms.tolist() == expected.alarms.tolist()
    assert np.array_equal(got.statistic, expected.statistic)
    assert make_detector("DetectorEnsemble", **{k: v for k, v in spec.items() if k != "type"}).to_spec() == spec


def test_ensemble_builds_members_given_as_names_or_mappings():
    ensemble = DetectorEnsemble(["ADWIN", {"type": "DDM", "warm_start": 20}, NoDrift()], "any")
    assert [type(member) for member in ensemble.detectors] == [ADWIN, DDM, NoDrift]
    assert ensemble.detectors[1].warm_start == 20 and ensemble.vote == "any"


@pytest.mark.parametrize(("member", "path", "problem"), [
    ({"type": "DDM", "warm_start": -1}, "detectors.ens.detectors[1].warm_start", "at least 0"),
    ({"type": "DMM"}, "detectors.ens.detectors[1].type", "did you mean 'DDM'"),
    ("ADWN", "detectors.ens.detectors[1]", "did you mean 'ADWIN'"),
    ({"warm_start": 20}, "detectors.ens.detectors[1]", "mapping with a 'type' key"),
    ({"type": "DetectorEnsemble", "detectors": ["ADWIN", {"type": "KSWIN", "alpha": 2}]},
     "detectors.ens.detectors[1].detectors[1].alpha", "at most 1"),
])
def test_a_bad_member_spec_is_named_by_its_path(member, path, problem):
    with pytest.raises(ConfigError) as error:
        from_spec(DriftDetector, {"type": "DetectorEnsemble", "detectors": ["ADWIN", member]}, "detectors.ens")
    assert error.value.path == path
    assert problem in error.value.problem


@pytest.mark.parametrize("detector, values, path", [
    (DDM, [0, 1, 0.5, 2.0], "DDM.values[3]"),
    (DDM, [0, -0.5], "DDM.values[1]"),  # NaN: the policy of every detector (test_river_compat.py)
    (EDDM, [0, 1, 0.5], "EDDM.values[2]"),  # EDDM counts gaps between mistakes: 0 or 1 only
    (lambda: DetectorEnsemble([PageHinkley(), EDDM()], vote="any"), [0, 1, 0.5], "EDDM.values[2]"),
])
def test_error_rate_detectors_take_error_indicators_only(detector, values, path):
    untouched = detector()
    untouched.update_many([0, 1, 0])
    statistic = untouched.statistic
    with pytest.raises(ConfigError) as err:
        untouched.update_many(values)
    assert err.value.path == path and "error indicator" in err.value.problem
    assert untouched.statistic == statistic  # nothing of the batch was taken in
    with pytest.raises(ConfigError, match="expected an error indicator"):
        detector().update(values[-1])
