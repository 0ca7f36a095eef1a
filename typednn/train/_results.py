"""What a trainer gives back besides training: host parameters, its best checkpoint, an export, a step's memory.

`Trainer` inherits these; they read its state and compiled programs, never change how
it trains.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, cast

from ..distributed import barrier, collective_failures, is_chief
from ..export import save
from ..lower import Params
from ._best import load_best
from ._early_stopping import Mode
from ._precision import Precision
from ._step_memory import StepMemory, step_memory

if TYPE_CHECKING:
    from ._trainer import Trainer


class Results:
    """`Trainer`'s read-outs: `host_params`, `load_best`, `save` and `memory` (a base of `Trainer` only)."""

    def _trainer(self) -> Trainer[Any, Any]:
        return cast("Trainer[Any, Any]", self)  # the only subclass: it holds the state read here

    def memory(self, batch_size: int) -> StepMemory:
        """The peak memory of one training step at `batch_size`, from XLA's memory analysis.

        It compiles the step (seconds; nothing runs), with this trainer's optimizer,
        `accumulate` and `remat`, on the current backend. `typednn summary --batch-size`
        prints it.

        Example:
            >>> import optax, typednn as tn
            >>> from typednn import nn
            >>> x = tn.Input(4)
            >>> trainer = tn.Trainer(tn.Model(x, x >> nn.Dense(3)), loss=tn.losses.mean_squared_error,
            ...                      optimizer=optax.sgd(0.1))
            >>> trainer.memory(32).peak > 0
            True
        """
        return step_memory(self._trainer(), batch_size)

    def load_best(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        monitor: str | None = None,
        mode: Mode = "auto",
    ) -> dict[str, float]:
        """Put back the parameters of the best checkpoint by the monitored metric; returns its epoch's metrics.

        Keras's `ModelCheckpoint(save_best_only=True)` followed by loading that file, in
        one call: `fit(callbacks=[tn.callbacks.Checkpoint(directory)])` keeps the best
        checkpoint by its `monitor` (`keep_best=1`: `val_loss` when validating, else
        `loss`), and `load_best()` restores it. Like Keras's
        `EarlyStopping(restore_best_weights=True)`, only the parameters come back: the
        optimizer state, `step` and `epoch` stay where training ended. The best is among
        the kept checkpoints (every epoch's best, unless `Checkpoint(every_epochs=...)`
        or `keep_best=0`).

        Args:
            directory: Where the checkpoints are; by default the `Checkpoint` callback's of
                the last `fit`.
            monitor: The metric that ranks them; by default the callback's (for a
                directory: `val_loss` when recorded, else `loss`).
            mode: `"min"`, `"max"` or `"auto"` (min for losses and errors).

        Returns:
            The metrics of the best checkpoint's epoch, e.g. `{"loss": .., "val_loss": ..}`.

        Raises:
            TypednnError: without a directory or a `Checkpoint` in the last fit, or when no
                checkpoint records `monitor`.
            CheckpointError: when the best checkpoint is damaged or does not fit the model.
        """
        trainer = self._trainer()
        return load_best(trainer, trainer._checkpoint, directory, monitor=monitor, mode=mode)

    def host_params(self) -> Params:
        """The parameters as host arrays; in a multi-process job, every process must call it."""
        trainer = self._trainer()
        placement = trainer._placement
        return trainer.params if placement is None else placement.gather(trainer.params)

    def save(self, directory: str, *, dtype: Precision = "float32") -> None:
        """Export the model with the trained parameters (`spec.json` and `weights.safetensors`).

        In a multi-process job every process calls it; process 0 writes.

        Args:
            directory: The export's directory (`tn.save`'s).
            dtype: The dtype the floating parameters are stored in: "float32" (the
                default, whatever the trainer's `precision`), "bfloat16" or "float16"
                (`tn.save`'s `dtype=`).
        """
        with collective_failures():
            params = self.host_params()
            if is_chief():
                save(self._trainer().model, params, directory, dtype=dtype)
            barrier(f"typednn-save-{directory}")
