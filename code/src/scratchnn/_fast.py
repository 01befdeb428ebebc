"""The training step's speed-ups, kept out of the taught classes (they change no result).

``zero_grad_and_backward(optimizer, model, g)`` is ``optimizer.zero_grad(); model.backward(g)`` of a
training step, with two pieces of work left out:

- ``dL/dx`` of the data. Nothing uses it, and for a first ``Linear`` layer it costs a matrix product
  as large as the forward one (torch leaves it out too: the data does not require grad).
- Clearing a gradient that is about to be overwritten. ``zero_grad`` fills every gradient with zeros
  and ``backward`` then adds into it (``grad += x^T g``): a pass over the first layer's weight-sized
  gradient to write zeros, a temporary as large, and a second pass to add. Here each gradient the
  optimizer would clear is instead *written* by its first contribution (``np.matmul(x.T, g,
  out=grad)``; ``0 + v`` is ``v`` exactly), and only the gradients no backward reaches are filled with
  zeros. A later contribution (a weight shared by two layers) is added, as ``backward`` does.

For a ``Linear`` layer that is ``Linear.backward`` written out here (a unit test holds the two equal);
every other module runs its own ``backward``, the gradients of the parameters it lists (``parameters()``)
cleared just before. That relies on a module's ``backward`` adding only into its own parameters, and on
the optimizer holding only the model's (``fit`` checks that): ``fit``'s step calls it; the diagnostics,
which take any optimizer, call ``backward_for_step`` after ``optimizer.zero_grad()``.
"""

import numpy as np

from . import _validate
from .nn import Linear, Sequential
from .optim import Optimizer


def zero_grad_and_backward(optimizer, model, grad_output):
    """``optimizer.zero_grad(); model.backward(grad_output)``, without the gradient with respect to the
    data and without clearing what is overwritten next; returns None."""
    if type(optimizer).zero_grad is not Optimizer.zero_grad:  # an optimizer of your own clears its own way
        optimizer.zero_grad()
        return backward_for_step(model, grad_output)
    unset = {id(param): param for param in optimizer.params}
    _backward(model, grad_output, unset, input_grad=False)
    for param in unset.values():  # held by the optimizer, reached by no backward: cleared as zero_grad does
        param.zero_grad()
    return None


def backward_for_step(model, grad_output):
    """``model.backward(grad_output)`` without the gradient with respect to the data; returns None."""
    _backward(model, grad_output, {}, input_grad=False)


def _backward(module, grad, unset, *, input_grad):
    """``module.backward(grad)`` -> dL/dx, or None when ``input_grad`` is False. ``unset`` maps ``id`` to
    each Parameter whose gradient counts as cleared but still holds old values: its first contribution
    is written into it (and it leaves ``unset``), later ones are added."""
    kind = type(module)
    if kind is Sequential:
        modules = list(module._modules.values())
        for index in range(len(modules) - 1, -1, -1):
            grad = _backward(modules[index], grad, unset, input_grad=input_grad or index > 0)
        return grad
    if kind is Linear:
        g = _validate.grad_output(module, grad)
        _contribute(module.weight, unset, np.matmul, module._x.T, g)  # dL/dW = x^T g
        if module.bias is not None:
            _contribute(module.bias, unset, np.add.reduce, g, 0)  # dL/db = sum_n g_n
        return g @ module.weight.data.T if input_grad else None
    if unset and (getattr(module, "_parameters", None) or getattr(module, "_modules", None)):
        for param in module.parameters():  # its backward adds into them: clear them first
            if unset.pop(id(param), None) is not None:
                param.zero_grad()
    return module.backward(grad)


def _contribute(param, unset, compute, *operands):
    """``param.grad += compute(*operands)``, written straight into ``grad`` when it counts as cleared."""
    if unset.pop(id(param), None) is not None:
        compute(*operands, out=param.grad)
    else:
        param.grad += compute(*operands)
