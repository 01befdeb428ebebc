"""DataLoader, splits, augmentation and the synthetic data sets of scratchnn.data."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn import data


def numbered(n, features=3):
    """x whose first column is the example's index, so batches reveal which examples they hold."""
    x = np.zeros((n, features), dtype=np.float32)
    x[:, 0] = np.arange(n)
    return x, np.arange(n, dtype=np.int64)


# ----------------------------------------------------------------------------------------------
# DataLoader


def test_each_epoch_covers_every_example_once_in_a_new_order():
    x, y = numbered(10)
    loader = data.DataLoader(x, y, batch_size=4, seed=0)
    epochs = [np.concatenate([yb for _, yb in loader]) for _ in range(2)]
    for order in epochs:
        assert sorted(order) == list(range(10))
    assert not np.array_equal(epochs[0], epochs[1])
    assert [len(yb) for _, yb in loader] == [4, 4, 2] and len(loader) == 3


def test_batches_keep_x_and_y_aligned():
    x, y = numbered(17)
    for xb, yb in data.DataLoader(x, y, batch_size=5, seed=3):
        np.testing.assert_array_equal(xb[:, 0], yb)


def test_same_seed_same_batches_and_generator_accepted():
    x, y = numbered(20)
    first = [yb for _, yb in data.DataLoader(x, y, 6, seed=7)]
    second = [yb for _, yb in data.DataLoader(x, y, 6, seed=np.random.default_rng(7))]
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_drop_last_skips_the_short_batch():
    x, y = numbered(10)
    loader = data.DataLoader(x, y, batch_size=4, drop_last=True, seed=0)
    assert len(loader) == 2 and [len(yb) for _, yb in loader] == [4, 4]


def test_without_shuffle_batches_are_in_order_views():
    x, y = numbered(7)
    batches = list(data.DataLoader(x, y, batch_size=3, shuffle=False))
    assert [list(yb) for _, yb in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    assert np.shares_memory(batches[0][0], x)


def test_indexed_batches_name_their_rows_in_both_orders():
    x, y = numbered(7)
    for shuffle in (True, False):
        for rows, xb, yb in data.DataLoader(x, y, batch_size=3, shuffle=shuffle, seed=0).indexed_batches():
            np.testing.assert_array_equal(rows, yb)
            np.testing.assert_array_equal(xb[:, 0], rows)


def test_transform_draws_from_the_shuffles_generator_after_each_gather():
    # One generator, used in the order: permutation, then transform(batch) for each batch in turn.
    x, y = numbered(10)

    def jitter(x_batch, rng):
        return x_batch + rng.random(x_batch.shape, dtype=np.float32)

    got = list(data.DataLoader(x, y, batch_size=4, seed=5, transform=jitter))
    rng = np.random.default_rng(5)
    order = rng.permutation(10)
    for (xb, yb), start in zip(got, range(0, 10, 4), strict=True):
        rows = order[start : start + 4]
        np.testing.assert_array_equal(yb, rows)
        np.testing.assert_array_equal(xb, x[rows] + rng.random(x[rows].shape, dtype=np.float32))
    np.testing.assert_array_equal(x[:, 0], np.arange(10))  # the data set itself is untouched


def test_dataloader_rejects_bad_arguments():
    x, y = numbered(5)
    with pytest.raises(ValueError, match="needs seed="):
        data.DataLoader(x, y, 2)
    with pytest.raises(ValueError, match=r"x and y must have the same number of examples \(one per row\), got 5 and 4"):
        data.DataLoader(x, y[:4], 2, seed=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        data.DataLoader(x, y, 0, seed=0)
    with pytest.raises(ValueError, match="5 examples make no batch of 8 with drop_last=True"):
        data.DataLoader(x, y, 8, drop_last=True, seed=0)


# ----------------------------------------------------------------------------------------------
# Splits


def test_train_val_split_partitions_the_data():
    x, y = numbered(100)
    (x_tr, y_tr), (x_val, y_val) = data.train_val_split(x, y, 0.2, seed=0)
    assert len(y_val) == 20 and len(y_tr) == 80
    assert sorted(np.concatenate([y_tr, y_val])) == list(range(100))
    np.testing.assert_array_equal(x_val[:, 0], y_val)
    (_, again), _ = data.train_val_split(x, y, 0.2, seed=0)
    np.testing.assert_array_equal(again, y_tr)


@pytest.mark.parametrize("fraction", [0.0, 1.0, 0.001])
def test_train_val_split_rejects_empty_parts(fraction):
    x, y = numbered(100)
    with pytest.raises(ValueError, match="val_fraction"):
        data.train_val_split(x, y, fraction, seed=0)


def small_mnist(n_train=1000, n_test=50, seed=0):
    rng = np.random.default_rng(seed)
    # Unequal classes, as in MNIST: class k has roughly (k + 5) shares.
    y_train = rng.choice(10, size=n_train, p=np.arange(5, 15) / np.arange(5, 15).sum()).astype(np.int64)
    return data.MNIST(
        rng.random((n_train, 784), dtype=np.float32), y_train,
        rng.random((n_test, 784), dtype=np.float32), rng.integers(0, 10, n_test),
    )  # fmt: skip


def test_small_train_split_is_stratified_and_keeps_the_test_set():
    mnist = small_mnist()
    small = data.small_train_split(mnist, 100, seed=0)
    assert len(small.y_train) == 100 and small.x_test is mnist.x_test
    expected = np.bincount(mnist.y_train, minlength=10) * 100 / len(mnist.y_train)
    assert np.abs(np.bincount(small.y_train, minlength=10) - expected).max() < 1
    # Rows are real training examples with their own labels.
    rows = {row.tobytes(): label for row, label in zip(mnist.x_train, mnist.y_train)}
    assert all(rows[row.tobytes()] == label for row, label in zip(small.x_train, small.y_train))
    assert len({row.tobytes() for row in small.x_train}) == 100


def test_small_train_split_unstratified_and_deterministic():
    mnist = small_mnist()
    a = data.small_train_split(mnist, 37, seed=1, stratified=False)
    b = data.small_train_split(mnist, 37, seed=1, stratified=False)
    assert len(a.y_train) == 37
    np.testing.assert_array_equal(a.x_train, b.x_train)
    with pytest.raises(ValueError, match=r"n_train must be an integer in 1..1000, got 1001"):
        data.small_train_split(mnist, 1001, seed=0)


# ----------------------------------------------------------------------------------------------
# Augmentation


def single_pixel(n, row=14, col=14):
    images = np.zeros((n, 28, 28), dtype=np.float32)
    images[:, row, col] = 1.0
    return images.reshape(n, 784)


def test_random_shift_moves_each_image_by_its_own_offset_within_bounds():
    rng = np.random.default_rng(0)
    shifted = data.random_shift(single_pixel(500), rng, max_shift=2).reshape(-1, 28, 28)
    assert shifted.dtype == np.float32 and shifted.sum(axis=(1, 2)).tolist() == [1.0] * 500
    rows, cols = np.nonzero(shifted.sum(axis=2))[1], np.nonzero(shifted.sum(axis=1))[1]
    offsets = set(zip(rows - 14, cols - 14))
    assert offsets == {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}  # all 25 shifts occur


def test_random_shift_fills_with_zeros_and_zero_shift_is_identity():
    rng = np.random.default_rng(0)
    edge = single_pixel(200, row=0, col=0)
    shifted = data.random_shift(edge, rng, max_shift=1)
    assert set(shifted.sum(axis=1)) == {0.0, 1.0}  # pushed off the edge or kept, never wrapped around
    x = np.random.default_rng(1).random((4, 784), dtype=np.float32)
    np.testing.assert_array_equal(data.random_shift(x, rng, max_shift=0), x)


def test_augmentations_validate_shapes():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"shape \(n, 784\), got \(3, 10\)"):
        data.random_shift(np.zeros((3, 10)), rng)
    with pytest.raises(ValueError, match="max_degrees"):
        data.random_rotate(np.zeros((3, 784)), rng, max_degrees=200)


def test_random_rotate_zero_is_identity_and_rotation_keeps_a_centred_blob():
    rng = np.random.default_rng(0)
    x = np.random.default_rng(1).random((3, 784)).astype(np.float32)
    np.testing.assert_allclose(data.random_rotate(x, rng, max_degrees=0), x, atol=1e-6)
    yy, xx = np.mgrid[0:28, 0:28] - 13.5
    blob = np.exp(-(yy**2 + xx**2) / 32).astype(np.float32).reshape(1, 784).repeat(5, axis=0)
    rotated = data.random_rotate(blob, rng, max_degrees=45)
    assert rotated.dtype == np.float32
    # A round blob about the centre is unchanged, up to the slight blur of bilinear interpolation.
    np.testing.assert_allclose(rotated, blob, atol=0.02)


def test_random_rotate_turns_a_bar():
    # A horizontal bar rotated by up to 90 degrees: its pixel mass leaves the middle row.
    bar = np.zeros((1, 28, 28), dtype=np.float32)
    bar[0, 13:15, 4:24] = 1.0
    rotated = data.random_rotate(bar.reshape(1, 784).repeat(50, axis=0), np.random.default_rng(0), max_degrees=90)
    in_middle_rows = rotated.reshape(-1, 28, 28)[:, 13:15].sum(axis=(1, 2)) / rotated.sum(axis=1)
    assert in_middle_rows.min() < 0.3 and in_middle_rows.max() > 0.5  # some turned a lot, some little


# ----------------------------------------------------------------------------------------------
# Synthetic data sets


def test_make_xor_is_the_truth_table_without_noise():
    x, y = data.make_xor(4, noise=0.0, seed=0)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == [0, 1, 1, 0]
    x, y = data.make_xor(400, noise=0.1, seed=0)
    assert x.shape == (400, 2) and np.bincount(y).tolist() == [200, 200]


def test_make_spirals_shapes_labels_and_radius():
    x, y = data.make_spirals(50, 3, noise=0.1, seed=0)
    assert x.shape == (150, 2) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50]
    assert np.linalg.norm(x, axis=1).max() <= 1.0 + 1e-6


def test_make_linearly_separable_is_separated_by_a_line_with_margin():
    x, y = data.make_linearly_separable(300, margin=0.1, seed=0)
    assert x.shape == (300, 2) and x.dtype == np.float32 and set(y) == {0, 1}
    # A perceptron must converge on separable data: train one and demand zero errors.
    w, b = np.zeros(2), 0.0
    sign = 2 * y - 1
    for _ in range(1000):
        wrong = np.flatnonzero(sign * (x @ w + b) <= 0)
        if wrong.size == 0:
            break
        w, b = w + sign[wrong[0]] * x[wrong[0]], b + sign[wrong[0]]
    assert np.all(sign * (x @ w + b) > 0)


@pytest.mark.parametrize("fn", ["sin", "abs", "step", "cubic"])
def test_make_regression_1d(fn):
    x, y = data.make_regression_1d(64, fn=fn, noise=0.0, seed=0)
    assert x.shape == y.shape == (64, 1) and x.dtype == y.dtype == np.float32
    assert np.all(np.diff(x[:, 0]) >= 0)
    if fn == "sin":
        np.testing.assert_allclose(y, np.sin(x), atol=1e-6)


def test_synthetic_sets_are_seeded_and_validate():
    a, _ = data.make_regression_1d(10, seed=4)
    b, _ = data.make_regression_1d(10, seed=4)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="fn must be one of"):
        data.make_regression_1d(10, fn="tan", seed=0)
    with pytest.raises(ValueError, match="needs seed="):
        data.make_xor(4, seed=None)
    with pytest.raises(ValueError, match="must be a positive integer, got 0"):
        data.make_spirals(0, seed=0)
