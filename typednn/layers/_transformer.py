"""Transformer encoder and decoder blocks: built from the library's own attention, norm, dense and dropout lowerings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax

from .._errors import TypednnError
from .._shapes import (
    DenseHyper,
    LayerNormHyper,
    Shape,
    Size,
    TransformerDecoderBlockHyper,
    TransformerEncoderBlockHyper,
)
from ._attention import MultiHeadAttention
from ._base import Layer, P, ParamTree
from ._dense import Dense
from ._elementwise import Activation, Dropout
from ._masks import KeepsFirstMask, MaskArray
from ._norm import LayerNorm

AnyLayer = Layer[*tuple[Any, ...]]


class TransformerEncoderBlock(KeepsFirstMask, Layer[*P]):
    """A pre-norm Transformer encoder block on `(sequence, features)`; the shape stays.

    `h = x + dropout(attention(norm(x)))`, then `h + dropout(dense(gelu(dense(norm(h)))))`,
    as GPT-2 and ViT write it. Its parameters are its parts', prefixed by the part:
    `attention_query_kernel`, `mlp_in_kernel`, `norm1_scale`...

    Args:
        heads: Attention heads; they must divide the features.
        mlp_features: The feed-forward network's hidden size (often 4x the features).
        dropout_rate: Dropout after the attention weights, the attention and the MLP.
        causal: Whether each position attends only to itself and earlier ones.
        epsilon: The layer norms' epsilon.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.TransformerEncoderBlock(4, 128)(tn.Input(16, 64)).shape
        (16, 64)
    """

    hyper_type = TransformerEncoderBlockHyper
    kind = "transformer_encoder_block"
    hyper: TransformerEncoderBlockHyper

    def __init__(
        self,
        heads: int,
        mlp_features: int,
        *,
        dropout_rate: float = TransformerEncoderBlockHyper.default("dropout_rate"),
        causal: bool = TransformerEncoderBlockHyper.default("causal"),
        epsilon: float = TransformerEncoderBlockHyper.default("epsilon"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def _parts(self, features: Size) -> dict[str, AnyLayer]:
        """The block's layers by the prefix of their parameters, for inputs of `features` features."""
        p = self.hyper
        norm = LayerNormHyper(epsilon=p.epsilon)
        return {
            "norm1": LayerNorm.from_hyper(norm),
            "attention": MultiHeadAttention.from_hyper(p.attention()),
            "norm2": LayerNorm.from_hyper(norm),
            "mlp_in": Dense.from_hyper(DenseHyper(units=p.mlp_features)),
            "mlp_out": Dense.from_hyper(DenseHyper(units=features)),
        }

    @property
    def stochastic(self) -> bool:
        return self.hyper.dropout_rate != 0

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        (x,) = inputs
        parts = self._parts(x.last)
        hidden = x.with_last(self.hyper.mlp_features)
        return _init_parts(key, parts, {name: (x,) for name in parts} | {"mlp_out": (hidden,)})

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return self.apply_masked(params, *xs, masks=(None,), key=key, training=training)

    def apply_masked(
        self, params: ParamTree, *xs: jax.Array, masks: tuple[MaskArray, ...], key: jax.Array | None, training: bool
    ) -> jax.Array:
        (x,) = xs
        parts = self._parts(x.shape[-1])
        keys = list(jax.random.split(key, 3)) if key is not None else [None] * 3
        dropout = Dropout(self.hyper.dropout_rate)

        run = _runner(parts, params, training)
        attended = run("attention", run("norm1", x), part_key=keys[0], masks=masks)
        h = x + dropout.apply({}, attended, key=keys[1], training=training)
        hidden = _GELU.apply({}, run("mlp_in", run("norm2", h)), key=None, training=training)
        return h + dropout.apply({}, run("mlp_out", hidden), key=keys[2], training=training)


class TransformerDecoderBlock(KeepsFirstMask, Layer[*P]):
    """A pre-norm Transformer decoder block, applied as `block(target, memory)`; the target's shape stays.

    `h = x + dropout(causal_self_attention(norm(x)))`, then
    `h = h + dropout(cross_attention(norm(h), memory))` (queries from the target, keys
    and values from the memory, the encoder's output, taken as it is: a pre-norm
    encoder ends with its own LayerNorm), then `h + dropout(dense(gelu(dense(norm(h)))))`.
    The target is `(Tq, f)`, the memory `(Tk, f)` (any length, the same features);
    the result is `(Tq, f)`. Its parameters are its parts', prefixed by the part:
    `self_attention_query_kernel`, `cross_attention_key_kernel`, `mlp_in_kernel`,
    `norm1_scale`...

    Args:
        heads: Attention heads (of both attentions); they must divide the features.
        mlp_features: The feed-forward network's hidden size (often 4x the features).
        dropout_rate: Dropout after the attention weights, each attention and the MLP.
        epsilon: The layer norms' epsilon.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.TransformerDecoderBlock(4, 128)(tn.Input(16, 64), tn.Input(20, 64)).shape
        (16, 64)
    """

    hyper_type = TransformerDecoderBlockHyper
    kind = "transformer_decoder_block"
    hyper: TransformerDecoderBlockHyper

    def __init__(
        self,
        heads: int,
        mlp_features: int,
        *,
        dropout_rate: float = TransformerDecoderBlockHyper.default("dropout_rate"),
        epsilon: float = TransformerDecoderBlockHyper.default("epsilon"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def _parts(self, features: Size) -> dict[str, AnyLayer]:
        """The block's layers by the prefix of their parameters, for inputs of `features` features."""
        p = self.hyper
        norm = LayerNormHyper(epsilon=p.epsilon)
        return {
            "norm1": LayerNorm.from_hyper(norm),
            "self_attention": MultiHeadAttention.from_hyper(p.self_attention()),
            "norm2": LayerNorm.from_hyper(norm),
            "cross_attention": MultiHeadAttention.from_hyper(p.cross_attention()),
            "norm3": LayerNorm.from_hyper(norm),
            "mlp_in": Dense.from_hyper(DenseHyper(units=p.mlp_features)),
            "mlp_out": Dense.from_hyper(DenseHyper(units=features)),
        }

    @property
    def stochastic(self) -> bool:
        return self.hyper.dropout_rate != 0

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        x, memory = inputs
        parts = self._parts(x.last)
        hidden = x.with_last(self.hyper.mlp_features)
        shapes = {name: (x,) for name in parts} | {"cross_attention": (x, memory), "mlp_out": (hidden,)}
        return _init_parts(key, parts, shapes)

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return self.apply_masked(params, *xs, masks=(None, None), key=key, training=training)

    def apply_masked(
        self, params: ParamTree, *xs: jax.Array, masks: tuple[MaskArray, ...], key: jax.Array | None, training: bool
    ) -> jax.Array:
        x, memory = xs
        if memory.shape[-1] != x.shape[-1]:
            # The rule refuses this (the block is the Transformer's, one width throughout);
            # the attention alone would project any width, so the lowering says it too.
            raise TypednnError(
                f"{self!r}: the memory has {memory.shape[-1]} features, the target {x.shape[-1]}",
                hint=f"project the encoder's output to {x.shape[-1]} features first",
            )
        parts = self._parts(x.shape[-1])
        keys = list(jax.random.split(key, 5)) if key is not None else [None] * 5
        dropout = Dropout(self.hyper.dropout_rate)

        run = _runner(parts, params, training)
        attended = run("self_attention", run("norm1", x), part_key=keys[0], masks=masks[:1])
        h = x + dropout.apply({}, attended, key=keys[1], training=training)
        crossed = run("cross_attention", run("norm2", h), memory, part_key=keys[2], masks=masks)
        h = h + dropout.apply({}, crossed, key=keys[3], training=training)
        hidden = _GELU.apply({}, run("mlp_in", run("norm3", h)), key=None, training=training)
        return h + dropout.apply({}, run("mlp_out", hidden), key=keys[4], training=training)


_GELU = Activation("gelu")


def _init_parts(key: jax.Array, parts: dict[str, AnyLayer], shapes: Mapping[str, tuple[Shape, ...]]) -> ParamTree:
    """A block's parameters: each part's, its names prefixed by the part's (`norm1_scale`)."""
    keys = dict(zip(parts, jax.random.split(key, len(parts))))
    return {
        f"{name}_{array_name}": array
        for name, layer in parts.items()
        for array_name, array in layer.init(keys[name], *shapes[name]).items()
    }


def _runner(parts: dict[str, AnyLayer], params: ParamTree, training: bool) -> Callable[..., jax.Array]:
    """`run(part, *inputs, part_key=, masks=)`: one part of a block applied with its own parameters."""

    def run(
        name: str, *hs: jax.Array, part_key: jax.Array | None = None, masks: tuple[MaskArray, ...] = ()
    ) -> jax.Array:
        own = {k[len(name) + 1 :]: v for k, v in params.items() if k.startswith(f"{name}_")}
        if any(mask is not None for mask in masks):
            return parts[name].apply_masked(own, *hs, masks=masks, key=part_key, training=training)
        return parts[name].apply(own, *hs, key=part_key, training=training)

    return run
