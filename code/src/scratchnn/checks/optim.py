"""Self-check of your optimizer: ``check_sgd`` (plain steps, ``zero_grad``, momentum against torch's rule)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._common import TOLERANCE, _StopChecking, CheckItem, CheckResult, _build, _close, _error, _name, _run, _run_check


def check_sgd(cls: Callable[..., Any], *, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check an optimizer ``cls(params, lr, momentum=0.0)`` against PyTorch's SGD rule.

    Contract: ``params`` is a list of Parameters; ``step()`` does ``p.data -= lr * p.grad`` (with
    momentum μ: ``v = μ·v + p.grad; p.data -= lr·v``, like ``torch.optim.SGD``); ``zero_grad()`` sets
    every ``p.grad`` to zeros. Momentum is optional: if the constructor does not take it, that check
    is skipped.
    """
    from scratchnn.nn import Parameter
    from scratchnn.optim import SGD

    component = f"check_sgd({_name(cls)})"

    def run(items: list[CheckItem]) -> None:
        rng = np.random.default_rng(seed)
        shapes = [(4, 3), (3,)]
        lr = 0.1
        params = [Parameter(rng.normal(size=shape)) for shape in shapes]
        start = [p.data.copy() for p in params]
        grads = [rng.normal(size=shape) for shape in shapes]
        optimizer = _build(cls, (params,), {"lr": lr}, f"{_name(cls)}(params, lr=0.1)", items)
        for p, g in zip(params, grads):
            p.grad = g.copy()
        _run(items, "step()", lambda: optimizer.step(), "define step(self) on your optimizer")
        expected = [s - lr * g for s, g in zip(start, grads)]
        got = np.concatenate([np.ravel(p.data) for p in params])
        want = np.concatenate([np.ravel(e) for e in expected])
        error = _error(got, want)
        ok = error <= TOLERANCE
        hint = ""
        if not ok:
            update = got - np.concatenate([np.ravel(s) for s in start])
            step = want - np.concatenate([np.ravel(s) for s in start])
            if _close(update, -step):
                hint = "the parameters moved uphill: subtract the gradient (p.data -= lr * p.grad)"
            elif _close(update, step / lr):
                hint = "the step ignores the learning rate: p.data -= lr * p.grad"
            elif np.allclose(update, 0):
                hint = "step() did not change p.data: update it in place (p.data -= ...)"
            else:
                hint = "plain SGD is p.data -= lr * p.grad"
        items.append(CheckItem("step(): p.data -= lr * p.grad", ok, error, hint))

        _run(items, "zero_grad()", lambda: optimizer.zero_grad(), "define zero_grad(self) on your optimizer")
        zeroed = all(p.grad is not None and np.shape(p.grad) == p.data.shape and not np.any(p.grad) for p in params)
        items.append(
            CheckItem(
                "zero_grad() sets every grad to zeros",
                zeroed,
                hint="" if zeroed else "set each p.grad to zeros of p.data's shape (p.grad[...] = 0), not None",
            )
        )

        params = [Parameter(s.copy()) for s in start]
        reference_params = [Parameter(s.copy()) for s in start]
        try:
            optimizer = cls(params, lr=lr, momentum=0.9)
        except TypeError:
            items.append(CheckItem("momentum 0.9 over 5 steps", True, skipped=True, hint="no `momentum` argument (optional)"))
            raise _StopChecking
        reference = SGD(reference_params, lr=lr, momentum=0.9)
        for _ in range(5):
            step_grads = [rng.normal(size=shape) for shape in shapes]
            for p, q, g in zip(params, reference_params, step_grads):
                p.grad = g.copy()
                q.grad = g.copy()
            _run(items, "step() with momentum", lambda: optimizer.step())
            reference.step()
        got = np.concatenate([np.ravel(p.data) for p in params])
        want = np.concatenate([np.ravel(q.data) for q in reference_params])
        error = _error(got - np.concatenate([np.ravel(s) for s in start]), want - np.concatenate([np.ravel(s) for s in start]))
        ok = error <= TOLERANCE
        items.append(
            CheckItem(
                "momentum 0.9 over 5 steps matches torch.optim.SGD",
                ok,
                error,
                "" if ok else "PyTorch's rule: v = momentum * v + grad, then p.data -= lr * v (v starts at the first grad, no dampening)",
            )
        )

    return _run_check(component, verbose, run)
