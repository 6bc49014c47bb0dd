"""Update functions follow their written formulas; distributions stay valid; bounds hold."""
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from driftlab import update_functions as uf
from driftlab.distributions import wasserstein1
from driftlab.errors import ConfigError
from driftlab.schedulers import ContinuousScheduler, DiscreteScheduler, PeriodicScheduler, RandomScheduler


def run(fn, y0, n=5, seed=0):
    """Values Y_1..Y_n from Y_0, with t = 0..n-1, and the fired flags."""
    fn.reset(y0, seed)
    values, flags, y = [], [], y0
    for t in range(n):
        y, fired, _ = fn(y, t)
        values.append(y)
        flags.append(fired)
    return values, flags


always = ContinuousScheduler


@pytest.mark.parametrize("fn, y0, expected", [
    (uf.IncrementUpdate(always(), k=2), 1, [3, 5, 7, 9]),
    (uf.DecrementUpdate(always(), 0.5), 1.0, [0.5, 0.0, -0.5, -1.0]),
    (uf.DeterministicTrend(always(), slope=2.0), 0.0, [0.0, 2.0, 6.0, 12.0]),  # Y + slope·t, t = 0, 1, 2, 3
    (uf.ExponentialDecay(always(), decay_rate=0.5), 4.0, [4.0, 4 * math.exp(-0.5), 4 * math.exp(-1.0),
                                                        4 * math.exp(-1.5)]),
    (uf.GeometricProgression(always(), r=0.5), 8.0, [8.0, 4.0, 2.0, 1.0]),
    (uf.LinearInterpolation(always(), start_val=0.0, end_val=1.0, T=2), 5.0, [0.0, 0.5, 1.0, 1.0]),
    (uf.OrnsteinUhlenbeck(always(), theta=0.5, mu=2.0), 0.0, [1.0, 1.5, 1.75, 1.875]),
    (uf.OscillatingUpdate(always(), delta=1.0), 0.0, [0.0, math.sin(1), math.sin(1) + math.sin(2),
                                                     math.sin(1) + math.sin(2) + math.sin(3)]),
    (uf.PolynomialTrend(always(), coeffs=[1.0, 0.0, 2.0]), 0.0, [0.0, 3.0, 21.0, 78.0]),  # Y + t + 2t³ (NS-Gym)
    (uf.SigmoidTransition(always(), a=1.0, b=3.0, k=2.0, t0=1.0), 0.0,
     [1 + 2 / (1 + math.exp(2)), 2.0, 1 + 2 / (1 + math.exp(-2)), 1 + 2 / (1 + math.exp(-4))]),
    (uf.StepWiseUpdate(always(), param_list=[10, 20]), 0, [10, 20, 20, 20]),
    (uf.CyclicUpdate(always(), value_list=[1, 2, 3]), 0, [1, 2, 3, 1]),
    (uf.NoUpdate(always()), 7, [7, 7, 7, 7]),
])
def test_scalar_formulas(fn, y0, expected):
    assert run(fn, y0, 4)[0] == pytest.approx(expected)


def test_anchored_formulas_do_not_compound():
    """ExponentialDecay and GeometricProgression follow Y_0·f(t), also when they fire rarely."""
    fn = uf.GeometricProgression(PeriodicScheduler(3), r=2.0)
    values, flags = run(fn, 1.0, 7)
    assert values == [1.0, 1.0, 1.0, 8.0, 8.0, 8.0, 64.0]
    assert flags == [True, False, False, True, False, False, True]


def test_scheduler_silence_leaves_value_and_reports_no_fire():
    fn = uf.IncrementUpdate(DiscreteScheduler([1, 3]), k=1)
    assert fn(5, 0) == (5, False, 0.0)
    assert fn(5, 1) == (6, True, 1.0)


def test_stepwise_reports_exhaustion_as_not_fired_and_keeps_callers_list():
    steps = [4, 5]
    fn = uf.StepWiseUpdate(always(), steps)
    fn.reset(0)
    assert [fn(v, t)[1] for t, v in enumerate([0, 4, 5, 5])] == [True, True, False, False]
    assert steps == [4, 5]
    fn.reset(0)
    assert fn(0, 0)[0] == 4  # reset restarts the list


@pytest.mark.parametrize("cls, kwargs", [
    (uf.RandomWalk, dict(mu=0.5, sigma=2.0)),
    (uf.RandomWalkWithDrift, dict(alpha=1.0, mu=0.5, sigma=2.0)),
    (uf.RandomWalkWithDriftAndTrend, dict(alpha=1.0, mu=0.5, sigma=2.0, slope=0.25)),
    (uf.OrnsteinUhlenbeck, dict(theta=0.3, mu=1.0, sigma=0.5)),
])
def test_random_walk_noise_has_the_stated_law(cls, kwargs):
    fn = cls(always(), **kwargs)
    n = 20000
    values, _ = run(fn, 0.0, n, seed=3)
    previous = np.concatenate([[0.0], values[:-1]])
    t = np.arange(n)
    if cls is uf.OrnsteinUhlenbeck:
        deterministic = previous + kwargs["theta"] * (kwargs["mu"] - previous)
    else:
        deterministic = kwargs.get("alpha", 0) + previous + kwargs.get("slope", 0) * t
    eps = np.asarray(values) - deterministic
    mean = 0.0 if cls is uf.OrnsteinUhlenbeck else kwargs["mu"]
    assert abs(eps.mean() - mean) < 0.05 and abs(eps.std() - kwargs["sigma"]) < 0.05 * kwargs["sigma"]
    again, _ = run(cls(always(), **kwargs), 0.0, 50, seed=3)
    assert again == values[:50]


def test_bounded_random_walk_stays_in_bounds():
    values, _ = run(uf.BoundedRandomWalk(always(), mu=0.0, sigma=3.0, lo=-1.0, hi=2.0), 0.0, 2000)
    assert min(values) == -1.0 and max(values) == 2.0


# -- distributions -------------------------------------------------------------------------------

def test_distribution_increment_keeps_the_others_proportions():
    fn = uf.DistributionIncrementUpdate(always(), k=0.2)
    p, _ = run(fn, [0.2, 0.6, 0.2], 5)
    assert p[0] == pytest.approx([0.4, 0.45, 0.15])
    assert p[3] == pytest.approx([1.0, 0.0, 0.0]) and p[4] == pytest.approx([1.0, 0.0, 0.0])


def test_distribution_decrement_keeps_the_others_proportions():
    fn = uf.DistributionDecrementUpdate(always(), k=0.3)
    p, _ = run(fn, [0.5, 0.4, 0.1], 2)
    assert p[0] == pytest.approx([0.2, 0.64, 0.16])
    assert p[1] == pytest.approx([0.0, 0.8, 0.2])
    p, _ = run(uf.DistributionDecrementUpdate(always(), k=0.5), [1.0, 0.0, 0.0], 1)
    assert p[0] == pytest.approx([0.5, 0.25, 0.25])  # no proportions to keep: shared equally


def test_distribution_list_updates():
    dists = [[0.0, 1.0], [0.5, 0.5]]
    stepwise, flags = run(uf.DistributionStepWiseUpdate(always(), dists), [1.0, 0.0], 3)
    assert [list(p) for p in stepwise] == [[0.0, 1.0], [0.5, 0.5], [0.5, 0.5]] and flags == [True, True, False]
    cyclic, _ = run(uf.DistributionCyclicUpdate(always(), dists), [1.0, 0.0], 3)
    assert [list(p) for p in cyclic] == [[0.0, 1.0], [0.5, 0.5], [0.0, 1.0]]


def test_distribution_interpolation_reversion_and_uniform_drift():
    interp, _ = run(uf.DistributionLinearInterpolation(always(), [1.0, 0.0], [0.0, 1.0], T=4), [0.5, 0.5], 6)
    assert [p[1] for p in interp] == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0, 1.0])
    rev, _ = run(uf.TargetReversion(always(), target=[0.0, 1.0], theta=0.5), [1.0, 0.0], 3)
    assert [p[1] for p in rev] == pytest.approx([0.5, 0.75, 0.875])
    drift, _ = run(uf.UniformDrift(always(), rate=0.5), [1.0, 0.0, 0.0, 0.0], 2)
    assert drift[0] == pytest.approx([0.625, 0.125, 0.125, 0.125])
    assert drift[1] == pytest.approx([0.4375, 0.1875, 0.1875, 0.1875])


def test_random_categorical_is_uniform_dirichlet():
    draws, _ = run(uf.RandomCategorical(always()), [0.25] * 4, 4000, seed=2)
    draws = np.array(draws)
    assert draws.mean(axis=0) == pytest.approx([0.25] * 4, abs=0.01)
    assert draws[:, 0].var() == pytest.approx(3 / 80, rel=0.1)  # Var of Dirichlet(1,1,1,1) marginal: 3/80


def test_delta_is_wasserstein_for_distributions():
    fn = uf.DistributionStepWiseUpdate(always(), [[0.0, 0.0, 1.0]])
    fn.reset([1.0, 0.0, 0.0])
    assert fn([1.0, 0.0, 0.0], 0)[2] == pytest.approx(2.0)


def test_budget_bounded_increment_on_numbers_and_distributions():
    values, flags = run(uf.BudgetBoundedIncrement(always(), k=0.3, B=1.0), 0.0, 5)
    assert values == pytest.approx([0.3, 0.6, 0.9, 0.9, 0.9]) and flags == [True, True, True, False, False]
    fn = uf.BudgetBoundedIncrement(always(), k=0.1, B=0.25)
    p, flags = run(fn, [0.5, 0.5], 4)
    assert flags == [True, True, False, False] and p[-1] == pytest.approx([0.7, 0.3])


def test_lipschitz_bounded_rejects_fast_moves():
    inner = uf.DistributionStepWiseUpdate(PeriodicScheduler(1), [[0.0, 1.0]] * 10)
    fn = uf.LCBoundedDistributionUpdate(always(), L=0.25, update_fn=inner)
    p, flags = run(fn, [1.0, 0.0], 6)
    # the jump has W1 = 1: allowed only once 0.25·(t − (−1)) >= 1, i.e. at t = 3; then it stays put
    assert flags == [False, False, False, True, True, True]
    assert [list(v) for v in p] == [[1.0, 0.0]] * 3 + [[0.0, 1.0]] * 3


@pytest.mark.parametrize("make, path", [
    (lambda: uf.IncrementUpdate(k=1), "IncrementUpdate.scheduler"),
    (lambda: uf.IncrementUpdate(always(), k="a"), "IncrementUpdate.k"),
    (lambda: uf.TargetReversion(always(), target=[0.5, 0.6], theta=0.1), "TargetReversion.target"),
    (lambda: uf.TargetReversion(always(), target=[1.5, -0.5]), "TargetReversion.target"),
    (lambda: uf.TargetReversion(always(), target=[1.0], theta=2.0), "TargetReversion.theta"),
    (lambda: uf.DistributionCyclicUpdate(always(), [[1.0, 0.0], [0.2, 0.2]]), "DistributionCyclicUpdate.dist_list[1]"),
    (lambda: uf.DistributionCyclicUpdate(always(), [[1.0, 0.0], [1.0]]), "DistributionCyclicUpdate.dist_list"),
    (lambda: uf.CyclicUpdate(always(), []), "CyclicUpdate.value_list"),
    (lambda: uf.BoundedRandomWalk(always(), lo=1.0, hi=0.0), "BoundedRandomWalk.hi"),
    (lambda: uf.LinearInterpolation(always(), T=0), "LinearInterpolation.T"),
    (lambda: uf.RandomWalk(always(), sigma=-1.0), "RandomWalk.sigma"),
    (lambda: uf.LCBoundedDistributionUpdate(always(), L=1.0), "LCBoundedDistributionUpdate.update_fn"),
])
def test_bad_settings_name_the_field(make, path):
    with pytest.raises(ConfigError) as err:
        make()
    assert err.value.path == path


def test_initial_value_must_suit_the_function():
    with pytest.raises(ConfigError, match="value: expected a probability vector"):
        uf.UniformDrift(always()).reset([0.5, 0.7])
    with pytest.raises(ConfigError, match=r"update.target: has 2 categories but the value has 3"):
        uf.TargetReversion(always(), target=[0.5, 0.5]).reset([0.2, 0.3, 0.5])
    with pytest.raises(ConfigError, match="IncrementUpdate needs a number"):
        uf.IncrementUpdate(always()).reset("abc")


# -- properties -----------------------------------------------------------------------------------

probability_vectors = st.lists(st.floats(0.0, 1.0), min_size=2, max_size=6).filter(lambda v: sum(v) > 1e-3).map(
    lambda v: (np.array(v) / sum(v)).tolist())


def distribution_functions(n):
    rng = np.random.default_rng(n)
    return [
        uf.DistributionIncrementUpdate(always(), k=0.3),
        uf.DistributionDecrementUpdate(always(), k=0.3),
        uf.RandomCategorical(RandomScheduler(0.5)),
        uf.TargetReversion(always(), target=rng.dirichlet(np.ones(n)).tolist(), theta=0.4),
        uf.UniformDrift(always(), rate=0.2),
        uf.DistributionLinearInterpolation(always(), rng.dirichlet(np.ones(n)).tolist(),
                                           rng.dirichlet(np.ones(n)).tolist(), T=5),
        uf.BudgetBoundedIncrement(always(), k=0.2, B=0.5),
        uf.LCBoundedDistributionUpdate(always(), L=0.1, update_fn=uf.RandomCategorical(always())),
    ]


@settings(max_examples=40, deadline=None)
@given(probability_vectors, st.integers(0, 2**16))
@example([1.0, 2.225073858507e-311], 0)  # a subnormal remainder once overflowed to nan
def test_distributions_stay_valid(p0, seed):
    for fn in distribution_functions(len(p0)):
        for p in run(fn, p0, 15, seed=seed)[0]:
            p = np.asarray(p)
            assert np.all(p >= 0) and p.sum() == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(probability_vectors, st.floats(0.01, 0.5), st.floats(0.0, 1.0))
def test_budget_is_never_exceeded(p0, k, budget):
    fn = uf.BudgetBoundedIncrement(always(), k=k, B=budget)
    fn.reset(p0)
    y, spent = np.asarray(p0), 0.0
    for t in range(30):
        y, _fired, delta = fn(y, t)
        spent += abs(delta)
    assert spent <= budget + 1e-9


@settings(max_examples=40, deadline=None)
@given(probability_vectors, st.floats(0.01, 0.5), st.integers(0, 2**16))
def test_lipschitz_bound_holds_between_any_two_steps(p0, lipschitz, seed):
    fn = uf.LCBoundedDistributionUpdate(always(), L=lipschitz, update_fn=uf.RandomCategorical(always()))
    values = [np.asarray(p0)] + [np.asarray(p) for p in run(fn, p0, 40, seed=seed)[0]]
    changes = [0] + [k for k in range(1, len(values)) if not np.array_equal(values[k], values[k - 1])]
    for i in changes:  # W1(p_i, p_j) <= L·|j − i| between the steps at which values were set
        for j in changes:
            assert wasserstein1(values[i], values[j]) <= lipschitz * abs(j - i) + 1e-9


def test_registry_lists_every_update_function():
    assert len(uf.UPDATE_FUNCTIONS) == 28
    assert all(issubclass(cls, uf.UpdateFunction) for cls in uf.UPDATE_FUNCTIONS.values())


def test_polynomial_trend_follows_ns_gym_powers_starting_at_t():
    # NS-Gym 1.0.10: Y_t = Y_{t-1} + sum_i a_i t^(i+1); coeffs=[2.0] at t=3 from 10 gives 16, not 12
    assert uf.PolynomialTrend(always(), coeffs=[2.0])(10.0, 3)[0] == 16.0
    assert uf.PolynomialTrend(always(), coeffs=[0.0, 1.0])(0.0, 3)[0] == 9.0


# -- NS-Gym's details (issue 14) ----------------------------------------------------------------

def test_an_empty_step_list_keeps_the_value_as_ns_gym_does():
    assert uf.StepWiseUpdate(always(), param_list=[])(10.0, 0) == (10.0, False, 0.0)
    value, fired, _ = uf.DistributionStepWiseUpdate(always(), update_values=[])([0.5, 0.5], 0)
    assert list(value) == [0.5, 0.5] and fired is False
    with pytest.raises(ConfigError):
        uf.CyclicUpdate(always(), value_list=[])  # wrapping round an empty list has no next value


@pytest.mark.parametrize("make", [lambda seed: uf.RandomWalk(always(), sigma=1.0, seed=seed),
                                  lambda seed: uf.OrnsteinUhlenbeck(always(), theta=0.1, sigma=1.0, seed=seed),
                                  lambda seed: uf.BoundedRandomWalk(always(), lo=-5, hi=5, seed=seed)])
def test_random_update_functions_take_their_own_seed_as_ns_gym_does(make):
    assert run(make(7), 0.0, 5) == run(make(7), 0.0, 5)
    assert run(make(7), 0.0, 5) != run(make(8), 0.0, 5)


def test_ns_gyms_distribution_delta_is_offered():
    from driftlab.distributions import values_wasserstein
    old, new = [0.5, 0.3, 0.2], [0.2, 0.3, 0.5]
    assert values_wasserstein(old, new) == 0.0  # the same values, moved: NS-Gym sees no change
    assert wasserstein1(old, new) > 0  # driftlab's own delta sees mass moving across categories
    assert values_wasserstein([0.5, 0.5], [0.9, 0.1]) == pytest.approx(0.4)


STATEFUL = [
    (uf.RandomWalk(RandomScheduler(0.5), sigma=0.3), 0.0),
    (uf.OrnsteinUhlenbeck(ContinuousScheduler(), theta=0.2, mu=1.0, sigma=0.5), 0.0),
    (uf.BoundedRandomWalk(RandomScheduler(0.7), sigma=0.4), 0.5),
    (uf.RandomCategorical(RandomScheduler(0.3)), [0.25, 0.25, 0.5]),
    (uf.CyclicUpdate(RandomScheduler(0.5), value_list=[1.0, 2.0, 3.0]), 0.0),
    (uf.BudgetBoundedIncrement(ContinuousScheduler(), k=0.1, B=2.0), 0.0),
    (uf.LCBoundedDistributionUpdate(ContinuousScheduler(), L=0.05,
                                    update_fn=uf.RandomCategorical(RandomScheduler(0.5))), [0.5, 0.5]),
]


@pytest.mark.parametrize("fn, y0", STATEFUL, ids=lambda x: type(x).__name__)
def test_set_state_of_get_state_continues_with_the_same_results(fn, y0):
    fn.reset(y0, 11)
    y = y0
    for t in range(30):
        y = fn(y, t)[0]
    state, mid = fn.get_state(), y
    first = []
    for t in range(30, 90):
        y, fired, delta = fn(y, t)
        first.append((np.asarray(y).tolist(), fired, delta))
    for _ in range(2):  # a state can be restored more than once
        fn.set_state(state)
        again, y = [], mid
        for t in range(30, 90):
            y, fired, delta = fn(y, t)
            again.append((np.asarray(y).tolist(), fired, delta))
        assert again == first
