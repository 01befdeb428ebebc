"""Parameter, Module and Sequential: the skeleton every layer hangs on (names as in torch.nn)."""

import numpy as np


class Parameter:
    """A trainable array ``data`` and its gradient ``grad`` (same shape and dtype).

    Optimizers read ``grad`` and update ``data`` in place; ``backward`` adds into ``grad``.

    ``zero_grad()`` clears ``grad`` lazily: it only marks the gradient as zero, and the array is
    filled with zeros when ``grad`` is next read. A layer whose backward computes a matrix product
    can instead call ``accumulate_matmul``, which then writes the product straight into the array.
    Filling the first MNIST layer's 200,000 zeros and adding a temporary of that size measured about
    10% of a batch-64 training step; this skips both, while ``grad`` still reads as zeros after
    ``zero_grad()``. (An array reference taken before ``zero_grad()`` is not cleared until ``grad``
    is read or ``backward`` writes into it, so read ``param.grad`` rather than keep the array.)
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

    # True for modules whose backward accepts input_grad=False (skip computing dL/dx).
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
        """Yield ``(dotted_name, module)`` for this module and every descendant."""
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_parameters(self):
        """Yield ``(dotted_name, Parameter)`` pairs, e.g. ``("0.weight", ...)`` as in torch."""
        for prefix, module in self.named_modules():
            for name, param in module._parameters.items():
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
        """Copy arrays from ``state_dict`` into this module; keys and shapes must match exactly."""
        targets = {name: param.data for name, param in self.named_parameters()}
        targets.update(self.named_buffers())
        missing = sorted(set(targets) - set(state_dict))
        unexpected = sorted(set(state_dict) - set(targets))
        if missing or unexpected:
            raise KeyError(
                f"{type(self).__name__}.load_state_dict: missing keys {missing}, unexpected keys {unexpected}"
            )
        for name, target in targets.items():
            value = np.asarray(state_dict[name])
            if value.shape != target.shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: '{name}' expected shape {target.shape}, "
                    f"got {value.shape}"
                )
            np.copyto(target, value, casting="same_kind")

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
            if not isinstance(module, Module):
                raise TypeError(f"Sequential expected Module arguments, got {type(module).__name__} at {index}")
            setattr(self, str(index), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def backward(self, grad_output, *, input_grad=True):
        """Backpropagate through every module; return dL/dx, or None with ``input_grad=False``.

        A training step never uses dL/dx of the data, and for a first ``Linear`` layer it costs a
        matrix product as large as the forward one; ``input_grad=False`` skips it (torch skips it
        too, because the data does not require grad).
        """
        if not self._modules:  # the empty chain is the identity
            return grad_output if input_grad else None
        *later, first = reversed(self._modules.values())
        for module in later:
            grad_output = module.backward(grad_output)
        if input_grad:
            return first.backward(grad_output)
        if first.can_skip_input_grad:
            return first.backward(grad_output, input_grad=False)
        first.backward(grad_output)
        return None

    def __getitem__(self, index):
        return list(self._modules.values())[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())
