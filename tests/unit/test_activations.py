"""Activations against torch (float64 oracle): modules, plain functions, erf, numerics and dtypes."""

import math
import warnings

import numpy as np
import pytest

from scratchnn.nn import GELU, LeakyReLU, ReLU, Sigmoid, SiLU, Softmax, Tanh
from scratchnn.nn import activation as act
from scratchnn.gradcheck import check_module
from scratchnn.nn import _erf


# (our module, its torch twin made from the torch module) pairs; every torch module here has no parameters.
PAIRS = {
    "Sigmoid": (Sigmoid, lambda torch: torch.nn.Sigmoid()),
    "Tanh": (Tanh, lambda torch: torch.nn.Tanh()),
    "ReLU": (ReLU, lambda torch: torch.nn.ReLU()),
    "LeakyReLU": (LeakyReLU, lambda torch: torch.nn.LeakyReLU()),
    "LeakyReLU(0.2)": (lambda: LeakyReLU(0.2), lambda torch: torch.nn.LeakyReLU(0.2)),
    "GELU": (GELU, lambda torch: torch.nn.GELU()),
    "GELU(tanh)": (lambda: GELU("tanh"), lambda torch: torch.nn.GELU("tanh")),
    "SiLU": (SiLU, lambda torch: torch.nn.SiLU()),
    "Softmax": (Softmax, lambda torch: torch.nn.Softmax(dim=-1)),
    "Softmax(axis=0)": (lambda: Softmax(axis=0), lambda torch: torch.nn.Softmax(dim=0)),
}
SHAPES = [(1, 1), (8, 5), (4, 3, 6)]


def torch_forward_backward(torch, module, x, g):
    xt = torch.tensor(x, requires_grad=True)
    yt = module(xt)
    yt.backward(torch.from_numpy(g))
    return yt, xt.grad


@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_module_matches_torch(torch, assert_close, name, shape, seed, mode):
    ours_cls, make_theirs = PAIRS[name]
    rng = np.random.default_rng(seed)
    x = 3.0 * rng.standard_normal(shape)  # wide enough to reach the tails
    g = rng.standard_normal(shape)
    ours = ours_cls().train(mode == "train")
    yt, dxt = torch_forward_backward(torch, make_theirs(torch), x, g)
    assert_close(ours(x), yt)
    assert_close(ours.backward(g), dxt)


PLAIN = {  # (function, derivative, the torch function taken from the torch module)
    "sigmoid": (act.sigmoid, act.sigmoid_grad, lambda torch: torch.sigmoid),
    "tanh": (act.tanh, act.tanh_grad, lambda torch: torch.tanh),
    "relu": (act.relu, act.relu_grad, lambda torch: torch.relu),
    "leaky_relu": (act.leaky_relu, act.leaky_relu_grad, lambda torch: torch.nn.functional.leaky_relu),
    "gelu": (act.gelu, act.gelu_grad, lambda torch: torch.nn.functional.gelu),
    "gelu_tanh": (lambda x: act.gelu(x, "tanh"), lambda x: act.gelu_grad(x, "tanh"),
                  lambda torch: lambda x: torch.nn.functional.gelu(x, approximate="tanh")),
    "silu": (act.silu, act.silu_grad, lambda torch: torch.nn.functional.silu),
}


@pytest.mark.parametrize("name", PLAIN)
def test_plain_function_and_derivative_match_torch(torch, assert_close, name):
    fn, grad_fn, reference = PLAIN[name]
    x = np.linspace(-8, 8, 1601)  # includes 0 exactly, where relu's derivative is 0 as in torch
    xt = torch.tensor(x, requires_grad=True)
    yt = reference(torch)(xt)
    yt.sum().backward()
    assert_close(fn(x), yt)
    assert_close(grad_fn(x), xt.grad)


def test_softmax_and_its_jacobian_match_torch(torch, assert_close):
    x = np.random.default_rng(0).standard_normal((3, 5))
    assert_close(act.softmax(x), torch.softmax(torch.from_numpy(x), -1))
    jacobian = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, -1), torch.from_numpy(x[0]))
    g = np.random.default_rng(1).standard_normal(5)
    module = Softmax()
    module(x[:1])
    assert_close(module.backward(g[None])[0], jacobian.T @ torch.from_numpy(g))  # the vector-Jacobian product


def test_erf_and_erfc_are_accurate_to_machine_precision(torch):
    x = np.linspace(-6, 6, 24001)
    np.testing.assert_allclose(_erf.erf(x), torch.erf(torch.from_numpy(x)).numpy(), rtol=0, atol=1e-15)
    tail = np.linspace(-5, 26, 3101)
    expected = np.array([math.erfc(v) for v in tail])
    np.testing.assert_allclose(_erf.erfc(tail), expected, rtol=1e-14)


def test_erf_special_values_and_shapes():
    special = np.array([[np.inf, -np.inf], [0.0, np.nan]])
    np.testing.assert_array_equal(_erf.erfc(special), [[0.0, 2.0], [1.0, np.nan]])
    np.testing.assert_array_equal(_erf.erf(special), [[1.0, -1.0], [0.0, np.nan]])
    assert _erf.erf(0.5).shape == () and _erf.erf(np.float32(0.5)).dtype == np.float32


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_in_float32_is_as_accurate_as_torch_float32(torch, approximate):
    x = np.random.default_rng(0).standard_normal(10000).astype(np.float32) * 4
    exact = torch.nn.functional.gelu(torch.from_numpy(x.astype(np.float64)), approximate=approximate).numpy()
    ours = act.gelu(x, approximate)
    theirs = torch.nn.functional.gelu(torch.from_numpy(x), approximate=approximate).numpy()
    assert ours.dtype == np.float32
    assert np.abs(ours - exact).max() <= 2 * np.abs(theirs - exact).max() + 1e-7


@pytest.mark.parametrize("fn", [act.sigmoid, act.sigmoid_grad, act.silu, act.silu_grad, act.gelu,
                                act.gelu_grad, act.tanh, act.softmax])
def test_extreme_inputs_raise_no_warnings_and_stay_finite(fn):
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is exact enough
            y = fn(x)
    assert np.isfinite(y).all()


def test_sigmoid_saturates_exactly():
    np.testing.assert_array_equal(act.sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])


@pytest.mark.parametrize("name", PAIRS)
def test_float32_stays_float32(name):
    module = PAIRS[name][0]()
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    assert module(x).dtype == np.float32
    assert module.backward(np.ones((4, 3), dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("name", PAIRS)
def test_module_passes_gradient_check(name):
    x = np.random.default_rng(3).standard_normal((4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep ReLU-family kinks away from the finite-difference stencil
    errors = check_module(PAIRS[name][0](), x)
    assert errors["input"] < 1e-6, errors
