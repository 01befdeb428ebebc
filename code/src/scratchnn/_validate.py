"""Every argument and array check of the package, in one place, so the taught classes hold only their maths.

Argument checks (``real``, ``integer``, ``sequence``, ``distinct``, ``seeded_rng``) return the value in
the form the caller stores (a Python ``float`` or ``int``). Array checks run *around* the taught
methods: ``Module`` and ``Loss`` wrap every subclass's ``forward`` and ``backward`` with
``checked_module_methods`` / ``checked_loss_methods`` when the class is created, so
``Linear.forward`` is ``y = x @ W + b`` and nothing else, while ``layer(x)`` still refuses an
integer array, a wrong shape or a backward before the forward. The checks of what training is
given live here too: ``xy_pair`` (the one ``(x, y)`` check of ``DataLoader``, ``train_val_split``,
``evaluate`` and ``fit``'s ``val``), ``trainable_model``. Every error names the function or layer,
what it expected and what came.
"""

import functools
import math
import numbers

import numpy as np


def real(owner, name, value, *, low=None, high=None, low_open=False, high_open=False):
    """A finite real number in the interval ``[low, high]`` (``(low, ...`` with ``low_open``) -> float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {value!r} ({type(value).__name__})")
    number = float(value)
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and (number >= high if high_open else number > high)
    if not math.isfinite(number) or too_low or too_high:
        raise ValueError(f"{owner}: {name} must be {_interval(low, high, low_open, high_open)}, got {value!r}")
    return number


def integer(owner, name, value, *, low=1):
    """A whole number (``3`` or ``3.0``, Python or NumPy) of at least ``low`` -> int."""
    expected = "a positive integer" if low == 1 else f"an integer >= {low}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be {expected}, got {value!r} ({type(value).__name__})")
    if not (math.isfinite(value) and value == int(value) and value >= low):
        raise ValueError(f"{owner}: {name} must be {expected}, got {value!r}")
    return int(value)


def sequence(owner, name, value, item="object"):
    """A list or tuple (not one bare object, a string or a generator used up by a first pass) -> list."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{owner}: {name} must be a list of {item}s, got {type(value).__name__}; "
                        f"wrap a single one in a list: {name}=[...]")
    return list(value)


def distinct(owner, what, positioned):
    """Refuse the same object twice (by identity) among ``(position, object)`` pairs, naming both positions."""
    first_seen = {}
    for position, item in positioned:
        if id(item) in first_seen:
            raise ValueError(f"{owner}: the same {what} appears twice, at positions {first_seen[id(item)]} and "
                             f"{position} ({type(item).__name__})")
        first_seen[id(item)] = position


def seeded_rng(owner, seed):
    """A ``numpy.random.Generator`` from ``seed`` (an int or a Generator, passed through); None is refused
    so that every run of the caller can be repeated."""
    if seed is None:
        raise ValueError(f"{owner} needs seed= (an int or a numpy Generator) so that runs are reproducible")
    if isinstance(seed, (np.random.Generator, np.random.SeedSequence, np.random.BitGenerator)):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):  # NumPy's own words are about "entropy"
        raise TypeError(f"{owner}: seed must be an integer >= 0 or a numpy Generator, got {seed!r} "
                        f"({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"{owner}: seed must be an integer >= 0 or a numpy Generator, got {seed!r}")
    return np.random.default_rng(seed)


def _interval(low, high, low_open, high_open):
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g} and finite"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g} and finite"
    return "finite"


def parameter_list(owner, params, parameter_class):
    """A non-empty list of distinct ``Parameter`` objects -> list. The same Parameter twice would be
    stepped twice per step (torch refuses it too)."""
    if isinstance(params, parameter_class):
        raise TypeError(f"{owner} expected a list of Parameters, got one Parameter: pass model.parameters() or [param]")
    params = list(params)
    if not params:
        raise ValueError(f"{owner} got an empty parameter list")
    for p in params:
        if not isinstance(p, parameter_class):
            raise TypeError(f"{owner} expected Parameters, got {type(p).__name__}")
    distinct(owner, "Parameter", enumerate(params))
    return params


def sequential_modules(modules):
    """Refuse what cannot be a layer of a ``Sequential`` (``forward(x)`` and ``backward(grad_output)`` are the
    contract of ``scratchnn.checks``), and the same object at two positions."""
    for index, module in enumerate(modules):
        if not (callable(getattr(module, "forward", None)) and callable(getattr(module, "backward", None))):
            raise TypeError(f"Sequential expected modules (objects with forward(x) and backward(grad_output)), "
                            f"got {type(module).__name__} at position {index}")
    nodes = [(index, node) for index, module in enumerate(modules)
             for node in ([m for _, m in module.named_modules()] if hasattr(module, "named_modules") else [module])]
    distinct("Sequential", "module object (create one per position, e.g. two ReLU())", nodes)


# --- arrays into and out of modules ----------------------------------------------------------------
def float_array(owner, x, expected="a floating-point input"):
    """``x`` as an array of a floating dtype, or a TypeError naming ``owner``."""
    if type(x) is not np.ndarray:
        x = np.asarray(x)
    if x.dtype not in _COMPUTED_DTYPES:  # float32 and float64 pass with one look-up (every layer, every call)
        if x.dtype.kind != "f":
            raise TypeError(f"{owner} expected {expected}, got dtype {x.dtype}")
        supported_dtype(owner, x.dtype)
    return x


_COMPUTED_DTYPES = frozenset({np.dtype(np.float32), np.dtype(np.float64)})


#: Why float16 is refused rather than half supported: 3 significant digits and a largest value of 65504.
FLOAT16 = ("float16 is not supported: its range ends at 65504 and its smallest step near 1 is 0.001, so "
           "intermediate values overflow (GELU is NaN at x = 4) and small constants vanish (Adam's eps 1e-8 "
           "is 0 in float16); use float32 (or float64)")


def supported_dtype(owner, dtype):
    """Refuse float16 (see ``FLOAT16``); every other floating dtype computes correctly."""
    if np.dtype(dtype) == np.float16:
        raise TypeError(f"{owner}: {FLOAT16}")


def _input_contract(module):
    """``(feature_shape, exact_ndim, min_batch)`` read from the layer's own size attributes (torch's
    names), or None for a layer that takes any shape (activations, dropout, your own modules)."""
    state = module.__dict__
    if "in_features" in state:  # Linear
        return (state["in_features"],), 2, 0
    if "num_features" in state:  # BatchNorm1d: the variance of one sample is 0
        return (state["num_features"],), 2, 2 if module.training else 0
    if "normalized_shape" in state:  # LayerNorm, RMSNorm
        return tuple(state["normalized_shape"]), None, 0
    return None


def module_input(module, x):
    """Check what goes into ``module.forward``: floating point, the shape its sizes ask for; a layer
    with sizes gets ``x`` cast to its weight's dtype (float64 data into a float32 network computes in float32)."""
    name = type(module).__name__
    x = float_array(name, x)
    contract = _input_contract(module)
    if contract is None:
        return x
    feature_shape, exact_ndim, min_batch = contract
    k = len(feature_shape)
    ndim_ok = x.ndim == exact_ndim if exact_ndim else x.ndim > k
    if not ndim_ok or x.shape[-k:] != feature_shape:
        expected = "(batch, " + ", ".join(map(str, feature_shape)) + ")"
        raise ValueError(f"{name} expected input of shape {expected}, got shape {x.shape}")
    if len(x) < min_batch:
        raise ValueError(f"{name} expected more than {min_batch - 1} sample per batch in training, got shape {x.shape}")
    weight = getattr(module, "weight", None)
    return x if weight is None else x.astype(weight.data.dtype, copy=False)


class NonFiniteInputError(ValueError):
    """A layer received NaN or inf. Inside ``fit``, with a finite batch, that means the run diverged."""


def module_output(module, x, y):
    """Note the output's shape (what ``backward`` must receive); for a ``Linear`` layer, raise
    ``NonFiniteInputError`` if ``x`` held NaN or inf.

    A layer that mixes each row of ``x`` into its row of ``y`` passes a NaN or inf in ``x`` on to
    ``y``, so a finite ``y`` proves a finite ``x``; ``y`` is checked first because it is usually
    narrower (for MNIST's first layer 256 columns instead of 784).
    """
    state = module.__dict__
    mixes_rows = "in_features" in state  # Linear
    if mixes_rows and not _all_finite(y) and not _all_finite(x):
        raise NonFiniteInputError(f"{type(module).__name__} received an input of shape {x.shape} containing NaN or inf")
    state["_output_shape"] = y.shape if type(y) is np.ndarray else np.shape(y)
    return y


def _all_finite(a):
    """No NaN or inf in the floating array ``a``. Its sum of squares (one BLAS dot product, about twice as
    fast as ``np.isfinite(a).all()``) is finite unless an element is NaN or inf, or the squares of
    finite values above ~1e19 overflow: only then is every element looked at."""
    return math.isfinite(np.vdot(a, a)) or bool(np.isfinite(a).all())


def grad_output(module, grad):
    """Check what goes into ``module.backward``: a forward ran, and ``grad`` has the output's shape."""
    shape = module.__dict__.get("_output_shape")
    if shape is None:
        raise RuntimeError(f"{type(module).__name__}.backward() called before forward(): "
                           "run a forward pass first, it stores what backward needs")
    if type(grad) is not np.ndarray:
        grad = np.asarray(grad)
    if grad.shape != shape:
        raise ValueError(f"{type(module).__name__}.backward expected grad_output of shape {shape} "
                         f"(the forward output's shape), got {grad.shape}")
    return grad


def checked_module_methods(cls):
    """Wrap the ``forward`` and ``backward`` that ``cls`` defines with the checks above.

    A module holding other modules (``Sequential``, a model of your own) passes straight through:
    its layers check themselves, and an error names the layer that failed.
    """
    def check_forward(forward):
        @functools.wraps(forward)
        def checked_forward(self, x, *args, **kwargs):
            if self._modules:
                return forward(self, x, *args, **kwargs)
            x = module_input(self, x)
            return module_output(self, x, forward(self, x, *args, **kwargs))
        return checked_forward

    def check_backward(backward):
        @functools.wraps(backward)
        def checked_backward(self, grad, *args, **kwargs):
            if self._modules:
                return backward(self, grad, *args, **kwargs)
            return backward(self, grad_output(self, grad), *args, **kwargs)
        return checked_backward

    _wrap(cls, "forward", check_forward)
    _wrap(cls, "backward", check_backward)


def _wrap(cls, name, check):
    method = cls.__dict__.get(name)
    if callable(method) and not cls.__dict__.get("_unchecked", False):
        setattr(cls, name, check(method))


# --- arrays into losses ------------------------------------------------------------------------------
def loss_pred(loss, pred):
    """Floating, non-empty predictions (2-D for class labels)."""
    name = type(loss).__name__
    pred = float_array(name, pred, "floating-point predictions")
    ndim = 2 if loss.target_kind == "class labels" else None
    if ndim is not None and pred.ndim != ndim:
        raise ValueError(f"{name} expected predictions with {ndim} dimensions, got shape {pred.shape}")
    if pred.size == 0:  # the mean of nothing is NaN, which would look like a divergence
        raise ValueError(f"{name} expected a non-empty batch, got predictions of shape {pred.shape}")
    return pred


def loss_target(loss, pred, target):
    """The target ``loss.target_kind`` asks for: class labels, or an array of ``pred``'s exact shape (no
    silent broadcasting) cast to ``pred``'s dtype, for ``"probabilities"`` within [0, 1]."""
    name = type(loss).__name__
    target = np.asarray(target)
    if loss.target_kind == "class labels":
        return _class_labels(name, target, pred.shape)
    if target.shape != pred.shape:
        raise ValueError(f"{name} expected target of shape {pred.shape} (the prediction's shape), got {target.shape}")
    if target.dtype.kind not in "fiub":  # float, signed/unsigned int, bool
        raise TypeError(f"{name} expected a numeric target, got dtype {target.dtype}")
    target = target.astype(pred.dtype, copy=False)
    # A target of 255 would give a negative "loss"; the comparison also catches NaN.
    if loss.target_kind == "probabilities" and not ((target >= 0) & (target <= 1)).all():
        raise ValueError(f"{name} expected targets in [0, 1] (probabilities or 0/1 labels), "
                         f"got values in [{np.nanmin(target):g}, {np.nanmax(target):g}]")
    return target


def _class_labels(name, target, logits_shape):
    """Integer labels, one per row of the logits, each a valid class index."""
    n, num_classes = logits_shape
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name} expected integer class labels, got dtype {target.dtype}")
    if target.shape != (n,):
        raise ValueError(f"{name} expected labels of shape ({n},) for logits {logits_shape}, got {target.shape}")
    if n and (target.min() < 0 or target.max() >= num_classes):
        raise ValueError(f"{name} expected labels in [0, {num_classes - 1}], "
                         f"got values in [{target.min()}, {target.max()}]")
    return target


def checked_loss_methods(cls):
    """Wrap the ``forward`` and ``backward`` that the loss class ``cls`` defines with the checks above."""
    def check_forward(forward):
        @functools.wraps(forward)
        def checked_forward(self, pred, target, *args, **kwargs):
            pred = loss_pred(self, pred)
            value = forward(self, pred, loss_target(self, pred, target), *args, **kwargs)
            object.__setattr__(self, "_forward_ran", True)
            return value
        return checked_forward

    def check_backward(backward):
        @functools.wraps(backward)
        def checked_backward(self, *args, **kwargs):
            if not getattr(self, "_forward_ran", False):
                raise RuntimeError(f"{type(self).__name__}.backward() called before the loss was computed: "
                                   "call loss(pred, target) first")
            return backward(self, *args, **kwargs)
        return checked_backward

    _wrap(cls, "forward", check_forward)
    _wrap(cls, "backward", check_backward)


# --- what the training loop is given -------------------------------------------------------------------
def xy_pair(owner, x, y):
    """Arrays ``x`` and ``y`` holding the same, non-zero number of examples (one per row) -> ``(x, y)``."""
    arrays = []
    for name, value in (("x", x), ("y", y)):
        array = np.asarray(value)
        if array.ndim == 0:
            shown = repr(value)
            shown = shown if len(shown) <= 60 else "an object"  # not a whole data set's numbers
            raise TypeError(f"{owner}: {name} must be an array of examples (one per row), "
                            f"got {shown} ({type(value).__name__})")
        arrays.append(array)
    x, y = arrays
    if len(x) != len(y):
        raise ValueError(f"{owner}: x and y must have the same number of examples (one per row), "
                         f"got {len(x)} and {len(y)} (shapes {x.shape} and {y.shape})")
    if len(x) == 0:
        raise ValueError(f"{owner}: x and y must have at least one example, got shapes {x.shape} and {y.shape}")
    return x, y


def trainable_model(who, model, needs=("training", "train")):
    """Refuse a model without what ``who`` uses (a Module has it all; your own layers go in ``Sequential``)."""
    missing = [name for name in needs if not hasattr(model, name)]
    if not callable(model) or missing:
        raise TypeError(f"{who}: model must be a scratchnn Module, got {type(model).__name__} (missing "
                        f"{', '.join(missing) or '__call__'}); put your own layers in a Sequential: "
                        f"Sequential(MyLinear(...), MyReLU(), ...)")


def fit_arguments(model, optimizer, loader, epochs, val, callbacks):
    """Everything ``fit`` is given, checked before the first step -> ``(epochs, val, callbacks)``.

    Validation data is scanned for NaN and inf here, once. Training batches are checked only when a
    step fails (``train.DivergenceCheck``): a NaN or inf in a batch makes its step fail anyway.
    """
    from .data import DataLoader
    from .train import Callback, DivergenceCheck

    trainable_model("fit", model, needs=("training", "train", "named_parameters", "backward"))
    if not isinstance(loader, DataLoader):
        pair = isinstance(loader, (tuple, list))
        raise TypeError(f"fit: loader must be a DataLoader(x, y, batch_size, seed=...), got {type(loader).__name__}"
                        + ("; wrap the pair: DataLoader(x, y, batch_size=64, seed=0)" if pair else ""))
    epochs = integer("fit", "epochs", epochs)
    if val is not None:
        if not (isinstance(val, (tuple, list)) and len(val) == 2):
            got = f"a {type(val).__name__} of {len(val)}" if isinstance(val, (tuple, list)) else type(val).__name__
            raise TypeError(f"fit: val must be an (x, y) pair of arrays, got {got}")
        val = xy_pair("fit(val=...)", *val)
        if np.issubdtype(val[0].dtype, np.floating) and not np.isfinite(val[0]).all():
            raise ValueError("fit: the val inputs contain NaN or inf; clean the data before training")
    callbacks = sequence("fit", "callbacks", callbacks, "Callback")
    for index, callback in enumerate(callbacks):
        if not isinstance(callback, Callback):
            raise TypeError(f"fit: callbacks[{index}] must be a Callback (EarlyStopping, StepLR, ... or a subclass "
                            f"of scratchnn.train.Callback), got {type(callback).__name__}")
    checks = [index for index, callback in enumerate(callbacks) if isinstance(callback, DivergenceCheck)]
    if len(checks) > 1:
        raise ValueError(f"fit: callbacks hold {len(checks)} DivergenceChecks (positions {checks}); give at most one "
                         "(it replaces the default DivergenceCheck())")
    if not list(model.named_parameters()):
        raise ValueError("fit: the model has no parameters to train")
    optimizer_of(model, optimizer)
    return epochs, val, callbacks


def optimizer_of(model, optimizer):
    """Refuse an optimizer holding parameters that are not ``model``'s: it was built for another model,
    so ``fit`` would train nothing (or step arrays no backward ever fills). A subset is fine (freezing)."""
    held = getattr(optimizer, "params", None)
    if held is None:
        return
    own = {id(param) for _, param in model.named_parameters()}
    foreign = [index for index, param in enumerate(held) if id(param) not in own]
    if foreign:
        raise ValueError(f"fit: the optimizer holds {len(foreign)} of its {len(held)} parameter(s) that are not "
                         f"this model's (positions {foreign[:5]}{' ...' if len(foreign) > 5 else ''}): it was built "
                         "for another model; build it from this model: SGD(model.parameters(), ...)")
