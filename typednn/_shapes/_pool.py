"""MaxPool1D/2D/3D and AvgPool1D/2D/3D: a window reduced to one value, per channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import Shape, Size
from ._window import PADDINGS, WindowHyper


@dataclass(frozen=True, kw_only=True)
class PoolHyper(WindowHyper):
    """The hyperparameters and rule of a pool over any number of spatial axes.

    `Pool1DHyper` and `Pool2DHyper` only name their axes and narrow the per-axis
    hyperparameters' types (an int, or an int or a pair).
    """

    layer: ClassVar[str] = "Pool"
    window: Size | tuple[Size, ...]
    stride: Size | tuple[Size, ...] | None = None
    padding: str = "valid"

    def __post_init__(self) -> None:
        self.positive("window")
        self.positive("stride", allow_none=True)
        self.check_per_axis("window", "stride")
        self.one_of("padding", PADDINGS)

    def strides(self) -> tuple[Size, ...]:
        """The stride per axis: the window unless given."""
        return self.per_axis("window" if self.stride is None else "stride")

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        sizes, channels = self.spatial(x)
        hint = "remove a pooling layer or use padding='same'"
        out = self.slide_axes(x, sizes, self.per_axis("window"), self.strides(), hint=hint)
        return Shape.of(*out, channels)


@dataclass(frozen=True, kw_only=True)
class Pool1DHyper(PoolHyper):
    """`MaxPool1D(window, stride=window, padding="valid")` and its average twin, NLC.

    Example:
        >>> MaxPool1DHyper(window=4).output_shape(Shape.of(100, 16))
        (25, 16)
    """

    layer: ClassVar[str] = "Pool1D"
    axes: ClassVar[tuple[str, ...]] = ("length",)
    window: Size
    stride: Size | None = None


@dataclass(frozen=True, kw_only=True)
class MaxPool1DHyper(Pool1DHyper):
    layer: ClassVar[str] = "MaxPool1D"


@dataclass(frozen=True, kw_only=True)
class AvgPool1DHyper(Pool1DHyper):
    layer: ClassVar[str] = "AvgPool1D"


@dataclass(frozen=True, kw_only=True)
class Pool2DHyper(PoolHyper):
    """`MaxPool2D(window, stride=window, padding="valid")` and its average twin, NHWC.

    Example:
        >>> MaxPool2DHyper(window=2).output_shape(Shape.of(26, 26, 32))
        (13, 13, 32)
    """

    layer: ClassVar[str] = "Pool2D"
    axes: ClassVar[tuple[str, ...]] = ("height", "width")
    window: Size | tuple[Size, Size]
    stride: Size | tuple[Size, Size] | None = None


@dataclass(frozen=True, kw_only=True)
class MaxPool2DHyper(Pool2DHyper):
    layer: ClassVar[str] = "MaxPool2D"


@dataclass(frozen=True, kw_only=True)
class AvgPool2DHyper(Pool2DHyper):
    layer: ClassVar[str] = "AvgPool2D"


@dataclass(frozen=True, kw_only=True)
class Pool3DHyper(PoolHyper):
    """`MaxPool3D(window, stride=window, padding="valid")` and its average twin, NDHWC.

    Example:
        >>> MaxPool3DHyper(window=(1, 2, 2)).output_shape(Shape.of(8, 32, 32, 16))
        (8, 16, 16, 16)
        >>> AvgPool3DHyper(window=2, stride=1, padding="same").output_shape(Shape.of(5, 5, 5, 3))
        (5, 5, 5, 3)
    """

    layer: ClassVar[str] = "Pool3D"
    axes: ClassVar[tuple[str, ...]] = ("depth", "height", "width")
    window: Size | tuple[Size, Size, Size]
    stride: Size | tuple[Size, Size, Size] | None = None

    def spatial(self, x: Shape, *, hint: str | None = None) -> tuple[tuple[Size, ...], Size]:
        # Volumes are easy to confuse with images and clips: say which layer takes which.
        hint = hint or f"{self.layer} takes NDHWC volumes; pool images with {self.layer[:-2]}2D"
        return super().spatial(x, hint=hint)


@dataclass(frozen=True, kw_only=True)
class MaxPool3DHyper(Pool3DHyper):
    layer: ClassVar[str] = "MaxPool3D"


@dataclass(frozen=True, kw_only=True)
class AvgPool3DHyper(Pool3DHyper):
    layer: ClassVar[str] = "AvgPool3D"
