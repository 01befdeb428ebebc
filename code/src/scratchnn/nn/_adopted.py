"""A layer of your own that does not subclass ``Module``, inside a ``Sequential`` (not taught: plumbing)."""

from .module import Module
from .parameter import Parameter


def adopt(layer):
    """``layer`` itself if it is a Module, else the ``_Adopted`` wrapper that makes it one."""
    return layer if isinstance(layer, Module) else _Adopted(layer)


def unwrap(module):
    """The object that was put into the ``Sequential``."""
    return module.layer if isinstance(module, _Adopted) else module


class _Adopted(Module):
    """Your layer, as a Module: it follows the contract of ``scratchnn.checks``: ``forward``,
    ``backward``, Parameters as attributes (``weight``, ``bias``) or returned by its ``parameters()``,
    and ``training`` read when it matters. This wrapper lets ``fit``, the optimizers and
    ``state_dict`` see those Parameters and passes ``train()``/``eval()`` on. Its arrays are not
    checked: the self-checks report what your layer does with them.
    """

    _unchecked = True

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
