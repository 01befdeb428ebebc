"""Inverted Dropout (torch.nn.Dropout)."""

import numpy as np

from .. import _validate
from .module import Module


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability ``p`` and scale survivors by ``1/(1-p)``.

    ``y = x * m / (1 - p)``, ``m ~ Bernoulli(1 - p)``, so ``E[y] = x`` and eval mode is the identity.
    Backward multiplies by the same scaled mask. ``rng``: a ``numpy.random.Generator`` or a seed.
    """

    def __init__(self, p=0.5, *, rng=None):
        self.p = _validate.real("Dropout", "p (the drop probability)", p, low=0, high=1)
        self.rng = np.random.default_rng(rng)
        self._scaled_mask = None

    def forward(self, x):
        if not self.training or self.p == 0.0:
            self._scaled_mask = np.ones((), dtype=x.dtype)  # the identity
            return x
        keep = self.rng.random(x.shape, dtype=np.float32) >= self.p
        # p == 1 drops everything (as torch does) instead of dividing by zero.
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        self._scaled_mask = keep * x.dtype.type(scale)  # in x's precision
        return x * self._scaled_mask

    def backward(self, grad_output):
        return grad_output * self._scaled_mask

    def extra_repr(self):
        return f"p={self.p}"
