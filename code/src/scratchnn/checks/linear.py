"""Self-check of your fully connected layer: ``check_linear``."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._common import (
    _CACHED_OUTPUT_HINT,
    _EARLIER_FORWARD_HINT,
    _StopChecking,
    _stored_output_not_input,
    CheckItem,
    CheckResult,
    _build,
    _close,
    _compare,
    _gradient_check,
    _load,
    _maybe_array,
    _name,
    _parameter,
    _run,
    _run_check,
)


def check_linear(cls: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check a fully connected layer ``cls(in_features, out_features)``.

    Contract: ``weight`` is a Parameter of shape ``(in_features, out_features)``, ``bias`` of shape
    ``(out_features,)``; ``forward(x) = x @ weight.data + bias.data``; ``backward(g)`` returns
    ``g @ W.T`` and adds ``x.T @ g`` to ``weight.grad`` and ``g.sum(axis=0)`` to ``bias.grad``.
    """
    from scratchnn.nn import Linear

    component = f"check_linear({_name(cls)})"

    def run(items: list[CheckItem]) -> None:
        rng = np.random.default_rng(seed)
        in_features, out_features, batch = 5, 3, 4
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
        x_earlier = rng.normal(size=(batch, in_features))  # backward must follow the *last* forward

        _run(items, "forward", lambda: layer.forward(x_earlier.copy()))
        y = _run(items, "forward", lambda: layer.forward(x.copy()))
        expected_y = reference.forward(x)
        if not _compare(items, "forward matches x @ W + b", y, expected_y, batch, "the output"):
            got = _maybe_array(y)
            if got is not None and _close(got, x @ w):
                items[-1].hint = "the output equals x @ W: the bias is missing"
            raise _StopChecking
        try:
            grad_x = _run(items, "backward", lambda: layer.backward(upstream))
        except _StopChecking:
            if _stored_output_not_input(layer, x, y):
                items[-1].hint = _CACHED_OUTPUT_HINT
            raise
        reference.backward(upstream)
        _compare(items, "backward returns dL/dx = grad_output @ W.T", grad_x, upstream @ w.T, batch, "dL/dx")
        if not _compare(items, "weight.grad = x.T @ grad_output", weight.grad, reference.weight.grad, batch,
                        "weight.grad"):
            got = _maybe_array(weight.grad)
            if got is not None and _close(got, x_earlier.T @ upstream):
                items[-1].hint = f"weight.grad {_EARLIER_FORWARD_HINT}"
            elif _stored_output_not_input(layer, x, y):
                items[-1].hint = _CACHED_OUTPUT_HINT
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

    return _run_check(component, verbose, run)
