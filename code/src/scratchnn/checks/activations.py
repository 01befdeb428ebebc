"""Self-checks of your activations: ``check_activation`` (any of scratchnn's, by name) and ``check_relu``."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..nn._catalog import hidden_activations
from ._common import (
    TOLERANCE,
    _EARLIER_FORWARD_HINT,
    _StopChecking,
    _leaves_input_unchanged,
    CheckItem,
    CheckResult,
    _build,
    _close,
    _compare,
    _gradient_check,
    _maybe_array,
    _name,
    _run,
    _run_check,
)


def check_activation(
    cls: Callable[..., Any], name: str, *, seed: int = 0, verbose: bool = True, **kwargs: Any
) -> CheckResult:
    """Check an element-wise activation ``cls(**kwargs)`` against scratchnn's ``name``.

    ``name`` is one of ``sigmoid``, ``tanh``, ``relu``, ``leaky_relu``, ``gelu``, ``silu``; extra
    keyword arguments (e.g. ``negative_slope=0.01``) are passed to both classes.
    Contract: ``forward(x)`` returns ``f(x)`` without changing ``x``; ``backward(g)`` returns
    ``g * f'(x)`` using what forward stored.
    """
    activations = hidden_activations()
    key = name.lower().replace("-", "_")
    if key not in activations:
        raise ValueError(f"check_activation: unknown activation {name!r}; expected one of {sorted(activations)}")
    reference = activations[key](**kwargs)
    component = f"check_activation({_name(cls)}, {key!r})"

    def run(items: list[CheckItem]) -> None:
        rng = np.random.default_rng(seed)
        batch = 6
        # Moderate values exercise both sides of every kink; ±30 exercises saturation and overflow; the
        # exact 0 tells (x > 0) from (x >= 0) in ReLU's derivative, as torch defines it (0 at 0).
        x = np.concatenate([rng.normal(scale=2.0, size=(batch, 5)),
                            np.array([[-30.0, -1e-3, 0.0, 0.5, 1e-3, 30.0]] * batch)], axis=1)
        upstream = rng.normal(size=x.shape)
        # Finite differences straddling a kink average both slopes: they see x = 0 shifted a little.
        x_smooth = np.where(x == 0, 0.25, x)
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        activation = _build(cls, (), kwargs, f"{_name(cls)}({args})", items)
        x_earlier = -x[::-1]  # backward must follow the *last* forward
        _run(items, "forward", lambda: activation.forward(x_earlier.copy()), "use a numerically stable form")
        y = _run(items, "forward", lambda: activation.forward(x.copy()), "use a numerically stable form")
        expected = reference.forward(x.copy())
        _leaves_input_unchanged(items, activation, x)
        if not _compare(items, f"forward matches {key}", y, expected, batch, "the output"):
            raise _StopChecking
        grad = _run(items, "backward", lambda: activation.backward(upstream))
        expected_grad = reference.backward(upstream)
        if not _compare(items, "backward returns grad_output * f'(x)", grad, expected_grad, batch, "dL/dx"):
            got = _maybe_array(grad)
            if got is not None and got.shape == upstream.shape:
                at_zero = x == 0
                earlier = type(reference)(**kwargs)
                earlier.forward(x_earlier.copy())
                if _close(got, earlier.backward(upstream)):
                    items[-1].hint = f"dL/dx {_EARLIER_FORWARD_HINT}"
                elif _close(got, upstream):
                    items[-1].hint = "backward returned grad_output unchanged: multiply it by the derivative f'(x)"
                elif _close(got, expected_grad / np.where(upstream == 0, 1, upstream)):
                    items[-1].hint = "backward returned f'(x) alone: multiply it by grad_output (chain rule)"
                elif np.allclose(got[~at_zero], expected_grad[~at_zero], rtol=0, atol=TOLERANCE * np.abs(expected_grad).max()):
                    items[-1].hint = ("wrong only where x is exactly 0: take the left slope there, as torch does "
                                      "(for ReLU the mask is x > 0, not x >= 0)")
        _gradient_check(items, activation, x_smooth, upstream, {})
        extreme = np.array([[-1000.0, -500.0, 500.0, 1000.0]])
        y_extreme = _run(
            items,
            "forward at ±1000 without overflow",
            lambda: activation.forward(extreme.copy()),
            "rewrite the formula so that np.exp only sees non-positive numbers, e.g. exp(-|x|)",
        )
        _compare(items, "forward at ±1000 is finite and right", y_extreme, reference.forward(extreme.copy()), 1, "the output")

    return _run_check(component, verbose, run)


def check_relu(cls: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check ``cls()`` against ReLU: ``forward(x) = max(x, 0)``, ``backward(g) = g * (x > 0)``."""
    result = check_activation(cls, "relu", seed=seed, verbose=False)
    result.component = f"check_relu({_name(cls)})"
    if verbose:
        print(result.report())
    return result
