"""Finite-difference gradient checks: the proof that a backward pass is right.

``dL/dx_i ~ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)`` has error O(eps^2); in float64 with
``eps = 1e-6`` a correct backward agrees to roughly 1e-8 relative, a wrong one is off by O(1).
Modules are checked on ``L = sum(module(x) * G)`` with a random upstream gradient ``G``: an
all-ones ``G`` would hide bugs such as a transposed or mis-summed gradient.
"""

import copy

import numpy as np

#: The book's one pass mark for a gradient check: the largest difference between a backward's gradient
#: and central differences of the same forward, relative to the largest entry of that gradient
#: (:func:`gradient_error`), in float64 with ``eps = 1e-6``. A correct backward lands near 1e-8 or
#: below (1e-7..1e-6 if it computes in float32); a bug gives 1e-2 or more. The self-checks of
#: ``scratchnn.checks`` use the same measure.
FINITE_DIFFERENCE_TOLERANCE = 1e-5


def rel_error(a, b):
    """Max elementwise relative error ``|a - b| / max(|a| + |b|, 1e-8)`` (the CS231n measure).

    Strict where every entry is large; an entry near zero, where finite differences leave only rounding
    noise, can make it large for a correct gradient. :func:`gradient_error` is the book's measure.
    """
    a, b = _same_shape_float64("rel_error", a, b)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def gradient_error(analytic, numeric):
    """``max|analytic - numeric| / max(max|analytic|, max|numeric|)``: the largest difference relative
    to the largest gradient entry (0 when both are all zero).

    Unlike the elementwise relative error, entries near zero do not blow it up: there central
    differences leave only their rounding noise (about 1e-10), which is tiny next to the gradient's
    scale but not next to the entry itself.
    """
    a, b = _same_shape_float64("gradient_error", analytic, numeric)
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    if scale == 0:
        return 0.0
    if not np.isfinite(scale):
        return float("inf")
    return float(np.max(np.abs(a - b)) / scale)


def _same_shape_float64(who, a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"{who} expected arrays of the same shape, got {a.shape} and {b.shape}")
    return a, b


def numerical_gradient(f, x, *, grad_output=None, eps=1e-6):
    """Central-difference gradient with respect to the float64 array ``x``, perturbed in place and restored.

    ``f`` takes no arguments and must read ``x`` (for example through a module holding it).
    Without ``grad_output``, ``f`` returns a scalar ``L`` and the result is ``dL/dx``. With it,
    ``f`` returns an array ``y`` and the result is the gradient of ``sum(y * grad_output)``;
    differencing the arrays before that sum keeps rounding error to the outputs ``x[i]`` touches.

    ``x`` and what ``f`` returns must be float64: a step of 1e-6 is lost to rounding in float32
    (the estimate is off by percents) and to truncation in an integer array, so both are refused.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"numerical_gradient expected x to be the NumPy array f reads (it is perturbed in place), "
                        f"got {type(x).__name__}")
    if x.dtype != np.float64:
        raise TypeError(f"numerical_gradient needs x in float64, got {x.dtype}: a step of {eps:g} is lost to "
                        f"{'truncation' if x.dtype.kind in 'biu' else 'rounding'} in {x.dtype}. Convert the array "
                        "(x.astype(np.float64)) and the module reading it (module.to(np.float64)), or use "
                        "check_module, which does both")
    if not x.flags.writeable:
        raise ValueError("numerical_gradient perturbs x in place, but x is read-only; pass a writeable copy")
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating)) or not 0 < eps < np.inf:
        raise ValueError(f"numerical_gradient expected eps > 0 and finite, got {eps!r}")
    if grad_output is not None:
        grad_output = np.asarray(grad_output, dtype=np.float64)
    grad = np.zeros(x.shape, dtype=np.float64)
    for count, index in enumerate(np.ndindex(x.shape)):
        original = x[index]
        x[index] = original + eps
        f_plus = f()
        x[index] = original - eps
        f_minus = f()
        x[index] = original
        if count == 0:  # check what f returns before relying on it
            _check_output(f_plus, grad_output)
        difference = f_plus - f_minus if grad_output is None else np.sum((f_plus - f_minus) * grad_output)
        grad[index] = difference / (2.0 * eps)
    return grad


def _check_output(value, grad_output):
    value = np.asarray(value)
    if value.dtype.kind != "f" or value.dtype.itemsize < 8:
        raise TypeError(f"numerical_gradient needs f to compute in float64, but it returned {value.dtype}: "
                        "the difference of two nearby values is lost to rounding below float64")
    if grad_output is None and value.ndim != 0:
        raise ValueError(f"numerical_gradient expected f to return a scalar (or pass grad_output of the shape it "
                         f"returns), got an array of shape {value.shape}")
    if grad_output is not None and value.shape != grad_output.shape:
        raise ValueError(f"numerical_gradient expected grad_output of the shape f returns {value.shape}, "
                         f"got {grad_output.shape}")


def _float64_copy(who, name, values):
    """A float64 copy of ``values``; strings, objects and complex numbers are refused by name."""
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{who} expected {name} as a real-valued array, got dtype {array.dtype}")
    return array.astype(np.float64)


def _upstream_gradient(seed, shape):
    """The random ``G`` of ``L = sum(module(x) * G)``, from a stream of its own: drawn from ``seed``
    directly, it would equal an input drawn with the same seed, and with ``G = x`` the true input
    gradient of a normalization layer is exactly 0, leaving only rounding noise to compare."""
    return np.random.default_rng([seed, 23]).standard_normal(shape)


def check_module(module, x, *, eps=1e-6, seed=0):
    """Compare ``module.backward`` with finite differences; return the :func:`gradient_error` of each gradient by name.

    Works on a float64 copy (the module itself is untouched), so float32 modules can be checked.
    Every forward starts from a fresh copy of that module, so modules with random or running
    state (Dropout's generator, BatchNorm's running statistics) see the same state each time.
    Returns ``{"input": err, "<parameter name>": err, ...}``: below ``FINITE_DIFFERENCE_TOLERANCE``
    is right; a bug gives 1e-2 or more. One false alarm: a gradient that is exactly 0 everywhere (a bias
    just before BatchNorm, which subtracts it again) leaves only finite-difference noise to compare,
    an error near 1; there the absolute differences (around 1e-10) tell the truth.
    """
    if not all(callable(getattr(module, method, None)) for method in ("to", "backward", "named_parameters")):
        raise TypeError(f"check_module expected a scratchnn Module (with to, backward and named_parameters), "
                        f"got {type(module).__name__}")
    reference = copy.deepcopy(module).to(np.float64)
    x = _float64_copy("check_module", "x", x)

    def output():
        return copy.deepcopy(reference)(x)  # a fresh copy per call: same random and running state

    probe = copy.deepcopy(reference)
    probe.zero_grad()  # the module may carry gradients from earlier steps; backward adds to them
    upstream = _upstream_gradient(seed, probe(x).shape)
    analytic = {"input": probe.backward(upstream)}
    analytic.update((name, param.grad) for name, param in probe.named_parameters())

    numeric = {"input": numerical_gradient(output, x, grad_output=upstream, eps=eps)}
    for name, param in reference.named_parameters():
        numeric[name] = numerical_gradient(output, param.data, grad_output=upstream, eps=eps)
    return {name: gradient_error(analytic[name], numeric[name]) for name in numeric}


def check_loss(loss, pred, target, *, eps=1e-6):
    """Compare ``loss.backward()`` with finite differences of ``loss(pred, target)``; return the :func:`gradient_error`."""
    pred = _float64_copy("check_loss", "pred", pred)
    loss(pred, target)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss(pred, target), pred, eps=eps)
    return gradient_error(analytic, numeric)
