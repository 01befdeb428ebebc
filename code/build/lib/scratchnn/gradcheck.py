"""Finite-difference gradient checks: the proof that a backward pass is right.

``dL/dx_i ~ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)`` has error O(eps^2); in float64 with
``eps = 1e-6`` a correct backward agrees to roughly 1e-8 relative, a wrong one is off by O(1).
Modules are checked on ``L = sum(module(x) * G)`` with a random upstream gradient ``G``: an
all-ones ``G`` would hide bugs such as a transposed or mis-summed gradient.
"""

import copy

import numpy as np


def rel_error(a, b):
    """Max elementwise relative error ``|a - b| / max(|a| + |b|, 1e-8)`` (the CS231n measure)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error expected arrays of the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numerical_gradient(f, x, *, grad_output=None, eps=1e-6):
    """Central-difference gradient with respect to the array ``x``, perturbed in place and restored.

    ``f`` takes no arguments and must read ``x`` (for example through a module holding it).
    Without ``grad_output``, ``f`` returns a scalar ``L`` and the result is ``dL/dx``. With it,
    ``f`` returns an array ``y`` and the result is the gradient of ``sum(y * grad_output)``;
    differencing the arrays before that sum keeps rounding error to the outputs ``x[i]`` touches.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = f()
        x[index] = original - eps
        f_minus = f()
        x[index] = original
        difference = f_plus - f_minus if grad_output is None else np.sum((f_plus - f_minus) * grad_output)
        grad[index] = difference / (2.0 * eps)
    return grad


def check_module(module, x, *, eps=1e-6, seed=0):
    """Compare ``module.backward`` with finite differences; return max relative errors by name.

    Works on a float64 copy (the module itself is untouched), so float32 modules can be checked.
    Every forward starts from a fresh copy of that module, so modules with random or running
    state (Dropout's generator, BatchNorm's running statistics) see the same state each time.
    Returns ``{"input": err, "<parameter name>": err, ...}``: below about 1e-7 is right; a bug
    gives 1e-2 or more. One false alarm: a gradient that is exactly 0 (a bias just before
    BatchNorm, which subtracts it again) turns finite-difference noise into a large *relative*
    error; there the absolute differences (around 1e-10) tell the truth.
    """
    reference = copy.deepcopy(module).to(np.float64)
    x = np.array(x, dtype=np.float64)

    def output():
        return copy.deepcopy(reference)(x)  # a fresh copy per call: same random and running state

    probe = copy.deepcopy(reference)
    probe.zero_grad()  # the module may carry gradients from earlier steps; backward adds to them
    upstream = np.random.default_rng(seed).standard_normal(probe(x).shape)
    analytic = {"input": probe.backward(upstream)}
    analytic.update((name, param.grad) for name, param in probe.named_parameters())

    numeric = {"input": numerical_gradient(output, x, grad_output=upstream, eps=eps)}
    for name, param in reference.named_parameters():
        numeric[name] = numerical_gradient(output, param.data, grad_output=upstream, eps=eps)
    return {name: rel_error(analytic[name], numeric[name]) for name in numeric}


def check_loss(loss, pred, target, *, eps=1e-6):
    """Compare ``loss.backward()`` with finite differences of ``loss(pred, target)``; return the max relative error."""
    pred = np.array(pred, dtype=np.float64)
    loss(pred, target)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss(pred, target), pred, eps=eps)
    return rel_error(analytic, numeric)
