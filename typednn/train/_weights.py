"""Sample weights for `Trainer.fit`: Keras's `sample_weight=` and `class_weight=`, checked.

Each training example weighs as its sample weight says (1 by default). As Keras
computes it (`sum_over_batch_size`), a step's loss is `sum(w * loss) / batch size`, and
the history's `loss` is that over the epoch, `sum(w * loss) / examples`: a weight of 2
counts an example twice, and weights that are all 0.5 halve the loss and the gradient.
The metrics are not weighted: Keras weighs only its `weighted_metrics=`, not the
`metrics=` of `compile`, so `accuracy` stays the share of examples classified right.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._errors import TypednnError
from .._reading import excerpt
from .._words import given as shown_given
from ..data import Dataset

Array = np.ndarray[Any, Any]

_HINT_ONE_ARRAY = "give one number of at least 0 per training example, e.g. sample_weight=np.ones(len(data))"


def sample_weights(
    data: Dataset[Any, Any],
    *,
    sample_weight: object,
    class_weight: object,
    outputs: int,
    given: int | None = None,
    method: str = "Trainer.fit",
) -> Array | None:
    """One weight per example of `data`, from `sample_weight` or `class_weight`; None for neither.

    Args:
        data: The training examples (before any validation split).
        sample_weight: An array of one weight per example, or None.
        class_weight: A dict `{class id: weight}` for the class-id (or one-hot, or
            binary) targets of a model with one output, or None.
        outputs: How many outputs the model has.
        given: How many examples `sample_weight` weighs when `data` is the training
            part of them (`fit(validation=0.2)`): it weighs `data`'s, the first ones.
        method: Who asks, for messages.

    Returns:
        `float32` weights, `(examples,)`, or None when both arguments are None.

    Raises:
        TypednnError: for both arguments at once (as Keras), an array of another length,
            a weight that is negative or not finite (naming the row), `class_weight` for
            several outputs or for targets that are not classes, or a class of the data
            that `class_weight` leaves out (naming the first row of it).

    Example:
        >>> from typednn.data import from_arrays
        >>> data = from_arrays(np.zeros((4, 2)), np.array([0, 1, 1, 0]), classes=2)
        >>> sample_weights(data, sample_weight=None, class_weight={0: 1.0, 1: 5.0}, outputs=1).tolist()
        [1.0, 5.0, 5.0, 1.0]
    """
    if sample_weight is not None and class_weight is not None:
        raise TypednnError(
            f"{method}: give sample_weight or class_weight, not both",
            hint="fold the class weights into the sample weights: sample_weight=weights * class_weights[labels]",
        )
    if sample_weight is not None:
        return _checked_sample_weight(sample_weight, given or len(data), method)[: len(data)]
    if class_weight is not None:
        return _from_class_weight(data, class_weight, outputs, method)
    return None


def _checked_sample_weight(sample_weight: object, examples: int, method: str) -> Array:
    if isinstance(sample_weight, (Mapping, tuple, list)) and not _numbers(sample_weight):
        raise TypednnError(
            f"{method}: sample_weight must be one array of a weight per example, not {shown_given(sample_weight)}",
            hint="one array weighs every output alike; per-output sample weights are not supported",
        )
    try:
        weights = np.asarray(sample_weight)
    except (TypeError, ValueError) as error:
        raise TypednnError(
            f"{method}: sample_weight is not an array of numbers ({error})", hint=_HINT_ONE_ARRAY
        ) from None
    if weights.ndim == 2 and weights.shape[1] == 1:  # Keras takes (examples, 1) too
        weights = weights[:, 0]
    if weights.dtype == np.bool_ or not np.issubdtype(weights.dtype, np.number):
        raise TypednnError(
            f"{method}: sample_weight must hold numbers, not {weights.dtype} values ({excerpt(sample_weight)})",
            hint=_HINT_ONE_ARRAY,
        )
    if weights.shape != (examples,):
        raise TypednnError(
            f"{method}: sample_weight has shape {weights.shape}, but the training data has {examples} examples:"
            f" expected ({examples},)",
            hint=_HINT_ONE_ARRAY
            + "; with fit(validation=0.2), weigh all the examples of data, the held-out ones included",
        )
    _check_values(weights, method, "sample_weight[{row}]")
    return weights.astype(np.float32)


def _numbers(value: object) -> bool:
    """Whether a list or tuple is a flat one of numbers (an array written as a list)."""
    return isinstance(value, (list, tuple)) and all(
        isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in value
    )


def _check_values(weights: Array, method: str, where: str) -> None:
    """Raise for the first weight that is not finite, or below 0, naming its row."""
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if len(bad):
        row = int(bad[0])
        raise TypednnError(
            f"{method}: {where.format(row=row)} is {float(weights[row])}:"
            " a weight must be a finite number of at least 0" + (f" ({len(bad)} such weights)" if len(bad) > 1 else ""),
            hint="weigh an example you want left out by 0",
        )


def _from_class_weight(data: Dataset[Any, Any], class_weight: object, outputs: int, method: str) -> Array:
    if outputs > 1:
        raise TypednnError(
            f"{method}: class_weight is only supported for a model with one output, and this one has {outputs}",
            hint="weigh the examples with sample_weight= instead (as Keras asks)",
        )
    table = _class_table(class_weight, data.classes, method)
    ids = _class_ids(data, method)
    missing = np.flatnonzero(~np.isin(ids, list(table)))
    if len(missing):
        row = int(missing[0])
        absent = sorted({int(c) for c in ids[missing]})
        raise TypednnError(
            f"{method}: class_weight gives no weight for class {int(ids[row])}, the target of row {row}"
            f" (classes without a weight: {', '.join(map(str, absent))})",
            hint=f"give every class of the data a weight, e.g. {{{int(ids[row])}: 1.0}}"
            " (Keras would weigh it 1.0 silently)",
        )
    keys = np.array(sorted(table))
    values = np.array([table[key] for key in keys.tolist()], np.float32)
    weights: Array = values[np.searchsorted(keys, ids)]
    return weights


def _class_table(class_weight: object, classes: int | None, method: str) -> dict[int, float]:
    """`class_weight` as `{class id: weight}`, every key a class id and every value a weight."""
    if not isinstance(class_weight, Mapping):
        raise TypednnError(
            f"{method}: class_weight must be a dict of class id -> weight, not {shown_given(class_weight)}",
            hint="e.g. class_weight={0: 1.0, 1: 5.0}",
        )
    if not class_weight:
        raise TypednnError(f"{method}: class_weight is empty", hint="e.g. class_weight={0: 1.0, 1: 5.0}")
    table: dict[int, float] = {}
    for key, value in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)) or key < 0:
            raise TypednnError(
                f"{method}: class_weight's keys must be class ids (ints of at least 0), not {key!r}",
                hint="e.g. class_weight={0: 1.0, 1: 5.0}"
                + (" (int keys, not strings)" if isinstance(key, str) else ""),
            )
        if classes is not None and key >= classes:
            raise TypednnError(
                f"{method}: class_weight names class {key}, but the data has {classes} classes (0 to {classes - 1})",
                hint="key class_weight by the class ids of the targets",
            )
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not math.isfinite(value):
            raise TypednnError(
                f"{method}: class_weight[{key}] must be a finite number of at least 0, not {excerpt(value)}",
                hint="e.g. class_weight={0: 1.0, 1: 5.0}",
            )
        if value < 0:
            raise TypednnError(
                f"{method}: class_weight[{key}] is {value!r}: a weight must be at least 0",
                hint="weigh a class you want left out by 0",
            )
        table[int(key)] = float(value)
    return table


def _class_ids(data: Dataset[Any, Any], method: str) -> Array:
    """Each example's class id, as Keras reads it: class ids, the argmax of one-hot rows, binary labels.

    Keras rounds targets that are not whole numbers (a regression's); here they are an error.
    """
    targets = data.targets
    targets = np.asarray(targets[0] if isinstance(targets, tuple) else targets)  # one output
    if targets.ndim == 2 and targets.shape[1] == 1:
        targets = targets[:, 0]
    if targets.ndim == 2 and data.classes is None:
        hot: Array = np.argmax(targets, axis=1)  # one-hot (or probability) rows
        return hot
    if targets.ndim != 1:
        raise TypednnError(
            f"{method}: class_weight weighs each example by its class, but the targets have shape"
            f" {targets.shape[1:]} per example, not one class",
            hint="weigh the examples with sample_weight= instead",
        )
    if not np.issubdtype(targets.dtype, np.number):
        raise TypednnError(f"{method}: class_weight needs numeric class ids, not {targets.dtype} targets")
    whole = np.isfinite(targets) & (targets == np.round(targets)) & (targets >= 0)
    if not whole.all():
        row = int(np.flatnonzero(~whole)[0])
        raise TypednnError(
            f"{method}: class_weight needs class-id targets, but the target of row {row} is {targets[row].item()!r}",
            hint="class_weight is for classification; weigh regression examples with sample_weight=",
        )
    return targets.astype(np.int64)
