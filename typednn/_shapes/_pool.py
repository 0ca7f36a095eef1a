"""MaxPool2D and AvgPool2D: a window reduced to one value, per channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import Shape, Size
from ._errors import ShapeError
from ._params import Params, pair
from ._window import PADDINGS, slide


@dataclass(frozen=True, kw_only=True)
class Pool2DParams(Params):
    """`MaxPool2D(window, stride=window, padding="valid")` and its average twin.

    Example:
        >>> MaxPool2DParams(window=2).output_shape(Shape.of(26, 26, 32))
        (13, 13, 32)
    """

    layer: ClassVar[str] = "Pool2D"
    window: Size | tuple[Size, Size]
    stride: Size | tuple[Size, Size] | None = None
    padding: str = "valid"

    def __post_init__(self) -> None:
        self.positive("window")
        self.positive("stride", allow_none=True)
        self.pairs("window", "stride")
        self.one_of("padding", PADDINGS)

    def strides(self) -> tuple[Size, Size]:
        """The stride per axis: the window unless given."""
        return pair(self.window if self.stride is None else self.stride)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        axes = x.ranked(3)
        if axes is None:
            raise ShapeError(self.describe(), "a (height, width, channels) input", repr(x))
        height, width, channels = axes
        out = []
        for axis, size, window, stride in zip(("height", "width"), (height, width), pair(self.window), self.strides()):
            length = slide(size, window, stride, self.padding)
            if length is None:
                raise ShapeError(
                    self.describe(),
                    f"a {axis} of at least {window!r}",
                    repr(x),
                    hint="remove a pooling layer or use padding='same'",
                )
            out.append(length)
        return Shape.of(out[0], out[1], channels)


@dataclass(frozen=True, kw_only=True)
class MaxPool2DParams(Pool2DParams):
    layer: ClassVar[str] = "MaxPool2D"


@dataclass(frozen=True, kw_only=True)
class AvgPool2DParams(Pool2DParams):
    layer: ClassVar[str] = "AvgPool2D"
