"""Cropping1D and Cropping2D: positions cut off both ends of the spatial axes, as in Keras."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import UNKNOWN, Shape, Size, Unknown, plus, too_large, too_large_message
from ._errors import ShapeError
from ._hyper import IMAGE, Hyper
from ._resize import Count, Pad, check_sides, sides

_HINT = "a cropping must leave at least one position on each axis; crop less"


def _crop(hyper: Hyper, x: Shape, axis: str, size: Size, start: Count, end: Count) -> Size:
    """`size - start - end`; a `ShapeError` when a known size keeps nothing.

    A named size gives a size computed from it (`Seq - 2`), as an unpadded convolution's does.
    """
    if not (isinstance(start, int) and isinstance(end, int)):
        return UNKNOWN
    cut = start + end
    if isinstance(size, int) and size <= cut:
        raise ShapeError(hyper.describe(), f"a {axis} of at least {cut + 1}", repr(x), hint=_HINT)
    return plus(size, -cut)


@dataclass(frozen=True, kw_only=True)
class Cropping1DHyper(Hyper):
    """`Cropping1D(cropping)`: positions cut off the start and the end of each sequence (NLC).

    `cropping` is an int (both ends) or a (start, end) pair, as in Keras; zero is allowed.
    Something must be left: a sequence of 4 cropped by (2, 2) is an error.

    Example:
        >>> Cropping1DHyper(cropping=(1, 2)).output_shape(Shape.of(10, 16))
        (7, 16)
    """

    layer: ClassVar[str] = "Cropping1D"
    cropping: Count | tuple[Count, Count]

    def __post_init__(self) -> None:
        value: object = self.cropping
        if isinstance(value, tuple) and len(value) != 2:
            raise self.fail(
                f"cropping must be an int or a (start, end) pair, but is {value!r}",
                hint="e.g. cropping=1 or cropping=(0, 2)",
            )
        amounts = value if isinstance(value, tuple) else (value,)
        if not all(isinstance(a, Unknown) or (type(a) is int and a >= 0) for a in amounts):
            raise self.fail(f"cropping must be made of ints >= 0, but is {value!r}")
        for amount in amounts:
            if too_large(amount):
                raise self.fail(too_large_message("cropping", amount))

    def ends(self) -> tuple[Count, Count]:
        """The cropping as (start, end)."""
        value = self.cropping
        return value if isinstance(value, tuple) else (value, value)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        length, channels = self.layout(x, ("length", "channels"), hint="Cropping1D takes NLC sequences")
        return Shape.of(_crop(self, x, "length", length, *self.ends()), channels)


@dataclass(frozen=True, kw_only=True)
class Cropping2DHyper(Hyper):
    """`Cropping2D(cropping)`: rows and columns cut off the borders of each image (NHWC).

    `cropping` is an int (all four sides), a (height, width) pair (both sides of each
    axis), or ((top, bottom), (left, right)), as in Keras; zero is allowed. The U-Net
    use: crop an encoder's larger map to the decoder's size before concatenating.

    Example:
        >>> Cropping2DHyper(cropping=((1, 2), (0, 3))).output_shape(Shape.of(28, 28, 1))
        (25, 25, 1)
    """

    layer: ClassVar[str] = "Cropping2D"
    cropping: Pad

    def __post_init__(self) -> None:
        check_sides(self, "cropping")

    def crops(self) -> tuple[tuple[Count, Count], tuple[Count, Count]]:
        """The cropping as ((top, bottom), (left, right))."""
        return sides(self.cropping)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        height, width, channels = self.layout(x, IMAGE, hint="Cropping2D takes NHWC images")
        (top, bottom), (left, right) = self.crops()
        return Shape.of(
            _crop(self, x, "height", height, top, bottom), _crop(self, x, "width", width, left, right), channels
        )
