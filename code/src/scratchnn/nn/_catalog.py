"""The layers by name, read from the classes themselves (not taught: bookkeeping).

A new activation is a class in ``activation.py`` next to its plain function (``GELU`` and ``gelu``);
``make_mlp``, the command line, the self-checks and ``torch_port`` find it here, so adding a layer
means one file (or class) plus its test.
"""

import inspect

from . import activation
from .module import Module


def hidden_activations():
    """``{"relu": ReLU, "leaky_relu": LeakyReLU, ...}``: every activation module of ``activation.py``,
    named like its plain function. Softmax is left out: it turns logits into probabilities, it is not
    a hidden activation."""
    functions = {name.replace("_", ""): name for name, value in vars(activation).items()
                 if inspect.isfunction(value) and not name.startswith("_")}
    return {functions[cls.__name__.lower()]: cls for cls in _classes_of(activation) if cls is not activation.Softmax}


def parameterless_layers():
    """Every layer class of ``scratchnn.nn`` that builds without arguments and has no parameters
    (the activations, Dropout): what ``torch_port`` carries over by name."""
    from .. import nn

    found = []
    for cls in {value for value in vars(nn).values() if isinstance(value, type) and issubclass(value, Module)}:
        if cls is Module or issubclass(cls, nn.Sequential):
            continue
        try:
            instance = cls()
        except TypeError:  # needs sizes: it has parameters
            continue
        if not instance.parameters():
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__name__)


def _classes_of(module):
    return [value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Module) and value.__module__ == module.__name__]
