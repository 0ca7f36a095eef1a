"""UpSampling2D and ZeroPadding2D: the same image on a larger (height, width) grid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypeAlias

from ._dims import UNKNOWN, Shape, Size, Symbol, Unknown, plus, times, too_large, too_large_message
from ._hyper import IMAGE, Hyper

Count: TypeAlias = int | Unknown
"""A whole number a hyperparameter states: an int, or unknown when it comes from a runtime int.

Not a `Size`: a factor or a padding is fixed when the model is written, never a named `Dim`.
"""

Pad: TypeAlias = Count | tuple[Count, Count] | tuple[tuple[Count, Count], tuple[Count, Count]]
"""Zero padding as Keras writes it: all sides, (height, width), or ((top, bottom), (left, right))."""


def _grow(size: Size, factor: Count = 1, extra: Count = 0) -> Size:
    """`size * factor + extra`: exact for a named size too (`Seq * 2`, `Seq + 2`)."""
    if not (isinstance(factor, int) and isinstance(extra, int)):
        return UNKNOWN
    return plus(times(size, factor), extra)


def _image(hyper: Hyper, x: Shape) -> tuple[Size, ...]:
    return hyper.layout(x, IMAGE, hint=f"{hyper.layer} takes NHWC images")


@dataclass(frozen=True, kw_only=True)
class UpSampling2DHyper(Hyper):
    """`UpSampling2D(size)`: each pixel repeated `size` times along height and width (nearest).

    A named height or width gives a size computed from it: `Seq` becomes `Seq * 2`.

    Example:
        >>> UpSampling2DHyper(size=(2, 3)).output_shape(Shape.of(7, 5, 16))
        (14, 15, 16)
    """

    layer: ClassVar[str] = "UpSampling2D"
    size: Count | tuple[Count, Count]

    def __post_init__(self) -> None:
        self.positive("size")
        self.pairs("size")
        if any(isinstance(v, Symbol) for v in self.factors()):
            raise self.fail(f"size must be a positive int, but is {self.size!r}", hint="a factor is not a tn.Dim")

    def factors(self) -> tuple[Count, Count]:
        """The factor per axis: (height, width)."""
        return self.size if isinstance(self.size, tuple) else (self.size, self.size)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        height, width, channels = _image(self, x)
        along_height, along_width = self.factors()
        return Shape.of(_grow(height, along_height), _grow(width, along_width), channels)


@dataclass(frozen=True, kw_only=True)
class ZeroPadding2DHyper(Hyper):
    """`ZeroPadding2D(padding)`: rows and columns of zeros around each image.

    `padding` is an int (all four sides), a (height, width) pair (both sides of each
    axis), or ((top, bottom), (left, right)), as in Keras. Zero is allowed.

    Example:
        >>> ZeroPadding2DHyper(padding=((1, 2), (0, 3))).output_shape(Shape.of(28, 28, 1))
        (31, 31, 1)
    """

    layer: ClassVar[str] = "ZeroPadding2D"
    padding: Pad

    def __post_init__(self) -> None:
        value: object = self.padding
        sides = value if isinstance(value, tuple) and len(value) == 2 else (value,)
        pairs = [v for v in sides if isinstance(v, tuple)]
        mixed = bool(pairs) and (len(pairs) != len(sides) or any(len(v) != 2 for v in pairs))
        if (isinstance(value, tuple) and len(value) != 2) or mixed:
            raise self.fail(
                f"padding must be an int, a (height, width) pair or ((top, bottom), (left, right)), but is {value!r}",
                hint="e.g. padding=1, padding=(1, 2) or padding=((0, 1), (0, 1))",
            )
        amounts = [a for v in sides for a in (v if isinstance(v, tuple) else (v,))]
        if not all(isinstance(a, Unknown) or (type(a) is int and a >= 0) for a in amounts):
            raise self.fail(f"padding must be made of ints >= 0, but is {value!r}")
        for amount in amounts:
            if too_large(amount):
                raise self.fail(too_large_message("padding", amount))

    def pads(self) -> tuple[tuple[Count, Count], tuple[Count, Count]]:
        """The padding as ((top, bottom), (left, right))."""
        value = self.padding
        height, width = value if isinstance(value, tuple) else (value, value)
        return _both(height), _both(width)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        height, width, channels = _image(self, x)
        (top, bottom), (left, right) = self.pads()
        return Shape.of(_grow(height, extra=_sum(top, bottom)), _grow(width, extra=_sum(left, right)), channels)


def _both(side: Count | tuple[Count, Count]) -> tuple[Count, Count]:
    return side if isinstance(side, tuple) else (side, side)


def _sum(a: Count, b: Count) -> Count:
    return a + b if isinstance(a, int) and isinstance(b, int) else UNKNOWN
