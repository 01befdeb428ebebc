"""Parameter: a trainable array and its gradient (torch.nn.Parameter)."""

import numpy as np

from .. import _validate


class Parameter:
    """A trainable array ``data`` and its gradient ``grad`` (same shape and dtype).

    Optimizers read ``grad`` and update ``data`` in place; ``backward`` adds into ``grad``.
    """

    def __init__(self, data):
        self.data = np.asarray(data)
        _validate.supported_dtype("Parameter", self.data.dtype)
        self.grad = np.zeros_like(self.data)

    def zero_grad(self):
        """Set ``grad`` to zeros in place (the array object stays the same)."""
        self.grad.fill(0)

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def __repr__(self):
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"
