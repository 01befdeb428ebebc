"""Regularization: inverted Dropout, and L1/L2 weight penalties that return (value, gradient)."""

import numpy as np

from .module import Module


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability ``p`` and scale survivors by ``1/(1-p)``.

    ``y = x * m / (1 - p)``, ``m ~ Bernoulli(1 - p)``, so ``E[y] = x`` and eval mode is the identity.
    Backward multiplies by the same scaled mask. ``rng``: a ``numpy.random.Generator`` or a seed.
    """

    def __init__(self, p=0.5, *, rng=None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout expected a drop probability p in [0, 1], got {p}")
        self.p = float(p)
        self.rng = np.random.default_rng(rng)
        self._scaled_mask = None

    def forward(self, x):
        x = self._float_input(x)
        if not self.training or self.p == 0.0:
            # A read-only view of ones with x's shape: no memory, and backward still checks shapes.
            self._scaled_mask = np.broadcast_to(np.ones((), dtype=x.dtype), x.shape)
            return x
        keep = self.rng.random(x.shape, dtype=np.float32) >= self.p
        # p == 1 drops everything (as torch does) instead of dividing by zero.
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        self._scaled_mask = keep * np.asarray(scale, dtype=x.dtype)
        return x * self._scaled_mask

    def backward(self, grad_output):
        g = self._check_grad(grad_output, self._scaled_mask)
        return g * self._scaled_mask

    def extra_repr(self):
        return f"p={self.p}"


def l2_penalty(weight, lam):
    """L2 penalty ``0.5 * lam * sum(W^2)`` and its gradient ``lam * W``.

    With the 1/2, adding the gradient is exactly torch's ``SGD(weight_decay=lam)``. Returns
    ``(value: float, grad: ndarray)``; add ``grad`` to ``weight.grad`` (usually for weights, not biases).
    """
    weight = np.asarray(weight)
    return 0.5 * float(lam) * float(np.vdot(weight, weight)), float(lam) * weight


def l1_penalty(weight, lam):
    """L1 penalty ``lam * sum(|W|)`` and its (sub)gradient ``lam * sign(W)`` (0 at 0); pushes weights to exactly 0."""
    weight = np.asarray(weight)
    return float(lam) * float(np.abs(weight).sum()), float(lam) * np.sign(weight)
