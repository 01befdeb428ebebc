"""Look inside a network while it trains, and name what is going wrong.

- ``activation_stats``: per layer, the mean and spread of its outputs, how many sigmoid/tanh units
  sit in their flat tails (saturated) and how many ReLU units never fire (dead).
- ``gradient_norms``: how strongly each layer is being pushed (one batch, at the current weights).
- ``overfit_single_batch``: test 1 of the debugging checklist — a correct network can drive the
  loss on one small batch to almost zero.
- ``diagnose(history)``: a named ``Finding`` with the numbers behind it and the checklist's fix.

Thresholds are module constants, documented where they are defined, so a chapter can print them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _validate
from .nn import ReLU, Sigmoid, Tanh
from ._fast import backward_for_step
from .checks._common import _wrap  # the package's printed reports: 72 columns
from .train import _restore_mode

__all__ = [
    "LayerStats",
    "record_activations",
    "activation_stats",
    "gradient_norms",
    "OverfitResult",
    "overfit_single_batch",
    "Check",
    "Finding",
    "diagnose",
]

# A sigmoid/tanh unit is *saturated* when its local derivative is below this fraction of its peak
# (sigmoid: s(1-s) < 0.1 * 0.25, i.e. s < 0.026 or s > 0.974; tanh: 1 - t^2 < 0.1, i.e. |t| > 0.949):
# a gradient passing through it is cut to less than a tenth.
SATURATION_DERIVATIVE_FRACTION = 0.1


# --------------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------------
def _leaf_modules(model):
    """Modules without children, in registration (forward) order, with their dotted names."""
    return [(name or type(module).__name__, module) for name, module in model.named_modules() if not module._modules]


def record_activations(model, x):
    """Run ``model(x)`` in eval mode and return every leaf layer's output, ``{name: array}``, in forward order.

    Each leaf module's ``forward`` is wrapped for the duration of this one pass (what torch does
    with forward hooks), so it works for any model built from scratchnn modules.
    """
    outputs = {}
    wrapped = []
    with _restore_mode(model, False):
        try:
            for name, module in _leaf_modules(model):
                original = module.forward

                def recording_forward(inputs, _name=name, _forward=original):
                    result = _forward(inputs)
                    outputs[_name] = result
                    return result

                module.__dict__["forward"] = recording_forward  # instance attribute shadows the method
                wrapped.append(module)
            model(x)
        finally:
            for module in wrapped:
                del module.__dict__["forward"]
    return outputs


@dataclass
class LayerStats:
    """Statistics of one layer's outputs over a batch.

    ``fraction_saturated`` (sigmoid/tanh only): share of outputs in the flat tails, where the
    derivative is below ``SATURATION_DERIVATIVE_FRACTION`` of its peak.
    ``fraction_dead`` (ReLU only): share of units that output 0 for *every* example of the batch —
    their gradient is 0, so they never learn again. ``fraction_zero`` (ReLU only): share of zero outputs.
    """

    name: str
    kind: str
    mean: float
    std: float
    fraction_saturated: float | None = None
    fraction_dead: float | None = None
    fraction_zero: float | None = None


def _saturated_fraction(module, output):
    if isinstance(module, Sigmoid):
        derivative, peak = output * (1.0 - output), 0.25
    else:
        derivative, peak = 1.0 - output * output, 1.0
    return float(np.mean(derivative < SATURATION_DERIVATIVE_FRACTION * peak))


def activation_stats(model, x):
    """``{layer name: LayerStats}`` for every leaf layer's output on the batch ``x`` (eval mode)."""
    modules = dict(_leaf_modules(model))
    stats = {}
    for name, output in record_activations(model, x).items():
        module = modules[name]
        output = np.asarray(output, dtype=np.float64)
        entry = LayerStats(name=name, kind=type(module).__name__, mean=float(output.mean()), std=float(output.std()))
        if isinstance(module, (Sigmoid, Tanh)):
            entry.fraction_saturated = _saturated_fraction(module, output)
        if isinstance(module, ReLU):
            zero = output.reshape(len(output), -1) <= 0
            entry.fraction_zero = float(zero.mean())
            entry.fraction_dead = float(zero.all(axis=0).mean())
        stats[name] = entry
    return stats


# --------------------------------------------------------------------------------------------------
# Gradients and updates
# --------------------------------------------------------------------------------------------------
def _weight_matrices(model):
    """Named parameters that are weight matrices (2-D): one per Linear layer, input side first."""
    return [(name, param) for name, param in model.named_parameters() if param.data.ndim >= 2]


def gradient_norms(model, loss_fn, x, y, *, weights_only=True):
    """``{parameter name: ||dL/dW||_2}`` from one forward and backward pass on ``(x, y)``, in forward order.

    The model runs in training mode and its gradients are left holding this batch's gradient
    (they are zeroed first). ``weights_only`` keeps the 2-D weight matrices, one per layer.
    """
    with _restore_mode(model, True):
        model.zero_grad()
        loss_fn(model(x), y)
        backward_for_step(model, loss_fn.backward())
    named = _weight_matrices(model) if weights_only else list(model.named_parameters())
    return {name: float(np.linalg.norm(param.grad.ravel())) for name, param in named}


# --------------------------------------------------------------------------------------------------
# Checklist test 1: overfit one batch
# --------------------------------------------------------------------------------------------------
@dataclass
class OverfitResult:
    """Outcome of ``overfit_single_batch``: ``passed``, the per-step ``losses`` and a plain-words ``message``."""

    passed: bool
    losses: list
    target_loss: float
    message: str

    @property
    def final_loss(self):
        return self.losses[-1]

    def __str__(self):
        return self.message


def overfit_single_batch(model, loss_fn, optimizer, x, y, steps, *, target_loss):
    """Train on the single batch ``(x, y)`` for up to ``steps`` steps; pass if the loss gets below ``target_loss``.

    A network whose forward and backward passes are right, with enough capacity, memorises a
    small batch: the loss goes to ~0. If it cannot, something is broken before any question of
    generalisation arises. Stops as soon as the target is reached. Regularisation (dropout,
    weight decay) fights memorisation: switch it off for this test.
    """
    steps = _validate.integer("overfit_single_batch", "steps", steps)
    if np.ndim(x) < 1 or len(x) == 0:
        raise ValueError(f"overfit_single_batch: the batch is empty (x of shape {np.shape(x)}); pass a few examples")
    losses = []
    with _restore_mode(model, True):
        for _ in range(int(steps)):
            loss = float(loss_fn(model(x), y))
            losses.append(loss)
            if not math.isfinite(loss) or loss < target_loss:
                break
            optimizer.zero_grad()
            backward_for_step(model, loss_fn.backward())
            optimizer.step()

    first, last = losses[0], losses[-1]
    if math.isfinite(last) and last < target_loss:
        message = (
            f"PASS: the loss fell from {first:.4g} to {last:.3g} (below the target {target_loss:g}) in "
            f"{len(losses) - 1} steps: forward and backward are consistent enough to memorise one batch."
        )
        return OverfitResult(True, losses, target_loss, message)
    if not math.isfinite(last):
        message = (
            f"FAIL: the loss became {last} at step {len(losses) - 1}: the learning rate is too high "
            f"(or a division lacks an epsilon). Lower it 10x and run again."
        )
    elif last > 0.9 * first:
        message = (
            f"FAIL: in {len(losses)} steps the loss only went from {first:.4g} to {last:.4g}. Suspect a bug: "
            f"check backward with scratchnn.gradcheck.check_module, that zero_grad() and step() are "
            f"called every step, and that the learning rate is not tiny."
        )
    else:
        message = (
            f"FAIL: the loss fell from {first:.4g} to {last:.4g} but not below {target_loss:g} in "
            f"{len(losses)} steps. Give it more steps or a larger learning rate; if it plateaus, the "
            f"model may be too small or regularised (turn dropout and weight decay off)."
        )
    return OverfitResult(False, losses, target_loss, message)


# --------------------------------------------------------------------------------------------------
# diagnose(history)
# --------------------------------------------------------------------------------------------------
# Thresholds of diagnose(). "Initial loss" is the loss of the very first step (an untrained network).
# diverging: a non-finite loss/gradient, or some step's loss spiked above this multiple of the initial
# loss (an untrained classifier starts near ln(classes); a step far above that means the last update
# threw the weights off, even if the run later crawled back).
DIVERGE_SPIKE = 3.0
# vanishing_gradients: in the first epoch, the input layer's weight-gradient norm is below this
# fraction of the output layer's (gradients shrink by 100x on their way down).
VANISHING_RATIO = 1e-2
# stalled: the final training loss is still above this fraction of the initial loss.
STALLED_FRACTION = 0.85
# overfitting: validation loss ended this fraction above its minimum, reached at least
# OVERFIT_MIN_EPOCHS_SINCE_BEST epochs before the end, while the training loss kept falling;
# or training accuracy exceeds validation accuracy by OVERFIT_ACC_GAP.
OVERFIT_VAL_RISE = 0.10
OVERFIT_MIN_EPOCHS_SINCE_BEST = 2
OVERFIT_ACC_GAP = 0.10
# underfitting: training accuracy below this (or, without accuracy, training loss above
# UNDERFIT_LOSS_FRACTION of the initial loss).
UNDERFIT_ACC = 0.90
UNDERFIT_LOSS_FRACTION = 0.25

# The remedy for each finding. What was *seen* is not here: each check that fires writes its own
# sentence, with its numbers, into ``Finding.signs``.
FIXES = {
    "diverging": (
        "Likely a learning rate too high, or numerical instability. Decrease the learning rate by 10x, "
        "add gradient clipping (clip_grad_norm_), and add an epsilon to any division."
    ),
    "stalled": (
        "Likely a learning rate too low, or a gradient issue. Increase the learning rate by 10x; if "
        "that does not help, check backward with a gradient check."
    ),
    "vanishing_gradients": (
        "Use ReLU (or GELU) instead of sigmoid/tanh in hidden layers, use He initialisation, add "
        "normalisation (BatchNorm/LayerNorm), or make the network shallower."
    ),
    "overfitting": (
        "Add regularisation (L2 weight decay, dropout), get more data or augment it, or stop early at "
        "the best validation epoch."
    ),
    "underfitting": (
        "The model cannot fit even its training data: use a bigger model, train longer, raise the "
        "learning rate or use a schedule, and reduce regularisation."
    ),
    "healthy": "none prescribed; read the curves for what these checks do not test.",
}


@dataclass(frozen=True)
class Check:
    """A check ``diagnose`` made that did not fire: what it measured (``value``) against the
    threshold at which it would have fired (``fires_at``), and a ``note`` when it came close."""

    name: str
    value: str
    fires_at: str
    note: str = ""

    def lines(self):
        text = f"{self.name}: {self.value} (fires {self.fires_at})" + (f"; {self.note}" if self.note else "")
        return _wrap(text, "  · ", "    ")


@dataclass
class Finding:
    """What ``diagnose`` concluded: its ``name``, the ``signs`` behind it, their numbers and the ``fix``.

    ``signs`` holds one sentence per check that fired; ``evidence`` holds the same numbers for code.
    ``checks`` lists the checks that were made and did not fire, each with its value and threshold:
    a ``healthy`` finding has no signs, only checks. Printed, the two look different on purpose:
    what fired reads as sentences under "fired:", what passed as a list under "checked, did not fire:".
    Printed lines wrap at 72 columns, like the self-checks' reports (``scratchnn.checks``).

    Counting, one rule: ``evidence`` keeps epochs and steps as ``History`` indexes them, counting from 0
    (like ``History.diverged`` and ``TrainingDiverged``), so ``history.val_loss[evidence["best_val_epoch"]]``
    works; the words (``signs`` and ``str(finding)``) count from 1, as the book's prose and figures do:
    ``best_val_epoch=16`` reads "epoch 17".
    """

    name: str
    evidence: dict = field(default_factory=dict)
    fix: str = ""
    signs: list = field(default_factory=list)
    checks: list = field(default_factory=list)

    def __str__(self):
        lines = [f"{self.name}:" if self.signs else f"{self.name}: no check fired"]
        if self.signs:
            lines.append("  fired:")
        for sign in self.signs:
            lines += _wrap(sign, "  - ", "    ")
        if self.checks:
            lines.append("  checked, did not fire:")
        for check in self.checks:
            lines += check.lines()
        lines += _wrap(self.fix, "  fix: ", "    ")
        return "\n".join(lines)


def _finding(name, signs, checks=(), **evidence):
    return Finding(name=name, evidence=evidence, fix=FIXES[name], signs=signs, checks=list(checks))


def _input_output_gradient_ratio(history):
    """(input layer, output layer, their first-epoch weight-gradient norms, ratio), or None without two layers."""
    weights = [name for name in history.grad_norms if name.endswith("weight")]
    if len(weights) < 2:
        return None
    first_layer, last_layer = history.grad_norms[weights[0]][0], history.grad_norms[weights[-1]][0]
    ratio = first_layer / last_layer if last_layer > 0 else math.inf
    return weights[0], weights[-1], first_layer, last_layer, ratio


def _validation_rise(history):
    """The validation-loss half of the overfitting check: (fired, evidence, sentence or Check)."""
    val, train = history.val_loss, history.train_loss
    best_epoch = int(np.argmin(val))
    best, last_val = val[best_epoch], val[-1]
    rise = (last_val - best) / best if best > 0 else 0.0
    epochs_since_best = len(val) - 1 - best_epoch
    sustained = epochs_since_best >= OVERFIT_MIN_EPOCHS_SINCE_BEST
    train_fell = train[-1] < train[best_epoch]
    fired = rise > OVERFIT_VAL_RISE and sustained and train_fell
    evidence = dict(best_val_epoch=best_epoch, best_val_loss=best, final_val_loss=last_val, val_loss_rise=rise,
                    final_train_loss=train[-1])
    fires_at = f"above {OVERFIT_VAL_RISE:.0%}"
    if epochs_since_best == 0:
        return False, evidence, Check("validation loss rise", "0% (lowest in the last epoch)", fires_at)
    if fired:
        sentence = (f"the validation loss ended at {last_val:.3g}, {rise:.1%} above its minimum {best:.3g} of "
                    f"epoch {best_epoch + 1} of {len(val)} (overfitting above {OVERFIT_VAL_RISE:.0%}), while "
                    f"the training loss fell from {train[best_epoch]:.3g} to {train[-1]:.3g}.")
        return fired, evidence, sentence
    value = f"{rise:.1%} since epoch {best_epoch + 1} of {len(val)}"
    note = ""
    if rise > OVERFIT_VAL_RISE and not sustained:
        note = f"too recent: overfitting needs {OVERFIT_MIN_EPOCHS_SINCE_BEST}+ epochs since the minimum"
    elif rise > OVERFIT_VAL_RISE:
        note = "but the training loss did not fall since"
    return fired, evidence, Check("validation loss rise", value, fires_at, note)


def _accuracy_gap(history):
    """The accuracy half of the overfitting check: (fired, evidence, sentence or Check)."""
    train_acc, val_acc = history.train_acc[-1], history.val_acc[-1]
    gap = train_acc - val_acc
    fired = gap > OVERFIT_ACC_GAP
    evidence = dict(train_val_acc_gap=gap, final_train_acc=train_acc, final_val_acc=val_acc)
    if not fired:
        return fired, evidence, Check("train − val accuracy gap", f"{100 * gap:.1f} points",
                                      f"above {100 * OVERFIT_ACC_GAP:.0f}")
    sentence = (f"training accuracy {train_acc:.1%} exceeds validation accuracy {val_acc:.1%} by "
                f"{100 * gap:.1f} points (overfitting above {100 * OVERFIT_ACC_GAP:.0f} points).")
    return fired, evidence, sentence


def diagnose(history):
    """Name the most pressing problem a ``History`` shows, checked in this order:

    1. ``diverging`` — ``history.diverged`` is set (NaN/inf), or some step's loss spiked above
       ``DIVERGE_SPIKE`` x the initial loss.
    2. ``vanishing_gradients`` — first-epoch gradient norm of the input layer's weights below
       ``VANISHING_RATIO`` x that of the output layer's.
    3. ``stalled`` — final training loss above ``STALLED_FRACTION`` x the initial loss.
    4. ``overfitting`` — validation loss ended ``OVERFIT_VAL_RISE`` above a minimum reached at least
       ``OVERFIT_MIN_EPOCHS_SINCE_BEST`` epochs earlier while the training loss kept falling, or
       train accuracy beats validation accuracy by ``OVERFIT_ACC_GAP``. Only the checks that fired
       give signs and evidence.
    5. ``underfitting`` — training accuracy below ``UNDERFIT_ACC`` (without accuracy: final loss
       above ``UNDERFIT_LOSS_FRACTION`` x the initial loss).
    6. ``healthy`` otherwise: no signs; its ``checks`` list what was checked, the value and the
       threshold, nothing more.

    Epochs and steps in ``evidence`` count from 0, in the words from 1 (see ``Finding``).
    """
    if not history.step_loss:
        raise ValueError("diagnose: the History is empty (no training step was recorded)")
    initial = history.step_loss[0]
    if history.diverged is not None:
        d = history.diverged
        what = (f"the gradient of '{d['parameter']}' became non-finite" if d["parameter"] is not None
                else f"the loss became {d['loss']:.4g}")
        sign = (f"{what} at step {d['step'] + 1} (epoch {d['epoch'] + 1}, counting from 1) with learning rate {d['lr']:g}; "
                f"the first step's loss was {initial:.3g}.")
        return _finding("diverging", [sign], epoch=d["epoch"], step=d["step"], loss=d["loss"], lr=d["lr"],
                        initial_loss=initial)
    if not history.train_loss:
        raise ValueError("diagnose: the History has no completed epoch")
    final = history.train_loss[-1]
    peak_step = int(np.argmax(history.step_loss))
    peak = history.step_loss[peak_step]
    if peak > DIVERGE_SPIKE * initial:
        sign = (f"the loss of step {peak_step + 1} reached {peak:.4g}, {peak / initial:.3g}x the first step's "
                f"{initial:.3g} (diverging above {DIVERGE_SPIKE:g}x), with learning rate {history.lr[-1]:g}.")
        return _finding("diverging", [sign], initial_loss=initial, peak_step_loss=peak, peak_step=peak_step,
                        final_train_loss=final, lr=history.lr[-1])

    gradients = _input_output_gradient_ratio(history)
    if gradients is not None:
        input_layer, output_layer, input_norm, output_norm, ratio = gradients
        if ratio < VANISHING_RATIO:
            sign = (f"in epoch 1 the weight gradient of the input layer ({input_layer}) was {ratio:.2g}x "
                    f"that of the output layer ({output_layer}) (vanishing below {VANISHING_RATIO:g}x).")
            return _finding("vanishing_gradients", [sign],
                            input_layer=input_layer, output_layer=output_layer, input_grad_norm=input_norm,
                            output_grad_norm=output_norm, ratio=ratio, loss_fraction_left=final / initial)

    loss_sign = (f"the training loss ended at {final:.3g}, {final / initial:.0%} of the first step's "
                 f"{initial:.3g}")
    if final > STALLED_FRACTION * initial:
        return _finding("stalled", [f"{loss_sign} (stalled above {STALLED_FRACTION:.0%}), with learning rate "
                                    f"{history.lr[-1]:g}."],
                        initial_loss=initial, final_train_loss=final, loss_fraction_left=final / initial,
                        lr=history.lr[-1])

    checks = []  # (fired, evidence, sentence) of each overfitting check this History allows
    if history.val_loss:
        checks.append(_validation_rise(history))
    if history.train_acc and history.val_acc:
        checks.append(_accuracy_gap(history))
    fired = [(evidence, sentence) for did_fire, evidence, sentence in checks if did_fire]
    if fired:
        evidence = {key: value for part, _ in fired for key, value in part.items()}
        return _finding("overfitting", [sentence for _, sentence in fired], **evidence)

    if history.train_acc:
        if history.train_acc[-1] < UNDERFIT_ACC:
            return _finding("underfitting", [f"training accuracy ended at {history.train_acc[-1]:.1%} "
                                             f"(underfitting below {UNDERFIT_ACC:.0%})."],
                            final_train_acc=history.train_acc[-1], final_train_loss=final)
    elif final > UNDERFIT_LOSS_FRACTION * initial:
        return _finding("underfitting", [f"{loss_sign} (underfitting above {UNDERFIT_LOSS_FRACTION:.0%})."],
                        initial_loss=initial, final_train_loss=final, loss_fraction_left=final / initial)

    # Healthy: list each check made, its value and threshold, and claim nothing the checks did not test.
    passed = [Check("highest step loss", f"{peak / initial:.2g}x step 1's", f"above {DIVERGE_SPIKE:g}x"),
              Check("final training loss", f"{final / initial:.0%} of step 1's", f"above {STALLED_FRACTION:.0%}")]
    evidence = dict(final_train_loss=final, loss_fraction_left=final / initial)
    if gradients is not None:
        passed.append(Check("input/output gradient ratio", f"{gradients[-1]:.2g}x", f"below {VANISHING_RATIO:g}x"))
        evidence["gradient_ratio"] = gradients[-1]
    if history.train_acc:
        passed.append(Check("training accuracy", f"{history.train_acc[-1]:.1%}", f"below {UNDERFIT_ACC:.0%}"))
    else:
        passed.append(Check("final training loss, for underfitting", f"{final / initial:.0%} of step 1's",
                            f"above {UNDERFIT_LOSS_FRACTION:.0%}"))
    for _, part, check in checks:
        passed.append(check)
        evidence.update(part)
    return _finding("healthy", [], passed, **evidence)
