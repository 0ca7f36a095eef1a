"""Typed datasets: features and targets whose shapes the types spell."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

import numpy as np

from .._errors import TypednnError
from .._shapes import Shape

Features = TypeVar("Features")
Target = TypeVar("Target")
N = TypeVar("N")


class Classes(Generic[N]):
    """The type of class-id targets drawn from `N` classes: `tn.Classes[L[10]]`.

    A model trained on them outputs one score per class, `tn.Tensor[L[10]]`.
    """


class Dataset(Generic[Features, Target]):
    """Examples in memory: `Dataset[tn.Tensor[L[28], L[28], L[1]], tn.Classes[L[10]]]`.

    Args:
        features: An array of shape `(examples, *feature_dims)`.
        targets: Class ids of shape `(examples,)`, or an array of shape
            `(examples, *target_dims)`.
        classes: The number of classes when targets are class ids.
    """

    def __init__(self, features: np.ndarray[Any, Any], targets: np.ndarray[Any, Any], *, classes: int | None) -> None:
        if len(features) != len(targets):
            raise TypednnError(
                f"features and targets differ in length: {len(features)} examples vs {len(targets)} targets",
                hint="give one target per example",
            )
        self.features = features
        self.targets = targets
        self.classes = classes

    @property
    def feature_shape(self) -> Shape:
        return Shape(tuple(int(d) for d in self.features.shape[1:]))

    @property
    def target_shape(self) -> Shape | None:
        """The shape of one target, or None for class ids."""
        return None if self.classes is not None else Shape(tuple(int(d) for d in self.targets.shape[1:]))

    def __len__(self) -> int:
        return len(self.features)

    def batches(
        self, batch_size: int, *, seed: int | None
    ) -> Iterator[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
        """Full batches in a seeded random order (or in order when `seed` is None)."""
        order = np.arange(len(self)) if seed is None else np.random.default_rng(seed).permutation(len(self))
        for start in range(0, len(self) - batch_size + 1, batch_size):
            index = order[start : start + batch_size]
            yield self.features[index], self.targets[index]


def from_arrays(features: Any, targets: Any, *, classes: int | None = None) -> Dataset[Any, Any]:
    """A dataset from NumPy or JAX arrays.

    Args:
        features: Shape `(examples, *feature_dims)`.
        targets: Integer class ids of shape `(examples,)` (the class count is inferred
            unless given), or float targets of shape `(examples, *target_dims)`.
        classes: The number of classes, for integer targets.

    Example:
        >>> import numpy as np
        >>> data = from_arrays(np.zeros((6, 4), np.float32), np.array([0, 1, 2, 0, 1, 2]))
        >>> len(data), data.classes
        (6, 3)
    """
    x = np.asarray(features, dtype=np.float32)
    y = np.asarray(targets)
    if np.issubdtype(y.dtype, np.integer) and y.ndim == 1:
        if len(y) and y.min() < 0:
            raise TypednnError(f"class ids must be >= 0, but row {int(np.argmin(y))} holds {int(y.min())}")
        found = int(y.max()) + 1 if len(y) else 0
        if classes is not None and found > classes:
            raise TypednnError(
                f"class ids must be below classes={classes}, but row {int(np.argmax(y))} holds {found - 1}"
            )
        return Dataset(x, y.astype(np.int32), classes=classes or found)
    return Dataset(x, y.astype(np.float32), classes=None)
