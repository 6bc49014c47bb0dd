"""Rotated digits: the ``rotate`` transform against a batched-matmul limit and the per-image scipy path.

The input is ``--n`` images of scikit-learn's bundled 8×8 digits, cut into the 10 groups (one per
label) in which ``SamplingTree`` hands them to ``rotate``. Each of ``--runs`` runs times, each the
best of 3, at ``--angle`` degrees:

(a) ``driftlab.library.rotated_digits.rotate`` on each group, as the tree calls it;
(b) the limit, written here: one precomputed rotation matrix (scipy's rotation of the pixel basis)
    applied to the whole batch as one matrix product: dense with numpy and with torch (each with its
    default threads and with one), and sparse with scipy.sparse; the fastest of these;
(c) the per-image scipy path: ``scipy.ndimage.rotate(group, angle, axes=(2, 1), reshape=False,
    order=1)`` on each group.

It prints images/s and the ratios (a)/(b) and (a)/(c) as min / median / max over the runs; the
first batch at a new angle against a batch at a known one; and the whole stream:
``rotated_digits(drift=False)`` at the angle, ``batch(--n)``, against the same tree with (c) as its
rotate.

    python benchmarks/digits.py [--n 4096] [--runs 3] [--angle 30]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from functools import partial

import numpy as np
from scipy import ndimage, sparse
from threadpoolctl import threadpool_limits  # installed with scikit-learn, which the digits need

from driftlab.library import rotated_digits
from driftlab.library.rotated_digits import IDENTITY, REGIMES, _images_by_digit, digit, noise, rotate
from driftlab.nodes import ClassLabelNode, TransformNode, batched
from driftlab.tree import SamplingTree

REPEATS = 3


def best_time(fn, repeats: int = REPEATS) -> float:
    """Seconds of ``fn()``, best of ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def spread(values: list[float]) -> str:
    return f"{min(values):.3g} / {statistics.median(values):.3g} / {max(values):.3g}"


def digit_groups(n: int, seed: int = 0) -> list[np.ndarray]:
    """``n`` random dataset images in 10 groups, one per digit, as the tree's branches make them."""
    pools = _images_by_digit()
    rng = np.random.default_rng(seed)
    counts = np.bincount(rng.integers(0, 10, n), minlength=10)
    return [pool[rng.integers(0, len(pool), count)] for pool, count in zip(pools, counts, strict=True)]


def dense_rotation(angle: float, height: int, width: int) -> np.ndarray:
    """The limit's matrix: row ``k`` of its transpose is scipy's rotation of the image that is 1 at pixel ``k``."""
    basis = np.eye(height * width).reshape(-1, height, width)
    rotated = ndimage.rotate(basis, angle, axes=(2, 1), reshape=False, order=1)
    return np.ascontiguousarray(rotated.reshape(height * width, height * width))  # (pixels in, pixels out)


@batched
def scipy_rotate(x, angle):
    """(c): scipy's rotation on the stacked group, as the transform was written before matrices."""
    return ndimage.rotate(x, angle, axes=(2, 1), reshape=False, order=1) if angle else x


def limit_rate(images: np.ndarray, matrix: np.ndarray) -> tuple[float, str]:
    """Images/s of (b), the fastest way measured; and which it was (a 64×64 product is too small for threads
    to pay on a loaded machine, and a bilinear matrix is 4/64 full, so each form is tried)."""
    flat = images.reshape(len(images), -1)
    n = len(images)
    rates = {"numpy": n / best_time(lambda: (flat @ matrix).reshape(images.shape))}
    with threadpool_limits(1):
        rates["numpy, 1 thread"] = n / best_time(lambda: (flat @ matrix).reshape(images.shape))
    transposed = sparse.csr_array(matrix.T)
    rates["scipy.sparse"] = n / best_time(lambda: (transposed @ flat.T).T.reshape(images.shape))
    try:
        import torch
    except ImportError:
        pass
    else:
        tf, tm, threads = torch.from_numpy(flat), torch.from_numpy(matrix), torch.get_num_threads()
        rates["torch"] = n / best_time(lambda: (tf @ tm).reshape(images.shape))
        torch.set_num_threads(1)
        try:
            rates["torch, 1 thread"] = n / best_time(lambda: (tf @ tm).reshape(images.shape))
        finally:
            torch.set_num_threads(threads)
    name = max(rates, key=rates.__getitem__)
    return rates[name], name


def stream_tree(seed: int, rotate_fn) -> SamplingTree:
    """``rotated_digits(drift=False)``'s tree with ``rotate_fn`` as its rotate transform."""
    params = {name: values[0] for name, values in REGIMES.items()}
    branches = {str(label): [partial(digit, label=label), ClassLabelNode(label)] for label in IDENTITY}
    return SamplingTree([{"name": "classes", **branches}, TransformNode(rotate_fn, name="rotate"), noise], params,
                        rng=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=4096, help="images per batch")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side-by-side timing")
    parser.add_argument("--angle", type=float, default=30.0, help="rotation in degrees")
    args = parser.parse_args()
    n, angle = args.n, args.angle
    groups = digit_groups(n)
    whole = np.concatenate(groups)
    matrix = dense_rotation(angle, 8, 8)
    np.testing.assert_allclose(np.concatenate([rotate(g, angle) for g in groups]),
                               (whole.reshape(n, -1) @ matrix).reshape(whole.shape), atol=1e-12)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load {load:.2f}; {args.runs} runs; {n:_} images of 8x8 in 10 groups; angle {angle:g}")
    vs_limit, vs_scipy, cold_vs_warm, vs_stream = [], [], [], []
    for run in range(args.runs):
        ours = n / best_time(lambda: [rotate(g, angle) for g in groups])
        limit, library = limit_rate(whole, matrix)
        old = n / best_time(lambda: [scipy_rotate(g, angle) for g in groups])
        vs_limit.append(ours / limit)
        vs_scipy.append(ours / old)
        new_angles = iter(angle + 0.001 * (run * 100 + i + 1) for i in range(REPEATS))  # never seen before
        cold = best_time(lambda fresh=new_angles: [rotate(g, a) for a in [next(fresh)] for g in groups])
        cold_vs_warm.append(cold / (n / ours))
        print(f"rotate on the groups {ours:12,.0f} images/s; limit (one matmul, {library}) {limit:12,.0f}; "
              f"scipy per group {old:12,.0f}")
        fast, slow = rotated_digits(seed=0, drift=False), stream_tree(0, scipy_rotate)
        for tree in (fast, slow):
            tree.params["rotate.angle"] = angle
        vs_stream.append(best_time(lambda t=slow: t.batch(n)) / best_time(lambda t=fast: t.batch(n)))
    print(f"ratio rotate vs the batched-matmul limit (min / median / max): {spread(vs_limit)}   (target >= 0.5x)")
    print(f"ratio rotate vs scipy per group (min / median / max): {spread(vs_scipy)}")
    print(f"first batch at a new angle vs one at a known angle, time (min / median / max): {spread(cold_vs_warm)}")
    print(f"ratio rotated_digits batch({n:_}) vs the same tree rotating with scipy, samples/s (min / median / max): "
          f"{spread(vs_stream)}")


if __name__ == "__main__":
    main()
