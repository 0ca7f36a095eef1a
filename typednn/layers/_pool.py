"""MaxPool2D and AvgPool2D on NHWC images."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
from jax import lax

from .._shapes import AvgPool2DParams, MaxPool2DParams, Pool2DParams
from ._base import Layer, P, Padding, ParamTree
from ._lowering import ints


class _Pool2D(Layer[*P]):
    params_type: ClassVar[type[Pool2DParams]]
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

    def pool(self, x: jax.Array, init: float, reduce: Callable[[Any, Any], Any]) -> jax.Array:
        # lax.reduce_window with flax.nnx.max_pool's and avg_pool's arguments.
        p = self.params
        window = (1, *ints(p.window, "window"), 1)
        strides = (1, *ints(p.strides(), "stride"), 1)
        pooled: jax.Array = lax.reduce_window(x, init, reduce, window, strides, p.padding.upper())
        return pooled


class MaxPool2D(_Pool2D[*P]):
    """The maximum of each window, per channel; the stride defaults to the window.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.MaxPool2D(2)(tn.Input(26, 26, 32)).shape
        (13, 13, 32)
    """

    params_type = MaxPool2DParams
    kind = "max_pool2d"

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return self.pool(xs[0], -jnp.inf, lax.max)


class AvgPool2D(_Pool2D[*P]):
    """The mean of each window, per channel; the stride defaults to the window.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.AvgPool2D(2, stride=1)(tn.Input(8, 8, 3)).shape
        (7, 7, 3)
    """

    params_type = AvgPool2DParams
    kind = "avg_pool2d"

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        p = self.params
        return self.pool(xs[0], 0.0, lax.add) / math.prod(ints(p.window, "window"))
