"""Metrics, as `tn.metrics` shows them: streaming and exact over a ragged last batch."""

from .train._metrics import F1 as F1
from .train._metrics import Accuracy as Accuracy
from .train._metrics import MeanAbsoluteError as MeanAbsoluteError
from .train._metrics import MeanSquaredError as MeanSquaredError
from .train._metrics import Metric as Metric
from .train._metrics import Precision as Precision
from .train._metrics import Recall as Recall
from .train._metrics import TopKAccuracy as TopKAccuracy
from .train._metrics import get as get

__all__ = [
    "F1",
    "Accuracy",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Metric",
    "Precision",
    "Recall",
    "TopKAccuracy",
    "get",
]
