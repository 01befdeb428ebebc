"""Augmentation of 28x28 digits given as rows of 784 pixels: random shifts and rotations."""

from __future__ import annotations

import numpy as np

from .. import _validate
from ._mnist_sources import IMAGE_SIDE


def _as_images(x_batch: np.ndarray, rng, who: str) -> np.ndarray:
    x_batch = np.asarray(x_batch)
    if x_batch.ndim != 2 or x_batch.shape[1] != IMAGE_SIDE * IMAGE_SIDE:
        raise ValueError(f"{who}: expected a batch of flattened 28x28 images, shape (n, 784), got {x_batch.shape}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{who}: rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    return x_batch.reshape(len(x_batch), IMAGE_SIDE, IMAGE_SIDE)


def _zero_padded(images: np.ndarray, border: int) -> np.ndarray:
    side = IMAGE_SIDE + 2 * border
    padded = np.zeros((len(images), side, side), dtype=images.dtype)
    padded[:, border : border + IMAGE_SIDE, border : border + IMAGE_SIDE] = images
    return padded


def random_shift(x_batch: np.ndarray, rng: np.random.Generator, *, max_shift: int = 2) -> np.ndarray:
    """Shift each image by its own random whole number of pixels in -max_shift..max_shift, both axes.

    Pixels shifted in from outside are 0 (background). The call signature is a ``DataLoader``'s
    ``transform(x_batch, rng)``. No loop over images: the batch is grouped by offset and each group
    is one slice copy, at most (2 max_shift + 1)^2 of them (25 for the default).
    """
    images = _as_images(x_batch, rng, "random_shift")
    if _validate.integer("random_shift", "max_shift", max_shift, low=0) >= IMAGE_SIDE:
        raise ValueError(f"random_shift: max_shift must be an integer in 0..27, got {max_shift!r}")
    span = 2 * int(max_shift) + 1
    padded = _zero_padded(images, int(max_shift))
    # Window corner (oy, ox) in 0..2m inside the padded image = a shift of (m - oy, m - ox) pixels.
    offset = rng.integers(0, span * span, size=len(images))
    order = np.argsort(offset, kind="stable")
    group_ends = np.searchsorted(offset[order], np.arange(span * span + 1))
    out = np.empty_like(images)
    for k in range(span * span):
        members = order[group_ends[k] : group_ends[k + 1]]
        if members.size:
            oy, ox = divmod(k, span)
            out[members] = padded[members, oy : oy + IMAGE_SIDE, ox : ox + IMAGE_SIDE]
    return out.reshape(len(images), IMAGE_SIDE * IMAGE_SIDE)


def random_rotate(x_batch: np.ndarray, rng: np.random.Generator, *, max_degrees: float = 15.0) -> np.ndarray:
    """Rotate each image about its centre by its own random angle in [-max_degrees, max_degrees].

    Bilinear interpolation, 0 outside the image; vectorised over the batch (no per-image loop).
    """
    images = _as_images(x_batch, rng, "random_rotate")
    _validate.real("random_rotate", "max_degrees", max_degrees, low=0, high=180)
    n, side = len(images), IMAGE_SIDE + 2
    theta = np.deg2rad(rng.uniform(-max_degrees, max_degrees, size=(n, 1))).astype(np.float32)
    centre = np.float32((IMAGE_SIDE - 1) / 2)
    yy, xx = (np.indices((IMAGE_SIDE, IMAGE_SIDE), dtype=np.float32).reshape(2, 1, -1) - centre)
    # Inverse mapping: output pixel (y, x) samples the input at (y, x) rotated back by theta.
    src_y = np.cos(theta) * yy - np.sin(theta) * xx + centre
    src_x = np.sin(theta) * yy + np.cos(theta) * xx + centre
    inside = (src_y > -1) & (src_y < IMAGE_SIDE) & (src_x > -1) & (src_x < IMAGE_SIDE)
    y0, x0 = np.floor(src_y), np.floor(src_x)
    wy, wx = src_y - y0, src_x - x0
    # Indices into the whole batch, flattened, each image given a one-pixel zero border: reads just
    # outside the image see 0. One flat take per corner is the cheapest gather NumPy has.
    row = np.clip(y0, -1, IMAGE_SIDE - 1).astype(np.intp) + 1
    col = np.clip(x0, -1, IMAGE_SIDE - 1).astype(np.intp) + 1
    corner = row * side + col + np.arange(n)[:, None] * (side * side)
    flat = _zero_padded(images.astype(np.float32), 1).ravel()

    def at(step):
        return flat.take(corner + step)

    top = (1 - wx) * at(0) + wx * at(1)
    bottom = (1 - wx) * at(side) + wx * at(side + 1)
    out = np.where(inside, (1 - wy) * top + wy * bottom, 0)
    return out.astype(images.dtype, copy=False)
