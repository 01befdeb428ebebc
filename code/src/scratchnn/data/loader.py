"""Minibatches and train/validation splits (torch.utils.data.DataLoader's job)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np

from .. import _validate
from .mnist import MNIST


def _flag(who: str, name: str, value) -> bool:
    # A string such as "no" or "False" is truthy: taken as True, it would do the opposite of what was meant.
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{who}: {name} must be True or False, got {value!r}")
    return bool(value)


class DataLoader:
    """Minibatches ``(x_batch, y_batch)`` of ``batch_size`` examples, one pass per ``iter()``.

    For ``x`` of shape ``(n, ...)`` and ``y`` of ``n`` rows, a pass gives ``len(loader)`` batches:
    ``ceil(n / batch_size)``, or ``n // batch_size`` with ``drop_last`` (which skips the final short
    batch). With ``shuffle`` each pass draws a fresh permutation from one generator seeded by ``seed``,
    so pass k of two loaders with the same seed is identical. A batch is gathered by fancy indexing
    (a copy of just that batch: permuting the whole set each pass would double its memory); without
    shuffling, batches are views in order.

    ``transform(x_batch, rng) -> x_batch`` (``data.random_shift``, for example) changes each
    training batch as it is drawn, with the loader's own generator: one seed fixes both the order
    and the augmentation.
    """

    def __init__(
        self,
        x,
        y,
        batch_size: int,
        *,
        shuffle: bool = True,
        drop_last: bool = False,
        seed: int | np.random.Generator | None = None,
        transform: Callable | None = None,
    ):
        self.x, self.y = _validate.xy_pair("DataLoader", x, y)
        self.batch_size = _validate.integer("DataLoader", "batch_size", batch_size)
        self.shuffle = _flag("DataLoader", "shuffle", shuffle)
        self.drop_last = _flag("DataLoader", "drop_last", drop_last)
        if transform is not None and not callable(transform):
            raise TypeError(f"DataLoader: transform must be a function transform(x_batch, rng) -> x_batch, "
                            f"got {type(transform).__name__}")
        self.transform = transform
        needs_rng = "shuffle=True" if shuffle else "transform=..." if transform is not None else None
        self.rng = _validate.seeded_rng(f"DataLoader({needs_rng})", seed) if needs_rng else None
        if len(self) == 0:
            raise ValueError(
                f"DataLoader: {len(self.x)} examples make no batch of {self.batch_size} with drop_last=True"
            )

    def __len__(self) -> int:
        n = len(self.x)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for _, x_batch, y_batch in self.indexed_batches():
            yield x_batch, y_batch

    def indexed_batches(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """``(rows, x_batch, y_batch)`` for each batch of one pass: ``rows`` are the batch's row numbers
        in ``x`` (``fit`` names the rows of a batch that holds NaN or inf with them)."""
        order = self.rng.permutation(len(self.x)) if self.shuffle else None
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            if order is None:
                rows = np.arange(start, min(start + self.batch_size, len(self.x)))
                x_batch, y_batch = self.x[start : start + self.batch_size], self.y[start : start + self.batch_size]
            else:
                rows = order[start : start + self.batch_size]
                x_batch, y_batch = self.x[rows], self.y[rows]
            if self.transform is not None:
                x_batch = self.transform(x_batch, self.rng)
            yield rows, x_batch, y_batch


def train_val_split(x, y, val_fraction: float, *, seed) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Shuffle and split into ``(x_train, y_train), (x_val, y_val)``; the validation part has
    ``round(val_fraction * n)`` examples."""
    x, y = _validate.xy_pair("train_val_split", x, y)
    _validate.real("train_val_split", "val_fraction", val_fraction, low=0, high=1, low_open=True, high_open=True)
    n_val = round(val_fraction * len(x))
    if not 0 < n_val < len(x):
        raise ValueError(f"train_val_split: val_fraction {val_fraction} of {len(x)} examples leaves an empty part")
    order = _validate.seeded_rng("train_val_split", seed).permutation(len(x))
    val, train = order[:n_val], order[n_val:]
    return (x[train], y[train]), (x[val], y[val])


def small_train_split(mnist: MNIST, n_train: int, *, seed, stratified: bool = True) -> MNIST:
    """A copy of ``mnist`` with only ``n_train`` training examples and the full test set.

    For overfitting experiments: a small training set that a big network can memorise, judged on
    the large test set. ``stratified`` keeps each class's share of the full training set (rounded
    by largest remainder, so the counts add up to ``n_train`` exactly); otherwise a plain random
    sample. The examples come out in random order.
    """
    if not isinstance(mnist, MNIST):
        raise TypeError(f"small_train_split expected an MNIST (from load_mnist()), got {type(mnist).__name__}")
    n_total = len(mnist.y_train)
    n_train = _validate.integer("small_train_split", "n_train", n_train)  # 100.0 is 100, as everywhere
    if n_train > n_total:
        raise ValueError(f"small_train_split: n_train must be an integer in 1..{n_total}, got {n_train!r}")
    rng = _validate.seeded_rng("small_train_split", seed)
    if _flag("small_train_split", "stratified", stratified):
        classes, counts = np.unique(mnist.y_train, return_counts=True)
        quota = counts * n_train / n_total
        take = np.floor(quota).astype(np.int64)
        shortfall = n_train - take.sum()
        take[np.argsort(-(quota - take), kind="stable")[:shortfall]] += 1
        index = np.concatenate(
            [rng.choice(np.flatnonzero(mnist.y_train == c), size=k, replace=False) for c, k in zip(classes, take)]
        )
        index = rng.permutation(index)
    else:
        index = rng.choice(n_total, size=n_train, replace=False)
    return MNIST(mnist.x_train[index], mnist.y_train[index], mnist.x_test, mnist.y_test)
