"""Activation functions, as plain functions (``name(x)``, ``name_grad(x)``, handy for plots) and as modules.

Each module's forward stores only what its backward needs (often its own output), so backward
never recomputes the forward pass.
"""

import math

import numpy as np

from .. import _validate
from ._erf import erfc
from .module import Module

# --- plain functions -------------------------------------------------------------------------


def sigmoid(x):
    """``1 / (1 + exp(-x))``. For very negative ``x``, ``exp(-x)`` overflows to inf and the result is
    exactly 0, the correct limit, so that overflow is silenced rather than branched around (a masked
    ``np.where`` version is several times slower)."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(x)))


def sigmoid_grad(x):
    return sigmoid_grad_from_output(sigmoid(x))


def sigmoid_grad_from_output(s):
    """``ds/dx = s (1 - s)``: the derivative from the output ``s = sigmoid(x)`` alone."""
    return s * (1.0 - s)


def tanh(x):
    return np.tanh(x)


def tanh_grad(x):
    return tanh_grad_from_output(np.tanh(x))


def tanh_grad_from_output(t):
    """``dt/dx = 1 - t^2``: the derivative from the output ``t = tanh(x)`` alone."""
    return 1.0 - t * t


def relu(x):
    return np.maximum(x, 0)


def relu_grad(x):
    """0 for ``x <= 0``, 1 for ``x > 0`` (torch also uses 0 at exactly 0)."""
    x = np.asarray(x)
    return (x > 0).astype(x.dtype)


def leaky_relu(x, negative_slope=0.01):
    x = np.asarray(x)
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x, negative_slope=0.01):
    return _leaky_slope(np.asarray(x), negative_slope)


_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_TANH_C = math.sqrt(2.0 / math.pi)


def gelu(x, approximate="none"):
    """GELU ``x * Phi(x)`` with ``Phi`` the standard normal CDF (``approximate="tanh"``: torch's tanh form)."""
    return _gelu_parts(np.asarray(x), approximate)[0]


def gelu_grad(x, approximate="none"):
    x = np.asarray(x)
    return _gelu_derivative(x, _gelu_parts(x, approximate)[1], approximate)


def silu(x):
    """SiLU (swish) ``x * sigmoid(x)``."""
    x = np.asarray(x)
    return x * sigmoid(x)


def silu_grad(x):
    x = np.asarray(x)
    return silu_grad_from_parts(x, sigmoid(x))


def silu_grad_from_parts(x, s):
    """``d/dx [x s] = s (1 + x (1 - s))`` from ``x`` and ``s = sigmoid(x)``."""
    return s * (1.0 + x * (1.0 - s))


def softmax(x, axis=-1):
    """``exp(x_i) / sum_j exp(x_j)`` along ``axis``; shifting by the max leaves it unchanged but avoids overflow."""
    x = np.asarray(x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


# --- modules ---------------------------------------------------------------------------------


class Sigmoid(Module):
    """``s = 1 / (1 + exp(-x))``; ``ds/dx = s (1 - s)``, so backward needs only the output."""

    def __init__(self):
        self._out = None

    def forward(self, x):
        self._out = sigmoid(x)
        return self._out

    def backward(self, grad_output):
        return grad_output * sigmoid_grad_from_output(self._out)


class Tanh(Module):
    """``t = tanh(x)``; ``dt/dx = 1 - t^2``."""

    def __init__(self):
        self._out = None

    def forward(self, x):
        self._out = np.tanh(x)
        return self._out

    def backward(self, grad_output):
        return grad_output * tanh_grad_from_output(self._out)


class ReLU(Module):
    """``max(x, 0)``; the gradient passes where ``x > 0`` and is 0 elsewhere (a stored mask)."""

    def __init__(self):
        self._mask = None

    def forward(self, x):
        self._mask = x > 0
        return np.maximum(x, 0)

    def backward(self, grad_output):
        return grad_output * self._mask


class LeakyReLU(Module):
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise; forward stores that local slope (1 or
    ``negative_slope``), so both passes are one multiplication: ``y = slope * x``, ``dx = slope * g``."""

    def __init__(self, negative_slope=0.01):
        self.negative_slope = _validate.real("LeakyReLU", "negative_slope", negative_slope)
        self._slope = None

    def forward(self, x):
        self._slope = _leaky_slope(x, self.negative_slope)  # 1 where x > 0, negative_slope elsewhere
        return x * self._slope

    def backward(self, grad_output):
        return grad_output * self._slope

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class GELU(Module):
    """Gaussian error linear unit ``x * Phi(x)``, ``Phi`` the standard normal CDF.

    Exact: ``Phi(x) = erfc(-x / sqrt(2)) / 2`` and ``d/dx = Phi(x) + x phi(x)``.
    ``approximate="tanh"``: ``0.5 x (1 + t)``, ``t = tanh(sqrt(2/pi) (x + 0.044715 x^3))``.
    Forward keeps ``x`` and ``Phi(x)`` (or ``t``), all backward needs.
    """

    def __init__(self, approximate="none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU expected approximate='none' or 'tanh', got {approximate!r}")
        self.approximate = approximate
        self._x = self._cdf = None

    def forward(self, x):
        self._x = x
        y, self._cdf = _gelu_parts(x, self.approximate)
        return y

    def backward(self, grad_output):
        return grad_output * _gelu_derivative(self._x, self._cdf, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """``x * s`` with ``s = sigmoid(x)``; ``d/dx = s (1 + x (1 - s))``."""

    def __init__(self):
        self._x = self._sig = None

    def forward(self, x):
        self._x = x
        self._sig = sigmoid(x)
        return x * self._sig

    def backward(self, grad_output):
        return grad_output * silu_grad_from_parts(self._x, self._sig)


class Softmax(Module):
    """``s = softmax(x)`` along ``axis``; backward is the Jacobian-vector product ``s * (g - sum(g * s))``."""

    def __init__(self, axis=-1):
        self.axis = axis
        self._out = None

    def forward(self, x):
        self._out = softmax(x, self.axis)
        return self._out

    def backward(self, grad_output):
        g, s = grad_output, self._out
        return s * (g - (g * s).sum(axis=self.axis, keepdims=True))

    def extra_repr(self):
        return f"axis={self.axis}"


# --- helpers ---------------------------------------------------------------------------------


def _leaky_slope(x, negative_slope):
    """``np.where(x > 0, 1, negative_slope)`` in ``x``'s dtype, by arithmetic on the mask: several
    times faster than ``np.where`` on random signs."""
    slope = (x > 0).astype(x.dtype)
    slope *= 1.0 - negative_slope
    slope += negative_slope
    return slope


def _gelu_parts(x, approximate):
    """Return the GELU output and what its derivative reuses: ``Phi(x)``
    (exact) or ``t`` (tanh form)."""
    if approximate == "tanh":
        t = np.tanh(_GELU_TANH_C * (x + 0.044715 * x * x * x))
        return 0.5 * x * (1.0 + t), t
    cdf = 0.5 * erfc(-_SQRT_HALF * x)
    return x * cdf, cdf


def _gelu_derivative(x, cdf_or_t, approximate):
    if approximate == "tanh":
        t = cdf_or_t
        inner_grad = _GELU_TANH_C * (1.0 + 3 * 0.044715 * x * x)
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * inner_grad
    pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
    return cdf_or_t + x * pdf
