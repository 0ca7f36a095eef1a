"""Typed datasets: features and targets whose shapes the types spell."""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from typing import Any, Generic, NamedTuple, TypeVar

import numpy as np
from typing_extensions import TypeVarTuple

from .._errors import TypednnError
from .._shapes import Shape
from ._schema import Schema, Several
from ._shard import Part, checked, local, rows, split_rows

Features = TypeVar("Features")
Target = TypeVar("Target")
N = TypeVar("N")
Positions = TypeVarTuple("Positions")
Array = np.ndarray[Any, Any]


class Classes(Generic[N, *Positions]):
    """The type of class-id targets drawn from `N` classes: `tn.Classes[L[10]]`.

    A model trained on them outputs one score per class, `tn.Tensor[L[10]]`. Class ids
    with positions (a tagger's or a language model's targets, one id per token) list
    the position dims after the class count: `tn.Classes[L[10], Seq]` is one id of 10
    classes per position of a `Seq`-long sequence, for a model that outputs
    `tn.Tensor[Seq, L[10]]`.
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

    A model with several inputs or outputs takes a dataset of several feature or
    target arrays: `Dataset[tuple[Tensor[...], Tensor[...]], tuple[Classes[...],
    Tensor[...]]]`, made by `from_arrays` from tuples (or dicts) of arrays.

    Args:
        features: An array of shape `(examples, *feature_dims)`, or a tuple of them.
        targets: Class ids of shape `(examples,)` or `(examples, *positions)`, or an
            array of shape `(examples, *target_dims)`; or a tuple of them.
        classes: The number of classes when targets are class ids (for several
            targets, a tuple: one entry per target, None for values).
        class_names: The name of each class id, when the data names them (for several
            targets, a tuple of such tuples or None).
        feature_names: For several feature arrays given by name (a dict), the names,
            which a model's input names match.
        target_names: Likewise for several targets and a model's output names.
    """

    def __init__(
        self,
        features: Array | tuple[Array, ...],
        targets: Array | tuple[Array, ...],
        *,
        classes: int | tuple[int | None, ...] | None,
        class_names: Sequence[str] | tuple[Sequence[str] | None, ...] | None = None,
        feature_names: tuple[str, ...] | None = None,
        target_names: tuple[str, ...] | None = None,
    ) -> None:
        xs = features if isinstance(features, tuple) else (features,)
        ys = targets if isinstance(targets, tuple) else (targets,)
        several_y = isinstance(targets, tuple)
        per_target = classes if isinstance(classes, tuple) else (classes,)
        names_per_target = class_names if several_y and isinstance(class_names, tuple) else (class_names,)
        if len(per_target) != len(ys) or len(names_per_target) != len(ys):
            raise TypednnError(
                f"{len(ys)} target arrays, but classes for {len(per_target)}", hint="give classes per target"
            )
        lengths = {len(a) for a in (*xs, *ys)}
        if len(lengths) > 1:
            raise TypednnError(
                f"features and targets differ in length: {', '.join(str(len(a)) for a in xs)} examples vs"
                f" {', '.join(str(len(a)) for a in ys)} targets",
                hint="give one target per example, and as many examples in every array",
            )
        for count, names in zip(per_target, names_per_target):
            if names is not None and len(names) != count:
                raise TypednnError(f"{len(names)} class names for {count} classes", hint="name every class once")
        self._features = xs
        self._targets = ys
        self._several = (isinstance(features, tuple), several_y)
        self._index: Array | None = None
        self.target_classes: tuple[int | None, ...] = per_target
        """Each target's class count (None for values)."""
        self.target_class_names = tuple(None if n is None else tuple(n) for n in names_per_target)
        """Each target's class names, when the data names them."""
        self.feature_names = feature_names
        self.target_names = target_names
        self.part: Part | None = None
        """Which process's part of its source these examples are (`shard`), or None for all of it."""

    @property
    def classes(self) -> int | None:
        """The one target's class count (None for values, and for several targets: see `target_classes`)."""
        return None if self._several[1] else self.target_classes[0]

    @property
    def class_names(self) -> tuple[str, ...] | None:
        """The one target's class names, when the data names them (None for several targets)."""
        return None if self._several[1] else self.target_class_names[0]

    @property
    def several(self) -> tuple[bool, bool]:
        """Whether the features, and the targets, are several arrays (a tuple) rather than one."""
        return self._several

    @property
    def features(self) -> Any:
        """All features, `(examples, *feature_dims)` (a tuple for several); read into memory for a file's subset."""
        return self._shaped(tuple(self._gather(a) for a in self._features), self._several[0])

    @property
    def targets(self) -> Any:
        """All targets (a tuple for several); gathered into memory for a subset of a file."""
        return self._shaped(tuple(self._gather(a) for a in self._targets), self._several[1])

    def _gather(self, array: Array) -> Array:
        return array if self._index is None else np.asarray(array[self._index])

    @staticmethod
    def _shaped(arrays: tuple[Array, ...], several: bool) -> Any:
        return arrays if several else arrays[0]

    @property
    def feature_shapes(self) -> tuple[Shape, ...]:
        """One example's shape in each feature array; integer features are token ids."""
        return tuple(_shape_of(a, tokens=bool(np.issubdtype(a.dtype, np.integer))) for a in self._features)

    @property
    def target_shapes(self) -> tuple[Shape | None, ...]:
        """The shape of one target in each target array; for class ids, None, or their positions.

        Class ids with positions (`(examples, seq)` tags) have the shape of their
        positions, `(seq,)`; class ids one per example have None, as they always had.
        """
        return tuple(
            None if classes is not None and a.ndim == 1 else _shape_of(a)
            for a, classes in zip(self._targets, self.target_classes)
        )

    @property
    def feature_shape(self) -> Shape:
        """One example's feature shape (of the first array); integer features are token ids (`tn.Tokens`)."""
        return self.feature_shapes[0]

    @property
    def target_shape(self) -> Shape | None:
        """The shape of one target (of the first array); for class ids, None, or their positions."""
        return self.target_shapes[0]

    @property
    def file_backed(self) -> bool:
        """Whether the examples are read from a memory-mapped file rather than held in memory."""
        return any(on_disk(a) for a in self._features)

    @property
    def nbytes(self) -> int:
        """The size of the features and targets of these examples."""
        return len(self) * sum(a.itemsize * int(np.prod(a.shape[1:])) for a in (*self._features, *self._targets))

    def __len__(self) -> int:
        return len(self._features[0]) if self._index is None else len(self._index)

    def __repr__(self) -> str:
        """One line, as `schema` describes it: `<Dataset: 6 examples of (4,), 3 classes>`.

        Example:
            >>> from typednn.data import from_arrays
            >>> from_arrays(np.zeros((6, 4)), np.array([0, 1, 2, 0, 1, 2]))
            <Dataset: 6 examples of (4,), 3 classes>
        """
        return f"<{self.schema('Dataset').describe()}>"

    def _repr_html_(self) -> str:
        """Each array's shape, dtype and classes as an HTML table, for Jupyter."""
        from ._show import dataset_html  # noqa: PLC0415 - _show reads this module's types

        return dataset_html(self)

    def schema(self, source: str = "data") -> Schema:
        """The schema of these examples, as a source names them.

        Example:
            >>> from typednn.data import from_arrays
            >>> print(from_arrays(np.zeros((6, 4)), np.array([0, 1, 2, 0, 1, 2])).schema("six"))
            six: 6 examples of (4,), 3 classes
        """
        several = None
        if any(self._several):
            names = [self.feature_names, self.target_names]
            counts = (len(self._features), len(self._targets))
            feature_names, target_names = (
                given if given is not None else tuple(str(i) for i in range(count))
                for given, count in zip(names, counts)
            )
            several = Several(feature_names, self.feature_shapes, target_names, self.target_shapes, self.target_classes)
        classes, class_names = self.target_classes[0], self.target_class_names[0]
        return Schema(source, self.feature_shape, classes, self.target_shape, len(self), class_names, several)

    def take(self, index: Array) -> tuple[Any, Any]:
        """The features and targets of the examples at `index` (any shape of indices); tuples for several.

        Example:
            >>> from typednn.data import from_arrays
            >>> data = from_arrays(np.arange(12.0).reshape(6, 2), np.arange(6) % 2)
            >>> x, y = data.take(np.array([[5, 0]]))
            >>> x.shape, y.tolist()
            ((1, 2, 2), [[1, 0]])
        """
        rows = index if self._index is None else self._index[index]
        x = tuple(np.asarray(a[rows]) for a in self._features)
        y = tuple(np.asarray(a[rows]) for a in self._targets)
        return self._shaped(x, self._several[0]), self._shaped(y, self._several[1])

    def subset(self, index: Array) -> Dataset[Features, Target]:
        """The examples at `index` (indices, in that order, or a boolean mask).

        A copy; or, when file-backed, indices into the file.
        """
        index = np.asarray(index)
        index = np.flatnonzero(index) if index.dtype == np.bool_ else index.astype(np.int64, copy=False)
        if not self.file_backed:
            x, y = self.take(index)
            return self._like(x, y)
        part = self._like(self._shaped(self._features, self._several[0]), self._shaped(self._targets, self._several[1]))
        part._index = index if self._index is None else self._index[index]
        return part

    def in_order(self, inputs: tuple[str, ...], outputs: tuple[str, ...]) -> Dataset[Features, Target]:
        """This dataset with arrays given by name (a dict) in the order of a model's inputs and outputs.

        Arrays given in order (a tuple) are taken as they are.

        Raises:
            TypednnError: when the names are not the model's, saying which are missing or extra.
        """
        xs, ys = self._features, self._targets
        classes, class_names = self.target_classes, self.target_class_names
        if self.feature_names is not None:
            xs = _by_name(xs, self.feature_names, inputs, "features", "inputs")
        if self.target_names is not None:
            order = _order(self.target_names, outputs, "targets", "outputs")
            ys = tuple(ys[i] for i in order)
            classes, class_names = tuple(classes[i] for i in order), tuple(class_names[i] for i in order)
        if xs is self._features and ys is self._targets:
            return self
        several_y = self._several[1]
        part: Dataset[Features, Target] = Dataset(
            self._shaped(xs, self._several[0]),
            self._shaped(ys, several_y),
            classes=classes if several_y else classes[0],
            class_names=class_names if several_y else class_names[0],
        )
        part._index = self._index
        part.part = self.part
        return part

    def shard(self, index: int, count: int) -> Dataset[Features, Target]:
        """The `index`-th of `count` near-equal contiguous parts: one process's rows of a multi-process job.

        A source read with `shard=(index, count)` gives the same part without reading
        the other rows; this reads them from a dataset already loaded (a memory-mapped
        one keeps reading only its own). Splitting a part (`partition`, `split`) splits
        the whole as one process would and keeps this part's rows of each side.

        Raises:
            TypednnError: for an index outside `0 <= index < count`, or a dataset that is a part already.

        Example:
            >>> from typednn.data import from_arrays
            >>> data = from_arrays(np.arange(10.0).reshape(10, 1), np.arange(10) % 2)
            >>> [len(data.shard(i, 3)) for i in range(3)], data.shard(2, 3).features[:, 0].tolist()
            ([3, 3, 4], [6.0, 7.0, 8.0, 9.0])
        """
        shard = checked((index, count))
        if self.part is not None:
            raise TypednnError(
                f"this dataset is part {self.part.index} of {self.part.count} already", hint="shard the whole dataset"
            )
        mine = rows(shard, len(self))
        part = self.subset(np.arange(mine.start, mine.stop))
        part.part = Part(*shard, mine.start, len(self))
        return part

    def _like(self, features: Any, targets: Any) -> Dataset[Features, Target]:
        """A dataset of these arrays, with this one's classes and names."""
        several = self._several[1]
        return Dataset(
            features,
            targets,
            classes=self.target_classes if several else self.classes,
            class_names=self.target_class_names if several else self.class_names,
            feature_names=self.feature_names,
            target_names=self.target_names,
        )

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
            TypednnError: if a share or the seed is out of range, the shares leave nothing
                to train on, or a part would be empty.

        Example:
            >>> from typednn.data import from_arrays
            >>> data = from_arrays(np.zeros((10, 2)), np.arange(10) % 2)
            >>> train, val, test = data.partition(validation=0.2, test=0.1, seed=0)
            >>> len(train), len(val), test is not None and len(test)
            (7, 2, 1)
        """
        # A part of a source is split as the whole source is, then keeps its own rows of each side.
        part = self.part
        total = part.total if part is not None and part.total is not None else len(self)
        train, held, tested = split_rows(total, validation=validation, test=test, seed=seed)
        if part is not None and part.total is not None:
            train, held, tested = (local(part, len(self), ids) for ids in (train, held, tested))
        return Partition(
            self._piece(train),
            self._piece(held) if validation else None,
            self._piece(tested) if test else None,
        )

    def _piece(self, index: Array) -> Dataset[Features, Target]:
        """`subset(index)`, still this process's part (if it is one), no longer a range of its source."""
        piece = self.subset(index)
        piece.part = None if self.part is None else self.part.split()
        return piece

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
            >>> from typednn.data import from_arrays
            >>> data = from_arrays(np.zeros((10, 2), np.float32), np.arange(10) % 2)
            >>> train, test = data.split(0.2, seed=0)
            >>> len(train), len(test)
            (8, 2)
        """
        if not 0 < fraction < 1:
            raise TypednnError(f"a split fraction must be between 0 and 1, not {fraction}", hint="e.g. split(0.2)")
        total = self.part.total if self.part is not None and self.part.total is not None else len(self)
        held = round(total * fraction)
        if held in (0, total):
            raise TypednnError(
                f"splitting {total} examples by {fraction} leaves a part empty",
                hint="use a fraction that leaves at least one example on each side",
            )
        train, _, test = self.partition(test=fraction, seed=seed)
        assert test is not None  # held > 0
        return train, test


def _by_name(
    arrays: tuple[Array, ...], names: tuple[str, ...], wanted: tuple[str, ...], what: str, model_part: str
) -> tuple[Array, ...]:
    return tuple(arrays[i] for i in _order(names, wanted, what, model_part))


def _order(names: tuple[str, ...], wanted: tuple[str, ...], what: str, model_part: str) -> list[int]:
    """Where each wanted name is among `names`; an error naming what is missing and what is extra."""
    if sorted(names) != sorted(wanted):
        missing = [n for n in wanted if n not in names]
        extra = [n for n in names if n not in wanted]
        said = [f"no {what} for {', '.join(map(repr, missing))}"] if missing else []
        said += [f"{', '.join(map(repr, extra))}, which the model does not have"] if extra else []
        raise TypednnError(
            f"the {what} are named {', '.join(map(repr, names))}, but the model's {model_part} are"
            f" {', '.join(map(repr, wanted))}: {'; '.join(said)}",
            hint=f"key the {what} by the names of the model's {model_part} (model.{model_part[:-1]}_names)",
        )
    return [names.index(name) for name in wanted]


def _shape_of(array: Array, *, tokens: bool | None = None) -> Shape:
    dims = tuple(int(d) for d in array.shape[1:])
    return Shape(dims) if tokens is None else Shape(dims, tokens=tokens)


class Partition(NamedTuple, Generic[Features, Target]):
    """The parts `Dataset.partition` gives: `train, validation, test = data.partition(...)`."""

    train: Dataset[Features, Target]
    validation: Dataset[Features, Target] | None
    test: Dataset[Features, Target] | None
