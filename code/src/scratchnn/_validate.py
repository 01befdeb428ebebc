"""Input checks the layers share, so each quoted ``forward`` spends one line on them.

Each check raises an error that names the layer, what it expected and what came, and returns the
array in the form the maths uses.
"""

import numpy as np


class NonFiniteInputError(ValueError):
    """A layer received NaN or inf. Inside ``fit``, with a finite batch, that means the run diverged."""


def features_input(module, x, in_features):
    """``x`` as a floating (batch, in_features) array in the module's dtype (its weight's)."""
    x = module._float_input(x)
    if x.ndim != 2 or x.shape[1] != in_features:
        raise ValueError(f"{type(module).__name__} expected input of shape (batch, {in_features}), got shape {x.shape}")
    return x.astype(module.weight.data.dtype, copy=False)


def finite_output(module, x, y):
    """Return ``y = f(x)``, or raise ``NonFiniteInputError`` if ``x`` held NaN or inf.

    For a layer that mixes each row of ``x`` into its row of ``y`` (Linear), a NaN or inf in ``x``
    reaches ``y``, so a finite ``y`` proves a finite ``x``; ``y`` is checked first because it is
    usually narrower (for MNIST's first layer 256 columns instead of 784).
    """
    if not np.isfinite(y).all() and not np.isfinite(x).all():
        raise NonFiniteInputError(f"{type(module).__name__} received an input of shape {x.shape} containing NaN or inf")
    return y
