"""Self-check of your L2 weight penalty: ``check_l2_penalty``."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._common import (
    TOLERANCE,
    _StopChecking,
    CheckItem,
    CheckResult,
    _close,
    _compare,
    _error,
    _finite_difference_item,
    _maybe_array,
    _name,
    _run,
    _run_check,
    numerical_gradient,
)


def check_l2_penalty(function: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check ``function(weight, lam) -> (value, grad)`` against ``0.5·λ·‖W‖²`` and ``λ·W``.

    The ½ makes the gradient exactly ``λW``, the same as ``torch.optim.SGD(weight_decay=λ)``.
    """
    from scratchnn.nn import l2_penalty

    component = f"check_l2_penalty({_name(function)})"

    def run(items: list[CheckItem]) -> None:
        rng = np.random.default_rng(seed)
        weight = rng.normal(size=(5, 4))
        lam = 0.03
        expected_value, expected_grad = l2_penalty(weight, lam)
        output = _run(items, f"{_name(function)}(weight, lam)", lambda: function(weight.copy(), lam))
        if not (isinstance(output, tuple) and len(output) == 2):
            items.append(CheckItem("returns (value, grad)", False, hint="return a tuple: (penalty value, gradient array)"))
            raise _StopChecking
        value, grad = output
        got = None if value is None else _maybe_array(value)
        if got is None or got.size != 1:
            shape = "None" if value is None else f"shape {np.shape(value)}"
            items.append(CheckItem("value is one number", False,
                                   hint=f"the value is {shape}: return the penalty summed over all weights, "
                                        "a single float (0.5 * lam * np.sum(W ** 2))"))
            raise _StopChecking
        got = float(got.reshape(()))
        error = abs(got - expected_value) / expected_value
        hint = ""
        if error > TOLERANCE:
            if abs(got - 2 * expected_value) <= TOLERANCE * expected_value:
                hint = "the value is twice 0.5·λ·‖W‖²: keep the ½ so that the gradient is exactly λW"
            elif abs(got - expected_value / lam) <= TOLERANCE * expected_value / lam:
                hint = "the value is missing the factor λ"
            else:
                hint = "the penalty is 0.5 * lam * np.sum(W ** 2)"
        items.append(CheckItem("value = 0.5·λ·‖W‖²", error <= TOLERANCE, error, hint))
        if not _compare(items, "grad = λ·W", grad, expected_grad, 1, "the gradient"):
            got_grad = _maybe_array(grad)
            if got_grad is not None and got_grad.shape == weight.shape and _close(got_grad, 2 * expected_grad):
                items[-1].hint = "the gradient is 2λW: with the ½ in the value, d/dW of 0.5·λ·‖W‖² is λW"
        probe = weight.copy()
        numeric = numerical_gradient(lambda: float(function(probe, lam)[0]), probe)
        consistent = _error(np.asarray(function(weight.copy(), lam)[1], dtype=np.float64), numeric)
        items.append(_finite_difference_item(
            "finite-difference check (grad is the derivative of value)", consistent,
            "your gradient is not the derivative of your value",
        ))

    return _run_check(component, verbose, run)
