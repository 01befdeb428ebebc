"""The scratchnn MLP ported to PyTorch, with weights that move both ways.

Every scratchnn layer used by the labs' MLPs has a ``torch.nn`` twin with the same name and formula.
The one real difference is the weight layout: scratchnn's ``Linear`` stores ``W`` as
``(in_features, out_features)`` and computes ``y = x @ W + b``; ``torch.nn.Linear`` stores it as
``(out_features, in_features)`` and computes ``y = x @ W.T + b``. The two weights are transposes of
each other, so a port copies ``W.T`` one way and ``W.T`` back.

``to_torch(model)`` builds the ``torch.nn.Sequential`` twin of a scratchnn ``Sequential`` with the
same weights (same architecture, same initialisation); ``from_torch(torch_model)`` goes back;
``copy_weights_to_torch`` / ``copy_weights_from_torch`` update an existing pair in place.
``scratchnn_sgd_step`` and ``torch_sgd_step`` are one training step written line for line alike.
``check_port`` is the self-check for a learner's own port (Lab 1.5.6).
"""

from __future__ import annotations

import inspect

import numpy as np
import torch

from . import nn, optim
from .nn._catalog import parameterless_layers
from .checks._common import CheckItem, CheckResult, _error
from .train import make_mlp

__all__ = [
    "torch_mlp",
    "to_torch",
    "from_torch",
    "copy_weights_to_torch",
    "copy_weights_from_torch",
    "scratchnn_sgd_step",
    "torch_sgd_step",
    "torch_dtype",
    "check_port",
    "PORT_TOLERANCE",
]

#: Largest accepted relative gap (``max|torch - scratchnn| / max|scratchnn|``) between a port and
#: scratchnn in float64. Rounding alone gives about 1e-16 to 1e-14 here (two libraries summing the
#: same products in another order); a wrong transpose, bias or activation gives 1e-2 or more.
PORT_TOLERANCE = 1e-10

_TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def torch_dtype(numpy_dtype):
    """The torch dtype for a NumPy float32/float64 dtype; anything else is a clear ``TypeError``."""
    try:
        return _TORCH_DTYPES[np.dtype(numpy_dtype)]
    except KeyError:
        raise TypeError(f"torch_port supports float32 and float64 weights, got dtype {np.dtype(numpy_dtype)}") from None


def torch_mlp(layer_sizes=(784, 256, 128, 10), *, seed=0, dtype=np.float32):
    """The labs' ReLU MLP in PyTorch, with exactly the weights ``make_mlp(layer_sizes, seed=seed)`` draws."""
    return to_torch(make_mlp(layer_sizes, seed=seed, dtype=dtype))


def scratchnn_sgd_step(model, loss_fn, optimizer, x, y):
    """One SGD step in scratchnn; returns the batch loss."""
    optimizer.zero_grad()
    logits = model(x)
    loss = loss_fn(logits, y)
    # Backward by hand: each layer applies its own chain rule.
    model.backward(loss_fn.backward())
    optimizer.step()
    return loss


def torch_sgd_step(model, loss_fn, optimizer, x, y):
    """The same step in PyTorch; returns the batch loss."""
    optimizer.zero_grad()
    logits = model(x)
    loss = loss_fn(logits, y)
    # Autograd replays the recorded graph backwards.
    loss.backward()
    optimizer.step()
    return loss.item()


def _linear_to_torch(layer):
    """A ``torch.nn.Linear`` holding the transpose of ``layer``'s
    (in, out) weight."""
    twin = torch.nn.Linear(layer.in_features, layer.out_features,
                           bias=layer.bias is not None,
                           dtype=torch_dtype(layer.weight.data.dtype))
    # copy_ copies: the twin never shares the NumPy arrays
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.weight.data.T.copy()))
        if layer.bias is not None:
            twin.bias.copy_(torch.from_numpy(layer.bias.data))
    return twin


def _linear_from_torch(twin):
    """A scratchnn ``Linear`` holding the transpose of ``twin``'s ``(out, in)`` weight."""
    weight = twin.weight.detach().cpu().numpy()
    layer = nn.Linear(twin.in_features, twin.out_features, bias=twin.bias is not None,
                          init="zeros", dtype=weight.dtype)
    layer.weight.data[...] = weight.T
    if twin.bias is not None:
        layer.bias.data[...] = twin.bias.detach().cpu().numpy()
    return layer


# Parameter-free layers (activations, Dropout) have a torch twin of the same class name, built from the
# same constructor arguments; only these argument names differ (scratchnn's -> torch's).
_TORCH_ARGUMENT = {"axis": "dim"}


#: scratchnn class -> torch class, for every parameter-free layer of scratchnn.nn that torch.nn has.
_TWINS = {ours: getattr(torch.nn, ours.__name__) for ours in parameterless_layers() if hasattr(torch.nn, ours.__name__)}


def _twin(source, target_cls, renames):
    """``target_cls`` built with ``source``'s values of the constructor arguments both sides share."""
    wanted = inspect.signature(target_cls).parameters
    values = {}
    for name in wanted:
        source_name = next((a for a, b in renames.items() if b == name), name)
        if hasattr(source, source_name):
            values[name] = getattr(source, source_name)
    return target_cls(**values)


def _supported(kind):
    names = ["Linear"] + [cls.__name__ for cls in (_TWINS if kind == "scratchnn" else _TWINS.values())]
    return ", ".join(names)


def to_torch(model):
    """The ``torch.nn.Sequential`` twin of a scratchnn ``Sequential``.

    Same layers, same weights (copied), same training/evaluation mode.
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError("to_torch expected a scratchnn Sequential, "
                        f"got {type(model).__name__}")
    twins = []
    for index, module in enumerate(model):
        if isinstance(module, nn.Linear):
            twins.append(_linear_to_torch(module))
        elif type(module) in _TWINS:
            twin_class = _TWINS[type(module)]
            twins.append(_twin(module, twin_class, _TORCH_ARGUMENT))
        else:
            raise TypeError(f"to_torch cannot port layer {index} "
                            f"({type(module).__name__}); "
                            f"supported: {_supported('scratchnn')}")
    return torch.nn.Sequential(*twins).train(model.training)


def from_torch(torch_model):
    """The scratchnn ``Sequential`` twin of a ``torch.nn.Sequential`` (weights copied to NumPy)."""
    if not isinstance(torch_model, torch.nn.Sequential):
        raise TypeError(f"from_torch expected a torch.nn.Sequential, got {type(torch_model).__name__}")
    ours = {theirs: ours for ours, theirs in _TWINS.items()}
    modules = []
    for index, twin in enumerate(torch_model):
        if type(twin) is torch.nn.Linear:
            modules.append(_linear_from_torch(twin))
        elif type(twin) in ours:
            modules.append(_twin(twin, ours[type(twin)], {b: a for a, b in _TORCH_ARGUMENT.items()}))
        else:
            raise TypeError(f"from_torch cannot port layer {index} ({type(twin).__name__}); "
                            f"supported: {_supported('torch')}")
    return nn.Sequential(*modules).train(torch_model.training)


def _linear_pairs(model, torch_model):
    """The matching ``(scratchnn Linear, torch Linear)`` pairs, after checking both nets have one shape."""
    ours = [m for m in model if isinstance(m, nn.Linear)]
    # modules() walks any torch module (a Sequential or the learner's own nn.Module) in the order
    # its layers were assigned, which is the order of the forward pass for an MLP.
    theirs = [t for t in torch_model.modules() if isinstance(t, torch.nn.Linear)]
    shapes = [(m.in_features, m.out_features, m.bias is not None) for m in ours]
    their_shapes = [(t.in_features, t.out_features, t.bias is not None) for t in theirs]
    if shapes != their_shapes:
        raise ValueError(f"the two models differ: scratchnn Linear (in, out, has_bias) {shapes}, "
                         f"torch Linear (in, out, has_bias) {their_shapes}")
    return zip(ours, theirs)


def copy_weights_to_torch(model, torch_model):
    """Overwrite ``torch_model``'s Linear weights with ``model``'s (transposed); returns ``torch_model``."""
    with torch.no_grad():
        for layer, twin in _linear_pairs(model, torch_model):
            twin.weight.copy_(torch.from_numpy(layer.weight.data.T.copy()))
            if layer.bias is not None:
                twin.bias.copy_(torch.from_numpy(layer.bias.data))
    return torch_model


def copy_weights_from_torch(torch_model, model):
    """Overwrite ``model``'s Linear weights with ``torch_model``'s (transposed); returns ``model``."""
    for layer, twin in _linear_pairs(model, torch_model):
        layer.weight.data[...] = twin.weight.detach().cpu().numpy().T
        if layer.bias is not None:
            layer.bias.data[...] = twin.bias.detach().cpu().numpy()
    return model


def _weights_as_scratchnn(model, torch_model):
    """``{name: array}`` of ``torch_model``'s Linear weights in scratchnn's layout and naming."""
    state = {}
    for index, (layer, twin) in enumerate(_linear_pairs(model, torch_model)):
        state[f"linear{index}.weight"] = twin.weight.detach().cpu().numpy().T
        if twin.bias is not None:
            state[f"linear{index}.bias"] = twin.bias.detach().cpu().numpy()
    return state


def _weights_of(model):
    """``{name: array copy}`` of a scratchnn model's Linear weights, named like ``_weights_as_scratchnn``."""
    state = {}
    for index, layer in enumerate(m for m in model if isinstance(m, nn.Linear)):
        state[f"linear{index}.weight"] = layer.weight.data.copy()
        if layer.bias is not None:
            state[f"linear{index}.bias"] = layer.bias.data.copy()
    return state


def _largest_gap(got, expected):
    return max(_error(got[name], value) for name, value in expected.items())


def check_port(port, *, layer_sizes=(784, 256, 128, 10), seed=0, lr=0.1, verbose=True):
    """Self-check for your PyTorch port of the labs' MLP, in float64 against scratchnn.

    ``port`` is either

    * a function ``port(model) -> torch.nn.Module`` that builds the torch twin of a scratchnn
      ``Sequential`` *with its weights* (the exercise of Lab 1.5.6), or
    * a ``torch.nn.Module`` you built with the same layers; the check loads the scratchnn weights
      into it (transposed, with ``copy_weights_to_torch``) and converts it to float64.

    On a random batch the check compares the logits, the loss, and every weight after one SGD step
    (``lr``) taken by ``torch.optim.SGD`` on your model and by ``scratchnn.optim.SGD`` on the
    original. "Error" is ``max|torch - scratchnn| / max|scratchnn|``; it passes at or below
    ``PORT_TOLERANCE`` (float64 rounding gives about 1e-15). Prints a report unless ``verbose`` is
    False and returns a ``scratchnn.checks.CheckResult``.
    """
    component = getattr(port, "__name__", type(port).__name__)
    result = CheckResult(f"check_port({component})")
    model = make_mlp(layer_sizes, seed=seed, dtype=np.float64)
    reference = make_mlp(layer_sizes, seed=seed, dtype=np.float64)  # stepped by scratchnn; `model` stays put
    before = _weights_of(model)
    rng = np.random.default_rng(seed + 1)
    x = rng.random((32, layer_sizes[0]))
    y = rng.integers(0, layer_sizes[-1], size=32)

    def finish():
        if verbose:
            print(result.report())
        return result

    if isinstance(port, torch.nn.Module):
        twin = port.double()
        try:
            copy_weights_to_torch(model, twin)
        except ValueError as error:
            result.items.append(CheckItem("same Linear layers as scratchnn", False, hint=str(error)))
            return finish()
        result.items.append(CheckItem("same Linear layers as scratchnn; scratchnn weights loaded", True))
    else:
        twin = port(model)
        if not isinstance(twin, torch.nn.Module):
            result.items.append(CheckItem("port(model) returns a torch.nn.Module", False,
                                          hint=f"got {type(twin).__name__}; return a torch.nn.Sequential"))
            return finish()
        try:
            _linear_pairs(model, twin)
        except ValueError as error:
            result.items.append(CheckItem("same Linear layers as scratchnn", False, hint=str(error)))
            return finish()
        result.items.append(CheckItem("port(model) returns a torch.nn.Module with the same Linear layers", True))
        dtypes = {p.dtype for p in twin.parameters()}
        result.items.append(CheckItem(
            "weights in float64", dtypes == {torch.float64},
            hint="" if dtypes == {torch.float64} else
            f"got {sorted(map(str, dtypes))}: create torch.nn.Linear(..., dtype=torch.float64) "
            "(torch_dtype(layer.weight.data.dtype)) so float32 rounding cannot hide a mistake"))
        twin = twin.double()  # go on in float64 either way, so the later checks still say something
        gap = _largest_gap(_weights_as_scratchnn(model, twin), before)
        hint = ("torch.nn.Linear stores W as (out, in): copy layer.weight.data.T, and copy the bias too"
                if gap > 1e-6 else "the weights went through float32 on the way (see above)")
        result.items.append(CheckItem("the torch weights are the scratchnn weights", gap <= PORT_TOLERANCE, gap,
                                      hint="" if gap <= PORT_TOLERANCE else hint))

    logits = model(x)
    torch_logits = twin(torch.from_numpy(x))
    gap = _error(torch_logits.detach().numpy(), logits)
    result.items.append(CheckItem(
        "same logits on a batch of 32", gap <= PORT_TOLERANCE, gap,
        hint="" if gap <= PORT_TOLERANCE else
        "the forward pass differs: check the activation between the Linear layers (and none after the last)"))

    loss = scratchnn_sgd_step(reference, nn.CrossEntropyLoss(), optim.SGD(reference.parameters(), lr=lr), x, y)
    torch_loss = torch_sgd_step(twin, torch.nn.CrossEntropyLoss(), torch.optim.SGD(twin.parameters(), lr=lr),
                                torch.from_numpy(x), torch.from_numpy(y))
    gap = abs(torch_loss - loss) / abs(loss)
    result.items.append(CheckItem("same cross-entropy loss", gap <= PORT_TOLERANCE, gap))

    gap = _largest_gap(_weights_as_scratchnn(model, twin), _weights_of(reference))
    result.items.append(CheckItem(
        f"one SGD step (lr {lr}) moves every weight to the same place", gap <= PORT_TOLERANCE, gap,
        hint="" if gap <= PORT_TOLERANCE else
        "the gradients differ: every weight must be a torch.nn.Parameter of a registered layer"))

    moved = _largest_gap(_weights_of(model), before)
    result.items.append(CheckItem(
        "the port copied the weights (the torch step left the scratchnn model unchanged)", moved == 0.0,
        hint="" if moved == 0.0 else
        "the torch weights share memory with the NumPy arrays: copy them (.copy() or tensor.copy_)"))
    return finish()
