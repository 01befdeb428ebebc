"""scratchnn.optim: optimizers with torch.optim's exact update rules, updating ``Parameter.data`` in place."""

from .adam import Adam, AdamW
from .clip_grad import clip_grad_norm_
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "clip_grad_norm_"]
