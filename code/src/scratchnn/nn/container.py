"""Sequential: modules chained in order (torch.nn.Sequential)."""

from .. import _checks
from .module import Module, backward_for_step
from .parameter import Parameter


class Sequential(Module):
    """Chain modules: forward runs them in order, backward runs them in reverse.

    ``y = f_n(...f_2(f_1(x)))``; by the chain rule ``dL/dx = J_1^T (J_2^T (... J_n^T dL/dy))``.
    """

    can_skip_input_grad = True

    def __init__(self, *modules):
        for index, module in enumerate(modules):
            if not isinstance(module, Module) and not _is_layer(module):
                raise TypeError(f"Sequential expected modules (objects with forward(x) and backward(grad_output)), "
                                f"got {type(module).__name__} at position {index}")
        # A module keeps what its backward needs from its *last* forward, so one object used at two
        # positions would backpropagate its first use with the second use's input: wrong gradients.
        _checks.distinct("Sequential", "module object (create one per position, e.g. two ReLU())",
                        [(index, node) for index, module in enumerate(modules) for node in _nodes(module)])
        for index, module in enumerate(modules):
            setattr(self, str(index), module if isinstance(module, Module) else _Adopted(module))

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def backward(self, grad_output, *, input_grad=True):
        """Backpropagate through every module in reverse; return dL/dx (None with ``input_grad=False``)."""
        if not self._modules:  # the empty chain is the identity
            return grad_output if input_grad else None
        *later, first = reversed(self._modules.values())
        for module in later:
            grad_output = module.backward(grad_output)
        if input_grad:
            return first.backward(grad_output)
        backward_for_step(first, grad_output)
        return None

    def __getitem__(self, index):
        return _unwrap(list(self._modules.values())[index])

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return (_unwrap(module) for module in self._modules.values())


def _is_layer(obj):
    """The layer contract of ``scratchnn.checks``: ``forward(x)`` and ``backward(grad_output)`` methods."""
    return callable(getattr(obj, "forward", None)) and callable(getattr(obj, "backward", None))


def _nodes(module):
    """The object itself and, for a Module, every module below it."""
    return [m for _, m in module.named_modules()] if isinstance(module, Module) else [module]


def _unwrap(module):
    return module.layer if isinstance(module, _Adopted) else module


class _Adopted(Module):
    """A layer of your own that does not subclass ``Module``, inside a ``Sequential``.

    It follows the contract of ``scratchnn.checks``: ``forward``, ``backward``, Parameters as
    attributes (``weight``, ``bias``) or returned by its ``parameters()``, and ``training`` read
    when it matters. This wrapper lets ``fit``, the optimizers and ``state_dict`` see those
    Parameters and passes ``train()``/``eval()`` on.
    """

    def __init__(self, layer):
        object.__setattr__(self, "layer", layer)
        for name, value in vars(layer).items():
            if isinstance(value, Parameter):
                self._parameters[name] = value
        listed = layer.parameters() if callable(getattr(layer, "parameters", None)) else []
        known = {id(p) for p in self._parameters.values()}
        for index, param in enumerate(listed):
            if not isinstance(param, Parameter):
                raise TypeError(f"Sequential: {type(layer).__name__}.parameters() must return scratchnn.Parameter "
                                f"objects, got {type(param).__name__} at {index}")
            if id(param) not in known:
                self._parameters[f"param{index}"] = param

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name == "training" and "layer" in self.__dict__:  # train()/eval() reach the learner's layer
            switch = getattr(self.layer, "train" if value else "eval", None)
            if not callable(switch):
                self.layer.training = value
            elif value:
                switch(True)
            else:
                switch()

    def forward(self, x):
        return self.layer.forward(x)

    def backward(self, grad_output):
        return self.layer.backward(grad_output)

    def __repr__(self):
        return repr(self.layer)
