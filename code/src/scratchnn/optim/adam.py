"""Adam and AdamW with torch.optim's update rules."""

import math

import numpy as np

from .. import _validate
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam with torch.optim.Adam's rule (L2-style ``weight_decay`` added to the gradient):

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``,
    ``w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`` (bias-corrected moments).
    """

    decoupled_weight_decay = False  # AdamW: True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        name = type(self).__name__
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        # beta = 1 would divide by 1 - beta**t = 0 in the bias correction.
        self.beta1, self.beta2 = (_validate.real(name, f"betas[{i}]", b, low=0, high=1, high_open=True)
                                  for i, b in enumerate(betas))
        self.eps = _validate.real(name, "eps", eps, low=0)
        self.weight_decay = _validate.real(name, "weight_decay", weight_decay, low=0)
        self.t = 0
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self):
        self.t += 1
        step_size = self.lr / (1.0 - self.beta1**self.t)
        sqrt_bias2 = math.sqrt(1.0 - self.beta2**self.t)
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            if self.weight_decay and self.decoupled_weight_decay:
                p.data *= 1.0 - self.lr * self.weight_decay
            elif self.weight_decay:
                g = g + self.weight_decay * p.data
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * (g * g)
            _subtract_adam_update(p.data, m, v, step_size, sqrt_bias2, self.eps)


def _subtract_adam_update(w, m, v, step_size, sqrt_bias2, eps):
    """``w -= step_size * m / (sqrt(v) / sqrt_bias2 + eps)``, in one buffer: a temporary the size of
    ``w`` instead of four."""
    update = np.sqrt(v)
    update /= sqrt_bias2
    update += eps
    np.divide(m, update, out=update)
    update *= step_size
    w -= update


class AdamW(Adam):
    """AdamW with torch.optim.AdamW's rule: weight decay *decoupled* from the gradient.

    ``w -= lr * weight_decay * w`` first, then the Adam step on the plain gradient. In ``Adam``,
    ``weight_decay`` is an L2 term added to ``g`` and then divided by ``sqrt(v)``, so weights with large
    gradients are barely decayed; here every weight shrinks by the same factor ``1 - lr * weight_decay``.
    """

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)
