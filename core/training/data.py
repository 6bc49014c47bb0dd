"""Stream data as tensors: the label mapping, the seeded batch draw used by training, host-to-device copies,
and the loss and hit rule of the two kinds of target.

Targets: a single-label stream's ``y`` is a class index (int64), trained with cross-entropy on the
logits; a multi-label stream's ``y`` is a multi-hot float32 vector over the classes (1 where the
label is present), trained with binary cross-entropy on the logits, one logit per label
(:func:`task_loss`). A multi-label prediction is the set of labels whose logit is > 0 (sigmoid > ½);
it is a hit when it equals the sample's set exactly (exact-match, or subset, accuracy: :func:`hits`).

Rule for copies to the device: a host tensor goes to a CUDA device with one ``non_blocking=True`` copy
from pinned (page-locked) memory, so that the host does not wait for the device; to the CPU nothing
is copied (:func:`to_device`).

>>> labels = Labels(["cat", "dog"])
>>> labels.encode(["dog", "cat", "dog"]).tolist()
[1, 0, 1]
>>> data = Batch(torch.arange(6.0).reshape(3, 2), torch.tensor([0, 1, 1]))
>>> data.sample(2, torch.Generator().manual_seed(0)).y.shape
torch.Size([2])
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from driftlab.errors import ConfigError


class Labels:
    """Stream labels ↔ class indices: ``classes[i]`` has index ``i`` (``tree.classes`` gives a tree's).

    ``Labels(None)`` takes labels that already are class indices (ints, as rotated digits' are).
    A label outside ``classes`` is a :class:`ConfigError` (a fixed output layer cannot learn it).
    With ``multi_label=True`` (a multi-label tree's, ``tree.multi_label``) each label is a collection
    of classes (a tuple, possibly empty), encoded as a multi-hot float32 row; ``classes`` is required.

    >>> labels = Labels(["cat", "dog"])
    >>> labels.encode(["dog", "cat"]).tolist(), Labels(None).encode([3, 1]).tolist()
    ([1, 0], [3, 1])
    >>> labels.encode(["cow"])
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: y: label 'cow' is not one of the classes ['cat', 'dog']
    >>> Labels(["cat", "dog"], multi_label=True).encode([("dog",), (), ("cat", "dog")]).tolist()
    [[0.0, 1.0], [0.0, 0.0], [1.0, 1.0]]
    """

    def __init__(self, classes: Sequence[Any] | None = None, multi_label: bool = False):
        self.classes = None if classes is None else list(classes)
        self.multi_label = bool(multi_label)
        if self.multi_label and self.classes is None:
            raise ConfigError("classes", "a multi-label stream needs its classes (tree.classes) to encode label sets")

    def encode(self, y: Any, path: str = "y") -> np.ndarray:
        """Class indices (int64) of the labels ``y``; multi-hot rows (float32) for multi-label ones."""
        if self.multi_label:
            return self._multi_hot(y, path)
        if self.classes is None:
            codes = np.asarray(y)
            if codes.dtype.kind not in "iu":
                raise ConfigError(path, f"expected integer class indices (or give classes), got {codes.dtype} labels")
            return codes.astype(np.int64)
        codes = pd.Index(self.classes).get_indexer(np.asarray(y, dtype=object))
        if np.any(codes < 0):
            bad = np.asarray(y, dtype=object)[codes < 0][0]
            raise ConfigError(path, f"label {bad!r} is not one of the classes {self.classes}")
        return codes.astype(np.int64)

    def _multi_hot(self, y: Any, path: str) -> np.ndarray:
        assert self.classes is not None  # __init__ requires classes with multi_label
        index = {label: i for i, label in enumerate(self.classes)}
        out = np.zeros((len(y), len(self.classes)), dtype=np.float32)
        for row, labels in enumerate(y):
            if isinstance(labels, (str, bytes)) or not isinstance(labels, (tuple, list, set, frozenset)):
                raise ConfigError(path, f"expected a tuple of labels per sample (a multi-label stream), got {labels!r}")
            for label in labels:
                if label not in index:
                    raise ConfigError(path, f"label {label!r} is not one of the classes {self.classes}")
                out[row, index[label]] = 1.0
        return out

    def __repr__(self) -> str:
        return f"Labels({self.classes!r}{', multi_label=True' if self.multi_label else ''})"


def task_loss(logits: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """The training loss of ``logits`` against targets ``y``, by the kind of target (see the module doc).

    Per sample i: ℓ_i = CE(logits_i, y_i) for a class index y_i; ℓ_i = mean_c BCE(σ(logits_ic), y_ic)
    for a multi-hot y_i (``binary_cross_entropy_with_logits``, one term per label). ``reduction``
    ``"mean"`` or ``"sum"`` over the samples (the mean is torch's default of either loss).

    >>> logits = torch.zeros(2, 3)
    >>> round(task_loss(logits, torch.tensor([0, 2])).item(), 4)  # uniform over 3 classes: ln 3
    1.0986
    >>> round(task_loss(logits, torch.tensor([[1.0, 0, 1], [0, 0, 0]])).item(), 4)  # σ(0) = ½ per label: ln 2
    0.6931
    """
    if y.ndim == 1:
        return F.cross_entropy(logits, y, reduction=reduction)
    if reduction == "mean":
        return F.binary_cross_entropy_with_logits(logits, y)
    return F.binary_cross_entropy_with_logits(logits, y, reduction="none").mean(1).sum()


def hits(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per sample, whether the prediction is right: argmax = y for a class index; for a multi-hot y,
    exact match: every label's logit is > 0 exactly where y is 1.

    >>> hits(torch.tensor([[2.0, -1.0], [0.5, 0.3]]), torch.tensor([0, 1])).tolist()
    [True, False]
    >>> hits(torch.tensor([[2.0, -1.0], [0.5, 0.3]]), torch.tensor([[1.0, 0.0], [1.0, 0.0]])).tolist()
    [True, False]
    """
    if y.ndim == 1:
        return logits.argmax(1) == y
    return ((logits > 0) == (y > 0.5)).all(1)


def to_device(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``tensor`` (on the host) on ``device``: one asynchronous copy from pinned memory to a CUDA device.

    Pinning only helps a copy to CUDA (and needs a CUDA build), so a CPU target gets the tensor as it is.

    >>> x = torch.arange(3)
    >>> to_device(x, torch.device("cpu")) is x
    True
    """
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device, non_blocking=True)


@dataclass(frozen=True)
class Batch:
    """Inputs ``x`` (float32) and targets ``y``, on one device: class indices (int64), or multi-hot
    rows (float32) for a multi-label stream (see the module doc).

    >>> data = Batch.from_data({"x": [[0, 1], [2, 3], [4, 5]], "y": ["b", "a", "b"]}, Labels(["a", "b"]),
    ...                        torch.device("cpu"))
    >>> data.x.dtype, data.y.tolist(), len(data)
    (torch.float32, [1, 0, 1], 3)
    >>> len(data.sample(8, torch.Generator().manual_seed(0)))
    8
    """

    x: torch.Tensor
    y: torch.Tensor

    @classmethod
    def from_data(cls, data: Mapping[str, Any], labels: Labels, device: torch.device) -> Batch:
        """A buffer's ``{"x": X, "y": y}`` as tensors on ``device`` (copied as :func:`to_device` says)."""
        x = torch.as_tensor(np.asarray(data["x"], dtype=np.float32))
        y = torch.as_tensor(labels.encode(data["y"], "data.y"))
        return cls(to_device(x, device), to_device(y, device))

    def __len__(self) -> int:
        return self.y.shape[0]

    def sample(self, n: int, generator: torch.Generator) -> Batch:
        """``n`` rows drawn uniformly with replacement, indices from ``generator`` (on the CPU)."""
        return self.take(to_device(self.draw(n, generator), self.y.device))

    def draw(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` row indices drawn uniformly with replacement from ``generator``, on the host."""
        return torch.randint(len(self), (n,), generator=generator)

    def take(self, index: torch.Tensor) -> Batch:
        """The rows ``index`` (a tensor on this batch's device)."""
        return Batch(self.x[index], self.y[index])
