"""Schedulers fire at the update indices their written rules give."""
import copy
import math
import pickle

import numpy as np
import pytest

from driftlab.errors import ConfigError
from driftlab.schedulers import (CHECKPOINT_BLOCKS, SCHEDULERS, BurstScheduler, ContinuousScheduler, CustomScheduler,
                             DecayingProbabilityScheduler, DiscreteScheduler, MemorylessScheduler,
                             PeriodicScheduler, RandomScheduler, WindowScheduler)


def firings(scheduler, n=20):
    return [t for t in range(n) if scheduler(t)]


def test_continuous_fires_inside_inclusive_window():
    assert firings(ContinuousScheduler(start=3, end=6)) == [3, 4, 5, 6]
    assert firings(ContinuousScheduler(), 5) == [0, 1, 2, 3, 4]


def test_periodic_counts_from_zero_or_from_start():
    assert firings(PeriodicScheduler(4)) == [0, 4, 8, 12, 16]
    assert firings(PeriodicScheduler(4, start=5)) == [8, 12, 16]
    assert firings(PeriodicScheduler(4, start=5, from_start=True)) == [5, 9, 13, 17]
    assert firings(PeriodicScheduler(period=3, end=7)) == [0, 3, 6]


def test_discrete_window_burst_custom():
    assert firings(DiscreteScheduler([2, 7, 30])) == [2, 7]
    assert firings(DiscreteScheduler([5, 7], start=5)) == [5, 7]
    with pytest.raises(ConfigError):  # an event before start would never fire (NS-Gym asserts against it)
        DiscreteScheduler([2, 7], start=5)
    assert firings(WindowScheduler([(0, 1), (10, 12)])) == [0, 1, 10, 11, 12]
    assert firings(BurstScheduler(on_duration=3, off_duration=2, start=4)) == [4, 5, 6, 9, 10, 11, 14, 15, 16, 19]
    assert firings(CustomScheduler(lambda t: t * t % 5 == 1)) == [1, 4, 6, 9, 11, 14, 16, 19]


@pytest.mark.parametrize("make", [lambda: RandomScheduler(0.3), lambda: MemorylessScheduler(0.2),
                                  lambda: DecayingProbabilityScheduler(0.9, 0.05)])
def test_random_schedulers_are_pure_functions_of_seed_and_t(make):
    a, b = make(), make()
    a.reset(np.random.SeedSequence(7))
    b.reset(np.random.SeedSequence(7))
    forward = [a(t) for t in range(3000)]
    backward = [b(t) for t in reversed(range(3000))][::-1]
    assert forward == backward
    a.reset(np.random.SeedSequence(7))
    assert [a(t) for t in range(3000)] == forward
    a.reset(np.random.SeedSequence(8))
    assert [a(t) for t in range(3000)] != forward


def test_random_scheduler_rate():
    s = RandomScheduler(0.3)
    s.reset(1)
    rate = np.mean([s(t) for t in range(20000)])
    assert abs(rate - 0.3) < 0.015


def test_memoryless_gaps_are_geometric_and_late_start_still_fires():
    s = MemorylessScheduler(0.25, start=5000)
    s.reset(3)
    times = firings(s, 25000)
    assert times and times[0] >= 5000
    gaps = np.diff(times)
    assert abs(gaps.mean() - 1 / 0.25) < 0.2  # mean of Geometric(p) is 1/p
    assert gaps.min() >= 1


def test_decaying_probability_follows_its_envelope():
    s = DecayingProbabilityScheduler(initial_probability=0.8, decay_rate=0.01, start=100)
    s.reset(5)
    fired = np.array([s(t) for t in range(100, 40100)]).reshape(-1, 400)  # 100 windows of 400 updates
    t_mid = 100 + np.arange(100) * 400 + 200
    assert not any(s(t) for t in range(100))
    early = fired[0].mean()
    assert abs(early - np.mean(0.8 * np.exp(-0.01 * np.arange(400)))) < 0.03
    assert fired[5:].mean() < 0.01 and t_mid[5] > 2000


def test_own_seed_overrides_the_parameter_seed():
    a, b = RandomScheduler(0.5, seed=11), RandomScheduler(0.5, seed=11)
    a.reset(1)
    b.reset(2)
    assert firings(a, 200) == firings(b, 200)


@pytest.mark.parametrize("make, path", [
    (lambda: PeriodicScheduler(-2), "PeriodicScheduler.period"),
    (lambda: PeriodicScheduler(0), "PeriodicScheduler.period"),
    (lambda: PeriodicScheduler(2, start=-1), "PeriodicScheduler.start"),
    (lambda: ContinuousScheduler(start=5, end=2), "ContinuousScheduler.end"),
    (lambda: RandomScheduler(1.5), "RandomScheduler.probability"),
    (lambda: MemorylessScheduler(0.0), "MemorylessScheduler.p"),
    (lambda: WindowScheduler([(3, 1)]), "WindowScheduler.windows[0]"),
    (lambda: DiscreteScheduler([-1]), "DiscreteScheduler.event_list"),
    (lambda: PeriodicScheduler(2, perod=3), "PeriodicScheduler.perod"),
    (lambda: BurstScheduler(1, 2, 3), "BurstScheduler"),
    (lambda: PeriodicScheduler(True), "PeriodicScheduler.period"),
    (lambda: ContinuousScheduler(period=3), "ContinuousScheduler.period"),
    (lambda: CustomScheduler(), "CustomScheduler.fn"),
    (lambda: CustomScheduler(None), "CustomScheduler.fn"),
])
def test_bad_settings_name_the_field(make, path):
    with pytest.raises(ConfigError) as err:
        make()
    assert err.value.path == path


def test_unknown_setting_suggests_the_closest():
    with pytest.raises(ConfigError, match="did you mean 'period'"):
        PeriodicScheduler(perod=3)


def test_registry_lists_every_scheduler():
    assert set(SCHEDULERS) == {"ContinuousScheduler", "PeriodicScheduler", "DiscreteScheduler", "WindowScheduler",
                               "BurstScheduler", "CustomScheduler", "RandomScheduler",
                               "DecayingProbabilityScheduler", "MemorylessScheduler"}
    assert math.isinf(ContinuousScheduler().end)



# -- NS-Gym's details (issue 14) ----------------------------------------------------------------

@pytest.mark.parametrize("scheduler", [RandomScheduler(0.5, seed=1), DecayingProbabilityScheduler(0.9, 0.01, seed=1),
                                       MemorylessScheduler(0.5, seed=1), ContinuousScheduler(), PeriodicScheduler(2)])
def test_schedulers_answer_python_bools_as_ns_gym_does(scheduler):
    answers = [scheduler(t) for t in range(20)]
    assert all(a is True or a is False for a in answers)


def test_memoryless_scheduler_with_certain_arrivals_first_fires_at_start_plus_one():
    assert [t for t in range(5) if MemorylessScheduler(1.0)(t)] == [1, 2, 3, 4]
    assert [t for t in range(8) if MemorylessScheduler(1.0, start=5)(t)] == [6, 7]


def test_discrete_scheduler_takes_a_set_and_rejects_events_outside_its_window():
    assert [t for t in range(8) if DiscreteScheduler({5, 1})(t)] == [1, 5]
    with pytest.raises(ConfigError) as err:
        DiscreteScheduler(event_list={1, 5}, start=3, end=10)
    assert err.value.path == "DiscreteScheduler.event_list"
    with pytest.raises(ConfigError):
        DiscreteScheduler([1, 12], end=10)


def test_custom_scheduler_takes_ns_gyms_setting_name():
    assert [t for t in range(6) if CustomScheduler(event_function=lambda t: t % 3 == 0)(t)] == [0, 3]


# -- bounded draws: checkpoints of the generator, blocks drawn again (issue 15) ------------------

LONG = 3 * CHECKPOINT_BLOCKS * 1024 + 555  # draws over several checkpoints, far more blocks than are kept


def _random_order(n, seed=0):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.integers(0, n, 300), np.arange(n - 1, -1, -997), rng.integers(0, n, 300)])


def test_random_scheduler_draws_are_one_generators_uniforms_in_any_order_of_access():
    s = RandomScheduler(0.3)
    s.reset(np.random.SeedSequence(7))
    uniforms = np.random.default_rng(np.random.SeedSequence(7)).random(LONG)
    for t in _random_order(LONG):
        assert s(int(t)) == (uniforms[t] < 0.3), t
    assert [s(t) for t in range(LONG)] == (uniforms < 0.3).tolist()


@pytest.mark.parametrize("p, start", [(0.2, 0), (0.9, 17), (0.003, 5000)])
def test_memoryless_arrivals_are_one_generators_geometric_gaps_in_any_order_of_access(p, start):
    s = MemorylessScheduler(p, start=start)
    s.reset(np.random.SeedSequence(3))
    arrivals = start + np.cumsum(np.random.default_rng(np.random.SeedSequence(3)).geometric(p, LONG))
    n = int(arrivals[LONG // 2])
    expected = np.zeros(n + 2, bool)
    expected[arrivals[arrivals <= n]] = True
    near = arrivals[np.random.default_rng(1).integers(0, LONG // 2, 500)] + np.array([[-1], [0], [1]])
    for t in np.concatenate([_random_order(n + 1), near.T.ravel()]):  # arrivals and their neighbours too
        assert s(int(t)) == expected[t], t
    in_order = range(min(n + 1, 100_000))
    assert [s(t) for t in in_order] == expected[:len(in_order)].tolist()


@pytest.mark.parametrize("make", [lambda: RandomScheduler(0.4), lambda: MemorylessScheduler(0.3),
                                  lambda: DecayingProbabilityScheduler(0.9, 0.0001)])
def test_random_schedulers_keep_bounded_memory(make):
    import tracemalloc
    n = 300_000
    s = make()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for t in range(0, n, 7):
            s(t)
        s(n)
        per_step = (tracemalloc.get_traced_memory()[0] - before) / n
    finally:
        tracemalloc.stop()
    assert per_step < 1, f"{per_step:.2f} B per step kept"  # every draw kept is 8 B per step


@pytest.mark.parametrize("make", [lambda: RandomScheduler(0.4, seed=2), lambda: MemorylessScheduler(0.3, seed=2)])
def test_random_schedulers_copied_or_pickled_mid_stream_answer_the_same(make):
    s = make()
    expected = [s(t) for t in range(LONG)]
    s(LONG // 3)  # an old block drawn again: the copies start from a replayed cache
    for twin in (copy.deepcopy(s), pickle.loads(pickle.dumps(s))):
        assert [twin(int(t)) for t in _random_order(LONG, 1)] == [expected[t] for t in _random_order(LONG, 1)]
        assert [twin(t) for t in range(LONG)] == expected
