"""Merges: `a + b` (Add), Multiply and `concat` (Concatenate)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .._shapes import AddHyper, ConcatenateHyper, MultiplyHyper
from ._base import Layer, P, ParamTree
from ._masks import refused
from ._tensor import Tensor


class Add(Layer[*P]):
    """The elementwise sum of tensors of one shape; what `a + b` builds."""

    hyper_type = AddHyper
    kind = "add"
    masking = "keep"

    def __init__(self, *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        total = xs[0]
        for x in xs[1:]:
            total = total + x
        return total


class Multiply(Layer[*P]):
    """The elementwise product of tensors of one shape: Keras's `Multiply` (a gate, squeeze-and-excitation).

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(8, 16)
        >>> nn.Multiply()(x, x >> nn.Dense(16) >> nn.sigmoid).shape
        (8, 16)
    """

    hyper_type = MultiplyHyper
    kind = "multiply"
    masking = "keep"

    def __init__(self, *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        product = xs[0]
        for x in xs[1:]:
            product = product * x
        return product


class Concatenate(Layer[*P]):
    """Tensors joined along one axis (negative axes count from the end)."""

    hyper_type = ConcatenateHyper
    kind = "concat"
    masking = "keep"
    hyper: ConcatenateHyper

    def __init__(self, *, axis: int = ConcatenateHyper.default("axis"), name: str | None = None) -> None:
        self._init_from(locals())

    def passes_mask(self, inputs: tuple[Tensor[*tuple[Any, ...]], ...]) -> bool:
        # Joining features keeps each position; joining along another axis moves them.
        rank = len(inputs[0].shape.dims)
        if any(t.masked for t in inputs) and self.hyper.axis not in (-1, rank - 1):
            raise refused(repr(self), hint="concatenate masked sequences along the features (axis=-1) only")
        return super().passes_mask(inputs)

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        axis = self.hyper.axis
        # Axes count the example's axes; the batch axis comes first in the arrays.
        return jnp.concatenate(xs, axis=axis if axis < 0 else axis + 1)


def concat(
    *tensors: Tensor[*tuple[Any, ...]], axis: int = ConcatenateHyper.default("axis")
) -> Tensor[*tuple[Any, ...]]:
    """Join tensors along `axis`; every other axis must agree.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.concat(tn.Input(10, 300), tn.Input(10, 484), axis=-1).shape
        (10, 784)
    """
    return Concatenate(axis=axis)(*tensors)


def residual(
    x: Tensor[*tuple[Any, ...]],
    block: Layer[*tuple[Any, ...]],
    *,
    shortcut: Layer[*tuple[Any, ...]] | None = None,
) -> Tensor[*tuple[Any, ...]]:
    """`block(x) + x`, or `block(x) + shortcut(x)`: a residual connection, as ResNets write it.

    The block's output must have the shortcut's shape (`Add`'s rule); mypy checks that
    when the sizes are literals. A `shortcut` (e.g. a strided 1x1 convolution) matches
    the shapes where the block changes them.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(8, 8, 16)
        >>> nn.residual(x, nn.Conv2D(16, kernel=3, padding="same") >> nn.relu).shape
        (8, 8, 16)
        >>> down = nn.Conv2D(32, kernel=3, stride=2, padding="same")
        >>> nn.residual(x, down, shortcut=nn.Conv2D(32, kernel=1, stride=2)).shape
        (4, 4, 32)
    """
    return Add()(block(x), x if shortcut is None else shortcut(x))
