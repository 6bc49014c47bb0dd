"""The stream as PyTorch datasets: an ``IterableDataset`` over the steps, a map-style ``Dataset`` per step.

Rule of :class:`StreamDataset`: the stream covers ``steps`` update steps from ``start_step`` (default:
the tree's step when the dataset is made; ``steps=None``: without end). Step ``k`` holds
``samples_per_step`` samples, drawn as chunks of ``chunk_size`` (the last chunk of a step is
shorter when ``chunk_size`` does not divide it): chunk ``c`` of step ``k`` is the tree's ``c``-th
draw at step ``k`` (``tree.seek(k, c)`` then ``tree.batch(size)``), so a chunk is the same in any
process, and the stream is exactly the batches a Monitor with ``batch_size=chunk_size`` and
``batches_per_step=samples_per_step / chunk_size`` sees. Chunks are numbered in stream order
(step-major); with ``DataLoader(num_workers=W)``, worker ``w`` draws the chunks ``i`` with
``i % W == w``: the workers' parts are disjoint and deterministic, and together they are the
single-process stream. With ``batched=True`` the dataset yields whole chunks, and a
``DataLoader(batch_size=None)`` (whose workers take turns) yields them in the single-process order.

Items are ``(x, y)`` tensors: ``x`` float32, ``y`` the class index into ``tree.classes`` (int64), or
a multi-hot float32 vector for a multi-label tree (:meth:`~driftlab.tree.SamplingTree.encode`).
Each iteration (each epoch) starts the stream over, on a copy of the tree: the tree given is
never moved.

The module is ``driftlab.torch``, after the library it bridges to (as ``driftlab.dashboard`` is
named after what it is); inside it, ``torch`` is the PyTorch package, and the light base never
imports it.
"""
from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from .errors import ConfigError
from .extras import require

torch = require("torch", "driftlab.torch")
data = require("torch.utils.data", "driftlab.torch")
_IterableDataset: Any = data.IterableDataset


class StreamDataset(_IterableDataset):
    """The tree's stream as an ``IterableDataset`` of ``(x, y)`` tensors (see the module doc for the rule).

    >>> from driftlab.library import time_series
    >>> stream = StreamDataset(time_series(seed=0), samples_per_step=8, chunk_size=4, steps=2)
    >>> len(stream), [tuple(x.shape) for x, y in itertools.islice(stream, 2)]
    (16, [(256,), (256,)])
    >>> loader = data.DataLoader(stream, batch_size=8)
    >>> [(tuple(x.shape), y.dtype) for x, y in loader]
    [((8, 256), torch.int64), ((8, 256), torch.int64)]
    >>> test = stream.experience(1, 10)  # held-out samples of step 1, map-style
    >>> len(test), test.classes == stream.tree.classes
    (10, True)
    """

    def __init__(self, tree: Any, samples_per_step: int = 1024, chunk_size: int = 64, steps: int | None = None,
                 start_step: int | None = None, batched: bool = False):
        super().__init__()
        for name, value in (("samples_per_step", samples_per_step), ("chunk_size", chunk_size)):
            _check_int(value, name, 1)
        if steps is not None:
            _check_int(steps, "steps", 1)
        start_step = tree.update_step if start_step is None else _check_int(start_step, "start_step", 0)
        self.tree, self.samples_per_step, self.chunk_size = tree, int(samples_per_step), int(chunk_size)
        self.steps, self.start_step, self.batched = steps, int(start_step), bool(batched)

    @property
    def chunks_per_step(self) -> int:
        return -(-self.samples_per_step // self.chunk_size)

    def __len__(self) -> int:
        if self.steps is None:
            raise TypeError("a StreamDataset with steps=None has no length")
        return self.steps * (self.chunks_per_step if self.batched else self.samples_per_step)

    def chunks(self, worker: int = 0, workers: int = 1) -> Iterator[tuple[int, int, int]]:
        """``(step, draw, size)`` of the chunks worker ``worker`` of ``workers`` draws, in stream order."""
        steps = itertools.count(self.start_step) if self.steps is None else \
            range(self.start_step, self.start_step + self.steps)
        numbered = ((k, c) for k in steps for c in range(self.chunks_per_step))
        for i, (k, c) in enumerate(numbered):
            if i % workers == worker:
                yield k, c, min(self.chunk_size, self.samples_per_step - c * self.chunk_size)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        info = data.get_worker_info()
        worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
        tree = copy.deepcopy(self.tree)
        for k, c, size in self.chunks(worker, workers):
            tree.seek(k, c)
            X, y = self._tensors(tree, *tree.batch(size))
            if self.batched:
                yield X, y
            else:
                yield from zip(X, y, strict=True)

    def experience(self, k: int, n: int | None = None, held_out: bool = True):
        """Step ``k`` as a map-style ``TensorDataset`` (with ``classes`` and ``class_to_idx``): ``n``
        (default ``samples_per_step``) held-out samples (:meth:`~driftlab.tree.SamplingTree.held_out`,
        never a stream sample: for evaluation), or with ``held_out=False`` the stream's own first
        ``n`` samples of step ``k``."""
        _check_int(k, "k", 0)
        n = self.samples_per_step if n is None else _check_int(n, "n", 1)
        tree = copy.deepcopy(self.tree)
        tree.set_update_step(k)
        if held_out:
            X, y = tree.held_out(n)
        else:
            parts = [tree.batch(min(self.chunk_size, n - start)) for start in range(0, n, self.chunk_size)]
            X, y = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        return tree.to_dataset(X, y)

    def _tensors(self, tree: Any, X: Any, y: Any) -> tuple[Any, Any]:
        try:
            x = torch.as_tensor(np.asarray(X, dtype=np.float32))
        except (TypeError, ValueError):
            raise ConfigError("tree", "samples must be numeric arrays of one shape to become tensors") from None
        return x, torch.as_tensor(tree.encode(y))


def _check_int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(name, f"expected an integer >= {low}, got {value!r}")
    return int(value)
