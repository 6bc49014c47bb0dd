"""Sampling speed of the time-series tree: ``SamplingTree.batch`` against two baselines.

(a) streamgen 2.0.1 ``collect`` on the same tree, built with streamgen's own API from the
    guide's per-sample functions (when streamgen is importable; it is timed on fewer samples);
(b) a hand-vectorised numpy version of the same generator, written here.

All three draw from the same parameters (step 0 of ``time_series()``); the ratios are in samples
per second. Each of ``--runs`` runs times ``batch`` and the hand-vectorised generator side by side
(each the best of 3), and the ratio is printed as min / median / max over the runs; likewise
``batches(n, 4096)`` (the same samples in chunks) against ``batch``, with the peak memory each
allocates (tracemalloc) and that per 10⁶ samples.

    python benchmarks/sampling.py [--n 100000] [--streamgen-n 10000] [--runs 3]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import time
import tracemalloc

import numpy as np

from driftlab.library import time_series

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


if __name__ == "__main__":
    main()
