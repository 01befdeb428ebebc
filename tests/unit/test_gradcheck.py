"""The gradient checker itself: it must pass correct code and catch broken code."""

import numpy as np
import pytest

from scratchnn.nn import BatchNorm1d, Linear, Loss, MSELoss, ReLU, Sequential, Tanh
from scratchnn.gradcheck import check_loss, check_module, numerical_gradient, rel_error


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
