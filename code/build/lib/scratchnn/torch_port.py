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
"""

from __future__ import annotations

import numpy as np
import torch

from . import activations, layers, regularization
from .module import Sequential

__all__ = [
    "mlp",
    "torch_mlp",
    "to_torch",
    "from_torch",
    "copy_weights_to_torch",
    "copy_weights_from_torch",
    "scratchnn_sgd_step",
    "torch_sgd_step",
    "torch_dtype",
]

_TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def torch_dtype(numpy_dtype):
    """The torch dtype for a NumPy float32/float64 dtype; anything else is a clear ``TypeError``."""
    try:
        return _TORCH_DTYPES[np.dtype(numpy_dtype)]
    except KeyError:
        raise TypeError(f"torch_port supports float32 and float64 weights, got dtype {np.dtype(numpy_dtype)}") from None


def mlp(layer_sizes=(784, 256, 128, 10), *, seed=0, dtype=np.float32):
    """The labs' MLP in scratchnn: Linear layers (He-normal weights, zero biases) with ReLU between."""
    rng = np.random.default_rng(seed)
    modules = []
    for i, (fan_in, fan_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        modules.append(layers.Linear(fan_in, fan_out, init="he_normal", rng=rng, dtype=dtype))
        if i < len(layer_sizes) - 2:
            modules.append(activations.ReLU())
    return Sequential(*modules)


def torch_mlp(layer_sizes=(784, 256, 128, 10), *, seed=0, dtype=np.float32):
    """The same MLP in PyTorch, initialised with exactly the numbers ``mlp(..., seed)`` draws."""
    return to_torch(mlp(layer_sizes, seed=seed, dtype=dtype))


def scratchnn_sgd_step(model, loss_fn, optimizer, x, y):
    """One SGD step in scratchnn; returns the batch loss."""
    optimizer.zero_grad()
    logits = model(x)
    loss = loss_fn(logits, y)
    model.backward(loss_fn.backward())  # backward by hand: each layer applies its chain rule
    optimizer.step()
    return loss


def torch_sgd_step(model, loss_fn, optimizer, x, y):
    """The same step in PyTorch; returns the batch loss."""
    optimizer.zero_grad()
    logits = model(x)
    loss = loss_fn(logits, y)
    loss.backward()  # autograd replays the recorded graph backwards
    optimizer.step()
    return loss.item()


def _linear_to_torch(layer):
    """A ``torch.nn.Linear`` holding the transpose of ``layer``'s ``(in, out)`` weight."""
    twin = torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None,
                           dtype=torch_dtype(layer.weight.data.dtype))
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.weight.data.T.copy()))
        if layer.bias is not None:
            twin.bias.copy_(torch.from_numpy(layer.bias.data))
    return twin


def _linear_from_torch(twin):
    """A scratchnn ``Linear`` holding the transpose of ``twin``'s ``(out, in)`` weight."""
    weight = twin.weight.detach().cpu().numpy()
    layer = layers.Linear(twin.in_features, twin.out_features, bias=twin.bias is not None,
                          init="zeros", dtype=weight.dtype)
    layer.weight.data[...] = weight.T
    if twin.bias is not None:
        layer.bias.data[...] = twin.bias.detach().cpu().numpy()
    return layer


# Parameter-free modules: (scratchnn class, torch class, scratchnn -> torch, torch -> scratchnn).
_STATELESS = [
    (activations.ReLU, torch.nn.ReLU, lambda m: torch.nn.ReLU(), lambda t: activations.ReLU()),
    (activations.Sigmoid, torch.nn.Sigmoid, lambda m: torch.nn.Sigmoid(), lambda t: activations.Sigmoid()),
    (activations.Tanh, torch.nn.Tanh, lambda m: torch.nn.Tanh(), lambda t: activations.Tanh()),
    (activations.SiLU, torch.nn.SiLU, lambda m: torch.nn.SiLU(), lambda t: activations.SiLU()),
    (activations.LeakyReLU, torch.nn.LeakyReLU,
     lambda m: torch.nn.LeakyReLU(m.negative_slope), lambda t: activations.LeakyReLU(t.negative_slope)),
    (activations.GELU, torch.nn.GELU,
     lambda m: torch.nn.GELU(approximate=m.approximate), lambda t: activations.GELU(approximate=t.approximate)),
    (activations.Softmax, torch.nn.Softmax,
     lambda m: torch.nn.Softmax(dim=m.axis), lambda t: activations.Softmax(axis=t.dim)),
    (regularization.Dropout, torch.nn.Dropout,
     lambda m: torch.nn.Dropout(m.p), lambda t: regularization.Dropout(t.p)),
]


def _supported(kind):
    names = ["Linear"] + [entry[0 if kind == "scratchnn" else 1].__name__ for entry in _STATELESS]
    return ", ".join(names)


def to_torch(model):
    """The ``torch.nn.Sequential`` twin of a scratchnn ``Sequential``: same layers, same weights, same mode."""
    if not isinstance(model, Sequential):
        raise TypeError(f"to_torch expected a scratchnn Sequential, got {type(model).__name__}")
    twins = []
    for index, module in enumerate(model):
        if isinstance(module, layers.Linear):
            twins.append(_linear_to_torch(module))
            continue
        for ours, _, convert, _ in _STATELESS:
            if type(module) is ours:
                twins.append(convert(module))
                break
        else:
            raise TypeError(f"to_torch cannot port layer {index} ({type(module).__name__}); "
                            f"supported: {_supported('scratchnn')}")
    return torch.nn.Sequential(*twins).train(model.training)


def from_torch(torch_model):
    """The scratchnn ``Sequential`` twin of a ``torch.nn.Sequential`` (weights copied to NumPy)."""
    if not isinstance(torch_model, torch.nn.Sequential):
        raise TypeError(f"from_torch expected a torch.nn.Sequential, got {type(torch_model).__name__}")
    modules = []
    for index, twin in enumerate(torch_model):
        if type(twin) is torch.nn.Linear:
            modules.append(_linear_from_torch(twin))
            continue
        for _, theirs, _, convert in _STATELESS:
            if type(twin) is theirs:
                modules.append(convert(twin))
                break
        else:
            raise TypeError(f"from_torch cannot port layer {index} ({type(twin).__name__}); "
                            f"supported: {_supported('torch')}")
    return Sequential(*modules).train(torch_model.training)


def _linear_pairs(model, torch_model):
    """The matching ``(scratchnn Linear, torch Linear)`` pairs, after checking both nets have one shape."""
    ours = [m for m in model if isinstance(m, layers.Linear)]
    theirs = [t for t in torch_model if isinstance(t, torch.nn.Linear)]
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
