"""UpSampling2D, Resizing and ZeroPadding2D on NHWC images."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._shapes import Interpolation, ResizingHyper, UpSampling2DHyper, ZeroPadding2DHyper
from ._base import Layer, P, ParamTree
from ._lowering import ints


def _resized(x: jax.Array, height: int, width: int, method: str) -> jax.Array:
    # Keras 3's resize on the JAX backend: jax.image.resize without antialiasing (Keras's
    # default), which only a downscale would change.
    batch, _height, _width, channels = x.shape  # NHWC: resize would take any rank
    resized: jax.Array = jax.image.resize(x, (batch, height, width, channels), method=method, antialias=False)
    return resized


class UpSampling2D(Layer[*P]):
    """Height and width multiplied by `size`, as in Keras: pixels repeated, or interpolated.

    Args:
        size: The factor, an int or a (height, width) pair.
        interpolation: ``"nearest"`` repeats each pixel; ``"bilinear"`` interpolates
            between them (`jax.image.resize`'s bilinear, as Keras computes it).
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.UpSampling2D(2)(tn.Input(7, 7, 16)).shape
        (14, 14, 16)
        >>> nn.UpSampling2D((2, 3))(tn.Input(7, 5, 16)).shape
        (14, 15, 16)
        >>> nn.UpSampling2D(2, interpolation="bilinear")(tn.Input(7, 5, 16)).shape
        (14, 10, 16)
    """

    hyper_type = UpSampling2DHyper
    kind = "up_sampling2d"
    hyper: UpSampling2DHyper

    def __init__(
        self,
        size: int | tuple[int, int],
        *,
        interpolation: Interpolation = UpSampling2DHyper.default("interpolation"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        _batch, height, width, _channels = x.shape  # NHWC: repeat would take any rank
        along_height, along_width = ints(self.hyper.factors(), "size")
        if self.hyper.interpolation == "bilinear":
            return _resized(x, height * along_height, width * along_width, "bilinear")
        # jnp.repeat per spatial axis, as Keras's UpSampling2D (nearest) and Flax users write it.
        return jnp.repeat(jnp.repeat(x, along_height, axis=1), along_width, axis=2)


class Resizing(Layer[*P]):
    """Each image resized to (height, width), as Keras's `Resizing` preprocessing layer.

    Args:
        height: The output height.
        width: The output width.
        interpolation: ``"bilinear"`` or ``"nearest"``, computed by `jax.image.resize`
            without antialiasing, as Keras does on JAX.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Resizing(224, 160)(tn.Input(480, 640, 3)).shape
        (224, 160, 3)
        >>> nn.Resizing(8, 8, interpolation="nearest")(tn.Input(32, 32, 1)).shape
        (8, 8, 1)
    """

    hyper_type = ResizingHyper
    kind = "resizing"
    hyper: ResizingHyper

    def __init__(
        self,
        height: int,
        width: int,
        *,
        interpolation: Interpolation = ResizingHyper.default("interpolation"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        height, width = ints((self.hyper.height, self.hyper.width), "the output size")
        return _resized(xs[0], height, width, self.hyper.interpolation)


class ZeroPadding2D(Layer[*P]):
    """Rows and columns of zeros around each image, as in Keras.

    Args:
        padding: An int (all four sides), a (height, width) pair (both sides of each axis),
            or ((top, bottom), (left, right)).
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.ZeroPadding2D(1)(tn.Input(28, 28, 1)).shape
        (30, 30, 1)
        >>> nn.ZeroPadding2D(((0, 1), (2, 3)))(tn.Input(28, 28, 1)).shape
        (29, 33, 1)
    """

    hyper_type = ZeroPadding2DHyper
    kind = "zero_padding2d"
    hyper: ZeroPadding2DHyper

    def __init__(
        self, padding: int | tuple[int, int] | tuple[tuple[int, int], tuple[int, int]], *, name: str | None = None
    ) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        height, width = self.hyper.pads()
        # jnp.pad refuses an array of another rank than the four pairs given.
        return jnp.pad(x, ((0, 0), ints(height, "padding"), ints(width, "padding"), (0, 0)))
