"""Loss functions: ``loss(pred, target) -> float``, then ``loss.backward() -> dL/dpred``; mean reduction as in torch."""

import numpy as np

from .. import _checks
from .activation import sigmoid


class Loss:
    """Base class and contract for every loss, built-in or your own.

    * ``forward(pred, target)`` validates its inputs, returns the loss as a Python ``float`` and
      stores what ``backward`` needs (never the whole graph; losses have no parameters).
    * ``backward()`` returns ``dL/dpred``, an array shaped and typed like ``pred``.

    ``loss(pred, target)`` calls ``forward``. To write a custom loss, subclass ``Loss``, implement
    both methods, and prove ``backward`` with ``scratchnn.gradcheck.check_loss``; ``HuberLoss``
    is the worked example. Subclasses validate inputs with ``self._float_pred(pred)`` and
    ``self._matching_target(pred, target)``, which raise errors naming the loss.
    """

    def __call__(self, pred, target):
        return self.forward(pred, target)

    def forward(self, pred, target):
        raise NotImplementedError(f"{type(self).__name__} must implement forward(pred, target)")

    def backward(self):
        raise NotImplementedError(f"{type(self).__name__} must implement backward()")

    def extra_repr(self):
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"

    # --- validation shared by subclasses -----------------------------------------------------
    def _float_pred(self, pred, ndim=None):
        pred = np.asarray(pred)
        if pred.dtype.kind != "f":
            raise TypeError(f"{type(self).__name__} expected floating-point predictions, got dtype {pred.dtype}")
        if ndim is not None and pred.ndim != ndim:
            raise ValueError(
                f"{type(self).__name__} expected predictions with {ndim} dimensions, got shape {pred.shape}"
            )
        if pred.size == 0:  # the mean of nothing is NaN, which would look like a divergence
            raise ValueError(f"{type(self).__name__} expected a non-empty batch, got predictions of shape {pred.shape}")
        return pred

    def _matching_target(self, pred, target):
        """A real-valued target with exactly ``pred``'s shape (no silent broadcasting), cast to ``pred``'s dtype."""
        target = np.asarray(target)
        if target.shape != pred.shape:
            raise ValueError(
                f"{type(self).__name__} expected target of shape {pred.shape} (the prediction's shape), "
                f"got {target.shape}"
            )
        if target.dtype.kind not in "fiub":  # float, signed/unsigned int, bool
            raise TypeError(f"{type(self).__name__} expected a numeric target, got dtype {target.dtype}")
        return target.astype(pred.dtype, copy=False)

    def _check_forward_ran(self, cached):
        if cached is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward() called before the loss was computed: "
                "call loss(pred, target) first"
            )


class CrossEntropyLoss(Loss):
    """Mean cross-entropy of logits ``z`` (N, C) against integer labels ``y`` (N,).

    ``L = mean_n [logsumexp(z_n) - z_n[y_n]]``, with the log-sum-exp taken after subtracting the
    row max so that ``exp`` never overflows (logits like ``[1000, 0, -1000]`` are exact).
    ``dL/dz = (softmax(z) - onehot(y)) / N``: forward keeps the softmax and the labels.
    """

    def __init__(self):
        self._probs = self._target = None

    def forward(self, pred, target):
        z = self._float_pred(pred, ndim=2)
        y = _class_labels(target, z.shape)
        n = len(y)
        shifted = z - z.max(axis=1, keepdims=True)  # softmax is unchanged; exp cannot overflow
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=1, keepdims=True)
        loss = (np.log(sum_exp[:, 0]) - shifted[np.arange(n), y]).sum() / n  # the mean over the batch
        self._probs = exp / sum_exp
        self._target = y
        return float(loss)

    def backward(self):
        self._check_forward_ran(self._probs)
        n = len(self._target)
        grad = self._probs.copy()
        grad[np.arange(n), self._target] -= 1.0
        grad /= n
        return grad


class MSELoss(Loss):
    """Mean squared error ``L = mean((p - t)^2)``; ``dL/dp = 2 (p - t) / numel``."""

    def __init__(self):
        self._diff = None

    def forward(self, pred, target):
        pred = self._float_pred(pred)
        self._diff = pred - self._matching_target(pred, target)
        return float(np.mean(self._diff * self._diff))

    def backward(self):
        self._check_forward_ran(self._diff)
        return self._diff * (2.0 / self._diff.size)


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on logits ``z`` with targets ``y`` in [0, 1], fused with the sigmoid.

    ``L = mean(max(z, 0) - z y + log(1 + exp(-|z|)))`` (the stable form of
    ``-[y log s + (1 - y) log(1 - s)]``, ``s = sigmoid(z)``); ``dL/dz = (s - y) / numel``.
    """

    def __init__(self):
        self._sig = self._target = None

    def forward(self, pred, target):
        z = self._float_pred(pred)
        y = _probabilities(self._matching_target(z, target))
        loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))  # exp never overflows here
        self._sig = sigmoid(z)
        self._target = y
        return float(np.mean(loss))

    def backward(self):
        self._check_forward_ran(self._sig)
        return (self._sig - self._target) / self._sig.size


class HuberLoss(Loss):
    """Huber loss, the worked example of a custom ``Loss`` (matches ``torch.nn.HuberLoss``).

    With ``d = p - t``: ``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``;
    quadratic near zero, linear (robust to outliers) beyond ``delta``. Mean over elements.
    ``dL/dp = clip(d, -delta, delta) / numel``: forward keeps only ``d``.
    """

    def __init__(self, delta=1.0):
        self.delta = _checks.real("HuberLoss", "delta", delta, low=0, low_open=True)
        self._diff = None

    def forward(self, pred, target):
        pred = self._float_pred(pred)
        d = pred - self._matching_target(pred, target)
        abs_d = np.abs(d)
        loss = np.where(abs_d < self.delta, 0.5 * d * d, self.delta * (abs_d - 0.5 * self.delta))
        self._diff = d
        return float(np.mean(loss))

    def backward(self):
        self._check_forward_ran(self._diff)
        return np.clip(self._diff, -self.delta, self.delta) / self._diff.size

    def extra_repr(self):
        return f"delta={self.delta}"


# --- validation of targets ------------------------------------------------------------------------
def _class_labels(target, logits_shape):
    """Integer labels, one per row of the logits, each a valid class index."""
    target = np.asarray(target)
    n, num_classes = logits_shape
    if target.dtype.kind not in "iu":
        raise TypeError(f"CrossEntropyLoss expected integer class labels, got dtype {target.dtype}")
    if target.shape != (n,):
        raise ValueError(f"CrossEntropyLoss expected labels of shape ({n},) for logits {logits_shape}, "
                         f"got {target.shape}")
    if n and (target.min() < 0 or target.max() >= num_classes):
        raise ValueError(f"CrossEntropyLoss expected labels in [0, {num_classes - 1}], "
                         f"got values in [{target.min()}, {target.max()}]")
    return target


def _probabilities(y):
    """Targets in [0, 1] (probabilities or 0/1 labels); a target of 255 would give a negative "loss"."""
    if not ((y >= 0) & (y <= 1)).all():  # also catches NaN
        raise ValueError(f"BCEWithLogitsLoss expected targets in [0, 1] (probabilities or 0/1 labels), "
                         f"got values in [{np.nanmin(y):g}, {np.nanmax(y):g}]")
    return y
