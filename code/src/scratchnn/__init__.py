"""scratchnn: neural networks from scratch in NumPy, with PyTorch's names and formulas.

The packages mirror PyTorch's: ``scratchnn.nn`` (layers, losses, normalizations, init),
``scratchnn.optim`` (optimizers) and ``scratchnn.data`` (MNIST, minibatches). Around them sit the
learning tools the book uses: ``train`` (``fit``), ``gradcheck``, ``checks``, ``diagnostics``,
``noise``, ``plots`` and ``torch_port``. ``scratchnn.bench`` and ``scratchnn.cli`` are the project's
measuring and command-line tools.
"""

from . import data, nn, optim

__all__ = ["nn", "optim", "data"]
