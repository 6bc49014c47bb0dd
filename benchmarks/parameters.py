"""Random access to parameter steps: ``set_update_step(k)`` against replaying k updates.

Baselines, measured in the same run:
- replay: a fresh copy of the same update function applied k times from the initial value
  (what a parameter without a step cache must do for every jump);
- streamgen 2.0.1 ``Parameter.__getitem__`` (resets and replays idx updates), when installed.

    python benchmarks/parameters.py [--k-max 100000] [--queries 2000]
"""
from __future__ import annotations

import argparse
import copy
import time

import numpy as np

from driftlab.parameters import Parameter
from driftlab.schedulers import RandomScheduler
from driftlab.seeds import parameter_seed
from driftlab.update_functions import RandomWalk


def driftlab_access(ks: np.ndarray) -> tuple[float, float, list]:
    """Seconds for the accesses on a fresh parameter, then again once every step is computed."""
    p = Parameter("walk", 0.0, update=RandomWalk(RandomScheduler(0.5), sigma=0.1), seed=1)
    start = time.perf_counter()
    values = [p.set_update_step(int(k)) for k in ks]
    first = time.perf_counter() - start
    start = time.perf_counter()
    for k in ks:
        p.set_update_step(int(k))
    return first, time.perf_counter() - start, values


def replay_access(ks: np.ndarray) -> tuple[float, list]:
    """The same parameter, recomputed from step 0 for every query."""
    template = Parameter("walk", 0.0, update=RandomWalk(RandomScheduler(0.5), sigma=0.1), seed=1)
    start = time.perf_counter()
    values = []
    for k in ks:
        fn = copy.deepcopy(template.update_function)
        fn.reset(0.0, parameter_seed(1, "walk"))
        y = 0.0
        for t in range(int(k)):
            y = fn(y, t)[0]
        values.append(y)
    return time.perf_counter() - start, values


def streamgen_access(ks: np.ndarray, k_max: int) -> float | None:
    try:
        from streamgen.parameter import Parameter as StreamgenParameter
    except ImportError:
        return None
    schedule = np.cumsum(np.random.default_rng(1).normal(0, 0.1, k_max + 1)).tolist()
    p = StreamgenParameter("walk", schedule=schedule)
    start = time.perf_counter()
    for k in ks:
        p[int(k)]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k-max", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000, help="random accesses timed for driftlab")
    parser.add_argument("--replays", type=int, default=10, help="random accesses timed for the baselines")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    ks = rng.integers(0, args.k_max + 1, args.queries)
    ks[0] = args.k_max  # the first access pays for computing every step once
    replay_ks = ks[: args.replays]

    drift_s, warm_s, values = driftlab_access(ks)
    replay_s, replayed = replay_access(replay_ks)
    assert replayed == values[: args.replays], "replay and cache disagree"
    per_drift = drift_s / len(ks)
    per_replay = replay_s / len(replay_ks)
    print(f"random access to steps 0..{args.k_max} of a RandomWalk parameter")
    print(f"{'method':<34}{'accesses':>10}{'per access':>14}{'ratio':>10}")
    print(f"{'driftlab set_update_step':<34}{len(ks):>10}{per_drift * 1e6:>12.1f}µs{1:>10.0f}")
    print(f"{'  again, every step computed':<34}{len(ks):>10}{warm_s / len(ks) * 1e6:>12.1f}µs")
    print(f"{'replay k updates (same function)':<34}{len(replay_ks):>10}{per_replay * 1e6:>12.1f}µs"
          f"{per_replay / per_drift:>9.0f}×")
    streamgen_s = streamgen_access(replay_ks, args.k_max)
    if streamgen_s is None:
        print("streamgen not installed: its row is skipped")
    else:
        per_sg = streamgen_s / len(replay_ks)
        print(f"{'streamgen 2.0.1 param[k] (replay)':<34}{len(replay_ks):>10}{per_sg * 1e6:>12.1f}µs"
              f"{per_sg / per_drift:>9.0f}×")
    print("ratio = time per access of the baseline / driftlab's (driftlab's includes computing every step once)")


if __name__ == "__main__":
    main()
