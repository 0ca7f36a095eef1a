"""LayerNorm, RMSNorm and GroupNorm: each example normalised over its features; the shape stays."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from ._dims import Shape, Size, Unknown
from ._errors import ShapeError
from ._hyper import Hyper


@dataclass(frozen=True, kw_only=True)
class NormHyper(Hyper):
    """The normalisations' shared checks: a non-negative epsilon and at least one axis.

    An input without axes (one number per example) would have its statistics taken over
    the batch, so every normalisation refuses it. Each subclass declares its own fields,
    so that `GroupNorm`'s `groups` comes first, as its constructor takes it.
    """

    layer: ClassVar[str] = "Norm"

    def check_epsilon(self, epsilon: float | Unknown) -> None:
        if isinstance(epsilon, Unknown):
            return  # a float mypy sees no literal of (floats have none)
        number = isinstance(epsilon, (int, float)) and not isinstance(epsilon, bool)
        if not number or not math.isfinite(epsilon) or epsilon < 0:
            raise self.fail(
                f"epsilon must be a number >= 0, but is {epsilon!r}",
                hint="epsilon is added to the variance before its square root; e.g. epsilon=1e-6",
            )

    def features(self, x: Shape) -> Size:
        """The size of the last axis, the one scaled and shifted; refuses an input without axes."""
        if not x.dims and not x.open:
            raise ShapeError(
                self.describe(),
                "at least one axis (the features)",
                repr(x),
                hint="use Reshape to add a feature axis",
            )
        return x.last

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        self.features(x)
        return x


@dataclass(frozen=True, kw_only=True)
class LayerNormHyper(NormHyper):
    """`LayerNorm(epsilon=, use_bias=, use_scale=)`: normalised over the last axis, same shape.

    Example:
        >>> LayerNormHyper().output_shape(Shape.of(128, 64))
        (128, 64)
    """

    layer: ClassVar[str] = "LayerNorm"
    epsilon: float | Unknown = 1e-6
    use_bias: bool = True
    use_scale: bool = True

    def __post_init__(self) -> None:
        self.check_epsilon(self.epsilon)


@dataclass(frozen=True, kw_only=True)
class RMSNormHyper(NormHyper):
    """`RMSNorm(epsilon=, use_scale=)`: divided by the root mean square of the last axis, same shape.

    Example:
        >>> RMSNormHyper(epsilon=1e-5).output_shape(Shape.of(16, 512))
        (16, 512)
    """

    layer: ClassVar[str] = "RMSNorm"
    epsilon: float | Unknown = 1e-6
    use_scale: bool = True

    def __post_init__(self) -> None:
        self.check_epsilon(self.epsilon)


@dataclass(frozen=True, kw_only=True)
class GroupNormHyper(NormHyper):
    """`GroupNorm(groups, epsilon=, use_bias=, use_scale=)`: the channels split into `groups`.

    Each group of channels is normalised over all the axes of an example (height, width
    and the group's channels for NHWC; length for NLC), as flax.nnx.GroupNorm does. The
    channels (the last axis) must split into equal groups.

    Example:
        >>> GroupNormHyper(groups=8).output_shape(Shape.of(32, 32, 64))
        (32, 32, 64)
    """

    layer: ClassVar[str] = "GroupNorm"
    groups: Size
    epsilon: float | Unknown = 1e-6
    use_bias: bool = True
    use_scale: bool = True

    def __post_init__(self) -> None:
        self.positive("groups")
        self.check_epsilon(self.epsilon)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        channels = self.features(x)
        if isinstance(channels, int) and isinstance(self.groups, int) and channels % self.groups:
            divisors = ", ".join(str(g) for g in range(1, channels + 1) if channels % g == 0)
            raise ShapeError(
                self.describe(),
                f"a channel count divisible by {self.groups} (the groups)",
                repr(x),
                hint=f"{channels} channels do not split into {self.groups} equal groups;"
                f" the groups must divide {channels}: {divisors}",
            )
        return x


@dataclass(frozen=True, kw_only=True)
class BatchNormHyper(NormHyper):
    """`BatchNorm(momentum=, epsilon=, use_bias=, use_scale=)`: normalised over the batch, same shape.

    The statistics span every axis but the last (the batch, and height and width for
    NHWC or length for NLC); the defaults are Keras's (momentum 0.99, epsilon 1e-3).

    Example:
        >>> BatchNormHyper().output_shape(Shape.of(32, 32, 64))
        (32, 32, 64)
    """

    layer: ClassVar[str] = "BatchNorm"
    momentum: float | Unknown = 0.99
    epsilon: float | Unknown = 1e-3
    use_bias: bool = True
    use_scale: bool = True

    def __post_init__(self) -> None:
        self.check_epsilon(self.epsilon)
        momentum = self.momentum
        if isinstance(momentum, Unknown):
            return
        number = isinstance(momentum, (int, float)) and not isinstance(momentum, bool)
        if not number or not 0 <= momentum <= 1:
            raise self.fail(
                f"momentum must be a number from 0 to 1, but is {momentum!r}",
                hint="the running statistics keep this share of their value each step; e.g. momentum=0.99",
            )
