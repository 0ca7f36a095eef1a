"""GlobalAvgPool1D/2D and GlobalMaxPool1D/2D: each channel reduced over the whole sequence or image."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import Shape
from ._hyper import IMAGE, Hyper


@dataclass(frozen=True, kw_only=True)
class GlobalPool2DHyper(Hyper):
    """`GlobalAvgPool2D()` and `GlobalMaxPool2D()`: (height, width, channels) to (channels,).

    Any height and width reduce to one value per channel, so a named `Dim` on either
    spatial axis is fine and a named channel axis is kept.

    Example:
        >>> GlobalAvgPool2DHyper().output_shape(Shape.of(7, 7, 512))
        (512,)
    """

    layer: ClassVar[str] = "GlobalPool2D"

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        *_, channels = self.layout(x, IMAGE, hint=f"{self.layer} takes NHWC images")
        return Shape.of(channels)


@dataclass(frozen=True, kw_only=True)
class GlobalAvgPool2DHyper(GlobalPool2DHyper):
    layer: ClassVar[str] = "GlobalAvgPool2D"


@dataclass(frozen=True, kw_only=True)
class GlobalMaxPool2DHyper(GlobalPool2DHyper):
    layer: ClassVar[str] = "GlobalMaxPool2D"


@dataclass(frozen=True, kw_only=True)
class GlobalPool1DHyper(Hyper):
    """`GlobalAvgPool1D()` and `GlobalMaxPool1D()`: (length, channels) to (channels,).

    Any length reduces to one value per channel, so a named length is fine and a named
    channel axis is kept.

    Example:
        >>> GlobalMaxPool1DHyper().output_shape(Shape.of(128, 64))
        (64,)
    """

    layer: ClassVar[str] = "GlobalPool1D"

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        _, channels = self.layout(x, ("length", "channels"), hint=f"{self.layer} takes NLC sequences")
        return Shape.of(channels)


@dataclass(frozen=True, kw_only=True)
class GlobalAvgPool1DHyper(GlobalPool1DHyper):
    """`GlobalAvgPool1D()`: (length, channels) to (channels,), the mean over the sequence.

    Example:
        >>> GlobalAvgPool1DHyper().output_shape(Shape.of(128, 64))
        (64,)
    """

    layer: ClassVar[str] = "GlobalAvgPool1D"


@dataclass(frozen=True, kw_only=True)
class GlobalMaxPool1DHyper(GlobalPool1DHyper):
    """`GlobalMaxPool1D()`: (length, channels) to (channels,), the maximum over the sequence.

    Example:
        >>> GlobalMaxPool1DHyper().output_shape(Shape.of(100, 64))
        (64,)
    """

    layer: ClassVar[str] = "GlobalMaxPool1D"
