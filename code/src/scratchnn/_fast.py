"""The training step's speed-ups, kept out of the taught classes (they change no result).

A training step needs the parameters' gradients only. ``dL/dx`` of the data is never used, and for
a first ``Linear`` layer it costs a matrix product as large as the forward one, so
``backward_for_step`` leaves it out (torch leaves it out too: the data does not require grad).
Everything else is the modules' own ``backward``; for the first ``Linear`` it is the parameter half
of ``Linear.backward`` (a unit test holds the two equal), with ``dL/dW = x^T g`` written straight into
the zeroed gradient (``_add_matmul``). ``fit`` and the diagnostics call it.
"""

import numpy as np

from . import _validate
from .nn import Linear, Sequential


def backward_for_step(model, grad_output):
    """``model.backward(grad_output)`` without the gradient with respect to the data; returns None."""
    if type(model) is Sequential:
        modules = list(model._modules.values())
        for module in reversed(modules[1:]):
            grad_output = module.backward(grad_output)
        if modules:
            backward_for_step(modules[0], grad_output)
    elif type(model) is Linear:
        g = _validate.grad_output(model, grad_output)
        _add_matmul(model.weight.grad, model._x.T, g)
        if model.bias is not None:
            model.bias.grad += g.sum(axis=0)
    else:
        model.backward(grad_output)


def _add_matmul(grad, a, b):
    """``grad += a @ b``. Right after ``zero_grad()`` (``grad`` all zeros, the usual case in a training step)
    the product is written straight into ``grad``: no temporary the size of the first layer's weight and
    no second pass over it. Checking for zeros reads ``grad`` once, and stops at the first non-zero."""
    if grad.any():
        grad += a @ b
    else:
        np.matmul(a, b, out=grad)
