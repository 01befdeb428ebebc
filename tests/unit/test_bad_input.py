"""Bad input fails loudly: each error names the module, what it expected and what it received."""

import numpy as np
import pytest

from scratchnn.nn import (
    BatchNorm1d,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Dropout,
    GELU,
    HuberLoss,
    LayerNorm,
    LeakyReLU,
    Linear,
    MSELoss,
    ReLU,
    RMSNorm,
    Sequential,
    Sigmoid,
    SiLU,
    Softmax,
    Tanh,
)

X = np.ones((2, 3), dtype=np.float32)


@pytest.mark.parametrize("x, shape", [(np.ones((32, 100), np.float32), r"\(32, 100\)"),
                                      (np.ones(784, np.float32), r"\(784,\)"),
                                      (np.ones((2, 28, 28), np.float32), r"\(2, 28, 28\)")])
def test_linear_wrong_feature_size_or_rank(x, shape):
    with pytest.raises(ValueError, match=rf"Linear expected input of shape \(batch, 784\), got shape {shape}"):
        Linear(784, 10)(x)


def test_error_inside_a_sequential_names_the_failing_layer():
    model = Sequential(Linear(3, 4), ReLU(), Linear(5, 2))
    with pytest.raises(ValueError, match=r"Linear expected input of shape \(batch, 5\), got shape \(2, 4\)"):
        model(X)


MODULES = [Linear(3, 2), Sigmoid(), Tanh(), ReLU(), LeakyReLU(), GELU(), SiLU(), Softmax(), Dropout(0.5),
           BatchNorm1d(3), LayerNorm(3), RMSNorm(3)]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: type(m).__name__)
def test_integer_input_is_a_type_error(module):
    name = type(module).__name__
    with pytest.raises(TypeError, match=rf"{name} expected a floating-point input, got dtype int64"):
        module(np.ones((2, 3), dtype=np.int64))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.filterwarnings("ignore:invalid value encountered in matmul:RuntimeWarning")  # inf - inf, before the error
def test_non_finite_input_to_linear(bad):
    x = X.copy()
    x[1, 2] = bad
    with pytest.raises(ValueError, match=r"Linear received an input of shape \(2, 3\) containing NaN or inf"):
        Linear(3, 2)(x)


@pytest.mark.parametrize("init", ["zeros", "he_normal"])
def test_non_finite_input_is_caught_whatever_the_weights(init):
    # Linear checks its output; a NaN input must reach it even through all-zero weights (NaN * 0 = NaN).
    x = X.copy()
    x[0, 0] = np.nan
    with pytest.raises(ValueError, match="Linear received an input"):
        Linear(3, 2, init=init, rng=0)(x)


@pytest.mark.parametrize("module", [Linear(3, 2), Sigmoid(), Tanh(), ReLU(), LeakyReLU(), GELU(), SiLU(), Softmax(),
                                    Dropout(0.5), BatchNorm1d(3), LayerNorm(3), RMSNorm(3), Sequential(Linear(3, 2))],
                         ids=lambda m: type(m).__name__)
def test_backward_before_forward_is_a_clear_runtime_error(module):
    name = type(module).__name__ if not isinstance(module, Sequential) else "Linear"
    with pytest.raises(RuntimeError, match=rf"{name}\.backward\(\) called before forward\(\)"):
        module.backward(np.ones((2, 2), dtype=np.float32))


@pytest.mark.parametrize("module, out_shape", [(Linear(3, 2), (2, 2)), (ReLU(), (2, 3)), (BatchNorm1d(3), (2, 3))],
                         ids=lambda m: type(m).__name__)
def test_backward_with_a_gradient_of_the_wrong_shape(module, out_shape):
    module(X)
    expected = rf"{type(module).__name__}\.backward expected grad_output of shape \({out_shape[0]}, {out_shape[1]}\)"
    with pytest.raises(ValueError, match=expected + r" \(the forward output's shape\), got \(2, 5\)"):
        module.backward(np.ones((2, 5), dtype=np.float32))


@pytest.mark.parametrize("module, message", [
    (BatchNorm1d(4), r"BatchNorm1d expected input of shape \(batch, 4\), got shape \(2, 3\)"),
    (LayerNorm(4), r"LayerNorm expected input of shape \(batch, 4\), got shape \(2, 3\)"),
    (RMSNorm((2, 4)), r"RMSNorm expected input of shape \(batch, 2, 4\), got shape \(2, 3\)"),
])
def test_norm_layers_wrong_feature_size(module, message):
    with pytest.raises(ValueError, match=message):
        module(X)


def test_batchnorm_needs_two_samples_in_training_but_not_in_eval():
    with pytest.raises(ValueError, match=r"BatchNorm1d expected more than 1 sample .* got shape \(1, 3\)"):
        BatchNorm1d(3)(X[:1])
    assert BatchNorm1d(3).eval()(X[:1]).shape == (1, 3)


LOGITS = np.zeros((4, 10), dtype=np.float32)


@pytest.mark.parametrize("labels, error, message", [
    (np.array([0, 3, 10, 2]), ValueError, r"CrossEntropyLoss expected labels in \[0, 9\], got values in \[0, 10\]"),
    (np.array([0, -1, 2, 2]), ValueError, r"CrossEntropyLoss expected labels in \[0, 9\], got values in \[-1, 2\]"),
    (np.array([0.0, 1.0, 2.0, 3.0]), TypeError, r"CrossEntropyLoss expected integer class labels, got dtype float64"),
    (np.zeros((4, 1), dtype=np.int64), ValueError,
     r"CrossEntropyLoss expected labels of shape \(4,\) for logits \(4, 10\), got \(4, 1\)"),
])
def test_cross_entropy_bad_labels(labels, error, message):
    with pytest.raises(error, match=message):
        CrossEntropyLoss()(LOGITS, labels)


def test_cross_entropy_needs_two_dimensional_float_logits():
    with pytest.raises(ValueError, match=r"CrossEntropyLoss expected predictions with 2 dimensions, got shape \(10,\)"):
        CrossEntropyLoss()(LOGITS[0], np.array([1]))
    with pytest.raises(TypeError, match="CrossEntropyLoss expected floating-point predictions, got dtype int64"):
        CrossEntropyLoss()(np.zeros((4, 10), dtype=np.int64), np.zeros(4, dtype=np.int64))


@pytest.mark.parametrize("loss", [MSELoss(), BCEWithLogitsLoss(), HuberLoss()], ids=repr)
def test_mismatched_prediction_and_target_shapes_do_not_broadcast(loss):
    # (N, 1) against (N,) would silently broadcast to (N, N) in NumPy: the classic regression bug.
    name = type(loss).__name__
    with pytest.raises(ValueError, match=rf"{name} expected target of shape \(4, 1\) .*, got \(4,\)"):
        loss(np.zeros((4, 1), dtype=np.float32), np.zeros(4, dtype=np.float32))


@pytest.mark.parametrize("loss", [CrossEntropyLoss(), MSELoss(), BCEWithLogitsLoss(), HuberLoss()], ids=repr)
def test_loss_backward_before_forward(loss):
    with pytest.raises(RuntimeError, match=rf"{type(loss).__name__}\.backward\(\) called before the loss"):
        loss.backward()


def test_constructor_arguments_are_checked():
    with pytest.raises(ValueError, match="GELU expected approximate='none' or 'tanh', got 'fast'"):
        GELU("fast")
    with pytest.raises(ValueError, match="HuberLoss: delta must be > 0 and finite, got 0"):
        HuberLoss(0)
