"""Parameter, Module and Sequential: the skeleton every layer hangs on (names as in torch.nn)."""

import numpy as np

from . import _check


class Parameter:
    """A trainable array ``data`` and its gradient ``grad`` (same shape and dtype).

    Optimizers read ``grad`` and update ``data`` in place; ``backward`` adds into ``grad``.

    ``zero_grad()`` clears ``grad`` lazily: it marks the gradient as zero, and the array is filled
    with zeros when ``grad`` is next read, or overwritten by ``accumulate_matmul`` (``grad += a @ b``
    written straight into the array). For a large weight that saves a fill and a temporary of its
    size every step. Read ``param.grad`` rather than keep the array: a reference taken before
    ``zero_grad()`` is cleared only when ``grad`` is next read or written.
    """

    def __init__(self, data):
        self.data = np.asarray(data)
        self.grad = np.zeros_like(self.data)

    @property
    def grad(self):
        if self._grad_is_zero:  # zero_grad() deferred the fill to the first read
            self._grad.fill(0)
            self._grad_is_zero = False
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = value
        self._grad_is_zero = False

    def zero_grad(self):
        """Make ``grad`` zeros (lazily, see the class docstring); the array object stays the same."""
        self._grad_is_zero = True

    def accumulate_matmul(self, a, b):
        """``grad += a @ b``; right after ``zero_grad()`` the product is written into ``grad`` directly."""
        if self._grad_is_zero:
            np.matmul(a, b, out=self._grad)
            self._grad_is_zero = False
        else:
            self._grad += a @ b

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def __repr__(self):
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class of every layer: ``y = module(x)`` runs ``forward``; ``backward(dL/dy)`` returns dL/dx.

    ``backward`` *accumulates* (``+=``) into each parameter's ``grad``; call ``zero_grad()``
    between steps. Assigning a ``Parameter`` or a ``Module`` to an attribute registers it,
    exactly as in torch, so ``parameters()`` finds it; ``register_buffer`` does the same
    for non-trainable state (BatchNorm's running statistics) that ``state_dict`` saves.
    """

    # True for modules whose backward accepts input_grad=False; see backward_for_step.
    can_skip_input_grad = False

    def __new__(cls, *args, **kwargs):
        # Registries exist before any subclass __init__ runs, so forgetting super().__init__() is harmless.
        module = super().__new__(cls)
        module.__dict__.update(_parameters={}, _modules={}, _buffers={}, training=True)
        return module

    def __setattr__(self, name, value):
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif name in self._buffers:
            self._buffers[name] = value
        object.__setattr__(self, name, value)

    def register_buffer(self, name, array):
        """Attach non-trainable state that ``state_dict`` saves and ``to(dtype)`` converts."""
        object.__setattr__(self, name, array)
        self._buffers[name] = array

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x)")

    def backward(self, grad_output):
        raise NotImplementedError(f"{type(self).__name__} must implement backward(grad_output)")

    # --- traversal -------------------------------------------------------------------------
    def named_modules(self, prefix=""):
        """Yield ``(dotted_name, module)`` for this module and every descendant, each object once
        (a module registered under two names is listed under the first, as in torch)."""
        return self._named_modules(prefix, seen=set())

    def _named_modules(self, prefix, seen):
        if id(self) in seen:
            return
        seen.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            yield from child._named_modules(f"{prefix}.{name}" if prefix else name, seen)

    def named_parameters(self):
        """Yield ``(dotted_name, Parameter)`` pairs, e.g. ``("0.weight", ...)`` as in torch; each
        Parameter once, so an optimizer never steps a shared one twice."""
        seen = set()
        for prefix, module in self.named_modules():
            for name, param in module._parameters.items():
                if id(param) not in seen:
                    seen.add(id(param))
                    yield (f"{prefix}.{name}" if prefix else name), param

    def parameters(self):
        """All trainable parameters as a list (torch returns a generator; a list is easier to reuse)."""
        return [param for _, param in self.named_parameters()]

    def named_buffers(self):
        """Yield ``(dotted_name, array)`` for every registered buffer."""
        for prefix, module in self.named_modules():
            for name, array in module._buffers.items():
                yield (f"{prefix}.{name}" if prefix else name), array

    def children(self):
        return list(self._modules.values())

    # --- state -----------------------------------------------------------------------------
    def zero_grad(self):
        for param in self.parameters():
            param.zero_grad()

    def train(self, mode=True):
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) here and below."""
        for _, module in self.named_modules():
            module.training = mode
        return self

    def eval(self):
        return self.train(False)

    def to(self, dtype):
        """Convert every parameter (and its grad) and buffer to ``dtype`` in place; returns self."""
        for _, param in self.named_parameters():
            param.data = param.data.astype(dtype)
            param.grad = param.grad.astype(dtype)
        for _, module in self.named_modules():
            for name in module._buffers:
                module.register_buffer(name, getattr(module, name).astype(dtype))
        return self

    def state_dict(self):
        """Copies of all parameters and buffers, keyed by dotted name in torch's order."""
        state = {}
        for prefix, module in self.named_modules():
            arrays = [(name, param.data) for name, param in module._parameters.items()]
            for name, array in arrays + list(module._buffers.items()):
                state[f"{prefix}.{name}" if prefix else name] = array.copy()
        return state

    def load_state_dict(self, state_dict):
        """Copy arrays from ``state_dict`` into this module; keys and shapes must match exactly.

        Every entry is checked before the first is copied: a bad entry leaves the module unchanged.
        """
        targets = {name: param.data for name, param in self.named_parameters()}
        targets.update(self.named_buffers())
        missing = sorted(set(targets) - set(state_dict))
        unexpected = sorted(set(state_dict) - set(targets))
        if missing or unexpected:
            raise KeyError(
                f"{type(self).__name__}.load_state_dict: missing keys {missing}, unexpected keys {unexpected}"
            )
        values = {name: np.asarray(state_dict[name]) for name in targets}
        for name, target in targets.items():
            value = values[name]
            if value.shape != target.shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: '{name}' expected shape {target.shape}, "
                    f"got {value.shape}"
                )
            if not np.can_cast(value.dtype, target.dtype, casting="same_kind"):
                raise TypeError(
                    f"{type(self).__name__}.load_state_dict: '{name}' expected a {target.dtype} array, "
                    f"got dtype {value.dtype}"
                )
        for name, target in targets.items():
            np.copyto(target, values[name], casting="same_kind")

    # --- helpers for subclasses ------------------------------------------------------------
    def _float_input(self, x):
        """Return ``x`` as a floating-point array, or raise a TypeError naming this module."""
        x = np.asarray(x)
        if x.dtype.kind != "f":
            raise TypeError(f"{type(self).__name__} expected a floating-point input, got dtype {x.dtype}")
        return x

    def _check_grad(self, grad_output, cached, out_features=None):
        """Fail clearly if backward runs before forward or gets a gradient unlike the output.

        ``cached`` is an array forward stored (None before the first forward) with the output's
        shape, except for the last axis when the module changes it to ``out_features``.
        """
        if cached is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward() called before forward(): "
                "run a forward pass first, it stores what backward needs"
            )
        shape = cached.shape if out_features is None else cached.shape[:-1] + (out_features,)
        grad_output = np.asarray(grad_output)
        if grad_output.shape != shape:
            raise ValueError(
                f"{type(self).__name__}.backward expected grad_output of shape {shape} "
                f"(the forward output's shape), got {grad_output.shape}"
            )
        return grad_output

    # --- printing --------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not self._modules:
            return head + ")"
        lines = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self._modules.items()]
        return head + "\n  " + "\n  ".join(lines) + "\n)"


class Sequential(Module):
    """Chain modules: forward runs them in order, backward runs them in reverse.

    ``y = f_n(...f_2(f_1(x)))``; by the chain rule ``dL/dx = J_1^T (J_2^T (... J_n^T dL/dy))``.
    """

    can_skip_input_grad = True

    def __init__(self, *modules):
        for index, module in enumerate(modules):
            if not isinstance(module, Module) and not _is_layer(module):
                raise TypeError(f"Sequential expected modules (objects with forward(x) and backward(grad_output)), "
                                f"got {type(module).__name__} at position {index}")
        # A module keeps what its backward needs from its *last* forward, so one object used at two
        # positions would backpropagate its first use with the second use's input: wrong gradients.
        _check.distinct("Sequential", "module object (create one per position, e.g. two ReLU())",
                        [(index, node) for index, module in enumerate(modules) for node in _nodes(module)])
        for index, module in enumerate(modules):
            setattr(self, str(index), module if isinstance(module, Module) else _Adopted(module))

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def backward(self, grad_output, *, input_grad=True):
        """Backpropagate through every module in reverse; return dL/dx (None with ``input_grad=False``)."""
        if not self._modules:  # the empty chain is the identity
            return grad_output if input_grad else None
        *later, first = reversed(self._modules.values())
        for module in later:
            grad_output = module.backward(grad_output)
        if input_grad:
            return first.backward(grad_output)
        backward_for_step(first, grad_output)
        return None

    def __getitem__(self, index):
        return _unwrap(list(self._modules.values())[index])

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return (_unwrap(module) for module in self._modules.values())


def backward_for_step(module, grad_output):
    """``module.backward(grad_output)`` for a training step, which needs parameter gradients only.

    Nobody uses the gradient with respect to the data, and for a first ``Linear`` layer it costs a
    matrix product as large as the forward one, so modules whose ``can_skip_input_grad`` is True
    (``Linear``, ``Sequential``) are asked for ``input_grad=False`` (torch skips it too: the data
    does not require grad). The one place that decides it: ``fit``, ``Sequential`` and the
    diagnostics all call this.
    """
    if getattr(module, "can_skip_input_grad", False):
        module.backward(grad_output, input_grad=False)
    else:
        module.backward(grad_output)


def _is_layer(obj):
    """The layer contract of ``scratchnn.checks``: ``forward(x)`` and ``backward(grad_output)`` methods."""
    return callable(getattr(obj, "forward", None)) and callable(getattr(obj, "backward", None))


def _nodes(module):
    """The object itself and, for a Module, every module below it."""
    return [m for _, m in module.named_modules()] if isinstance(module, Module) else [module]


def _unwrap(module):
    return module.layer if isinstance(module, _Adopted) else module


class _Adopted(Module):
    """A layer of your own that does not subclass ``Module``, inside a ``Sequential``.

    It follows the contract of ``scratchnn.checks``: ``forward``, ``backward``, Parameters as
    attributes (``weight``, ``bias``) or returned by its ``parameters()``, and ``training`` read
    when it matters. This wrapper lets ``fit``, the optimizers and ``state_dict`` see those
    Parameters and passes ``train()``/``eval()`` on.
    """

    def __init__(self, layer):
        object.__setattr__(self, "layer", layer)
        for name, value in vars(layer).items():
            if isinstance(value, Parameter):
                self._parameters[name] = value
        listed = layer.parameters() if callable(getattr(layer, "parameters", None)) else []
        known = {id(p) for p in self._parameters.values()}
        for index, param in enumerate(listed):
            if not isinstance(param, Parameter):
                raise TypeError(f"Sequential: {type(layer).__name__}.parameters() must return scratchnn.Parameter "
                                f"objects, got {type(param).__name__} at {index}")
            if id(param) not in known:
                self._parameters[f"param{index}"] = param

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name == "training" and "layer" in self.__dict__:  # train()/eval() reach the learner's layer
            switch = getattr(self.layer, "train" if value else "eval", None)
            if not callable(switch):
                self.layer.training = value
            elif value:
                switch(True)
            else:
                switch()

    def forward(self, x):
        return self.layer.forward(x)

    def backward(self, grad_output):
        return self.layer.backward(grad_output)

    def __repr__(self):
        return repr(self.layer)
