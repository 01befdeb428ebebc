"""Normalization layers: BatchNorm1d, LayerNorm, RMSNorm (torch.nn semantics and defaults)."""

import numpy as np

from .. import _validate
from .module import Module
from .parameter import Parameter


class BatchNorm1d(Module):
    """Normalize each feature over the batch: ``y = (x - mu) / sqrt(var + eps) * weight + bias``.

    Training: ``mu``, ``var`` are the batch mean and *biased* variance of ``x`` (N, C); the running
    estimates move by ``r = (1 - momentum) r + momentum * stat`` with the *unbiased* variance
    ``var * N / (N - 1)``. Eval: the running estimates replace the batch statistics.
    Backward (training), with ``xh`` the normalized input and ``dxh = g * weight``:
    ``dx = (dxh - mean(dxh) - xh * mean(dxh * xh)) / sqrt(var + eps)``, means over the batch.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, *, dtype=np.float32):
        self.num_features = _validate.integer("BatchNorm1d", "num_features", num_features)
        self.eps = _validate.real("BatchNorm1d", "eps", eps, low=0, low_open=True)
        self.momentum = _validate.real("BatchNorm1d", "momentum", momentum, low=0, high=1)
        self.weight = Parameter(np.ones(num_features, dtype=dtype))
        self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
        self._xhat = self._inv_std = None
        self._batch_stats = True

    def forward(self, x):
        # backward must follow the forward's mode, not the current one
        self._batch_stats = self.training
        if self.training:
            mean, var = x.mean(axis=0), x.var(axis=0)
            self._update_running_stats(mean, var, len(x))
        else:
            mean, var = self.running_mean, self.running_var
        self._inv_std = 1.0 / np.sqrt(var + self.eps)
        self._xhat = (x - mean) * self._inv_std
        return self._xhat * self.weight.data + self.bias.data

    def backward(self, grad_output):
        g = grad_output
        xhat = self._xhat
        self.weight.grad += (g * xhat).sum(axis=0)
        self.bias.grad += g.sum(axis=0)
        dxhat = g * self.weight.data
        if not self._batch_stats:  # running statistics are constants: the map is affine per feature
            return dxhat * self._inv_std
        return (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) * self._inv_std

    def _update_running_stats(self, mean, var, n):
        """``r = (1 - momentum) r + momentum * stat``, the variance unbiased;
        in place, so the buffers registered for state_dict stay the same
        arrays."""
        self.running_mean *= 1.0 - self.momentum
        self.running_mean += self.momentum * mean
        self.running_var *= 1.0 - self.momentum
        self.running_var += (self.momentum * n / (n - 1)) * var

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class LayerNorm(Module):
    """Normalize each sample over its last ``len(normalized_shape)`` axes, then scale and shift.

    ``y = (x - mu) / sqrt(var + eps) * weight + bias``, ``mu`` and biased ``var`` per sample;
    the same in training and eval. Backward, means over the normalized axes, ``dxh = g * weight``:
    ``dx = (dxh - mean(dxh) - xh * mean(dxh * xh)) / sqrt(var + eps)``.
    """

    def __init__(self, normalized_shape, eps=1e-5, *, bias=True, dtype=np.float32):
        self.normalized_shape = _as_shape("LayerNorm", normalized_shape)
        self.eps = _validate.real("LayerNorm", "eps", eps, low=0, low_open=True)
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype)) if bias else None
        self._axes = tuple(range(-len(self.normalized_shape), 0))
        self._xhat = self._inv_std = None

    def forward(self, x):
        mean = x.mean(axis=self._axes, keepdims=True)
        var = x.var(axis=self._axes, keepdims=True)
        self._inv_std = 1.0 / np.sqrt(var + self.eps)
        self._xhat = (x - mean) * self._inv_std
        y = self._xhat * self.weight.data
        if self.bias is not None:
            y += self.bias.data
        return y

    def backward(self, grad_output):
        g = grad_output
        xhat, axes = self._xhat, self._axes
        batch_axes = tuple(range(g.ndim - len(axes)))
        self.weight.grad += (g * xhat).sum(axis=batch_axes)
        if self.bias is not None:
            self.bias.grad += g.sum(axis=batch_axes)
        dxhat = g * self.weight.data
        centered = dxhat - dxhat.mean(axis=axes, keepdims=True)
        return (centered - xhat * (dxhat * xhat).mean(axis=axes, keepdims=True)) * self._inv_std

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine=True, bias={self.bias is not None}"


class RMSNorm(Module):
    """Scale each sample by its root mean square (no centering, no bias):
    ``y = x / rms * weight``.

    ``rms = sqrt(mean(x^2) + eps)`` over the last ``len(normalized_shape)``
    axes; ``eps=None`` uses ``finfo(x.dtype).eps`` like torch. Backward,
    with ``xh = x / rms`` and ``dxh = g * weight``:
    ``dx = (dxh - xh * mean(dxh * xh)) / rms``.
    """

    def __init__(self, normalized_shape, eps=None, *, dtype=np.float32):
        self.normalized_shape = _as_shape("RMSNorm", normalized_shape)
        if eps is not None:
            eps = _validate.real(
                "RMSNorm", "eps", eps, low=0, low_open=True
            )
        self.eps = eps
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
        self._axes = tuple(range(-len(self.normalized_shape), 0))
        self._xhat = self._inv_rms = None

    def forward(self, x):
        eps = float(np.finfo(x.dtype).eps) if self.eps is None else self.eps
        mean_square = (x * x).mean(axis=self._axes, keepdims=True)
        self._inv_rms = 1.0 / np.sqrt(mean_square + eps)
        self._xhat = x * self._inv_rms
        return self._xhat * self.weight.data

    def backward(self, grad_output):
        g = grad_output
        xhat, axes = self._xhat, self._axes
        batch_axes = tuple(range(g.ndim - len(axes)))
        self.weight.grad += (g * xhat).sum(axis=batch_axes)
        dxhat = g * self.weight.data
        mean_dxh_xh = (dxhat * xhat).mean(axis=axes, keepdims=True)
        return (dxhat - xhat * mean_dxh_xh) * self._inv_rms

    def extra_repr(self):
        shape, eps = self.normalized_shape, self.eps
        return f"{shape}, eps={eps}, elementwise_affine=True"


def _as_shape(owner, normalized_shape):
    sizes = normalized_shape if isinstance(normalized_shape, (tuple, list)) else (normalized_shape,)
    if not sizes:
        raise ValueError(f"{owner}: normalized_shape must name at least one axis, got {normalized_shape!r}")
    return tuple(_validate.integer(owner, "normalized_shape", size) for size in sizes)

