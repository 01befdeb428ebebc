"""Self-checks for a learner's own implementations.

Each ``check_*`` function takes **your** class, builds it, runs it on small random float64
inputs and compares it with three things:

* the shapes the contract asks for;
* scratchnn's reference implementation (the one the book shows);
* central finite differences of your own ``forward`` (does your ``backward`` match your forward?).

It prints a short report — what passed, what failed, the largest error, and a hint for the usual
mistakes (a missing ``1/N``, a transposed weight, a flipped sign, forgotten running statistics…) — and
returns a :class:`CheckResult` (``result.passed``, ``result.items``, ``result.max_error``).

The contract your class follows (the same as scratchnn's ``Module``; you may subclass
``scratchnn.Module`` but you don't have to):

* ``forward(x)`` returns the output; ``backward(grad_output)`` returns ``dL/dx``.
* Learnable tensors are ``scratchnn.Parameter`` objects (``p = Parameter(array)``) with ``.data`` and
  ``.grad`` (same shape). ``backward`` **adds** (``+=``) into ``p.grad``; the optimizer's
  ``zero_grad()`` clears them.
* Layers with learnable tensors name them ``weight`` and ``bias`` (like PyTorch).
* Layers that behave differently in training and evaluation read ``self.training``
  (``train()``/``eval()`` methods are used when present).
* Don't hard-code ``float32``: the checks use float64 so that they can see small errors.

"Error" in the reports is ``max|yours - reference| / max|reference|``: 1e-16 is exact, anything under
``TOLERANCE`` passes, 1 means the answer is as large as the error.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .gradcheck import FINITE_DIFFERENCE_TOLERANCE, numerical_gradient

__all__ = [
    "TOLERANCE",
    "FINITE_DIFFERENCE_TOLERANCE",
    "CheckItem",
    "CheckResult",
    "check_activation",
    "check_batchnorm",
    "check_dropout",
    "check_l2_penalty",
    "check_layernorm",
    "check_linear",
    "check_relu",
    "check_sgd",
    "check_softmax",
    "check_softmax_cross_entropy",
]

#: Largest accepted error (relative to the largest reference value) in float64.
TOLERANCE = 1e-6
# A learner's class whose backward is right but that computes in float32 lands near 1e-7..1e-6;
# anything clearly above this is a real mistake rather than rounding.
_FLOAT32_HINT_THRESHOLD = 1e-4


@dataclass
class CheckItem:
    """One line of a report: what was checked, whether it passed, the error and a hint."""

    name: str
    passed: bool
    error: float | None = None
    hint: str = ""
    skipped: bool = False

    def line(self) -> str:
        mark = "-" if self.skipped else ("✓" if self.passed else "✗")
        text = f"  {mark} {self.name}"
        if self.error is not None:
            text += f" (max error {self.error:.1e})"
        if self.skipped:
            text += " — skipped"
        if self.hint:
            text += f"\n      hint: {self.hint}"
        return text


@dataclass
class CheckResult:
    """The outcome of one ``check_*`` call; truthy when every check passed."""

    component: str
    items: list[CheckItem] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.items) and all(item.passed or item.skipped for item in self.items)

    @property
    def failures(self) -> list[CheckItem]:
        return [item for item in self.items if not (item.passed or item.skipped)]

    @property
    def hints(self) -> list[str]:
        return [item.hint for item in self.failures if item.hint]

    @property
    def max_error(self) -> float | None:
        errors = [item.error for item in self.items if item.error is not None]
        return max(errors) if errors else None

    def __bool__(self) -> bool:
        return self.passed

    def report(self) -> str:
        ran = [item for item in self.items if not item.skipped]
        n_passed = sum(item.passed for item in ran)
        verdict = "all passed" if self.passed else f"{len(self.failures)} failed"
        header = f"{self.component}: {n_passed} of {len(ran)} checks passed — {verdict}"
        if self.max_error is not None:
            header += f" (largest error {self.max_error:.1e})"
        return "\n".join([header, *(item.line() for item in self.items)])

    def __str__(self) -> str:
        return self.report()


def _unusable(error: BaseException) -> CheckItem:
    """The report line for a value of the learner's code that the check could not work with."""
    return CheckItem("your code returned something the check could not use", False,
                     hint=f"{_describe_exception(error)} — return NumPy float arrays (and floats for losses) "
                     "and keep .data and .grad arrays of the parameter's shape")


class _StopChecking(Exception):
    """Raised inside a check when later checks cannot run (e.g. the class cannot be built)."""


# --------------------------------------------------------------------------------------------------
# Helpers shared by the checks
# --------------------------------------------------------------------------------------------------


def _error(got: np.ndarray, expected: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(expected))), 1e-12) if np.size(expected) else 1.0
    return float(np.max(np.abs(np.asarray(got, dtype=np.float64) - expected))) / scale


def _close(got: np.ndarray, expected: np.ndarray, tolerance: float = TOLERANCE) -> bool:
    return got.shape == expected.shape and _error(got, expected) <= tolerance


def _describe_exception(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _as_array(value: Any, what: str) -> np.ndarray:
    if value is None:
        raise _Mismatch(f"{what} returned None", "return the array (did you forget `return`?)")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise _Mismatch(f"{what} returned {type(value).__name__}", "return a NumPy array") from error


def _maybe_array(value: Any) -> np.ndarray | None:
    """``value`` as a float64 array for a hint's comparisons, or None when it is not numeric."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _low_precision(value: Any) -> bool:
    return getattr(value, "dtype", None) in (np.float32, np.float16)


_PRECISION_HINT = ("your code computes in float32 (or float16): the checks use float64 to see small errors — "
                   "keep the dtype of the input instead of converting (no .astype(np.float32), no dtype=np.float32)")


class _Mismatch(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def _explain_mismatch(got: np.ndarray, expected: np.ndarray, batch_size: int, what: str) -> str:
    """A hint naming the usual mistake that turns ``expected`` into ``got``, if one fits."""
    if got.shape != expected.shape:
        if got.ndim == 2 and got.shape == expected.T.shape:
            return (
                f"{what} has shape {got.shape} but should have {expected.shape}: it is transposed "
                "(for y = x @ W + b, dW = x.T @ grad_output)"
            )
        return f"{what} has shape {got.shape} but should have {expected.shape}"
    if not np.all(np.isfinite(got)):
        return f"{what} contains NaN or inf"
    if _close(got, -expected):
        return f"{what} has the wrong sign"
    if batch_size > 1 and _close(got, expected * batch_size):
        return (
            f"{what} is N={batch_size} times too large: a missing 1/N — the loss is the mean over the batch"
        )
    if batch_size > 1 and _close(got, expected / batch_size):
        return (
            f"{what} is N={batch_size} times too small: divided by N once too often — only the loss "
            "divides by N; the layers just pass gradients on"
        )
    if np.all(got == 0):
        return f"{what} is all zeros: was it computed and stored?"
    return f"{what} differs from the reference; compare your formula with the one in the lab"


def _compare(
    items: list[CheckItem], name: str, got: Any, expected: np.ndarray, batch_size: int, what: str
) -> bool:
    try:
        array = _as_array(got, what)
    except _Mismatch as mismatch:
        items.append(CheckItem(name, False, hint=f"{mismatch} — {mismatch.hint}"))
        return False
    if array.shape == expected.shape and np.all(np.isfinite(array)):
        error = _error(array, expected)
        if error <= TOLERANCE:
            items.append(CheckItem(name, True, error))
            return True
        hint = _explain_mismatch(array, expected, batch_size, what)
        if error < _FLOAT32_HINT_THRESHOLD and _low_precision(got):
            hint = _PRECISION_HINT
        items.append(CheckItem(name, False, error, hint))
        return False
    items.append(CheckItem(name, False, hint=_explain_mismatch(array, expected, batch_size, what)))
    return False


def _build(cls: Callable[..., Any], args: tuple, kwargs: dict, usage: str, items: list[CheckItem]) -> Any:
    if not isinstance(cls, type) and (callable(getattr(cls, "forward", None)) or not callable(cls)):
        items.append(CheckItem(
            f"build {usage}", False,
            hint=f"you passed an instance, {type(cls).__name__}(...): pass the class itself, {type(cls).__name__}, "
                 "without parentheses; the check builds it with the arguments it needs",
        ))
        raise _StopChecking
    try:
        instance = cls(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - any failure of the learner's constructor is reported
        items.append(
            CheckItem(
                f"build {usage}",
                False,
                hint=f"{_describe_exception(error)} — the contract is {usage}",
            )
        )
        raise _StopChecking from error
    items.append(CheckItem(f"build {usage}", True))
    return instance


def _run(items: list[CheckItem], name: str, function: Callable[[], Any], hint: str = "") -> Any:
    """Call the learner's code; an exception becomes a failed item and stops the check."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            return function()
    except RuntimeWarning as warning:
        items.append(
            CheckItem(name, False, hint=f"NumPy warned: {warning} — {hint or 'look for overflow or 0/0'}")
        )
    except Exception as error:  # noqa: BLE001 - the learner's exception is the finding
        message = _describe_exception(error)
        if "align" in message or "matmul" in message or "broadcast" in message:
            message += (
                " — check the shapes: x is (N, in_features), weight is (in_features, out_features), "
                "and each gradient has the shape of what it differentiates (is one transposed?)"
            )
        items.append(CheckItem(name, False, hint=message))
    raise _StopChecking


def _parameter(instance: Any, attribute: str, shape: tuple, items: list[CheckItem], component: str) -> Any:
    value = getattr(instance, attribute, None)
    if value is None:
        items.append(
            CheckItem(
                f"attribute {attribute}",
                False,
                hint=f"{component} has no attribute `{attribute}`: store it as self.{attribute} = Parameter(array)",
            )
        )
        raise _StopChecking
    if isinstance(value, np.ndarray):
        items.append(
            CheckItem(
                f"attribute {attribute}",
                False,
                hint=f"`{attribute}` is a plain array: wrap it as scratchnn.Parameter(array) so that it "
                "carries .data and .grad",
            )
        )
        raise _StopChecking
    if not (hasattr(value, "data") and hasattr(value, "grad")):
        items.append(
            CheckItem(f"attribute {attribute}", False, hint=f"`{attribute}` needs .data and .grad (a Parameter)")
        )
        raise _StopChecking
    got_shape = np.shape(value.data)
    if got_shape != shape:
        hint = f"{attribute}.data has shape {got_shape}, expected {shape}"
        if len(shape) == 2 and got_shape == shape[::-1]:
            hint += (
                ": the weight is transposed — scratchnn stores (in_features, out_features) and computes "
                "y = x @ W + b (PyTorch stores (out, in) and computes x @ W.T)"
            )
        items.append(CheckItem(f"attribute {attribute} {shape}", False, hint=hint))
        raise _StopChecking
    items.append(CheckItem(f"attribute {attribute} {shape}", True))
    return value


def _load(parameter: Any, values: np.ndarray) -> None:
    parameter.data = values.astype(np.float64, copy=True)
    parameter.grad = np.zeros_like(parameter.data)


def _zero_grads(parameters: list[Any]) -> None:
    for parameter in parameters:
        parameter.grad = np.zeros_like(parameter.data)


def _set_mode(instance: Any, training: bool) -> None:
    method = getattr(instance, "train" if training else "eval", None)
    if callable(method):
        if training:
            method(True)
        else:
            method()
    else:
        instance.training = training


def _gradient_check(
    items: list[CheckItem],
    instance: Any,
    x: np.ndarray,
    upstream: np.ndarray,
    parameters: dict[str, Any],
) -> None:
    """Compare the learner's backward with finite differences of the learner's own forward."""
    probe = np.array(x, dtype=np.float64, copy=True)

    def objective() -> float:
        return float(np.sum(np.asarray(instance.forward(probe), dtype=np.float64) * upstream))

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            _zero_grads(list(parameters.values()))
            instance.forward(probe)
            analytic_input = np.asarray(instance.backward(upstream), dtype=np.float64)
            analytic = {name: np.array(p.grad, dtype=np.float64) for name, p in parameters.items()}
            numeric_input = numerical_gradient(objective, probe)
            numeric = {name: numerical_gradient(objective, p.data) for name, p in parameters.items()}
    except Exception as error:  # noqa: BLE001 - reported, not raised
        items.append(CheckItem("finite-difference gradient check", False, hint=_describe_exception(error)))
        return
    worst, worst_name = 0.0, "input"
    for name, got, expected in [("input", analytic_input, numeric_input)] + [
        (name, analytic[name], numeric[name]) for name in parameters
    ]:
        if got.shape != expected.shape:
            worst, worst_name = float("inf"), name
            break
        error = _error(got, expected)
        if error > worst:
            worst, worst_name = error, name
    names = ", ".join(["input", *parameters])
    hint = (f"the gradient for {worst_name} from your backward disagrees with finite differences of your own "
            "forward: backward does not differentiate what forward computes")
    if _low_precision(instance.forward(probe)) or _low_precision(analytic_input):
        hint = _PRECISION_HINT
    items.append(_finite_difference_item(f"finite-difference gradient check ({names})", worst, hint))


def _finite_difference_item(name: str, error: float, hint: str) -> CheckItem:
    """A report line for a finite-difference comparison; the hint shows only when it fails."""
    passed = error <= FINITE_DIFFERENCE_TOLERANCE
    return CheckItem(name, passed, error, "" if passed else hint)


def _finish(component: str, items: list[CheckItem], verbose: bool) -> CheckResult:
    result = CheckResult(component, items)
    if verbose:
        print(result.report())
    return result


def _name(cls: Any) -> str:
    return getattr(cls, "__name__", type(cls).__name__)


# --------------------------------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------------------------------


def check_linear(cls: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check a fully connected layer ``cls(in_features, out_features)``.

    Contract: ``weight`` is a Parameter of shape ``(in_features, out_features)``, ``bias`` of shape
    ``(out_features,)``; ``forward(x) = x @ weight.data + bias.data``; ``backward(g)`` returns
    ``g @ W.T`` and adds ``x.T @ g`` to ``weight.grad`` and ``g.sum(axis=0)`` to ``bias.grad``.
    """
    from scratchnn.nn import Linear

    component = f"check_linear({_name(cls)})"
    items: list[CheckItem] = []
    rng = np.random.default_rng(seed)
    in_features, out_features, batch = 5, 3, 4
    try:
        layer = _build(cls, (in_features, out_features), {}, f"{_name(cls)}(in_features=5, out_features=3)", items)
        weight = _parameter(layer, "weight", (in_features, out_features), items, _name(cls))
        bias = _parameter(layer, "bias", (out_features,), items, _name(cls))
        reference = Linear(in_features, out_features, dtype=np.float64)
        w = rng.normal(size=(in_features, out_features))
        b = rng.normal(size=out_features)
        for parameter in (weight, bias, reference.weight, reference.bias):
            _load(parameter, w if parameter.data.ndim == 2 else b)
        x = rng.normal(size=(batch, in_features))
        upstream = rng.normal(size=(batch, out_features))

        y = _run(items, "forward", lambda: layer.forward(x.copy()))
        expected_y = reference.forward(x)
        if not _compare(items, "forward matches x @ W + b", y, expected_y, batch, "the output"):
            got = _maybe_array(y)
            if got is not None and _close(got, x @ w):
                items[-1].hint = "the output equals x @ W: the bias is missing"
            raise _StopChecking
        grad_x = _run(items, "backward", lambda: layer.backward(upstream))
        reference.backward(upstream)
        _compare(items, "backward returns dL/dx = grad_output @ W.T", grad_x, upstream @ w.T, batch, "dL/dx")
        _compare(items, "weight.grad = x.T @ grad_output", weight.grad, reference.weight.grad, batch, "weight.grad")
        _compare(items, "bias.grad = grad_output.sum(axis=0)", bias.grad, reference.bias.grad, batch, "bias.grad")
        if np.shape(bias.grad) == (out_features,) and _close(np.asarray(bias.grad), upstream.mean(axis=0)):
            items[-1].hint = "bias.grad is the mean over the batch: use the sum (the loss already divided by N)"

        first = np.array(weight.grad, dtype=np.float64)
        _run(items, "second backward", lambda: (layer.forward(x.copy()), layer.backward(upstream)))
        second = np.asarray(weight.grad, dtype=np.float64)
        accumulates = _close(second, 2 * first)
        hint = ""
        if not accumulates and _close(second, first):
            hint = ("after two backward calls weight.grad should be twice one call's gradient: "
                    "use `self.weight.grad += ...`, not `=` (zero_grad() clears it between steps)")
        elif not accumulates:
            hint = ("after two backward calls weight.grad should be twice one call's gradient: backward must only "
                    "add its own term — an operation on the whole of weight.grad (like `weight.grad /= N`) also "
                    "changes what earlier calls added")
        items.append(CheckItem("backward accumulates (+=) into weight.grad", accumulates, hint=hint))
        _gradient_check(items, layer, x, upstream, {"weight": weight, "bias": bias})
    except _StopChecking:
        pass
    except Exception as error:  # noqa: BLE001 - an unusable value from the learner's code is a finding
        items.append(_unusable(error))
    return _finish(component, items, verbose)


# --------------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------------

_ACTIVATIONS = {
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "relu": "ReLU",
    "leaky_relu": "LeakyReLU",
    "gelu": "GELU",
    "silu": "SiLU",
}


def check_activation(
    cls: Callable[..., Any], name: str, *, seed: int = 0, verbose: bool = True, **kwargs: Any
) -> CheckResult:
    """Check an element-wise activation ``cls(**kwargs)`` against scratchnn's ``name``.

    ``name`` is one of ``sigmoid``, ``tanh``, ``relu``, ``leaky_relu``, ``gelu``, ``silu``; extra
    keyword arguments (e.g. ``negative_slope=0.01``) are passed to both classes.
    Contract: ``forward(x)`` returns ``f(x)`` without changing ``x``; ``backward(g)`` returns
    ``g * f'(x)`` using what forward stored.
    """
    from scratchnn.nn import activation as activations

    key = name.lower().replace("-", "_")
    if key not in _ACTIVATIONS:
        raise ValueError(f"check_activation: unknown activation {name!r}; expected one of {sorted(_ACTIVATIONS)}")
    reference = getattr(activations, _ACTIVATIONS[key])(**kwargs)
    component = f"check_activation({_name(cls)}, {key!r})"
    items: list[CheckItem] = []
    rng = np.random.default_rng(seed)
    batch = 6
    # Moderate values exercise both sides of every kink; ±30 exercises saturation and overflow; the
    # exact 0 tells (x > 0) from (x >= 0) in ReLU's derivative, as torch defines it (0 at 0).
    x = np.concatenate([rng.normal(scale=2.0, size=(batch, 5)),
                        np.array([[-30.0, -1e-3, 0.0, 0.5, 1e-3, 30.0]] * batch)], axis=1)
    upstream = rng.normal(size=x.shape)
    # Finite differences straddling a kink average both slopes: they see x = 0 shifted a little.
    x_smooth = np.where(x == 0, 0.25, x)
    try:
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        activation = _build(cls, (), kwargs, f"{_name(cls)}({args})", items)
        original = x.copy()
        y = _run(items, "forward", lambda: activation.forward(x), "use a numerically stable form")
        expected = reference.forward(original.copy())
        unchanged = np.array_equal(x, original)
        items.append(
            CheckItem(
                "forward leaves its input unchanged",
                unchanged,
                hint="" if unchanged else "forward modified x in place: compute into a new array",
            )
        )
        x = original
        if not _compare(items, f"forward matches {key}", y, expected, batch, "the output"):
            raise _StopChecking
        grad = _run(items, "backward", lambda: activation.backward(upstream))
        expected_grad = reference.backward(upstream)
        if not _compare(items, "backward returns grad_output * f'(x)", grad, expected_grad, batch, "dL/dx"):
            got = _maybe_array(grad)
            if got is not None and got.shape == upstream.shape:
                at_zero = x == 0
                if _close(got, upstream):
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
    except _StopChecking:
        pass
    except Exception as error:  # noqa: BLE001 - an unusable value from the learner's code is a finding
        items.append(_unusable(error))
    return _finish(component, items, verbose)


def check_relu(cls: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check ``cls()`` against ReLU: ``forward(x) = max(x, 0)``, ``backward(g) = g * (x > 0)``."""
    result = check_activation(cls, "relu", seed=seed, verbose=False)
    result.component = f"check_relu({_name(cls)})"
    if verbose:
        print(result.report())
    return result


# --------------------------------------------------------------------------------------------------
# Softmax and cross-entropy
# --------------------------------------------------------------------------------------------------


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
    items: list[CheckItem] = []
    rng = np.random.default_rng(seed)
    batch, classes = 4, 5
    logits = rng.normal(scale=3.0, size=(batch, classes))
    upstream = rng.normal(size=(batch, classes))
    reference = Softmax()
    try:
        softmax = _build(cls, (), {}, f"{_name(cls)}()", items)
        probabilities = _run(items, "forward", lambda: softmax.forward(logits.copy()))
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
    except _StopChecking:
        pass
    except Exception as error:  # noqa: BLE001 - an unusable value from the learner's code is a finding
        items.append(_unusable(error))
    return _finish(component, items, verbose)


def check_softmax_cross_entropy(cls: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check a fused softmax + cross-entropy loss ``cls()``.

    Contract: ``forward(logits, labels)`` (or calling the object) returns the **mean** cross-entropy
    as a float, for logits of shape ``(N, C)`` and integer labels of shape ``(N,)``;
    ``backward()`` returns ``dL/dlogits = (softmax(logits) - onehot(labels)) / N``.
    """
    from scratchnn.nn import CrossEntropyLoss

    component = f"check_softmax_cross_entropy({_name(cls)})"
    items: list[CheckItem] = []
    rng = np.random.default_rng(seed)
    batch, classes = 8, 5
    logits = rng.normal(scale=2.0, size=(batch, classes))
    labels = rng.integers(0, classes, size=batch)
    reference = CrossEntropyLoss()
    try:
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
    except _StopChecking:
        pass
    except Exception as error:  # noqa: BLE001 - an unusable value from the learner's code is a finding
        items.append(_unusable(error))
    return _finish(component, items, verbose)


# --------------------------------------------------------------------------------------------------
# SGD
# --------------------------------------------------------------------------------------------------


def check_sgd(cls: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check an optimizer ``cls(params, lr, momentum=0.0)`` against PyTorch's SGD rule.

    Contract: ``params`` is a list of Parameters; ``step()`` does ``p.data -= lr * p.grad`` (with
    momentum μ: ``v = μ·v + p.grad; p.data -= lr·v``, like ``torch.optim.SGD``); ``zero_grad()`` sets
    every ``p.grad`` to zeros. Momentum is optional: if the constructor does not take it, that check
    is skipped.
    """
    from scratchnn.nn import Parameter
    from scratchnn.optim import SGD

    component = f"check_sgd({_name(cls)})"
    items: list[CheckItem] = []
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (3,)]
    lr = 0.1
    try:
        params = [Parameter(rng.normal(size=shape)) for shape in shapes]
        start = [p.data.copy() for p in params]
        grads = [rng.normal(size=shape) for shape in shapes]
        optimizer = _build(cls, (params,), {"lr": lr}, f"{_name(cls)}(params, lr=0.1)", items)
        for p, g in zip(params, grads):
            p.grad = g.copy()
        _run(items, "step()", lambda: optimizer.step(), "define step(self) on your optimizer")
        expected = [s - lr * g for s, g in zip(start, grads)]
        got = np.concatenate([np.ravel(p.data) for p in params])
        want = np.concatenate([np.ravel(e) for e in expected])
        error = _error(got, want)
        ok = error <= TOLERANCE
        hint = ""
        if not ok:
            update = got - np.concatenate([np.ravel(s) for s in start])
            step = want - np.concatenate([np.ravel(s) for s in start])
            if _close(update, -step):
                hint = "the parameters moved uphill: subtract the gradient (p.data -= lr * p.grad)"
            elif _close(update, step / lr):
                hint = "the step ignores the learning rate: p.data -= lr * p.grad"
            elif np.allclose(update, 0):
                hint = "step() did not change p.data: update it in place (p.data -= ...)"
            else:
                hint = "plain SGD is p.data -= lr * p.grad"
        items.append(CheckItem("step(): p.data -= lr * p.grad", ok, error, hint))

        _run(items, "zero_grad()", lambda: optimizer.zero_grad(), "define zero_grad(self) on your optimizer")
        zeroed = all(p.grad is not None and np.shape(p.grad) == p.data.shape and not np.any(p.grad) for p in params)
        items.append(
            CheckItem(
                "zero_grad() sets every grad to zeros",
                zeroed,
                hint="" if zeroed else "set each p.grad to zeros of p.data's shape (p.grad[...] = 0), not None",
            )
        )

        params = [Parameter(s.copy()) for s in start]
        reference_params = [Parameter(s.copy()) for s in start]
        try:
            optimizer = cls(params, lr=lr, momentum=0.9)
        except TypeError:
            items.append(CheckItem("momentum 0.9 over 5 steps", True, skipped=True, hint="no `momentum` argument (optional)"))
            raise _StopChecking
        reference = SGD(reference_params, lr=lr, momentum=0.9)
        for _ in range(5):
            step_grads = [rng.normal(size=shape) for shape in shapes]
            for p, q, g in zip(params, reference_params, step_grads):
                p.grad = g.copy()
                q.grad = g.copy()
            _run(items, "step() with momentum", lambda: optimizer.step())
            reference.step()
        got = np.concatenate([np.ravel(p.data) for p in params])
        want = np.concatenate([np.ravel(q.data) for q in reference_params])
        error = _error(got - np.concatenate([np.ravel(s) for s in start]), want - np.concatenate([np.ravel(s) for s in start]))
        ok = error <= TOLERANCE
        items.append(
            CheckItem(
                "momentum 0.9 over 5 steps matches torch.optim.SGD",
                ok,
                error,
                "" if ok else "PyTorch's rule: v = momentum * v + grad, then p.data -= lr * v (v starts at the first grad, no dampening)",
            )
        )
    except _StopChecking:
        pass
    except Exception as error:  # noqa: BLE001 - an unusable value from the learner's code is a finding
        items.append(_unusable(error))
    return _finish(component, items, verbose)


# --------------------------------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------------------------------


def _normalization_pair(cls, reference_cls, features, size_name, items, rng):
    """The learner's normalization layer and the float64 reference, both given the same random γ and β."""
    layer = _build(cls, (features,), {}, f"{_name(cls)}({size_name}={features})", items)
    weight = _parameter(layer, "weight", (features,), items, _name(cls))
    bias = _parameter(layer, "bias", (features,), items, _name(cls))
    reference = reference_cls(features, dtype=np.float64)
    gamma, beta = rng.normal(1.0, 0.3, size=features), rng.normal(size=features)
    for parameter, values in ((weight, gamma), (bias, beta), (reference.weight, gamma), (reference.bias, beta)):
        _load(parameter, values)
    return layer, reference, weight, bias, gamma, beta


def _normalized(x, gamma, beta, axis, eps=1e-5):
    return (x - x.mean(axis, keepdims=True)) / np.sqrt(x.var(axis, keepdims=True) + eps) * gamma + beta


def _eps_hint(item, got, x, gamma, beta, axis):
    """Name a missing eps (the output is then off by about eps / var, which looks like rounding)."""
    got = _maybe_array(got)
    if got is not None and got.shape == x.shape and _close(got, _normalized(x, gamma, beta, axis, eps=0.0)):
        item.hint = "eps is missing: divide by np.sqrt(var + eps) with eps = 1e-5, so a constant feature cannot divide by 0"


def _backward_hint(item, got, x, upstream, gamma, axis, over):
    """Name the usual incomplete normalization backward: a term of the mean or the variance left out."""
    got = _maybe_array(got)
    if got is None or got.shape != x.shape:
        return
    inv_std = 1.0 / np.sqrt(x.var(axis, keepdims=True) + 1e-5)
    xhat = (x - x.mean(axis, keepdims=True)) * inv_std
    g = upstream * gamma
    mean_g, mean_gx = g.mean(axis, keepdims=True), (g * xhat).mean(axis, keepdims=True)
    formula = f"dx = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) / σ over {over}, with ĝ = g·γ"
    if _close(got, g * inv_std):
        item.hint = f"your dL/dx treats the mean and variance as constants: they depend on x — {formula}"
    elif _close(got, (g - xhat * mean_gx) * inv_std):
        item.hint = f"the term from the mean is missing (− mean(ĝ)): {formula}"
    elif _close(got, (g - mean_g) * inv_std):
        item.hint = f"the term from the variance is missing (− x̂·mean(ĝ·x̂)): {formula}"


def _with_constant(x, axis):
    """``x`` with one constant slice along ``axis`` (a constant feature for 0, a constant row for -1)."""
    x = x.copy()
    if axis == 0:
        x[:, 0] = 1.5
    else:
        x[0, :] = 1.5
    return x


def _constant_input_check(items, layer, reference, x):
    """A constant feature (or row) has variance 0: only the eps in sqrt(var + eps) keeps 0/0 away."""
    name = "constant input gives a finite output (eps inside the square root)"
    hint = "eps is missing: divide by np.sqrt(var + eps) with eps = 1e-5, so a constant input cannot divide by 0"
    _set_mode(layer, True)
    _set_mode(reference, True)
    y = _run(items, name, lambda: layer.forward(x.copy()), hint)
    if not _compare(items, name, y, reference.forward(x), len(x), "the output"):
        items[-1].hint = hint


def check_batchnorm(cls: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check ``cls(num_features)`` against ``BatchNorm1d`` (momentum 0.1, eps 1e-5, like PyTorch).

    Contract: Parameters ``weight`` (γ) and ``bias`` (β) of shape ``(num_features,)``; arrays
    ``running_mean`` (starts at 0) and ``running_var`` (starts at 1). Training: normalise with the
    batch mean and the biased batch variance, then update
    ``running = (1 − 0.1)·running + 0.1·batch_stat`` with the **unbiased** variance. Evaluation
    (``self.training`` False): normalise with the running statistics. ``backward`` includes the
    gradient through the batch mean and variance.
    """
    from scratchnn.nn import BatchNorm1d

    component = f"check_batchnorm({_name(cls)})"
    items: list[CheckItem] = []
    rng = np.random.default_rng(seed)
    batch, features = 8, 4
    x = rng.normal(loc=2.0, scale=3.0, size=(batch, features))
    upstream = rng.normal(size=(batch, features))
    try:
        layer, reference, weight, bias, gamma, beta = _normalization_pair(
            cls, BatchNorm1d, features, "num_features", items, rng
        )
        has_running = all(isinstance(getattr(layer, name, None), np.ndarray) for name in ("running_mean", "running_var"))
        if has_running:
            start_mean = np.array(layer.running_mean, dtype=np.float64)
            start_var = np.array(layer.running_var, dtype=np.float64)
        items.append(
            CheckItem(
                "running_mean and running_var exist",
                has_running,
                hint="" if has_running else (
                    "keep arrays self.running_mean = zeros and self.running_var = ones: evaluation "
                    "needs them because a single test example has no batch statistics"
                ),
            )
        )
        _set_mode(layer, True)
        _set_mode(reference, True)
        y = _run(items, "forward (training)", lambda: layer.forward(x.copy()), "add eps inside the square root")
        expected = reference.forward(x)
        if not _compare(items, "training forward uses batch mean and biased variance", y, expected, batch, "the output"):
            got = _maybe_array(y)
            unbiased = (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + 1e-5) * gamma + beta
            per_row = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5) * gamma + beta
            if got is not None and got.shape == x.shape and _close(got, unbiased):
                items[-1].hint = "normalise with the biased variance (np.var default, ddof=0); the unbiased one is only for running_var"
            elif got is not None and got.shape == x.shape and _close(got, per_row):
                items[-1].hint = "you normalised each row over its features (that is LayerNorm): BatchNorm uses axis=0"
            else:
                _eps_hint(items[-1], got, x, gamma, beta, 0)
            raise _StopChecking
        grad = _run(items, "backward", lambda: layer.backward(upstream))
        expected_grad = reference.backward(upstream)
        if not _compare(items, "backward dL/dx (through mean and variance)", grad, expected_grad, batch, "dL/dx"):
            _backward_hint(items[-1], grad, x, upstream, gamma, 0, "the batch axis")
        _compare(items, "weight.grad = sum(g · x̂)", weight.grad, reference.weight.grad, batch, "weight.grad")
        _compare(items, "bias.grad = sum(g)", bias.grad, reference.bias.grad, batch, "bias.grad")
        if has_running:
            starts_right = np.allclose(start_mean, 0.0) and np.allclose(start_var, 1.0)
            for _ in range(2):
                step_x = rng.normal(loc=-1.0, scale=2.0, size=(batch, features))
                _run(items, "forward (training)", lambda: layer.forward(step_x.copy()))
                reference.forward(step_x)
            running_error = max(
                _error(np.asarray(layer.running_mean, dtype=np.float64), reference.running_mean),
                _error(np.asarray(layer.running_var, dtype=np.float64), reference.running_var),
            )
            ok = running_error <= TOLERANCE
            hint = ""
            if not ok:
                if np.allclose(layer.running_mean, start_mean) and np.allclose(layer.running_var, start_var):
                    hint = "the running statistics never change: update them in every training forward"
                elif not starts_right:
                    hint = "start with running_mean = 0 and running_var = 1"
                else:
                    hint = (
                        "running = (1 − momentum)·running + momentum·batch_stat with momentum = 0.1, "
                        "and the unbiased batch variance (ddof=1) for running_var, like PyTorch"
                    )
            items.append(CheckItem("running statistics after 3 training batches", ok, running_error, hint))
        _set_mode(layer, False)
        _set_mode(reference, False)
        x_eval = rng.normal(loc=0.5, scale=2.0, size=(3, features))
        y_eval = _run(items, "forward (evaluation)", lambda: layer.forward(x_eval.copy()))
        expected_eval = reference.forward(x_eval)
        if not _compare(items, "evaluation uses the running statistics", y_eval, expected_eval, 3, "the evaluation output"):
            got = _maybe_array(y_eval)
            batch_stats = (x_eval - x_eval.mean(0)) / np.sqrt(x_eval.var(0) + 1e-5) * gamma + beta
            if got is not None and got.shape == x_eval.shape and _close(got, batch_stats):
                items[-1].hint = "in evaluation (self.training False) normalise with running_mean/running_var, not the batch"
        _set_mode(layer, True)
        _gradient_check(items, layer, x, upstream, {"weight": weight, "bias": bias})
        _constant_input_check(items, layer, reference, _with_constant(x, 0))
    except _StopChecking:
        pass
    except Exception as error:  # noqa: BLE001 - an unusable value from the learner's code is a finding
        items.append(_unusable(error))
    return _finish(component, items, verbose)


def check_layernorm(cls: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check ``cls(normalized_shape)`` against ``LayerNorm`` (eps 1e-5, like PyTorch).

    Contract: Parameters ``weight`` (γ) and ``bias`` (β) of shape ``(normalized_shape,)``; each row is
    normalised over its features (last axis) with the biased variance; the same in training and
    evaluation; ``backward`` includes the gradient through the row mean and variance.
    """
    from scratchnn.nn import LayerNorm

    component = f"check_layernorm({_name(cls)})"
    items: list[CheckItem] = []
    rng = np.random.default_rng(seed)
    batch, features = 6, 5
    x = rng.normal(loc=1.0, scale=2.0, size=(batch, features))
    upstream = rng.normal(size=(batch, features))
    try:
        layer, reference, weight, bias, gamma, beta = _normalization_pair(
            cls, LayerNorm, features, "normalized_shape", items, rng
        )
        y = _run(items, "forward", lambda: layer.forward(x.copy()), "add eps inside the square root")
        expected = reference.forward(x)
        if not _compare(items, "forward normalises each row over its features", y, expected, batch, "the output"):
            got = _maybe_array(y)
            per_column = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5) * gamma + beta
            unbiased = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, ddof=1, keepdims=True) + 1e-5) * gamma + beta
            if got is not None and got.shape == x.shape and _close(got, per_column):
                items[-1].hint = "you normalised over the batch (axis=0, that is BatchNorm): LayerNorm uses axis=-1, keepdims=True"
            elif got is not None and got.shape == x.shape and _close(got, unbiased):
                items[-1].hint = "use the biased variance (np.var default, ddof=0)"
            else:
                _eps_hint(items[-1], got, x, gamma, beta, -1)
            raise _StopChecking
        grad = _run(items, "backward", lambda: layer.backward(upstream))
        expected_grad = reference.backward(upstream)
        if not _compare(items, "backward dL/dx (through mean and variance)", grad, expected_grad, batch, "dL/dx"):
            _backward_hint(items[-1], grad, x, upstream, gamma, -1, "the feature axis")
        _compare(items, "weight.grad = sum over the batch of g · x̂", weight.grad, reference.weight.grad, batch, "weight.grad")
        _compare(items, "bias.grad = sum over the batch of g", bias.grad, reference.bias.grad, batch, "bias.grad")
        _gradient_check(items, layer, x, upstream, {"weight": weight, "bias": bias})
        _constant_input_check(items, layer, reference, _with_constant(x, -1))
    except _StopChecking:
        pass
    except Exception as error:  # noqa: BLE001 - an unusable value from the learner's code is a finding
        items.append(_unusable(error))
    return _finish(component, items, verbose)


# --------------------------------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------------------------------


def check_dropout(cls: Callable[..., Any], *, p: float = 0.3, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check inverted dropout ``cls(p)`` where ``p`` is the probability of **dropping** a unit.

    Contract: in training, each unit is zeroed with probability ``p`` and the kept ones are scaled by
    ``1/(1 − p)`` (so the expected output equals the input); ``backward`` applies the same mask and
    scale; in evaluation (``self.training`` False) it is the identity. The check uses the statistics
    of 200 000 units, so it does not depend on your random generator.
    """
    component = f"check_dropout({_name(cls)}, p={p})"
    items: list[CheckItem] = []
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 1.5, size=(400, 500))
    upstream = rng.normal(size=x.shape)
    try:
        layer = _build(cls, (p,), {}, f"{_name(cls)}({p})", items)
        _set_mode(layer, True)
        y = np.asarray(_run(items, "forward (training)", lambda: layer.forward(x.copy())), dtype=np.float64)
        if y.shape != x.shape:
            items.append(CheckItem("output shape", False, hint=f"the output has shape {y.shape}, expected {x.shape}"))
            raise _StopChecking
        dropped = float(np.mean(y == 0))
        # 200 000 Bernoulli draws: the standard error of the fraction is about 0.001.
        rate_ok = abs(dropped - p) < 0.01
        hint = ""
        if not rate_ok:
            hint = f"{dropped:.1%} of the units were zeroed, expected {p:.0%}"
            if abs(dropped - (1 - p)) < 0.01:
                hint += ": p is the probability of DROPPING a unit (like torch), so keep with probability 1 − p"
        items.append(CheckItem(f"about {p:.0%} of the units are zeroed", rate_ok, hint=hint))
        kept = y != 0
        scale_ok = _close(y[kept], x[kept] / (1 - p))
        hint = ""
        if not scale_ok and _close(y[kept], x[kept]):
            hint = "inverted dropout scales the kept units by 1/(1 − p), so evaluation needs no rescaling"
        elif not scale_ok:
            hint = "kept units should equal x / (1 − p)"
        items.append(CheckItem("kept units are scaled by 1/(1 − p)", scale_ok, hint=hint))
        grad = np.asarray(_run(items, "backward", lambda: layer.backward(upstream)), dtype=np.float64)
        expected_grad = np.where(kept, upstream / (1 - p), 0.0)
        grad_ok = grad.shape == x.shape and _close(grad, expected_grad)
        items.append(
            CheckItem(
                "backward uses the same mask and scale as forward",
                grad_ok,
                hint="" if grad_ok else "store the (scaled) mask in forward and multiply grad_output by it — don't draw a new one",
            )
        )
        _set_mode(layer, False)
        y_eval = _run(items, "forward (evaluation)", lambda: layer.forward(x.copy()))
        identity = _close(np.asarray(y_eval, dtype=np.float64), x)
        items.append(
            CheckItem(
                "evaluation is the identity",
                identity,
                hint="" if identity else "when self.training is False, return x unchanged",
            )
        )
    except _StopChecking:
        pass
    except Exception as error:  # noqa: BLE001 - an unusable value from the learner's code is a finding
        items.append(_unusable(error))
    return _finish(component, items, verbose)


# --------------------------------------------------------------------------------------------------
# L2 penalty
# --------------------------------------------------------------------------------------------------


def check_l2_penalty(function: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check ``function(weight, lam) -> (value, grad)`` against ``0.5·λ·‖W‖²`` and ``λ·W``.

    The ½ makes the gradient exactly ``λW``, the same as ``torch.optim.SGD(weight_decay=λ)``.
    """
    from scratchnn.nn import l2_penalty

    component = f"check_l2_penalty({_name(function)})"
    items: list[CheckItem] = []
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=(5, 4))
    lam = 0.03
    expected_value, expected_grad = l2_penalty(weight, lam)
    try:
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
    except _StopChecking:
        pass
    except Exception as error:  # noqa: BLE001 - an unusable value from the learner's code is a finding
        items.append(_unusable(error))
    return _finish(component, items, verbose)
