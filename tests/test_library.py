"""Built-in scenarios: the time-series guide tree and rotated digits, with drifting default schedules."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from sklearn.datasets import load_digits

from driftlab.errors import ConfigError
from driftlab.library import TREES, class_incremental_digits, rotated_digits, time_series
from driftlab.library.rotated_digits import rotate, rotation_matrix, split_indices
from driftlab.tree import SamplingTree


def test_trees_are_registered_by_name():
    assert {"time_series": time_series, "rotated_digits": rotated_digits,
            "class_incremental_digits": class_incremental_digits} == TREES
    assert all(isinstance(make(seed=1), SamplingTree) for make in TREES.values())


@pytest.mark.parametrize("make", [time_series, rotated_digits])
def test_a_seed_reproduces_a_scenario(make):
    a, b, c = make(seed=4), make(seed=4), make(seed=5)
    for tree in (a, b, c):
        tree.set_update_step(6)
    Xa, ya = a.batch(200)
    Xb, yb = b.batch(200)
    np.testing.assert_array_equal(Xa, Xb)
    np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(Xa, c.batch(200)[0])


def test_a_signal_too_short_for_its_patterns_is_rejected():
    with pytest.raises(ConfigError, match="signal_length"):
        time_series(signal_length=128)


@pytest.mark.parametrize("make", [time_series, rotated_digits])
def test_drift_false_gives_a_static_scenario(make):
    assert make(seed=0, drift=False).change_points(20) == []


# -- time series ----------------------------------------------------------------------------------------

def test_time_series_samples_are_signals_labeled_background_ramp_or_step():
    tree = time_series(seed=0, signal_length=200)
    X, y = tree.batch(3000)
    assert X.shape == (3000, 200) and X.dtype == np.float64
    assert tree.classes == ["background", "ramp", "step"]
    shares = [np.mean(y == label) for label in tree.classes]
    np.testing.assert_allclose(shares, [0.5, 0.25, 0.25], atol=0.03)


def quiet(tree):
    """The tree with noise-free background, so that patterns can be read off exactly."""
    tree.params["background.offset"] = 0.0
    tree.params["background.strength"] = 0.0
    return tree


def test_a_ramp_is_linspace_0_to_height_over_length_points():
    tree = quiet(time_series(seed=1))
    tree.params["ramp.height"], tree.params["ramp.length"] = 2.0, 20
    X, y = tree.batch(300, strategy="balanced")
    for x in X[y == "ramp"]:
        start = np.flatnonzero(x)[0] - 1  # the ramp's first point is 0
        expected = np.zeros_like(x)
        expected[start:start + 20] = np.linspace(0.0, 2.0, 20)
        np.testing.assert_allclose(x, expected, atol=1e-12)
    assert np.all(X[y == "background"] == 0.0)


@pytest.mark.parametrize("kernel_size", [1, 4, 9])
def test_a_step_is_a_unit_box_smoothed_like_np_convolve_same(kernel_size):
    tree = quiet(time_series(seed=2))
    tree.params["step.length"], tree.params["step.kernel_size"] = 16, kernel_size
    X, y = tree.batch(100, strategy="balanced")
    for x in X[y == "step"]:
        best = min(range(256 - 16), key=lambda s: np.abs(x - _smoothed_box(s, kernel_size)).sum())
        np.testing.assert_allclose(x, _smoothed_box(best, kernel_size), atol=1e-12)


def _smoothed_box(start, kernel_size, length=16, size=256):
    box = np.zeros(size)
    box[start:start + length] = 1.0
    return np.convolve(box, np.ones(kernel_size) / kernel_size, mode="same")


def test_time_series_default_schedule_shifts_covariates_then_concepts_then_priors():
    tree = time_series(seed=3, regime_length=2)
    assert tree.change_points(7) == [2, 4, 6]
    mean_background = []
    for k in (0, 2, 4, 6):
        tree.set_update_step(k)
        X, y = tree.batch(4000)
        mean_background.append(X[y == "background"].mean())
        if k == 6:
            assert abs(np.mean(y == "step") - 0.6) < 0.03
    np.testing.assert_allclose(mean_background, [0.0, 0.5, 0.5, 0.5], atol=0.01)
    tree.set_update_step(4)
    assert tree.get_params()["ramp.height"] == 0.5 and tree.get_params()["ramp.length"] == 128


# -- rotated digits -----------------------------------------------------------------------------------------

DIGITS = load_digits()
IMAGES = DIGITS.images / 16.0


def _is_one_of(image, pool):
    return np.min(np.abs(pool - image).reshape(len(pool), -1).sum(axis=1)) < 1e-9


def test_calm_digits_are_dataset_images_of_their_label():
    tree = rotated_digits(seed=0)
    X, y = tree.batch(200)
    assert X.shape == (200, 8, 8) and y.dtype == np.int64 and set(y) <= set(range(10))
    assert all(_is_one_of(x, IMAGES[DIGITS.target == label]) for x, label in zip(X, y, strict=False))


def test_digits_are_rotated_by_the_scheduled_angle():
    tree = rotated_digits(seed=1)
    tree.set_update_step(4)
    assert tree.get_params()["rotate.angle"] == 30.0
    tree.params["noise.std"] = 0.0
    X, y = tree.batch(20)
    for x, label in zip(X, y, strict=False):
        pool = ndimage.rotate(IMAGES[DIGITS.target == label], 30.0, axes=(2, 1), reshape=False, order=1)
        assert _is_one_of(x, pool) and not _is_one_of(x, IMAGES[DIGITS.target == label])


@pytest.mark.parametrize("shape", [(40, 8, 8), (6, 5, 9), (3, 28, 28)])
@pytest.mark.parametrize("angle", [0.0, 30.0, -45.0, 90.0, 180.0, 400.0, -725.5, 1e-3])
def test_the_batched_rotation_equals_scipys_per_image_rotation(shape, angle):
    images = np.random.default_rng(len(shape) + shape[1]).random(shape)
    expected = np.stack([ndimage.rotate(image, angle, reshape=False, order=1) for image in images])
    np.testing.assert_allclose(rotate(images, angle), expected, rtol=0, atol=1e-12)
    single = images[:1].astype(np.float32)
    rotated = rotate(single, angle)
    assert rotated.dtype == np.float32
    np.testing.assert_allclose(rotated[0], ndimage.rotate(single[0], angle, reshape=False, order=1), atol=1e-6)


def test_a_rotation_matrix_is_made_once_per_angle_and_size_and_few_are_kept():
    rotation_matrix.cache_clear()
    images = np.random.default_rng(0).random((10, 8, 8))
    rotate(images, 30.0)
    rotate(images[:3], 30.0)
    assert rotation_matrix.cache_info().misses == 1 and rotation_matrix.cache_info().hits == 1
    matrix = rotation_matrix(30.0, 8, 8)
    assert matrix.shape == (64, 64) and matrix.nnz <= 4 * 64  # bilinear: at most 4 weights per pixel
    for angle in range(1, 100):
        rotate(images[:1], float(angle))
    assert rotation_matrix.cache_info().currsize == rotation_matrix.cache_info().maxsize == 32


def test_digit_noise_and_priors_drift_and_pixels_stay_in_unit_range():
    tree = rotated_digits(seed=2)
    tree.set_update_step(12)
    X, y = tree.batch(5000)
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert abs(np.mean(y < 5) - 0.8) < 0.03


def test_permuted_labels_give_a_label_to_images_of_the_next_digit():
    tree = rotated_digits(seed=3, permute_labels=True)
    assert tree.change_points(19) == [4, 8, 12, 16]
    tree.set_update_step(16)
    tree.params["rotate.angle"], tree.params["noise.std"] = 0.0, 0.0
    X, y = tree.batch(100)
    assert all(_is_one_of(x, IMAGES[DIGITS.target == (label + 1) % 10]) for x, label in zip(X, y, strict=False))


def test_digits_feed_a_torch_dataloader():
    torch = pytest.importorskip("torch")
    tree = rotated_digits(seed=0)
    dataset = tree.to_dataset(*tree.batch(32))
    images, targets = next(iter(torch.utils.data.DataLoader(dataset, batch_size=16)))
    assert images.shape == (16, 8, 8) and images.dtype == torch.float32 and targets.dtype == torch.int64
    assert dataset.class_to_idx == {d: d for d in range(10)}


def _dataset_index(image):
    """The index of ``image`` in scikit-learn's digits (it must be one of them, unrotated and noiseless)."""
    distance = np.abs(IMAGES - image).reshape(len(IMAGES), -1).sum(axis=1)
    assert distance.min() < 1e-9
    return int(np.argmin(distance))


@pytest.mark.parametrize("make", [lambda seed: rotated_digits(seed, drift=False, test_fraction=0.25),
                                  lambda seed: class_incremental_digits(seed, regime_length=1, classes_per_regime=5)])
def test_held_out_images_are_never_drawn_by_the_stream(make):
    tree = make(seed=7)
    trained, evaluated = set(), set()
    for step in (0, 1):
        tree.set_update_step(step)
        trained |= {_dataset_index(x) for x in tree.batch(3000)[0]}
        evaluated |= {_dataset_index(x) for x in tree.held_out(1000)[0]}
    assert not trained & evaluated
    # each side covers its pool: ~25 % of the 1,797 images are held out
    assert abs(len(evaluated) - 0.25 * len(IMAGES)) < 40 and len(trained) + len(evaluated) > 1700


def test_without_a_fraction_evaluation_draws_from_every_image():
    tree = rotated_digits(seed=7, drift=False)
    trained = {_dataset_index(x) for x in tree.batch(4000)[0]}
    evaluated = {_dataset_index(x) for x in tree.held_out(4000)[0]}
    assert len(trained & evaluated) > 1000


def test_the_split_is_a_function_of_the_seed():
    a, b, c = split_indices(1, 0.25), split_indices(1, 0.25), split_indices(2, 0.25)
    assert all(np.array_equal(x[1], y[1]) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x[1], y[1]) for x, y in zip(a, c, strict=True))
    counts = np.bincount(DIGITS.target)
    assert [len(train) + len(test) for train, test in a] == counts.tolist()
    with pytest.raises(ConfigError, match="test_fraction"):
        rotated_digits(seed=0, test_fraction=1.0)


def test_class_incremental_digits_show_two_new_classes_per_regime():
    tree = class_incremental_digits(seed=0, regime_length=3)
    assert tree.change_points(20) == [3, 6, 9, 12]
    for regime in range(5):
        tree.set_update_step(3 * regime + 1)
        X, y = tree.batch(400)
        assert set(y.tolist()) == {2 * regime, 2 * regime + 1}
        assert all(_is_one_of(x, IMAGES[DIGITS.target == label]) for x, label in zip(X[:20], y[:20], strict=True))
    with pytest.raises(ConfigError, match="classes_per_regime"):
        class_incremental_digits(classes_per_regime=3)
