"""Typed datasets: features and targets whose shapes the types spell."""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from typing import Any, Generic, NamedTuple, TypeVar

import numpy as np

from .._errors import TypednnError
from .._shapes import Shape
from ._schema import Schema
from ._targets import ClassesOption, typed_targets

Features = TypeVar("Features")
Target = TypeVar("Target")
N = TypeVar("N")
Array = np.ndarray[Any, Any]


class Classes(Generic[N]):
    """The type of class-id targets drawn from `N` classes: `tn.Classes[L[10]]`.

    A model trained on them outputs one score per class, `tn.Tensor[L[10]]`.
    """


def on_disk(array: Array) -> bool:
    """Whether `array` reads from a memory-mapped file (`np.memmap`, `np.load(mmap_mode=...)`).

    The test is the memory map under the array, not the `np.memmap` class, which a
    computed copy (e.g. `astype`) keeps.
    """
    base: object = array
    while base is not None:
        if isinstance(base, mmap.mmap):
            return True
        base = getattr(base, "base", None)
    return False


class Dataset(Generic[Features, Target]):
    """Examples: `Dataset[tn.Tensor[L[28], L[28], L[1]], tn.Classes[L[10]]]`.

    Features and targets are NumPy arrays in memory, or memory-mapped files (a CSV
    converted with `cache=`, an `.npy` file). A subset of a memory-mapped dataset holds
    only the indices of its examples; `take` reads a batch from the file, which is how
    `Trainer` feeds it, so no part is ever copied whole into memory.

    Args:
        features: An array of shape `(examples, *feature_dims)`.
        targets: Class ids of shape `(examples,)`, or an array of shape
            `(examples, *target_dims)`.
        classes: The number of classes when targets are class ids.
        class_names: The name of each class id, when the data names them.
    """

    def __init__(
        self,
        features: Array,
        targets: Array,
        *,
        classes: int | None,
        class_names: Sequence[str] | None = None,
    ) -> None:
        if len(features) != len(targets):
            raise TypednnError(
                f"features and targets differ in length: {len(features)} examples vs {len(targets)} targets",
                hint="give one target per example",
            )
        if class_names is not None and len(class_names) != classes:
            raise TypednnError(f"{len(class_names)} class names for {classes} classes", hint="name every class once")
        self._features = features
        self._targets = targets
        self._index: Array | None = None
        self.classes = classes
        self.class_names = None if class_names is None else tuple(class_names)

    @property
    def features(self) -> Array:
        """All features, `(examples, *feature_dims)`; gathered into memory for a subset of a file."""
        return self._features if self._index is None else np.asarray(self._features[self._index])

    @property
    def targets(self) -> Array:
        """All targets; gathered into memory for a subset of a file."""
        return self._targets if self._index is None else np.asarray(self._targets[self._index])

    @property
    def feature_shape(self) -> Shape:
        """One example's feature shape; integer features are token ids (`tn.Tokens`)."""
        tokens = bool(np.issubdtype(self._features.dtype, np.integer))
        return Shape(tuple(int(d) for d in self._features.shape[1:]), tokens=tokens)

    @property
    def target_shape(self) -> Shape | None:
        """The shape of one target, or None for class ids."""
        return None if self.classes is not None else Shape(tuple(int(d) for d in self._targets.shape[1:]))

    @property
    def file_backed(self) -> bool:
        """Whether the examples are read from a memory-mapped file rather than held in memory."""
        return on_disk(self._features)

    @property
    def nbytes(self) -> int:
        """The size of the features and targets of these examples."""
        rows = len(self)
        features, targets = self._features, self._targets
        per_example = features.itemsize * int(np.prod(features.shape[1:])) + targets.itemsize * int(
            np.prod(targets.shape[1:])
        )
        return rows * per_example

    def __len__(self) -> int:
        return len(self._features) if self._index is None else len(self._index)

    def schema(self, source: str = "data") -> Schema:
        """The schema of these examples, as a source names them.

        Example:
            >>> print(from_arrays(np.zeros((6, 4)), np.array([0, 1, 2, 0, 1, 2])).schema("six"))
            six: 6 examples of (4,), 3 classes
        """
        return Schema(source, self.feature_shape, self.classes, self.target_shape, len(self), self.class_names)

    def take(self, index: Array) -> tuple[Array, Array]:
        """The features and targets of the examples at `index` (any shape of indices).

        Example:
            >>> data = from_arrays(np.arange(12.0).reshape(6, 2), np.arange(6) % 2)
            >>> x, y = data.take(np.array([[5, 0]]))
            >>> x.shape, y.tolist()
            ((1, 2, 2), [[1, 0]])
        """
        rows = index if self._index is None else self._index[index]
        return np.asarray(self._features[rows]), np.asarray(self._targets[rows])

    def subset(self, index: Array) -> Dataset[Features, Target]:
        """The examples at `index` (indices, in that order, or a boolean mask).

        A copy; or, when file-backed, indices into the file.
        """
        index = np.asarray(index)
        index = np.flatnonzero(index) if index.dtype == np.bool_ else index.astype(np.int64, copy=False)
        if not self.file_backed:
            x, y = self.take(index)
            return Dataset(x, y, classes=self.classes, class_names=self.class_names)
        part: Dataset[Features, Target] = Dataset(
            self._features, self._targets, classes=self.classes, class_names=self.class_names
        )
        part._index = index if self._index is None else self._index[index]
        return part

    def partition(
        self, *, validation: float = 0.0, test: float = 0.0, seed: int | None = 0
    ) -> Partition[Features, Target]:
        """Disjoint training, validation and test parts (a part is None when its share is 0).

        Args:
            validation: The share of the examples held out for validation, `0 <= share < 1`.
            test: The share held out for testing.
            seed: Shuffles the examples first (the same seed gives the same parts); None
                keeps their order: training first, then validation, then test.

        Raises:
            TypednnError: if a share is out of range, the shares leave nothing to train
                on, or a part would be empty.

        Example:
            >>> data = from_arrays(np.zeros((10, 2)), np.arange(10) % 2)
            >>> train, val, test = data.partition(validation=0.2, test=0.1, seed=0)
            >>> len(train), len(val), test is not None and len(test)
            (7, 2, 1)
        """
        shares = {"validation": validation, "test": test}
        for name, share in shares.items():
            if not 0 <= share < 1:
                raise TypednnError(
                    f"{name}={share} is not a share of the examples", hint="give a number from 0 up to (not) 1"
                )
        if validation + test >= 1:
            raise TypednnError(
                f"validation={validation} and test={test} hold out {validation + test:g} of the examples,"
                " leaving none to train on",
                hint="keep the shares' sum below 1, e.g. validation=0.1, test=0.1",
            )
        sizes = {name: round(len(self) * share) for name, share in shares.items()}
        for name, share in shares.items():
            if share > 0 and sizes[name] == 0:
                raise TypednnError(
                    f"{name}={share} of {len(self)} examples is less than one example",
                    hint=f"hold out a larger share, or leave {name} out",
                )
        kept = len(self) - sizes["validation"] - sizes["test"]
        if kept < 1:
            raise TypednnError(
                f"holding out {sizes['validation']} + {sizes['test']} of {len(self)} examples leaves none to train on",
                hint="hold out smaller shares",
            )
        order = np.arange(len(self)) if seed is None else np.random.default_rng(seed).permutation(len(self))
        ends = np.cumsum([kept, sizes["validation"], sizes["test"]])
        train, held, tested = np.split(order, ends[:-1])
        return Partition(
            self.subset(train),
            self.subset(held) if sizes["validation"] else None,
            self.subset(tested) if sizes["test"] else None,
        )

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
        train, _, test = self.partition(test=fraction, seed=seed)
        assert test is not None  # held > 0
        return train, test


class Partition(NamedTuple, Generic[Features, Target]):
    """The parts `Dataset.partition` gives: `train, validation, test = data.partition(...)`."""

    train: Dataset[Features, Target]
    validation: Dataset[Features, Target] | None
    test: Dataset[Features, Target] | None


def from_arrays(features: Any, targets: Any, *, classes: ClassesOption = None) -> Dataset[Any, Any]:
    """A dataset from NumPy or JAX arrays.

    Args:
        features: Shape `(examples, *feature_dims)`; stored as float32, or as int32 when
            they are integers (token ids for a `tn.Tokens` model input; a float model
            reads them as float32).
        targets: Integer class ids of shape `(examples,)` (the class count is inferred
            unless given), class names (a `str` array: sorted, they become ids), or
            float targets of shape `(examples, *target_dims)`.
        classes: The number of classes, or the class names in id order.

    Raises:
        TypednnError: if the lengths differ or a class id is out of range.

    Example:
        >>> import numpy as np
        >>> data = from_arrays(np.zeros((6, 4), np.float32), np.array([0, 1, 2, 0, 1, 2]))
        >>> len(data), data.classes
        (6, 3)
    """
    x = np.asarray(features)
    x = x.astype(np.int32 if np.issubdtype(x.dtype, np.integer) else np.float32, copy=False)
    found = typed_targets(np.asarray(targets), classes=classes, where="targets")
    return Dataset(x, found.values, classes=found.classes, class_names=found.class_names)
