"""Losses, as `tn.losses` shows them: pure functions of (outputs, targets), one value per example.

`softmax_cross_entropy` and `binary_cross_entropy` take logits (`from_logits=True`, where
Keras's default is False); `categorical_crossentropy`, `sparse_categorical_crossentropy`
and `binary_crossentropy` (Keras's names) take probabilities, for a model that ends in a
softmax or sigmoid.
"""

from .train._losses import binary_cross_entropy as binary_cross_entropy
from .train._losses import binary_crossentropy as binary_crossentropy
from .train._losses import categorical_crossentropy as categorical_crossentropy
from .train._losses import get as get
from .train._losses import huber as huber
from .train._losses import mean_absolute_error as mean_absolute_error
from .train._losses import mean_squared_error as mean_squared_error
from .train._losses import softmax_cross_entropy as softmax_cross_entropy
from .train._losses import takes_probabilities as takes_probabilities

sparse_categorical_crossentropy = categorical_crossentropy
"""Keras's name for `categorical_crossentropy` with class-id targets: the same function, which takes both."""

__all__ = [
    "binary_cross_entropy",
    "binary_crossentropy",
    "categorical_crossentropy",
    "get",
    "huber",
    "mean_absolute_error",
    "mean_squared_error",
    "softmax_cross_entropy",
    "sparse_categorical_crossentropy",
    "takes_probabilities",
]
