"""MultiHeadAttention: self- or cross-attention on (sequence, features) inputs, lowered as flax.nnx does it."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .._errors import TypednnError
from .._shapes import MultiHeadAttentionHyper, Shape
from ._base import Layer, P, ParamTree
from ._lowering import bias_init, concrete, kernel_init
from ._masks import KeepsFirstMask, MaskArray

# flax.nnx.MultiHeadAttention's four LinearGeneral projections, in its order; each
# gives the parameters `<name>_kernel` and, with use_bias, `<name>_bias`.
PROJECTIONS = ("query", "key", "value", "out")


class MultiHeadAttention(KeepsFirstMask, Layer[*P]):
    """Multi-head dot-product attention over the first axis of (sequence, features) inputs.

    `attention(x)` is self-attention; `attention(query, context)` is cross-attention
    from a `(Tq, f)` query to a `(Tk, g)` context, whose positions give the keys and the
    values (an encoder-decoder's memory); the result is `(Tq, out_features or f)`.

    The layer and its parameters are those of `flax.nnx.MultiHeadAttention` (with
    ``decode=False``; `in_kv_features` is the context's features): each of its `query`,
    `key`, `value` and `out` projections' kernel and bias is the parameter
    `query_kernel`, `query_bias`... with the same shape, and the forward pass uses the
    same operations. With a context, the `key` and `value` kernels are `(g, heads,
    qkv_features // heads)`.

    Args:
        heads: The number of attention heads; it must divide `qkv_features`.
        qkv_features: The features of the queries, keys and values together (split
            over the heads); the input's features by default.
        out_features: The output features; the input's features by default.
        causal: Whether position i attends only to positions j <= i (a decoder's mask,
            as `flax.nnx.make_causal_mask` makes it); with a context, one as long as
            the query.
        use_bias: Whether the projections add a learned bias.
        dropout_rate: The fraction of attention weights dropped while training (one
            pattern shared across the batch and the heads, as Flax does by default).
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.MultiHeadAttention(8)(tn.Input(10, 64)).shape
        (10, 64)
        >>> nn.MultiHeadAttention(4, qkv_features=32, out_features=16, causal=True)(tn.Input(10, 64)).shape
        (10, 16)
        >>> nn.MultiHeadAttention(4)(tn.Input(10, 64), tn.Input(7, 48)).shape  # cross-attention
        (10, 64)
    """

    hyper_type = MultiHeadAttentionHyper
    kind = "multi_head_attention"
    hyper: MultiHeadAttentionHyper

    def __init__(
        self,
        heads: int,
        *,
        qkv_features: int | None = MultiHeadAttentionHyper.default("qkv_features"),
        out_features: int | None = MultiHeadAttentionHyper.default("out_features"),
        causal: bool = MultiHeadAttentionHyper.default("causal"),
        use_bias: bool = MultiHeadAttentionHyper.default("use_bias"),
        dropout_rate: float = MultiHeadAttentionHyper.default("dropout_rate"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    @property
    def stochastic(self) -> bool:
        return self.hyper.dropout_rate > 0

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        x, *context = inputs
        p = self.hyper
        features = concrete(x.last, f"{self!r}: the input features")
        # Keys and values are projected from the context's features (flax's in_kv_features).
        kv = concrete(context[0].last, f"{self!r}: the context features") if context else features
        heads = concrete(p.heads, f"{self!r}: heads")
        qkv = features if p.qkv_features is None else concrete(p.qkv_features, f"{self!r}: qkv_features")
        out = features if p.out_features is None else concrete(p.out_features, f"{self!r}: out_features")
        # As LinearGeneral makes them: the flat matrix (so the fan-in is all the input
        # features), reshaped to the kernel; the bias has the output axes. Splitting
        # qkv_features over the heads is a reshape, which fails when heads does not divide it.
        layouts = {
            "query": ((features, qkv), (features, heads, -1), (heads, -1)),
            "key": ((kv, qkv), (kv, heads, -1), (heads, -1)),
            "value": ((kv, qkv), (kv, heads, -1), (heads, -1)),
            "out": ((qkv, out), (heads, -1, out), (out,)),
        }
        params: ParamTree = {}
        for name, projection_key in zip(PROJECTIONS, jax.random.split(key, len(PROJECTIONS))):
            flat, kernel, bias = layouts[name]
            params[f"{name}_kernel"] = jnp.reshape(kernel_init(projection_key, flat, jnp.float32), kernel)
            if p.use_bias:
                params[f"{name}_bias"] = jnp.reshape(bias_init(projection_key, flat[1:], jnp.float32), bias)
        return params

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return self.attend(params, *xs, keys_mask=None, key=key, training=training)

    def apply_masked(
        self, params: ParamTree, *xs: jax.Array, masks: tuple[MaskArray, ...], key: jax.Array | None, training: bool
    ) -> jax.Array:
        # Padded keys (of the context, or of the sequence itself) get no attention.
        return self.attend(params, *xs, keys_mask=masks[-1], key=key, training=training)

    def attend(
        self, params: ParamTree, *xs: jax.Array, keys_mask: MaskArray, key: jax.Array | None, training: bool
    ) -> jax.Array:
        """The forward computation, padded keys (`keys_mask` False, `(batch, keys)`) left out."""
        x, *context = xs
        batch, length, _ = x.shape  # (batch, sequence, features): another rank is not a sequence
        memory = context[0] if context else x
        _, memory_length, _ = memory.shape
        if self.hyper.causal and memory_length != length:
            # The rule refuses this; a direct call of `apply` must not broadcast a wrong mask.
            raise TypednnError(
                f"{self!r}: causal attention needs a context as long as the query ({length}), not {memory_length}",
                hint="drop causal=True for cross-attention to a context of another length",
            )
        # The mask first, where a Flax caller makes it (before calling the module).
        mask = _causal_mask(batch, length) if self.hyper.causal else None
        if keys_mask is not None:
            padding = keys_mask[:, None, None, :].astype(jnp.float32)  # (batch, 1, 1, keys), as Keras's
            mask = padding if mask is None else mask * padding
        query = _project_in(x, params, "query")
        key_, value = (_project_in(memory, params, name) for name in ("key", "value"))
        rate = self.hyper.dropout_rate
        if rate == 0.0:
            # flax.nnx.dot_product_attention's path without dropout.
            attended = jax.nn.dot_product_attention(
                query, key_, value, None, None if mask is None else mask.astype(jnp.bool)
            )
        else:
            if training and key is None:
                raise TypednnError(
                    f"{self!r} needs a random key while training",
                    hint="pass key=jax.random.key(...) to apply(..., training=True); tn.Trainer does this for you",
                )
            weights = _attention_weights(query, key_, mask, rate, key if training else None)
            attended = jnp.einsum("...hqk,...khd->...qhd", weights, value)
        y = lax.dot_general(attended, params["out_kernel"], (((2, 3), (0, 1)), ((), ())))
        if "out_bias" in params:
            y += jnp.reshape(params["out_bias"], (1, 1, -1))
        return y


def _project_in(x: jax.Array, params: ParamTree, name: str) -> jax.Array:
    """`(batch, sequence, features)` to `(batch, sequence, heads, head features)`, as LinearGeneral."""
    y = lax.dot_general(x, params[f"{name}_kernel"], (((2,), (0,)), ((), ())))
    if f"{name}_bias" in params:
        y += jnp.reshape(params[f"{name}_bias"], (1, 1, *params[f"{name}_bias"].shape))
    return y


def _causal_mask(batch: int, length: int) -> jax.Array:
    """`flax.nnx.make_causal_mask` of a (batch, length) input: (batch, 1, length, length), 1 where j <= i."""
    idxs = jnp.broadcast_to(jnp.arange(length, dtype=jnp.int32), (batch, length))
    mask = jnp.greater_equal(jnp.expand_dims(idxs, axis=-1), jnp.expand_dims(idxs, axis=-2))
    return jnp.expand_dims(mask, axis=-3).astype(jnp.float32)


def _attention_weights(
    query: jax.Array, key: jax.Array, mask: jax.Array | None, rate: float, dropout_key: jax.Array | None
) -> jax.Array:
    """flax.nnx.dot_product_attention_weights with broadcast dropout, when `dropout_key` is given."""
    dtype = query.dtype
    query = query / jnp.sqrt(query.shape[-1]).astype(dtype)
    weights = jnp.einsum("...qhd,...khd->...hqk", query, key)
    if mask is not None:
        weights = jnp.where(mask.astype(dtype), weights, np.finfo(dtype).min)  # jnp.finfo is np.finfo, typed
    weights = jax.nn.softmax(weights).astype(dtype)
    if dropout_key is not None:
        keep_prob = 1.0 - rate
        # One pattern for every example and head: (1, 1, queries, keys).
        shape = (1,) * (key.ndim - 2) + weights.shape[-2:]
        keep = jax.random.bernoulli(dropout_key, keep_prob, shape)
        weights = weights * (keep.astype(dtype) / jnp.asarray(keep_prob, dtype=dtype))
    return weights
