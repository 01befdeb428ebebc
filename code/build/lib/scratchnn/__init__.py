"""scratchnn: neural networks from scratch in NumPy, with PyTorch's names and formulas."""

from . import gradcheck, init, optim, regularization
from .activations import GELU, LeakyReLU, ReLU, Sigmoid, SiLU, Softmax, Tanh
from .layers import Linear
from .losses import BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, Loss, MSELoss
from .module import Module, Parameter, Sequential
from .norm import BatchNorm1d, LayerNorm, RMSNorm
from .regularization import Dropout

__all__ = [
    "Parameter", "Module", "Sequential", "Linear",
    "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "GELU", "SiLU", "Softmax",
    "Loss", "CrossEntropyLoss", "MSELoss", "BCEWithLogitsLoss", "HuberLoss",
    "Dropout", "BatchNorm1d", "LayerNorm", "RMSNorm",
    "init", "optim", "regularization", "gradcheck",
]
