"""Linear against torch.nn.Linear (float64 oracle), gradient accumulation, dtypes and initializers."""

import numpy as np
import pytest

from scratchnn._fast import backward_for_step
from scratchnn.nn import Linear
from scratchnn.gradcheck import check_module


@pytest.mark.parametrize("batch, fan_in, fan_out, bias, seed",
                         [(1, 1, 1, True, 0), (7, 5, 3, True, 1), (32, 64, 10, False, 2), (3, 100, 40, True, 3)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_linear_matches_torch(torch, assert_close, batch, fan_in, fan_out, bias, seed, mode):
    rng = np.random.default_rng(seed)
    layer = Linear(fan_in, fan_out, bias=bias, rng=rng, dtype=np.float64).train(mode == "train")
    if bias:
        layer.bias.data[:] = rng.standard_normal(fan_out)
    x, g = rng.standard_normal((batch, fan_in)), rng.standard_normal((batch, fan_out))

    reference = torch.nn.Linear(fan_in, fan_out, bias=bias, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.copy_(torch.from_numpy(layer.weight.data.T))  # torch stores (out, in)
        if bias:
            reference.bias.copy_(torch.from_numpy(layer.bias.data))
    xt = torch.tensor(x, requires_grad=True)
    yt = reference(xt)
    yt.backward(torch.from_numpy(g))

    assert_close(layer(x), yt)
    assert_close(layer.backward(g), xt.grad)
    assert_close(layer.weight.grad, reference.weight.grad.T)
    if bias:
        assert_close(layer.bias.grad, reference.bias.grad)


def test_backward_accumulates_parameter_gradients():
    rng = np.random.default_rng(0)
    layer = Linear(4, 3, rng=rng, dtype=np.float64)
    x, g = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    layer(x)
    layer.backward(g)
    once = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, 2 * once[0])
    np.testing.assert_allclose(layer.bias.grad, 2 * once[1])


def test_backward_after_zero_grad_accumulates_into_the_same_array():
    rng = np.random.default_rng(1)
    layer = Linear(4, 3, rng=rng, dtype=np.float64)
    x, g = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    layer(x)
    layer.backward(g)
    array = layer.weight.grad
    layer.zero_grad()
    assert layer.weight.grad is array and not array.any() and not layer.bias.grad.any()
    layer.zero_grad()
    layer.backward(g)
    layer.backward(g)
    assert layer.weight.grad is array
    np.testing.assert_allclose(array, 2 * x.T @ g)
    np.testing.assert_allclose(layer.bias.grad, 2 * g.sum(axis=0))


def test_the_training_step_skips_only_the_input_gradient():
    # scratchnn._fast.backward_for_step: Linear.backward's parameter half, without dL/dx.
    rng = np.random.default_rng(0)
    full, skipped = Linear(4, 3, rng=0), Linear(4, 3, rng=0)
    x, g = rng.standard_normal((6, 4)).astype(np.float32), rng.standard_normal((6, 3)).astype(np.float32)
    full(x), skipped(x)
    full.backward(g)
    assert backward_for_step(skipped, g) is None
    np.testing.assert_array_equal(skipped.weight.grad, full.weight.grad)
    np.testing.assert_array_equal(skipped.bias.grad, full.bias.grad)
    with pytest.raises(ValueError, match=r"Linear\.backward expected grad_output of shape \(6, 3\)"):
        backward_for_step(skipped, g[:, :2])


def test_float32_in_float32_out_and_float64_input_is_cast_to_the_layer_dtype():
    layer = Linear(3, 2, rng=0)
    assert layer.weight.data.dtype == np.float32 and layer.bias.data.dtype == np.float32
    assert layer(np.ones((2, 3), dtype=np.float32)).dtype == np.float32
    assert layer(np.ones((2, 3))).dtype == np.float32
    assert layer.backward(np.ones((2, 2), dtype=np.float32)).dtype == np.float32
    assert Linear(3, 2, rng=0, dtype=np.float64)(np.ones((2, 3), dtype=np.float32)).dtype == np.float64


def test_same_seed_same_weights_and_init_by_name_or_callable():
    np.testing.assert_array_equal(Linear(5, 4, rng=3).weight.data, Linear(5, 4, rng=3).weight.data)
    assert not Linear(5, 4, init="zeros").weight.data.any()
    custom = Linear(5, 4, init=lambda fan_in, fan_out, rng, dtype: np.full((fan_in, fan_out), 0.5, dtype))
    np.testing.assert_array_equal(custom.weight.data, 0.5)
    with pytest.raises(ValueError, match="unknown initializer 'glorot'"):
        Linear(5, 4, init="glorot")


def test_linear_passes_gradient_check():
    rng = np.random.default_rng(0)
    errors = check_module(Linear(6, 4, rng=rng), rng.standard_normal((5, 6)))
    assert set(errors) == {"input", "weight", "bias"}
    assert max(errors.values()) < 1e-6, errors


def test_the_training_step_adds_to_a_gradient_that_is_not_zero():
    # _fast writes x^T g straight into a zeroed gradient; one that already holds a value (a weight used
    # twice) must be added to.
    rng = np.random.default_rng(1)
    layer = Linear(4, 3, rng=0, dtype=np.float64)
    x, g = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    layer(x)
    layer.weight.grad[...] = 1.0
    backward_for_step(layer, g)
    np.testing.assert_allclose(layer.weight.grad, 1.0 + x.T @ g)
    layer.zero_grad()
    backward_for_step(layer, g)
    np.testing.assert_allclose(layer.weight.grad, x.T @ g)
