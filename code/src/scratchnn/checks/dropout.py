"""Self-check of your inverted dropout: ``check_dropout``."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._common import _StopChecking, CheckItem, CheckResult, _build, _close, _name, _run, _run_check, _set_mode


def check_dropout(cls: Callable[..., Any], *, p: float = 0.3, seed: int = 0, verbose: bool = True) -> CheckResult:
    """Check inverted dropout ``cls(p)`` where ``p`` is the probability of **dropping** a unit.

    Contract: in training, each unit is zeroed with probability ``p`` and the kept ones are scaled by
    ``1/(1 − p)`` (so the expected output equals the input); ``backward`` applies the same mask and
    scale; in evaluation (``self.training`` False) it is the identity. The check uses the statistics
    of 200 000 units, so it does not depend on your random generator.
    """
    component = f"check_dropout({_name(cls)}, p={p})"

    def run(items: list[CheckItem]) -> None:
        rng = np.random.default_rng(seed)
        x = rng.uniform(0.5, 1.5, size=(400, 500))
        upstream = rng.normal(size=x.shape)
        layer = _build(cls, (p,), {}, f"{_name(cls)}({p})", items)
        _set_mode(layer, True)
        y = np.asarray(_run(items, "forward (training)", lambda: layer.forward(x.copy())), dtype=np.float64)
        if y.shape != x.shape:
            items.append(CheckItem("output shape", False, hint=f"the output has shape {y.shape}, expected {x.shape}"))
            raise _StopChecking
        dropped = float(np.mean(y == 0))
        # 200 000 Bernoulli draws: the standard error of the fraction is about 0.001.
        rate_ok = abs(dropped - p) < 0.01
        hint = ""
        if not rate_ok:
            hint = f"{dropped:.1%} of the units were zeroed, expected {p:.0%}"
            if abs(dropped - (1 - p)) < 0.01:
                hint += ": p is the probability of DROPPING a unit (like torch), so keep with probability 1 − p"
        items.append(CheckItem(f"about {p:.0%} of the units are zeroed", rate_ok, hint=hint))
        kept = y != 0
        scale_ok = _close(y[kept], x[kept] / (1 - p))
        hint = ""
        if not scale_ok and _close(y[kept], x[kept]):
            hint = "inverted dropout scales the kept units by 1/(1 − p), so evaluation needs no rescaling"
        elif not scale_ok:
            hint = "kept units should equal x / (1 − p)"
        items.append(CheckItem("kept units are scaled by 1/(1 − p)", scale_ok, hint=hint))
        grad = np.asarray(_run(items, "backward", lambda: layer.backward(upstream)), dtype=np.float64)
        expected_grad = np.where(kept, upstream / (1 - p), 0.0)
        grad_ok = grad.shape == x.shape and _close(grad, expected_grad)
        items.append(
            CheckItem(
                "backward uses the same mask and scale as forward",
                grad_ok,
                hint="" if grad_ok else "store the (scaled) mask in forward and multiply grad_output by it — don't draw a new one",
            )
        )
        _set_mode(layer, False)
        y_eval = _run(items, "forward (evaluation)", lambda: layer.forward(x.copy()))
        identity = _close(np.asarray(y_eval, dtype=np.float64), x)
        items.append(
            CheckItem(
                "evaluation is the identity",
                identity,
                hint="" if identity else "when self.training is False, return x unchanged",
            )
        )

    return _run_check(component, verbose, run)
