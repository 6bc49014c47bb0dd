"""Drift detectors: driftlab against river 0.26, speed and detection quality, measured in one run.

Speed: updates per second on the same stream (default 1,000,000 values) of river's per-item loop
(``update`` then ``drift_detected``), the same loop over driftlab's detector, and driftlab's
``update_many``; the ratios to river; and whether all three raise the same alarms. river's KSWIN
runs ~5k updates/s, so river's loop and driftlab's loop are timed on the first ``--kswin-n``
values, where the alarms are compared too (``update_many`` is timed on the whole stream).

Quality: for abrupt and gradual drift, on real values and on error streams, over ``--seeds`` seeds:
each detector's mean detection delay, false alarms before the change and misses.

    python benchmarks/detectors.py [--n 1000000] [--kswin-n 50000] [--seeds 20] [--quality-n 20000]
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


def bulk(make, values: np.ndarray, repeat: int = 3) -> tuple[float, list[int]]:
    """Best seconds of ``repeat`` runs of update_many on fresh detectors, and the alarms."""
    best = np.inf
    for _ in range(repeat):
        detector = make()
        start = time.perf_counter()
        alarms = detector.update_many(values)
        best = min(best, time.perf_counter() - start)
    return best, alarms.tolist()


def speed_table(n: int, kswin_n: int) -> list[dict]:
    streams = speed_streams(n)
    rows = []
    for name, river_make, ours_make, kind in SPEED_CASES:
        values = streams[kind]
        looped = values[:kswin_n] if name == "KSWIN" else values
        as_list = looped.tolist()
        river_s, river_alarms = loop(river_make(), as_list) if river_make else (np.nan, None)
        ours_s, ours_alarms = loop(ours_make(), as_list)
        bulk_s, bulk_alarms = bulk(ours_make, values)
        compared = bulk_alarms if name != "KSWIN" else ours_make().update_many(looped).tolist()
        reference = river_alarms if river_alarms is not None else ours_alarms
        rows.append({
            "detector": name,
            "looped": len(looped),
            "river": len(looped) / river_s,
            "update": len(looped) / ours_s,
            "update_many": n / bulk_s,
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


def quality_table(n: int, seeds: int) -> list[dict]:
    rows = []
    for name, kind, make in QUALITY_CASES:
        row = {"detector": name, "stream": kind}
        for shape in ("abrupt", "gradual"):
            delays, false_alarms, misses = [], [], 0
            for seed in range(seeds):
                values, start = quality_stream(kind, shape, n, seed)
                alarms = make(seed).update_many(values)
                false_alarms.append(int(np.sum(alarms < start)))
                after = alarms[alarms >= start]
                if after.size:
                    delays.append(int(after[0] - start))
                else:
                    misses += 1
            row[shape] = (np.mean(delays) if delays else np.nan, np.mean(false_alarms), misses)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="values in the speed stream")
    parser.add_argument("--kswin-n", type=int, default=50_000, help="values for river's slow KSWIN loop")
    parser.add_argument("--seeds", type=int, default=20, help="seeds per quality scenario")
    parser.add_argument("--quality-n", type=int, default=20_000, help="values per quality stream (drift at half)")
    args = parser.parse_args()

    print(f"Speed: updates/s on {args.n:,} values (loops over KSWIN: first {min(args.kswin_n, args.n):,})")
    header = (f"{'detector':12s} {'river loop':>11s} {'update':>9s} {'ratio':>7s} {'update_many':>12s} "
              f"{'ratio':>8s} {'alarms':>7s}  same alarms")
    print(header)
    print("-" * len(header))
    for row in speed_table(args.n, min(args.kswin_n, args.n)):
        print(f"{row['detector']:12s} {rate(row['river']):>11s} {rate(row['update']):>9s} "
              f"{ratio(row['update'], row['river']):>7s} {rate(row['update_many']):>12s} "
              f"{ratio(row['update_many'], row['river']):>8s} {row['alarms']:>7d}  {'yes' if row['same'] else 'NO'}")
    print("ratio: against river's per-item loop; CUSUM has no river counterpart (alarms: update vs update_many)")

    print(f"\nQuality over {args.seeds} seeds, {args.quality_n:,} values, drift from {args.quality_n // 2:,} "
          f"(real: N(0,1) mean +1; errors: rate 0.1 -> 0.3; gradual: over {args.quality_n // 10:,} values)")
    header = (f"{'detector':40s} {'stream':8s} | {'abrupt: delay':>13s} {'false':>6s} {'missed':>6s} "
              f"| {'gradual: delay':>14s} {'false':>6s} {'missed':>6s}")
    print(header)
    print("-" * len(header))
    for row in quality_table(args.quality_n, args.seeds):
        cells = []
        for shape, width in (("abrupt", 13), ("gradual", 14)):
            delay, false_alarms, misses = row[shape]
            cells.append(f"{delay:>{width}.0f} {false_alarms:>6.1f} {misses:>6d}")
        print(f"{row['detector']:40s} {row['stream']:8s} | {cells[0]} | {cells[1]}")
    print("delay: values from the start of the drift to the first alarm after it (mean over detected runs); "
          "false: alarms before it per run; missed: runs with no alarm after it")


if __name__ == "__main__":
    main()
