"""Small synthetic data sets for the concept chapters (x float32, class labels int64)."""

from __future__ import annotations

import numpy as np

from .. import _validate


def _check_count(n, who: str, minimum: int = 1) -> int:
    return _validate.integer(who, "the number of points", n, low=minimum)


def make_xor(n: int, *, noise: float = 0.1, seed) -> tuple[np.ndarray, np.ndarray]:
    """XOR: points near the corners (0,0), (0,1), (1,0), (1,1), label 1 where exactly one coordinate is 1.

    Corners repeat in that order (so ``n=4, noise=0`` is the truth table) with Gaussian noise of
    standard deviation ``noise``. No line separates the classes: a perceptron cannot learn it.
    """
    n = _check_count(n, "make_xor")
    noise = _validate.real("make_xor", "noise", noise, low=0)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])[np.arange(n) % 4]
    x = corners + noise * _validate.seeded_rng("make_xor", seed).standard_normal((n, 2))
    return x.astype(np.float32), (corners[:, 0] ^ corners[:, 1]).astype(np.int64)


def make_spirals(n_per_class: int, n_classes: int = 3, *, noise: float = 0.2, seed) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n toy set): radius 0 -> 1 over 4 radians of turn,
    angle jittered by Gaussian noise of standard deviation ``noise`` radians. Points grouped by class."""
    n_per_class = _check_count(n_per_class, "make_spirals")
    n_classes = _check_count(n_classes, "make_spirals (n_classes)", minimum=2)
    noise = _validate.real("make_spirals", "noise", noise, low=0)
    rng = _validate.seeded_rng("make_spirals", seed)
    radius = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    angle = 4.0 * (labels + radius) + noise * rng.standard_normal(n_per_class * n_classes)
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return x.astype(np.float32), labels.astype(np.int64)


def make_linearly_separable(n: int, *, margin: float = 0.1, seed) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-1, 1]^2, labelled by which side of a random line they fall on; points
    closer than ``margin`` to the line are redrawn, so a perceptron is guaranteed to converge."""
    n = _check_count(n, "make_linearly_separable")
    _validate.real("make_linearly_separable", "margin", margin, low=0, high=0.5, high_open=True)
    rng = _validate.seeded_rng("make_linearly_separable", seed)
    angle = rng.uniform(0, 2 * np.pi)
    normal, offset = np.array([np.cos(angle), np.sin(angle)]), rng.uniform(-0.3, 0.3)
    points = np.empty((0, 2))
    while len(points) < n:  # each round keeps most candidates; rarely more than two rounds
        candidates = rng.uniform(-1, 1, size=(2 * n, 2))
        points = np.concatenate([points, candidates[np.abs(candidates @ normal - offset) >= margin]])
    x = points[:n]
    y = (x @ normal - offset > 0).astype(np.int64)
    return x.astype(np.float32), y


_REGRESSION_TARGETS = {
    "sin": (np.sin, (-np.pi, np.pi)),
    "abs": (np.abs, (-1.0, 1.0)),
    "step": (lambda x: (x > 0).astype(float), (-1.0, 1.0)),
    "cubic": (lambda x: x**3 - x, (-1.5, 1.5)),
}


def make_regression_1d(n: int, *, fn: str = "sin", noise: float = 0.1, seed) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points x sorted in the function's domain and y = f(x) + Gaussian noise, both float32 (n, 1).

    ``fn``: ``"sin"`` on [-pi, pi], ``"abs"``, ``"step"`` (0 then 1) on [-1, 1], ``"cubic"`` x^3 - x on
    [-1.5, 1.5]: targets for the universal approximation theorem (smooth, kinked, discontinuous).
    """
    n = _check_count(n, "make_regression_1d")
    noise = _validate.real("make_regression_1d", "noise", noise, low=0)
    if fn not in _REGRESSION_TARGETS:
        raise ValueError(f"make_regression_1d: fn must be one of {sorted(_REGRESSION_TARGETS)}, got {fn!r}")
    f, (low, high) = _REGRESSION_TARGETS[fn]
    rng = _validate.seeded_rng("make_regression_1d", seed)
    x = np.sort(rng.uniform(low, high, size=n))
    y = f(x) + noise * rng.standard_normal(n)
    return x[:, None].astype(np.float32), y[:, None].astype(np.float32)
