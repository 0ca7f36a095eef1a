"""Embedding (token ids to vectors) and positional embeddings, with flax.nnx's operations."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .._shapes import EmbeddingHyper, PositionEmbeddingHyper, Shape, SinusoidalPositionEmbeddingHyper
from ._base import Layer, P, ParamTree
from ._lowering import concrete
from ._masks import MaskArray
from ._tensor import Tensor

# flax.nnx.Embed's initialiser: normal, variance 1 / features.
embedding_init = jax.nn.initializers.variance_scaling(1.0, "fan_in", "normal", out_axis=0)
# Learned positions start small, as in BERT and GPT-2.
position_init = jax.nn.initializers.normal(stddev=0.02)


class Embedding(Layer[*P]):
    """A learned vector per token id: `(...)` ids -> `(..., features)`.

    It takes a `tn.Tokens` tensor (`tn.Input(..., dtype="int32")`); mypy rejects float
    features. Ids must lie in `[0, vocab)`: `Trainer.fit`, `evaluate` and `predict`
    check the data and name the first row that breaks this. `Model.apply` itself, like
    flax.nnx.Embed, gives NaN for an id >= vocab and wraps a negative one (NumPy indexing).

    With `mask_zero=True` (Keras's name), id 0 is padding: the output carries a mask
    (True where the id is not 0) that the layers after it respect, so a batch of
    sequences padded with 0 at their ends gives, at the real positions, what each
    sequence alone would (see "Padding masks" in docs/api.md and `layers/_masks.py`).
    Id 0 still has a vector; real ids then start at 1, so `vocab` counts the padding.

    Args:
        vocab: The number of distinct ids.
        features: The size of each vector.
        mask_zero: Whether id 0 is padding, masked out downstream.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Embedding(1000, 64)(tn.Input(128, dtype="int32")).shape
        (128, 64)
        >>> nn.Embedding(1000, 64, mask_zero=True)(tn.Input(128, dtype="int32")).masked
        True
    """

    hyper_type = EmbeddingHyper
    kind = "embedding"
    hyper: EmbeddingHyper
    masking = "use"

    def __init__(
        self,
        vocab: int,
        features: int,
        *,
        mask_zero: bool = EmbeddingHyper.default("mask_zero"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def passes_mask(self, inputs: tuple[Tensor[*tuple[Any, ...]], ...]) -> bool:
        return self.hyper.mask_zero is True

    def output_mask(self, masks: tuple[MaskArray, ...], *xs: jax.Array) -> MaskArray:
        (ids,) = xs
        return ids != 0

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        shape = (concrete(self.hyper.vocab, f"{self!r}: vocab"), concrete(self.hyper.features, f"{self!r}: features"))
        return {"embedding": embedding_init(key, shape, jnp.float32)}

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (ids,) = xs
        return jnp.take(params["embedding"], ids, axis=0)  # as flax.nnx.Embed


class PositionEmbedding(Layer[*P]):
    """Adds a learned vector per position to `(sequence, features)`, as BERT and GPT do.

    Args:
        max_length: The longest sequence it takes; shorter ones use the first positions.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.PositionEmbedding(512)(tn.Input(128, 64)).shape
        (128, 64)
    """

    hyper_type = PositionEmbeddingHyper
    kind = "position_embedding"
    masking = "keep"
    hyper: PositionEmbeddingHyper

    def __init__(self, max_length: int, *, name: str | None = None) -> None:
        self._init_from(locals())

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        (x,) = inputs
        length = concrete(self.hyper.max_length, f"{self!r}: max_length")
        return {"embedding": position_init(key, (length, concrete(x.last, f"{self!r}: the features")), jnp.float32)}

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        # A strict slice: a sequence longer than the table fails rather than broadcasting.
        return x + lax.slice_in_dim(params["embedding"], 0, x.shape[-2])[None]


def sinusoids(length: int, features: int, max_wavelength: int) -> np.ndarray:
    """The fixed encoding: sine at even features, cosine at odd ones, wavelengths growing geometrically.

    An odd number of features ends with a sine.

    Example:
        >>> sinusoids(3, 4, 10_000)[1].astype(float).round(3).tolist()
        [0.841, 0.54, 0.01, 1.0]
    """
    positions = np.arange(length, dtype=np.float64)[:, None]
    rates = np.exp(-math.log(max_wavelength) * (np.arange(features) // 2 * 2) / features)
    angles = positions * rates[None, :]
    table = np.where(np.arange(features) % 2 == 0, np.sin(angles), np.cos(angles))
    return table.astype(np.float32)


_WAVELENGTH = SinusoidalPositionEmbeddingHyper.default("max_wavelength")


class SinusoidalPositionEmbedding(Layer[*P]):
    """Adds the fixed sine/cosine position encoding to `(sequence, features)`; no parameters.

    Args:
        max_wavelength: The longest wavelength, in positions.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.SinusoidalPositionEmbedding()(tn.Input(128, 64)).shape
        (128, 64)
    """

    hyper_type = SinusoidalPositionEmbeddingHyper
    kind = "sinusoidal_position_embedding"
    masking = "keep"
    hyper: SinusoidalPositionEmbeddingHyper

    def __init__(self, *, max_wavelength: int = _WAVELENGTH, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        table = sinusoids(x.shape[-2], x.shape[-1], concrete(self.hyper.max_wavelength, "max_wavelength"))
        return x + jnp.asarray(table[None], x.dtype)
