"""Self-checks for a learner's own implementations, one file per concept (linear, activations, losses,
optim, norm, dropout, penalty); what they share is in ``_common.py``.

Each ``check_*`` function takes **your** class, builds it, runs it on small random float64
inputs and compares it with three things:

* the shapes the contract asks for;
* scratchnn's reference implementation (the one the book shows);
* central finite differences of your own ``forward`` (does your ``backward`` match your forward?).

It prints a short report — what passed, what failed, the largest error, and a hint for the usual
mistakes (a missing ``1/N``, a transposed weight, a flipped sign, forgotten running statistics…) — and
returns a :class:`CheckResult` (``result.passed``, ``result.items``, ``result.max_error``).

The contract your class follows (the same as scratchnn's ``Module``; you may subclass
``scratchnn.Module`` but you don't have to):

* ``forward(x)`` returns the output; ``backward(grad_output)`` returns ``dL/dx``.
* Learnable tensors are ``scratchnn.Parameter`` objects (``p = Parameter(array)``) with ``.data`` and
  ``.grad`` (same shape). ``backward`` **adds** (``+=``) into ``p.grad``; the optimizer's
  ``zero_grad()`` clears them.
* Layers with learnable tensors name them ``weight`` and ``bias`` (like PyTorch).
* Layers that behave differently in training and evaluation read ``self.training``
  (``train()``/``eval()`` methods are used when present).
* Don't hard-code ``float32``: the checks use float64 so that they can see small errors.

"Error" in the reports is ``max|yours - reference| / max|reference|``, printed per check as "(error e)" and in the header as "largest error e × max |reference|":
one error scaled by the largest reference value (``scratchnn.gradcheck.check_module`` reports the same measure,
``gradient_error``). 1e-16 is exact, anything under ``TOLERANCE`` passes, 1 means the error is as large as the answer.
"""

from ._common import FINITE_DIFFERENCE_TOLERANCE, TOLERANCE, CheckItem, CheckResult
from .activations import check_activation, check_relu
from .dropout import check_dropout
from .linear import check_linear
from .losses import check_softmax, check_softmax_cross_entropy
from .norm import check_batchnorm, check_layernorm
from .optim import check_sgd
from .penalty import check_l2_penalty

__all__ = [
    "TOLERANCE",
    "FINITE_DIFFERENCE_TOLERANCE",
    "CheckItem",
    "CheckResult",
    "check_activation",
    "check_batchnorm",
    "check_dropout",
    "check_l2_penalty",
    "check_layernorm",
    "check_linear",
    "check_relu",
    "check_sgd",
    "check_softmax",
    "check_softmax_cross_entropy",
]
