"""What every self-check shares: the report (``CheckItem``, ``CheckResult``), the comparisons and
their hints, and ``_run_check``, the skeleton each ``check_*`` runs its body in."""

from __future__ import annotations

import copy
import textwrap
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..gradcheck import FINITE_DIFFERENCE_TOLERANCE, numerical_gradient

#: Largest accepted error (relative to the largest reference value) in float64.
TOLERANCE = 1e-6
# A learner's class whose backward is right but that computes in float32 lands near 1e-7..1e-6;
# anything clearly above this is a real mistake rather than rounding.
_FLOAT32_HINT_THRESHOLD = 1e-4
# Reports are printed into a notebook's output column: the book's printed lines fit 72 columns.
REPORT_WIDTH = 72


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
        text = f"{mark} {self.name}"
        if self.error is not None:
            # in units of max |reference|, as the header says; never split over two lines
            text += f" (error\N{NO-BREAK SPACE}{self.error:.1e})"
        if self.skipped:
            text += " — skipped"
        lines = _wrap(text, "  ", "    ")
        if self.hint:
            lines += _wrap(f"hint: {self.hint}", "      ", "            ")
        return "\n".join(lines)


def _wrap(text: str, first: str, later: str) -> list[str]:
    """``text`` in lines of at most ``REPORT_WIDTH`` columns; a no-break space joins two words."""
    lines = textwrap.wrap(text, REPORT_WIDTH, initial_indent=first, subsequent_indent=later,
                          break_long_words=False, break_on_hyphens=False)
    return [line.replace("\N{NO-BREAK SPACE}", " ") for line in lines]


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
        counts = f"{n_passed} of {len(ran)} checks passed — {verdict}"
        header = f"{self.component}: {counts}"
        if len(header) > REPORT_WIDTH:
            header = f"{self.component}:\n  {counts}"
        if self.max_error is not None:
            header += f"\n  largest error {self.max_error:.1e} × max |reference|"  # own line: fits 72 columns
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
        if isinstance(error, AttributeError) and name.startswith("backward"):
            message += (f" — backward reads self.{getattr(error, 'name', None) or '...'}, which forward never stored: "
                        "backward receives only grad_output, so forward must keep what backward needs "
                        "(for Linear, self.x = x)")
        elif "align" in message or "matmul" in message or "broadcast" in message:
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
        # A copy per call: a forward that changes its input in place is reported by its own item.
        return float(np.sum(np.asarray(instance.forward(probe.copy()), dtype=np.float64) * upstream))

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            _zero_grads(list(parameters.values()))
            instance.forward(probe.copy())
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
    if _low_precision(instance.forward(probe.copy())) or _low_precision(analytic_input):
        hint = _PRECISION_HINT
    items.append(_finite_difference_item(f"finite-difference gradient check ({names})", worst, hint))


_IN_PLACE_HINT = ("forward changed its input array in place (x -= ..., x[...] = 0, np.exp(x, out=x)): the caller's "
                  "array changes too, and a layer before this one may have kept it for its own backward — compute "
                  "into a new array (x - mean, np.maximum(x, 0))")
_EARLIER_FORWARD_HINT = ("matches what an earlier forward call stored: store what backward needs on every forward "
                         "(self.x = x each time), not only the first time")
_CACHED_OUTPUT_HINT = ("forward stored its output y where backward needs its input x: keep the input "
                       "(self.x = x before computing y); dL/dW = x.T @ grad_output uses x")


def _leaves_input_unchanged(items: list[CheckItem], instance: Any, x: np.ndarray) -> None:
    """A report line: does ``forward`` leave its input array as it was? Run on a copy of the layer, so that
    its state (running statistics, stored arrays) is untouched; a failing forward is reported elsewhere."""
    probe = x.copy()
    try:
        layer = copy.deepcopy(instance)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer.forward(probe)
    except Exception:  # noqa: BLE001 - the check that calls forward itself reports it
        return
    unchanged = np.array_equal(probe, x)
    items.append(CheckItem("forward leaves its input unchanged", unchanged, hint="" if unchanged else _IN_PLACE_HINT))


def _stored_output_not_input(instance: Any, x: np.ndarray, y: Any) -> bool:
    """True when the layer holds an array equal to its output ``y`` and none equal to its input ``x``."""
    arrays = [value for value in vars(instance).values() if isinstance(value, np.ndarray)]

    def holds(target: Any) -> bool:
        target = _maybe_array(target)
        return target is not None and any(a.shape == target.shape and np.allclose(a, target) for a in arrays)

    return holds(y) and not holds(x)


def _finite_difference_item(name: str, error: float, hint: str) -> CheckItem:
    """A report line for a finite-difference comparison; the hint shows only when it fails."""
    passed = error <= FINITE_DIFFERENCE_TOLERANCE
    return CheckItem(name, passed, error, "" if passed else hint)


def _run_check(component: str, verbose: bool, body: Callable[[list[CheckItem]], None]) -> CheckResult:
    """The skeleton of every ``check_*``: ``body(items)`` appends report lines and raises ``_StopChecking``
    when later checks cannot run; any other exception is a value of the learner's code the check could
    not use, and becomes a report line. Prints the report when ``verbose``."""
    items: list[CheckItem] = []
    try:
        body(items)
    except _StopChecking:
        pass
    except Exception as error:  # noqa: BLE001 - an unusable value from the learner's code is a finding
        items.append(_unusable(error))
    return _finish(component, items, verbose)


def _finish(component: str, items: list[CheckItem], verbose: bool) -> CheckResult:
    result = CheckResult(component, items)
    if verbose:
        print(result.report())
    return result


def _name(cls: Any) -> str:
    return getattr(cls, "__name__", type(cls).__name__)
