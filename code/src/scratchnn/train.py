"""The training loop: ``fit`` a model, ``evaluate`` it, ``predict`` with it, and the callbacks that steer it.

One epoch of minibatch stochastic gradient descent is, for every shuffled minibatch ``(x_b, y_b)``::

    logits = model(x_b)                          # forward: each layer keeps what backward needs
    loss   = loss_fn(logits, y_b)                # a float (mean over the batch)
    optimizer.zero_grad()                        # backward *adds* into .grad, so clear it first
    model.backward(loss_fn.backward())           # chain rule down the layers
    optimizer.step()                             # theta <- theta - lr * dL/dtheta (or momentum / Adam)

``fit`` checks its arguments and hands that loop to a ``Trainer``: ``Trainer.fit`` runs the epochs,
``fit_epoch`` the steps, ``step`` is the five lines above. Everything a practitioner needs around it is
a ``Callback``: ``DivergenceCheck`` (an immediate, explained stop when the loss or a gradient stops
being a finite number), ``EarlyStopping``, the learning-rate schedules and ``ProgressBar``. Every
number lands in a ``History``. (The one difference from the lines above: a training step does
``zero_grad`` and ``backward`` in one call that skips the first layer's ``dL/dx_b``, which nothing uses,
and writes each gradient instead of zero-filling it first; same numbers, see ``scratchnn._fast``.)
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from . import _validate
from ._fast import zero_grad_and_backward
from ._validate import NonFiniteInputError
from .nn._catalog import hidden_activations

__all__ = [
    "History",
    "Evaluation",
    "TrainingDiverged",
    "TrainingInterrupted",
    "fit",
    "Trainer",
    "evaluate",
    "predict",
    "Callback",
    "DivergenceCheck",
    "EarlyStopping",
    "ProgressBar",
    "StepLR",
    "CosineWithWarmup",
    "make_mlp",
]


# --------------------------------------------------------------------------------------------------
# What a run records
# --------------------------------------------------------------------------------------------------
@dataclass
class History:
    """Everything ``fit`` measured, one list entry per completed epoch unless noted.

    - ``train_loss``/``train_acc``: running means over the epoch's minibatches, weighted by batch
      size and measured in training mode while the weights move (as Keras reports them). Accuracy
      lists stay empty when the task is not classification.
    - ``val_loss``/``val_acc``: a full pass over ``val`` in eval mode after the epoch (empty without ``val``).
    - ``lr``: the learning rate of the epoch's last step; ``seconds``: wall time of the epoch incl. validation.
    - ``grad_norms``: per named parameter (``"0.weight"``...), the mean over the epoch's steps of the
      L2 norm of that parameter's loss gradient, ``||dL/dW||_2`` (before weight decay).
    - ``step_loss``: the loss of every step, in order (a diverged run ends with the non-finite one).
    - ``stopped_early``: a callback asked to stop; ``diverged``: where and why a run hit a non-finite
      number (``None`` for a run that finished).
    """

    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    grad_norms: dict = field(default_factory=dict)
    step_loss: list = field(default_factory=list)
    steps_per_epoch: int = 0
    stopped_early: bool = False
    diverged: dict | None = None

    @property
    def epochs(self):
        """Number of completed epochs."""
        return len(self.train_loss)

    def to_dict(self):
        """Plain JSON-ready data (non-finite losses become None: JSON has no NaN)."""

        def clean(value):
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if isinstance(value, list):
                return [clean(v) for v in value]
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            return value

        return clean(asdict(self))


class TrainingDiverged(FloatingPointError):
    """A loss or gradient became NaN or infinite, or the loss exploded; training stopped at that step.

    "Exploded" is a finite loss above ``EXPLOSION_FACTOR`` times the first step's loss (or times 1,
    if that was smaller) for ``EXPLOSION_STEPS`` steps in a row; see ``fit``.

    ``history`` holds everything recorded up to the failure (``history.step_loss`` ends with the
    bad value), so the explosion can still be plotted. ``epoch`` and ``step`` count from 0;
    ``parameter`` names the first parameter (in forward order) whose gradient was not finite, or
    ``None`` when the loss itself overflowed before any gradient was computed.
    """

    def __init__(self, message, *, history, epoch, step, parameter, loss):
        super().__init__(message)
        self.history = history
        self.epoch = epoch
        self.step = step
        self.parameter = parameter
        self.loss = loss


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C (a ``KeyboardInterrupt``) stopped ``fit``; ``history`` keeps every finished epoch.

    A ``KeyboardInterrupt`` itself, so code that catches that still does. ``history.epochs`` counts
    the finished epochs; ``history.step_loss`` also holds the steps of the interrupted one.
    ``epoch`` and ``step`` (from 0) say where it stopped.
    """

    def __init__(self, history, *, epoch, step):
        super().__init__(f"training interrupted at epoch {epoch}, step {step}, after {history.epochs} finished "
                         "epoch(s); their History is on this exception's .history")
        self.history, self.epoch, self.step = history, epoch, step


class Evaluation(tuple):
    """``(loss, accuracy)``; also readable as ``.loss`` and ``.accuracy``.

    ``loss`` is None when no loss function was given; ``accuracy`` is None for non-classification outputs.
    """

    def __new__(cls, loss, accuracy):
        return super().__new__(cls, (loss, accuracy))

    loss = property(lambda self: self[0])
    accuracy = property(lambda self: self[1])

    def __repr__(self):
        return f"Evaluation(loss={self[0]!r}, accuracy={self[1]!r})"


# --------------------------------------------------------------------------------------------------
# Callbacks
# --------------------------------------------------------------------------------------------------
class Callback:
    """Hooks that the ``Trainer`` calls; override the ones you need.

    Per run: ``on_train_begin`` before the first step; ``on_train_end`` however ``fit`` ends, also
    when it raises (``TrainingDiverged``, Ctrl-C). Per epoch: ``on_epoch_end``, which returns True to
    stop training after this epoch. Per step, in order: ``on_step_begin`` before the forward pass
    (learning-rate schedules that change within an epoch use it), ``on_forward_error`` if a layer
    refused its input, ``on_loss`` with the step's loss, ``on_backward_end`` when the gradients are
    in, before the optimizer step. The per-step hooks run only on callbacks that override them, so
    they cost nothing elsewhere; those that get the ``trainer`` can read ``trainer.epoch``,
    ``trainer.step_index``, ``trainer.batch_rows``, ``trainer.history`` and the model.
    """

    def on_train_begin(self, model, optimizer, *, epochs, steps_per_epoch, has_val):
        pass

    def on_step_begin(self, step, optimizer):
        pass

    def on_forward_error(self, trainer, error):
        pass

    def on_loss(self, trainer, loss):
        pass

    def on_backward_end(self, trainer):
        pass

    def on_epoch_end(self, history, model, optimizer):
        return False

    def on_train_end(self, history, model, optimizer):
        pass


_STEP_HOOKS = ("on_step_begin", "on_forward_error", "on_loss", "on_backward_end")


_MONITORS = ("val_loss", "val_acc", "train_loss", "train_acc")


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    Losses improve by going down, accuracies by going up. With ``restore_best`` the weights of the
    best epoch (a ``state_dict`` copy) are loaded back when training ends, however it ends.
    ``best_epoch`` (0-based) and ``best`` hold the best epoch and its value afterwards.
    """

    def __init__(self, patience, min_delta=0.0, restore_best=True, monitor="val_loss"):
        if monitor not in _MONITORS:
            raise ValueError(f"EarlyStopping: monitor must be one of {_MONITORS}, got {monitor!r}")
        self.patience = _validate.integer("EarlyStopping", "patience", patience)
        self.min_delta = _validate.real("EarlyStopping", "min_delta", min_delta, low=0)
        self.restore_best = restore_best
        self.monitor = monitor
        self.best = None
        self.best_epoch = None
        self._best_state = None

    def on_train_begin(self, model, optimizer, *, epochs, steps_per_epoch, has_val):
        if self.monitor.startswith("val_") and not has_val:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r} but fit() got no validation data: "
                f"pass val=(x_val, y_val) or use monitor='train_loss'"
            )
        self.best, self.best_epoch, self._best_state = None, None, None

    def on_epoch_end(self, history, model, optimizer):
        values = getattr(history, self.monitor)
        if not values:
            raise ValueError(f"EarlyStopping: History has no {self.monitor!r} (not a classification task?)")
        value, epoch = values[-1], len(values) - 1
        sign = 1.0 if self.monitor.endswith("loss") else -1.0  # compare as "lower is better"
        if self.best is None or sign * value < sign * self.best - self.min_delta:
            self.best, self.best_epoch = value, epoch
            if self.restore_best:
                self._best_state = model.state_dict()
        return epoch - self.best_epoch >= self.patience

    def on_train_end(self, history, model, optimizer):
        if self.restore_best and self._best_state is not None:
            model.load_state_dict(self._best_state)


class _Schedule(Callback):
    """Base of the learning-rate schedules: remembers the optimizer's starting rate.

    That is the rate the optimizer was given, not the one an earlier schedule left in it: a second
    ``fit`` with the same optimizer and a fresh schedule starts from the same rate as the first
    (a rate you set yourself in between is kept). Each schedule notes ``(base, last rate it set)``
    on the optimizer to tell the two apart.
    """

    base_lr = None

    def on_train_begin(self, model, optimizer, *, epochs, steps_per_epoch, has_val):
        current = _get_lr(optimizer)
        base, left_behind = getattr(optimizer, "_scheduled_lr", (None, None))
        self.base_lr = base if current == left_behind else current

    def set_lr(self, optimizer, lr):
        _set_lr(optimizer, lr)
        try:
            optimizer._scheduled_lr = (self.base_lr, _get_lr(optimizer))
        except AttributeError:  # an optimizer of your own with __slots__: each fit starts from its current rate
            pass


class StepLR(_Schedule):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs (as ``torch.optim.lr_scheduler.StepLR``).

    ``lr_epoch = lr_0 * gamma ** (epoch // step_size)``
    """

    def __init__(self, step_size, gamma=0.1):
        self.step_size = _validate.integer("StepLR", "step_size", step_size)
        self.gamma = _validate.real("StepLR", "gamma", gamma, low=0)

    def on_epoch_end(self, history, model, optimizer):
        self.set_lr(optimizer, self.base_lr * self.gamma ** (history.epochs // self.step_size))
        return False


class CosineWithWarmup(_Schedule):
    """Linear warm-up then cosine decay, updated every step.

    For step ``t`` of ``T`` total with ``W`` warm-up steps (``warmup_epochs * steps_per_epoch``)::

        lr_t = lr_0 * (t + 1) / W                                          for t < W
        lr_t = min_lr + (lr_0 - min_lr) * (1 + cos(pi * (t - W) / (T - W))) / 2   afterwards

    With ``warmup_epochs=0`` this is ``torch.optim.lr_scheduler.CosineAnnealingLR`` with
    ``T_max = T`` stepped per batch; the warm-up matches ``transformers``' cosine-with-warm-up schedule.
    Warm-up keeps the first, large and badly aimed gradients of a fresh network from throwing
    the weights far off; the cosine tail anneals into a minimum.
    """

    def __init__(self, warmup_epochs=1.0, min_lr=0.0):
        self.warmup_epochs = _validate.real("CosineWithWarmup", "warmup_epochs", warmup_epochs, low=0)
        self.min_lr = _validate.real("CosineWithWarmup", "min_lr", min_lr, low=0)

    def on_train_begin(self, model, optimizer, *, epochs, steps_per_epoch, has_val):
        super().on_train_begin(model, optimizer, epochs=epochs, steps_per_epoch=steps_per_epoch, has_val=has_val)
        self.total_steps = epochs * steps_per_epoch
        self.warmup_steps = min(round(self.warmup_epochs * steps_per_epoch), self.total_steps - 1)

    def lr_at(self, step):
        """The learning rate this schedule gives step ``step`` (0-based)."""
        if step < self.warmup_steps:
            return self.base_lr * (step + 1) / self.warmup_steps
        progress = (step - self.warmup_steps) / max(1, self.total_steps - self.warmup_steps)
        return self.min_lr + (self.base_lr - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))

    def on_step_begin(self, step, optimizer):
        self.set_lr(optimizer, self.lr_at(step))


def _get_lr(optimizer):
    return float(optimizer.lr)


def _set_lr(optimizer, lr):
    optimizer.lr = lr


# --------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------
def _correct(output, y):
    """Number of correct predictions, or None when (output, y) is not a classification pair.

    Integer labels with one column per class are scored by argmax; a single logit column (binary
    classification with BCEWithLogitsLoss) by its sign.
    """
    if output.ndim != 2:
        return None
    if output.shape[1] > 1 and y.ndim == 1 and y.dtype.kind in "iu":  # integer labels
        return int(np.count_nonzero(output.argmax(axis=1) == y))
    if output.shape[1] == 1 and np.all((y == 0) | (y == 1)):
        return int(np.count_nonzero((output > 0) == (y.reshape(output.shape) == 1)))
    return None


class _restore_mode:
    """Context manager: put a model in train/eval mode, restore its previous mode on exit."""

    def __init__(self, model, training):
        self.model, self.training = model, training

    def __enter__(self):
        self.was_training = self.model.training
        self.model.train(self.training)

    def __exit__(self, *exc):
        self.model.train(self.was_training)


def predict(model, x, *, batch_size=1000):
    """The model's outputs for every row of ``x``, computed in eval mode in batches."""
    _validate.trainable_model("predict", model)
    x = np.asarray(x)
    batch_size = _validate.integer("predict", "batch_size", batch_size)
    if x.ndim < 1 or len(x) == 0:
        raise ValueError(f"predict: x must hold at least one example, got shape {x.shape}")
    with _restore_mode(model, False):
        # Each batch a copy: a layer that writes into its input (a learner's in-place ReLU) must not
        # overwrite the caller's x.
        return np.concatenate([model(x[i : i + batch_size].copy()) for i in range(0, len(x), batch_size)])


def evaluate(model, x, y, loss_fn=None, *, batch_size=1000):
    """Mean loss and accuracy of ``model`` on ``(x, y)`` in eval mode -> ``Evaluation(loss, accuracy)``.

    Batches only bound memory: the mean is weighted by batch size, so the result equals one big batch.
    """
    _validate.trainable_model("evaluate", model)
    x, y = _validate.xy_pair("evaluate", x, y)
    batch_size = _validate.integer("evaluate", "batch_size", batch_size)
    total_loss, total_correct = 0.0, 0
    with _restore_mode(model, False):
        for start in range(0, len(x), batch_size):
            xb, yb = x[start : start + batch_size].copy(), y[start : start + batch_size]  # copy: as in predict
            output = model(xb)
            if loss_fn is not None:
                total_loss += float(loss_fn(output, yb)) * len(xb)
            correct = _correct(output, yb)
            total_correct = None if correct is None or total_correct is None else total_correct + correct
    loss = total_loss / len(x) if loss_fn is not None else None
    accuracy = total_correct / len(x) if total_correct is not None else None
    return Evaluation(loss, accuracy)


# --------------------------------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------------------------------
def fit(model, loss_fn, optimizer, loader, *, epochs, val=None, callbacks=()):
    """Train ``model`` for ``epochs`` passes over ``loader`` (a ``DataLoader``) -> ``History``.

    Each step takes a minibatch ``x_b`` of shape ``(B, ...)`` with targets ``y_b`` from ``loader``,
    computes ``L = loss_fn(model(x_b), y_b)`` (the batch mean) and lets the optimizer move every
    parameter ``theta`` along ``-dL/dtheta``. The loader owns the batching: the batch size, the
    shuffle and any augmentation, all drawn from its one seeded generator, so the same loader seed,
    model initialisation and thread count give an identical History (``seconds`` aside)::

        loader = DataLoader(x, y, batch_size=64, seed=0)   # transform=data.random_shift augments
        history = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), loader,
                      epochs=10, val=(x_val, y_val))

    A convenience around ``Trainer`` (the loop itself, in three short methods): it checks the
    arguments, adds a ``DivergenceCheck`` unless ``callbacks`` holds one, and runs the loop.

    - ``val = (x_val, y_val)`` is evaluated in eval mode after every epoch (never transformed).
    - The model is in training mode during the epochs and eval mode for validation; its previous
      mode is restored at the end. A non-finite loss or gradient raises ``TrainingDiverged`` at once;
      if the batch itself held NaN or inf, a ``ValueError`` naming its rows is raised instead.
    - A loss that explodes but stays finite (a learning rate of 1e6, momentum near 1) raises
      ``TrainingDiverged`` too: when it stays above ``EXPLOSION_FACTOR`` (1000) times the first step's
      loss, or 1000 if that was below 1, for ``EXPLOSION_STEPS`` (50) steps in a row. A run that
      learns lowers its loss on average; a thousandfold rise that persists for 50 steps is a run
      whose weights have been thrown far off (cross-entropy 1000x its chance value means logits in
      the thousands), never a noisy step of a healthy run. The floor of 1 keeps a run that starts
      near zero loss from being stopped by a harmless relative rise.
    - ``callbacks`` run in order: ``EarlyStopping``, ``StepLR``, ``CosineWithWarmup``, ``ProgressBar``
      (a tqdm bar), ``DivergenceCheck(record_grad_norms=False)`` to skip the per-step gradient norms,
      or your own. Their ``on_train_end`` runs however ``fit`` ends, also when it raises (so
      ``EarlyStopping(restore_best=True)`` restores the best weights after a divergence).
    """
    epochs, val, callbacks = _validate.fit_arguments(model, optimizer, loader, epochs, val, callbacks)
    divergence = next((c for c in callbacks if isinstance(c, DivergenceCheck)), None)
    if divergence is None:
        divergence = DivergenceCheck()
        callbacks = [divergence, *callbacks]
    history = History(steps_per_epoch=len(loader))
    if divergence.record_grad_norms:
        history.grad_norms = {name: [] for name, _ in model.named_parameters()}
    return Trainer(model, loss_fn, optimizer, callbacks, history).fit(loader, epochs, val)


class Trainer:
    """The training loop in three parts: ``fit`` runs epochs, ``fit_epoch`` runs steps, ``step`` is one update.

    Everything around the loop is a ``Callback``; ``history`` receives every number.
    """

    def __init__(self, model, loss_fn, optimizer, callbacks, history):
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.callbacks, self.history = list(callbacks), history
        self.epoch, self.step_index, self.batch_rows, self.batch_x = 0, -1, None, None
        self._hooks = {name: [c for c in self.callbacks if getattr(type(c), name) is not getattr(Callback, name)]
                       for name in _STEP_HOOKS}
        # Where the model keeps state a forward pass changes (BatchNorm's running statistics): put back
        # when a step is refused, so that a refused batch leaves no trace.
        self._buffers = [(module, name) for _, module in getattr(model, "named_modules", lambda: ())()
                         for name in getattr(module, "_buffers", {})]

    def fit(self, loader, epochs, val=None):
        """Train for ``epochs`` passes over ``loader`` (a ``DataLoader``), validating on ``val = (x, y)``
        after each -> the ``History``."""
        model, optimizer, history = self.model, self.optimizer, self.history
        for callback in self.callbacks:
            callback.on_train_begin(model, optimizer, epochs=epochs, steps_per_epoch=len(loader),
                                    has_val=val is not None)
        # NumPy's overflow/invalid warnings are silenced inside the loop: DivergenceCheck reports the
        # same event once, as TrainingDiverged with its step, layer and likely cause.
        with _restore_mode(model, True), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                self._run_epochs(loader, epochs, val)
            except KeyboardInterrupt as interrupt:
                if isinstance(interrupt, TrainingInterrupted):
                    raise
                raise TrainingInterrupted(history, epoch=self.epoch, step=self.step_index) from interrupt
            finally:
                for callback in self.callbacks:
                    callback.on_train_end(history, model, optimizer)
        return history

    def _run_epochs(self, loader, epochs, val):
        model, optimizer, history = self.model, self.optimizer, self.history
        for self.epoch in range(epochs):
            started = time.perf_counter()
            self.fit_epoch(loader)
            if val is not None:
                self._record_validation(*val)
            history.lr.append(_get_lr(optimizer))
            history.seconds.append(time.perf_counter() - started)
            # Every callback sees every epoch, even after one has asked to stop.
            if any([bool(c.on_epoch_end(history, model, optimizer)) for c in self.callbacks]):
                history.stopped_early = True
                break

    def fit_epoch(self, loader):
        """One pass over ``loader`` (a ``DataLoader``: shuffled afresh, transformed); appends the epoch's
        training loss (and accuracy) to the history: running means over the minibatches, weighted by
        batch size."""
        loss_sum, correct_sum, seen = 0.0, 0, 0
        for rows, xb, yb in loader.indexed_batches():
            self.batch_rows, self.batch_x = rows, xb
            output, loss = self.step(xb, yb)
            loss_sum += loss * len(xb)
            seen += len(xb)
            if correct_sum is not None:
                correct = _correct(output, yb)
                correct_sum = None if correct is None else correct_sum + correct
        self.history.train_loss.append(loss_sum / seen)
        if correct_sum is not None:
            self.history.train_acc.append(correct_sum / seen)

    def step(self, xb, yb):
        """One step of minibatch gradient descent, as in the module docstring -> ``(output, loss)``.

        A step refused before the update (a layer refusing its input, a non-finite loss or gradient)
        leaves no trace: the weights are untouched, and buffers the forward pass changed are put back.
        """
        self.step_index += 1
        self._hook("on_step_begin", self.step_index, self.optimizer)
        saved = [(module, name, getattr(module, name).copy()) for module, name in self._buffers]
        try:
            try:
                output = self.model(xb)
            except ValueError as error:
                self._hook("on_forward_error", self, error)
                raise
            loss = float(self.loss_fn(output, yb))
            self.history.step_loss.append(loss)
            self._hook("on_loss", self, loss)
            # optimizer.zero_grad(); model.backward(loss_fn.backward()), with less work (scratchnn._fast)
            zero_grad_and_backward(self.optimizer, self.model, self.loss_fn.backward())
            self._hook("on_backward_end", self)
        except BaseException:
            for module, name, array in saved:
                getattr(module, name)[...] = array
            raise
        self.optimizer.step()
        return output, loss

    def _hook(self, name, *args):
        for callback in self._hooks[name]:
            getattr(callback, name)(*args)

    def _record_validation(self, x, y):
        val_loss, val_acc = evaluate(self.model, x, y, self.loss_fn)
        self.history.val_loss.append(val_loss)
        if val_acc is not None:
            self.history.val_acc.append(val_acc)


#: A loss above EXPLOSION_FACTOR x max(first loss, 1) for EXPLOSION_STEPS steps in a row has exploded.
#: 50 steps: a loss still growing reaches overflow first (and gets the non-finite report), while a run
#: stuck at a huge finite loss is stopped within its first MNIST epoch (938 steps of 64).
EXPLOSION_FACTOR = 1e3
EXPLOSION_STEPS = 50


class DivergenceCheck(Callback):
    """Stop training at the first sign of divergence: raises ``TrainingDiverged`` (or a ``ValueError``
    naming the rows, when the batch itself held NaN or inf) with where and why. ``fit`` always runs
    one: ``DivergenceCheck()`` unless its ``callbacks`` hold one (``DivergenceCheck(record_grad_norms=False)``).

    With ``record_grad_norms`` it also measures every parameter's gradient norm ``||dL/dW||_2`` at every
    step (``History.grad_norms``: the mean over each epoch's steps), and that measurement is what
    catches a non-finite gradient at the step it happens; without it, a bad gradient is caught one
    step later, through the loss.
    """

    def __init__(self, record_grad_norms=True):
        self.record_grad_norms = record_grad_norms

    def on_train_begin(self, model, optimizer, *, epochs, steps_per_epoch, has_val):
        self.named_params = list(model.named_parameters())
        self.epochs = epochs
        self.explosion_bound, self.steps_above = None, 0
        self.norm_sums, self.steps_in_epoch = [0.0] * len(self.named_params), 0

    def on_forward_error(self, trainer, error):
        """A layer refused its input: blame the data if the batch holds NaN or inf, else the run."""
        self._check_batch(trainer)
        # The batch is finite, so a layer refusing a non-finite input means the weights or
        # activations blew up after the previous update.
        if isinstance(error, NonFiniteInputError) or self._first_nonfinite_weight() is not None:
            trainer.history.step_loss.append(math.nan)
            raise self._diverged(trainer, math.nan, in_forward=True) from error

    def on_loss(self, trainer, loss):
        """Raise if the loss is not finite or has stayed exploded for too long."""
        self._trainer = trainer
        if not math.isfinite(loss):
            self._check_batch(trainer)
            raise self._diverged(trainer, loss)
        if self.explosion_bound is None:
            self.explosion_bound = EXPLOSION_FACTOR * max(loss, 1.0)
        self.steps_above = self.steps_above + 1 if loss > self.explosion_bound else 0
        if self.steps_above == EXPLOSION_STEPS:
            raise self._diverged(trainer, loss, exploded_above=self.explosion_bound)

    def on_backward_end(self, trainer):
        """Add each parameter's gradient norm to the epoch's sums; raise if one is not finite. One dot
        product per parameter gives its norm; NaN or inf anywhere makes it non-finite."""
        if not self.record_grad_norms:
            return
        squares = [float(np.vdot(p.grad, p.grad)) for _, p in self.named_params]
        if not math.isfinite(sum(squares)):
            bad = next((name for name, p in self.named_params if not np.isfinite(p.grad).all()), None)
            if bad is not None:  # else a finite gradient's square overflowed: its norm is recorded as inf
                raise self._diverged(trainer, trainer.history.step_loss[-1], parameter=bad)
        self.norm_sums = [total + math.sqrt(square) for total, square in zip(self.norm_sums, squares)]
        self.steps_in_epoch += 1

    def on_epoch_end(self, history, model, optimizer):
        if self.record_grad_norms:
            for (name, _), total in zip(self.named_params, self.norm_sums):
                history.grad_norms[name].append(float(total / self.steps_in_epoch))
            self.norm_sums, self.steps_in_epoch = [0.0] * len(self.named_params), 0
        # A short run can end before the explosion rule's EXPLOSION_STEPS: it must not end silently
        # with its last epoch's loss still far above the bound.
        if history.epochs == self.epochs and history.train_loss[-1] > self.explosion_bound:
            raise self._diverged(self._trainer, history.train_loss[-1], ended_above=self.explosion_bound)
        return False

    @staticmethod
    def _check_batch(trainer):
        """Raise a ValueError naming the rows if the training batch itself holds NaN or inf."""
        xb = trainer.batch_x
        if np.issubdtype(xb.dtype, np.floating):
            bad_rows = ~np.isfinite(xb.reshape(len(xb), -1)).all(axis=1)
            if bad_rows.any():
                rows = np.sort(trainer.batch_rows[bad_rows])
                shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
                raise ValueError(f"fit: the train inputs contain NaN or inf: {len(rows)} image(s) of the batch at "
                                 f"epoch {trainer.epoch}, step {trainer.step_index} (train rows {shown}); clean the "
                                 f"data before training")

    def _first_nonfinite_weight(self):
        return next((name for name, p in self.named_params if not np.isfinite(p.data).all()), None)

    def _diverged(self, trainer, loss, *, parameter=None, in_forward=False, exploded_above=None, ended_above=None):
        epoch, step, history = trainer.epoch, trainer.step_index, trainer.history
        where = (f"epoch {epoch}, step {step} (step {step - epoch * history.steps_per_epoch} of the epoch; "
                 f"both count from 0)")
        if ended_above is not None:
            what = (f"the run ended with its last epoch's training loss ({loss:.3g}) above {ended_above:.3g} "
                    f"({EXPLOSION_FACTOR:g} x the first step's loss, or x 1 if that was below 1): finite, but "
                    f"exploded, and too short for the {EXPLOSION_STEPS}-step rule")
        elif exploded_above is not None:
            what = (f"the loss ({loss:.3g}) has stayed above {exploded_above:.3g} ({EXPLOSION_FACTOR:g} x the first "
                    f"step's loss, or x 1 if that was below 1) for {EXPLOSION_STEPS} steps in a row: finite, but "
                    f"exploded")
        elif parameter is not None:
            what = (f"the gradient of '{parameter}' became non-finite (loss {loss:.4g}); it is the first "
                    f"parameter, in forward order, with a NaN or infinite gradient")
        else:
            what = "a layer received NaN or inf from the layer before it" if in_forward else f"the loss became {loss}"
            broken = self._first_nonfinite_weight()
            if broken is not None:
                what += f", because '{broken}' now holds non-finite weights"
            else:
                what += ", although every weight is finite: the activations overflowed"
        lr = _get_lr(trainer.optimizer)
        history.diverged = {"epoch": epoch, "step": step, "parameter": parameter, "loss": loss, "lr": lr}
        message = (
            f"Training diverged at {where}: {what}. Learning rate {lr:.3g} too high? "
            f"Lower it 10x or clip gradients (scratchnn.optim.clip_grad_norm_); also check that the inputs "
            f"are scaled (MNIST pixels in [0, 1]) and that the initialisation suits the activation. "
            f"The partial History is on this exception's .history."
        )
        return TrainingDiverged(message, history=history, epoch=epoch, step=step, parameter=parameter, loss=loss)


class ProgressBar(Callback):
    """A tqdm bar over all steps, with the latest epoch's numbers: ``fit(..., callbacks=[ProgressBar()])``."""

    def on_train_begin(self, model, optimizer, *, epochs, steps_per_epoch, has_val):
        self.bar, self.epochs = _progress_bar(epochs * steps_per_epoch), epochs

    def on_loss(self, trainer, loss):
        self.bar.update()

    def on_epoch_end(self, history, model, optimizer):
        self.bar.set_postfix(_summary(history), refresh=False)
        self.bar.set_description(f"epoch {history.epochs}/{self.epochs}")
        return False

    def on_train_end(self, history, model, optimizer):
        self.bar.close()


def _progress_bar(total):
    """A tqdm bar: the notebook widget where one can be drawn, text otherwise."""
    try:
        import ipywidgets  # noqa: F401  (without it tqdm.auto warns in notebooks instead of drawing)
        from tqdm.auto import tqdm
    except ImportError:
        from tqdm import tqdm
    return tqdm(total=total, unit="step", desc="training")


def _summary(history):
    """The latest epoch's numbers, short, for the progress bar."""
    parts = {"loss": f"{history.train_loss[-1]:.4f}"}
    if history.train_acc:
        parts["acc"] = f"{history.train_acc[-1]:.4f}"
    if history.val_loss:
        parts["val_loss"] = f"{history.val_loss[-1]:.4f}"
    if history.val_acc:
        parts["val_acc"] = f"{history.val_acc[-1]:.4f}"
    return parts


# --------------------------------------------------------------------------------------------------
# Building the usual model
# --------------------------------------------------------------------------------------------------
#: The hidden activations by name, read from ``scratchnn.nn.activation`` (a new one there appears here).
ACTIVATIONS = tuple(hidden_activations())


def make_mlp(sizes, *, activation="relu", init=None, dropout=0.0, norm=None, seed, dtype=np.float32):
    """A multilayer perceptron ``Linear [-> norm] -> activation [-> Dropout] -> ... -> Linear`` (logits out).

    The one MLP builder of scratchnn (the labs' networks are calls of it). ``sizes`` lists the layer
    widths, input first: ``[784, 256, 128, 10]``. ``activation`` is a name from ``ACTIVATIONS`` or a
    Module class; ``norm`` a normalization class called with the width (``BatchNorm1d``,
    ``LayerNorm``) or None. ``init`` defaults to He for the ReLU family and Xavier for tanh/sigmoid
    (the seed's guidance). ``seed`` seeds the weights (and the dropout masks), layer by layer.
    """
    from .nn import Dropout, Linear, Module, Sequential
    from .nn import activation as act

    modules = hidden_activations()
    is_class = isinstance(activation, type) and issubclass(activation, Module)
    if not is_class and activation not in modules:
        raise ValueError(f"make_mlp: activation must be one of {ACTIVATIONS} or a Module class, got {activation!r}")
    activation_class = activation if is_class else modules[activation]
    if norm is not None and not callable(norm):
        raise TypeError(f"make_mlp: norm must be a normalization class such as BatchNorm1d, got {norm!r}")
    sizes = [_validate.integer("make_mlp", "sizes", size) for size in _validate.sequence("make_mlp", "sizes", sizes, "width")]
    if len(sizes) < 2:
        raise ValueError(f"make_mlp: sizes needs an input and an output width, got {sizes}")
    dropout = _validate.real("make_mlp", "dropout", dropout, low=0, high=1, high_open=True)
    if init is None:
        init = "xavier_normal" if activation_class in (act.Tanh, act.Sigmoid) else "he_normal"
    rng = _validate.seeded_rng("make_mlp", seed)
    layers = []
    for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1]):
        layers.append(Linear(fan_in, fan_out, init=init, rng=rng, dtype=dtype))
        if norm is not None:
            layers.append(norm(fan_out, dtype=dtype))
        layers.append(activation_class())
        if dropout:
            layers.append(Dropout(dropout, rng=rng))
    layers.append(Linear(sizes[-2], sizes[-1], init=init, rng=rng, dtype=dtype))
    return Sequential(*layers)
