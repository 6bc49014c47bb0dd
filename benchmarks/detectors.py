"""Drift detectors: driftlab against river 0.26, speed and detection quality, measured in one run.

Speed: values per second on the same stream (default 1,000,000 values) of driftlab's ``update_many``
against two baselines timed in the same rounds, ``--repeats`` rounds (>= 3) on fresh detectors:
river's per-item loop (``update`` then ``drift_detected``) and a compiled loop, the detector's update
rule written out as a minimal numba function here (the practical limit of a per-value loop). Each
cell is min / median / max over the rounds; a ratio is taken within each round, whose time for
``update_many`` and for the compiled loop is the fastest of three calls (a call is milliseconds long).
The alarms of river's loop, of driftlab's own per-item loop, of ``update_many`` and of the compiled
loop must agree. The
per-item loops run on the first ``--loop-n`` values (river's KSWIN runs ~5k updates/s: on the first
``--kswin-n``), where the alarms are compared too; ``update_many`` and the compiled loop run on the
whole stream, long enough to time a compiled loop.

Quality: for abrupt and gradual drift, on real values and on error streams, over ``--seeds`` seeds
(>= 20 for the table): the drift starts at n/2 (gradual: a ramp over n/10 values). Per run:

- detection: the first alarm in the window [start, start + W) after the change (W = ``--window``,
  by default n/5, which covers the ramp); delay = that alarm − start;
- missed: a run with no alarm in the window;
- false alarms: alarms in the stationary stretches, before the start or from start + W on, per
  10^4 values of those stretches (later alarms inside the window are neither detections nor false).

Each cell: the mean and the standard deviation over seeds (delay: over the detected runs);
missed: runs missed of all runs, with the Wilson 95 % interval of the miss rate.

    python benchmarks/detectors.py [--n 1000000] [--loop-n 200000] [--kswin-n 20000] [--repeats 3] [--seeds 20]
                                   [--quality-n 20000] [--window N]
"""
from __future__ import annotations

import argparse
import os
import random
import time
import warnings

import numba
import numpy as np
from river import drift
from river.drift import binary

from driftlab.detectors import (
    ADWIN, CUSUM, DDM, EDDM, FHDDM, HDDM_A, HDDM_W, KSWIN, DetectorEnsemble, NoDrift, PageHinkley, Periodic,
)

# --------------------------------------------------------------------------------------------------
# Compiled baselines: each detector's update rule as a minimal numba loop over the values (river's
# default settings, the alarms only, reset at once after an alarm). They are the practical limit of
# a per-value loop, and raise the same alarms as river.


@numba.njit(cache=True)
def page_hinkley_loop(x, min_instances=30, delta=0.005, threshold=50.0, alpha=1 - 0.0001):
    alarms, found = np.empty(x.size, np.int64), 0
    n, total, up, down, up_min, down_max = 0, 0.0, 0.0, 0.0, np.inf, -np.inf
    for i in range(x.size):
        n += 1
        total += x[i]
        deviation = x[i] - total / n
        up = alpha * up + (deviation - delta)
        down = alpha * down + (deviation + delta)
        up_min, down_max = min(up_min, up), max(down_max, down)
        if n >= min_instances and max(up - up_min, down_max - down) > threshold:
            alarms[found], found = i, found + 1
            n, total, up, down, up_min, down_max = 0, 0.0, 0.0, 0.0, np.inf, -np.inf
    return alarms[:found]


@numba.njit(cache=True)
def cusum_loop(x, k=0.5, h=10.0, warmup=30):
    alarms, found = np.empty(x.size, np.int64), 0
    seen, warm, mu, up, up_low, down, down_low = 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    for i in range(x.size):
        if seen < warmup:
            seen, warm = seen + 1, warm + x[i]
            mu = warm / warmup
            continue
        up, down = up + ((x[i] - mu) - k), down + ((mu - x[i]) - k)
        up_low, down_low = min(up_low, up), min(down_low, down)
        if max(up - up_low, down - down_low) > h:
            alarms[found], found = i, found + 1
            seen, warm, up, up_low, down, down_low = 0, 0.0, 0.0, 0.0, 0.0, 0.0
    return alarms[:found]


@numba.njit(cache=True)
def adwin_loop(x, delta=0.002, clock=32, per_level=5, shortest=5.0, grace=10.0):
    """Buckets of 2^j values at level j (sums s and squared deviations q, oldest first); river's arithmetic."""
    alarms, found = np.empty(x.size, np.int64), 0
    s, q, count = np.empty((64, per_level + 1)), np.empty((64, per_level + 1)), np.zeros(64, np.int64)
    levels, width, total, var, tick = 1, 0.0, 0.0, 0.0, 0
    for i in range(x.size):
        s[0, count[0]], q[0, count[0]], count[0] = x[i], 0.0, count[0] + 1
        if width > 0:
            d = x[i] - total / width
            var += width * d * d / (width + 1.0)
        width, total = width + 1.0, total + x[i]
        j = 0
        while count[j] > per_level:  # merge the two oldest buckets of a full level
            size = float(1 << j)
            a, b = s[j, 0] / size, s[j, 1] / size
            s[j + 1, count[j + 1]] = s[j, 0] + s[j, 1]
            q[j + 1, count[j + 1]] = q[j, 0] + q[j, 1] + size * 0.5 * (a - b) * (a - b)
            count[j + 1], count[j], levels = count[j + 1] + 1, count[j] - 2, max(levels, j + 2)
            for k in range(count[j]):
                s[j, k], q[j, k] = s[j, k + 2], q[j, k + 2]
            j += 1
        tick += 1
        if tick % clock or width <= grace:
            continue
        alarm = False
        while True:
            cut, lg = False, np.log(2.0 * np.log(width) / delta)
            n0, n1, u0, u1 = 0.0, width, 0.0, total
            for j in range(levels - 1, -1, -1):
                for k in range(count[j]):
                    n0, n1, u0, u1 = n0 + (1 << j), n1 - (1 << j), u0 + s[j, k], u1 - s[j, k]
                    if (j == 0 and k == count[0] - 1) or n0 < shortest or n1 < shortest:
                        continue
                    m = 1.0 / (n0 - shortest + 1.0) + 1.0 / (n1 - shortest + 1.0)
                    if abs(u0 / n0 - u1 / n1) > np.sqrt(2.0 * m * (var / width) * lg) + 2.0 / 3.0 * lg * m:
                        cut = True
                        break
                if cut:
                    break
            if not cut:
                break
            alarm, j = True, levels - 1  # drop the oldest bucket, test again
            size = float(1 << j)
            width, total = width - size, total - s[j, 0]
            d = s[j, 0] / size - total / width
            var -= q[j, 0] + size * width * d * d / (size + width)
            count[j] -= 1
            for k in range(count[j]):
                s[j, k], q[j, k] = s[j, k + 1], q[j, k + 1]
            while levels > 1 and count[levels - 1] == 0:
                levels -= 1
        if alarm:
            alarms[found], found = i, found + 1
            count[:levels] = 0
            levels, width, total, var, tick = 1, 0.0, 0.0, 0.0, 0
    return alarms[:found]


@numba.njit(cache=True)
def ddm_loop(x, warm_start=30, drift_threshold=3.0):
    alarms, found = np.empty(x.size, np.int64), 0
    n, errors, p_min, s_min, ps_min = 0, 0.0, 0.0, 0.0, np.inf
    for i in range(x.size):
        n, errors = n + 1, errors + x[i]
        p = errors / n
        s = np.sqrt(p * (1 - p) / n)
        if n > warm_start:
            if p + s <= ps_min:
                p_min, s_min, ps_min = p, s, p + s
            if p + s > p_min + drift_threshold * s_min:
                alarms[found], found = i, found + 1
                n, errors, p_min, s_min, ps_min = 0, 0.0, 0.0, 0.0, np.inf
    return alarms[:found]


@numba.njit(cache=True)
def eddm_loop(x, warm_start=30, beta=0.9):
    alarms, found = np.empty(x.size, np.int64), 0
    n, last, count, gap_sum, gap_squares, p2s_max = 0, 0, 0, 0.0, 0.0, -1.0
    for i in range(x.size):
        n += 1
        if x[i] != 1:
            continue
        count, gap = count + 1, n - last
        gap_sum, gap_squares, last = gap_sum + gap, gap_squares + gap * gap, n
        p2s = gap_sum / count + 2 * np.sqrt((count * gap_squares - gap_sum * gap_sum) / max(count * (count - 1), 1))
        if n > warm_start:
            if p2s > p2s_max:
                p2s_max = p2s
            elif count > warm_start and p2s / p2s_max < beta:
                alarms[found], found = i, found + 1
                n, last, count, gap_sum, gap_squares, p2s_max = 0, 0, 0, 0.0, 0.0, -1.0
    return alarms[:found]


@numba.njit(cache=True)
def hddm_a_loop(x, drift_confidence=0.001):
    alarms, found = np.empty(x.size, np.int64), 0
    log_cut, log_drift = np.log(1 / drift_confidence), np.log(2 / drift_confidence)
    n, total, low, low_n, low_mean = 0, 0.0, np.inf, 0, 0.0
    for i in range(x.size):
        n, total = n + 1, total + x[i]
        mean = total / n
        eps = np.sqrt(1.0 / (2 * n) * log_cut)
        if mean + eps <= low:
            low, low_n, low_mean = mean + eps, n, mean
        if n != low_n and mean - low_mean >= np.sqrt((n - low_n) / low_n * (1.0 / n) / 2 * log_drift):
            alarms[found], found = i, found + 1
            n, total, low, low_n, low_mean = 0, 0.0, np.inf, 0, 0.0
    return alarms[:found]


@numba.njit(cache=True)
def hddm_w_loop(x, c, drift_confidence=0.001, lam=0.05):  # c: the bound c_n, settled at its last entry
    alarms, found = np.empty(x.size, np.int64), 0
    log_drift, last = np.log(1 / drift_confidence), c.size - 1
    n, ewma, cut, ref, ref_n, m, m_ewma = 0, 0.0, np.inf, 0.0, 0, 0, 0.0
    for i in range(x.size):
        n += 1
        ewma = x[i] if n == 1 else lam * x[i] + (1 - lam) * ewma
        eps = np.sqrt(c[min(n, last)] * log_drift / 2)
        if ewma + eps < cut:
            cut, ref, ref_n, m, m_ewma = ewma + eps, ewma, n, 0, 0.0
        else:
            m += 1
            m_ewma = x[i] if m == 1 else lam * x[i] + (1 - lam) * m_ewma
        if m > 0 and m_ewma - ref > np.sqrt((c[min(ref_n, last)] + c[min(m, last)]) * log_drift / 2):
            alarms[found], found = i, found + 1
            n, ewma, cut, ref, ref_n, m, m_ewma = 0, 0.0, np.inf, 0.0, 0, 0, 0.0
    return alarms[:found]


@numba.njit(cache=True)
def fhddm_loop(x, size=100, confidence=0.000001):
    alarms, found = np.empty(x.size, np.int64), 0
    epsilon = np.sqrt(np.log(1 / confidence) / (2 * size))
    sums = np.zeros(size + 1)  # running sums, the last size + 1 of them
    n, total, u_max = 0, 0.0, 0.0
    for i in range(x.size):
        n, total = n + 1, total + x[i]
        sums[n % (size + 1)] = total
        if n >= size:
            u = (total - sums[(n - size) % (size + 1)]) / size
            u_max = max(u_max, u)
            if u_max - u > epsilon:
                alarms[found], found = i, found + 1
                n, total, u_max, sums[0] = 0, 0.0, 0.0, 0.0
    return alarms[:found]


@numba.njit(cache=True)
def periodic_loop(x, period=300):
    alarms, found, n = np.empty(x.size, np.int64), 0, 0
    for i in range(x.size):
        n += 1
        if n >= period:
            alarms[found], found, n = i, found + 1, 0
    return alarms[:found]


@numba.njit(cache=True)
def no_drift_loop(x):  # NoDrift's only work: refusing NaN, driftlab's policy for every detector
    for value in x:
        if value != value:
            raise ValueError("NaN")
    return np.empty(0, np.int64)


@numba.njit(cache=True)
def kswin_loop(x, rows, d_of, p_of, alpha=0.005, size=100, k=30):
    """rows[t]: the reference sample of the t-th test after a reset; d_of, p_of: scipy's D and p by distance."""
    alarms, found = np.empty(x.size, np.int64), 0
    window, filled, tests = np.empty(size), 0, 0  # a ring: the oldest value at window[filled % size]
    reference, newest = np.empty(k), np.empty(k)
    for i in range(x.size):
        window[filled % size], filled = x[i], filled + 1
        if filled < size:
            continue
        for j in range(k):
            reference[j] = window[(filled + rows[tests, j]) % size]
            newest[j] = window[(filled + size - k + j) % size]
        reference.sort()
        newest.sort()
        a = b = distance = 0
        while a < k and b < k:  # walk the merged values; the ECDFs count every copy of a tied value
            v = min(reference[a], newest[b])
            while a < k and reference[a] == v:
                a += 1
            while b < k and newest[b] == v:
                b += 1
            distance = max(distance, abs(a - b))
        tests += 1
        if p_of[distance] <= alpha and d_of[distance] > 0.1:
            alarms[found], found = i, found + 1
            filled, tests = 0, 0
    return alarms[:found]


def hddm_w_bounds(lam: float = 0.05) -> np.ndarray:
    """c_n = λ² + (1 − λ)²·c_{n−1} from c_0 = 1, until it stops changing."""
    c = [1.0]
    while (following := lam * lam + (1 - lam) ** 2 * c[-1]) != c[-1]:
        c.append(following)
    return np.array(c)


def kswin_tables(values: np.ndarray, seed: int = 42, size: int = 100, k: int = 30):
    """The compiled KSWIN's inputs, prepared outside its timing: river's reference samples (random.Random(seed)
    after each reset) for as many tests as one reset can see, and scipy's KS statistic and p-value by distance."""
    from scipy import stats

    longest = int(np.diff(np.concatenate(([-1], KSWIN(seed=seed).update_many(values), [values.size]))).max())
    rng = random.Random(seed)
    rows = np.array([rng.sample(range(size - k), k) for _ in range(longest)], np.int64)
    with warnings.catch_warnings():  # scipy falls back from the exact p-value for some distances, as in river
        warnings.simplefilter("ignore", RuntimeWarning)
        tests = [stats.ks_2samp(np.arange(k), np.arange(k) + d, method="auto") for d in range(k + 1)]
    return rows, np.array([t.statistic for t in tests]), np.array([t.pvalue for t in tests])


# --------------------------------------------------------------------------------------------------
# Speed


def speed_streams(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Ten segments: means 0, 1, 0, 2, ... for real values; error rates 0.1, 0.2, ... for errors."""
    rng = np.random.default_rng(seed)
    segment = np.arange(n) * 10 // n
    rates = np.array([0.1, 0.2, 0.1, 0.3, 0.1, 0.15, 0.1, 0.25, 0.1, 0.2])
    errors = (rng.random(n) < rates[segment]).astype(float)
    return {
        "real": rng.normal(size=n) + np.array([0, 1, 0, 2, 0, -1, 0, 1, 0, 2])[segment],
        "errors": errors,
        "correct": 1 - errors,
    }


SPEED_CASES = [  # name, river detector, driftlab detector, compiled baseline (values -> alarms), stream
    ("ADWIN", drift.ADWIN, ADWIN, adwin_loop, "real"),
    ("KSWIN", lambda: drift.KSWIN(seed=42), lambda: KSWIN(seed=42), "kswin", "real"),
    ("PageHinkley", drift.PageHinkley, PageHinkley, page_hinkley_loop, "real"),
    ("DDM", binary.DDM, DDM, ddm_loop, "errors"),
    ("EDDM", binary.EDDM, EDDM, eddm_loop, "errors"),
    ("HDDM_A", binary.HDDMA, HDDM_A, hddm_a_loop, "errors"),
    ("HDDM_W", binary.HDDMW, HDDM_W, "hddm_w", "errors"),
    ("FHDDM", binary.FHDDM, FHDDM, fhddm_loop, "correct"),
    ("CUSUM", None, lambda: CUSUM(h=10.0), cusum_loop, "real"),
    ("NoDrift", drift.NoDrift, NoDrift, no_drift_loop, "real"),
    ("Periodic", drift.DummyDriftDetector, Periodic, periodic_loop, "real"),
]


def compiled_baseline(kind, values: np.ndarray):
    """The compiled loop for ``values`` as a function of the values alone (its tables made here, untimed)."""
    if kind == "kswin":
        rows, d_of, p_of = kswin_tables(values)
        return lambda v: kswin_loop(v, rows, d_of, p_of)
    if kind == "hddm_w":
        c = hddm_w_bounds()
        return lambda v: hddm_w_loop(v, c)
    return kind


def loop(detector, values: list) -> tuple[float, list[int]]:
    """Seconds for the per-item loop, and the alarms it raised."""
    alarms = []
    start = time.perf_counter()
    for i, x in enumerate(values):
        detector.update(x)
        if detector.drift_detected:
            alarms.append(i)
    return time.perf_counter() - start, alarms


def timed(run, calls: int = 1) -> tuple[float, list[int]]:
    """Seconds for the fastest of ``calls`` calls of ``run()`` (which returns the alarms), and the alarms."""
    seconds = []
    for _ in range(calls):
        start = time.perf_counter()
        alarms = run()
        seconds.append(time.perf_counter() - start)
    return min(seconds), list(alarms)


BEST_OF = 3


def speed_table(n: int, loop_n: int, kswin_n: int, repeats: int) -> list[dict]:
    streams = speed_streams(n)
    return [speed_row(name, river_make, ours_make, baseline, streams[kind], kswin_n if name == "KSWIN" else loop_n,
                      repeats)
            for name, river_make, ours_make, baseline, kind in SPEED_CASES]


def speed_row(name, river_make, ours_make, baseline, values: np.ndarray, looped: int, repeats: int) -> dict:
    """``repeats`` rounds of: update_many, river's loop (on the first ``looped`` values), the compiled loop,
    each on a fresh detector; rates in values/s, ratios per round; and whether every path raised the same alarms."""
    n, as_list = values.size, values[:looped].tolist()
    first, _ = timed(lambda: ours_make().update_many(values[:1000]))  # a fresh process: loads or compiles
    compiled = compiled_baseline(baseline, values)
    if compiled is not None:
        compiled(values[:1000])  # compiled (or loaded from numba's cache) before timing
    # a compiled loop over 10^6 values takes milliseconds, the length of a time slice on a shared machine:
    # each round takes the fastest of BEST_OF calls of update_many and of the compiled loop
    runs = {"update_many": lambda: timed(lambda: ours_make().update_many(values), BEST_OF)}
    if river_make:
        runs["river"] = lambda: loop(river_make(), as_list)
    if compiled is not None:
        runs["compiled"] = lambda: timed(lambda: compiled(values), BEST_OF)
    seconds: dict[str, list[float]] = {key: [] for key in runs}
    alarms: dict[str, list[int]] = {"update": loop(ours_make(), as_list)[1]}
    for _ in range(repeats):
        for key, run in runs.items():
            took, found = run()
            if alarms.setdefault(key, found) != found:
                raise RuntimeError(f"{name}: {key} raised different alarms on the same values")
            seconds[key].append(took)
    per = {key: np.array(s) / (looped if key == "river" else n) for key, s in seconds.items()}  # seconds per value
    ours = per["update_many"]
    short = ours_make().update_many(values[:looped]).tolist() if looped < n else alarms["update_many"]
    return {
        "detector": name,
        "first": first,
        "river": 1 / per["river"] if river_make else None,
        "update_many": 1 / ours,
        "compiled": 1 / per["compiled"] if compiled is not None else None,
        "vs_river": per["river"] / ours if river_make else None,  # > 1: update_many is faster
        "vs_compiled": ours / per["compiled"] if compiled is not None else None,  # > 1: slower than compiled
        "alarms": len(alarms["update_many"]),
        "same": alarms.get("river", alarms["update"]) == alarms["update"] == short
                and alarms.get("compiled", alarms["update_many"]) == alarms["update_many"],
    }


# --------------------------------------------------------------------------------------------------
# Quality


def quality_stream(kind: str, shape: str, n: int, seed: int) -> tuple[np.ndarray, int]:
    """A stream whose drift starts at n/2: a step (abrupt) or a ramp over n/10 values (gradual)."""
    rng = np.random.default_rng(seed)
    start = n // 2
    t = np.arange(n)
    level = (t >= start).astype(float) if shape == "abrupt" else np.clip((t - start) / (n / 10), 0, 1)
    if kind == "real":  # N(0, 1), mean +1
        return rng.normal(size=n) + level, start
    errors = (rng.random(n) < 0.1 + 0.2 * level).astype(float)  # error rate 0.1 -> 0.3
    return (1 - errors if kind == "correct" else errors), start


QUALITY_CASES = [  # name, stream kind, detector for a seed
    ("ADWIN", "real", lambda seed: ADWIN()),
    ("KSWIN", "real", lambda seed: KSWIN(seed=seed)),
    ("PageHinkley", "real", lambda seed: PageHinkley()),
    ("CUSUM (k=0.5, h=5)", "real", lambda seed: CUSUM()),
    ("CUSUM (k=0.5, h=10)", "real", lambda seed: CUSUM(h=10.0)),
    ("majority(ADWIN, PH, KSWIN), window 100", "real",
     lambda seed: DetectorEnsemble([ADWIN(), PageHinkley(), KSWIN(seed=seed)], vote="majority", window=100)),
    ("NoDrift", "real", lambda seed: NoDrift()),
    ("Periodic", "real", lambda seed: Periodic()),
    ("DDM", "errors", lambda seed: DDM()),
    ("EDDM", "errors", lambda seed: EDDM()),
    ("HDDM_A", "errors", lambda seed: HDDM_A()),
    ("HDDM_W", "errors", lambda seed: HDDM_W()),
    ("FHDDM (fed 1 - error)", "correct", lambda seed: FHDDM()),
    ("ADWIN", "errors", lambda seed: ADWIN()),
]


def score_run(alarms: np.ndarray, start: int, window: int, n: int) -> tuple[float, float]:
    """(delay of the first alarm in [start, start + window), NaN if none; false alarms per 10^4 stationary values).

    >>> score_run(np.array([10, 520, 530, 900]), start=500, window=200, n=1000)
    (20.0, 25.0)
    """
    alarms = np.asarray(alarms)
    inside = alarms[(alarms >= start) & (alarms < start + window)]
    false = np.sum(alarms < start) + np.sum(alarms >= start + window)
    return (float(inside[0] - start) if inside.size else float("nan"), 1e4 * float(false) / (n - window))


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n (95 % for z = 1.96).

    >>> [round(v, 3) for v in wilson(0, 20)]
    [0.0, 0.161]
    """
    p, z2 = k / n, z * z
    centre, half = (p + z2 / (2 * n)) / (1 + z2 / n), z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def quality_table(n: int, seeds: int, window: int) -> list[dict]:
    rows = []
    for name, kind, make in QUALITY_CASES:
        row = {"detector": name, "stream": kind}
        for shape in ("abrupt", "gradual"):
            delays, false_rates = [], []
            for seed in range(seeds):
                values, start = quality_stream(kind, shape, n, seed)
                delay, false_rate = score_run(make(seed).update_many(values), start, window, n)
                delays.append(delay)
                false_rates.append(false_rate)
            delays = np.array(delays)
            detected = delays[~np.isnan(delays)]
            missed = int(np.isnan(delays).sum())
            row[shape] = {
                "delay": (np.mean(detected), np.std(detected)) if detected.size else (np.nan, np.nan),
                "false": (np.mean(false_rates), np.std(false_rates)),
                "missed": (missed, seeds, *wilson(missed, seeds)),
            }
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------------------
# Report


def rate(per_second: float) -> str:
    if not np.isfinite(per_second):
        return "-"
    for scale, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if per_second >= scale:
            return f"{per_second / scale:.2f}{unit}"
    return f"{per_second:.0f}"


def speedup(times: float) -> str:
    return f"{times:.1f}x"


def slowdown(times: float) -> str:
    return f"{times:.2f}x"


def triple(values, show) -> str:
    """min / median / max of ``values`` as ``show`` writes them; - when there are none."""
    if values is None:
        return "-"
    return " / ".join(show(v) for v in (np.min(values), np.median(values), np.max(values)))


def spread(mean: float, sd: float, digits: int) -> str:
    return "-" if not np.isfinite(mean) else f"{mean:.{digits}f}±{sd:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="values in the speed stream")
    parser.add_argument("--loop-n", type=int, default=200_000, help="values for the per-item loops")
    parser.add_argument("--kswin-n", type=int, default=20_000, help="values for the per-item loops over KSWIN")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each loop (min/median/max)")
    parser.add_argument("--seeds", type=int, default=20, help="seeds per quality scenario")
    parser.add_argument("--quality-n", type=int, default=20_000, help="values per quality stream (drift at half)")
    parser.add_argument("--window", type=int, default=None, help="detection window after the change (n/5)")
    args = parser.parse_args()
    window = args.window or args.quality_n // 5

    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    loop_n, kswin_n = min(args.loop_n, args.n), min(args.kswin_n, args.n)
    print(f"Speed: values/s on {args.n:,} values (river's and driftlab's per-item loops: the first {loop_n:,}; "
          f"over KSWIN: the first {kswin_n:,}), {args.repeats} rounds; each cell min / median / max over the rounds")
    header = (f"{'detector':12s} {'river loop':>24s} {'update_many':>24s} {'compiled loop':>24s} "
              f"{'update_many/river':>20s} {'update_many/compiled':>21s} {'first call':>10s} {'alarms':>6s}  same")
    print(header)
    print("-" * len(header))
    for row in speed_table(args.n, loop_n, kswin_n, args.repeats):
        print(f"{row['detector']:12s} {triple(row['river'], rate):>24s} {triple(row['update_many'], rate):>24s} "
              f"{triple(row['compiled'], rate):>24s} {triple(row['vs_river'], speedup):>20s} "
              f"{triple(row['vs_compiled'], slowdown):>21s} {row['first'] * 1e3:8.1f}ms {row['alarms']:>6d}  "
              f"{'yes' if row['same'] else 'NO'}")
    print("update_many/river: how many times faster than river's per-item loop; update_many/compiled: how many "
          "times the time of the compiled loop (1x = as fast), per round; first call: a fresh process's first "
          "update_many on 1,000 values (numba's kernel loaded from its cache, or compiled); same: river's loop, "
          "driftlab's loop, update_many and the compiled loop raise the same alarms. CUSUM has no river "
          "counterpart; the compiled KSWIN is given "
          "its reference samples and p-values ready-made")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")

    n = args.quality_n
    print(f"\nQuality over {args.seeds} seeds, {n:,} values, drift from {n // 2:,} "
          f"(real: N(0,1) mean +1; errors: rate 0.1 -> 0.3; gradual: over {n // 10:,} values); "
          f"detection window {window:,} values")
    header = (f"{'detector':40s} {'stream':8s} | {'abrupt: delay':>13s} {'false/1e4':>11s} {'missed':>16s} "
              f"| {'gradual: delay':>14s} {'false/1e4':>11s} {'missed':>16s}")
    print(header)
    print("-" * len(header))
    for row in quality_table(n, args.seeds, window):
        cells = []
        for shape, width in (("abrupt", 13), ("gradual", 14)):
            cell = row[shape]
            k, runs, low, high = cell["missed"]
            missed = f"{k}/{runs} [{low:.2f},{high:.2f}]"
            cells.append(f"{spread(*cell['delay'], 0):>{width}s} {spread(*cell['false'], 2):>11s} {missed:>16s}")
        print(f"{row['detector']:40s} {row['stream']:8s} | {cells[0]} | {cells[1]}")
    print(f"delay: values from the start of the drift to the first alarm within {window:,} values after it "
          "(mean±sd over the detected runs); false/1e4: alarms before the start or after the window, per 10^4 "
          "of those values (mean±sd over runs); missed: runs without an alarm in the window [Wilson 95 % interval "
          "of the miss rate]")


if __name__ == "__main__":
    main()
