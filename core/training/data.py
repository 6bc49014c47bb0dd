"""Stream data as tensors: the label mapping, the seeded batch draw used by training, host-to-device copies.

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

from driftlab.errors import ConfigError


class Labels:
    """Stream labels ↔ class indices: ``classes[i]`` has index ``i`` (``tree.classes`` gives a tree's).

    ``Labels(None)`` takes labels that already are class indices (ints, as rotated digits' are).
    A label outside ``classes`` is a :class:`ConfigError` (a fixed output layer cannot learn it).

    >>> labels = Labels(["cat", "dog"])
    >>> labels.encode(["dog", "cat"]).tolist(), Labels(None).encode([3, 1]).tolist()
    ([1, 0], [3, 1])
    >>> labels.encode(["cow"])
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: y: label 'cow' is not one of the classes ['cat', 'dog']
    """

    def __init__(self, classes: Sequence[Any] | None = None):
        self.classes = None if classes is None else list(classes)

    def encode(self, y: Any, path: str = "y") -> np.ndarray:
        """Class indices (int64) of the labels ``y``."""
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

    def __repr__(self) -> str:
        return f"Labels({self.classes!r})"


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
    """Inputs ``x`` (float32) and class indices ``y`` (int64), on one device.

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
