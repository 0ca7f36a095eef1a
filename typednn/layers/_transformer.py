"""TransformerEncoderBlock: built from the library's own attention, norm, dense and dropout lowerings."""

from __future__ import annotations

from typing import Any

import jax

from .._shapes import DenseHyper, LayerNormHyper, Shape, Size, TransformerEncoderBlockHyper
from ._attention import MultiHeadAttention
from ._base import Layer, P, ParamTree
from ._dense import Dense
from ._elementwise import Activation, Dropout
from ._norm import LayerNorm

AnyLayer = Layer[*tuple[Any, ...]]


class TransformerEncoderBlock(Layer[*P]):
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
        shapes = {"norm1": x, "attention": x, "norm2": x, "mlp_in": x, "mlp_out": hidden}
        keys = dict(zip(parts, jax.random.split(key, len(parts))))
        return {
            f"{name}_{key}": array
            for name, layer in parts.items()
            for key, array in layer.init(keys[name], shapes[name]).items()
        }

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        parts = self._parts(x.shape[-1])
        keys = list(jax.random.split(key, 3)) if key is not None else [None] * 3
        dropout = Dropout(self.hyper.dropout_rate)

        def run(name: str, h: jax.Array, part_key: jax.Array | None = None) -> jax.Array:
            own = {k[len(name) + 1 :]: v for k, v in params.items() if k.startswith(f"{name}_")}
            return parts[name].apply(own, h, key=part_key, training=training)

        attended = run("attention", run("norm1", x), keys[0])
        h = x + dropout.apply({}, attended, key=keys[1], training=training)
        hidden = _GELU.apply({}, run("mlp_in", run("norm2", h)), key=None, training=training)
        return h + dropout.apply({}, run("mlp_out", hidden), key=keys[2], training=training)


_GELU = Activation("gelu")
