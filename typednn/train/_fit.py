"""`Trainer.fit`'s run: its inputs checked, the steps and examples an epoch has, resuming, then the epochs.

`Trainer.fit` documents the arguments; this is what it does with them, apart from the
class that holds the trainer's state.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._errors import TypednnError
from ..data import Dataset
from ..distributed import is_chief
from ._callback import Callback, Run
from ._checkpoint_callback import Checkpoint
from ._epochs import run_fit, with_defaults
from ._fit_inputs import fit_inputs
from ._generator_feed import FromPython
from ._history import History
from ._parts import agree_fit
from ._precision import LossScaleLog
from ._progress import Verbose

if TYPE_CHECKING:
    from ._trainer import Trainer


def fit(
    trainer: Trainer[Any, Any],
    data: Dataset[Any, Any] | Iterable[tuple[Any, Any]] | Iterable[tuple[Any, Any, Any]],
    *,
    epochs: int,
    batch_size: int | None,
    validation: Dataset[Any, Any] | Iterable[tuple[Any, Any]] | float | None,
    callbacks: Sequence[Callback],
    verbose: Verbose,
    shuffle: bool,
    resume: bool,
    terminate_on_nan: bool,
    sample_weight: Any,
    class_weight: Mapping[int, float] | None,
    steps_per_epoch: int | None,
) -> History:
    """Train `trainer` as `Trainer.fit` says; the history of its epochs."""
    given = fit_inputs(
        trainer,
        data,
        epochs=epochs,
        batch_size=batch_size,
        validation=validation,
        steps_per_epoch=steps_per_epoch,
        sample_weight=sample_weight,
        class_weight=class_weight,
    )
    data, validation, batch_size, python = given.data, given.validation, given.batch_size, given.python
    examples, weights = given.examples, given.weights
    parts = validation_parts = None
    if python is None:  # batches from Python are never fed to a mesh (`PythonBatches.start`)
        parts, validation_parts = agree_fit(data, validation, trainer._placement)
    steps = math.ceil(len(data) / batch_size) if python is None else python.steps_per_epoch
    if parts is not None and trainer._placement is not None:
        examples = parts.total  # the job's: what the checkpoint records
        steps = parts.steps(trainer._placement.process_columns(batch_size))
    if trainer._policy.scaled:  # each epoch's skipped steps and loss scale, in its logs
        callbacks = [*callbacks, LossScaleLog()]
    callbacks = with_defaults(callbacks, verbose=verbose, terminate_on_nan=terminate_on_nan)
    trainer._checkpoint = next((c for c in callbacks if isinstance(c, Checkpoint)), None)
    history = History()
    end = trainer.epoch + epochs
    if resume:
        checkpoint = trainer._checkpoint
        if checkpoint is None:
            raise TypednnError(
                "fit(resume=True) needs a checkpoint to resume from",
                hint="pass callbacks=[tn.callbacks.Checkpoint(directory)]",
            )
        history = History(checkpoint.restore(trainer, examples=examples, batch_size=batch_size))
        end = epochs
    run = Run(
        trainer=trainer,
        epochs=end,
        initial_epoch=trainer.epoch,
        steps_per_epoch=steps,
        batch_size=batch_size,
        examples=examples if parts is not None else len(data) if python is None else python.examples,
        epoch=trainer.epoch,
        is_chief=is_chief(),
        history=history.epochs,
    )
    source: Dataset[Any, Any] | FromPython = data
    if python is not None:
        loops_ok, requested = trainer._loops_ok, trainer.steps_per_dispatch
        source = python.feed(
            epochs=end - trainer.epoch, first_epoch=trainer.epoch, requested=requested, loops_ok=loops_ok
        )
    run_fit(
        trainer,
        run,
        source,
        validation,
        callbacks,
        history,
        shuffle=shuffle,
        weights=weights,
        parts=parts,
        validation_parts=validation_parts,
    )
    return history
