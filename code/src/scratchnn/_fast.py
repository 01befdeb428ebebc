"""The training step's one speed-up, kept out of the taught classes (it changes no result).

A training step needs the parameters' gradients only. ``dL/dx`` of the data is never used, and for
a first ``Linear`` layer it costs a matrix product as large as the forward one, so
``backward_for_step`` leaves it out (torch leaves it out too: the data does not require grad).
Everything else is the modules' own ``backward``; for the first ``Linear`` it is the parameter half
of ``Linear.backward`` (a unit test holds the two equal). ``fit`` and the diagnostics call it.
"""

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
        model.weight.grad += model._x.T @ g
        if model.bias is not None:
            model.bias.grad += g.sum(axis=0)
    else:
        model.backward(grad_output)
