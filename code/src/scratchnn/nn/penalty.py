"""L1 and L2 weight penalties: each returns ``(value, gradient)`` to add to the loss and to ``grad``."""

import numpy as np

from .. import _validate


def l2_penalty(weight, lam):
    """L2 penalty ``0.5 * lam * sum(W^2)`` and its gradient ``lam * W``.

    With the 1/2, adding the gradient is exactly torch's ``SGD(weight_decay=lam)``. Returns
    ``(value: float, grad: ndarray)``; add ``grad`` to ``weight.grad`` (usually for weights, not biases).
    """
    weight, lam = np.asarray(weight), _validate.real("l2_penalty", "lam", lam, low=0)
    return 0.5 * lam * float(np.vdot(weight, weight)), lam * weight


def l1_penalty(weight, lam):
    """L1 penalty ``lam * sum(|W|)`` and its (sub)gradient ``lam * sign(W)``
    (0 at 0); pushes weights to exactly 0."""
    weight = np.asarray(weight)
    lam = _validate.real("l1_penalty", "lam", lam, low=0)
    return lam * float(np.abs(weight).sum()), lam * np.sign(weight)
