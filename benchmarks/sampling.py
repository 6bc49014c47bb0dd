"""Sampling speed of the time-series tree: ``SamplingTree.batch`` against two baselines.

(a) streamgen 2.0.1 ``collect`` on the same tree, built with streamgen's own API from the
    guide's per-sample functions (when streamgen is importable; it is timed on fewer samples);
(b) a hand-vectorised numpy version of the same generator, written here.

All three draw from the same parameters (step 0 of ``time_series()``); the ratios are in samples
per second. Each of ``--runs`` runs times ``batch`` and the hand-vectorised generator side by side
(each the best of 3), and the ratio is printed as min / median / max over the runs; likewise
``batches(n, 4096)`` (the same samples in chunks) against ``batch``, with the peak memory each
allocates (tracemalloc) and that per 10⁶ samples.

Then the build time of a deep tree, ``--levels`` branching nodes in a row with ``--width`` branches
each (``width ** levels`` paths), against a chain of as many nodes with no branching node (one
path) and against the same nodes nested into few paths, each the best of 3 builds per run; and its
``batch(--deep-n)`` against that of a chain as long as one of its paths (one path).

    python benchmarks/sampling.py [--n 100000] [--streamgen-n 10000] [--runs 3] [--levels 8] [--width 4]
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import io
import os
import statistics
import time
import tracemalloc

import numpy as np

from driftlab.library import time_series
from driftlab.nodes import TransformNode, parse, walk
from driftlab.tree import SamplingTree

REPEATS = 3
LABELS = np.array(["background", "ramp", "step"])


def best_rate(fn, n: int, repeats: int = REPEATS) -> float:
    """Samples per second of ``fn(n)``, best of ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(n)
        times.append(time.perf_counter() - start)
    return n / min(times)


def spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def peak_bytes(fn) -> int:
    """The peak of memory allocated while ``fn()`` runs (tracemalloc; numpy reports its buffers)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def hand_vectorised(n: int, p: dict, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The time-series generator written directly in numpy: one pass per pattern over its samples."""
    size = p["signal_length"]
    X = rng.normal(p["background.offset"], p["background.strength"], (n, size))
    kind = rng.choice(3, n, p=p["classes.probs"])

    rows = np.flatnonzero(kind == 1)
    length = p["ramp.length"]
    start = rng.integers(0, size - length, rows.size)
    X[rows[:, None], start[:, None] + np.arange(length)] += np.linspace(0.0, p["ramp.height"], length)

    rows = np.flatnonzero(kind == 2)
    length, k = p["step.length"], p["step.kernel_size"]
    start = rng.integers(0, size - length, rows.size)[:, None]
    i = start - (k - 1) // 2 + np.arange(length + k - 1)
    overlap = np.minimum(start + length - 1, i + (k - 1) // 2) - np.maximum(start, i - k // 2) + 1
    inside = (i >= 0) & (i < size)
    X[np.broadcast_to(rows[:, None], i.shape)[inside], i[inside]] += overlap[inside] / k
    return X, LABELS[kind]


def best_time(fn, repeats: int = REPEATS) -> float:
    """Seconds of ``fn()``, best of ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def digit(x, d, base):
    """Appends digit ``d`` in base ``base`` to the sample: its value spells the path it took."""
    return base * x + d


def zero(x):
    return 0


def level(i: int, width: int) -> dict:
    """Branching node ``level<i>``: ``width`` branches with probabilities 1 : 2 : ... : width, a digit each."""
    digits = {f"b{d}": TransformNode(functools.partial(digit, d=d, base=width), name="digit") for d in range(width)}
    return {"name": f"level{i}", "probs": list(np.arange(1, width + 1) / (width * (width + 1) / 2)), **digits}


def deep_nodes(levels: int, width: int) -> list:
    """``levels`` branching nodes in a row (``width ** levels`` paths), then a label."""
    return [zero, *[level(i, width) for i in range(levels)], "deep"]


def nested_nodes(levels: int, width: int) -> list:
    """The same nodes, each branching node in the first branch of the one before: ``levels * (width - 1) + 1`` paths."""
    inner: dict | None = None
    for i in reversed(range(levels)):
        node = level(i, width)
        if inner is not None:
            node["b0"] = [node["b0"], inner]
        inner = node
    return [zero, inner, "deep"]


def chain_nodes(count: int) -> list:
    """``count`` nodes with no branching node (one path): a digit transform ``count - 2`` times, then a label."""
    return [zero, *[TransformNode(functools.partial(digit, d=1, base=2), name="digit") for _ in range(count - 2)],
            "chain"]


def deep_tree_lines(levels: int, width: int, n: int, runs: int) -> list[str]:
    """The build-time and batch ratios of the deep tree, each min / median / max over ``runs`` runs."""
    deep, nested = deep_nodes(levels, width), nested_nodes(levels, width)
    count = len(list(walk(parse(deep))))
    flat, path = chain_nodes(count), chain_nodes(levels + 2)
    vs_flat, vs_nested, draws, ms = [], [], [], []
    for _ in range(runs):
        deep_s = best_time(lambda: SamplingTree(deep, rng=0))
        ms.append(1e3 * deep_s)
        vs_flat.append(deep_s / best_time(lambda: SamplingTree(flat, rng=0)))
        vs_nested.append(deep_s / best_time(lambda: SamplingTree(nested, rng=0)))
        deep_tree, path_tree = SamplingTree(deep, rng=0), SamplingTree(path, rng=0)
        draws.append(best_rate(deep_tree.batch, n) / best_rate(path_tree.batch, n))
    return [f"deep tree ({levels} branching nodes x {width} branches in a row: {width ** levels:_} paths, {count} "
            f"nodes): build {spread(ms)} ms (min / median / max)",
            f"ratio deep-tree build time vs a {count}-node chain, no branching (min / median / max): {spread(vs_flat)}",
            f"ratio deep-tree build time vs the same nodes nested into {levels * (width - 1) + 1} paths "
            f"(min / median / max): {spread(vs_nested)}   (1.0: build time does not grow with the paths)",
            f"ratio deep-tree batch({n:_}) vs a one-path chain as long as its paths, samples/s (min / median / max): "
            f"{spread(draws)}"]


def streamgen_tree(p: dict):
    """The same tree in streamgen 2.0.1, with the guide's per-sample functions; None without streamgen."""
    try:
        from streamgen.samplers.tree import SamplingTree as StreamgenTree
    except ImportError:
        return None

    def background(signal_, signal_length, offset, strength, rng):
        return rng.normal(offset, strength, signal_length)

    def ramp(signal, height, length, rng):
        ramp_signal = np.zeros(len(signal))
        ramp_start = rng.choice(range(len(signal) - length))
        ramp_signal[ramp_start:ramp_start + length] = np.linspace(0.0, height, length)
        return signal + ramp_signal

    def step(signal, length, kernel_size, rng):
        step_signal = np.zeros(len(signal))
        step_start = rng.choice(range(len(signal) - length))
        step_signal[step_start:step_start + length] = 1.0
        return signal + np.convolve(step_signal, np.ones(kernel_size) / kernel_size, mode="same")

    params = {"signal_length": p["signal_length"],
              "background": {"offset": p["background.offset"], "strength": p["background.strength"]},
              "ramp": {"height": p["ramp.height"], "length": p["ramp.length"]},
              "step": {"length": p["step.length"], "kernel_size": p["step.kernel_size"]}}
    nodes = [background, {"name": "classes", "probs": list(p["classes.probs"]), "background": "background",
                          "ramp": [ramp, "ramp"], "step": [step, "step"]}]
    return StreamgenTree(nodes, params, rng=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="samples per driftlab / numpy batch")
    parser.add_argument("--streamgen-n", type=int, default=10_000, help="samples streamgen collects")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side-by-side timing")
    parser.add_argument("--levels", type=int, default=8, help="branching nodes in a row of the deep tree")
    parser.add_argument("--width", type=int, default=4, help="branches of each of its branching nodes")
    parser.add_argument("--deep-n", type=int, default=4096, help="samples per deep-tree batch")
    args = parser.parse_args()
    n, n_streamgen = args.n, args.streamgen_n
    tree = time_series(seed=0)
    params = tree.get_params()
    tree.batch(1_000)  # warm-up
    rng = np.random.default_rng(0)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load {load:.2f}; {args.runs} runs")
    vs_numpy, vs_batch = [], []
    for _ in range(args.runs):
        ours = best_rate(tree.batch, n)
        numpy_rate = best_rate(lambda size: hand_vectorised(size, params, rng), n)
        chunked = best_rate(lambda size: [None for _ in tree.batches(size, 4096)], n)
        vs_numpy.append(ours / numpy_rate)
        vs_batch.append(chunked / ours)
        print(f"driftlab SamplingTree.batch({n:_}):   {ours:12,.0f} samples/s; hand-vectorised numpy "
              f"{numpy_rate:12,.0f}; batches({n:_}, 4096) {chunked:12,.0f}")
    whole, chunks = peak_bytes(lambda: tree.batch(n)), peak_bytes(lambda: [None for _ in tree.batches(n, 4096)])
    print(f"peak memory: batch({n:_}) {whole / 2**20:.1f} MiB ({whole / n * 1e6 / 2**30:.2f} GiB per 10^6 samples); "
          f"batches({n:_}, 4096) {chunks / 2**20:.1f} MiB (bounded by the chunk)")
    print(f"ratio batches(n, 4096) vs batch (min / median / max): {spread(vs_batch)}   (target >= 0.9x)")

    peer = streamgen_tree(params)
    if peer is None:
        print("streamgen: not importable, skipped")
    else:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            streamgen_rate = best_rate(peer.collect, n_streamgen, repeats=1)  # its progress bar is muted
        print(f"streamgen 2.0.1 collect({n_streamgen:_}):   {streamgen_rate:12,.0f} samples/s")
        print(f"ratio vs streamgen:          {ours / streamgen_rate:8.1f}x   (target >= 10x)")
    print(f"ratio vs hand-vectorised (min / median / max): {spread(vs_numpy)}   (target >= 0.8x)")
    for line in deep_tree_lines(args.levels, args.width, args.deep_n, args.runs):
        print(line)


if __name__ == "__main__":
    main()
