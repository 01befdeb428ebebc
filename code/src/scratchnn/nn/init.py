"""Weight initializers: each returns a ``(fan_in, fan_out)`` array, matching ``Linear``'s layout.

Signature ``init(fan_in, fan_out, rng, dtype)``. The aim is to keep the variance of activations
(forward) and gradients (backward) roughly constant from layer to layer:

* Xavier/Glorot (tanh, sigmoid): ``Var(W) = 2 / (fan_in + fan_out)``
* He/Kaiming (ReLU, which zeroes half its inputs): ``Var(W) = 2 / fan_in``
* LeCun (SELU, and a sound default for linear layers): ``Var(W) = 1 / fan_in``

A uniform distribution on ``[-a, a]`` has variance ``a**2 / 3``, hence the ``sqrt(6 / ...)`` bounds.
"""

import math

import numpy as np

# Scales are Python floats (math.sqrt): multiplying float32 samples by a NumPy float64 scalar
# would silently promote the weights to float64 (NumPy 2 promotion rules).


def xavier_normal(fan_in, fan_out, rng=None, dtype=np.float32):
    """Normal with std ``sqrt(2 / (fan_in + fan_out))`` (torch.nn.init.xavier_normal_)."""
    std = math.sqrt(2.0 / (fan_in + fan_out))
    return std * np.random.default_rng(rng).standard_normal((fan_in, fan_out), dtype=dtype)


def xavier_uniform(fan_in, fan_out, rng=None, dtype=np.float32):
    """Uniform on ``[-a, a]``, ``a = sqrt(6 / (fan_in + fan_out))`` (torch.nn.init.xavier_uniform_)."""
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return bound * _symmetric_uniform(fan_in, fan_out, rng, dtype)


def he_normal(fan_in, fan_out, rng=None, dtype=np.float32):
    """Normal with std ``sqrt(2 / fan_in)``
    (torch.nn.init.kaiming_normal_, nonlinearity="relu")."""
    std = math.sqrt(2.0 / fan_in)
    rng = np.random.default_rng(rng)
    return std * rng.standard_normal((fan_in, fan_out), dtype=dtype)


def he_uniform(fan_in, fan_out, rng=None, dtype=np.float32):
    """Uniform on ``[-a, a]``, ``a = sqrt(6 / fan_in)`` (torch.nn.init.kaiming_uniform_, "relu")."""
    bound = math.sqrt(6.0 / fan_in)
    return bound * _symmetric_uniform(fan_in, fan_out, rng, dtype)


def lecun_normal(fan_in, fan_out, rng=None, dtype=np.float32):
    """Normal with std ``sqrt(1 / fan_in)``."""
    std = math.sqrt(1.0 / fan_in)
    return std * np.random.default_rng(rng).standard_normal((fan_in, fan_out), dtype=dtype)


def zeros(fan_in, fan_out, rng=None, dtype=np.float32):
    """All zeros: every unit computes the same thing, so symmetry is never broken (a cautionary example)."""
    return np.zeros((fan_in, fan_out), dtype=dtype)


INITIALIZERS = {
    fn.__name__: fn for fn in (xavier_normal, xavier_uniform, he_normal, he_uniform, lecun_normal, zeros)
}


def get_initializer(init):
    """Resolve an initializer given by name (a key of ``INITIALIZERS``) or as a callable."""
    if callable(init):
        return init
    if init not in INITIALIZERS:
        raise ValueError(f"unknown initializer {init!r}; expected a callable or one of {sorted(INITIALIZERS)}")
    return INITIALIZERS[init]


def _symmetric_uniform(fan_in, fan_out, rng, dtype):
    """Uniform on ``[-1, 1)``, sampled directly in ``dtype``."""
    return 2.0 * np.random.default_rng(rng).random((fan_in, fan_out), dtype=dtype) - 1.0
