"""Sweep throughput: a 2-worker Dask LocalCluster against the same sweep run serially in one process.

The sweep: ``tests/scenarios/sweep_tiny.yaml`` with ``--strategies`` × ``--seeds`` cells (at least 16
by default), ``--max-steps`` stream steps each and ``--max-iter`` training steps per episode. Both
sides run with one torch thread per cell (the sweep's rule) and warm: the cluster is started and
each of its workers has run one cell before the clock starts (its start-up time is printed apart),
as has the serial side. Each of ``--repeats`` rounds runs both sides into fresh folders and checks
that the two results tables are identical but for ``wall_seconds``.

Throughput ratio = serial seconds / cluster seconds for the whole sweep (min / median / max over
the rounds); 2.0 would be perfect scaling on two workers.

    python benchmarks/sweep.py [--workers 2] [--strategies naive,replay,ewc,jvp] [--seeds 0-3]
                               [--max-steps 8] [--max-iter 40] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from driftlab.sweep import Sweep, run_cell

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "tests" / "scenarios" / "sweep_tiny.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--strategies", default="naive,replay,ewc,jvp")
    parser.add_argument("--seeds", default="0-3")
    parser.add_argument("--max-steps", type=int, default=8)
    parser.add_argument("--max-iter", type=int, default=40, help="training steps per episode")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    text = SCENARIO.read_text().replace("max_steps: 4", f"max_steps: {args.max_steps}") \
        .replace("max_iter: 4", f"max_iter: {args.max_iter}")
    sweep = Sweep(text, {"trainer.strategy": args.strategies.split(",")}, seeds=args.seeds)
    print(f"sweep: {len(sweep.cells)} cells ({len(sweep.points)} strategies × {len(sweep.seeds)} seeds), "
          f"{args.max_steps} steps and episodes of {args.max_iter} training steps each; "
          f"{args.workers}-worker LocalCluster vs serial in one process")

    start = time.perf_counter()
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0")
    client = Client(cluster)
    for worker in client.scheduler_info()["workers"]:  # each worker runs one cell first (imports, caches)
        client.submit(run_cell, sweep.task(sweep.cells[0]), workers=[worker], allow_other_workers=False,
                      pure=False).result()
    print(f"cluster start-up (not timed below): {time.perf_counter() - start:.1f} s; dashboard {client.dashboard_link}")
    run_cell(sweep.task(sweep.cells[0]))  # the serial side too

    ratios, identical = [], True
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(args.repeats):
            timings = {}
            tables = {}
            for side, scheduler in (("serial", "serial"), ("cluster", cluster.scheduler_address)):
                out = Path(folder) / f"{side}-{round_}"
                tick = time.perf_counter()
                tables[side] = sweep.run(out, scheduler)
                timings[side] = time.perf_counter() - tick
            same = tables["serial"].drop(columns="wall_seconds").equals(tables["cluster"].drop(columns="wall_seconds"))
            ok = (tables["serial"]["status"] == "ok").all() and (tables["cluster"]["status"] == "ok").all()
            identical &= same and ok
            ratios.append(timings["serial"] / timings["cluster"])
            print(f"round {round_}: serial {timings['serial']:.1f} s, cluster {timings['cluster']:.1f} s, "
                  f"ratio {ratios[-1]:.2f}, identical results: {same and ok}")
    client.close()
    cluster.close()
    n = len(sweep.cells)
    print(f"throughput ratio (cluster / serial, cells per second) over {args.repeats} rounds of {n} cells: "
          f"min {min(ratios):.2f}  median {statistics.median(ratios):.2f}  max {max(ratios):.2f}")
    print(f"results identical to the serial run: {identical}")
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
