"""Ready classifiers for the built-in scenarios, initialised from a seeded ``torch.Generator``.

Rule: layers are built on the ``meta`` device (so construction draws nothing from torch's global
generator), then every ``Linear``/``Conv`` layer gets PyTorch's default initialisation
(``kaiming_uniform_(a=√5)`` weights, ``U(−1/√fan_in, 1/√fan_in)`` biases) drawn from
``torch.Generator().manual_seed(seed)`` in module order. Same seed, same weights, in any process.

>>> a, b = DigitsCNN(seed=3), DigitsCNN(seed=3)
>>> all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
True
>>> a(torch.zeros(5, 8, 8)).shape
torch.Size([5, 10])
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from driftlab.registry import MODELS
import itertools


def init_parameters(module: nn.Module, seed: int) -> nn.Module:
    """Give every Linear/Conv layer of ``module`` PyTorch's default initialisation, drawn from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            if layer.bias is not None:
                bound = 1 / math.sqrt(layer.weight[0].numel())  # fan_in
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return module


class _Classifier(nn.Module):
    """``forward(x) = net(reshape(x))``; ``net`` is built on the meta device, then seeded."""

    def __init__(self, build: Callable[[], nn.Module], reshape: Callable[[torch.Tensor], torch.Tensor], seed: int):
        super().__init__()
        with torch.device("meta"):
            self.net = build()
        self.to_empty(device="cpu")
        init_parameters(self, seed)
        self._reshape = reshape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self._reshape(x))


def _flat(x: torch.Tensor) -> torch.Tensor:
    return x.flatten(1)


def _one_channel(x: torch.Tensor) -> torch.Tensor:
    return x.flatten(1).unsqueeze(1)


def _image8(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(-1, 1, 8, 8)


@MODELS.register
class MLP(_Classifier):
    """A multilayer perceptron on flattened inputs: Linear → ReLU per hidden width, then Linear.

    >>> MLP(64, 10, hidden=(32,), seed=0)(torch.zeros(2, 8, 8)).shape
    torch.Size([2, 10])
    """

    def __init__(self, in_features: int, n_classes: int, hidden: Sequence[int] = (64, 64), seed: int = 0):
        widths = [in_features, *hidden]

        def build() -> nn.Module:
            layers: list[nn.Module] = []
            for a, b in itertools.pairwise(widths):
                layers += [nn.Linear(a, b), nn.ReLU()]
            return nn.Sequential(*layers, nn.Linear(widths[-1], n_classes))

        super().__init__(build, _flat, seed)


@MODELS.register
class Conv1dNet(_Classifier):
    """A 1-D CNN for signals ``(N, L)`` of any length L: (Conv1d → ReLU → MaxPool(2)) per width,
    a global max pool (a ramp or step is found wherever it starts), then Linear.

    >>> Conv1dNet(3, seed=0)(torch.zeros(4, 256)).shape
    torch.Size([4, 3])
    """

    def __init__(self, n_classes: int, channels: Sequence[int] = (16, 32), kernel_size: int = 7, seed: int = 0):
        widths = [1, *channels]

        def build() -> nn.Module:
            layers: list[nn.Module] = []
            for a, b in itertools.pairwise(widths):
                layers += [nn.Conv1d(a, b, kernel_size, padding=kernel_size // 2), nn.ReLU(), nn.MaxPool1d(2)]
            return nn.Sequential(*layers, nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(widths[-1], n_classes))

        super().__init__(build, _one_channel, seed)


@MODELS.register
class DigitsCNN(_Classifier):
    """A small CNN for 8x8 images (inputs ``(N, 64)`` or ``(N, 8, 8)``):
    Conv(3x3) → ReLU → Conv(3x3) → ReLU → MaxPool(2) → Linear → ReLU → Linear.

    >>> from driftlab.library import rotated_digits
    >>> X, y = rotated_digits(seed=0).batch(4)
    >>> X.shape, DigitsCNN(seed=0)(torch.as_tensor(X, dtype=torch.float32)).shape
    ((4, 8, 8), torch.Size([4, 10]))
    >>> DigitsCNN(n_classes=3, seed=0)(torch.zeros(2, 64)).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_classes: int = 10, channels: Sequence[int] = (16, 32), hidden: int = 64, seed: int = 0):
        c1, c2 = channels

        def build() -> nn.Module:
            return nn.Sequential(
                nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(),
                nn.MaxPool2d(2), nn.Flatten(), nn.Linear(c2 * 16, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))

        super().__init__(build, _image8, seed)
