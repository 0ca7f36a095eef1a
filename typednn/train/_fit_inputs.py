"""What `Trainer.fit` trains on: its data, validation and weights, checked before anything compiles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from .._errors import TypednnError
from .._memory import require as require_memory
from ..data import Dataset
from ._batch_check import is_batches
from ._fit_batches import PythonBatches, validation_batches
from ._inference import as_dataset, check_data
from ._losses import check_applies
from ._parts import spans_processes
from ._weights import sample_weights

if TYPE_CHECKING:
    from ._trainer import Trainer

BATCH_SIZE: Final = 32
"""`fit`'s batch size for a dataset when none is given (batches from Python set their own)."""


@dataclass(frozen=True)
class FitInputs:
    """`fit`'s arguments made ready: datasets in the model's order, the batch size, the weights.

    Attributes:
        data: The training examples (for batches from Python, the first batch).
        validation: The validation examples, or None.
        batch_size: Examples per step.
        python: The batches from Python, or None for a dataset.
        examples: The examples sample weights count (the held-out share included).
        weights: One weight per example of `data`, or None.
    """

    data: Dataset[Any, Any]
    validation: Dataset[Any, Any] | None
    batch_size: int
    python: PythonBatches | None
    examples: int
    weights: Any


def fit_inputs(
    trainer: Trainer[Any, Any],
    data: Any,
    *,
    epochs: int,
    batch_size: int | None,
    validation: Any,
    steps_per_epoch: int | None,
    sample_weight: Any,
    class_weight: Mapping[int, float] | None,
) -> FitInputs:
    """Check and ready `Trainer.fit`'s data arguments (see `fit` for each).

    Raises:
        TypednnError: for data that is neither a dataset nor batches, an empty dataset,
            options that do not go with the data, weights that do not fit it, a loss
            that cannot take the targets, or a batch too large for the device memory.
        ShapeError: if the data does not fit the model.
    """
    python: PythonBatches | None = None
    if steps_per_epoch is not None and not is_batches(data):
        raise TypednnError(
            f"Trainer.fit: steps_per_epoch={steps_per_epoch!r} is for batches from Python;"
            " a dataset's epoch is all of its examples",
            hint="leave steps_per_epoch out, or pass an iterable of (x, y) batches",
        )
    if is_batches(data):
        python = PythonBatches.start(
            trainer.model,
            data,
            steps_per_epoch=steps_per_epoch,
            batch_size=batch_size,
            validation=validation,
            sample_weight=sample_weight,
            class_weight=class_weight,
            placement=trainer._placement,
        )
        data, batch_size = python.first, python.batch_size
    if validation is not None and is_batches(validation):
        validation = validation_batches(trainer.model, validation)
    batch_size = BATCH_SIZE if batch_size is None else batch_size
    data = as_dataset(data, "Trainer.fit")
    # An empty part of a job's data is refused by every process at once (`_parts.agree`), not by one alone.
    if len(data) == 0 and not (data.part is not None and spans_processes(trainer._placement)):
        raise TypednnError("Trainer.fit: the data holds no examples", hint="check the source, its filter or its split")
    if validation is not None and not isinstance(validation, float):
        validation = as_dataset(validation, "Trainer.fit", "validation")
    if epochs < 0 or batch_size < 1:
        raise TypednnError(f"fit needs epochs >= 0 and batch_size >= 1, not {epochs} and {batch_size}")
    if trainer._placement is not None:
        trainer._placement.check_batch(batch_size)
    examples = len(data) if python is None else python.examples  # sample weights weigh all, the held-out too
    if isinstance(validation, float):
        data, validation = data.split(validation, seed=None)
    data = check_data(trainer.model, data, "Trainer.fit")
    weights = None
    if python is None:
        weights = sample_weights(
            data,
            sample_weight=sample_weight,
            class_weight=class_weight,
            outputs=len(trainer.heads.heads),
            given=examples,
        )
    if validation is not None:
        validation = check_data(trainer.model, validation, "Trainer.fit", argument="validation")
    # Before compiling: a loss that cannot take the targets, a batch that cannot fit the device.
    heads = trainer.heads
    for head, classes, shape in zip(heads.heads, data.target_classes, data.target_shapes):
        target = None if shape is None else tuple(d for d in shape.dims if isinstance(d, int))
        check_applies(head.loss, classes=classes, target_shape=target, output=head.name if heads.several else None)
    placement = trainer._placement
    devices, sharded = (1, False) if placement is None else (placement.devices, placement.shard_params)
    require_memory(trainer.model, trainer.optimizer, batch_size=batch_size, devices=devices, sharded=sharded)
    return FitInputs(data, validation, batch_size, python, examples, weights)
