"""Flatten and Reshape: the same elements laid out on other axes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

from ._dims import UNKNOWN, Shape, Size, Symbol, exact_div, is_size, linear, product, too_large, too_large_message
from ._errors import ShapeError
from ._hyper import Hyper


@dataclass(frozen=True, kw_only=True)
class FlattenHyper(Hyper):
    """`Flatten()`: all axes of an example as one.

    Example:
        >>> FlattenHyper().output_shape(Shape.of(13, 13, 32))
        (5408,)
    """

    layer: ClassVar[str] = "Flatten"

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        return Shape.of(UNKNOWN if x.open else product(x.dims))


Monomial = tuple[int, Counter[Symbol]]
"""A number of elements: an int times a product of named sizes."""


def monomial(sizes: tuple[Size, ...]) -> Monomial | None:
    """The product of sizes, or None when one is unknown."""
    number, names = 1, Counter[Symbol]()
    for size in sizes:
        if isinstance(size, Symbol):
            names[size] += 1
        elif isinstance(size, int):
            number *= size
        else:
            return None
    return number, names


def show_count(count: Monomial) -> str:
    number, names = count
    return (
        " * ".join([repr(n) for n in sorted(names.elements(), key=repr)] + ([str(number)] if number != 1 else []))
        or "1"
    )


@dataclass(frozen=True, kw_only=True)
class ReshapeHyper(Hyper):
    """`Reshape(*shape)`: the same number of elements on new axes.

    One axis may be inferred: either -1, or a named `Dim` whose size the data gives.

    Example:
        >>> ReshapeHyper(shape=(28, 28, 1)).output_shape(Shape.of(784))
        (28, 28, 1)
    """

    layer: ClassVar[str] = "Reshape"
    shape: tuple[Size, ...]

    def __post_init__(self) -> None:
        if not all(d == -1 or is_size(d) for d in self.shape):
            raise self.fail(f"every axis must be a positive int, -1 or a tn.Dim, but the shape is {self.shape!r}")
        for size in self.shape:
            if too_large(size):
                raise self.fail(too_large_message("every axis", size))
        inferred = [d for d in self.shape if d == -1 or isinstance(d, Symbol)]
        if len(inferred) > 1:
            raise self.fail(
                "at most one axis may be inferred (-1 or a named Dim)",
                hint="give every other axis a literal size",
            )

    def describe(self) -> str:
        return f"Reshape({', '.join(repr(d) for d in self.shape)})"

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        have = None if x.open else monomial(x.dims)
        want = monomial(tuple(d for d in self.shape if d != -1))
        count = UNKNOWN if x.open else product(x.dims)
        if -1 in self.shape and linear(count) is not None and want is not None and not want[1]:
            # One named size among the elements (`Seq * 4`): the inferred axis is a size
            # computed from it (`Seq // 2` for 8 per row), whole whenever the layer runs.
            return self._inferred(exact_div(count, want[0]))
        if have is None or want is None:
            return self._inferred(UNKNOWN)
        (have_n, have_names), (want_n, want_names) = have, want
        if -1 not in self.shape:
            if have != want:
                raise ShapeError(
                    self.describe(),
                    f"{show_count(want)} elements",
                    f"{x!r} with {show_count(have)} elements",
                    hint="a reshape keeps the number of elements; use -1 for one axis to infer it",
                )
            return Shape(self.shape)
        left = have_names - want_names
        # Named sizes left over may hold any factor, so only their absence makes a remainder fatal.
        if want_names - have_names or (not left and have_n % want_n):
            raise ShapeError(
                self.describe(), f"a multiple of {show_count(want)} elements", f"{x!r} with {show_count(have)} elements"
            )
        return self._inferred(have_n // want_n if not left else UNKNOWN)

    def _inferred(self, free: Size) -> Shape:
        """The target shape with `free` on the axis written -1."""
        return Shape(tuple(free if d == -1 else d for d in self.shape))
