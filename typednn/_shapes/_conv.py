"""Conv1D, Conv2D, Conv3D, DepthwiseConv2D and SeparableConv2D: convolutions over NLC, NHWC and NDHWC inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import Shape, Size, product
from ._elementwise import check_activation
from ._errors import ShapeError
from ._window import WindowHyper


@dataclass(frozen=True, kw_only=True)
class ConvHyper(WindowHyper):
    """The hyperparameters and rule of a convolution over any number of spatial axes.

    `Conv1DHyper` and `Conv2DHyper` only name their axes and narrow the per-axis
    hyperparameters' types (an int, or an int or a pair). `activation` (Keras's argument)
    names a function applied after the convolution, as an `Activation` layer would be.
    """

    filters: Size
    kernel: Size | tuple[Size, ...]
    stride: Size | tuple[Size, ...] = 1
    padding: str = "valid"
    in_channels: Size | None = None
    dilation: Size | tuple[Size, ...] = 1
    groups: Size = 1
    use_bias: bool = True
    activation: str | None = None

    def __post_init__(self) -> None:
        self.check_convolution("filters", "kernel", "stride", "dilation", "groups")
        check_activation(self)
        for name in ("filters", "in_channels"):
            value = getattr(self, name)
            if isinstance(value, int) and isinstance(self.groups, int) and value % self.groups:
                raise self.fail(f"{name} ({value}) must be divisible by groups ({self.groups})")

    def describe(self) -> str:
        return super().describe().replace("filters=", "", 1)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        sizes, channels = self.spatial(x, hint=f"{self.layer} takes {_LAYOUTS[len(self.axes)]}")
        self.check_channels(x, channels, self.in_channels)
        if isinstance(channels, int) and isinstance(self.groups, int) and channels % self.groups:
            raise ShapeError(self.describe(), f"input channels divisible by groups={self.groups}", repr(x))
        out = self.slide_axes(
            x,
            sizes,
            self.per_axis("kernel"),
            self.per_axis("stride"),
            self.per_axis("dilation"),
            hint="use padding='same', a smaller kernel, or less downsampling before this layer",
        )
        return Shape.of(*out, self.filters)


_LAYOUTS = {1: "NLC sequences", 2: "NHWC images", 3: "NDHWC volumes (for NHWC images use Conv2D)"}


@dataclass(frozen=True, kw_only=True)
class Conv1DHyper(ConvHyper):
    """`Conv1D(filters, kernel=, stride=, padding=, in_channels=, dilation=, groups=)`, NLC.

    Example:
        >>> Conv1DHyper(filters=16, kernel=5, stride=2).output_shape(Shape.of(100, 8))
        (48, 16)
    """

    layer: ClassVar[str] = "Conv1D"
    axes: ClassVar[tuple[str, ...]] = ("length",)
    kernel: Size
    stride: Size = 1
    dilation: Size = 1


@dataclass(frozen=True, kw_only=True)
class Conv2DHyper(ConvHyper):
    """`Conv2D(filters, kernel=, stride=, padding=, in_channels=, dilation=, groups=)`, NHWC.

    Example:
        >>> Conv2DHyper(filters=32, kernel=3).output_shape(Shape.of(28, 28, 1))
        (26, 26, 32)
    """

    layer: ClassVar[str] = "Conv2D"
    axes: ClassVar[tuple[str, ...]] = ("height", "width")
    kernel: Size | tuple[Size, Size]
    stride: Size | tuple[Size, Size] = 1
    dilation: Size | tuple[Size, Size] = 1


@dataclass(frozen=True, kw_only=True)
class Conv3DHyper(ConvHyper):
    """`Conv3D(filters, kernel=, stride=, padding=, in_channels=, dilation=, groups=)`, NDHWC.

    Example:
        >>> Conv3DHyper(filters=8, kernel=3, stride=(1, 2, 2)).output_shape(Shape.of(16, 32, 32, 3))
        (14, 15, 15, 8)
    """

    layer: ClassVar[str] = "Conv3D"
    axes: ClassVar[tuple[str, ...]] = ("depth", "height", "width")
    kernel: Size | tuple[Size, Size, Size]
    stride: Size | tuple[Size, Size, Size] = 1
    dilation: Size | tuple[Size, Size, Size] = 1


@dataclass(frozen=True, kw_only=True)
class DepthwiseConv2DHyper(WindowHyper):
    """`DepthwiseConv2D(kernel, depth_multiplier=, stride=, padding=, in_channels=, dilation=)`, NHWC.

    Each input channel is convolved on its own into `depth_multiplier` output channels: a
    grouped convolution with one group per input channel. The spatial arithmetic is the
    windowed rule's (`slide_axes`), the same as Conv2D's.

    Example:
        >>> DepthwiseConv2DHyper(kernel=3, depth_multiplier=2).output_shape(Shape.of(28, 28, 8))
        (26, 26, 16)
    """

    layer: ClassVar[str] = "DepthwiseConv2D"
    axes: ClassVar[tuple[str, ...]] = ("height", "width")
    kernel: Size | tuple[Size, Size]
    depth_multiplier: Size = 1
    stride: Size | tuple[Size, Size] = 1
    padding: str = "valid"
    in_channels: Size | None = None
    dilation: Size | tuple[Size, Size] = 1
    use_bias: bool = True
    activation: str | None = None

    def __post_init__(self) -> None:
        self.check_convolution("kernel", "depth_multiplier", "stride", "dilation")
        check_activation(self)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        out, channels = _depthwise(self, x)
        filters = product((channels, self.depth_multiplier))  # `C * 2` for a named channel axis C
        return Shape.of(*out, filters)


def _depthwise(p: DepthwiseConv2DHyper | SeparableConv2DHyper, x: Shape) -> tuple[tuple[Size, ...], Size]:
    """The spatial sizes a depthwise convolution gives, and the input's channels: the rule both layers share."""
    sizes, channels = p.spatial(x, hint=f"{p.layer} takes {_LAYOUTS[2]}")
    p.check_channels(x, channels, p.in_channels)
    out = p.slide_axes(
        x,
        sizes,
        p.per_axis("kernel"),
        p.per_axis("stride"),
        p.per_axis("dilation"),
        hint="use padding='same', a smaller kernel, or less downsampling before this layer",
    )
    return out, channels


@dataclass(frozen=True, kw_only=True)
class SeparableConv2DHyper(WindowHyper):
    """`SeparableConv2D(filters, kernel=, stride=, padding=, in_channels=, dilation=, depth_multiplier=)`, NHWC.

    Keras's `SeparableConv2D`: a depthwise convolution (each input channel on its own into
    `depth_multiplier` channels, strided and dilated) then a pointwise 1x1 convolution to
    `filters` channels, the bias added after it. The spatial axes follow DepthwiseConv2D's
    rule; only the channels differ.

    Example:
        >>> SeparableConv2DHyper(filters=16, kernel=3, stride=2).output_shape(Shape.of(28, 28, 8))
        (13, 13, 16)
    """

    layer: ClassVar[str] = "SeparableConv2D"
    axes: ClassVar[tuple[str, ...]] = ("height", "width")
    filters: Size
    kernel: Size | tuple[Size, Size]
    stride: Size | tuple[Size, Size] = 1
    padding: str = "valid"
    in_channels: Size | None = None
    dilation: Size | tuple[Size, Size] = 1
    depth_multiplier: Size = 1
    use_bias: bool = True
    activation: str | None = None

    def __post_init__(self) -> None:
        self.check_convolution("filters", "kernel", "depth_multiplier", "stride", "dilation")
        check_activation(self)

    def describe(self) -> str:
        return super().describe().replace("filters=", "", 1)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        out, _ = _depthwise(self, x)
        return Shape.of(*out, self.filters)
