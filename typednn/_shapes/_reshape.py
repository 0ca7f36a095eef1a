"""Flatten and Reshape: the same elements laid out on other axes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import UNKNOWN, Shape, Size, product
from ._errors import ShapeError
from ._params import Params


@dataclass(frozen=True, kw_only=True)
class FlattenParams(Params):
    """`Flatten()`: all axes of an example as one.

    Example:
        >>> FlattenParams().output_shape(Shape.of(13, 13, 32))
        (5408,)
    """

    layer: ClassVar[str] = "Flatten"

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        return Shape.of(UNKNOWN if x.open else product(x.dims))


@dataclass(frozen=True, kw_only=True)
class ReshapeParams(Params):
    """`Reshape(*shape)`: the same number of elements on new axes; one axis may be -1.

    Example:
        >>> ReshapeParams(shape=(28, 28, 1)).output_shape(Shape.of(784))
        (28, 28, 1)
    """

    layer: ClassVar[str] = "Reshape"
    shape: tuple[Size, ...]

    def __post_init__(self) -> None:
        free = [d for d in self.shape if d == -1]
        if len(free) > 1:
            raise self.fail("at most one axis may be -1")
        if not all(d == -1 or not isinstance(d, int) or (d > 0 and not isinstance(d, bool)) for d in self.shape):
            raise self.fail(f"every axis must be a positive int or -1, but the shape is {self.shape!r}")

    def describe(self) -> str:
        return f"Reshape({', '.join(repr(d) for d in self.shape)})"

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        have = UNKNOWN if x.open else product(x.dims)
        fixed = product(tuple(d for d in self.shape if d != -1))
        if not isinstance(have, int) or not isinstance(fixed, int):
            return Shape(tuple(UNKNOWN if d == -1 else d for d in self.shape))
        if -1 in self.shape:
            if have % fixed:
                raise ShapeError(self.describe(), f"a multiple of {fixed} elements", f"{x!r} with {have} elements")
            return Shape(tuple(have // fixed if d == -1 else d for d in self.shape))
        if have != fixed:
            raise ShapeError(
                self.describe(),
                f"{fixed} elements",
                f"{x!r} with {have} elements",
                hint="a reshape keeps the number of elements; use -1 for one axis to infer it",
            )
        return Shape(self.shape)
