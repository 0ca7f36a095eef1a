"""Flatten and Reshape."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._shapes import Dim, FlattenHyper, ReshapeHyper
from ._base import Layer, P, ParamTree


class Flatten(Layer[*P]):
    """All axes of an example as one (the batch axis is kept).

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Flatten()(tn.Input(13, 13, 32)).shape
        (5408,)
    """

    hyper_type = FlattenHyper
    kind = "flatten"

    def __init__(self, *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        return jnp.reshape(x, (x.shape[0], -1))


class Reshape(Layer[*P]):
    """The same elements on new axes; one axis may be -1 to infer it.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Reshape(28, 28, 1)(tn.Input(784)).shape
        (28, 28, 1)
    """

    hyper_type = ReshapeHyper
    kind = "reshape"
    hyper: ReshapeHyper

    def __init__(self, *shape: int | type[Dim], name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        # Symbolic axes take their size from the data: let the one free axis absorb them.
        dims = [d if isinstance(d, int) else -1 for d in self.hyper.shape]
        return jnp.reshape(x, (x.shape[0], *dims))
