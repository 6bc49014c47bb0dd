"""Drift detectors: driftlab against river 0.26, speed and detection quality, measured in one run.

Speed: updates per second on the same stream (default 1,000,000 values) of river's per-item loop
(``update`` then ``drift_detected``), the same loop over driftlab's detector, and driftlab's
``update_many``, each timed ``--repeats`` times (>= 3) on fresh detectors: river's loop as
min / median / max, the ratios from medians; and whether all three raise the same alarms. river's
KSWIN runs ~5k updates/s, so river's loop and driftlab's loop are timed on the first ``--kswin-n``
values, where the alarms are compared too (``update_many`` is timed on the whole stream).

Quality: for abrupt and gradual drift, on real values and on error streams, over ``--seeds`` seeds
(>= 20 for the table): the drift starts at n/2 (gradual: a ramp over n/10 values). Per run:

- detection: the first alarm in the window [start, start + W) after the change (W = ``--window``,
  by default n/5, which covers the ramp); delay = that alarm − start;
- missed: a run with no alarm in the window;
- false alarms: alarms in the stationary stretches, before the start or from start + W on, per
  10^4 values of those stretches (later alarms inside the window are neither detections nor false).

Each cell: the mean and the standard deviation over seeds (delay: over the detected runs);
missed: runs missed of all runs, with the Wilson 95 % interval of the miss rate.

    python benchmarks/detectors.py [--n 1000000] [--kswin-n 50000] [--repeats 3] [--seeds 20]
                                   [--quality-n 20000] [--window N]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from river import drift
from river.drift import binary

from driftlab.detectors import (
    ADWIN, CUSUM, DDM, EDDM, FHDDM, HDDM_A, HDDM_W, KSWIN, DetectorEnsemble, NoDrift, PageHinkley, Periodic,
)

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


SPEED_CASES = [  # name, river detector, driftlab detector, stream
    ("ADWIN", drift.ADWIN, ADWIN, "real"),
    ("KSWIN", lambda: drift.KSWIN(seed=42), lambda: KSWIN(seed=42), "real"),
    ("PageHinkley", drift.PageHinkley, PageHinkley, "real"),
    ("DDM", binary.DDM, DDM, "errors"),
    ("EDDM", binary.EDDM, EDDM, "errors"),
    ("HDDM_A", binary.HDDMA, HDDM_A, "errors"),
    ("HDDM_W", binary.HDDMW, HDDM_W, "errors"),
    ("FHDDM", binary.FHDDM, FHDDM, "correct"),
    ("CUSUM", None, lambda: CUSUM(h=10.0), "real"),
    ("NoDrift", drift.NoDrift, NoDrift, "real"),
    ("Periodic", drift.DummyDriftDetector, Periodic, "real"),
]


def loop(detector, values: list) -> tuple[float, list[int]]:
    """Seconds for the per-item loop, and the alarms it raised."""
    alarms = []
    start = time.perf_counter()
    for i, x in enumerate(values):
        detector.update(x)
        if detector.drift_detected:
            alarms.append(i)
    return time.perf_counter() - start, alarms


def looped(make, values: list, repeats: int) -> tuple[np.ndarray, list[int]]:
    """Seconds of ``repeats`` per-item loops, each on a fresh detector, and the alarms (the same every run)."""
    seconds, alarms = [], None
    for _ in range(repeats):
        took, found = loop(make(), values)
        seconds.append(took)
        if alarms is not None and found != alarms:
            raise RuntimeError("a detector raised different alarms on the same values")
        alarms = found
    return np.array(seconds), alarms


def bulk(make, values: np.ndarray, repeats: int) -> tuple[np.ndarray, list[int]]:
    """Seconds of ``repeats`` runs of update_many on fresh detectors, and the alarms."""
    seconds = []
    for _ in range(repeats):
        detector = make()
        start = time.perf_counter()
        alarms = detector.update_many(values)
        seconds.append(time.perf_counter() - start)
    return np.array(seconds), alarms.tolist()


def speed_table(n: int, kswin_n: int, repeats: int) -> list[dict]:
    streams = speed_streams(n)
    rows = []
    for name, river_make, ours_make, kind in SPEED_CASES:
        values = streams[kind]
        timed = values[:kswin_n] if name == "KSWIN" else values
        as_list = timed.tolist()
        river_s, river_alarms = looped(river_make, as_list, repeats) if river_make else (np.full(1, np.nan), None)
        ours_s, ours_alarms = looped(ours_make, as_list, repeats)
        bulk_s, bulk_alarms = bulk(ours_make, values, repeats)
        compared = bulk_alarms if name != "KSWIN" else ours_make().update_many(timed).tolist()
        reference = river_alarms if river_alarms is not None else ours_alarms
        river_rates = len(timed) / river_s
        rows.append({
            "detector": name,
            "looped": len(timed),
            "river": (np.min(river_rates), np.median(river_rates), np.max(river_rates)),
            "update": len(timed) / np.median(ours_s),
            "update_many": n / np.median(bulk_s),
            "alarms": len(bulk_alarms),
            "same": reference == ours_alarms == compared,
        })
    return rows


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


def ratio(ours: float, river: float) -> str:
    return f"{ours / river:.1f}x" if np.isfinite(river) else "-"


def spread(mean: float, sd: float, digits: int) -> str:
    return "-" if not np.isfinite(mean) else f"{mean:.{digits}f}±{sd:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="values in the speed stream")
    parser.add_argument("--kswin-n", type=int, default=50_000, help="values for river's slow KSWIN loop")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each loop (min/median/max)")
    parser.add_argument("--seeds", type=int, default=20, help="seeds per quality scenario")
    parser.add_argument("--quality-n", type=int, default=20_000, help="values per quality stream (drift at half)")
    parser.add_argument("--window", type=int, default=None, help="detection window after the change (n/5)")
    args = parser.parse_args()
    window = args.window or args.quality_n // 5

    print(f"Speed: updates/s on {args.n:,} values (loops over KSWIN: first {min(args.kswin_n, args.n):,}), "
          f"{args.repeats} timed runs each")
    header = (f"{'detector':12s} {'river loop min / median / max':>31s} {'update':>9s} {'ratio':>7s} "
              f"{'update_many':>12s} {'ratio':>8s} {'alarms':>7s}  same alarms")
    print(header)
    print("-" * len(header))
    for row in speed_table(args.n, min(args.kswin_n, args.n), args.repeats):
        low, median, high = row["river"]
        river = f"{rate(low)} / {rate(median)} / {rate(high)}" if np.isfinite(median) else "-"
        print(f"{row['detector']:12s} {river:>31s} {rate(row['update']):>9s} "
              f"{ratio(row['update'], median):>7s} {rate(row['update_many']):>12s} "
              f"{ratio(row['update_many'], median):>8s} {row['alarms']:>7d}  {'yes' if row['same'] else 'NO'}")
    print("update, update_many: medians; ratio: median against river's median per-item loop; "
          "CUSUM has no river counterpart (alarms: update vs update_many)")

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
