"""Losses, as `tn.losses` shows them: pure functions of (outputs, targets)."""

from .train._losses import mean_squared_error as mean_squared_error
from .train._losses import softmax_cross_entropy as softmax_cross_entropy

__all__ = ["mean_squared_error", "softmax_cross_entropy"]
