"""UpSampling2D, Resizing and ZeroPadding2D: the same image on another (height, width) grid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, TypeAlias, get_args

from ._dims import UNKNOWN, Shape, Size, Symbol, Unknown, plus, times, too_large, too_large_message
from ._hyper import IMAGE, Hyper

Count: TypeAlias = int | Unknown
"""A whole number a hyperparameter states: an int, or unknown when it comes from a runtime int.

Not a `Size`: a factor or a padding is fixed when the model is written, never a named `Dim`.
"""

Pad: TypeAlias = Count | tuple[Count, Count] | tuple[tuple[Count, Count], tuple[Count, Count]]
"""Zero padding as Keras writes it: all sides, (height, width), or ((top, bottom), (left, right))."""


Interpolation: TypeAlias = Literal["nearest", "bilinear"]
"""How UpSampling2D and Resizing compute new pixels: `jax.image.resize`'s (and Keras's) method names."""

INTERPOLATIONS: tuple[Interpolation, ...] = get_args(Interpolation)


def _grow(size: Size, factor: Count = 1, extra: Count = 0) -> Size:
    """`size * factor + extra`: exact for a named size too (`Seq * 2`, `Seq + 2`)."""
    if not (isinstance(factor, int) and isinstance(extra, int)):
        return UNKNOWN
    return plus(times(size, factor), extra)


def _image(hyper: Hyper, x: Shape) -> tuple[Size, ...]:
    return hyper.layout(x, IMAGE, hint=f"{hyper.layer} takes NHWC images")


@dataclass(frozen=True, kw_only=True)
class UpSampling2DHyper(Hyper):
    """`UpSampling2D(size, interpolation="nearest")`: height and width multiplied by `size`.

    ``"nearest"`` repeats each pixel; ``"bilinear"`` interpolates, as Keras does. A named
    height or width gives a size computed from it: `Seq` becomes `Seq * 2`.

    Example:
        >>> UpSampling2DHyper(size=(2, 3)).output_shape(Shape.of(7, 5, 16))
        (14, 15, 16)
    """

    layer: ClassVar[str] = "UpSampling2D"
    size: Count | tuple[Count, Count]
    interpolation: str = "nearest"

    def __post_init__(self) -> None:
        self.positive("size")
        self.pairs("size")
        if any(isinstance(v, Symbol) for v in self.factors()):
            raise self.fail(f"size must be a positive int, but is {self.size!r}", hint="a factor is not a tn.Dim")
        self.one_of("interpolation", INTERPOLATIONS)

    def factors(self) -> tuple[Count, Count]:
        """The factor per axis: (height, width)."""
        return self.size if isinstance(self.size, tuple) else (self.size, self.size)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        height, width, channels = _image(self, x)
        along_height, along_width = self.factors()
        return Shape.of(_grow(height, along_height), _grow(width, along_width), channels)


@dataclass(frozen=True, kw_only=True)
class ResizingHyper(Hyper):
    """`Resizing(height, width, interpolation="bilinear")`: each image resized to (height, width).

    Keras's preprocessing layer: any input height and width, named ones too, give the
    stated size; the channels are kept.

    Example:
        >>> ResizingHyper(height=224, width=160).output_shape(Shape.of(480, 640, 3))
        (224, 160, 3)
    """

    layer: ClassVar[str] = "Resizing"
    height: Count
    width: Count
    interpolation: str = "bilinear"

    def __post_init__(self) -> None:
        self.positive("height", "width")
        for name in ("height", "width"):
            value = getattr(self, name)
            if isinstance(value, Symbol):
                raise self.fail(
                    f"{name} must be a positive int, but is {value!r}",
                    hint="the output size is fixed when the model is written; a tn.Dim varies with the data",
                )
        self.one_of("interpolation", INTERPOLATIONS)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        _height, _width, channels = _image(self, x)
        return Shape.of(self.height, self.width, channels)


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
        check_sides(self, "padding")

    def pads(self) -> tuple[tuple[Count, Count], tuple[Count, Count]]:
        """The padding as ((top, bottom), (left, right))."""
        return sides(self.padding)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        height, width, channels = _image(self, x)
        (top, bottom), (left, right) = self.pads()
        return Shape.of(_grow(height, extra=_sum(top, bottom)), _grow(width, extra=_sum(left, right)), channels)


def check_sides(hyper: Hyper, name: str) -> None:
    """Check a `Pad` hyperparameter (ZeroPadding2D's padding, Cropping2D's cropping), as Keras takes it.

    An int, a (height, width) pair or ((top, bottom), (left, right)), made of ints >= 0.
    """
    value: object = getattr(hyper, name)
    given = value if isinstance(value, tuple) and len(value) == 2 else (value,)
    pairs = [v for v in given if isinstance(v, tuple)]
    mixed = bool(pairs) and (len(pairs) != len(given) or any(len(v) != 2 for v in pairs))
    if (isinstance(value, tuple) and len(value) != 2) or mixed:
        raise hyper.fail(
            f"{name} must be an int, a (height, width) pair or ((top, bottom), (left, right)), but is {value!r}",
            hint=f"e.g. {name}=1, {name}=(1, 2) or {name}=((0, 1), (0, 1))",
        )
    amounts = [a for v in given for a in (v if isinstance(v, tuple) else (v,))]
    if not all(isinstance(a, Unknown) or (type(a) is int and a >= 0) for a in amounts):
        raise hyper.fail(f"{name} must be made of ints >= 0, but is {value!r}")
    for amount in amounts:
        if too_large(amount):
            raise hyper.fail(too_large_message(name, amount))


def sides(value: Pad) -> tuple[tuple[Count, Count], tuple[Count, Count]]:
    """A checked `Pad` as ((top, bottom), (left, right))."""
    height, width = value if isinstance(value, tuple) else (value, value)
    return _both(height), _both(width)


def _both(side: Count | tuple[Count, Count]) -> tuple[Count, Count]:
    return side if isinstance(side, tuple) else (side, side)


def _sum(a: Count, b: Count) -> Count:
    return a + b if isinstance(a, int) and isinstance(b, int) else UNKNOWN
