"""Image augmentation on NHWC images: random while training, in the compiled step, and CenterCrop.

The random layers draw from the key the model gives each stochastic layer (as Dropout's:
the trainer folds the step into the run's key), one draw per image, so a run is the same
for the same seed and step, and a resumed run draws what the uninterrupted one drew.
Outside training each is the identity; RandomCrop takes the center window.

The computations are pure functions of the drawn values (`flipped`, `rotated`...), which
the tests hold to Keras's formulas.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax
from jax.scipy.ndimage import map_coordinates

from .._errors import TypednnError
from .._shapes._augment import (
    CenterCropHyper,
    FillMode,
    FlipMode,
    RandomBrightnessHyper,
    RandomContrastHyper,
    RandomCropHyper,
    RandomFlipHyper,
    RandomRotationHyper,
)
from .._shapes._resize import Interpolation
from ._base import Layer, P, ParamTree
from ._lowering import ints


class _Random(Layer[*P]):
    """A layer that draws from its key while training."""

    @property
    def stochastic(self) -> bool:
        return True

    def _key(self, key: jax.Array | None) -> jax.Array:
        if key is None:
            raise TypednnError(
                f"{self!r} needs a random key while training",
                hint="pass key=jax.random.key(...) to apply(..., training=True); tn.Trainer does this for you",
            )
        return key


def _per_image(x: jax.Array) -> tuple[int, ...]:
    """The shape of one value per image that broadcasts against NHWC `x` (same rank: no rank promotion)."""
    return (x.shape[0], 1, 1, 1)


# ---------------------------------------------------------------------------- the computations


def flipped(x: jax.Array, left_right: jax.Array, up_down: jax.Array) -> jax.Array:
    """Each image of `x` (NHWC) mirrored left-right where `left_right`, up-down where `up_down` (a bool per image)."""
    x = jnp.where(jnp.reshape(left_right, _per_image(x)), jnp.flip(x, axis=2), x)
    return jnp.where(jnp.reshape(up_down, _per_image(x)), jnp.flip(x, axis=1), x)


def rotated(
    x: jax.Array, angles: jax.Array, *, fill_mode: FillMode, interpolation: Interpolation, fill_value: float
) -> jax.Array:
    """Each image of `x` (NHWC) turned by its angle (radians) about its center, as Keras's RandomRotation.

    Output pixel (y, x) reads the input at the point Keras's affine matrix gives
    (`a0 x + a1 y + a2`, `b0 x + b1 y + b2`), interpolated by
    `jax.scipy.ndimage.map_coordinates` with the fill mode Keras passes it on JAX.
    """
    _batch, height, width, _channels = x.shape
    cx, cy = (width - 1) / 2, (height - 1) / 2
    rows, columns = jnp.meshgrid(
        jnp.arange(height, dtype=jnp.float32), jnp.arange(width, dtype=jnp.float32), indexing="ij"
    )
    order = 1 if interpolation == "bilinear" else 0

    def one(image: jax.Array, angle: jax.Array) -> jax.Array:
        cos, sin = jnp.cos(angle), jnp.sin(angle)
        # Keras's _compute_affine_matrix with no shear, scale 1 and no translation.
        a0, a1, b0, b1 = cos, -sin, sin, cos
        a2, b2 = cx - cx * a0 - cy * a1, cy - cx * b0 - cy * b1
        at = [b0 * columns + b1 * rows + b2, a0 * columns + a1 * rows + a2]

        def channel(plane: jax.Array) -> jax.Array:
            turned: jax.Array = map_coordinates(plane, at, order=order, mode=fill_mode, cval=fill_value)
            return turned

        return jax.vmap(channel, in_axes=2, out_axes=2)(image)

    return jax.vmap(one)(x, angles)


def windows(x: jax.Array, tops: jax.Array, lefts: jax.Array, height: int, width: int) -> jax.Array:
    """From each image of `x` (NHWC), the (height, width) window whose top-left corner is (top, left)."""

    def one(image: jax.Array, top: jax.Array, left: jax.Array) -> jax.Array:
        # dynamic_slice refuses a window larger than the image (the rule's rejection too);
        # a start past the end it would move back, but the draws never ask for one.
        return lax.dynamic_slice(image, (top, left, jnp.zeros_like(top)), (height, width, image.shape[2]))

    return jax.vmap(one)(x, tops, lefts)


def centered(x: jax.Array, height: int, width: int) -> jax.Array:
    """The center (height, width) window of each image (NHWC), as Keras's CenterCrop: `(H - height) // 2` above."""
    batch, full_height, full_width, channels = x.shape
    top, left = (full_height - height) // 2, (full_width - width) // 2
    # lax.slice refuses a window larger than the image, where x[:, a:b] would quietly take less.
    return lax.slice(x, (0, top, left, 0), (batch, top + height, left + width, channels))


def brightened(x: jax.Array, deltas: jax.Array, value_range: tuple[float, float]) -> jax.Array:
    """Keras's RandomBrightness: `delta * (high - low)` added to each image, then clipped to the range."""
    low, high = value_range
    # The draws are float32; the images keep their dtype (bfloat16 under mixed precision).
    return jnp.clip(x + jnp.reshape(deltas, _per_image(x)) * (high - low), low, high).astype(x.dtype)


def contrasted(x: jax.Array, factors: jax.Array, value_range: tuple[float, float]) -> jax.Array:
    """Keras's RandomContrast: `(x - mean) * factor + mean` per image and channel, then clipped to the range."""
    mean = jnp.mean(x, axis=(1, 2), keepdims=True)
    low, high = value_range
    # The draws are float32; the images keep their dtype (bfloat16 under mixed precision).
    return jnp.clip((x - mean) * jnp.reshape(factors, _per_image(x)) + mean, low, high).astype(x.dtype)


# ---------------------------------------------------------------------------- the layers


class RandomFlip(_Random[*P]):
    """Each image flipped at random while training, as Keras's `RandomFlip`; the identity otherwise.

    Args:
        mode: ``"horizontal"`` (left-right), ``"vertical"`` (up-down) or
            ``"horizontal_and_vertical"``: each allowed flip is drawn apart, with
            probability 1/2, per image (Keras 3 draws one for both axes).
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.RandomFlip("horizontal")(tn.Input(32, 32, 3)).shape
        (32, 32, 3)
    """

    hyper_type = RandomFlipHyper
    kind = "random_flip"
    hyper: RandomFlipHyper

    def __init__(self, mode: FlipMode = RandomFlipHyper.default("mode"), *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        _batch, _height, _width, _channels = x.shape  # NHWC is the contract, even where nothing is drawn
        if not training:
            return x
        across, along = jax.random.split(self._key(key))
        batch = (x.shape[0],)
        mode = self.hyper.mode
        left_right = jax.random.bernoulli(across, 0.5, batch) & (mode != "vertical")
        up_down = jax.random.bernoulli(along, 0.5, batch) & (mode != "horizontal")
        return flipped(x, left_right, up_down)


class RandomRotation(_Random[*P]):
    """Each image turned about its center by a random angle while training, as Keras's `RandomRotation`.

    Args:
        factor: The angle's bound as a fraction of a full turn: uniform in
            [-factor * 2pi, factor * 2pi], one per image (0.1: up to 36 degrees either way).
        fill_mode: What the corners turned in show: ``"reflect"`` (Keras's default),
            ``"wrap"``, ``"constant"`` (`fill_value`) or ``"nearest"``.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_value: The value of ``"constant"``'s corners.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.RandomRotation(0.1, fill_mode="constant")(tn.Input(28, 28, 1)).shape
        (28, 28, 1)
    """

    hyper_type = RandomRotationHyper
    kind = "random_rotation"
    hyper: RandomRotationHyper

    def __init__(
        self,
        factor: float,
        *,
        fill_mode: FillMode = RandomRotationHyper.default("fill_mode"),
        interpolation: Interpolation = RandomRotationHyper.default("interpolation"),
        fill_value: float = RandomRotationHyper.default("fill_value"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        _batch, _height, _width, _channels = x.shape  # NHWC is the contract, even where nothing is drawn
        hyper = self.hyper
        if not training:
            return x
        bound = 2 * jnp.pi * hyper.factor
        angles = jax.random.uniform(self._key(key), (x.shape[0],), minval=-bound, maxval=bound)
        return rotated(
            x,
            angles,
            fill_mode=hyper.fill_mode,  # type: ignore[arg-type]  # validated: one of FILL_MODES
            interpolation=hyper.interpolation,  # type: ignore[arg-type]  # validated: one of INTERPOLATIONS
            fill_value=hyper.fill_value,
        )


class RandomCrop(_Random[*P]):
    """A random (height, width) window of each image while training, the center window otherwise.

    Keras's `RandomCrop`, but each image gets its own window (Keras: one per batch), and
    an image smaller than the window is refused (Keras resizes it).

    Args:
        height: The window's height, at most the image's.
        width: The window's width, at most the image's.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.RandomCrop(24, 24)(tn.Input(32, 32, 3)).shape
        (24, 24, 3)
    """

    hyper_type = RandomCropHyper
    kind = "random_crop"
    hyper: RandomCropHyper

    def __init__(self, height: int, width: int, *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        batch, full_height, full_width, _channels = x.shape  # NHWC is the contract
        height, width = ints((self.hyper.height, self.hyper.width), "the window's size")
        if not training:
            return centered(x, height, width)
        # A window larger than the image draws from an empty range: the slice refuses it below.
        down, across = jax.random.split(self._key(key))
        tops = jax.random.randint(down, (batch,), 0, max(full_height - height, 0) + 1)
        lefts = jax.random.randint(across, (batch,), 0, max(full_width - width, 0) + 1)
        return windows(x, tops, lefts, height, width)


class CenterCrop(Layer[*P]):
    """The center (height, width) window of each image, as Keras's `CenterCrop` (a smaller image is refused).

    Args:
        height: The window's height, at most the image's.
        width: The window's width, at most the image's.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.CenterCrop(24, 20)(tn.Input(32, 32, 3)).shape
        (24, 20, 3)
    """

    hyper_type = CenterCropHyper
    kind = "center_crop"
    hyper: CenterCropHyper

    def __init__(self, height: int, width: int, *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        _batch, _height, _width, _channels = x.shape  # NHWC is the contract
        height, width = ints((self.hyper.height, self.hyper.width), "the window's size")
        return centered(x, height, width)


class RandomBrightness(_Random[*P]):
    """Each image made brighter or darker at random while training, as Keras's `RandomBrightness`.

    Args:
        factor: `delta` is uniform in [-factor, factor], one per image, and
            `delta * (high - low)` is added to every value; at most 1.
        value_range: The (low, high) range of the pixels; the output is clipped to it.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.RandomBrightness(0.2, value_range=(0.0, 1.0))(tn.Input(32, 32, 3)).shape
        (32, 32, 3)
    """

    hyper_type = RandomBrightnessHyper
    kind = "random_brightness"
    hyper: RandomBrightnessHyper

    def __init__(
        self,
        factor: float,
        *,
        value_range: tuple[float, float] = RandomBrightnessHyper.default("value_range"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        _batch, _height, _width, _channels = x.shape  # NHWC is the contract, even where nothing is drawn
        if not training:
            return x
        factor = self.hyper.factor
        deltas = jax.random.uniform(self._key(key), (x.shape[0],), minval=-factor, maxval=factor)
        return brightened(x, deltas, self.hyper.value_range)


class RandomContrast(_Random[*P]):
    """Each image's contrast scaled at random while training, as Keras's `RandomContrast` documents it.

    Args:
        factor: The scale is uniform in [1 - factor, 1 + factor], one per image (Keras
            3.15's code draws from [1, 1 + factor] for a single float, against its own
            documentation); at most 1.
        value_range: The (low, high) range of the pixels; the output is clipped to it.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.RandomContrast(0.3)(tn.Input(32, 32, 3)).shape
        (32, 32, 3)
    """

    hyper_type = RandomContrastHyper
    kind = "random_contrast"
    hyper: RandomContrastHyper

    def __init__(
        self,
        factor: float,
        *,
        value_range: tuple[float, float] = RandomContrastHyper.default("value_range"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        _batch, _height, _width, _channels = x.shape  # NHWC is the contract, even where nothing is drawn
        if not training:
            return x
        factor = self.hyper.factor
        factors = jax.random.uniform(self._key(key), (x.shape[0],), minval=1 - factor, maxval=1 + factor)
        return contrasted(x, factors, self.hyper.value_range)
