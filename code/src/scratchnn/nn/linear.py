"""The fully connected layer."""

import numpy as np

from .. import _checks
from .init import get_initializer
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """Affine map ``y = x @ W + b`` with ``W`` of shape ``(in_features, out_features)``.

    Backward, for upstream gradient ``g = dL/dy`` of shape ``(N, out_features)``:
    ``dL/dW = x^T g``, ``dL/db = sum_n g_n``, ``dL/dx = g W^T``.
    (torch stores ``W`` transposed, as ``(out_features, in_features)``.)

    Shapes: ``x`` (N, in_features), ``y`` and ``g`` (N, out_features). With ``input_grad=False``
    backward skips ``dL/dx`` (see ``nn.module.backward_for_step``).

    ``init`` is a name from ``scratchnn.nn.init`` or a callable ``(fan_in, fan_out, rng, dtype)``;
    ``rng`` is a ``numpy.random.Generator`` or a seed. Floating inputs of another precision are
    cast to the layer's dtype, so float64 data into a float32 network computes in float32.
    """

    can_skip_input_grad = True  # see nn.module.backward_for_step

    def __init__(self, in_features, out_features, *, bias=True, init="he_normal", rng=None, dtype=np.float32):
        self.in_features = _checks.integer("Linear", "in_features", in_features)
        self.out_features = _checks.integer("Linear", "out_features", out_features)
        self.weight = Parameter(get_initializer(init)(in_features, out_features, rng, dtype))
        self.bias = Parameter(np.zeros(out_features, dtype=dtype)) if bias else None
        self._x = None

    def forward(self, x):
        x = _checks.features_input(self, x, self.in_features)
        self._x = x
        y = x @ self.weight.data
        if self.bias is not None:
            y += self.bias.data
        return _checks.finite_output(self, x, y)

    def backward(self, grad_output, *, input_grad=True):
        g = self._check_grad(grad_output, self._x, self.out_features)
        self.weight.accumulate_matmul(self._x.T, g)  # dL/dW += x^T g
        if self.bias is not None:
            self.bias.grad += g.sum(axis=0)
        return g @ self.weight.data.T if input_grad else None

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
