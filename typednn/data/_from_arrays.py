"""`from_arrays`: a dataset from arrays in memory, one or several per example."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._errors import TypednnError
from .._words import given
from ._dataset import Array, Dataset
from ._targets import ClassesOption, typed_targets


def from_arrays(
    features: Any, targets: Any, *, classes: ClassesOption | tuple[ClassesOption, ...] = None
) -> Dataset[Any, Any]:
    """A dataset from NumPy or JAX arrays; tuples (or dicts) of them for several inputs or outputs.

    Args:
        features: Shape `(examples, *feature_dims)`; stored as float32, or as int32 when
            they are integers (token ids for a `tn.Tokens` model input; a float model
            reads them as float32). For a model with several inputs, a tuple (or list)
            of such arrays in the order of its inputs, or a dict by input name (Keras's
            habit).
        targets: Integer class ids of shape `(examples,)` (the class count is inferred
            unless given), class names (a `str` array: sorted, they become ids), or
            float targets of shape `(examples, *target_dims)`. For several outputs, a
            tuple or a dict by output name, as for features.
        classes: The number of classes, or the class names in id order; for several
            targets, a tuple with one entry per target (None to infer it).

    Raises:
        TypednnError: if the lengths differ or a class id is out of range.

    Example:
        >>> import numpy as np
        >>> data = from_arrays(np.zeros((6, 4), np.float32), np.array([0, 1, 2, 0, 1, 2]))
        >>> len(data), data.classes
        (6, 3)
        >>> targets = {"label": np.arange(6) % 3, "box": np.zeros((6, 4))}
        >>> two = from_arrays((np.zeros((6, 4)), np.zeros((6, 2))), targets)
        >>> two.feature_shapes, two.target_classes, two.target_names
        (((4,), (2,)), (3, None), ('label', 'box'))
    """
    xs, feature_names = _parts(features, "features")
    ys, target_names = _parts(targets, "targets")
    several_y = isinstance(ys, tuple)
    options = classes if several_y and isinstance(classes, tuple) else (classes,) * (len(ys) if several_y else 1)
    if several_y and len(options) != len(ys):
        raise TypednnError(
            f"classes has {len(options)} entries for {len(ys)} targets", hint="give one entry per target, or None"
        )
    x = tuple(_features(a) for a in xs) if isinstance(xs, tuple) else _features(xs)
    found = [
        typed_targets(np.asarray(y), classes=option, where=_where(target_names, i) if several_y else "targets")
        for i, (y, option) in enumerate(zip(ys if several_y else (ys,), options))
    ]
    if not several_y:
        (only,) = found
        return Dataset(x, only.values, classes=only.classes, class_names=only.class_names, feature_names=feature_names)
    return Dataset(
        x,
        tuple(t.values for t in found),
        classes=tuple(t.classes for t in found),
        class_names=tuple(t.class_names for t in found),
        feature_names=feature_names,
        target_names=target_names,
    )


def _parts(value: Any, what: str) -> tuple[Any, tuple[str, ...] | None]:
    """One array, or a tuple of them (with their names when given as a dict)."""
    if isinstance(value, Mapping):
        if not value or not all(isinstance(key, str) for key in value):
            raise TypednnError(
                f"{what} as a dict must map input or output names to arrays, not {given(value)}",
                hint="e.g. {'image': images, 'meta': metas}",
            )
        return tuple(value.values()), tuple(value)
    if isinstance(value, (tuple, list)) and value and not _is_array_like_row(value):
        return tuple(value), None
    return value, None


def _is_array_like_row(value: tuple[Any, ...] | list[Any]) -> bool:
    # A list of numbers (or of lists of numbers) is one array, as NumPy reads it;
    # a list of arrays is several.
    # (a JAX array has `shape` and `dtype` too; typednn.data does not import JAX).
    return not all(hasattr(item, "shape") and hasattr(item, "dtype") for item in value)


def _features(array: Any) -> Array:
    x = np.asarray(array)
    return x.astype(np.int32 if np.issubdtype(x.dtype, np.integer) else np.float32, copy=False)


def _where(names: tuple[str, ...] | None, index: int) -> str:
    return f"targets[{names[index]!r}]" if names is not None else f"targets[{index}]"
