"""Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_)."""

import math

import numpy as np

from .. import _validate


def clip_grad_norm_(params, max_norm):
    """Scale the gradients in place to a global L2 norm of at most
    ``max_norm``; return the norm before clipping.

    Like ``torch.nn.utils.clip_grad_norm_``: the scale is
    ``max_norm / (norm + 1e-6)``, applied when below 1.
    """
    max_norm = _validate.real("clip_grad_norm_", "max_norm", max_norm,
                              low=0, low_open=True)
    grads = [p.grad for p in params]
    total_norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    scale = max_norm / (total_norm + 1e-6)
    if scale < 1.0:
        for g in grads:
            g *= scale
    return total_norm
