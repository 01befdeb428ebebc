"""Argument checks shared by the public API: one call per argument, one error message format.

Each check returns the value in the form the caller stores (a Python ``float`` or ``int``) or raises
a ``ValueError``/``TypeError`` that names the function, the argument, what was expected and what came.
"""

import math
import numbers


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


def _interval(low, high, low_open, high_open):
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g} and finite"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g} and finite"
    return "finite"
