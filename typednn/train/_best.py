"""Finding the best checkpoint of a run by a monitored metric, for `Trainer.load_best`."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .._errors import TypednnError
from ._checkpoint_callback import Checkpoint
from ._checkpoint_manifest import recorded_metric
from ._checkpoint_store import CheckpointStore
from ._early_stopping import Mode, Monitor

if TYPE_CHECKING:
    from ._trainer import Trainer


def load_best(
    trainer: Trainer[Any, Any],
    checkpoint: Checkpoint | None,
    directory: str | os.PathLike[str] | None,
    *,
    monitor: str | None,
    mode: Mode,
) -> dict[str, float]:
    """`Trainer.load_best`: `checkpoint` is the callback of the trainer's last fit, or None."""
    if directory is None:
        if checkpoint is None:
            raise TypednnError(
                "Trainer.load_best: the last fit kept no checkpoints to pick the best of",
                hint="fit with callbacks=[tn.callbacks.Checkpoint(directory)], or pass load_best(directory)",
            )
        directory = checkpoint.directory
        if monitor is None:
            monitor, mode = checkpoint.store.monitor, checkpoint.store.mode
    store = store_for(directory, monitor, mode)
    step = best_step(store)
    state, meta = store.restore(step, {"params": trainer.params, "opt_state": trainer.opt_state})
    trainer.params = state["params"]
    return logged(meta)


def store_for(directory: str | os.PathLike[str], monitor: str | None, mode: Mode) -> CheckpointStore:
    """A store reading the checkpoints in `directory`, ranked by `monitor`.

    Without a monitor: `val_loss` when a checkpoint records it, else `loss` (the
    `Checkpoint` callback's default).
    """
    if not os.path.isdir(directory):
        raise TypednnError(
            f"load_best: no checkpoint directory {os.fspath(directory)!r}",
            hint="pass the directory of a tn.callbacks.Checkpoint(directory) that fit wrote",
        )
    store = CheckpointStore(directory)
    if monitor is None:
        recorded = any(recorded_metric(_folder(store, step), "val_loss") is not None for step in store.steps())
        monitor = "val_loss" if recorded else "loss"
    store.monitor = monitor
    store.mode = "max" if Monitor(monitor, mode=mode, min_delta=0).higher_is_better else "min"
    return store


def best_step(store: CheckpointStore) -> int:
    """The step of the checkpoint with the best `store.monitor`; the earlier one of a tie (as `keep_best` ranks).

    Raises:
        TypednnError: when the directory holds no checkpoint, or none records the metric.
    """
    steps = store.steps()
    if not steps:
        raise TypednnError(
            f"load_best: no checkpoint in {store.directory}",
            hint="fit with callbacks=[tn.callbacks.Checkpoint(directory)] first",
        )
    recorded = ((recorded_metric(_folder(store, step), store.monitor), step) for step in steps)
    scored = [(value, step) for value, step in recorded if value is not None]
    if not scored:
        raise TypednnError(
            f"load_best: no checkpoint in {store.directory} records {store.monitor!r}",
            hint="monitor a metric the run logged, e.g. load_best(monitor='loss'), or fit with validation=",
        )
    scored.sort(key=lambda vs: (vs[0] if store.mode == "min" else -vs[0], vs[1]))
    return scored[0][1]


def logged(meta: dict[str, Any]) -> dict[str, float]:
    """The metrics a checkpoint's meta recorded for its epoch."""
    metrics = meta.get("metrics")
    if not isinstance(metrics, dict):
        return {}
    return {str(k): float(v) for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _folder(store: CheckpointStore, step: int) -> Any:
    # The store's own naming (`step_<8 digits>`), as the Checkpoint callback spells it.
    return store.directory / f"step_{step:08d}"
