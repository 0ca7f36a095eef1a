"""Conv2D: a 2-D convolution over (height, width, channels) inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import Shape, Size, same_size
from ._errors import ShapeError
from ._params import Params, pair
from ._window import PADDINGS, slide, span


@dataclass(frozen=True, kw_only=True)
class Conv2DParams(Params):
    """`Conv2D(filters, kernel=, stride=, padding=, in_channels=, dilation=, groups=)`, NHWC.

    Example:
        >>> Conv2DParams(filters=32, kernel=3).output_shape(Shape.of(28, 28, 1))
        (26, 26, 32)
    """

    layer: ClassVar[str] = "Conv2D"
    filters: Size
    kernel: Size | tuple[Size, Size]
    stride: Size | tuple[Size, Size] = 1
    padding: str = "valid"
    in_channels: Size | None = None
    dilation: Size | tuple[Size, Size] = 1
    groups: Size = 1
    use_bias: bool = True

    def __post_init__(self) -> None:
        self.positive("filters", "kernel", "stride", "dilation", "groups")
        self.positive("in_channels", allow_none=True)
        self.one_of("padding", PADDINGS)
        self.pairs("kernel", "stride", "dilation")
        for name in ("filters", "in_channels"):
            value = getattr(self, name)
            if isinstance(value, int) and isinstance(self.groups, int) and value % self.groups:
                raise self.fail(f"{name} ({value}) must be divisible by groups ({self.groups})")

    def describe(self) -> str:
        return super().describe().replace("filters=", "", 1)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        axes = x.ranked(3)
        if axes is None:
            raise ShapeError(
                self.describe(), "a (height, width, channels) input", repr(x), hint="Conv2D takes NHWC images"
            )
        height, width, channels = axes
        if self.in_channels is not None and same_size(channels, self.in_channels) is False:
            raise ShapeError(self.describe(), f"{self.in_channels!r} input channels", repr(x))
        if isinstance(channels, int) and isinstance(self.groups, int) and channels % self.groups:
            raise ShapeError(self.describe(), f"input channels divisible by groups={self.groups}", repr(x))
        out = []
        for axis, size, window, stride, dilation in zip(
            ("height", "width"), (height, width), pair(self.kernel), pair(self.stride), pair(self.dilation)
        ):
            length = slide(size, window, stride, self.padding, dilation)
            if length is None:
                raise ShapeError(
                    self.describe(),
                    f"a {axis} of at least {span(window, dilation)!r}",
                    repr(x),
                    hint="use padding='same', a smaller kernel, or less downsampling before this layer",
                )
            out.append(length)
        return Shape.of(out[0], out[1], self.filters)
