"""Self-checks of your normalization layers: ``check_batchnorm`` and ``check_layernorm``."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._common import (
    TOLERANCE,
    _StopChecking,
    _leaves_input_unchanged,
    CheckItem,
    CheckResult,
    _build,
    _close,
    _compare,
    _error,
    _gradient_check,
    _load,
    _maybe_array,
    _name,
    _parameter,
    _run,
    _run_check,
    _set_mode,
)


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

    def run(items: list[CheckItem]) -> None:
        rng = np.random.default_rng(seed)
        batch, features = 8, 4
        x = rng.normal(loc=2.0, scale=3.0, size=(batch, features))
        upstream = rng.normal(size=(batch, features))
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
        _leaves_input_unchanged(items, layer, x)
        y = _run(items, "forward (training)", lambda: layer.forward(x.copy()), "add eps inside the square root")
        expected = reference.forward(x)
        if not _compare(items, "training forward uses batch mean and biased variance", y, expected, batch, "the output"):
            got = _maybe_array(y)
            unbiased = (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + 1e-5) * gamma + beta
            per_row = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5) * gamma + beta
            running = [(x - mean) / np.sqrt(var + 1e-5) * gamma + beta
                       for mean, var in ([(start_mean, start_var), (np.asarray(layer.running_mean, dtype=np.float64),
                                                                   np.asarray(layer.running_var, dtype=np.float64))]
                                         if has_running else [])]
            if got is not None and got.shape == x.shape and any(_close(got, r) for r in running):
                items[-1].hint = ("you normalised with the running statistics: in training, use the batch's own mean "
                                  "and variance (x.mean(axis=0), x.var(axis=0)); the running ones are updated in "
                                  "training and used in evaluation (self.training False)")
            elif got is not None and got.shape == x.shape and _close(got, unbiased):
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

    return _run_check(component, verbose, run)


def check_layernorm(cls: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check ``cls(normalized_shape)`` against ``LayerNorm`` (eps 1e-5, like PyTorch).

    Contract: Parameters ``weight`` (γ) and ``bias`` (β) of shape ``(normalized_shape,)``; each row is
    normalised over its features (last axis) with the biased variance; the same in training and
    evaluation; ``backward`` includes the gradient through the row mean and variance.
    """
    from scratchnn.nn import LayerNorm

    component = f"check_layernorm({_name(cls)})"

    def run(items: list[CheckItem]) -> None:
        rng = np.random.default_rng(seed)
        batch, features = 6, 5
        x = rng.normal(loc=1.0, scale=2.0, size=(batch, features))
        upstream = rng.normal(size=(batch, features))
        layer, reference, weight, bias, gamma, beta = _normalization_pair(
            cls, LayerNorm, features, "normalized_shape", items, rng
        )
        _run(items, "forward", lambda: layer.forward(-x), "add eps inside the square root")  # backward follows the last
        y = _run(items, "forward", lambda: layer.forward(x.copy()), "add eps inside the square root")
        _leaves_input_unchanged(items, layer, x)
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

    return _run_check(component, verbose, run)
