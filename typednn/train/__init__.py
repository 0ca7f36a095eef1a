"""Training: the Trainer, losses, metrics, callbacks and checkpoints; `evaluate` and `predict` without a trainer."""

from ._callback import Callback as Callback
from ._callback import Run as Run
from ._callback import Steps as Steps
from ._checkpoint_callback import Checkpoint as Checkpoint
from ._checkpoint_store import CheckpointError as CheckpointError
from ._early_stopping import EarlyStopping as EarlyStopping
from ._history import History as History
from ._inference import evaluate as evaluate
from ._inference import predict as predict
from ._logs import CSVLogger as CSVLogger
from ._logs import JSONLLogger as JSONLLogger
from ._nan import NonFiniteLossError as NonFiniteLossError
from ._nan import TerminateOnNaN as TerminateOnNaN
from ._plot import PlotHistory as PlotHistory
from ._progress import ProgressBar as ProgressBar
from ._schedules import LearningRateScheduler as LearningRateScheduler
from ._schedules import ReduceLROnPlateau as ReduceLROnPlateau
from ._tensorboard import TensorBoard as TensorBoard
from ._trainer import Trainer as Trainer

__all__ = [
    "CSVLogger",
    "Callback",
    "Checkpoint",
    "CheckpointError",
    "EarlyStopping",
    "History",
    "JSONLLogger",
    "LearningRateScheduler",
    "NonFiniteLossError",
    "PlotHistory",
    "ProgressBar",
    "ReduceLROnPlateau",
    "Run",
    "Steps",
    "TensorBoard",
    "TerminateOnNaN",
    "Trainer",
    "evaluate",
    "predict",
]
