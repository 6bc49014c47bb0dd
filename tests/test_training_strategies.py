"""Strategies of driftlab.training: each loss and update against its written definition; JVP terms against
finite differences (float64, central differences)."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from driftlab.errors import ConfigError
from driftlab.training import EWC, JVP, MLP, STRATEGIES, Batch, JVPLookahead, JVPReg, Naive, Replay, make_strategy
from driftlab.training.strategies import empirical_fisher, linearized_change, loss_jvp


def model64(seed=0):
    return MLP(3, 4, hidden=(5,), seed=seed).double()


def batch(n, seed):
    g = torch.Generator().manual_seed(seed)
    return Batch(torch.randn(n, 3, generator=g, dtype=torch.float64), torch.randint(0, 4, (n,), generator=g))


def params_of(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def flat_grad(model, loss):
    return torch.cat([g.flatten() for g in torch.autograd.grad(loss, list(model.parameters()))])


def shifted(model, direction, h):
    """A copy of ``model`` with θ + h·direction (direction: name -> tensor)."""
    other = model64()
    other.load_state_dict({n: p + h * direction[n] for n, p in params_of(model).items()})
    return other


def random_direction(model, seed):
    g = torch.Generator().manual_seed(seed)
    return {n: torch.randn(p.shape, generator=g, dtype=p.dtype) for n, p in model.named_parameters()}


# -- registry and settings ----------------------------------------------------------------------


def test_registry_names_and_spec_round_trip():
    assert list(STRATEGIES) == ["naive", "replay", "ewc", "jvp", "jvp_reg", "jvp_lookahead"]
    for spec in ("naive", {"type": "replay", "ratio": 0.25}, {"type": "ewc", "ewc_lambda": 5.0},
                 {"type": "jvp", "mu": 0.5}, {"type": "jvp_reg", "jvp_lambda": 0.01, "deltax_norm": 0.5},
                 {"type": "jvp_lookahead", "jvp_lambda": 0.01, "dx_scale": 0.2}):
        strategy = make_strategy(spec)
        assert make_strategy(strategy.to_spec()).to_spec() == strategy.to_spec()
    assert make_strategy({"type": "replay", "ratio": 0.25}).ratio == 0.25


def test_bad_strategy_settings_name_the_field():
    with pytest.raises(ConfigError, match=r"did you mean 'replay'") as err:
        make_strategy("replai")
    assert err.value.path == "trainer.strategy"
    with pytest.raises(ConfigError) as err:
        make_strategy({"type": "replay", "ratio": 1.5})
    assert err.value.path == "trainer.strategy.ratio"
    with pytest.raises(ConfigError) as err:
        make_strategy({"type": "ewc", "lambda": 3})
    assert err.value.path == "trainer.strategy.lambda"


# -- naive and replay ---------------------------------------------------------------------------


def test_naive_sgd_step_is_minus_lr_times_the_current_gradient_and_ignores_memory():
    current, memory = batch(8, 1), batch(8, 2)
    model = model64()
    grads = torch.autograd.grad(F.cross_entropy(model(current.x), current.y), list(model.parameters()))
    expected = {n: p - 0.1 * g for (n, p), g in zip(params_of(model).items(), grads, strict=False)}
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    Naive().loss(model, current, memory).backward()
    optimizer.step()
    for n, p in model.named_parameters():
        torch.testing.assert_close(p.detach(), expected[n])


def test_replay_mixes_memory_into_the_batch_by_ratio():
    assert Replay(ratio=0.25).batch_sizes(64) == (48, 16)
    assert Replay(ratio=0.0).batch_sizes(64) == (64, 0)
    assert Replay(ratio=1.0).batch_sizes(8) == (1, 7)  # at least one current sample
    model, current, memory = model64(), batch(6, 1), batch(2, 2)
    mixed = F.cross_entropy(model(torch.cat([current.x, memory.x])), torch.cat([current.y, memory.y]))
    torch.testing.assert_close(Replay(ratio=0.25).loss(model, current, memory), mixed)
    torch.testing.assert_close(Replay().loss(model, current, None), Naive().loss(model, current, None))


# -- EWC ----------------------------------------------------------------------------------------


def test_empirical_fisher_is_the_mean_squared_per_sample_gradient():
    model, data = model64(), batch(10, 3)
    expected = {n: torch.zeros_like(p) for n, p in model.named_parameters()}
    for i in range(10):
        loss = F.cross_entropy(model(data.x[i:i + 1]), data.y[i:i + 1])
        grads = torch.autograd.grad(loss, list(model.parameters()))
        for (n, _), g in zip(model.named_parameters(), grads, strict=True):
            expected[n] += g.pow(2) / 10
    fisher = empirical_fisher(model, data, chunk_size=3)  # chunks must not change the result
    for n in expected:
        torch.testing.assert_close(fisher[n], expected[n])


def test_online_ewc_decays_fisher_anchors_weights_and_penalises_by_definition():
    generator = torch.Generator().manual_seed(0)
    model, first, second = model64(), batch(12, 4), batch(12, 5)
    ewc = EWC(ewc_lambda=3.0, decay_factor=0.5, fisher_samples=12)
    torch.testing.assert_close(ewc.loss(model, first, None), Naive().loss(model, first, None))  # nothing yet
    ewc.end_episode(model, first, generator)
    f1 = empirical_fisher(model, first)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1)
    ewc.end_episode(model, second, generator)
    f2 = empirical_fisher(model, second)
    for n, p in model.named_parameters():
        torch.testing.assert_close(ewc.fisher[n], 0.5 * f1[n] + f2[n])
        torch.testing.assert_close(ewc.anchor[n], p.detach())
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05)
    penalty = ewc.penalty(model)
    expected = sum(1.5 * (ewc.fisher[n] * (p - ewc.anchor[n]) ** 2).sum() for n, p in model.named_parameters())
    torch.testing.assert_close(penalty, expected)
    grads = torch.autograd.grad(penalty, list(model.parameters()))
    for (n, p), g in zip(model.named_parameters(), grads, strict=False):
        torch.testing.assert_close(g, 3.0 * ewc.fisher[n] * (p - ewc.anchor[n]))


def test_ewc_penalty_is_half_of_avalanches_online_penalty_and_its_fisher_is_per_sample():
    # Avalanche 0.6 EWCPlugin(mode="online"): penalty λ·Σ F (θ − θ*)², F_new from squared minibatch-mean
    # gradients. driftlab: λ/2·Σ F (θ − θ*)², F_new the mean squared per-sample gradient (see EWC's docstring).
    model, data = model64(), batch(16, 14)
    ewc = EWC(ewc_lambda=4.0, decay_factor=0.9, fisher_samples=16)
    ewc.end_episode(model, data, torch.Generator().manual_seed(0))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.02)
    avalanche_form = sum(4.0 * (ewc.fisher[n] * (p - ewc.anchor[n]) ** 2).sum() for n, p in model.named_parameters())
    torch.testing.assert_close(ewc.penalty(model), 0.5 * avalanche_form)
    anchored = model64()
    anchored.load_state_dict(ewc.anchor)
    minibatch = {n: torch.zeros_like(p) for n, p in anchored.named_parameters()}
    for start in range(0, 16, 8):  # Avalanche's estimate with minibatches of 8
        loss = F.cross_entropy(anchored(data.x[start:start + 8]), data.y[start:start + 8])
        for (n, _), g in zip(anchored.named_parameters(), torch.autograd.grad(loss, list(anchored.parameters())),
                             strict=True):
            minibatch[n] += g.pow(2) / 2
    per_sample = empirical_fisher(anchored, data)
    for n in per_sample:
        torch.testing.assert_close(ewc.fisher[n], per_sample[n])
    total = sum(f.sum() for f in per_sample.values())
    assert sum(f.sum() for f in minibatch.values()) < 0.5 * total  # the minibatch estimate shrinks with B


def test_ewc_samples_its_fisher_from_the_generator_without_replacement():
    model, data = model64(), batch(20, 6)
    ewc = EWC(fisher_samples=7)
    ewc.end_episode(model, data, torch.Generator().manual_seed(1))
    index = torch.randperm(20, generator=torch.Generator().manual_seed(1))[:7]
    expected = empirical_fisher(model, Batch(data.x[index], data.y[index]))
    for n in expected:
        torch.testing.assert_close(ewc.fisher[n], expected[n])


# -- JVP: function-space regularisation ---------------------------------------------------------


def test_linearized_change_matches_central_differences():
    model, x = model64(), batch(5, 7).x
    anchor = params_of(model)
    v = random_direction(model, 1)
    moved = shifted(model, v, 1.0)  # θ = θ* + v
    h = 1e-5
    fd = (shifted(model, v, h)(x) - shifted(model, v, -h)(x)) / (2 * h)  # J_f(x; θ*)·v
    torch.testing.assert_close(linearized_change(moved, anchor, x), fd, rtol=1e-6, atol=1e-8)


def test_jvp_penalty_is_zero_at_the_anchor_and_its_gradient_matches_finite_differences():
    model, current, memory = model64(), batch(6, 8), batch(6, 9)
    strategy = JVP(mu=0.7)
    strategy.begin_episode(model)
    ce = Naive().loss(model, current, None)
    torch.testing.assert_close(strategy.loss(model, current, memory), ce)
    moved = shifted(model, random_direction(model, 2), 0.3)

    def penalty(m):
        return strategy.loss(m, current, memory) - Naive().loss(m, current, None)

    expected = 0.7 * linearized_change(moved, strategy.anchor, memory.x).pow(2).sum(-1).mean()
    torch.testing.assert_close(penalty(moved), expected)
    u, h = random_direction(model, 3), 1e-5
    grad = flat_grad(moved, penalty(moved))
    fd = (penalty(shifted(moved, u, h)) - penalty(shifted(moved, u, -h))) / (2 * h)
    directional = grad @ torch.cat([u[n].flatten() for n, _ in moved.named_parameters()])
    torch.testing.assert_close(directional.detach(), fd.detach(), rtol=1e-6, atol=1e-9)


# -- JVP lookahead ------------------------------------------------------------------------------


def memory_loss(model, memory, x):
    return F.cross_entropy(model(x), memory.y)


def test_loss_jvp_is_the_directional_derivative_of_the_memory_loss():
    model, memory = model64(), batch(6, 10)
    direction, dx = random_direction(model, 4), 0.3 * torch.randn(6, 3, dtype=torch.float64)
    params = dict(model.named_parameters())
    value, change = loss_jvp(model, params, memory, direction, dx)
    h = 1e-5
    fd = (memory_loss(shifted(model, direction, h), memory, memory.x + h * dx)
          - memory_loss(shifted(model, direction, -h), memory, memory.x - h * dx)) / (2 * h)
    torch.testing.assert_close(value, memory_loss(model, memory, memory.x))
    torch.testing.assert_close(change.detach(), fd.detach(), rtol=1e-6, atol=1e-9)


def test_lookahead_gradient_is_current_plus_memory_plus_lambda_grad_j():
    model, current, memory = model64(), batch(6, 11), batch(6, 12)
    strategy = JVPLookahead(jvp_lambda=0.5, dx_scale=0.2)
    g_cur = {n: g for (n, _), g in zip(model.named_parameters(), torch.autograd.grad(
        Naive().loss(model, current, None), list(model.parameters())), strict=False)}
    direction = {n: -g for n, g in g_cur.items()}
    dx = 0.2 * (current.x - memory.x)

    def j_term(m):  # J at θ with the direction held at −g_cur(θ₀)
        return loss_jvp(m, dict(m.named_parameters()), memory, direction, dx)[1]

    u, h = random_direction(model, 5), 1e-5
    fd_grad_j = (j_term(shifted(model, u, h)) - j_term(shifted(model, u, -h))) / (2 * h)
    grad = flat_grad(model, strategy.loss(model, current, memory))
    flat_u = torch.cat([u[n].flatten() for n, _ in model.named_parameters()])
    cur_and_mem = flat_grad(model, Naive().loss(model, current, None) + memory_loss(model, memory, memory.x))
    torch.testing.assert_close((grad @ flat_u).detach(), (cur_and_mem @ flat_u + 0.5 * fd_grad_j).detach(),
                               rtol=1e-6, atol=1e-9)
    j_exact = flat_grad(model, j_term(model))
    torch.testing.assert_close(grad, cur_and_mem + 0.5 * j_exact)
    # J itself: ⟨∇_θ L_mem, −g_cur⟩ + ⟨∇_x L_mem, Δx⟩, written out with autograd
    x = memory.x.clone().requires_grad_(True)
    grads = torch.autograd.grad(memory_loss(model, memory, x), [*model.parameters(), x])
    written = sum((g * direction[n]).sum() for (n, _), g in zip(model.named_parameters(), grads[:-1], strict=False)) \
        + (grads[-1] * dx).sum()
    torch.testing.assert_close(j_term(model).detach(), written)


# -- Apeiron's jvp_reg, and the lookahead as its sign flip --------------------------------------


def apeiron_reference(model, current, memory, lam, delta):
    """Apeiron's jvp_reg update direction written out with reverse-mode autograd only (no torch.func):
    g = ∇L_cur + ∇L_mem + λ·∇_θ J, J = ⟨∇_θ L_mem, g_cur⟩ + ⟨∇_x L_mem, Δx⟩, g_cur = ∇_θ L_cur held fixed,
    Δx = δ·(x_mem − x_cur)/(‖x_mem‖ + ‖x_cur‖) with Frobenius norms of the whole batches."""
    params = list(model.parameters())
    g_cur = [g.detach() for g in torch.autograd.grad(Naive().loss(model, current, None), params)]
    norm = lambda x: x.pow(2).sum().sqrt()  # noqa: E731
    dx = delta * (memory.x - current.x) / (norm(memory.x) + norm(current.x))
    x = memory.x.clone().requires_grad_(True)
    grads = torch.autograd.grad(memory_loss(model, memory, x), [*params, x], create_graph=True)
    j = sum((g * v).sum() for g, v in zip(grads[:-1], g_cur, strict=True)) + (grads[-1] * dx).sum()
    grad_j = torch.cat([g.flatten() for g in torch.autograd.grad(j, params)])
    plain = flat_grad(model, Naive().loss(model, current, None) + memory_loss(model, memory, memory.x))
    return plain + lam * grad_j, j.detach(), g_cur, dx


def test_jvp_reg_gradient_is_apeirons_formula_on_a_two_layer_mlp():
    model, current, memory = model64(), batch(6, 15), batch(6, 16)
    strategy = JVPReg(jvp_lambda=0.7, deltax_norm=0.5)
    expected, j_value, g_cur, dx = apeiron_reference(model, current, memory, 0.7, 0.5)
    torch.testing.assert_close(strategy.input_step(current, memory), dx)
    loss = strategy.loss(model, current, memory)
    plain = Naive().loss(model, current, None) + memory_loss(model, memory, memory.x)
    torch.testing.assert_close(loss.detach(), (plain + 0.7 * j_value).detach())
    torch.testing.assert_close(flat_grad(model, strategy.loss(model, current, memory)), expected)
    # ∇_θ J against central differences of J(θ) = d/dh L_mem(θ + h·g_cur, x_mem + h·Δx) at h = 0
    direction = {n: g for (n, _), g in zip(model.named_parameters(), g_cur, strict=True)}

    def j_term(m):
        return loss_jvp(m, dict(m.named_parameters()), memory, direction, dx)[1]

    u, h = random_direction(model, 6), 1e-5
    fd = (j_term(shifted(model, u, h)) - j_term(shifted(model, u, -h))) / (2 * h)
    flat_u = torch.cat([u[n].flatten() for n, _ in model.named_parameters()])
    torch.testing.assert_close(((expected - flat_grad(model, plain)) @ flat_u).detach(), 0.7 * fd.detach(),
                               rtol=1e-6, atol=1e-9)


def test_jvp_reg_with_memory_equal_to_current_adds_the_squared_gradient_norm():
    model, data = model64(), batch(6, 17)
    l_cur = Naive().loss(model, data, None)
    squared = flat_grad(model, l_cur).pow(2).sum()
    torch.testing.assert_close(JVPReg(jvp_lambda=0.3).loss(model, data, data).detach(),
                               (2 * l_cur + 0.3 * squared).detach())


def test_lookahead_is_jvp_reg_with_the_opposite_sign_when_the_input_steps_match():
    model, current, memory = model64(), batch(6, 18), batch(6, 19)
    delta = 0.5
    epsilon = delta / float(memory.x.pow(2).sum().sqrt() + current.x.pow(2).sum().sqrt())
    plain = flat_grad(model, Naive().loss(model, current, None) + memory_loss(model, memory, memory.x))
    apeiron = flat_grad(model, JVPReg(jvp_lambda=0.4, deltax_norm=delta).loss(model, current, memory)) - plain
    lookahead = flat_grad(model, JVPLookahead(jvp_lambda=0.4, dx_scale=epsilon).loss(model, current, memory)) - plain
    assert apeiron.abs().max() > 1e-3  # the regulariser's term is not negligible here
    torch.testing.assert_close(lookahead, -apeiron)


def test_memory_strategies_train_on_current_data_alone_while_memory_is_empty():
    model, current = model64(), batch(6, 13)
    naive = Naive().loss(model, current, None)
    for name in STRATEGIES:
        strategy = make_strategy(name)
        strategy.begin_episode(model)
        torch.testing.assert_close(strategy.loss(model, current, None), naive)

