"""Stopping when a monitored metric stops improving, keeping the best weights."""

from __future__ import annotations

import math
from typing import Any, Literal

import jax

from .._errors import TypednnError
from ._callback import Callback, Run

Mode = Literal["auto", "min", "max"]


class Monitor:
    """Tracks the best value of one metric.

    Lower is better for losses and errors, higher for the others, unless `mode` says.
    """

    def __init__(self, monitor: str, *, mode: Mode, min_delta: float) -> None:
        if mode not in ("auto", "min", "max"):
            raise TypednnError(f"mode must be 'auto', 'min' or 'max', not {mode!r}")
        self.monitor = monitor
        lower = ("loss", "error", "mse", "mae")
        self.higher_is_better = mode == "max" or (mode == "auto" and not any(s in monitor for s in lower))
        self.min_delta = abs(min_delta)
        self.best: float | None = None

    def value(self, logs: dict[str, float]) -> float:
        if self.monitor not in logs:
            raise TypednnError(
                f"cannot monitor {self.monitor!r}: the epoch's logs hold {', '.join(sorted(logs))}",
                hint="val_ metrics need fit(validation=...); other metrics need Trainer(metrics=[...])",
            )
        return logs[self.monitor]

    def improved(self, logs: dict[str, float]) -> bool:
        """Whether this epoch's value beats the best by more than `min_delta` (and record it)."""
        value = self.value(logs)
        if math.isnan(value):  # NaN never improves
            return False
        better = (
            self.best is None
            or (self.higher_is_better and value > self.best + self.min_delta)
            or (not self.higher_is_better and value < self.best - self.min_delta)
        )
        if better:
            self.best = value
        return better


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved for `patience` epochs; restore the best weights.

    As in Keras: each epoch without an improvement counts one, an improvement resets the
    count, and training stops after the epoch whose count reaches `patience`. So
    `patience=2` stops after the second epoch in a row without an improvement (and
    `patience=0` acts as 1: after the first), the count `ReduceLROnPlateau` acts on too.

    Args:
        monitor: The metric to watch, e.g. `"val_loss"` or `"val_accuracy"`.
        patience: Epochs in a row without improvement after which training stops.
        min_delta: The smallest change that counts as an improvement.
        mode: `"min"`, `"max"`, or `"auto"` (min for losses and errors, else max).
        restore_best_weights: When training ends, put back the parameters of the best
            epoch (also when it ends by running out of epochs, not only by stopping).
            True by default here; Keras's default is False (it keeps the last epoch's).
        start_from_epoch: Epochs to wait before counting (warm-up).

    Attributes:
        stopped_epoch: The epoch training stopped after, or None.
        best_epoch: The epoch with the best value.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        *,
        patience: int = 0,
        min_delta: float = 0.0,
        mode: Mode = "auto",
        restore_best_weights: bool = True,
        start_from_epoch: int = 0,
    ) -> None:
        self.tracker = Monitor(monitor, mode=mode, min_delta=min_delta)
        self.patience = patience
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.stopped_epoch: int | None = None
        self.best_epoch: int | None = None
        self._best_params: Any = None
        self._wait = 0

    def on_train_begin(self, run: Run) -> None:
        self.tracker.best, self.best_epoch, self.stopped_epoch = None, None, None
        self._best_params, self._wait = None, 0

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        if epoch < self.start_from_epoch:
            return
        if self.tracker.improved(logs):
            self.best_epoch, self._wait = epoch, 0
            if self.restore_best_weights:
                # A host copy: the trainer donates its parameter buffers to the next step.
                self._best_params = jax.device_get(run.trainer.params)
            return
        self._wait += 1
        if self._wait >= self.patience:  # as Keras counts: `patience` such epochs in a row, not one more
            self.stopped_epoch = epoch
            run.stop_training = True

    def on_train_end(self, run: Run) -> None:
        if self._best_params is not None and self.best_epoch != run.trainer.epoch - 1:
            run.trainer.params = jax.device_put(self._best_params)
