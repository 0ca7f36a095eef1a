"""Callbacks for `Trainer.fit`, as `tn.callbacks` shows them (Keras's names)."""

from .train import Callback as Callback
from .train import Checkpoint as Checkpoint
from .train import CSVLogger as CSVLogger
from .train import EarlyStopping as EarlyStopping
from .train import JSONLLogger as JSONLLogger
from .train import LearningRateScheduler as LearningRateScheduler
from .train import PlotHistory as PlotHistory
from .train import ProgressBar as ProgressBar
from .train import ReduceLROnPlateau as ReduceLROnPlateau
from .train import Run as Run
from .train import Steps as Steps
from .train import TensorBoard as TensorBoard
from .train import TerminateOnNaN as TerminateOnNaN

__all__ = [
    "CSVLogger",
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "JSONLLogger",
    "LearningRateScheduler",
    "PlotHistory",
    "ProgressBar",
    "ReduceLROnPlateau",
    "Run",
    "Steps",
    "TensorBoard",
    "TerminateOnNaN",
]
