"""Typed datasets: features and targets whose shapes the types spell."""

from __future__ import annotations

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

    def subset(self, index: np.ndarray[Any, Any]) -> Dataset[Features, Target]:
        """The examples at `index`, in that order."""
        return Dataset(self.features[index], self.targets[index], classes=self.classes)

    def split(
        self, fraction: float, *, seed: int | None = 0
    ) -> tuple[Dataset[Features, Target], Dataset[Features, Target]]:
        """Two disjoint parts: the rest, and `fraction` of the examples.

        Args:
            fraction: The share of the second part, between 0 and 1 (rounded to whole
                examples).
            seed: Shuffles the examples first; None keeps their order, so the second
                part is the last examples (as Keras's `validation_split`).

        Example:
            >>> data = from_arrays(np.zeros((10, 2), np.float32), np.arange(10) % 2)
            >>> train, test = data.split(0.2, seed=0)
            >>> len(train), len(test)
            (8, 2)
        """
        if not 0 < fraction < 1:
            raise TypednnError(f"a split fraction must be between 0 and 1, not {fraction}", hint="e.g. split(0.2)")
        held = round(len(self) * fraction)
        if held == 0 or held == len(self):
            raise TypednnError(
                f"splitting {len(self)} examples by {fraction} leaves a part empty",
                hint="use a fraction that leaves at least one example on each side",
            )
        order = np.arange(len(self)) if seed is None else np.random.default_rng(seed).permutation(len(self))
        return self.subset(order[: len(self) - held]), self.subset(order[len(self) - held :])


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
