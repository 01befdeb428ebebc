"""Parameter: a trainable array and its gradient (torch.nn.Parameter)."""

import numpy as np


class Parameter:
    """A trainable array ``data`` and its gradient ``grad`` (same shape and dtype).

    Optimizers read ``grad`` and update ``data`` in place; ``backward`` adds into ``grad``.

    ``zero_grad()`` clears ``grad`` lazily: it marks the gradient as zero, and the array is filled
    with zeros when ``grad`` is next read, or overwritten by ``accumulate_matmul`` (``grad += a @ b``
    written straight into the array). For a large weight that saves a fill and a temporary of its
    size every step. Read ``param.grad`` rather than keep the array: a reference taken before
    ``zero_grad()`` is cleared only when ``grad`` is next read or written.
    """

    def __init__(self, data):
        self.data = np.asarray(data)
        self.grad = np.zeros_like(self.data)

    @property
    def grad(self):
        if self._grad_is_zero:  # zero_grad() deferred the fill to the first read
            self._grad.fill(0)
            self._grad_is_zero = False
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = value
        self._grad_is_zero = False

    def zero_grad(self):
        """Make ``grad`` zeros (lazily, see the class docstring); the array object stays the same."""
        self._grad_is_zero = True

    def accumulate_matmul(self, a, b):
        """``grad += a @ b``; right after ``zero_grad()`` the product is written into ``grad`` directly."""
        if self._grad_is_zero:
            np.matmul(a, b, out=self._grad)
            self._grad_is_zero = False
        else:
            self._grad += a @ b

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def __repr__(self):
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"
