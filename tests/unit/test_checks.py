"""The learner self-checks: correct learner-style classes pass, each classic mistake fails with its hint.

The classes below are written the way a learner would write them (plain classes holding
``scratchnn.nn.Parameter`` objects, not subclasses of ``Module``), so these tests also pin down the
contract the lab pages document.
"""

import numpy as np
import pytest

from scratchnn.nn import Parameter
from scratchnn.checks import (
    CheckResult,
    check_activation,
    check_batchnorm,
    check_dropout,
    check_l2_penalty,
    check_layernorm,
    check_linear,
    check_relu,
    check_sgd,
    check_softmax,
    check_softmax_cross_entropy,
)


def failed_hints(result: CheckResult) -> str:
    return " | ".join(result.hints)


# ----------------------------------------------------------------------------- Linear


class GoodLinear:
    def __init__(self, in_features, out_features):
        rng = np.random.default_rng(0)
        self.weight = Parameter(rng.normal(0, np.sqrt(2 / in_features), (in_features, out_features)))
        self.bias = Parameter(np.zeros(out_features))

    def forward(self, x):
        self.x = x
        return x @ self.weight.data + self.bias.data

    def backward(self, grad_output):
        self.weight.grad += self.x.T @ grad_output
        self.bias.grad += grad_output.sum(axis=0)
        return grad_output @ self.weight.data.T


class LinearMeanGrad(GoodLinear):
    """Divides the weight gradient by N although the loss already did."""

    def backward(self, grad_output):
        self.weight.grad += self.x.T @ grad_output / len(self.x)
        self.bias.grad += grad_output.sum(axis=0)
        return grad_output @ self.weight.data.T


class LinearTransposedGrad(GoodLinear):
    def backward(self, grad_output):
        self.weight.grad = grad_output.T @ self.x
        self.bias.grad += grad_output.sum(axis=0)
        return grad_output @ self.weight.data.T


class LinearTransposedWeight(GoodLinear):
    """Stores the weight the PyTorch way, (out, in)."""

    def __init__(self, in_features, out_features):
        self.weight = Parameter(np.zeros((out_features, in_features)))
        self.bias = Parameter(np.zeros(out_features))


class LinearNoBiasGrad(GoodLinear):
    def backward(self, grad_output):
        self.weight.grad += self.x.T @ grad_output
        return grad_output @ self.weight.data.T


class LinearNoBias(GoodLinear):
    def forward(self, x):
        self.x = x
        return x @ self.weight.data


class LinearAssignsGrad(GoodLinear):
    def backward(self, grad_output):
        self.weight.grad = self.x.T @ grad_output
        self.bias.grad = grad_output.sum(axis=0)
        return grad_output @ self.weight.data.T


class LinearWrongSignInput(GoodLinear):
    def backward(self, grad_output):
        super().backward(grad_output)
        return -(grad_output @ self.weight.data.T)


class LinearPlainArrays:
    def __init__(self, in_features, out_features):
        self.weight = np.zeros((in_features, out_features))
        self.bias = np.zeros(out_features)


class LinearBadConstructor:
    def __init__(self, n_in, n_out, activation):
        pass


def test_correct_linear_passes(capsys):
    result = check_linear(GoodLinear)
    assert result.passed and bool(result)
    assert result.max_error < 1e-8
    printed = capsys.readouterr().out
    assert "all passed" in printed and "✗" not in printed


def test_scratchnn_linear_passes_its_own_check():
    from scratchnn.nn import Linear

    assert check_linear(Linear, verbose=False).passed


@pytest.mark.parametrize(
    "broken, hint",
    [
        (LinearMeanGrad, "times too small"),
        (LinearTransposedGrad, "transposed"),
        (LinearTransposedWeight, "transposed"),
        (LinearNoBiasGrad, "bias.grad is all zeros"),
        (LinearNoBias, "bias is missing"),
        (LinearAssignsGrad, "+="),
        (LinearWrongSignInput, "wrong sign"),
        (LinearPlainArrays, "Parameter"),
        (LinearBadConstructor, "in_features"),
    ],
)
def test_broken_linear_fails_with_hint(broken, hint, capsys):
    result = check_linear(broken)
    assert not result.passed
    assert hint in failed_hints(result)
    assert "hint:" in capsys.readouterr().out


# ----------------------------------------------------------------------------- activations


class GoodReLU:
    def forward(self, x):
        self.mask = x > 0
        return np.where(self.mask, x, 0.0)

    def backward(self, grad_output):
        return grad_output * self.mask


class ReLUPassThrough(GoodReLU):
    def backward(self, grad_output):
        return grad_output


class ReLUReturnsMask(GoodReLU):
    def backward(self, grad_output):
        return self.mask.astype(float)


class ReLUInPlace(GoodReLU):
    def forward(self, x):
        self.mask = x > 0
        x[~self.mask] = 0
        return x


class NaiveSigmoid:
    """Correct maths, but exp(-x) overflows for large negative x."""

    def forward(self, x):
        self.y = 1 / (1 + np.exp(-x))
        return self.y

    def backward(self, grad_output):
        return grad_output * self.y * (1 - self.y)


class StableSigmoid(NaiveSigmoid):
    def forward(self, x):
        z = np.exp(-np.abs(x))
        self.y = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
        return self.y


class TanhWrongDerivative:
    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad_output):
        return grad_output * (1 - self.y)


def test_correct_relu_passes():
    assert check_relu(GoodReLU, verbose=False).passed


@pytest.mark.parametrize(
    "broken, hint",
    [
        (ReLUPassThrough, "unchanged"),
        (ReLUReturnsMask, "multiply it by grad_output"),
        (ReLUInPlace, "in place"),
    ],
)
def test_broken_relu_fails_with_hint(broken, hint):
    result = check_relu(broken, verbose=False)
    assert not result.passed
    assert hint in failed_hints(result)


def test_sigmoid_stability_is_checked():
    naive = check_activation(NaiveSigmoid, "sigmoid", verbose=False)
    assert not naive.passed and "overflow" in failed_hints(naive)
    assert check_activation(StableSigmoid, "sigmoid", verbose=False).passed


def test_wrong_derivative_fails_both_reference_and_gradient_check():
    result = check_activation(TanhWrongDerivative, "tanh", verbose=False)
    names = [item.name for item in result.failures]
    assert any("backward" in name for name in names)
    assert any("finite-difference" in name for name in names)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "gelu", "silu"])
def test_scratchnn_activations_pass(name):
    from scratchnn.nn._catalog import hidden_activations

    assert check_activation(hidden_activations()[name], name, verbose=False).passed


def test_unknown_activation_name_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        check_activation(GoodReLU, "swish")


# ----------------------------------------------------------------------------- softmax / cross-entropy


class GoodCrossEntropy:
    def forward(self, logits, labels):
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.probs, self.labels = np.exp(log_probs), labels
        return -log_probs[np.arange(len(labels)), labels].mean()

    def backward(self):
        grad = self.probs.copy()
        grad[np.arange(len(self.labels)), self.labels] -= 1
        return grad / len(self.labels)


class CrossEntropyMissingMean(GoodCrossEntropy):
    def backward(self):
        return super().backward() * len(self.labels)


class CrossEntropyNoOnehot(GoodCrossEntropy):
    def backward(self):
        return self.probs / len(self.labels)


class CrossEntropySum(GoodCrossEntropy):
    def forward(self, logits, labels):
        return super().forward(logits, labels) * len(labels)


class CrossEntropyUnstable(GoodCrossEntropy):
    def forward(self, logits, labels):
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        self.probs, self.labels = probs, labels
        return -np.log(probs[np.arange(len(labels)), labels]).mean()


def test_correct_cross_entropy_passes():
    assert check_softmax_cross_entropy(GoodCrossEntropy, verbose=False).passed


@pytest.mark.parametrize(
    "broken, hint",
    [
        (CrossEntropyMissingMean, "missing 1/N"),
        (CrossEntropyNoOnehot, "subtract the one-hot"),
        (CrossEntropySum, "not the sum"),
        (CrossEntropyUnstable, "log-sum-exp"),
    ],
)
def test_broken_cross_entropy_fails_with_hint(broken, hint):
    result = check_softmax_cross_entropy(broken, verbose=False)
    assert not result.passed
    assert hint in failed_hints(result)


class GoodSoftmax:
    def forward(self, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        self.s = e / e.sum(axis=-1, keepdims=True)
        return self.s

    def backward(self, grad_output):
        return self.s * (grad_output - (grad_output * self.s).sum(axis=-1, keepdims=True))


class SoftmaxColumns(GoodSoftmax):
    def forward(self, x):
        e = np.exp(x - x.max())
        return e / e.sum(axis=0, keepdims=True)


class SoftmaxForwardOnly:
    def forward(self, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)


def test_softmax_checks():
    assert check_softmax(GoodSoftmax, verbose=False).passed
    forward_only = check_softmax(SoftmaxForwardOnly, verbose=False)
    assert forward_only.passed and any(item.skipped for item in forward_only.items)
    columns = check_softmax(SoftmaxColumns, verbose=False)
    assert not columns.passed and "columns sum to 1" in failed_hints(columns)


# ----------------------------------------------------------------------------- SGD


class GoodSGD:
    def __init__(self, params, lr, momentum=0.0):
        self.params, self.lr, self.momentum = params, lr, momentum
        self.velocity = [np.zeros_like(p.data) for p in params]

    def step(self):
        for p, v in zip(self.params, self.velocity):
            v *= self.momentum
            v += p.grad
            p.data -= self.lr * v

    def zero_grad(self):
        for p in self.params:
            p.grad[...] = 0


class PlainSGD:
    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def step(self):
        for p in self.params:
            p.data -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad.fill(0)


class SGDUphill(PlainSGD):
    def step(self):
        for p in self.params:
            p.data += self.lr * p.grad


class SGDZeroGradNone(PlainSGD):
    def zero_grad(self):
        for p in self.params:
            p.grad = None


class SGDDampened(GoodSGD):
    def step(self):
        for p, v in zip(self.params, self.velocity):
            v *= self.momentum
            v += (1 - self.momentum) * p.grad
            p.data -= self.lr * v


def test_correct_sgd_passes_with_and_without_momentum():
    assert check_sgd(GoodSGD, verbose=False).passed
    plain = check_sgd(PlainSGD, verbose=False)
    assert plain.passed and any(item.skipped and "momentum" in item.name for item in plain.items)


@pytest.mark.parametrize(
    "broken, hint",
    [(SGDUphill, "uphill"), (SGDZeroGradNone, "not None"), (SGDDampened, "no dampening")],
)
def test_broken_sgd_fails_with_hint(broken, hint):
    result = check_sgd(broken, verbose=False)
    assert not result.passed
    assert hint in failed_hints(result)


# ----------------------------------------------------------------------------- BatchNorm / LayerNorm


class GoodBatchNorm:
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.weight = Parameter(np.ones(num_features))
        self.bias = Parameter(np.zeros(num_features))
        self.running_mean = np.zeros(num_features)
        self.running_var = np.ones(num_features)
        self.eps, self.momentum, self.training = eps, momentum, True

    def forward(self, x):
        if self.training:
            mean, var = x.mean(axis=0), x.var(axis=0)
            n = len(x)
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * n / (n - 1)
        else:
            mean, var = self.running_mean, self.running_var
        self.inv_std = 1 / np.sqrt(var + self.eps)
        self.xhat = (x - mean) * self.inv_std
        return self.xhat * self.weight.data + self.bias.data

    def backward(self, g):
        self.weight.grad += (g * self.xhat).sum(axis=0)
        self.bias.grad += g.sum(axis=0)
        dxhat = g * self.weight.data
        return (dxhat - dxhat.mean(axis=0) - self.xhat * (dxhat * self.xhat).mean(axis=0)) * self.inv_std


class BatchNormNoRunningStats(GoodBatchNorm):
    """Never updates the running statistics and evaluates with batch statistics."""

    def forward(self, x):
        mean, var = x.mean(axis=0), x.var(axis=0)
        self.inv_std = 1 / np.sqrt(var + self.eps)
        self.xhat = (x - mean) * self.inv_std
        return self.xhat * self.weight.data + self.bias.data


class BatchNormConstantStats(GoodBatchNorm):
    def backward(self, g):
        self.weight.grad += (g * self.xhat).sum(axis=0)
        self.bias.grad += g.sum(axis=0)
        return g * self.weight.data * self.inv_std


class BatchNormUnbiased(GoodBatchNorm):
    def forward(self, x):
        self.inv_std = 1 / np.sqrt(x.var(axis=0, ddof=1) + self.eps)
        self.xhat = (x - x.mean(axis=0)) * self.inv_std
        return self.xhat * self.weight.data + self.bias.data


class BatchNormBiasedRunningVar(GoodBatchNorm):
    def forward(self, x):
        if self.training:
            mean, var = x.mean(axis=0), x.var(axis=0)
            self.running_mean = 0.9 * self.running_mean + 0.1 * mean
            self.running_var = 0.9 * self.running_var + 0.1 * var
        else:
            mean, var = self.running_mean, self.running_var
        self.inv_std = 1 / np.sqrt(var + self.eps)
        self.xhat = (x - mean) * self.inv_std
        return self.xhat * self.weight.data + self.bias.data


class BatchNormWithoutBuffers:
    def __init__(self, num_features):
        self.weight = Parameter(np.ones(num_features))
        self.bias = Parameter(np.zeros(num_features))

    forward = BatchNormNoRunningStats.forward
    backward = GoodBatchNorm.backward
    eps = 1e-5


def test_correct_batchnorm_passes():
    result = check_batchnorm(GoodBatchNorm, verbose=False)
    assert result.passed, result.report()


def test_scratchnn_norms_pass_their_checks():
    from scratchnn.nn import BatchNorm1d, LayerNorm

    assert check_batchnorm(BatchNorm1d, verbose=False).passed
    assert check_layernorm(LayerNorm, verbose=False).passed


@pytest.mark.parametrize(
    "broken, hint",
    [
        (BatchNormNoRunningStats, "never change"),
        (BatchNormNoRunningStats, "not the batch"),
        (BatchNormConstantStats, "as constants"),
        (BatchNormUnbiased, "biased variance"),
        (BatchNormBiasedRunningVar, "unbiased batch variance"),
        (BatchNormWithoutBuffers, "running_mean = zeros"),
    ],
)
def test_broken_batchnorm_fails_with_hint(broken, hint):
    result = check_batchnorm(broken, verbose=False)
    assert not result.passed
    assert hint in failed_hints(result)


class GoodLayerNorm:
    def __init__(self, normalized_shape, eps=1e-5):
        self.weight = Parameter(np.ones(normalized_shape))
        self.bias = Parameter(np.zeros(normalized_shape))
        self.eps = eps

    def forward(self, x):
        self.inv_std = 1 / np.sqrt(x.var(axis=-1, keepdims=True) + self.eps)
        self.xhat = (x - x.mean(axis=-1, keepdims=True)) * self.inv_std
        return self.xhat * self.weight.data + self.bias.data

    def backward(self, g):
        self.weight.grad += (g * self.xhat).sum(axis=0)
        self.bias.grad += g.sum(axis=0)
        dxhat = g * self.weight.data
        mean = dxhat.mean(axis=-1, keepdims=True)
        return (dxhat - mean - self.xhat * (dxhat * self.xhat).mean(axis=-1, keepdims=True)) * self.inv_std


class LayerNormOverBatch(GoodLayerNorm):
    def forward(self, x):
        self.inv_std = 1 / np.sqrt(x.var(axis=0) + self.eps)
        self.xhat = (x - x.mean(axis=0)) * self.inv_std
        return self.xhat * self.weight.data + self.bias.data


class LayerNormConstantStats(GoodLayerNorm):
    def backward(self, g):
        self.weight.grad += (g * self.xhat).sum(axis=0)
        self.bias.grad += g.sum(axis=0)
        return g * self.weight.data * self.inv_std


def test_layernorm_checks():
    assert check_layernorm(GoodLayerNorm, verbose=False).passed
    over_batch = check_layernorm(LayerNormOverBatch, verbose=False)
    assert not over_batch.passed and "that is BatchNorm" in failed_hints(over_batch)
    constant = check_layernorm(LayerNormConstantStats, verbose=False)
    assert not constant.passed and "as constants" in failed_hints(constant)


# ----------------------------------------------------------------------------- Dropout


class GoodDropout:
    def __init__(self, p):
        self.p, self.training, self.rng = p, True, np.random.default_rng(1)

    def forward(self, x):
        if not self.training:
            return x
        self.mask = (self.rng.random(x.shape) >= self.p) / (1 - self.p)
        return x * self.mask

    def backward(self, grad_output):
        return grad_output * self.mask


class DropoutKeepProbability(GoodDropout):
    def forward(self, x):
        if not self.training:
            return x
        self.mask = (self.rng.random(x.shape) < self.p) / self.p
        return x * self.mask


class DropoutUnscaled(GoodDropout):
    def forward(self, x):
        if not self.training:
            return x
        self.mask = (self.rng.random(x.shape) >= self.p).astype(float)
        return x * self.mask


class DropoutAlwaysOn(GoodDropout):
    def forward(self, x):
        self.mask = (self.rng.random(x.shape) >= self.p) / (1 - self.p)
        return x * self.mask


class DropoutNewMaskInBackward(GoodDropout):
    def backward(self, grad_output):
        return grad_output * (self.rng.random(grad_output.shape) >= self.p) / (1 - self.p)


def test_dropout_checks():
    from scratchnn.nn import Dropout

    assert check_dropout(GoodDropout, verbose=False).passed
    assert check_dropout(Dropout, verbose=False).passed
    cases = [
        (DropoutKeepProbability, "probability of DROPPING"),
        (DropoutUnscaled, "1/(1 − p)"),
        (DropoutAlwaysOn, "return x unchanged"),
        (DropoutNewMaskInBackward, "don't draw a new one"),
    ]
    for broken, hint in cases:
        result = check_dropout(broken, verbose=False)
        assert not result.passed, broken.__name__
        assert hint in failed_hints(result), (broken.__name__, result.report())


def test_report_lists_every_item_and_the_largest_error():
    result = check_linear(LinearMeanGrad, verbose=False)
    text = result.report()
    assert text.startswith("check_linear(LinearMeanGrad):")
    assert text.count("\n") >= len(result.items)
    assert "largest error" in text and result.max_error > 0.5


# ----------------------------------------------------------------------------- L2 penalty


def good_l2(weight, lam):
    return 0.5 * lam * np.sum(weight**2), lam * weight


def l2_without_half(weight, lam):
    return lam * np.sum(weight**2), 2 * lam * weight


def l2_inconsistent(weight, lam):
    return 0.5 * lam * np.sum(weight**2), 2 * lam * weight


def l2_value_only(weight, lam):
    return 0.5 * lam * np.sum(weight**2)


def test_l2_penalty_checks():
    from scratchnn.nn import l2_penalty

    assert check_l2_penalty(good_l2, verbose=False).passed
    assert check_l2_penalty(l2_penalty, verbose=False).passed
    no_half = check_l2_penalty(l2_without_half, verbose=False)
    assert not no_half.passed and "keep the ½" in failed_hints(no_half)
    # Twice the gradient but the book's value: the finite-difference check catches the inconsistency.
    inconsistent = check_l2_penalty(l2_inconsistent, verbose=False)
    assert "not the derivative of your value" in failed_hints(inconsistent)
    value_only = check_l2_penalty(l2_value_only, verbose=False)
    assert not value_only.passed and "(penalty value, gradient array)" in failed_hints(value_only)


# ----------------------------------------------------------------------------- issue 14: wrong code that used to pass,
# values the checks used to crash on, and hints that pointed the wrong way


class ReLUMaskAtZero(GoodReLU):
    def forward(self, x):
        self.mask = x >= 0
        return np.where(self.mask, x, 0.0)


class SoftmaxGlobalMax(GoodSoftmax):
    def forward(self, x):
        e = np.exp(x - x.max())
        self.s = e / e.sum(axis=-1, keepdims=True)
        return self.s


def test_relu_with_mask_at_zero_fails_with_its_hint():
    result = check_relu(ReLUMaskAtZero, verbose=False)
    assert not result.passed and "wrong only where x is exactly 0" in failed_hints(result)
    assert check_relu(GoodReLU, verbose=False).passed


def test_softmax_with_one_global_maximum_fails_with_its_hint():
    result = check_softmax(SoftmaxGlobalMax, verbose=False)
    assert not result.passed and "each row's own maximum" in failed_hints(result)


class LinearReturnsDict(GoodLinear):
    def forward(self, x):
        return {"out": super().forward(x)}


class LinearReturnsObjects(GoodLinear):
    def forward(self, x):
        return np.array([{"row": row} for row in super().forward(x)], dtype=object)


class LinearStringGrad(GoodLinear):
    def backward(self, grad_output):
        self.weight.grad = "dW"
        return grad_output @ self.weight.data.T


class ReLUReturnsDict(GoodReLU):
    def backward(self, grad_output):
        return {"dx": grad_output * self.mask}


class SGDWithoutZeroGrad:
    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def step(self):
        for p in self.params:
            p.data -= self.lr * p.grad


class BatchNormReturnsDict(GoodBatchNorm):
    def forward(self, x):
        return {"y": super().forward(x)}


def l2_none(weight, lam):
    return None, None


def l2_array_value(weight, lam):
    return 0.5 * lam * weight**2, lam * weight


@pytest.mark.parametrize("check, learner", [
    (check_linear, LinearReturnsDict), (check_linear, LinearReturnsObjects), (check_linear, LinearStringGrad),
    (check_relu, ReLUReturnsDict), (check_sgd, SGDWithoutZeroGrad), (check_batchnorm, BatchNormReturnsDict),
    (check_l2_penalty, l2_none), (check_l2_penalty, l2_array_value),
], ids=lambda value: getattr(value, "__name__", str(value)))
def test_unusable_values_are_failed_items_not_crashes(check, learner):
    result = check(learner, verbose=False)  # must not raise
    assert not result.passed and result.hints, result.report()


def test_sgd_without_zero_grad_says_what_is_missing():
    assert "zero_grad" in failed_hints(check_sgd(SGDWithoutZeroGrad, verbose=False))


@pytest.mark.parametrize("function", [l2_none, l2_array_value])
def test_l2_value_that_is_not_one_number(function):
    assert "a single float" in failed_hints(check_l2_penalty(function, verbose=False))


class Float32Linear(GoodLinear):
    def forward(self, x):
        self.x = x.astype(np.float32)
        return self.x @ self.weight.data.astype(np.float32) + self.bias.data.astype(np.float32)

    def backward(self, grad_output):
        g = grad_output.astype(np.float32)
        self.weight.grad += self.x.T @ g
        self.bias.grad += g.sum(axis=0)
        return g @ self.weight.data.T.astype(np.float32)


class CrossEntropySummedStable(GoodCrossEntropy):
    def forward(self, logits, labels):
        return super().forward(logits, labels) * len(labels)


class LayerNormWithoutEps(GoodLayerNorm):
    def __init__(self, normalized_shape):
        super().__init__(normalized_shape, eps=0.0)


class BatchNormWithoutEps(GoodBatchNorm):
    def __init__(self, num_features):
        super().__init__(num_features, eps=0.0)


class BatchNormNoMeanTerm(GoodBatchNorm):
    def backward(self, g):
        super().backward(g)
        dxhat = g * self.weight.data
        return (dxhat - self.xhat * (dxhat * self.xhat).mean(axis=0)) * self.inv_std


class BatchNormNoVarianceTerm(GoodBatchNorm):
    def backward(self, g):
        super().backward(g)
        dxhat = g * self.weight.data
        return (dxhat - dxhat.mean(axis=0)) * self.inv_std


class LayerNormNoMeanTerm(GoodLayerNorm):
    def backward(self, g):
        super().backward(g)
        dxhat = g * self.weight.data
        return (dxhat - self.xhat * (dxhat * self.xhat).mean(axis=-1, keepdims=True)) * self.inv_std


class LinearExtraMeanInPlace(GoodLinear):
    """Lab 1's planted mistake: divides the accumulated weight gradient by the batch size."""

    def backward(self, grad_output):
        grad_input = super().backward(grad_output)
        self.weight.grad /= len(grad_output)
        return grad_input


@pytest.mark.parametrize("check, learner, expected, not_expected", [
    (check_linear, Float32Linear, "computes in float32", "does not differentiate"),
    (check_softmax_cross_entropy, CrossEntropySummedStable, "stable, but the sum over the batch", "log-sum-exp"),
    (check_layernorm, LayerNormWithoutEps, "eps is missing", "float32"),
    (check_batchnorm, BatchNormWithoutEps, "eps is missing", "float32"),
    (check_batchnorm, BatchNormNoMeanTerm, "the term from the mean is missing", "compare your formula"),
    (check_batchnorm, BatchNormNoVarianceTerm, "the term from the variance is missing", "compare your formula"),
    (check_layernorm, LayerNormNoMeanTerm, "the term from the mean is missing", "compare your formula"),
    (check_linear, LinearExtraMeanInPlace, "like `weight.grad /= N`", "not `=`"),
    (check_linear, GoodLinear(5, 3), "pass the class itself, GoodLinear, without parentheses", "the contract is"),
], ids=lambda value: getattr(value, "__name__", type(value).__name__))
def test_hints_point_the_right_way(check, learner, expected, not_expected):
    result = check(learner, verbose=False)
    hints = failed_hints(result)
    assert not result.passed and expected in hints and not_expected not in hints, result.report()



# ----------------------------------------------------------------------------- Each real mistake, named
# (issue 22: a learner's mistake gets the hint that names it; issue 23: forward runs more than once before
# backward, so a layer that keeps only its first input fails.)


class LinearForgetsX(GoodLinear):
    def forward(self, x):
        return x @ self.weight.data + self.bias.data


class LinearCachesOutput(GoodLinear):
    def forward(self, x):
        self.x = x @ self.weight.data + self.bias.data
        return self.x


class LinearCachesFirstXOnly(GoodLinear):
    def forward(self, x):
        if not hasattr(self, "x"):
            self.x = x
        return x @ self.weight.data + self.bias.data


class ReLUInPlace:
    def forward(self, x):
        self.mask = x > 0
        x[~self.mask] = 0
        return x

    def backward(self, grad_output):
        return grad_output * self.mask


class SoftmaxInPlace:
    def forward(self, x):
        x -= x.max(axis=-1, keepdims=True)
        np.exp(x, out=x)
        x /= x.sum(axis=-1, keepdims=True)
        self.s = x
        return x

    def backward(self, g):
        s = self.s
        return s * (g - (g * s).sum(axis=-1, keepdims=True))


class BNRunningInTraining(GoodBatchNorm):
    def forward(self, x):
        mean, var = x.mean(axis=0), x.var(axis=0)
        n = len(x)
        self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
        self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * n / (n - 1)
        self.inv_std = 1 / np.sqrt(self.running_var + self.eps)
        self.xhat = (x - self.running_mean) * self.inv_std
        return self.xhat * self.weight.data + self.bias.data


class BNInPlace(GoodBatchNorm):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        mean, var = x.mean(axis=0), x.var(axis=0)
        n = len(x)
        self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
        self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * n / (n - 1)
        self.inv_std = 1 / np.sqrt(var + self.eps)
        x -= mean
        x *= self.inv_std
        self.xhat = x
        return self.xhat * self.weight.data + self.bias.data


@pytest.mark.parametrize("mistake, check, hint", [
    (LinearForgetsX, check_linear, "backward reads self.x, which forward never stored"),
    (LinearCachesOutput, check_linear, "forward stored its output y where backward needs its input x"),
    (LinearCachesFirstXOnly, check_linear, "matches what an earlier forward call stored"),
    (ReLUInPlace, check_relu, "forward changed its input array in place"),
    (SoftmaxInPlace, check_softmax, "forward changed its input array in place"),
    (BNRunningInTraining, check_batchnorm, "you normalised with the running statistics"),
    (BNInPlace, check_batchnorm, "forward changed its input array in place"),
], ids=lambda value: getattr(value, "__name__", "hint"))
def test_each_real_mistake_gets_the_hint_that_names_it(mistake, check, hint):
    result = check(mistake, verbose=False)
    assert not result.passed and hint in failed_hints(result)
    # The one mistake is the one failure: no misleading second failure from the finite-difference check.
    if mistake not in (LinearCachesFirstXOnly,):
        assert len(result.failures) == 1, result.report()


def test_the_report_names_its_error_measure():
    assert "× max |reference|" in check_linear(LinearMeanGrad, verbose=False).report()
