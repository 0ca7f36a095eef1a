"""Conv2DTranspose: the transposed convolution over (height, width, channels) inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import UNKNOWN, Shape, Size, plus, times
from ._elementwise import check_activation
from ._window import WindowHyper, span


def unslide(size: Size, window: Size, stride: Size, padding: object, dilation: Size = 1) -> Size:
    """The output length of a transposed convolution (`lax.conv_transpose`) over `size` positions.

    `same` gives ``size * stride``; `valid` gives ``(size - 1) * stride + span``, but never
    less than ``size * stride``: JAX pads a window shorter than the stride up to the stride
    (``_conv_transpose_padding``). Every input length has an output, so this never fails.
    The arithmetic is linear, so a named length gives a size computed from it (`Seq * 2`).

    Example:
        >>> unslide(7, 3, 2, "valid"), unslide(7, 3, 2, "same"), unslide(7, 1, 3, "valid")
        (15, 14, 21)
    """
    reach = span(window, dilation)
    if stride == 1 and (padding == "same" or reach == 1):
        return size
    if not (isinstance(stride, int) and isinstance(reach, int)) or padding not in ("same", "valid"):
        return UNKNOWN
    # Both are linear in the input length, so a named length gives an exact size too.
    return plus(times(size, stride), max(reach - stride, 0) if padding == "valid" else 0)


@dataclass(frozen=True, kw_only=True)
class Conv2DTransposeHyper(WindowHyper):
    """`Conv2DTranspose(filters, kernel=, stride=, padding=, in_channels=, dilation=)`, NHWC.

    The shapes of `flax.nnx.ConvTranspose` (``lax.conv_transpose``) with the same padding
    string: `same` multiplies height and width by the stride.

    Example:
        >>> Conv2DTransposeHyper(filters=16, kernel=3, stride=2).output_shape(Shape.of(7, 7, 32))
        (15, 15, 16)
        >>> Conv2DTransposeHyper(filters=16, kernel=3, stride=2, padding="same").output_shape(Shape.of(7, 7, 32))
        (14, 14, 16)
    """

    layer: ClassVar[str] = "Conv2DTranspose"
    axes: ClassVar[tuple[str, ...]] = ("height", "width")
    filters: Size
    kernel: Size | tuple[Size, Size]
    stride: Size | tuple[Size, Size] = 1
    padding: str = "valid"
    in_channels: Size | None = None
    dilation: Size | tuple[Size, Size] = 1
    use_bias: bool = True
    activation: str | None = None

    def __post_init__(self) -> None:
        self.check_convolution("filters", "kernel", "stride", "dilation")
        check_activation(self)

    def describe(self) -> str:
        return super().describe().replace("filters=", "", 1)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        sizes, channels = self.spatial(x, hint=f"{self.layer} takes NHWC images")
        self.check_channels(x, channels, self.in_channels)
        out = (
            unslide(size, window, stride, self.padding, dilation)
            for size, window, stride, dilation in zip(
                sizes, self.per_axis("kernel"), self.per_axis("stride"), self.per_axis("dilation"), strict=True
            )
        )
        return Shape.of(*out, self.filters)
