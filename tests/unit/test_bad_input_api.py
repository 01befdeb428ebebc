"""A table-driven bad-input suite over the public API: every bad argument gets a ValueError or
TypeError that names the function and the argument; never a raw NumPy/Python error.

ARGUMENTS lists each numeric argument with the kind of value it takes; every kind has a list of
values outside its domain (NaN, inf, zero, negatives, wrong types...). Each (argument, bad value)
pair is one test. CASES adds hand-picked inputs with the exact error expected.
"""

import math

import numpy as np
import pytest

from scratchnn import data
from scratchnn.bench import records
from scratchnn.nn import LeakyReLU
from scratchnn.diagnostics import overfit_single_batch
from scratchnn.nn import Linear
from scratchnn.nn import BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, MSELoss
from scratchnn.nn import Parameter, Sequential
from scratchnn.nn import BatchNorm1d, LayerNorm, RMSNorm
from scratchnn.optim import Adam, AdamW, SGD, clip_grad_norm_
from scratchnn.nn import Dropout, l1_penalty, l2_penalty
from scratchnn.train import CosineWithWarmup, EarlyStopping, StepLR, evaluate, fit, make_mlp, predict

# Values outside each domain. Strings, None and bools are wrong types; the rest wrong values.
WRONG_TYPES = ["1", None, True, [1]]
BAD = {
    "positive integer": [0, -1, 2.5, math.nan, math.inf, *WRONG_TYPES],
    "positive real": [0, -1e-9, -1, math.nan, math.inf, -math.inf, *WRONG_TYPES],
    "non-negative real": [-1e-9, -1, math.nan, math.inf, *WRONG_TYPES],
    "probability": [-0.1, 1.5, math.nan, math.inf, *WRONG_TYPES],
    "fraction below 1": [1.0, 1.5, -0.1, math.nan, *WRONG_TYPES],
    "open fraction": [0.0, 1.0, -0.5, math.nan, *WRONG_TYPES],
    "finite real": [math.nan, math.inf, -math.inf, *WRONG_TYPES],
}


def p():
    return Parameter(np.ones(3))


X = np.random.default_rng(0).random((8, 784), dtype=np.float32)
Y = np.arange(8) % 3
TINY = (np.ones((4, 2), np.float32), np.array([0, 1, 0, 1]))


def tiny_model():
    return Sequential(Linear(2, 2, rng=0))


def fit_tiny(**kwargs):
    model = tiny_model()
    arguments = dict(epochs=1, batch_size=2, seed=0, progress=False) | kwargs
    return fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), TINY, **arguments)


# (function name in the message, argument name in the message, kind, call with the value)
ARGUMENTS = [
    ("Linear", "in_features", "positive integer", lambda v: Linear(v, 3)),
    ("Linear", "out_features", "positive integer", lambda v: Linear(3, v)),
    ("BatchNorm1d", "num_features", "positive integer", lambda v: BatchNorm1d(v)),
    ("BatchNorm1d", "eps", "positive real", lambda v: BatchNorm1d(3, eps=v)),
    ("BatchNorm1d", "momentum", "probability", lambda v: BatchNorm1d(3, momentum=v)),
    ("LayerNorm", "normalized_shape", "positive integer", lambda v: LayerNorm(v)),
    ("LayerNorm", "eps", "positive real", lambda v: LayerNorm(3, eps=v)),
    ("RMSNorm", "normalized_shape", "positive integer", lambda v: RMSNorm((2, v))),
    ("RMSNorm", "eps", "positive real", lambda v: RMSNorm(3, eps=v) if v is not None else RMSNorm(3, eps="x")),
    ("Dropout", "p", "probability", lambda v: Dropout(v)),
    ("LeakyReLU", "negative_slope", "finite real", lambda v: LeakyReLU(v)),
    ("HuberLoss", "delta", "positive real", lambda v: HuberLoss(v)),
    ("SGD", "lr", "non-negative real", lambda v: SGD([p()], lr=v)),
    ("SGD", "momentum", "fraction below 1", lambda v: SGD([p()], lr=0.1, momentum=v)),
    ("SGD", "dampening", "probability", lambda v: SGD([p()], lr=0.1, momentum=0.9, dampening=v)),
    ("SGD", "weight_decay", "non-negative real", lambda v: SGD([p()], lr=0.1, weight_decay=v)),
    ("Adam", "lr", "non-negative real", lambda v: Adam([p()], lr=v)),
    ("Adam", "betas[0]", "fraction below 1", lambda v: Adam([p()], betas=(v, 0.999))),
    ("Adam", "betas[1]", "fraction below 1", lambda v: Adam([p()], betas=(0.9, v))),
    ("Adam", "eps", "non-negative real", lambda v: Adam([p()], eps=v)),
    ("Adam", "weight_decay", "non-negative real", lambda v: Adam([p()], weight_decay=v)),
    ("AdamW", "weight_decay", "non-negative real", lambda v: AdamW([p()], weight_decay=v)),
    ("SGD", "lr", "non-negative real", lambda v: setattr(SGD([p()], lr=0.1), "lr", v)),  # what schedules do
    ("clip_grad_norm_", "max_norm", "positive real", lambda v: clip_grad_norm_([p()], v)),
    ("l2_penalty", "lam", "non-negative real", lambda v: l2_penalty(np.ones(3), v)),
    ("l1_penalty", "lam", "non-negative real", lambda v: l1_penalty(np.ones(3), v)),
    ("fit", "epochs", "positive integer", lambda v: fit_tiny(epochs=v)),
    ("fit", "batch_size", "positive integer", lambda v: fit_tiny(batch_size=v)),
    ("evaluate", "batch_size", "positive integer", lambda v: evaluate(tiny_model(), *TINY, batch_size=v)),
    ("predict", "batch_size", "positive integer", lambda v: predict(tiny_model(), TINY[0], batch_size=v)),
    ("EarlyStopping", "patience", "positive integer", lambda v: EarlyStopping(v)),
    ("EarlyStopping", "min_delta", "non-negative real", lambda v: EarlyStopping(2, min_delta=v)),
    ("StepLR", "step_size", "positive integer", lambda v: StepLR(v)),
    ("StepLR", "gamma", "non-negative real", lambda v: StepLR(2, gamma=v)),
    ("CosineWithWarmup", "warmup_epochs", "non-negative real", lambda v: CosineWithWarmup(warmup_epochs=v)),
    ("CosineWithWarmup", "min_lr", "non-negative real", lambda v: CosineWithWarmup(min_lr=v)),
    ("make_mlp", "sizes", "positive integer", lambda v: make_mlp([784, v, 10], seed=0)),
    ("make_mlp", "dropout", "fraction below 1", lambda v: make_mlp([784, 10], dropout=v, seed=0)),
    ("DataLoader", "batch_size", "positive integer", lambda v: data.DataLoader(X, Y, v, seed=0)),
    ("train_val_split", "val_fraction", "open fraction", lambda v: data.train_val_split(X, Y, v, seed=0)),
    ("random_shift", "max_shift", "positive integer", lambda v: data.random_shift(X, np.random.default_rng(0),
                                                                                   max_shift=v - 1 if v == 0 else v)),
    ("random_rotate", "max_degrees", "non-negative real", lambda v: data.random_rotate(X, np.random.default_rng(0),
                                                                                       max_degrees=v)),
    ("make_xor", "number of points", "positive integer", lambda v: data.make_xor(v, seed=0)),
    ("make_xor", "noise", "non-negative real", lambda v: data.make_xor(4, noise=v, seed=0)),
    ("make_spirals", "noise", "non-negative real", lambda v: data.make_spirals(4, noise=v, seed=0)),
    ("make_regression_1d", "noise", "non-negative real", lambda v: data.make_regression_1d(4, noise=v, seed=0)),
    ("overfit_single_batch", "steps", "positive integer", lambda v: overfit_single_batch(
        tiny_model(), CrossEntropyLoss(), SGD([p()], lr=0.1), *TINY, v, target_loss=0.1)),
    ("make_linearly_separable", "margin", "fraction below 1", lambda v: data.make_linearly_separable(4, margin=v, seed=0)),
]

# A few values are inside some domains (LayerNorm([1]) is a valid shape): skip those pairs.
ALLOWED = {("margin", "1.0"), ("margin", "1.5"), ("normalized_shape", "[1]")}


def bad_argument_cases():
    return [pytest.param(owner, name, call, value, id=f"{owner}-{name}={value!r}")
            for owner, name, kind, call in ARGUMENTS for value in BAD[kind] if (name, repr(value)) not in ALLOWED]


@pytest.mark.parametrize("owner, name, call, value", bad_argument_cases())
def test_a_bad_argument_is_a_clear_error(owner, name, call, value):
    with pytest.raises((ValueError, TypeError)) as caught:
        call(value)
    message = str(caught.value)
    assert owner in message and name in message, f"{type(caught.value).__name__}: {message}"


# --- hand-picked inputs, with the exact error -----------------------------------------------------------
def empty(shape, dtype=np.float32):
    return np.zeros(shape, dtype=dtype)


CASES = [
    ("BCE target 255", lambda: BCEWithLogitsLoss()(np.zeros((2, 1), np.float32), np.array([[255], [0]])),
     ValueError, r"BCEWithLogitsLoss expected targets in \[0, 1\] .*, got values in \[0, 255\]"),
    ("BCE target -1", lambda: BCEWithLogitsLoss()(np.zeros(2, np.float32), np.array([-1.0, 0.5])),
     ValueError, r"BCEWithLogitsLoss expected targets in \[0, 1\]"),
    ("BCE NaN target", lambda: BCEWithLogitsLoss()(np.zeros(2, np.float32), np.array([np.nan, 0.5])),
     ValueError, r"BCEWithLogitsLoss expected targets in \[0, 1\]"),
    ("CE empty batch", lambda: CrossEntropyLoss()(empty((0, 10)), np.zeros(0, np.int64)),
     ValueError, r"CrossEntropyLoss expected a non-empty batch, got predictions of shape \(0, 10\)"),
    ("MSE empty batch", lambda: MSELoss()(empty((0, 1)), empty((0, 1))),
     ValueError, r"MSELoss expected a non-empty batch"),
    ("BCE empty batch", lambda: BCEWithLogitsLoss()(empty((0, 1)), empty((0, 1))),
     ValueError, r"BCEWithLogitsLoss expected a non-empty batch"),
    ("Huber empty batch", lambda: HuberLoss()(empty((0, 1)), empty((0, 1))),
     ValueError, r"HuberLoss expected a non-empty batch"),
    ("Linear init typo", lambda: Linear(2, 2, init="he"), ValueError, r"unknown initializer 'he'"),
    ("LayerNorm empty shape", lambda: LayerNorm(()), ValueError, r"LayerNorm: normalized_shape must name at least one"),
    ("Adam betas not a pair", lambda: Adam([p()], betas=0.9), TypeError, r"Adam: betas must be a pair"),
    ("optimizer given one Parameter", lambda: SGD(p(), lr=0.1), TypeError, r"SGD expected a list of Parameters, got one"),
    ("optimizer given arrays", lambda: SGD([np.ones(3)], lr=0.1), TypeError, r"SGD expected Parameters, got ndarray"),
    ("nesterov without momentum", lambda: SGD([p()], lr=0.1, nesterov=True), ValueError, r"nesterov=True requires"),
    ("callbacks not in a list", lambda: fit_tiny(callbacks=EarlyStopping(2, monitor="train_loss")),
     TypeError, r"fit: callbacks must be a list of Callbacks, got EarlyStopping; wrap a single one in a list"),
    ("callbacks hold a function", lambda: fit_tiny(callbacks=[print]),
     TypeError, r"fit: callbacks\[0\] must be a Callback"),
    ("augment not callable", lambda: fit_tiny(augment="shift"), TypeError, r"fit: augment must be a function"),
    ("train not a pair", lambda: fit(tiny_model(), CrossEntropyLoss(), SGD([p()], lr=0.1), TINY[0], epochs=1,
                                     batch_size=2, seed=0), TypeError, r"train must be an \(x, y\) tuple"),
    ("x and y lengths differ", lambda: evaluate(tiny_model(), TINY[0], TINY[1][:3]),
     ValueError, r"evaluate: x and y must have the same number of examples"),
    ("fit a learner's layer directly", lambda: fit(object(), CrossEntropyLoss(), SGD([p()], lr=0.1), TINY, epochs=1,
                                                   batch_size=2, seed=0),
     TypeError, r"fit: model must be a scratchnn Module, got object \(missing training, train, named_parameters, "
                r"backward\); put your own layers in a Sequential"),
    ("evaluate a function", lambda: evaluate(print, *TINY), TypeError, r"evaluate: model must be a scratchnn Module"),
    ("predict on nothing", lambda: predict(tiny_model(), empty((0, 2))), ValueError, r"predict: x must hold at least one"),
    ("Sequential of a function", lambda: Sequential(print), TypeError, r"Sequential expected modules"),
    ("DataLoader without a seed", lambda: data.DataLoader(X, Y, 2), ValueError, r"needs seed="),
    ("small_train_split too many", lambda: data.small_train_split(data.MNIST(X, Y, X, Y), 9, seed=0),
     ValueError, r"small_train_split: n_train must be an integer in 1\.\.8, got 9"),
    ("random_shift of 28 pixels", lambda: data.random_shift(X, np.random.default_rng(0), max_shift=28),
     ValueError, r"random_shift: max_shift must be an integer in 0\.\.27"),
    ("record not an object", lambda: records.validate_record([1]), records.RecordError, r"expected a JSON object"),
    ("overfit_single_batch on an empty batch", lambda: overfit_single_batch(
        tiny_model(), CrossEntropyLoss(), SGD([p()], lr=0.1), empty((0, 2)), np.zeros(0, np.int64), 5, target_loss=0.1),
     ValueError, r"overfit_single_batch: the batch is empty"),
    ("load_state_dict missing key", lambda: tiny_model().load_state_dict({}), KeyError, r"missing keys \['0.bias'"),
]


@pytest.mark.parametrize("call, error, message", [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_a_bad_input_gets_the_expected_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_suite_is_large():
    assert len(bad_argument_cases()) + len(CASES) > 300
