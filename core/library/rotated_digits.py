"""Rotated digits: scikit-learn's bundled 8×8 digits under drifting rotation, noise and class priors.

The branching node ``classes`` picks a label ``ℓ`` in 0..9 with ``classes.probs``; the branch
draws a random image of digit ``permutation[ℓ]`` (global ``permutation``, the identity unless
labels are permuted) from ``sklearn.datasets.load_digits`` (no download), scaled to [0, 1]; then
every image is rotated by ``rotate.angle`` degrees (bilinear, same size) and gets Gaussian noise
of ``noise.std``, clipped to [0, 1].

Held-out split (``test_fraction`` > 0): the images of each digit are split once into a test pool
(``round(test_fraction · n_d)`` of its ``n_d`` images) and a train pool, by a permutation drawn
from ``SeedSequence(tree seed, spawn_key=(4,))``. Held-out draws (``tree.held_out``, seed domain
2 of :mod:`driftlab.seeds`: every evaluation set) take test images, every other draw (the stream,
so every monitored and trained-on sample) takes train images: evaluation images are never
trained on. The tree seed and the domain are read from the draw's Generator
(``rng.bit_generator.seed_seq``); a Generator not made by a tree counts as a stream draw of seed 0.
With ``test_fraction`` 0 (the default) both draw from all 1,797 images.

Drift: covariate shift through the angle and the noise, prior shift through ``classes.probs``,
and with ``permute_labels=True`` concept drift: in a last regime label ``ℓ`` is given to images
of digit ``(ℓ + 1) mod 10``. Each regime holds for ``regime_length`` steps.

>>> tree = rotated_digits(seed=0)
>>> X, y = tree.batch(5)
>>> X.shape, y.dtype.kind, tree.classes == list(range(10))
((5, 8, 8), 'i', True)
>>> tree.change_points(15)
[4, 8, 12]
"""
from __future__ import annotations

from functools import cache, lru_cache, partial
from typing import Any

import numpy as np
from scipy import ndimage, sparse

from ..errors import ConfigError
from ..extras import require
from ..nodes import ClassLabelNode, batched
from ..registry import TRANSFORMS
from ..seeds import held_out_seed
from ..tree import SamplingTree

IDENTITY = list(range(10))
SKEWED = [0.16] * 5 + [0.04] * 5
REGIMES: dict[str, list[Any]] = {  # calm, covariate shift, stronger covariate shift, prior shift[, concept shift]
    "rotate.angle": [0.0, 30.0, 60.0, 60.0, 60.0],
    "noise.std": [0.0, 0.05, 0.1, 0.1, 0.1],
    "classes.probs": [[0.1] * 10] * 3 + [SKEWED] * 2,
    "permutation": [IDENTITY] * 4 + [[(label + 1) % 10 for label in IDENTITY]],
}


@cache
def _images_by_digit() -> tuple[np.ndarray, ...]:
    digits = require("sklearn.datasets", "the rotated-digits stream").load_digits()
    images = digits.images / 16.0
    return tuple(images[digits.target == d] for d in range(10))


_SPLIT = 4  # SeedSequence domain tag of the train/test split (0-2 in driftlab.seeds, 3 in driftlab.sweep)
_HELD_OUT_DOMAIN = held_out_seed(0, 0).spawn_key[0]


@cache
def split_indices(seed: int, test_fraction: float) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Per digit, ``(train, test)`` indices into its images: the split of the tree seed ``seed`` (module doc).

    >>> train, test = split_indices(0, 0.25)[3]
    >>> len(test), len(train) + len(test), bool(np.intersect1d(train, test).size)
    (46, 183, False)
    """
    if not 0.0 <= test_fraction < 1.0:
        raise ConfigError("test_fraction", f"expected a fraction in [0, 1), got {test_fraction!r}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_SPLIT,)))
    out = []
    for images in _images_by_digit():
        order = rng.permutation(len(images))
        n_test = round(test_fraction * len(images))
        out.append((np.sort(order[n_test:]), np.sort(order[:n_test])))
    return tuple(out)


def _draw_origin(rng: np.random.Generator) -> tuple[int, bool]:
    """The tree seed of a draw's Generator and whether the draw is held out (see the module doc)."""
    seq = getattr(rng.bit_generator, "seed_seq", None)
    if not isinstance(seq, np.random.SeedSequence) or not isinstance(seq.entropy, int):
        return 0, False
    return seq.entropy, seq.spawn_key[:1] == (_HELD_OUT_DOMAIN,)


@TRANSFORMS.register
@batched
def digit(x, label, permutation, rng, test_fraction=0.0):
    """Random images of digit ``permutation[label]``, one per sample of the group (``label`` is fixed per branch);
    with ``test_fraction`` > 0 from its test pool in a held-out draw, else from its train pool."""
    pool = _images_by_digit()[permutation[label]]
    if test_fraction:
        seed, held_out = _draw_origin(rng)
        pool = pool[split_indices(seed, float(test_fraction))[permutation[label]][1 if held_out else 0]]
    return pool[rng.integers(0, len(pool), len(x))]


@lru_cache(maxsize=32)  # an angle usually holds for a whole step: the last 32 angles and sizes are kept
def rotation_matrix(angle: float, height: int, width: int) -> sparse.csr_array:
    """``ndimage.rotate(image, angle, axes=(1, 0), reshape=False, order=1)`` as a matrix on flattened pixels.

    Rule: bilinear rotation with zeros outside the image is linear in the pixels, so column ``k``
    is the rotation of the image that is 1 at pixel ``k`` and 0 elsewhere, and
    ``rotate(image).ravel() == matrix @ image.ravel()`` (up to rounding). At most 4 weights per
    output pixel: the matrix is sparse, O(pixels) in memory for images of any size.

    >>> image = np.arange(12.0).reshape(3, 4)
    >>> rotated = (rotation_matrix(30.0, 3, 4) @ image.ravel()).reshape(3, 4)
    >>> bool(np.allclose(rotated, ndimage.rotate(image, 30.0, axes=(1, 0), reshape=False, order=1)))
    True
    """
    pixels = height * width
    columns = []
    for start in range(0, pixels, 256):  # basis images a block at a time: the dense basis would be pixels²
        k = np.arange(start, min(start + 256, pixels))
        basis = np.zeros((len(k), pixels))
        basis[np.arange(len(k)), k] = 1.0
        rotated = ndimage.rotate(basis.reshape(len(k), height, width), angle, axes=(2, 1), reshape=False, order=1)
        columns.append(sparse.csc_array(rotated.reshape(len(k), pixels).T))
    matrix = sparse.hstack(columns, format="csr")
    matrix.data.flags.writeable = False  # shared by every call with this angle
    return matrix


@TRANSFORMS.register
@batched
def rotate(x, angle):
    """Every image of the group rotated by ``angle`` degrees about its centre (bilinear, same size).

    Rule: scipy's ``ndimage.rotate(x, angle, axes=(2, 1), reshape=False, order=1)``, applied as one
    sparse matrix product to the whole group (:func:`rotation_matrix`, made once per angle and
    image size); float images keep their dtype.
    """
    if not angle:
        return x
    images = np.asarray(x)
    n, height, width = images.shape
    out = rotation_matrix(float(angle), height, width) @ images.reshape(n, height * width).T
    return out.T.reshape(images.shape).astype(images.dtype if images.dtype.kind == "f" else float, copy=False)


@TRANSFORMS.register
@batched
def noise(x, std, rng):
    """Adds ``N(0, std²)`` noise, clipped to [0, 1]."""
    return np.clip(x + rng.normal(0.0, std, x.shape), 0.0, 1.0) if std else x


def _digits_tree(seed: int, params: dict[str, Any], test_fraction: float) -> SamplingTree:
    if test_fraction:
        split_indices(seed, float(test_fraction))  # a bad fraction fails here, not at the first draw
        params["test_fraction"] = float(test_fraction)
    branches = {str(label): [partial(digit, label=label), ClassLabelNode(label)] for label in IDENTITY}
    return SamplingTree([{"name": "classes", **branches}, rotate, noise], params, rng=seed)


def rotated_digits(seed: int = 0, regime_length: int = 4, drift: bool = True,
                   permute_labels: bool = False, test_fraction: float = 0.0) -> SamplingTree:
    """The rotated-digits tree with the default drifting schedule (``drift=False``: the calm regime only);
    ``test_fraction`` > 0 holds that share of each digit's images out for evaluation (module doc)."""
    regimes = 5 if permute_labels else 4
    params = {name: ({"schedule": [v for v in values[:regimes] for _ in range(regime_length)]} if drift else values[0])
              for name, values in REGIMES.items()}
    return _digits_tree(seed, params, test_fraction)


def class_incremental_digits(seed: int = 0, regime_length: int = 4, classes_per_regime: int = 2,
                             test_fraction: float = 0.25) -> SamplingTree:
    """Class-incremental digits: regime r shows only digits ``r·c .. r·c + c − 1`` (``c = classes_per_regime``),
    uniformly, unrotated and noiseless; ``10 / c`` regimes of ``regime_length`` steps, then the last holds.

    The label space is all ten digits from the start (one output layer), as in class-incremental
    learning: a model that only fits the newest regime scores 0 on every earlier one.

    >>> tree = class_incremental_digits(seed=0, regime_length=2)
    >>> tree.change_points(9), sorted(set(tree.batch(50)[1].tolist()))
    ([2, 4, 6, 8], [0, 1])
    >>> tree.set_update_step(8) and sorted(set(tree.batch(50)[1].tolist()))
    [8, 9]
    """
    if classes_per_regime not in (1, 2, 5):
        raise ConfigError("classes_per_regime", f"expected 1, 2 or 5 (a divisor of 10 below 10), "
                          f"got {classes_per_regime!r}")
    probs = [[1.0 / classes_per_regime if label // classes_per_regime == r else 0.0 for label in IDENTITY]
             for r in range(10 // classes_per_regime)]
    params: dict[str, Any] = {"rotate.angle": 0.0, "noise.std": 0.0, "permutation": IDENTITY,
                              "classes.probs": {"schedule": [p for p in probs for _ in range(regime_length)]}}
    return _digits_tree(seed, params, test_fraction)
