"""Stopping when the loss stops being a number."""

from __future__ import annotations

import numpy as np

from .._errors import TypednnError
from ._callback import Callback, Run, Steps


class NonFiniteLossError(TypednnError):
    """The loss became NaN or infinite; `step`, `epoch` and `batch` say where (from 0)."""

    def __init__(self, message: str, *, hint: str, step: int, epoch: int, batch: int) -> None:
        super().__init__(message, hint=hint)
        self.step = step
        self.epoch = epoch
        self.batch = batch


class TerminateOnNaN(Callback):
    """Stop training at the first NaN or infinite loss, naming the step and batch.

    `fit` adds one unless told `terminate_on_nan=False`. It raises
    `NonFiniteLossError`, so no later callback saves the broken parameters: the last
    checkpoint stays the last good one.
    """

    def on_steps_end(self, run: Run, steps: Steps) -> None:
        bad = np.flatnonzero(~np.isfinite(steps.losses))
        if not bad.size:
            return
        offset = int(bad[0])
        batch = steps.batch - len(steps.losses) + offset
        step = steps.first_step + offset
        raise NonFiniteLossError(
            f"the loss is {steps.losses[offset]} at step {step} "
            f"(epoch {steps.epoch + 1}, batch {batch + 1} of {run.steps_per_epoch}); training stopped",
            hint="lower the learning rate, clip gradients (optax.clip_by_global_norm), or look for NaN or "
            "infinite values in the data; the last checkpoint, if any, is from before this step",
            step=step,
            epoch=steps.epoch,
            batch=batch,
        )
