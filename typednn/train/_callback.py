"""Callbacks: small objects with a few hooks that `Trainer.fit` calls as it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ._trainer import Trainer


@dataclass
class Run:
    """What a callback sees of the run in progress.

    Attributes:
        trainer: The trainer (its `params`, `opt_state`, `step`, `model`).
        epochs: The epoch `fit` stops after (counting from 0, exclusive).
        initial_epoch: The first epoch of this call (above 0 when resumed).
        steps_per_epoch: Optimizer steps in one epoch (the last batch may be partial).
        batch_size: Examples per step.
        examples: Examples in one epoch.
        epoch: The current epoch.
        stop_training: Set it to end `fit` after the current epoch.
        is_chief: Whether this process writes logs and files (process 0).
        gradients: In `on_epoch_end` of an epoch for which a callback's `wants_gradients`
            said yes: host copies of the gradients of the loss on the epoch's last batch,
            at the parameters the epoch ended with (`{layer: {name: array}}`, trainable
            parameters only); else None.
    """

    trainer: Trainer[Any, Any]
    epochs: int
    initial_epoch: int
    steps_per_epoch: int
    batch_size: int
    examples: int
    epoch: int = 0
    stop_training: bool = False
    is_chief: bool = True
    history: list[dict[str, float]] = field(default_factory=list)
    gradients: dict[str, dict[str, Any]] | None = None


@dataclass(frozen=True)
class Steps:
    """Several optimizer steps, run in one dispatch.

    Attributes:
        epoch: The epoch they belong to.
        first_step: The global step of the first of them.
        batch: Batches done in this epoch after them.
        losses: Each step's mean loss, shape `(steps,)`.
        logs: Running means over the epoch so far: `"loss"` and each metric.
        seconds: Wall time they took, from dispatch to results.
        examples: Real examples they consumed (the padding of a ragged batch excluded).
    """

    epoch: int
    first_step: int
    batch: int
    losses: np.ndarray[Any, Any]
    logs: dict[str, float]
    seconds: float
    examples: int


class Callback:
    """The base of callbacks: override the hooks you need; each does nothing by default.

    Example:
        >>> class PrintLoss(Callback):
        ...     def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        ...         print(epoch, round(logs["loss"], 2))
    """

    def on_train_begin(self, run: Run) -> None:
        """Before the first epoch (after a resume has restored the state)."""

    def on_epoch_begin(self, run: Run, epoch: int) -> None:
        """Before each epoch."""

    def wants_gradients(self, run: Run, epoch: int) -> bool:
        """Whether `on_epoch_end` of `epoch` needs `run.gradients` (asked before the epoch; no by default).

        The compiled train step never returns gradients; when a callback says yes, the
        trainer computes them once, after the epoch, on its last batch.
        """
        return False

    def on_steps_end(self, run: Run, steps: Steps) -> None:
        """After each dispatch of several steps, with their losses."""

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        """After each epoch, with its metrics (`val_`-prefixed ones too, when validating)."""

    def on_train_end(self, run: Run) -> None:
        """After the last epoch, or when training stops early (also on an error)."""
