"""The fully connected layer."""

import numpy as np

from .init import get_initializer
from .module import Module, Parameter


class Linear(Module):
    """Affine map ``y = x @ W + b`` with ``W`` of shape ``(in_features, out_features)``.

    Backward, for upstream gradient ``g = dL/dy`` of shape ``(N, out_features)``:
    ``dL/dW = x^T g``, ``dL/db = sum_n g_n``, ``dL/dx = g W^T``.
    (torch stores ``W`` transposed, as ``(out_features, in_features)``.)

    ``init`` is a name from ``scratchnn.init`` or a callable ``(fan_in, fan_out, rng, dtype)``;
    ``rng`` is a ``numpy.random.Generator`` or a seed. Floating inputs of another precision are
    cast to the layer's dtype, so float64 data into a float32 network computes in float32.
    """

    can_skip_input_grad = True

    def __init__(self, in_features, out_features, *, bias=True, init="he_normal", rng=None, dtype=np.float32):
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(get_initializer(init)(in_features, out_features, rng, dtype))
        self.bias = Parameter(np.zeros(out_features, dtype=dtype)) if bias else None
        self._x = None

    def forward(self, x):
        x = self._float_input(x)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(
                f"Linear expected input of shape (batch, {self.in_features}), got shape {x.shape}"
            )
        x = x.astype(self.weight.data.dtype, copy=False)
        self._x = x
        y = x @ self.weight.data
        if self.bias is not None:
            y += self.bias.data
        # A NaN or inf in a row of x spreads to that whole row of y, so a finite y proves a finite x:
        # checking the (narrower) output first costs a third of checking x for MNIST's first layer.
        if not np.isfinite(y).all() and not np.isfinite(x).all():
            raise ValueError(f"Linear received an input of shape {x.shape} containing NaN or inf")
        return y

    def backward(self, grad_output, *, input_grad=True):
        g = self._check_grad(grad_output, self._x, self.out_features)
        self.weight.accumulate_matmul(self._x.T, g)  # grad += x^T g, without a temporary after zero_grad
        if self.bias is not None:
            self.bias.grad += g.sum(axis=0)
        # input_grad=False (first layer in training): dL/dx is unused and costs a full matmul.
        return g @ self.weight.data.T if input_grad else None

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
