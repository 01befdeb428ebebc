"""Loss functions: ``loss(pred, target) -> float``, then ``loss.backward() -> dL/dpred``; mean reduction as in torch."""

import numpy as np

from .. import _validate
from .activation import sigmoid


class Loss:
    """Base class and contract for every loss, built-in or your own.

    * ``forward(pred, target)`` returns the loss as a Python ``float`` and stores what ``backward``
      needs (never the whole graph; losses have no parameters).
    * ``backward()`` returns ``dL/dpred``, an array shaped and typed like ``pred``.

    ``loss(pred, target)`` calls ``forward``. The inputs are checked around it (``scratchnn._validate``,
    wrapped when the class is defined): floating, non-empty predictions and a target of the kind
    ``target_kind`` names, an array of exactly ``pred``'s shape and dtype unless the class says
    ``"class labels"`` (integers, one per row) or ``"probabilities"`` (within [0, 1]); ``backward()``
    before a forward is refused. To write a custom loss, subclass ``Loss``, implement both methods,
    and prove ``backward`` with ``scratchnn.gradcheck.check_loss``; ``HuberLoss`` is the worked example.
    """

    target_kind = "same shape as pred"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _validate.checked_loss_methods(cls)

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


class CrossEntropyLoss(Loss):
    """Mean cross-entropy of logits ``z`` (N, C) against integer labels ``y`` (N,).

    ``L = mean_n [logsumexp(z_n) - z_n[y_n]]``, with the log-sum-exp taken after subtracting the
    row max so that ``exp`` never overflows (logits like ``[1000, 0, -1000]`` are exact).
    ``dL/dz = (softmax(z) - onehot(y)) / N``: forward keeps the softmax and the labels.
    """

    target_kind = "class labels"

    def __init__(self):
        self._probs = self._target = None

    def forward(self, pred, target):
        z, y = pred, target
        n = len(y)
        # Softmax is unchanged by the shift, and exp cannot overflow.
        shifted = z - z.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=1, keepdims=True)
        # The mean over the batch:
        loss = (np.log(sum_exp[:, 0]) - shifted[np.arange(n), y]).sum() / n
        self._probs = exp / sum_exp
        self._target = y
        return float(loss)

    def backward(self):
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
        self._diff = pred - target
        return float(np.mean(self._diff * self._diff))

    def backward(self):
        return self._diff * (2.0 / self._diff.size)


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on logits ``z`` with targets ``y`` in [0, 1], fused with the sigmoid.

    ``L = mean(max(z, 0) - z y + log(1 + exp(-|z|)))`` (the stable form of
    ``-[y log s + (1 - y) log(1 - s)]``, ``s = sigmoid(z)``); ``dL/dz = (s - y) / numel``.
    """

    target_kind = "probabilities"

    def __init__(self):
        self._sig = self._target = None

    def forward(self, pred, target):
        z, y = pred, target
        loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))  # exp never overflows here
        self._sig = sigmoid(z)
        self._target = y
        return float(np.mean(loss))

    def backward(self):
        return (self._sig - self._target) / self._sig.size


class HuberLoss(Loss):
    """Huber loss, the worked example of a custom ``Loss`` (matches
    ``torch.nn.HuberLoss``).

    With ``d = p - t``: ``0.5 d^2`` where ``|d| < delta``, else
    ``delta (|d| - 0.5 delta)``; quadratic near zero, linear (robust to
    outliers) beyond ``delta``. Mean over elements.
    ``dL/dp = clip(d, -delta, delta) / numel``: forward keeps only ``d``.
    """

    def __init__(self, delta=1.0):
        self.delta = _validate.real(
            "HuberLoss", "delta", delta, low=0, low_open=True
        )
        self._diff = None

    def forward(self, pred, target):
        d = pred - target
        abs_d = np.abs(d)
        quadratic = 0.5 * d * d
        linear = self.delta * (abs_d - 0.5 * self.delta)
        loss = np.where(abs_d < self.delta, quadratic, linear)
        self._diff = d
        return float(np.mean(loss))

    def backward(self):
        d = self._diff
        return np.clip(d, -self.delta, self.delta) / d.size

    def extra_repr(self):
        return f"delta={self.delta}"

