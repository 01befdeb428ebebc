"""Module: the base class every layer hangs on (names as in torch.nn.Module)."""

import numpy as np

from .. import _validate
from .parameter import Parameter


class Module:
    """Base class of every layer: ``y = module(x)`` runs ``forward``; ``backward(dL/dy)`` returns dL/dx.

    ``backward`` *accumulates* (``+=``) into each parameter's ``grad``; call ``zero_grad()``
    between steps. Assigning a ``Parameter`` or a ``Module`` to an attribute registers it,
    exactly as in torch, so ``parameters()`` finds it; ``register_buffer`` does the same
    for non-trainable state (BatchNorm's running statistics) that ``state_dict`` saves.

    A subclass's ``forward`` and ``backward`` hold only its maths: the checks of what goes in
    (a floating array of the right shape, a gradient shaped like the output, a forward before the
    backward) are wrapped around them when the class is defined (``scratchnn._validate``).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _validate.checked_module_methods(cls)

    def __new__(cls, *args, **kwargs):
        # Registries exist before any subclass __init__ runs, so forgetting super().__init__() is harmless.
        module = super().__new__(cls)
        module.__dict__.update(_parameters={}, _modules={}, _buffers={}, training=True)
        return module

    def __setattr__(self, name, value):
        if name in self._parameters and not isinstance(value, Parameter):
            # Taken as a plain attribute, the array would vanish from parameters() and state_dict().
            raise TypeError(f"{type(self).__name__}.{name} is a Parameter, got {type(value).__name__}: set its "
                            f"values with .{name}.data[...] = array, or assign Parameter(array)")
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
        _validate.supported_dtype(f"{type(self).__name__}.to", dtype)
        for _, param in self.named_parameters():
            param.data = param.data.astype(dtype)
            param.grad = param.grad.astype(dtype)
        for _, module in self.named_modules():
            for name in module._buffers:
                module.register_buffer(name, getattr(module, name).astype(dtype))
        return self

    def state_dict(self):
        """Copies of all parameters and buffers, keyed by dotted name in torch's order.

        A Parameter shared by two layers (weight tying) is saved once, under its first name, as
        ``named_parameters`` lists it: ``load_state_dict`` then fills both layers.
        """
        state, seen = {}, set()
        for prefix, module in self.named_modules():
            arrays = [(name, param.data) for name, param in module._parameters.items()
                      if id(param) not in seen and not seen.add(id(param))]
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

    # --- printing --------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not self._modules:
            return head + ")"
        lines = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self._modules.items()]
        return head + "\n  " + "\n  ".join(lines) + "\n)"

