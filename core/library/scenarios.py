"""Ready scenarios: whole experiments (stream, detectors, monitor, model, trainer), by name.

Each function returns a validated :class:`~driftlab.scenario.Scenario`; ``driftlab export NAME``
writes it as YAML (the files in ``assets/scenarios/`` are those exports).
"""
from __future__ import annotations

import os
from pathlib import Path

from ..config import did_you_mean
from ..errors import ConfigError
from ..scenario import Scenario, dump_scenario, scenario_from_tree
from .rotated_digits import rotated_digits
from .time_series import time_series


# Settings the ready scenarios share: a run of 16 steps of 5 batches of 128 samples, Page-Hinkley
# watching for a fall of the accuracy, and short retraining episodes.
PAGE_HINKLEY = {"type": "PageHinkley", "min_instances": 5, "threshold": 0.5, "mode": "down"}
MONITOR = {"batch_size": 128, "batches_per_step": 5, "max_steps": 16, "pretrain_samples": 1024}
EPISODES = {"max_iter": 60, "batch_size": 64, "lr": 0.003, "eval_samples": 256}
CURRENT = {"type": "SequentialBuffer", "max_size": 512}


def time_series_drift(seed: int = 0) -> Scenario:
    """Covariate, concept and prior drift on the time series; a 1-D CNN retrained with replay on alarms."""
    return scenario_from_tree(
        time_series(seed),
        name="time_series_drift",
        description="Time series under covariate (background), concept (ramp/step shape) and prior (class mix) "
                    "drift; Page-Hinkley on the accuracy triggers replay retraining of a 1-D CNN.",
        detectors={"page_hinkley": PAGE_HINKLEY},
        monitor=MONITOR,
        model={"type": "Conv1dNet", "channels": [8, 16]},
        trainer={"strategy": {"type": "replay", "ratio": 0.5}, **EPISODES},
        buffers={"current": CURRENT, "memory": {"type": "ReservoirBuffer", "max_size": 1024}},
    )


def rotated_digits_replay(seed: int = 0) -> Scenario:
    """Digits that rotate, get noisy and change class mix; drift-triggered replay keeps the old regimes."""
    return scenario_from_tree(
        rotated_digits(seed),
        name="rotated_digits_replay",
        description="scikit-learn's 8x8 digits under growing rotation and noise, then skewed class priors; "
                    "Page-Hinkley on the accuracy triggers replay retraining of a small CNN.",
        detectors={"page_hinkley": PAGE_HINKLEY},
        monitor=MONITOR,
        model={"type": "DigitsCNN"},
        trainer={"strategy": {"type": "replay", "ratio": 0.5}, **EPISODES, "max_iter": 80},
        buffers={"current": CURRENT, "memory": {"type": "ClassBalancedBuffer", "max_size": 2000}},
    )


def detector_comparison(seed: int = 0) -> Scenario:
    """Several detectors side by side on one monitored metric; the model is trained once and never adapted."""
    return scenario_from_tree(
        time_series(seed),
        name="detector_comparison",
        description="The drifting time series watched by ADWIN, KSWIN, Page-Hinkley and CUSUM on the same "
                    "accuracy; no retraining, so every regime change shows in the metric.",
        detectors={"page_hinkley": PAGE_HINKLEY,
                   "adwin": {"type": "ADWIN", "delta": 0.01, "clock": 4, "grace_period": 5},
                   "kswin": {"type": "KSWIN", "alpha": 0.001, "window_size": 40, "stat_size": 10, "seed": seed},
                   "cusum": {"type": "CUSUM", "k": 0.02, "h": 0.3, "warmup": 5}},
        monitor={**MONITOR, "adaptation": "detect_only"},
        model={"type": "Conv1dNet", "channels": [8, 16]},
        trainer={"strategy": "naive", **EPISODES},
    )


SCENARIOS = {"time_series_drift": time_series_drift, "rotated_digits_replay": rotated_digits_replay,
             "detector_comparison": detector_comparison}


def scenario_source(source: str | os.PathLike) -> str | Path:
    """What :func:`~driftlab.scenario.load_scenario` reads for ``source``: YAML text (it has a line break)
    as it is, a scenario file's path, or the YAML of the built-in scenario of that name.

    >>> scenario_source("time_series_drift").splitlines()[0]
    '# driftlab scenario: time_series_drift'
    >>> scenario_source("time_series_drfit")
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: time_series_drfit: neither a scenario file nor a built-in scenario; built-in: \
time_series_drift, rotated_digits_replay, detector_comparison (did you mean 'time_series_drift'?)
    """
    if isinstance(source, str) and "\n" in source:
        return source
    path = Path(source)
    if path.is_file():
        return path
    if str(source) in SCENARIOS:
        return dump_scenario(SCENARIOS[str(source)]())
    if path.suffix in (".yaml", ".yml") or os.sep in str(source):
        raise ConfigError(str(source), "no such scenario file")
    raise ConfigError(str(source), "neither a scenario file nor a built-in scenario; built-in: "
                      + ", ".join(SCENARIOS) + did_you_mean(str(source), list(SCENARIOS)))
