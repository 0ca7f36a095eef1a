"""What every column transform shares: the `Transform` base, and reading a column's values.

A transform is a frozen dataclass: its options, and, once `fit`, its statistics or
vocabulary (`fit` returns a fitted copy; nothing is changed in place). `apply` maps
values `(rows,)` (a raw column) or `(rows, width)` (the previous step's output) to
float64 `(rows, width')`; `Columns` casts the assembled features to float32 once.
"""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..._errors import TypednnError
from ..._shapes._columns import transform_width
from .._show import quoted

Array = np.ndarray[Any, Any]
Where = Callable[[int], str]
"""A cell's place for a message, from its row position: `heart.csv:14:3: row 13, column 'age'`."""


@dataclass(frozen=True)
class Transform(ABC):
    """One step of a column's preprocessing (see the module docstring)."""

    kind: ClassVar[str]
    """The transform's name in spec.json, as its function is named (`standardize`)."""
    categorical: ClassVar[bool] = False
    """Whether it reads categories (text or whole numbers) rather than numbers: only a first step does."""

    @property
    def fitted(self) -> bool:
        """Whether `apply` may run: fitted, or a transform that learns nothing (`clip`, `log`)."""
        return True

    def fit(self, values: Array, where: Where) -> Self:
        """A copy that knows the training rows' statistics or vocabulary (itself, when it learns nothing)."""
        del values, where
        return self

    @abstractmethod
    def apply(self, values: Array, where: Where) -> Array:
        """The transformed values, float64 `(rows, width)`.

        Raises:
            TypednnError: when not fitted, or for a value it cannot take (naming its row and column).
        """

    def output_width(self, width: int) -> int:
        """How many values a row has after this step, given `width` before it (1 for a raw column).

        The rule is `_shapes._columns.transform_width`, which the mypy plugin runs too.

        Raises:
            TypednnError: while a vocabulary still to be fitted decides it.
        """
        found = transform_width(self.kind, width, {field.name: getattr(self, field.name) for field in fields(self)})
        if found is None:
            raise self.unfitted()
        return found

    @abstractmethod
    def state(self) -> dict[str, Any]:
        """The options and fitted values, as plain JSON (what spec.json holds)."""

    def unfitted(self) -> TypednnError:
        return TypednnError(
            f"{self.kind}() is not fitted: it has no statistics or vocabulary yet",
            hint="call prep.fit(train) on the training rows first",
        )


def numbers(values: Array, where: Where, kind: str) -> Array:
    """A column as float64 `(rows, width)`: text parsed (as pyarrow reads numbers), checked finite.

    Raises:
        TypednnError: naming the first cell that is not a finite number.
    """
    if values.dtype == object:
        try:
            parsed = pc.cast(pc.utf8_trim_whitespace(pa.array(values, pa.string())), pa.float64()).to_numpy(
                zero_copy_only=False
            )
        except (pa.ArrowException, TypeError):
            bad = next(i for i, value in enumerate(values) if not _is_number(value))
            raise TypednnError(
                f"{where(bad)}: expected a number for {kind}, found {quoted(values[bad])}",
                hint="fix the value, or read the column as a category: lookup(), one_hot() or hashing()",
            ) from None
        values = parsed
    elif values.dtype.kind not in "biuf":
        raise TypednnError(f"{where(0)}: {kind} takes numbers, not values of dtype {values.dtype}")
    result = np.asarray(values, np.float64)
    result = result.reshape(len(result), -1)
    finite = np.isfinite(result).all(axis=1)
    if not finite.all():
        bad = int(np.argmin(finite))
        raise TypednnError(
            f"{where(bad)}: expected a finite number for {kind}, found {result[bad].tolist()}",
            hint="fill in missing values before training: NaN or infinity makes the loss NaN",
        )
    return result


def _is_number(value: object) -> bool:
    try:
        pc.cast(pc.utf8_trim_whitespace(pa.array([value], pa.string())), pa.float64())
    except (pa.ArrowException, TypeError):
        return False
    return True


def categories(values: Array, where: Where, kind: str) -> Array:
    """A raw column's categories as Python strings `(rows,)`: text as it is, whole numbers as digits.

    Whole numbers read as text (`3` and `"3"` are one category), so a column read from a
    CSV file (text) at predict time meets the vocabulary fitted on numbers.

    Raises:
        TypednnError: for a column of fractions, or values a step before turned into numbers.
    """
    if values.ndim != 1:
        raise TypednnError(
            f"{where(0)}: {kind}() reads a raw column, not the output of another step",
            hint=f"put {kind}() first in the column's list of steps",
        )
    if values.dtype == object:
        bad = next((i for i, value in enumerate(values) if not isinstance(value, str)), None)
        if bad is not None:
            raise TypednnError(f"{where(bad)}: {kind}() takes text or whole numbers, found {quoted(values[bad])}")
        return values
    if values.dtype.kind in "biu":
        return values.astype(str).astype(object)
    raise TypednnError(
        f"{where(0)}: {kind}() takes text or whole numbers, not values of dtype {values.dtype}",
        hint="categories are names or integer codes; for numbers use standardize() or min_max()",
    )


def stable_hash(token: str) -> int:
    """CRC-32 of the token's UTF-8 bytes (zlib's; never Python's salted `hash`): the same in every process.

    Example:
        >>> stable_hash("fixed")
        2664025650
    """
    return zlib.crc32(token.encode("utf-8", "surrogatepass"))
