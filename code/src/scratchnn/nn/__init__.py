"""scratchnn.nn: the network core the book teaches, with torch.nn's names.

``Parameter`` and ``Module`` (the skeleton), ``Sequential``, ``Linear``, the activations, the losses,
the normalizations, ``Dropout``, the L1/L2 penalties and ``init`` (weight initializers).
"""

from . import init
from .activation import GELU, LeakyReLU, ReLU, Sigmoid, SiLU, Softmax, Tanh
from .container import Sequential
from .dropout import Dropout
from .linear import Linear
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, Loss, MSELoss
from .module import Module
from .normalization import BatchNorm1d, LayerNorm, RMSNorm
from .parameter import Parameter
from .penalty import l1_penalty, l2_penalty

__all__ = [
    "Parameter", "Module", "Sequential", "Linear",
    "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "GELU", "SiLU", "Softmax",
    "Loss", "CrossEntropyLoss", "MSELoss", "BCEWithLogitsLoss", "HuberLoss",
    "BatchNorm1d", "LayerNorm", "RMSNorm", "Dropout", "l1_penalty", "l2_penalty", "init",
]  # fmt: skip
