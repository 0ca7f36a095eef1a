"""MaxPool2D and AvgPool2D on NHWC images."""

from __future__ import annotations

import jax
from flax import nnx
from typing_extensions import Unpack

from .._shapes import AvgPool2DParams, MaxPool2DParams, Pool2DParams
from ._base import Layer, P, Padding, ParamTree
from ._lowering import ints


class _Pool2D(Layer[Unpack[P]]):
    params: Pool2DParams

    def __init__(
        self,
        window: int | tuple[int, int],
        *,
        stride: int | tuple[int, int] | None = Pool2DParams.default("stride"),
        padding: Padding = Pool2DParams.default("padding"),
        name: str | None = None,
    ) -> None:
        super().__init__(self.params_type(window=window, stride=stride, padding=padding), name=name)

    def lowering_args(self) -> tuple[tuple[int, ...], tuple[int, ...], str]:
        p = self.params
        return ints(p.window, "window"), ints(p.strides(), "stride"), p.padding.upper()


class MaxPool2D(_Pool2D[Unpack[P]]):
    """The maximum of each window, per channel; the stride defaults to the window.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.MaxPool2D(2)(tn.Input(26, 26, 32)).shape
        (13, 13, 32)
    """

    params_type = MaxPool2DParams

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        window, stride, padding = self.lowering_args()
        return nnx.max_pool(xs[0], window, stride, padding)


class AvgPool2D(_Pool2D[Unpack[P]]):
    """The mean of each window, per channel; the stride defaults to the window.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.AvgPool2D(2, stride=1)(tn.Input(8, 8, 3)).shape
        (7, 7, 3)
    """

    params_type = AvgPool2DParams

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        window, stride, padding = self.lowering_args()
        return nnx.avg_pool(xs[0], window, stride, padding)
