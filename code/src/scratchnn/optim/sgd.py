"""Stochastic gradient descent with torch.optim.SGD's update rule."""

from .. import _validate
from .optimizer import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent with torch.optim.SGD's rule. For each parameter ``w``:

    ``g = grad + weight_decay * w``;
    with momentum: ``b = g`` on the first step, then ``b = momentum * b + (1 - dampening) * g``,
    and ``g = g + momentum * b`` (Nesterov) or ``g = b``; finally ``w -= lr * g``.
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(params, lr)
        # momentum >= 1 makes the velocity a sum that never forgets: every run diverges.
        self.momentum = _validate.real("SGD", "momentum", momentum, low=0, high=1, high_open=True)
        self.dampening = _validate.real("SGD", "dampening", dampening, low=0, high=1)
        self.weight_decay = _validate.real("SGD", "weight_decay", weight_decay, low=0)
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
