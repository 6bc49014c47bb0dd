"""Rotated digits: scikit-learn's bundled 8×8 digits under drifting rotation, noise and class priors.

The branching node ``classes`` picks a label ``ℓ`` in 0..9 with ``classes.probs``; the branch
draws a random image of digit ``permutation[ℓ]`` (global ``permutation``, the identity unless
labels are permuted) from ``sklearn.datasets.load_digits`` (no download), scaled to [0, 1]; then
every image is rotated by ``rotate.angle`` degrees (bilinear, same size) and gets Gaussian noise
of ``noise.std``, clipped to [0, 1].

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

from ..nodes import ClassLabelNode, batched
from ..registry import TRANSFORMS
from ..extras import require
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


@TRANSFORMS.register
@batched
def digit(x, label, permutation, rng):
    """Random images of digit ``permutation[label]``, one per sample of the group (``label`` is fixed per branch)."""
    pool = _images_by_digit()[permutation[label]]
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


def rotated_digits(seed: int = 0, regime_length: int = 4, drift: bool = True,
                   permute_labels: bool = False) -> SamplingTree:
    """The rotated-digits tree with the default drifting schedule (``drift=False``: the calm regime only)."""
    regimes = 5 if permute_labels else 4
    params = {name: ({"schedule": [v for v in values[:regimes] for _ in range(regime_length)]} if drift else values[0])
              for name, values in REGIMES.items()}
    branches = {str(label): [partial(digit, label=label), ClassLabelNode(label)] for label in IDENTITY}
    return SamplingTree([{"name": "classes", **branches}, rotate, noise], params, rng=seed)
