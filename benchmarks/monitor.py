"""Monitor-loop speed: samples/s of ``Monitor.run`` against bare inference on the same model.

The scenario is ``time_series_drift`` (its 1-D CNN and detectors, ``adaptation=detect_only``: the
loop evaluates, aggregates and detects, and never trains). The baseline, "bare inference", is the
monitor's own ``evaluate`` callable (the model's forward pass and the metric, under the trainer's
swap lock) on batches drawn beforehand, same model and batch size. The loop is timed with the
stream drawn on the critical path (``prefetch=False``) and drawn ahead on a worker thread
(``prefetch=True``); each run times bare inference and both loops side by side, and the ratios
(loop / bare, in samples per second) are printed as min / median / max over the runs.

Change points: ``run`` returns the history, whose ``change_point`` column needs the steps at which
the stream changed. After each timed prefetched run, ``Monitor.change_points()`` (each step decided
once and kept) is timed against the same list from the parameters' whole change log (how it was
computed before), checked equal; printed per call and as a share of the run's time, min / median /
max over the runs.

History memory: a monitor on a tiny stream (one-sample batches, a fixed score, Page-Hinkley)
runs ``--history-batches`` batches; the memory its history table keeps (tracemalloc, what is
still allocated after the run) is printed per 10⁶ batches, against the same rows kept as one dict
per batch (what the table held before it was columnar), with the time of one ``history`` access.

Detection report: a monitor on a level that jumps every 50 steps (10 batches a step, two sensitive
Page-Hinkley detectors: detections, misses and false alarms) runs to each of ``--report-batches``;
then, after each of ``--report-steps`` more steps, the report is asked for as the dashboard does
(``Monitor.detection_report``, kept up to date) and computed from scratch from the whole history
(``detection_report_of``, what it did before); the two are checked equal. Printed: the per-step cost
of each and their ratio (from scratch / kept), min / median / max over ``--runs`` runs.

    python benchmarks/monitor.py [--batches 200] [--batch-size 128] [--runs 5] [--threads 1]
                                 [--history-batches 20000] [--report-batches 10000,60000]
                                 [--report-steps 20] [--report-only]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc

import pandas as pd
import torch

from driftlab.library import SCENARIOS
from driftlab.scenario import dump_scenario, load_scenario


def build(batch_size: int, batches: int, prefetch: bool):
    overrides = ["monitor.adaptation=detect_only", f"monitor.batch_size={batch_size}",
                 f"monitor.batches_per_step={max(1, batches // 4)}", f"monitor.prefetch={str(prefetch).lower()}",
                 "monitor.pretrain_samples=0"]
    return load_scenario(dump_scenario(SCENARIOS["time_series_drift"]()), overrides=overrides).build()


def loop_rate(batch_size: int, batches: int, prefetch: bool, threads: int) -> tuple[float, object]:
    experiment = build(batch_size, batches, prefetch)
    torch.set_num_threads(threads)
    experiment.monitor.run(max_batches=2)  # warm-up: first calls allocate
    start = time.perf_counter()
    experiment.monitor.run(max_batches=batches)
    return batch_size * batches / (time.perf_counter() - start), experiment.monitor


def bare_rate(batch_size: int, batches: int, threads: int) -> float:
    experiment = build(batch_size, batches, False)
    torch.set_num_threads(threads)
    data = [experiment.tree.batch(batch_size) for _ in range(batches + 2)]
    evaluate = experiment.monitor.evaluate
    for X, y in data[:2]:
        evaluate(X, y)
    start = time.perf_counter()
    for X, y in data[2:]:
        evaluate(X, y)
    return batch_size * batches / (time.perf_counter() - start)


def change_points_from_the_change_log(monitor) -> list[int]:
    """The change points as computed before they were kept: from every parameter's whole change log."""
    last = monitor.history["step"].iloc[-1]
    log = monitor.tree.params.change_log(int(last))
    big = log["changed"] & ~(log["delta"].abs() <= 0.0)
    return sorted(int(k) for k in log.loc[big, "step"].unique())


def change_point_cost(monitor) -> tuple[float, float]:
    """Seconds of the kept change points and of the change-log ones (the fastest of 3 calls each), checked equal."""
    kept, scratch = [], []
    for _ in range(3):
        start = time.perf_counter()
        points = monitor.change_points()
        kept.append(time.perf_counter() - start)
        start = time.perf_counter()
        expected = change_points_from_the_change_log(monitor)
        scratch.append(time.perf_counter() - start)
        assert points == expected, "kept change points differ from the change log's"
    return min(kept), min(scratch)


def tiny_monitor():
    from driftlab.detectors import make_detector
    from driftlab.monitor import Monitor
    from driftlab.tree import SamplingTree

    tree = SamplingTree([lambda x, rng: rng.normal(), {"a": "a", "b": "b"}], rng=0)
    return Monitor(tree, lambda X, y: {"accuracy": float(X[0] > 0)}, {"ph": make_detector("PageHinkley")},
                   batch_size=1, batches_per_step=100, adaptation="detect_only")


def history_memory(batches: int) -> tuple[float, float, float, float]:
    """Bytes per batch kept by the columnar history and by one dict per row; seconds of a history access."""
    monitor = tiny_monitor()
    kept: list[dict] = []
    monitor.on("batch", kept.append)
    monitor.run(max_batches=batches)
    start = time.perf_counter()
    _ = monitor.history
    access = time.perf_counter() - start
    start = time.perf_counter()
    _ = pd.DataFrame(kept)  # the frame of one dict per row, as the table was built before
    from_dicts = time.perf_counter() - start

    monitor = tiny_monitor()
    rows: list[dict] = []
    monitor.on("batch", rows.append)
    empty = type(monitor._rows)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        monitor.run(max_batches=batches)
        columns, monitor._rows = monitor._rows, empty()
        dicts_only = tracemalloc.get_traced_memory()[0] - before  # the row dicts (and the values)
        monitor._listeners["batch"].clear()  # the listener holds the list of dicts
        del rows
        columns_only = tracemalloc.get_traced_memory()[0] - before  # the columns (and the values)
        del columns
        neither = tracemalloc.get_traced_memory()[0] - before  # the monitor's own state
    finally:
        tracemalloc.stop()
    return (columns_only - neither) / batches, (dicts_only - neither) / batches, access, from_dicts


def level(x, mean, rng):
    return rng.normal(mean, 0.3, 1)


def report_monitor():
    from driftlab.detectors import make_detector
    from driftlab.monitor import Monitor
    from driftlab.tree import SamplingTree

    jumps = {"mean": {"schedule": [0.0] * 50 + [1.0] * 50, "strategy": "cycle"}}
    tree = SamplingTree([level, "ok"], params={"level": jumps}, rng=0)
    detectors = {"down": make_detector("PageHinkley", threshold=0.5, min_instances=5, mode="down"),
                 "up": make_detector("PageHinkley", threshold=0.5, min_instances=5, mode="up")}
    return Monitor(tree, lambda X, y: {"accuracy": float((X[:, 0] < 0.5).mean())}, detectors, batch_size=4,
                   batches_per_step=10, adaptation="detect_only")


def report_cost(sizes: list[int], steps: int, runs: int):
    """For each history size: seconds per step of the kept report and of the report from scratch, by run."""
    from driftlab.monitor import detection_report_of

    monitor = report_monitor()
    for size in sizes:
        monitor.run(max_batches=size - monitor.batch_index)
        monitor.detection_report()  # the dashboard asks every step: the kept report has read every row
        kept, scratch = [], []
        for _ in range(runs):
            kept_s = scratch_s = 0.0
            for _ in range(steps):
                monitor.run(max_batches=monitor.batches_per_step)
                start = time.perf_counter()
                report = monitor.detection_report()
                kept_s += time.perf_counter() - start
                start = time.perf_counter()
                expected = detection_report_of(monitor.history, monitor.change_points(), monitor.detectors,
                                               monitor.trigger)
                scratch_s += time.perf_counter() - start
                pd.testing.assert_frame_equal(report, expected)
            kept.append(kept_s / steps)
            scratch.append(scratch_s / steps)
        yield size, kept, scratch, report


def spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--history-batches", type=int, default=20_000)
    parser.add_argument("--report-batches", default="10000,60000", help="history sizes of the report timing")
    parser.add_argument("--report-steps", type=int, default=20, help="steps timed per run at each size")
    parser.add_argument("--report-only", action="store_true", help="time the detection report only")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    if not args.report_only:
        loop_and_history(args, load)
    sizes = [int(size) for size in args.report_batches.split(",")]
    print(f"detection report per step, {args.runs} runs of {args.report_steps} steps (10 batches each), "
          f"load {load:.2f}: kept up to date vs computed from scratch (min / median / max)", flush=True)
    for size, kept, scratch, report in report_cost(sizes, args.report_steps, args.runs):
        ratios = [s / k for k, s in zip(kept, scratch, strict=True)]
        print(f"  at {size:_} batches ({len(report)} report rows, equal): kept {spread([k * 1e3 for k in kept])} ms, "
              f"from scratch {spread([s * 1e3 for s in scratch])} ms; ratio from scratch / kept {spread(ratios)}")


def loop_and_history(args, load: float) -> None:
    print(f"time_series_drift, batch {args.batch_size}, {args.batches} batches per run, {args.runs} runs, "
          f"{args.threads} torch thread(s), load {load:.2f}")
    plain, ahead, kept, scratch, share = [], [], [], [], []
    used = 0
    for _ in range(args.runs):
        bare = bare_rate(args.batch_size, args.batches, args.threads)
        rate, _ = loop_rate(args.batch_size, args.batches, False, args.threads)
        plain.append(rate / bare)
        rate, monitor = loop_rate(args.batch_size, args.batches, True, args.threads)
        ahead.append(rate / bare)
        used = monitor.prefetched
        kept_s, scratch_s = change_point_cost(monitor)
        kept.append(kept_s * 1e3)
        scratch.append(scratch_s * 1e3)
        share.append(100 * scratch_s * rate / (args.batch_size * args.batches))  # % of the run's time
        print(f"  bare {bare:,.0f} samples/s; loop {plain[-1]:.2f}x without prefetch, {ahead[-1]:.2f}x with")
    print(f"ratio vs bare inference (min / median / max): without prefetch {spread(plain)}; "
          f"with prefetch {spread(ahead)} ({used} of {args.batches + 2} batches drawn ahead in the last run)")
    print(f"change points at the end of a run (min / median / max): kept {spread(kept)} ms, from the change log "
          f"{spread(scratch)} ms (equal), ratio from the change log / kept "
          f"{spread([s / k for k, s in zip(kept, scratch, strict=True)])}; the change log's share of the run's time "
          f"{spread(share)} %")
    columnar, dicts, access, from_dicts = history_memory(args.history_batches)
    print(f"history memory per 10^6 batches: columnar {columnar * 1e6 / 2**20:.0f} MiB, one dict per row "
          f"{dicts * 1e6 / 2**20:.0f} MiB ({dicts / columnar:.1f}x); one history access at "
          f"{args.history_batches:_} batches: {access * 1e3:.0f} ms (the frame of the row dicts alone: "
          f"{from_dicts * 1e3:.0f} ms)")


if __name__ == "__main__":
    main()
