"""MaxPool1D/2D/3D and AvgPool1D/2D/3D on NLC sequences, NHWC images and NDHWC volumes."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
from jax import lax

from .._shapes import (
    AvgPool1DHyper,
    AvgPool2DHyper,
    AvgPool3DHyper,
    MaxPool1DHyper,
    MaxPool2DHyper,
    MaxPool3DHyper,
    PoolHyper,
)
from ._base import Layer, P, Padding, ParamTree
from ._lowering import ints


class _Pool(Layer[*P]):
    """The lowering of a pool over any number of spatial axes."""

    hyper_type: ClassVar[type[PoolHyper]]
    hyper: PoolHyper

    def pool(self, x: jax.Array, init: float, reduce: Callable[[Any, Any], Any]) -> jax.Array:
        # lax.reduce_window with flax.nnx.max_pool's and avg_pool's arguments.
        p = self.hyper
        window = (1, *ints(p.per_axis("window"), "window"), 1)
        strides = (1, *ints(p.strides(), "stride"), 1)
        pooled: jax.Array = lax.reduce_window(x, init, reduce, window, strides, p.padding.upper())
        return pooled

    def max(self, x: jax.Array) -> jax.Array:
        return self.pool(x, -jnp.inf, lax.max)

    def mean(self, x: jax.Array) -> jax.Array:
        # flax's avg_pool counts padding in the window (count_include_pad=True).
        return self.pool(x, 0.0, lax.add) / math.prod(ints(self.hyper.per_axis("window"), "window"))


class _Pool1D(_Pool[*P]):
    def __init__(
        self,
        window: int,
        *,
        stride: int | None = MaxPool1DHyper.default("stride"),
        padding: Padding = MaxPool1DHyper.default("padding"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())


class _Pool2D(_Pool[*P]):
    def __init__(
        self,
        window: int | tuple[int, int],
        *,
        stride: int | tuple[int, int] | None = MaxPool2DHyper.default("stride"),
        padding: Padding = MaxPool2DHyper.default("padding"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())


class _Pool3D(_Pool[*P]):
    def __init__(
        self,
        window: int | tuple[int, int, int],
        *,
        stride: int | tuple[int, int, int] | None = MaxPool3DHyper.default("stride"),
        padding: Padding = MaxPool3DHyper.default("padding"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())


class MaxPool1D(_Pool1D[*P]):
    """The maximum of each window along the length, per channel; the stride defaults to the window.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.MaxPool1D(4)(tn.Input(100, 16)).shape
        (25, 16)
    """

    hyper_type = MaxPool1DHyper
    kind = "max_pool1d"

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return self.max(xs[0])


class AvgPool1D(_Pool1D[*P]):
    """The mean of each window along the length, per channel; the stride defaults to the window.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.AvgPool1D(3, stride=1, padding="same")(tn.Input(10, 4)).shape
        (10, 4)
    """

    hyper_type = AvgPool1DHyper
    kind = "avg_pool1d"

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return self.mean(xs[0])


class MaxPool2D(_Pool2D[*P]):
    """The maximum of each window, per channel; the stride defaults to the window.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.MaxPool2D(2)(tn.Input(26, 26, 32)).shape
        (13, 13, 32)
    """

    hyper_type = MaxPool2DHyper
    kind = "max_pool2d"

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return self.max(xs[0])


class AvgPool2D(_Pool2D[*P]):
    """The mean of each window, per channel; the stride defaults to the window.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.AvgPool2D(2, stride=1)(tn.Input(8, 8, 3)).shape
        (7, 7, 3)
    """

    hyper_type = AvgPool2DHyper
    kind = "avg_pool2d"

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return self.mean(xs[0])


class MaxPool3D(_Pool3D[*P]):
    """The maximum of each (depth, height, width) window, per channel; the stride defaults to the window.

    Args:
        window: The window size, an int or a (depth, height, width) triple.
        stride: The step between windows (default: the window).
        padding: ``"valid"`` (no padding) or ``"same"`` (output size = ceil(input / stride)).
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.MaxPool3D((1, 2, 2))(tn.Input(8, 32, 32, 16)).shape
        (8, 16, 16, 16)
    """

    hyper_type = MaxPool3DHyper
    kind = "max_pool3d"

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return self.max(xs[0])


class AvgPool3D(_Pool3D[*P]):
    """The mean of each (depth, height, width) window, per channel; the stride defaults to the window.

    As in flax, a ``"same"`` window that overhangs the input counts the padding as zeros.

    Args:
        window: The window size, an int or a (depth, height, width) triple.
        stride: The step between windows (default: the window).
        padding: ``"valid"`` (no padding) or ``"same"`` (output size = ceil(input / stride)).
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.AvgPool3D(2)(tn.Input(4, 8, 8, 3)).shape
        (2, 4, 4, 3)
    """

    hyper_type = AvgPool3DHyper
    kind = "avg_pool3d"

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return self.mean(xs[0])
