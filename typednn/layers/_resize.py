"""UpSampling2D and ZeroPadding2D on NHWC images."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._shapes import UpSampling2DHyper, ZeroPadding2DHyper
from ._base import Layer, P, ParamTree
from ._lowering import ints


class UpSampling2D(Layer[*P]):
    """Each pixel repeated `size` times along height and width (nearest neighbour), as in Keras.

    Args:
        size: The factor, an int or a (height, width) pair.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.UpSampling2D(2)(tn.Input(7, 7, 16)).shape
        (14, 14, 16)
        >>> nn.UpSampling2D((2, 3))(tn.Input(7, 5, 16)).shape
        (14, 15, 16)
    """

    hyper_type = UpSampling2DHyper
    kind = "up_sampling2d"
    hyper: UpSampling2DHyper

    def __init__(self, size: int | tuple[int, int], *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        # jnp.repeat per spatial axis, as Keras's UpSampling2D (nearest) and Flax users write it.
        (x,) = xs
        _batch, _height, _width, _channels = x.shape  # NHWC: repeat would take any rank
        along_height, along_width = ints(self.hyper.factors(), "size")
        return jnp.repeat(jnp.repeat(x, along_height, axis=1), along_width, axis=2)


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
