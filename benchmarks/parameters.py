"""Memory and access time of an update-function parameter (a RandomWalk) over many steps.

Measured in the same run, each ``--runs`` times (min / median / max):
- memory per 10^6 steps (tracemalloc, after ``--memory-steps`` steps): driftlab's checkpoints
  (``CHECKPOINT_EVERY`` steps apart, plus the last blocks used) against every value kept, with its
  ``(fired, delta)`` pair, which is how parameters kept their history before;
- time per ``set_update_step(k)`` to random steps of ``0..k_max`` (each replays up to a block from its
  checkpoint) against time per step of sequential stepping (``update()``, each step computed once),
  and against replaying k updates from step 0 (what a parameter with no history must do; streamgen
  2.0.1's ``Parameter.__getitem__`` too, timed when installed);
- memory per 10^6 steps of a random scheduler's draws (RandomScheduler's uniforms, MemorylessScheduler's
  arrival times; tracemalloc, after ``--memory-steps`` steps): checkpoints of its generator every
  ``CHECKPOINT_BLOCKS`` blocks against every draw kept (how schedulers kept them before), with the
  time per step of stepping through them in order and of random access (answers checked equal).

    python benchmarks/parameters.py [--k-max 100000] [--queries 2000] [--runs 3] [--memory-steps 200000]
"""
from __future__ import annotations

import argparse
import bisect
import copy
import statistics
import time
import tracemalloc

import numpy as np

from driftlab.parameters import CHECKPOINT_EVERY, Parameter
from driftlab.schedulers import CHECKPOINT_BLOCKS, ContinuousScheduler, MemorylessScheduler, RandomScheduler
from driftlab.seeds import parameter_seed
from driftlab.update_functions import RandomWalk

MIB = 2 ** 20


def walk() -> Parameter:
    # ContinuousScheduler: a random scheduler keeps its own draws (8 B per step), which is not history
    return Parameter("walk", 0.0, update=RandomWalk(ContinuousScheduler(), sigma=0.1), seed=1)


def keep_every_value(n: int) -> tuple[list, list]:
    """The history as parameters kept it before: every value and its ``(fired, delta)`` pair."""
    fn = copy.deepcopy(walk().update_function)
    fn.reset(0.0, parameter_seed(1, "walk"))
    values, log = [0.0], []
    for t in range(n):
        new, fired, delta = fn(values[-1], t)
        values.append(new)
        log.append((bool(fired), float(delta)))
    return values, log


def bytes_per_step(build, n: int) -> tuple[float, object]:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build(n)
        return (tracemalloc.get_traced_memory()[0] - before) / n, kept
    finally:
        tracemalloc.stop()


def advance(n: int) -> Parameter:
    p = walk()
    p.set_update_step(n)
    return p


def timed_access(ks: np.ndarray, k_max: int) -> tuple[float, float, list]:
    """Seconds per step of sequential stepping to k_max, then per random access, on one parameter."""
    p = walk()
    start = time.perf_counter()
    for _ in range(k_max):
        p.update()
    sequential = (time.perf_counter() - start) / k_max
    start = time.perf_counter()
    values = [p.set_update_step(int(k)) for k in ks]
    return sequential, (time.perf_counter() - start) / len(ks), values


def replay_access(ks: np.ndarray) -> tuple[float, list]:
    """Seconds per access when every access recomputes the value from step 0."""
    template = walk()
    start = time.perf_counter()
    values = []
    for k in ks:
        fn = copy.deepcopy(template.update_function)
        fn.reset(0.0, parameter_seed(1, "walk"))
        y = 0.0
        for t in range(int(k)):
            y = fn(y, t)[0]
        values.append(y)
    return (time.perf_counter() - start) / len(ks), values


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
    return (time.perf_counter() - start) / len(ks)


class EveryDrawKept:
    """A random scheduler's answers with every draw kept, as schedulers kept them before: all uniforms, or
    all arrival times (the same Generator and the same blocks of 1024 draws as the scheduler)."""

    def __init__(self, kind: str, seed: int):
        self.kind, self.rng, self.draws, self.ends = kind, np.random.default_rng(seed), [], []

    def __call__(self, t: int) -> bool:
        if self.kind == "random":
            while len(self.draws) <= t // 1024:
                self.draws.append(self.rng.random(1024))
            return bool(self.draws[t // 1024][t % 1024] < 0.5)
        while not self.ends or self.ends[-1] < t:
            self.draws.append((self.ends[-1] if self.ends else 0) + np.cumsum(self.rng.geometric(0.5, 1024)))
            self.ends.append(int(self.draws[-1][-1]))
        arrivals = self.draws[bisect.bisect_left(self.ends, t)]
        return bool(arrivals[np.searchsorted(arrivals, t)] == t)


def scheduler(kind: str, seed: int):
    return RandomScheduler(0.5, seed=seed) if kind == "random" else MemorylessScheduler(0.5, seed=seed)


def step_through(make, n: int) -> tuple[object, int]:
    """A fresh scheduler asked about t = 0..n−1 in order, and a checksum of its answers (the sum of the t that fire)."""
    s = make()
    return s, sum(t for t in range(n) if s(t))


def scheduler_memory(kind: str, n: int, seed: int) -> tuple[float, float, float, float]:
    """Bytes per step kept after stepping through 0..n−1 (tracemalloc), and seconds per step (timed apart, without
    tracemalloc), for every draw kept and for the scheduler; their answers are checked equal."""
    makes = (lambda: EveryDrawKept(kind, seed), lambda: scheduler(kind, seed))
    memory = [bytes_per_step(lambda n, make=make: step_through(make, n), n) for make in makes]
    seconds = []
    for make in makes:
        start = time.perf_counter()
        step_through(make, n)
        seconds.append((time.perf_counter() - start) / n)
    (kept, (_, before)), (checkpointed, (_, after)) = memory
    assert before == after, "the scheduler's answers differ from every draw kept"
    return kept, checkpointed, seconds[0], seconds[1]


def scheduler_random_access(kind: str, n: int, queries: int, seed: int) -> tuple[float, float]:
    """Seconds per random access s(t), t in 0..n, after stepping to n: every draw kept, and the scheduler; their
    answers are checked equal."""
    ks = np.random.default_rng(seed + 1).integers(0, n, queries).tolist()
    seconds, answers = [], []
    for s in (EveryDrawKept(kind, seed), scheduler(kind, seed)):
        s(n)
        start = time.perf_counter()
        answers.append([s(k) for k in ks])
        seconds.append((time.perf_counter() - start) / queries)
    assert answers[0] == answers[1], "the scheduler's answers differ from every draw kept"
    return seconds[0], seconds[1]


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k-max", type=int, default=100_000, help="steps of the access timings")
    parser.add_argument("--queries", type=int, default=2000, help="random accesses timed for driftlab")
    parser.add_argument("--replays", type=int, default=10, help="random accesses timed for the replay baselines")
    parser.add_argument("--memory-steps", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    kept, checkpointed = [], []
    for _ in range(args.runs):
        before, (values, _) = bytes_per_step(keep_every_value, args.memory_steps)
        after, p = bytes_per_step(advance, args.memory_steps)
        assert p[args.memory_steps] == values[-1] and p[args.memory_steps // 3] == values[args.memory_steps // 3]
        del values, p
        kept.append(before * 1e6 / MIB)
        checkpointed.append(after * 1e6 / MIB)
    ratios = [a / b for a, b in zip(checkpointed, kept, strict=True)]
    print(f"history memory per 10^6 steps of a RandomWalk parameter ({args.memory_steps} steps, tracemalloc), "
          f"min / median / max of {args.runs} runs")
    print(f"  every value kept (before):           {spread(kept, '{:.1f}')} MiB")
    print(f"  checkpoints every {CHECKPOINT_EVERY} steps (after):  {spread(checkpointed, '{:.2f}')} MiB"
          f"   ratio after/before {spread(ratios, '{:.3f}')}")

    sequential, random_access, per_ratio = [], [], []
    for _ in range(args.runs):
        ks = rng.integers(0, args.k_max + 1, args.queries)
        seq_s, random_s, values = timed_access(ks, args.k_max)
        sequential.append(seq_s * 1e6)
        random_access.append(random_s * 1e6)
        per_ratio.append(random_s / seq_s)
    replay_ks = ks[: args.replays]
    replay_s, replayed = replay_access(replay_ks)
    assert replayed == values[: args.replays], "replay and checkpoints disagree"
    print(f"access time, steps 0..{args.k_max}, min / median / max of {args.runs} runs")
    print(f"  sequential stepping (update()):      {spread(sequential)} µs per step")
    print(f"  random set_update_step(k):           {spread(random_access)} µs per access"
          f"   ratio random/sequential {spread(per_ratio, '{:.0f}')}")
    median_random = statistics.median(random_access) / 1e6
    print(f"  replay k updates (same function):    {replay_s * 1e6:.0f} µs per access "
          f"({len(replay_ks)} accesses), {replay_s / median_random:.0f}× the median random access")
    streamgen_s = streamgen_access(replay_ks, args.k_max)
    if streamgen_s is None:
        print("  streamgen not installed: its row is skipped")
    else:
        print(f"  streamgen 2.0.1 param[k] (replay):   {streamgen_s * 1e6:.0f} µs per access, "
              f"{streamgen_s / median_random:.0f}× the median random access")

    print(f"random scheduler draws per 10^6 steps ({args.memory_steps} steps in order, tracemalloc), "
          f"min / median / max of {args.runs} runs")
    for kind, name in (("random", "RandomScheduler(0.5)"), ("memoryless", "MemorylessScheduler(0.5)")):
        rows = [scheduler_memory(kind, args.memory_steps, seed) for seed in range(args.runs)]
        access = [scheduler_random_access(kind, args.memory_steps, args.queries, seed) for seed in range(args.runs)]
        kept, checkpointed = [r[0] * 1e6 / MIB for r in rows], [r[1] * 1e6 / MIB for r in rows]
        print(f"  {name}: every draw kept (before) {spread(kept, '{:.2f}')} MiB, checkpoints every "
              f"{CHECKPOINT_BLOCKS} blocks (after) {spread(checkpointed, '{:.3f}')} MiB, "
              f"ratio after/before {spread([a / b for a, b in zip(checkpointed, kept, strict=True)], '{:.4f}')}")
        print(f"    in order: {spread([r[2] * 1e6 for r in rows])} -> {spread([r[3] * 1e6 for r in rows])} µs per "
              f"step, ratio after/before {spread([r[3] / r[2] for r in rows])}; random access: "
              f"{spread([a[0] * 1e6 for a in access])} -> {spread([a[1] * 1e6 for a in access])} µs, "
              f"ratio after/before {spread([a[1] / a[0] for a in access])}")


if __name__ == "__main__":
    main()
