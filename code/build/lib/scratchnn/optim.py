"""Optimizers with torch.optim's exact update rules, updating ``Parameter.data`` in place."""

import math

import numpy as np

from .module import Parameter


class Optimizer:
    """Base class: holds the parameter list; ``step()`` updates them, ``zero_grad()`` clears their grads.

    Hyperparameters are stored as Python floats: a NumPy float64 scalar would silently promote
    float32 updates to float64 (NumPy 2 promotion rules).
    """

    def __init__(self, params, lr):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Parameter):
                raise TypeError(f"{type(self).__name__} expected Parameters, got {type(p).__name__}")
        self.lr = lr

    @property
    def lr(self):
        return self._lr

    @lr.setter
    def lr(self, value):
        # A property so learning-rate schedules that assign NumPy scalars stay float32-safe.
        if not value >= 0:
            raise ValueError(f"{type(self).__name__} expected a learning rate >= 0, got {value}")
        self._lr = float(value)

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
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD with nesterov=True requires momentum > 0 and dampening = 0")
        self.momentum = float(momentum)
        self.dampening = float(dampening)
        self.weight_decay = float(weight_decay)
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
        self.beta1, self.beta2 = (float(b) for b in betas)
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
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
            denom = np.sqrt(v)
            denom /= sqrt_bias2
            denom += self.eps
            np.divide(m, denom, out=denom)
            denom *= step_size
            p.data -= denom


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
    grads = [p.grad for p in params]
    total_norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    scale = float(max_norm) / (total_norm + 1e-6)
    if scale < 1.0:
        for g in grads:
            g *= scale
    return total_norm
