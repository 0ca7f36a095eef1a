"""Padding masks: which positions of a sequence are real, from `Embedding(mask_zero=True)` on.

A mask is one bool per position, `(batch, *positions)`: the token ids' shape, True
where the id is not 0. It travels beside its tensor, as in Keras: whether a tensor
carries one is known when the model is wired (`Tensor.masked`), and the lowering
computes it (from the ids alone) only for those tensors. How each layer treats it is
its `masking`:

- ``"keep"``: the layer works position by position (Dense, an activation, dropout,
  LayerNorm, a residual `+`...); its output carries its inputs' mask.
- ``"use"``: the layer reads the mask in `apply_masked`: attention ignores padded
  keys, LSTM and GRU skip padded steps (their state carried over them), the 1-D global
  pools leave padding out; the output carries the query's or the sequence's mask, or
  none once the sequence axis is gone.
- ``"refuse"``: the layer would mix padded positions into real ones (a convolution, a
  reshape, batch statistics): applying it to a masked tensor is an error, where it is
  applied.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar, Literal, TypeAlias

import jax
import jax.numpy as jnp

from .._shapes import ShapeError
from ._tensor import Tensor

Masking: TypeAlias = Literal["keep", "use", "refuse"]

MaskArray: TypeAlias = jax.Array | None
"""A tensor's mask at run time: bool `(batch, *positions)`, or None for a tensor without one."""


def joined(masks: tuple[MaskArray, ...]) -> MaskArray:
    """The mask of a position-wise layer's output: real where every masked input is real.

    Example:
        >>> import jax.numpy as jnp
        >>> joined((jnp.array([[True, False]]), None, jnp.array([[True, True]]))).tolist()
        [[True, False]]
    """
    present = [mask for mask in masks if mask is not None]
    return functools.reduce(jnp.logical_and, present) if present else None


def refused(layer: str, hint: str | None = None) -> ShapeError:
    """The error for a masked tensor given to a layer that would mix padding into real positions."""
    return ShapeError(
        layer,
        "a tensor without a padding mask (this layer mixes positions, so padding would leak into real ones)",
        "a tensor that carries the padding mask of Embedding(..., mask_zero=True)",
        hint=hint
        or "reduce the sequence first with a layer that reads the mask (LSTM, GRU, MultiHeadAttention,"
        " GlobalAvgPool1D, GlobalMaxPool1D), or drop mask_zero=True",
    )


def masked_sequence(x: jax.Array, mask: MaskArray) -> jax.Array:
    """`x` with its padded positions set to 0 (a pool or a loss then leaves them out by weight)."""
    if mask is None:
        return x
    return jnp.where(mask.reshape(mask.shape + (1,) * (x.ndim - mask.ndim)), x, 0)


class KeepsFirstMask:
    """A mixin for layers that read masks and whose output has the first input's positions.

    Attention (the query's positions) and the transformer blocks (the target's): the
    output carries the first input's mask, whatever the others carry.
    """

    masking: ClassVar[Masking] = "use"

    def passes_mask(self, inputs: tuple[Tensor[*tuple[Any, ...]], ...]) -> bool:
        return inputs[0].masked

    def output_mask(self, masks: tuple[MaskArray, ...], *xs: jax.Array) -> MaskArray:
        return masks[0]
