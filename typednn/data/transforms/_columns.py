"""`Columns`: named raw columns, each through its steps, assembled into one feature vector (float32, or int32 ids)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, Literal, Self

import numpy as np
from typing_extensions import TypeVar

from ..._errors import TypednnError
from .._dataset import Dataset
from .._raw_table import Table
from .._show import quoted
from ._base import Array, Transform, numbers
from ._text import features_dtype

Steps = Transform | Sequence[Transform] | None
"""A column's preprocessing: one transform, several in order, or None (a number, passed through)."""

F = TypeVar("F", default=Any)
"""The features' type: `Tensor[L[7]]` where the mypy plugin knows every column's width, else Any."""


class Columns(Generic[F]):
    """A table's columns, each through its transforms, as float32 features `(rows, width)`.

    The features hold the columns in the order the mapping lists them, each as wide as
    its last step makes it (`output_width`). `fit` learns the statistics and vocabularies
    from the training rows; calling the fitted `Columns` on a table (the training rows,
    the validation rows, raw rows to predict on) applies exactly those. Text columns
    through `tokens()` make int32 token ids instead (`dtype`): a `Columns` holds text
    columns only, or none.

    Args:
        columns: Column name -> its steps: a transform (`standardize()`), a list of them
            applied in order (`[clip(0, 1e4), log(), standardize()]`), or None for a
            numeric column taken as it is. A categorical step (`lookup`, `one_hot`,
            `multi_hot`, `hashing`) reads the raw column, so it comes first.

    Raises:
        TypednnError: for a step that is not a transform, a categorical step after another, a
            step after `tokens()`, or text columns mixed with numeric ones.

    Example:
        >>> from typednn.data import Table
        >>> from typednn.data.transforms import Columns, one_hot, standardize
        >>> raw = Table({"age": [60, 40, 50], "thal": ["fixed", "normal", "fixed"]}, np.array([1, 0, 1]), classes=2)
        >>> prep = Columns({"age": standardize(), "thal": one_hot()}).fit(raw)
        >>> prep.widths, prep.output_width
        ({'age': 1, 'thal': 3}, 4)
        >>> prep(raw).features.astype(float).round(2).tolist()  # age; then unknown, 'fixed', 'normal'
        [[1.22, 0.0, 1.0, 0.0], [-1.22, 0.0, 0.0, 1.0], [0.0, 0.0, 1.0, 0.0]]
    """

    def __init__(self, columns: Mapping[str, Steps]) -> None:
        if not isinstance(columns, Mapping) or not columns:
            raise TypednnError(
                f"Columns takes a dict of column name -> transform, not {type(columns).__name__}",
                hint='e.g. Columns({"age": standardize(), "thal": one_hot()})',
            )
        self._steps: dict[str, tuple[Transform, ...]] = {}
        for name, steps in columns.items():
            if not isinstance(name, str):
                raise TypednnError(f"Columns: a column name must be a string, not {name!r}")
            given: tuple[object, ...]
            if steps is None:
                given = ()
            elif isinstance(steps, (Transform, str)) or not isinstance(steps, Sequence):
                given = (steps,)
            else:
                given = tuple(steps)
            listed: list[Transform] = []
            for step in given:
                if not isinstance(step, Transform):
                    raise TypednnError(
                        f"Columns: column {quoted(name)} has {step!r}, not a transform",
                        hint="use standardize(), min_max(), clip(lo, hi), log(), lookup(), one_hot(), multi_hot(),"
                        " hashing(bins), or None for a number taken as it is",
                    )
                if step.categorical and listed:
                    raise TypednnError(
                        f"Columns: column {quoted(name)}: {step.kind}() reads a raw column, but comes after"
                        f" {listed[-1].kind}()",
                        hint=f"put {step.kind}() first",
                    )
                listed.append(step)
            self._steps[name] = tuple(listed)
        self._dtype = features_dtype(self._steps)

    @property
    def dtype(self) -> Literal["int32", "float32"]:
        """The features' dtype: "int32" (token ids) when every column ends in `tokens()`, else "float32"."""
        return self._dtype

    @property
    def names(self) -> tuple[str, ...]:
        """The columns read, in feature order."""
        return tuple(self._steps)

    @property
    def steps(self) -> dict[str, tuple[Transform, ...]]:
        """Each column's steps (fitted, once `fit` has run)."""
        return dict(self._steps)

    @property
    def fitted(self) -> bool:
        """Whether every step knows its statistics or vocabulary."""
        return all(step.fitted for steps in self._steps.values() for step in steps)

    @property
    def widths(self) -> dict[str, int]:
        """How many feature values each column becomes.

        Raises:
            TypednnError: before `fit`, when a vocabulary decides a width.
        """
        found = {}
        for name, steps in self._steps.items():
            width = 1
            for step in steps:
                width = step.output_width(width)
            found[name] = width
        return found

    @property
    def output_width(self) -> int:
        """The features' width: one example is float32 `(output_width,)`."""
        return sum(self.widths.values())

    def fit(self, table: Table) -> Self:
        """Learn every step's statistics and vocabulary from `table` (the training rows); returns self.

        Raises:
            TypednnError: for a missing column or a bad cell, naming its row and column.
        """
        if not len(table):
            raise TypednnError("Columns.fit: the table has no rows", hint="fit on the training rows")
        fitted: dict[str, tuple[Transform, ...]] = {}
        for name, steps in self._steps.items():
            values = table.column(name)

            def where(position: int, name: str = name) -> str:
                return table.where(position, name)

            done = []
            for step in steps:
                learned = step.fit(values, where)
                values = learned.apply(values, where)
                done.append(learned)
            fitted[name] = tuple(done)
        self._steps = fitted
        return self

    def features(self, table: Table) -> Array:
        """The features `(rows, output_width)` of a table's rows, of `dtype` (its targets are not read).

        Raises:
            TypednnError: before `fit`; for a column the table lacks, or a cell of the wrong type
                (naming its row and column).
        """
        unfitted = [
            f"{step.kind}() of {quoted(name)}"
            for name, steps in self._steps.items()
            for step in steps
            if not step.fitted
        ]
        if unfitted:
            raise TypednnError(
                f"the transforms are not fitted: {', '.join(unfitted[:3])}"
                + (f" and {len(unfitted) - 3} more" if len(unfitted) > 3 else ""),
                hint="call prep.fit(train) on the training rows first",
            )
        for name in self._steps:
            table.column(name)  # every missing column named before any work
        parts = []
        for name, steps in self._steps.items():
            values = table.column(name)

            def where(position: int, name: str = name) -> str:
                return table.where(position, name)

            if not steps:
                values = numbers(values, where, "a column taken as it is (None)")
            for step in steps:
                values = step.apply(values, where)
            parts.append(np.asarray(values, np.float64).reshape(len(table), -1))
        return np.concatenate(parts, axis=1).astype(self._dtype)

    def __call__(self, table: Table) -> Dataset[F, Any]:
        """A `Dataset` of the table's rows: features `(rows, output_width)` of `dtype`, and its targets.

        Raises:
            TypednnError: as `features` does; or for a table without targets (use `features`).
        """
        if table.targets is None:
            raise TypednnError(
                "the table has no label column, so it makes features but no dataset",
                hint="read it with label=...; or call prep.features(table) for inputs to predict on",
            )
        return Dataset(self.features(table), table.targets, classes=table.classes, class_names=table.class_names)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name!r}: " + (" -> ".join(f"{step.kind}()" for step in steps) or "None")
            for name, steps in self._steps.items()
        )
        return f"Columns({{{shown}}})"
