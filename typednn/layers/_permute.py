"""Permute and RepeatVector."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._shapes import PermuteHyper, RepeatVectorHyper
from ._base import Layer, P, ParamTree
from ._lowering import concrete


class Permute(Layer[*P]):
    """The axes of each example reordered, as Keras's `Permute`; the batch axis stays first.

    Args:
        dims: A permutation of 1..rank: output axis i is input axis ``dims[i]``, counted
            from 1 without the batch axis.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Permute((2, 1))(tn.Input(10, 64)).shape
        (64, 10)
        >>> nn.Permute((2, 1, 3))(tn.Input(4, 5, 6)).shape
        (5, 4, 6)
    """

    hyper_type = PermuteHyper
    kind = "permute"
    hyper: PermuteHyper

    def __init__(self, dims: tuple[int, ...], *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        # As Keras writes it: the batch axis (0) first, then the example's axes as dims orders them.
        dims = self.hyper.dims
        axes = tuple(concrete(d, "dims") for d in (dims if isinstance(dims, tuple) else (dims,)))
        return jnp.transpose(xs[0], (0, *axes))


class RepeatVector(Layer[*P]):
    """Each feature vector repeated `n` times along a new axis: (features,) to (n, features).

    Args:
        n: How many times.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.RepeatVector(3)(tn.Input(32)).shape
        (3, 32)
    """

    hyper_type = RepeatVectorHyper
    kind = "repeat_vector"
    hyper: RepeatVectorHyper

    def __init__(self, n: int, *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        batch, features = x.shape  # one vector per example is the contract
        # Keras's RepeatVector: a new axis after the batch, repeated n times.
        return jnp.broadcast_to(x[:, None, :], (batch, concrete(self.hyper.n, "n"), features))
