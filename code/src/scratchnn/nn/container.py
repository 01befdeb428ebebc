"""Sequential: modules chained in order (torch.nn.Sequential)."""

from .. import _validate
from ._adopted import adopt, unwrap
from .module import Module


class Sequential(Module):
    """Chain modules: forward runs them in order, backward runs them in reverse.

    ``y = f_n(...f_2(f_1(x)))``; by the chain rule ``dL/dx = J_1^T (J_2^T (... J_n^T dL/dy))``.
    Your own layers need not subclass ``Module``: ``forward(x)`` and ``backward(grad_output)`` are enough.
    """

    def __init__(self, *modules):
        # A module keeps what its backward needs from its *last* forward, so one object used at two
        # positions would backpropagate its first use with the second use's input: wrong gradients.
        _validate.sequential_modules(modules)
        for index, module in enumerate(modules):
            setattr(self, str(index), adopt(module))

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def backward(self, grad_output):
        for module in reversed(self._modules.values()):
            grad_output = module.backward(grad_output)
        return grad_output

    def __getitem__(self, index):
        return unwrap(list(self._modules.values())[index])

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return (unwrap(module) for module in self._modules.values())
