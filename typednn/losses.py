"""Losses, as `tn.losses` shows them: pure functions of (outputs, targets), one value per example."""

from .train._losses import binary_cross_entropy as binary_cross_entropy
from .train._losses import get as get
from .train._losses import huber as huber
from .train._losses import mean_absolute_error as mean_absolute_error
from .train._losses import mean_squared_error as mean_squared_error
from .train._losses import softmax_cross_entropy as softmax_cross_entropy

__all__ = ["binary_cross_entropy", "get", "huber", "mean_absolute_error", "mean_squared_error", "softmax_cross_entropy"]
