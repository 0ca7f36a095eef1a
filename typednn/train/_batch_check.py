"""Batches from Python, checked: each `(x, y)` or `(x, y, sample_weight)` a generator yields, as the step takes it.

The first batch is checked against the model by the rule datasets are (`check_data`),
so a wrong shape reads the same as a dataset's; it also fixes the batch size and the
shape of every array. Each later batch must hold examples of those shapes, and at
most as many: a smaller one (an epoch's ragged last batch) is padded to the batch
size with weight 0, as a dataset's last batch is (`_feed.chunks`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

import jax
import numpy as np

from .._errors import TypednnError
from .._model import Model
from .._shapes import ShapeError
from .._words import given
from ..data import Dataset, from_arrays
from ._inference import check_data
from ._weights import sample_weights

Array = np.ndarray[Any, Any]

_HINT_TUPLE = (
    "yield (features, targets) or (features, targets, sample_weight) batches, e.g. `yield x[i : i + 32], y[i : i + 32]`"
)
_HINT_SHAPES = "every batch holds examples of the first batch's shapes and dtypes (pad sequences to one length)"


def is_batches(data: object) -> TypeGuard[Iterable[Any]]:
    """Whether `fit` reads `data` as batches from Python rather than as a dataset.

    A list or tuple counts only when its items are tuples (`[(x, y), ...]`): `(x, y)`
    itself stays what `fit` refuses with a hint to `from_arrays`, as do paths, text,
    dicts and arrays (all iterable, none batches).
    """
    if isinstance(data, (Dataset, str, bytes, Mapping, np.ndarray, jax.Array)):
        return False
    if isinstance(data, (list, tuple)):
        return bool(data) and all(isinstance(item, (tuple, list)) for item in data)
    return isinstance(data, Iterable) and not hasattr(data, "__fspath__")


def one_shot(data: Iterable[Any]) -> bool:
    """Whether `data` can be iterated once only (a generator, an iterator), rather than once per epoch."""
    return isinstance(data, Iterator)


@dataclass(frozen=True)
class Batch:
    """One batch as the compiled step reads it: padded to the batch size.

    `real` is 1 per example and 0 per padding; `sample` each example's weight in the
    loss (given, or from `class_weight`), None without weights.
    """

    x: Any
    y: Any
    real: Array
    sample: Array | None


class BatchCheck:
    """Turns raw batches into `Batch`es, checking each against the model and the first batch.

    Args:
        model: The model the batches feed.
        class_weight: `fit`'s `{class id: weight}`, applied to each batch, or None.
        method: Who asks, for messages (`Trainer.fit`).
    """

    def __init__(self, model: Model[Any, Any], *, class_weight: Mapping[int, float] | None, method: str) -> None:
        self.model = model
        self.class_weight = class_weight
        self.method = method
        self.batch_size = 0  # set by the first batch
        self.weighted = False
        self._shapes: list[tuple[tuple[int, ...], np.dtype[Any]]] = []

    def first(self, raw: object) -> tuple[Batch, Dataset[Any, Any]]:
        """The first batch, and as a one-batch dataset: checked against the model as a dataset is.

        It sets the batch size and the shapes of the later batches.
        """
        data, weights = self._dataset(raw, "the first batch", first=True)
        self.batch_size = len(data)
        self.weighted = weights is not None
        self._shapes = [(a.shape[1:], a.dtype) for a in jax.tree.leaves((data.features, data.targets))]
        return Batch(data.features, data.targets, np.ones(self.batch_size, np.float32), weights), data

    def __call__(self, raw: object, where: str) -> Batch:
        """A later batch (`where`: `batch 7 of epoch 2`), checked and padded to the batch size."""
        data, weights = self.checked(raw, where)
        x, y = data.features, data.targets
        examples = len(data)
        if examples > self.batch_size:
            raise TypednnError(
                f"{self.method}: {where} holds {examples} examples, more than the first batch's {self.batch_size}",
                hint="the first batch sets the batch size: only an epoch's last batch may be smaller",
            )
        real = np.zeros(self.batch_size, np.float32)
        real[:examples] = 1.0
        missing = self.batch_size - examples
        if missing:
            # Copies of a real example (as a dataset's padding is), weighing 0: never NaN in a loss.
            x, y = jax.tree.map(lambda a: _padded(a, missing), (x, y))
            weights = None if weights is None else np.concatenate([weights, np.zeros(missing, np.float32)])
        return Batch(x, y, real, weights)

    def checked(self, raw: object, where: str) -> tuple[Dataset[Any, Any], Array | None]:
        """A later batch as a one-batch dataset and its weights, checked against the model and the first batch."""
        data, weights = self._dataset(raw, where, first=False)
        if (weights is not None) != self.weighted:
            had = "a sample weight" if self.weighted else "no sample weight"
            raise TypednnError(
                f"{self.method}: {where} {'has' if weights is not None else 'lacks'} sample weights,"
                f" but the first batch had {had}",
                hint="yield (x, y, sample_weight) for every batch, or for none",
            )
        leaves = jax.tree.leaves((data.features, data.targets))
        for i, (array, (shape, dtype)) in enumerate(zip(leaves, self._shapes)):
            if array.shape[1:] != shape or array.dtype != dtype:
                raise TypednnError(
                    f"{self.method}: {where}: array {i} holds examples of shape {array.shape[1:]} {array.dtype},"
                    f" the first batch's {shape} {dtype}",
                    hint=_HINT_SHAPES,
                )
        return data, weights

    def _dataset(self, raw: object, where: str, *, first: bool) -> tuple[Dataset[Any, Any], Array | None]:
        """The batch as a checked one-batch dataset, its arrays in the model's order, and its weights."""
        if not isinstance(raw, (tuple, list)) or len(raw) not in (2, 3):
            raise TypednnError(
                f"{self.method}: {where} is {given(raw)}, not an (x, y) or (x, y, sample_weight) tuple",
                hint=_HINT_TUPLE,
            )
        try:
            inferred = from_arrays(raw[0], raw[1]).in_order(self.model.input_names, self.model.output_names)
            data = check_data(self.model, self._with_model_classes(inferred, where), self.method)
            if len(data) == 0:
                raise TypednnError(f"{self.method}: {where} is empty", hint="yield batches of at least one example")
            weights = sample_weights(
                data,
                sample_weight=raw[2] if len(raw) == 3 else None,
                class_weight=self.class_weight,
                outputs=len(self.model.graph.outputs),
                method=f"{self.method}, {where}",
            )
        except ShapeError as error:
            # The first batch's mismatch reads as a dataset's; a later one's says which batch.
            raise (error if first else error.at(where)) from None
        except TypednnError as error:
            if error.message.startswith(self.method):
                raise
            raise TypednnError(f"{self.method}: {where}: {error.message}", hint=error.hint) from None
        return data, weights

    def _with_model_classes(self, data: Dataset[Any, Any], where: str) -> Dataset[Any, Any]:
        """`data` with each class-id target counting the classes its output scores, not the batch's largest id + 1.

        One batch rarely holds every class; a dataset infers the count from all of
        them, and a batch must not give a smaller one. A count above the output's stays
        for the shape check to report. Binary outputs (one unit) are left as they are.
        """
        if any(names is not None for names in data.target_class_names):
            raise TypednnError(
                f"{self.method}: {where} holds class names, which one batch cannot number as all of them would",
                hint="map each name to its class id in the generator (e.g. with a dict) and yield the ids",
            )
        classes: list[int | None] = []
        for count, output in zip(data.target_classes, self.model.graph.outputs):
            scores = output.shape.dims[-1] if output.shape.dims else None
            fits = count is not None and isinstance(scores, int) and scores >= 2 and count <= scores
            classes.append(scores if fits and isinstance(scores, int) else count)
        classes += data.target_classes[len(classes) :]
        several = data.several[1]
        return Dataset(data.features, data.targets, classes=tuple(classes) if several else classes[0])


def _padded(array: Array, missing: int) -> Array:
    return np.concatenate([array, np.repeat(array[:1], missing, axis=0)])
