"""Cropping1D on NLC sequences and Cropping2D on NHWC images."""

from __future__ import annotations

import jax
from jax import lax

from .._shapes import Cropping1DHyper, Cropping2DHyper
from ._base import Layer, P, ParamTree
from ._lowering import ints


def _cropped(x: jax.Array, ends: tuple[tuple[int, ...], ...]) -> jax.Array:
    """`x` less `ends[i]` = (start, end) positions on spatial axis i + 1, batch and channels kept.

    `lax.slice` rather than `x[:, a:-b]`: a negative limit would count from the end and
    quietly keep positions a cropping larger than the axis must refuse.
    """
    starts = (0, *(start for start, _end in ends), 0)
    limits = (x.shape[0], *(size - end for size, (_start, end) in zip(x.shape[1:-1], ends, strict=True)), x.shape[-1])
    return lax.slice(x, starts, limits)


class Cropping1D(Layer[*P]):
    """Positions cut off the start and the end of each sequence, as in Keras (channels last).

    Args:
        cropping: An int (both ends) or a (start, end) pair.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Cropping1D(2)(tn.Input(10, 16)).shape
        (6, 16)
        >>> nn.Cropping1D((0, 3))(tn.Input(10, 16)).shape
        (7, 16)
    """

    hyper_type = Cropping1DHyper
    kind = "cropping1d"
    hyper: Cropping1DHyper

    def __init__(self, cropping: int | tuple[int, int], *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        _batch, _length, _channels = x.shape  # NLC is the contract
        return _cropped(x, (ints(self.hyper.ends(), "cropping"),))


class Cropping2D(Layer[*P]):
    """Rows and columns cut off the borders of each image, as in Keras (NHWC).

    Args:
        cropping: An int (all four sides), a (height, width) pair (both sides of each axis),
            or ((top, bottom), (left, right)).
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Cropping2D(1)(tn.Input(28, 28, 1)).shape
        (26, 26, 1)
        >>> nn.Cropping2D(((0, 1), (2, 3)))(tn.Input(28, 28, 1)).shape
        (27, 23, 1)
    """

    hyper_type = Cropping2DHyper
    kind = "cropping2d"
    hyper: Cropping2DHyper

    def __init__(
        self, cropping: int | tuple[int, int] | tuple[tuple[int, int], tuple[int, int]], *, name: str | None = None
    ) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        _batch, _height, _width, _channels = x.shape  # NHWC is the contract
        height, width = self.hyper.crops()
        return _cropped(x, (ints(height, "cropping"), ints(width, "cropping")))
