"""The Checkpoint callback: saves the training state, and restores it to resume."""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal, cast

import jax
import numpy as np

from .._errors import TypednnError
from .._reading import excerpt
from ..distributed import process_count
from ._callback import Callback, Run
from ._checkpoint_manifest import MANIFEST, recorded_precision
from ._checkpoint_store import CheckpointError, CheckpointStore
from ._early_stopping import Mode, Monitor

if TYPE_CHECKING:
    from ._trainer import Trainer

# What must be equal for a resumed run to see the same batches as an uninterrupted one.
_SAME_RUN = ("seed", "batch_size", "examples")


class Checkpoint(Callback):
    """Save parameters, optimizer state, step and epoch after every `every_epochs` epochs.

    Each checkpoint is written atomically (orbax, then a manifest of checksums), so a
    crash never leaves a half one behind; `fit(resume=True)` continues from the newest.
    In a multi-process job every process takes part (each writes its shards) and
    process 0 seals the checkpoint.

    In one process a checkpoint is written off the training thread by default: the
    state is copied to the host when the epoch ends, and the next epoch trains while
    the copy is written (a few tenths of a second, as long as a whole epoch of a small
    model). The run's first save blocks, so that a disk too full for a checkpoint is
    reported as such at once. Only one save is in flight; the next epoch's save first waits for it, and
    `fit` returns only once the last one is complete. A save that fails raises its
    error there: at the next save, or when training ends.

    Args:
        directory: Where the checkpoints go: one `step_<N>` folder each.
        keep: How many of the newest checkpoints to keep.
        keep_best: How many of the best by `monitor` to keep besides.
        monitor: The metric that ranks checkpoints; by default `val_loss` when
            validating, else `loss`.
        mode: `"min"`, `"max"` or `"auto"` (min for losses and errors).
        every_epochs: Save after every this many epochs (and after the last one).
        background: Write in a background thread (one process only; a multi-process
            job always writes in step, as its processes must).
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        keep: int = 3,
        keep_best: int = 1,
        monitor: str | None = None,
        mode: Mode = "auto",
        every_epochs: int = 1,
        background: bool = True,
    ) -> None:
        if every_epochs < 1:
            raise TypednnError(
                f"Checkpoint every_epochs must be >= 1, not {every_epochs}",
                hint="every_epochs=1 saves after each epoch",
            )
        self.directory = directory
        self.every_epochs = every_epochs
        self.background = background
        self._writer: ThreadPoolExecutor | None = None
        self._saving: Future[Any] | None = None
        self._first = True  # the run's first save blocks
        self._mode = mode
        self._monitor_resolved = monitor is not None
        monitor = monitor or "val_loss"
        self.store = CheckpointStore(
            directory, keep=keep, keep_best=keep_best, monitor=monitor, mode=self._direction(monitor)
        )

    def _direction(self, monitor: str) -> Literal["min", "max"]:
        return "max" if Monitor(monitor, mode=self._mode, min_delta=0).higher_is_better else "min"

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        if not self._monitor_resolved:
            # The default monitor depends on whether the run validates, known only now.
            monitor = "val_loss" if "val_loss" in logs else "loss"
            self.store.monitor, self.store.mode = monitor, self._direction(monitor)
            self._monitor_resolved = True
        if (epoch + 1) % self.every_epochs and epoch + 1 != run.epochs:
            return
        trainer = run.trainer
        meta = {
            "epoch": trainer.epoch,
            "step": trainer.step,
            "seed": trainer.seed,
            "batch_size": run.batch_size,
            "examples": run.examples,
            "precision": trainer.precision,
            "metrics": logs,
            "history": run.history,
        }
        state = {"params": trainer.params, "opt_state": trainer.opt_state}
        self._finish()  # the previous save: one at a time, and its error now
        if not self.background or process_count() > 1 or self._first:
            # The first save blocks: a disk that cannot take a checkpoint is then reported
            # as such, before the next epoch's files race the writer for the last bytes.
            self._first = False
            self.store.save(trainer.step, state, meta)
            return
        # Host copies, made now: fit donates the device buffers to the next epoch's steps.
        host = jax.tree.map(lambda leaf: np.array(leaf) if isinstance(leaf, jax.Array) else leaf, state)
        meta = {**meta, "metrics": dict(logs), "history": list(run.history)}
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="typednn-checkpoint")
        self._saving = self._writer.submit(self.store.save, trainer.step, host, meta)

    def on_train_begin(self, run: Run) -> None:
        self._first = True

    def on_train_end(self, run: Run) -> None:
        # Reached after an error too (fit calls it from a `finally`): a failed save must
        # not hide that error, but the save in flight is still waited for.
        failing = sys.exc_info()[0] is not None
        try:
            self._finish()
        except Exception:
            if not failing:
                raise
        finally:
            if self._writer is not None:
                self._writer.shutdown()
                self._writer = None

    def _finish(self) -> None:
        """Wait for the save in flight, if any; raise its error."""
        saving, self._saving = self._saving, None
        if saving is not None:
            saving.result()

    def restore(self, trainer: Trainer[Any, Any], *, examples: int, batch_size: int) -> list[dict[str, float]]:
        """Load the newest checkpoint into `trainer`; returns the history it recorded.

        A damaged newest checkpoint is an error, not a silent step back: its hint names
        the newest older checkpoint that verifies, and how to resume from it.

        Raises:
            CheckpointError: if it is damaged or tampered with (naming the file), or
                does not fit the model.
            TypednnError: if it was made with another seed, batch size or dataset size.
        """
        self._finish()
        step = self.store.latest()
        if step is None:
            return []
        self._check_precision(trainer, step)
        try:
            state, meta = self.store.restore(step, {"params": trainer.params, "opt_state": trainer.opt_state})
            history = self._checked_meta(step, meta)
        except CheckpointError as error:
            if not error.damaged:
                raise
            raise CheckpointError(
                error.message, hint=self._resume_hint(step, error.good), damaged=True, good=error.good
            ) from None
        now = {"seed": trainer.seed, "batch_size": batch_size, "examples": examples}
        changed = [f"{k} {_shown(meta.get(k))} -> {now[k]}" for k in _SAME_RUN if meta.get(k) != now[k]]
        if changed:
            raise TypednnError(
                f"cannot resume from step {step} in {self.directory}: the run changed ({', '.join(changed)})",
                hint="resume with the settings the checkpoint was made with, or start afresh in a new directory",
            )
        trainer.params, trainer.opt_state = state["params"], state["opt_state"]
        trainer.step, trainer.epoch = step, meta["epoch"]
        return history

    def _check_precision(self, trainer: Trainer[Any, Any], step: int) -> None:
        """Refuse to resume a run in another precision than its checkpoint's (float16 also differs in state)."""
        saved = recorded_precision(self.store._step_path(step))
        if saved is not None and saved != trainer.precision:
            raise TypednnError(
                f"cannot resume from step {step} in {self.directory}: it was trained with precision={saved!r},"
                f" this trainer has precision={trainer.precision!r}",
                hint=f"resume with precision={saved!r} (Trainer, or train.precision in a spec),"
                " or start afresh in a new directory",
            )

    def _checked_meta(self, step: int, meta: dict[str, Any]) -> list[dict[str, float]]:
        """The history in a checkpoint's meta, once step, epoch and history have the types `on_epoch_end` wrote."""
        manifest = f"{self.store.directory}/step_{step:08d}/{MANIFEST}"
        history = meta.get("history")
        problem = None
        if meta.get("step") != step or isinstance(meta.get("step"), bool):
            problem = f"meta.step is {_shown(meta.get('step'))}, not the checkpoint's step {step}"
        elif not _natural(meta.get("epoch")):
            problem = f"meta.epoch is {_shown(meta.get('epoch'))}, not an int >= 0"
        elif not isinstance(history, list) or not all(
            isinstance(logs, dict) and all(_number(value) for value in logs.values()) for logs in history
        ):
            problem = "meta.history is not a list of {metric: number} objects"
        if problem is not None:
            raise self.store.damaged(step, f"{manifest}: {problem}")
        return cast("list[dict[str, float]]", history)  # checked just above

    def _resume_hint(self, step: int, good: int | None) -> str:
        if good is None:
            return f"no older checkpoint in {self.directory} verifies either; move the folder away and train afresh"
        newer = [f"step_{other:08d}" for other in self.store.steps() if other > good]
        return (
            f"step {good} still loads: move {', '.join(newer)} out of {self.directory}"
            f" and resume again to continue from step {good}"
        )


def _natural(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shown(value: object) -> str:
    """A value from a checkpoint's meta, for a message: ints as they are, anything else as an excerpt."""
    return str(value) if _natural(value) and len(str(value)) <= 20 else excerpt(json.dumps(value))
