"""The fully connected layer."""

import numpy as np

from .. import _validate
from .init import get_initializer
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """Affine map ``y = x @ W + b`` with ``W`` of shape ``(in_features, out_features)``.

    Backward, for upstream gradient ``g = dL/dy`` of shape ``(N, out_features)``:
    ``dL/dW = x^T g``, ``dL/db = sum_n g_n``, ``dL/dx = g W^T``.
    (torch stores ``W`` transposed, as ``(out_features, in_features)``.)

    Shapes: ``x`` (N, in_features), ``y`` and ``g`` (N, out_features).

    ``init`` is a name from ``scratchnn.nn.init`` or a callable ``(fan_in, fan_out, rng, dtype)``;
    ``rng`` is a ``numpy.random.Generator`` or a seed. Floating inputs of another precision are
    cast to the layer's dtype, so float64 data into a float32 network computes in float32.
    """

    def __init__(self, in_features, out_features, *, bias=True, init="he_normal", rng=None, dtype=np.float32):
        self.in_features = _validate.integer("Linear", "in_features", in_features)
        self.out_features = _validate.integer("Linear", "out_features", out_features)
        self.weight = Parameter(get_initializer(init)(in_features, out_features, rng, dtype))
        self.bias = Parameter(np.zeros(out_features, dtype=dtype)) if bias else None
        self._x = None

    def forward(self, x):
        self._x = x
        y = x @ self.weight.data
        if self.bias is not None:
            y += self.bias.data
        return y

    def backward(self, grad_output):
        g = grad_output
        self.weight.grad += self._x.T @ g
        if self.bias is not None:
            self.bias.grad += g.sum(axis=0)
        return g @ self.weight.data.T

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
