"""Optimizer: the base class that holds the parameters (torch.optim.Optimizer)."""

from .. import _validate
from ..nn.parameter import Parameter


class Optimizer:
    """Base class: holds the parameter list; ``step()`` updates them, ``zero_grad()`` clears their grads.

    Hyperparameters are stored as Python floats: a NumPy float64 scalar would silently promote
    float32 updates to float64 (NumPy 2 promotion rules).
    """

    def __init__(self, params, lr):
        self.params = _validate.parameter_list(type(self).__name__, params, Parameter)
        self.lr = lr

    @property
    def lr(self):
        return self._lr

    @lr.setter
    def lr(self, value):
        # A property so learning-rate schedules that assign NumPy scalars stay float32-safe.
        self._lr = _validate.real(type(self).__name__, "lr", value, low=0)

    def zero_grad(self):
        for p in self.params:
            p.zero_grad()

    def step(self):
        raise NotImplementedError
