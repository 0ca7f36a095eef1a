"""Training: the Trainer and losses."""

from ._losses import mean_squared_error as mean_squared_error
from ._losses import softmax_cross_entropy as softmax_cross_entropy
from ._trainer import Trainer as Trainer

__all__ = ["Trainer", "mean_squared_error", "softmax_cross_entropy"]
