"""Continual-learning strategies: the loss of a training step, from a current batch and a memory batch.

A strategy is a :class:`~driftlab.config.Config` (validated settings, a YAML spec, dashboard widgets),
registered by name in :data:`STRATEGIES`. The :class:`~driftlab.training.trainer.Trainer` calls, per
episode: ``begin_episode(model)``; per step ``loss(model, current, memory)`` (``memory`` is None
while the memory is empty) and backpropagates it; then ``end_episode(model, data, generator)``,
only when the episode ran all its steps (a stopped episode consolidates nothing).

"CE" below is the task loss of :func:`~driftlab.training.data.task_loss`: cross-entropy for class
indices, and for the multi-hot targets of a multi-label stream binary cross-entropy on the logits
(mean over the labels), in every strategy, EWC's Fisher and the JVP regularisers alike.

>>> make_strategy({"type": "replay", "ratio": 0.25})
Replay(ratio=0.25)
>>> make_strategy("replay").batch_sizes(64)
(32, 32)
>>> make_strategy("rehearsal")
Traceback (most recent call last):
...
driftlab.errors.ConfigError: trainer.strategy: unknown Strategy 'rehearsal'; expected one of ewc, ...
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import param
import torch
from torch import nn
from torch.func import functional_call, grad, jvp, vmap

from driftlab.config import Config, from_spec
from driftlab.errors import ConfigError
from driftlab.registry import STRATEGIES

from .data import Batch, task_loss

Params = dict[str, torch.Tensor]


class Strategy(Config):
    """Base strategy: loss = CE (the task loss) on the current batch (what :class:`Naive` uses).

    >>> from driftlab.training.models import MLP
    >>> model, data = MLP(4, 3, hidden=(8,), seed=0), Batch(torch.ones(5, 4), torch.tensor([0, 1, 2, 0, 1]))
    >>> strategy = Strategy()
    >>> strategy.batch_sizes(64), strategy.state_dict()
    ((64, 0), {})
    >>> torch.equal(strategy.loss(model, data, None), torch.nn.functional.cross_entropy(model(data.x), data.y))
    True
    """


    def batch_sizes(self, batch_size: int) -> tuple[int, int]:
        """(current, memory) samples per step for a batch of ``batch_size`` when memory is not empty."""
        return batch_size, 0

    def begin_episode(self, model: nn.Module) -> None:
        """Called before the first step of an episode."""

    def loss(self, model: nn.Module, current: Batch, memory: Batch | None) -> torch.Tensor:
        """The loss whose gradient the optimizer follows."""
        return task_loss(model(current.x), current.y)

    def end_episode(self, model: nn.Module, data: Batch, generator: torch.Generator) -> None:
        """Called after the last step of a completed episode with its current-regime data."""

    def state_dict(self) -> dict[str, Any]:
        """State carried from episode to episode (tensors and plain data), for checkpoints."""
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`."""



class Naive(Strategy):
    """Fine-tuning on the current regime only: loss = CE(current batch); memory is never read.

    >>> from driftlab.training.models import MLP
    >>> model, naive = MLP(4, 2, hidden=(8,), seed=0), make_strategy("naive")
    >>> current, memory = Batch(torch.ones(3, 4), torch.tensor([0, 1, 1])), Batch(torch.zeros(1, 4), torch.tensor([0]))
    >>> naive, naive.batch_sizes(32)
    (Naive(), (32, 0))
    >>> torch.equal(naive.loss(model, current, memory), naive.loss(model, current, None))
    True
    """

    type_name = "naive"


class Replay(Strategy):
    """Experience replay: each step's batch of B holds m = min(round(ratio·B), B − 1) memory samples and
    B − m current ones; loss = CE over the mixed batch (each sample weighs the same).

    >>> Replay(ratio=0.25).batch_sizes(10)
    (8, 2)
    """

    type_name = "replay"
    ratio = param.Number(0.5, bounds=(0, 1), doc="fraction of each batch drawn from memory")

    def batch_sizes(self, batch_size: int) -> tuple[int, int]:
        m = min(round(self._v.ratio * batch_size), batch_size - 1)
        return batch_size - m, m

    def loss(self, model: nn.Module, current: Batch, memory: Batch | None) -> torch.Tensor:
        if memory is None:
            return super().loss(model, current, None)
        x, y = torch.cat([current.x, memory.x]), torch.cat([current.y, memory.y])
        return task_loss(model(x), y)


class EWC(Strategy):
    """Online elastic weight consolidation (Schwarz et al. 2018, "Progress & Compress").

    loss = CE(current) + λ/2 · Σ_i F_i (θ_i − θ*_i)², whose gradient adds λ·F(θ − θ*). After each
    completed episode F ← γ·F + F_new and θ* ← θ, where F_new is the empirical Fisher diagonal: the
    mean squared per-sample gradient of CE over up to ``fisher_samples`` samples of the episode's
    current data (drawn without replacement from the trainer's generator). Before the first
    consolidation the penalty is 0.

    Two constants differ from Avalanche 0.6's ``EWCPlugin(mode="online")``, on purpose:

    - Avalanche's penalty is λ·Σ F(θ − θ*)², without the ½. The ½ here is that of Kirkpatrick et al.
      2017 and Schwarz et al. 2018 (the Laplace approximation λ/2·(θ − θ*)ᵀF(θ − θ*)), so the penalty's
      gradient is λ·F(θ − θ*), the gradient Apeiron's online EWC adds; for the same F, Avalanche's
      ``ewc_lambda`` = λ/2.
    - Avalanche's F_new is the mean over the experience's minibatches of the squared minibatch-mean
      gradient. Its expectation is ḡ² + Var(g)/B for batch size B: it shrinks as B grows, so the
      meaning of λ would change with the batch size. The per-sample mean of g² (the empirical Fisher)
      does not depend on how samples are batched.

    >>> from driftlab.training.models import MLP
    >>> model, ewc = MLP(4, 2, hidden=(8,), seed=0), EWC(ewc_lambda=10.0, fisher_samples=16)
    >>> data = Batch(torch.randn(32, 4, generator=torch.Generator().manual_seed(0)), torch.arange(32) % 2)
    >>> ewc.penalty(model)
    0.0
    >>> ewc.end_episode(model, data, torch.Generator().manual_seed(0))  # F and θ* := θ
    >>> _ = model.net[0].bias.data.add_(0.5)  # the weights move away from θ*
    >>> bool(ewc.penalty(model) > 0)
    True
    """

    type_name = "ewc"
    ewc_lambda = param.Number(100.0, bounds=(0, None), doc="λ, the weight of the penalty")
    decay_factor = param.Number(0.9, bounds=(0, 1), doc="γ, how much of the old Fisher is kept")
    fisher_samples = param.Integer(256, bounds=(1, None), doc="samples used to estimate F_new")

    def __init__(self, *args: Any, **settings: Any):
        super().__init__(*args, **settings)
        self.fisher: Params = {}
        self.anchor: Params = {}

    def penalty(self, model: nn.Module) -> torch.Tensor | float:
        """λ/2 · Σ_i F_i (θ_i − θ*_i)² (0 before the first consolidation)."""
        return 0.5 * self._v.ewc_lambda * sum((self.fisher[n] * (p - self.anchor[n]).pow(2)).sum()
                                              for n, p in model.named_parameters() if n in self.fisher)

    def loss(self, model: nn.Module, current: Batch, memory: Batch | None) -> torch.Tensor:
        return super().loss(model, current, None) + self.penalty(model)

    def end_episode(self, model: nn.Module, data: Batch, generator: torch.Generator) -> None:
        n = min(self._v.fisher_samples, len(data))
        index = torch.randperm(len(data), generator=generator)[:n].to(data.y.device)
        fresh = empirical_fisher(model, Batch(data.x[index], data.y[index]))
        gamma = self._v.decay_factor
        self.fisher = {name: gamma * self.fisher[name] + f if name in self.fisher else f
                       for name, f in fresh.items()}
        self.anchor = {n: p.detach().clone() for n, p in model.named_parameters() if n in fresh}

    def state_dict(self) -> dict[str, Any]:
        return {"fisher": dict(self.fisher), "anchor": dict(self.anchor)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.fisher, self.anchor = dict(state["fisher"]), dict(state["anchor"])


class JVP(Strategy):
    """Function-space regularisation with a Jacobian-vector product.

    loss = CE(current) + μ · mean_i ‖J_f(x_i; θ*)(θ − θ*)‖² over a memory batch of B samples, θ* the
    weights at the start of the episode: the penalty is the first-order change of the model's
    outputs on memory data. One ``torch.func.jvp`` per step, with the tangent θ − θ* differentiable.

    Shifting both output biases by 0.5 changes each output by 0.5, a penalty of μ·(0.5² + 0.5²):

    >>> from driftlab.training.models import MLP
    >>> model, strategy = MLP(4, 2, hidden=(8,), seed=0), JVP(mu=1.0)
    >>> data = Batch(torch.ones(8, 4), torch.arange(8) % 2)
    >>> strategy.begin_episode(model)  # θ* := θ
    >>> _ = model.net[-1].bias.data.add_(0.5)
    >>> round((strategy.loss(model, data, data) - strategy.loss(model, data, None)).item(), 4)
    0.5
    """

    type_name = "jvp"
    mu = param.Number(1.0, bounds=(0, None), doc="μ, the weight of the output-change penalty")

    def __init__(self, *args: Any, **settings: Any):
        super().__init__(*args, **settings)
        self.anchor: Params = {}

    def batch_sizes(self, batch_size: int) -> tuple[int, int]:
        return batch_size, batch_size

    def begin_episode(self, model: nn.Module) -> None:
        self.anchor = {n: p.detach().clone() for n, p in model.named_parameters()}

    def loss(self, model: nn.Module, current: Batch, memory: Batch | None) -> torch.Tensor:
        ce = super().loss(model, current, None)
        if memory is None:
            return ce
        change = linearized_change(model, self.anchor, memory.x)
        return ce + self._v.mu * change.pow(2).sum(-1).mean()


class JVPReg(Strategy):
    """Apeiron's ``jvp_reg`` regulariser as published (AI-ModCon/BaseSIM_APEIRON, ``JVPRegUpdater``).

    Gradient g = ∇L_cur + ∇L_mem + λ·∇_θ J with J = ⟨∇_θ L_mem, g_cur⟩ + ⟨∇_x L_mem, Δx⟩, where
    g_cur = +∇_θ L_cur (held constant) and Δx = δ·(x_mem − x_cur)/(‖x_mem‖ + ‖x_cur‖), the norms
    over the whole batches (the i-th memory and current samples paired): J is the first-order
    change of the memory loss when θ moves along +g_cur and the memory inputs move by Δx. J is one
    ``torch.func.jvp`` of L_mem along (g_cur, Δx); the loss returned, L_cur + L_mem + λ·J, has
    gradient g, its λ-term a Hessian-vector product. Computed in fp32, as :class:`JVPLookahead`.
    Defaults are Apeiron's (``jvp_lambda = 0.001``, ``jvp_deltax_norm = 1``).

    With memory = current (and so Δx = 0), J = +‖∇L_cur‖²: the loss is above 2·L_cur.

    >>> from driftlab.training.models import MLP
    >>> model, strategy = MLP(4, 2, hidden=(8,), seed=0), JVPReg(jvp_lambda=0.1)
    >>> data = Batch(torch.randn(8, 4, generator=torch.Generator().manual_seed(0)), torch.arange(8) % 2)
    >>> l_cur = strategy.loss(model, data, None)  # no memory: plain CE
    >>> strategy.batch_sizes(16), bool(strategy.loss(model, data, data) > 2 * l_cur)
    ((16, 16), True)
    """

    type_name = "jvp_reg"
    jvp_lambda = param.Number(0.001, bounds=(0, None), doc="λ, the weight of ∇J (Apeiron's jvp_lambda)")
    deltax_norm = param.Number(1.0, bounds=(0, None),
                               doc="δ, the size of the input step towards x_mem − x_cur (Apeiron's jvp_deltax_norm)")

    def batch_sizes(self, batch_size: int) -> tuple[int, int]:
        return batch_size, batch_size

    def input_step(self, current: Batch, memory: Batch) -> torch.Tensor:
        """Δx = δ·(x_mem − x_cur)/(‖x_mem‖ + ‖x_cur‖), norms over the whole batches."""
        scale = torch.linalg.vector_norm(memory.x) + torch.linalg.vector_norm(current.x)
        return self._v.deltax_norm * (memory.x - current.x) / scale

    def loss(self, model: nn.Module, current: Batch, memory: Batch | None) -> torch.Tensor:
        with torch.autocast(current.x.device.type, enabled=False):
            l_cur = super().loss(model, current, None)
            if memory is None:
                return l_cur
            return _with_loss_jvp(l_cur, model, memory, 1.0, self.input_step(current, memory), self._v.jvp_lambda)


class JVPLookahead(Strategy):
    """driftlab's lookahead variant of a loss-JVP regulariser: :class:`JVPReg` with the opposite sign.

    Gradient g = ∇L_cur + ∇L_mem + λ·∇_θ J with J = ⟨∇_θ L_mem, −g_cur⟩ + ⟨∇_x L_mem, Δx⟩: the
    first-order change of the memory loss when θ takes a gradient-descent step on the current loss
    (−g_cur, held constant, g_cur = ∇_θ L_cur) and the memory inputs move towards the current ones by
    Δx = ε·(x_cur − x_mem) (the i-th current and memory samples paired). Penalising it keeps
    the memory loss from rising along the step that learns the current regime. J is one
    ``torch.func.jvp`` of L_mem along (−g_cur, Δx); the loss returned, L_cur + L_mem + λ·J, has
    gradient g, its λ-term a Hessian-vector product. It is computed in fp32 whatever the trainer's
    precision: g_cur is taken without loss scaling, and a Hessian-vector product in half precision
    is mostly rounding.

    This is not Apeiron's ``jvp_reg``: that one moves θ along +g_cur and x_mem away from x_cur. With
    the input steps matched (ε = δ/(‖x_mem‖ + ‖x_cur‖)), J here = −J of :class:`JVPReg`, so
    g = ∇L_cur + ∇L_mem − λ·∇J_Apeiron.

    With memory = current (and so Δx = 0), J = −‖∇L_cur‖²: the lookahead lowers the loss below 2·L_cur.

    >>> from driftlab.training.models import MLP
    >>> model, strategy = MLP(4, 2, hidden=(8,), seed=0), JVPLookahead(jvp_lambda=0.1)
    >>> data = Batch(torch.randn(8, 4, generator=torch.Generator().manual_seed(0)), torch.arange(8) % 2)
    >>> l_cur = strategy.loss(model, data, None)  # no memory: plain CE
    >>> strategy.batch_sizes(16), bool(strategy.loss(model, data, data) < 2 * l_cur)
    ((16, 16), True)
    """

    type_name = "jvp_lookahead"
    jvp_lambda = param.Number(0.1, bounds=(0, None), doc="λ, the weight of ∇J")
    dx_scale = param.Number(0.1, bounds=(0, None), doc="ε, the step from memory inputs towards current ones")

    def batch_sizes(self, batch_size: int) -> tuple[int, int]:
        return batch_size, batch_size

    def loss(self, model: nn.Module, current: Batch, memory: Batch | None) -> torch.Tensor:
        with torch.autocast(current.x.device.type, enabled=False):
            l_cur = super().loss(model, current, None)
            if memory is None:
                return l_cur
            dx = self._v.dx_scale * (current.x - memory.x)
            return _with_loss_jvp(l_cur, model, memory, -1.0, dx, self._v.jvp_lambda)


def linearized_change(model: nn.Module, anchor: Params, x: torch.Tensor) -> torch.Tensor:
    """J_f(x; θ*)·(θ − θ*): the outputs' first-order change from ``anchor`` θ* to the model's θ.

    Computed in fp32 (autocast off): forward-mode derivatives in half precision lose the small
    differences they measure.
    """
    params = dict(model.named_parameters())
    tangent = {n: params[n] - anchor[n] for n in anchor}
    with torch.autocast(x.device.type, enabled=False):
        out = jvp(lambda p: functional_call(model, p, (x,)), (anchor,), (tangent,))
    _, change = cast("tuple[torch.Tensor, torch.Tensor]", out)  # without has_aux: (output, its change)
    return change


def _with_loss_jvp(l_cur: torch.Tensor, model: nn.Module, memory: Batch, sign: float, dx: torch.Tensor,
                   lam: float) -> torch.Tensor:
    """L_cur + L_mem + λ·J with J = ⟨∇_θ L_mem, sign·∇_θ L_cur⟩ + ⟨∇_x L_mem, dx⟩ (the loss-JVP regularisers)."""
    params: Params = dict(model.named_parameters())
    g_cur = torch.autograd.grad(l_cur, list(params.values()), retain_graph=True)
    direction = {n: sign * g.detach() for n, g in zip(params, g_cur, strict=True)}
    l_mem, change = loss_jvp(model, params, memory, direction, dx)
    return l_cur + l_mem + lam * change


def loss_jvp(model: nn.Module, params: Params, data: Batch, direction: Params,
             dx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(L(θ, x), ⟨∇_θ L, direction⟩ + ⟨∇_x L, dx⟩) for L = CE on ``data``, both differentiable in θ."""
    def ce(p: Params, x: torch.Tensor) -> torch.Tensor:
        return task_loss(functional_call(model, p, (x,)), data.y)

    return cast("tuple[torch.Tensor, torch.Tensor]", jvp(ce, (params, data.x), (direction, dx)))  # without has_aux


def empirical_fisher(model: nn.Module, data: Batch, chunk_size: int = 64) -> Params:
    """Mean over the samples of ``data`` of the squared per-sample CE gradient (``vmap`` of ``grad``)."""
    params = {n: p.detach() for n, p in model.named_parameters() if p.requires_grad}

    def ce(p: Params, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return task_loss(functional_call(model, p, (x[None],)), y[None])

    per_sample = vmap(grad(ce), in_dims=(None, 0, 0))
    total = {n: torch.zeros_like(p) for n, p in params.items()}
    for start in range(0, len(data), chunk_size):
        grads = per_sample(params, data.x[start:start + chunk_size], data.y[start:start + chunk_size])
        for n, g in grads.items():
            total[n] += g.pow(2).sum(0)
    return {n: t / len(data) for n, t in total.items()}


STRATEGIES.register_all(Naive, Replay, EWC, JVP, JVPReg, JVPLookahead)


def make_strategy(spec: Strategy | str | Mapping[str, Any], path: str = "trainer.strategy") -> Strategy:
    """A strategy from an instance, a registry name, or ``{"type": name, setting: value, ...}``."""
    if isinstance(spec, Mapping) and "type" not in spec:
        raise ConfigError(path, f"expected a strategy name or a mapping with a 'type' key, got {dict(spec)!r}")
    return from_spec(Strategy, spec, path)
