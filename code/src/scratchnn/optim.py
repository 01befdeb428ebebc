"""Optimizers with torch.optim's exact update rules, updating ``Parameter.data`` in place."""

import math

import numpy as np

from . import _check
from .module import Parameter


class Optimizer:
    """Base class: holds the parameter list; ``step()`` updates them, ``zero_grad()`` clears their grads.

    Hyperparameters are stored as Python floats: a NumPy float64 scalar would silently promote
    float32 updates to float64 (NumPy 2 promotion rules).
    """

    def __init__(self, params, lr):
        if isinstance(params, Parameter):
            raise TypeError(f"{type(self).__name__} expected a list of Parameters, got one Parameter: "
                            "pass model.parameters() or [param]")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Parameter):
                raise TypeError(f"{type(self).__name__} expected Parameters, got {type(p).__name__}")
        # The same Parameter twice would be stepped twice per step (torch refuses it too).
        _check.distinct(type(self).__name__, "Parameter", enumerate(self.params))
        self.lr = lr

    @property
    def lr(self):
        return self._lr

    @lr.setter
    def lr(self, value):
        # A property so learning-rate schedules that assign NumPy scalars stay float32-safe.
        self._lr = _check.real(type(self).__name__, "lr", value, low=0)

    def zero_grad(self):
        for p in self.params:
            p.zero_grad()

    def step(self):
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with torch.optim.SGD's rule. For each parameter ``w``:

    ``g = grad + weight_decay * w``;
    with momentum: ``b = g`` on the first step, then ``b = momentum * b + (1 - dampening) * g``,
    and ``g = g + momentum * b`` (Nesterov) or ``g = b``; finally ``w -= lr * g``.
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(params, lr)
        # momentum >= 1 makes the velocity a sum that never forgets: every run diverges.
        self.momentum = _check.real("SGD", "momentum", momentum, low=0, high=1, high_open=True)
        self.dampening = _check.real("SGD", "dampening", dampening, low=0, high=1)
        self.weight_decay = _check.real("SGD", "weight_decay", weight_decay, low=0)
        if nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("SGD with nesterov=True requires momentum > 0 and dampening = 0")
        self.nesterov = nesterov
        self.buffers = [None] * len(self.params)

    def step(self):
        for i, p in enumerate(self.params):
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            if self.momentum:
                buf = self.buffers[i]
                if buf is None:
                    buf = self.buffers[i] = g.copy()
                else:
                    buf *= self.momentum
                    buf += g if not self.dampening else (1.0 - self.dampening) * g
                g = g + self.momentum * buf if self.nesterov else buf
            p.data -= self.lr * g


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
        self.beta1, self.beta2 = (_check.real(name, f"betas[{i}]", b, low=0, high=1, high_open=True)
                                  for i, b in enumerate(betas))
        self.eps = _check.real(name, "eps", eps, low=0)
        self.weight_decay = _check.real(name, "weight_decay", weight_decay, low=0)
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


def clip_grad_norm_(params, max_norm):
    """Scale all gradients in place so their global L2 norm is at most ``max_norm``; return the norm before.

    Like ``torch.nn.utils.clip_grad_norm_``: the scale is ``max_norm / (norm + 1e-6)``, applied when below 1.
    """
    max_norm = _check.real("clip_grad_norm_", "max_norm", max_norm, low=0, low_open=True)
    grads = [p.grad for p in params]
    total_norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    scale = max_norm / (total_norm + 1e-6)
    if scale < 1.0:
        for g in grads:
            g *= scale
    return total_norm
