"""The gradient checker itself: it must pass correct code and catch broken code."""

import numpy as np
import pytest

from scratchnn import nn
from scratchnn.nn import BatchNorm1d, Linear, Loss, MSELoss, ReLU, Sequential, Tanh
from scratchnn.gradcheck import (FINITE_DIFFERENCE_TOLERANCE, check_loss, check_module, gradient_error,
                                 numerical_gradient, rel_error)


def test_rel_error_definition():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match=r"same shape, got \(2,\) and \(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_of_a_known_function_and_x_is_restored():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    grad = numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(grad, 3 * before**2, rtol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_with_an_upstream_gradient_is_a_vector_jacobian_product():
    x, upstream = np.array([0.5, -1.0, 2.0]), np.array([1.0, -2.0, 0.25])
    grad = numerical_gradient(lambda: np.sin(x), x, grad_output=upstream)
    np.testing.assert_allclose(grad, upstream * np.cos(x), rtol=1e-8)


def test_check_module_names_every_parameter_and_leaves_the_module_untouched():
    rng = np.random.default_rng(0)
    # BatchNorm first: a bias right before BatchNorm has a true gradient of exactly 0, where any
    # finite-difference noise is a large *relative* error (see check_module's docstring).
    model = Sequential(BatchNorm1d(5), Linear(5, 4, rng=rng), Tanh(), Linear(4, 3, rng=rng))
    before = model.state_dict()
    errors = check_module(model, rng.standard_normal((6, 5)))
    assert list(errors) == ["input", "0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"]
    assert max(errors.values()) < 1e-6, errors
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)
    assert model[1].weight.data.dtype == np.float32 and not model[1].weight.grad.any()


class TransposedBugLinear(Linear):
    """A classic bug: forgetting to transpose W in dL/dx (square so that shapes still agree)."""

    def backward(self, grad_output, *, input_grad=True):
        super().backward(grad_output)
        return grad_output @ self.weight.data


class NoAccumulateReLU(ReLU):
    """Another classic: backward passes the gradient straight through, ignoring the mask."""

    def backward(self, grad_output):
        return grad_output


@pytest.mark.parametrize("module", [TransposedBugLinear(4, 4, rng=0), NoAccumulateReLU()], ids=type)
def test_check_module_catches_a_wrong_backward(module):
    errors = check_module(module, np.random.default_rng(1).standard_normal((3, 4)))
    assert errors["input"] > 1e-2, errors


class SignBugMSE(MSELoss):
    def backward(self):
        return -super().backward()


def test_check_loss_passes_correct_and_catches_wrong_losses():
    rng = np.random.default_rng(0)
    pred, target = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    assert check_loss(MSELoss(), pred, target) < 1e-7
    assert check_loss(SignBugMSE(), pred, target) > 0.5
    assert issubclass(SignBugMSE, Loss)


def test_check_module_ignores_gradients_left_from_training():
    layer = Linear(3, 2, rng=0)
    layer.weight.grad += 5.0
    assert max(check_module(layer, np.ones((2, 3))).values()) < 1e-7
    np.testing.assert_array_equal(layer.weight.grad, 5.0)


def test_check_module_on_float32_module_uses_float64_internally():
    errors = check_module(Sequential(Linear(3, 3, rng=0), ReLU()), np.array([[0.3, -0.7, 1.1]], dtype=np.float32))
    assert max(errors.values()) < 1e-7, errors  # float32 finite differences could never get this close


def test_gradient_error_is_relative_to_the_largest_entry():
    assert gradient_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert gradient_error(np.array([4.0, 1e-9]), np.array([4.0, 2e-9])) == pytest.approx(1e-9 / 4)
    assert gradient_error(np.array([1.0]), np.array([3.0])) == pytest.approx(2 / 3)
    assert gradient_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gradient_error(np.array([1.0, np.nan]), np.ones(2)) > 1  # a NaN gradient never passes
    with pytest.raises(ValueError, match=r"gradient_error expected arrays of the same shape, got \(2,\) and \(3,\)"):
        gradient_error(np.zeros(2), np.zeros(3))


def test_the_batchnorm_case_of_the_issue_passes_the_books_pass_mark():
    # Issue 23: float64, an input drawn from seed 0 and the upstream gradient from seed 0 too. The two were
    # the same array, which makes BatchNorm's true input gradient 0; and the elementwise measure blew up
    # on entries near 0. The package's correct BatchNorm1d failed the book's one pass mark.
    x = np.random.default_rng(0).standard_normal((8, 4))
    assert max(check_module(BatchNorm1d(4), x, seed=0).values()) < FINITE_DIFFERENCE_TOLERANCE / 10


LAYERS = [
    lambda rng: Linear(4, 3, rng=rng), lambda rng: BatchNorm1d(4), lambda rng: nn.LayerNorm(4),
    lambda rng: nn.RMSNorm(4), lambda rng: nn.Softmax(), lambda rng: nn.GELU(), lambda rng: nn.GELU("tanh"),
    lambda rng: nn.SiLU(), lambda rng: nn.Tanh(), lambda rng: nn.Sigmoid(), lambda rng: nn.LeakyReLU(),
    lambda rng: nn.ReLU(), lambda rng: nn.Dropout(0.3), lambda rng: Sequential(
        BatchNorm1d(4), Linear(4, 5, rng=rng), nn.ReLU(), nn.LayerNorm(5), Linear(5, 2, rng=rng)),
]


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("batch", [8, 16])
def test_every_package_layer_passes_the_books_pass_mark(seed, batch):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 4))
    for make in LAYERS:
        module = make(rng)
        errors = check_module(module, x, seed=seed)
        assert max(errors.values()) < FINITE_DIFFERENCE_TOLERANCE / 10, (module, errors)


@pytest.mark.parametrize("dtype", [np.int64, np.float32, np.float16])
def test_numerical_gradient_refuses_an_array_it_cannot_step_accurately(dtype):
    # Before: d/dx sum(x^2) at [1, 2, 3] came out as [5e5, 1.5e6, 2.5e6] for ints, ~5% off in float32, 0 in float16.
    x = np.array([1, 2, 3], dtype=dtype)
    with pytest.raises(TypeError, match=rf"numerical_gradient needs x in float64, got {np.dtype(dtype).name}"):
        numerical_gradient(lambda: float(np.sum(x**2)), x)


def test_numerical_gradient_refuses_a_function_computing_in_float32():
    x, w = np.array([1.0, 2.0, 3.0]), np.float32(3)
    with pytest.raises(TypeError, match="needs f to compute in float64, but it returned float32"):
        numerical_gradient(lambda: np.sum(x.astype(np.float32) ** 2 * w), x)
