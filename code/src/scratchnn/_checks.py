"""Checks shared by the whole package, so each quoted ``forward`` or ``__init__`` spends one line on them.

Argument checks (``real``, ``integer``, ``sequence``, ``distinct``) return the value in the form the
caller stores (a Python ``float`` or ``int``); array checks (``features_input``, ``finite_output``)
return the array in the form the maths uses. Every error names the function or layer, what it
expected and what came.
"""

import math
import numbers

import numpy as np


def real(owner, name, value, *, low=None, high=None, low_open=False, high_open=False):
    """A finite real number in the interval ``[low, high]`` (``(low, ...`` with ``low_open``) -> float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {value!r} ({type(value).__name__})")
    number = float(value)
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and (number >= high if high_open else number > high)
    if not math.isfinite(number) or too_low or too_high:
        raise ValueError(f"{owner}: {name} must be {_interval(low, high, low_open, high_open)}, got {value!r}")
    return number


def integer(owner, name, value, *, low=1):
    """A whole number (``3`` or ``3.0``, Python or NumPy) of at least ``low`` -> int."""
    expected = "a positive integer" if low == 1 else f"an integer >= {low}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be {expected}, got {value!r} ({type(value).__name__})")
    if not (math.isfinite(value) and value == int(value) and value >= low):
        raise ValueError(f"{owner}: {name} must be {expected}, got {value!r}")
    return int(value)


def sequence(owner, name, value, item="object"):
    """A list or tuple (not one bare object, a string or a generator used up by a first pass) -> list."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{owner}: {name} must be a list of {item}s, got {type(value).__name__}; "
                        f"wrap a single one in a list: {name}=[...]")
    return list(value)


def distinct(owner, what, positioned):
    """Refuse the same object twice (by identity) among ``(position, object)`` pairs, naming both positions."""
    first_seen = {}
    for position, item in positioned:
        if id(item) in first_seen:
            raise ValueError(f"{owner}: the same {what} appears twice, at positions {first_seen[id(item)]} and "
                             f"{position} ({type(item).__name__})")
        first_seen[id(item)] = position


def seeded_rng(owner, seed):
    """A ``numpy.random.Generator`` from ``seed`` (an int or a Generator, passed through); None is refused
    so that every run of the caller can be repeated."""
    if seed is None:
        raise ValueError(f"{owner} needs seed= (an int or a numpy Generator) so that runs are reproducible")
    return np.random.default_rng(seed)


def _interval(low, high, low_open, high_open):
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g} and finite"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g} and finite"
    return "finite"


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
