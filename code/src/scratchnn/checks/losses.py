"""Self-checks of your softmax and your fused softmax + cross-entropy loss."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._common import (
    _PRECISION_HINT,
    TOLERANCE,
    _StopChecking,
    _leaves_input_unchanged,
    CheckItem,
    CheckResult,
    _build,
    _close,
    _compare,
    _error,
    _finite_difference_item,
    _gradient_check,
    _low_precision,
    _maybe_array,
    _name,
    _run,
    _run_check,
    numerical_gradient,
)


def _reference_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def check_softmax(cls: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check ``cls()`` against the softmax over the last axis (stable for large logits).

    Contract: ``forward(logits)`` returns probabilities whose rows sum to 1; if the class has a
    ``backward(g)``, it returns ``s * (g - sum(g * s, axis=-1))``.
    """
    from scratchnn.nn import Softmax

    component = f"check_softmax({_name(cls)})"

    def run(items: list[CheckItem]) -> None:
        rng = np.random.default_rng(seed)
        batch, classes = 4, 5
        logits = rng.normal(scale=3.0, size=(batch, classes))
        upstream = rng.normal(size=(batch, classes))
        reference = Softmax()
        softmax = _build(cls, (), {}, f"{_name(cls)}()", items)
        _run(items, "forward", lambda: softmax.forward(-logits))  # backward must follow the *last* forward
        probabilities = _run(items, "forward", lambda: softmax.forward(logits.copy()))
        _leaves_input_unchanged(items, softmax, logits)
        if not _compare(items, "forward matches softmax", probabilities, reference.forward(logits), batch, "the output"):
            got = _maybe_array(probabilities)
            if got is not None and got.shape == logits.shape and np.allclose(got.sum(axis=0), 1):
                items[-1].hint = "the columns sum to 1: normalise each row (axis=-1, keepdims=True)"
            raise _StopChecking
        # The last row is far below the others: subtracting one global maximum underflows it to 0/0.
        large = np.array([[1000.0, 0.0, -1000.0], [800.0, 800.0, 0.0], [0.0, -1.0, -2.0]])
        row_max_hint = ("subtract each row's own maximum before np.exp, z - z.max(axis=-1, keepdims=True): "
                        "softmax(z) = softmax(z - max z) per row; one global maximum turns rows far below it into 0/0")
        stable = _run(items, "forward with logits of ±1000", lambda: softmax.forward(large.copy()), row_max_hint)
        if not _compare(items, "forward is stable for logits of ±1000", stable, _reference_softmax(large), 3, "the output"):
            items[-1].hint = row_max_hint
        if callable(getattr(softmax, "backward", None)):
            softmax.forward(logits.copy())
            grad = _run(items, "backward", lambda: softmax.backward(upstream))
            reference.forward(logits)
            _compare(items, "backward returns the Jacobian-vector product", grad, reference.backward(upstream), batch, "dL/dlogits")
            _gradient_check(items, softmax, logits, upstream, {})
        else:
            items.append(CheckItem("backward", True, skipped=True, hint="no backward method (optional: CrossEntropyLoss fuses it)"))

    return _run_check(component, verbose, run)


def check_softmax_cross_entropy(cls: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check a fused softmax + cross-entropy loss ``cls()``.

    Contract: ``forward(logits, labels)`` (or calling the object) returns the **mean** cross-entropy
    as a float, for logits of shape ``(N, C)`` and integer labels of shape ``(N,)``;
    ``backward()`` returns ``dL/dlogits = (softmax(logits) - onehot(labels)) / N``.
    """
    from scratchnn.nn import CrossEntropyLoss

    component = f"check_softmax_cross_entropy({_name(cls)})"

    def run(items: list[CheckItem]) -> None:
        rng = np.random.default_rng(seed)
        batch, classes = 8, 5
        logits = rng.normal(scale=2.0, size=(batch, classes))
        labels = rng.integers(0, classes, size=batch)
        reference = CrossEntropyLoss()
        loss = _build(cls, (), {}, f"{_name(cls)}()", items)
        forward = loss.forward if callable(getattr(loss, "forward", None)) else loss

        value = _run(items, "forward", lambda: forward(logits.copy(), labels.copy()))
        expected = float(reference(logits, labels))
        try:
            got = float(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError):
            items.append(CheckItem("loss is a single number", False, hint=f"forward returned {np.shape(value)}: return the mean over the batch"))
            raise _StopChecking
        error = abs(got - expected) / abs(expected)
        value_ok = error <= TOLERANCE
        hint = ""
        if not value_ok:
            if abs(got - expected * batch) <= TOLERANCE * abs(expected * batch):
                hint = f"the loss is N={batch} times too large: return the mean over the batch, not the sum"
            elif abs(got + expected) <= TOLERANCE * abs(expected):
                hint = "the loss has the wrong sign: cross-entropy is −mean(log p[label])"
            else:
                hint = "pick the log-probability of the correct class per row: log_p[np.arange(N), labels]"
        items.append(CheckItem("loss matches the mean cross-entropy", value_ok, error, hint))

        grad = _run(items, "backward", lambda: loss.backward())
        expected_grad = reference.backward()
        if not _compare(items, "backward returns (softmax − onehot) / N", grad, expected_grad, batch, "dL/dlogits"):
            got_grad = _maybe_array(grad)
            if got_grad is not None and got_grad.shape == logits.shape:
                if _close(got_grad, _reference_softmax(logits) / batch):
                    items[-1].hint = "dL/dlogits is softmax/N: subtract the one-hot of the labels"
                elif _close(got_grad, _reference_softmax(logits)):
                    items[-1].hint = "dL/dlogits is softmax alone: subtract the one-hot and divide by N"

        large = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, -1000.0], [0.0, -1.0, -2.0]])
        large_labels = np.array([0, 2, 0])
        extreme = _run(
            items,
            "loss with logits of ±1000",
            lambda: forward(large.copy(), large_labels.copy()),
            "use log-sum-exp: log p = z − max z − log Σ exp(z − max z)",
        )
        expected_extreme = float(CrossEntropyLoss()(large, large_labels))
        got_extreme = float(np.asarray(extreme, dtype=np.float64))
        stable = bool(np.isfinite(got_extreme)) and abs(got_extreme - expected_extreme) <= TOLERANCE * expected_extreme
        hint = ""
        if not stable and abs(got_extreme - expected_extreme * len(large)) <= TOLERANCE * expected_extreme * len(large):
            hint = "stable, but the sum over the batch: return the mean (the same fix as above)"
        elif not stable:
            hint = ("use log-sum-exp with each row's own maximum: log p = z − max z − log Σ exp(z − max z); "
                    "never take log(softmax)")
        items.append(CheckItem("stable for logits of ±1000 (loss 1000 for a sure wrong answer)", stable, hint=hint))

        def objective() -> float:
            return float(np.asarray(forward(probe, labels), dtype=np.float64))

        probe = logits.copy()
        value = forward(probe, labels)
        analytic_raw = loss.backward()
        analytic = np.asarray(analytic_raw, dtype=np.float64)
        numeric = numerical_gradient(objective, probe)
        error = _error(analytic, numeric)
        precision = _low_precision(value) or _low_precision(analytic_raw)
        items.append(_finite_difference_item(
            "finite-difference gradient check (logits)", error,
            _PRECISION_HINT if precision else "backward does not differentiate what forward computes",
        ))

    return _run_check(component, verbose, run)
