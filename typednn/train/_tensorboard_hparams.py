"""The hyperparameters the TensorBoard callback records for TensorBoard's HPARAMS tab."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._tensorboardx import HParam

if TYPE_CHECKING:
    from ._callback import Run


def _name(value: object) -> str | None:
    """A loss or metric as a word: its own name if it is a string, else its function's name."""
    if isinstance(value, str):
        return value
    name = getattr(value, "__name__", None)
    return name if isinstance(name, str) else None


def run_hparams(run: Run) -> dict[str, HParam]:
    """What a callback sees of the run: batch size, epochs, examples, steps, seed, loss, parameters."""
    found: dict[str, HParam] = {
        "batch_size": run.batch_size,
        "epochs": run.epochs,
        "examples": run.examples,
        "steps_per_epoch": run.steps_per_epoch,
    }
    trainer: Any = run.trainer
    if trainer is None:  # a callback driven by hand, without a trainer
        return found
    found["seed"] = trainer.seed
    if (loss := _name(trainer.loss)) is not None:
        found["loss"] = loss
    found["parameters"] = trainer.model.count_params()
    return found


def flatten(value: object, *, prefix: str) -> dict[str, HParam]:
    """A nested option (a spec's `optimizer: {adam: {learning_rate: 0.003}}`) as flat hparams.

    A one-key mapping names a kind: its key becomes the value of `prefix` and its
    options follow as `prefix.option`; lists and other values are written as JSON.

    Example:
        >>> flatten({"adam": {"learning_rate": 0.003}}, prefix="optimizer")
        {'optimizer': 'adam', 'optimizer.learning_rate': 0.003}
        >>> flatten("sgd", prefix="optimizer")
        {'optimizer': 'sgd'}
    """
    if isinstance(value, bool | str) or (isinstance(value, int | float) and math.isfinite(value)):
        return {prefix: value}
    if isinstance(value, Mapping) and len(value) == 1:
        [(kind, options)] = value.items()
        if isinstance(kind, str) and isinstance(options, Mapping):
            found: dict[str, HParam] = {prefix: kind}
            for key, option in options.items():
                found |= flatten(option, prefix=f"{prefix}.{key}")
            return found
    if isinstance(value, Mapping):
        found = {}
        for key, option in value.items():
            found |= flatten(option, prefix=f"{prefix}.{key}")
        return found
    return {prefix: json.dumps(value, default=str)}
