"""Image augmentation (Keras's random preprocessing layers) and CenterCrop: NHWC images, one rule each.

The random layers keep the shape (RandomCrop and CenterCrop give their stated window);
what they draw is the lowering's business (`layers/_augment.py`). Floats are unknown at
check time (mypy has no float literals), so their checks skip what they cannot know.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Literal, TypeAlias, TypeGuard, get_args

from ._dims import Shape, Size, Symbol, is_known
from ._errors import ShapeError
from ._hyper import IMAGE, Hyper
from ._resize import INTERPOLATIONS, Count

FlipMode: TypeAlias = Literal["horizontal", "vertical", "horizontal_and_vertical"]
"""Which axes RandomFlip may flip: Keras's mode names (horizontal: left-right, along the width)."""

FLIP_MODES: tuple[FlipMode, ...] = get_args(FlipMode)

FillMode: TypeAlias = Literal["reflect", "wrap", "constant", "nearest"]
"""How RandomRotation fills the corners it rotates in: Keras's names, `jax.scipy.ndimage.map_coordinates`'s modes."""

FILL_MODES: tuple[FillMode, ...] = get_args(FillMode)


def _image(hyper: Hyper, x: Shape) -> tuple[Size, ...]:
    return hyper.layout(x, IMAGE, hint=f"{hyper.layer} takes NHWC images (height, width, channels)")


def _finite(value: object) -> TypeGuard[float]:
    """A finite int or float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_factor(hyper: Hyper, name: str, most: float) -> None:
    """A float in [0, most] (unknown at check time passes): the half-width of a symmetric range."""
    value: object = getattr(hyper, name)
    if is_known(value) and not (_finite(value) and 0 <= value <= most):
        raise hyper.fail(
            f"{name} must be a float in [0, {most:g}], but is {value!r}",
            hint=f"the draw is uniform in [-{name}, {name}]; Keras's (lower, upper) pair is not supported",
        )


def _check_value_range(hyper: Hyper) -> None:
    value: object = getattr(hyper, "value_range")  # noqa: B009 - the two families that have one
    if isinstance(value, list):
        value = tuple(value)
        object.__setattr__(hyper, "value_range", value)  # frozen: the one normalisation, before any use
    ok = isinstance(value, tuple) and len(value) == 2
    if isinstance(value, tuple) and ok and all(is_known(v) for v in value):
        low, high = value
        ok = _finite(low) and _finite(high) and low < high
    if not ok:
        raise hyper.fail(
            f"value_range must be a (low, high) pair of floats with low < high, but is {value!r}",
            hint="the range the pixels take: (0, 255) for raw pixels, (0, 1) after Rescaling(1 / 255)",
        )


@dataclass(frozen=True, kw_only=True)
class RandomFlipHyper(Hyper):
    """`RandomFlip(mode="horizontal_and_vertical")`: each image flipped at random while training.

    Example:
        >>> RandomFlipHyper(mode="horizontal").output_shape(Shape.of(32, 32, 3))
        (32, 32, 3)
    """

    layer: ClassVar[str] = "RandomFlip"
    mode: str = "horizontal_and_vertical"

    def __post_init__(self) -> None:
        self.one_of("mode", FLIP_MODES)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        return Shape.of(*_image(self, x))


@dataclass(frozen=True, kw_only=True)
class RandomRotationHyper(Hyper):
    """`RandomRotation(factor)`: each image turned by an angle uniform in [-factor, factor] of a full turn.

    Example:
        >>> RandomRotationHyper(factor=0.1).output_shape(Shape.of(28, 28, 1))
        (28, 28, 1)
    """

    layer: ClassVar[str] = "RandomRotation"
    factor: float
    fill_mode: str = "reflect"
    interpolation: str = "bilinear"
    fill_value: float = 0.0

    def __post_init__(self) -> None:
        _check_factor(self, "factor", 1.0)
        self.one_of("fill_mode", FILL_MODES)
        self.one_of("interpolation", INTERPOLATIONS)
        fill: object = self.fill_value
        if is_known(fill) and not _finite(fill):
            raise self.fail(f"fill_value must be a float, but is {fill!r}")

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        return Shape.of(*_image(self, x))


@dataclass(frozen=True, kw_only=True)
class RandomBrightnessHyper(Hyper):
    """`RandomBrightness(factor, value_range=(0, 255))`: `delta * (high - low)` added, clipped to the range.

    `delta` is uniform in [-factor, factor], one per image, as Keras draws it.

    Example:
        >>> RandomBrightnessHyper(factor=0.2).output_shape(Shape.of(32, 32, 3))
        (32, 32, 3)
    """

    layer: ClassVar[str] = "RandomBrightness"
    factor: float
    value_range: tuple[float, float] = (0.0, 255.0)

    def __post_init__(self) -> None:
        _check_factor(self, "factor", 1.0)
        _check_value_range(self)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        return Shape.of(*_image(self, x))


@dataclass(frozen=True, kw_only=True)
class RandomContrastHyper(Hyper):
    """`RandomContrast(factor, value_range=(0, 255))`: `(x - mean) * c + mean` per image and channel, clipped.

    `c` is uniform in [1 - factor, 1 + factor], one per image; `mean` is the channel's
    mean over the image's pixels.

    Example:
        >>> RandomContrastHyper(factor=0.5).output_shape(Shape.of(32, 32, 3))
        (32, 32, 3)
    """

    layer: ClassVar[str] = "RandomContrast"
    factor: float
    value_range: tuple[float, float] = (0.0, 255.0)

    def __post_init__(self) -> None:
        _check_factor(self, "factor", 1.0)
        _check_value_range(self)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        return Shape.of(*_image(self, x))


class _WindowHyper(Hyper):
    """A (height, width) window of each image: RandomCrop's and CenterCrop's shared checks and rule."""

    height: Count
    width: Count

    def __post_init__(self) -> None:
        self.positive("height", "width")
        for name in ("height", "width"):
            value = getattr(self, name)
            if isinstance(value, Symbol):
                raise self.fail(
                    f"{name} must be a positive int, but is {value!r}",
                    hint="the window's size is fixed when the model is written; a tn.Dim varies with the data",
                )

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        height, width, channels = _image(self, x)
        # Only two known ints can be compared: a named size may be any size at run time.
        if any(
            isinstance(n, int) and isinstance(k, int) and k > n for n, k in ((height, self.height), (width, self.width))
        ):
            raise ShapeError(
                self.describe(),
                f"an image at least {self.height} high and {self.width} wide",
                repr(x),
                hint="crop a window no larger than the image, or resize it first (nn.Resizing);"
                " Keras resizes a smaller image, typednn refuses it",
            )
        return Shape.of(self.height, self.width, channels)


@dataclass(frozen=True, kw_only=True)
class RandomCropHyper(_WindowHyper):
    """`RandomCrop(height, width)`: a random window of each image while training, the center one otherwise.

    Example:
        >>> RandomCropHyper(height=24, width=24).output_shape(Shape.of(32, 32, 3))
        (24, 24, 3)
    """

    layer: ClassVar[str] = "RandomCrop"
    height: Count
    width: Count


@dataclass(frozen=True, kw_only=True)
class CenterCropHyper(_WindowHyper):
    """`CenterCrop(height, width)`: the center (height, width) window of each image.

    Example:
        >>> CenterCropHyper(height=24, width=20).output_shape(Shape.of(32, 32, 3))
        (24, 20, 3)
    """

    layer: ClassVar[str] = "CenterCrop"
    height: Count
    width: Count
