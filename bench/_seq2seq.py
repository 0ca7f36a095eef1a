"""The zoo's Transformers by hand: Flax NNX encoder and decoder blocks, the seq2seq twin, and its Keras 3 model.

`zoo.transformer_seq2seq()` is two int32 inputs, `source` and `target` (32 ids each, vocab
1,000), 64 features, 2 heads, MLP 128, dropout 0.1, two pre-norm encoder blocks and a final
LayerNorm (the memory), two pre-norm decoder blocks (causal self-attention, cross-attention
to the memory, gelu MLP), a LayerNorm and a 1,000-way head: `(32, 1000)` logits, 364,776
parameters. `NnxSeq2Seq` writes it by hand in Flax NNX with the same operations and
parameters (zoo_speed.py times one training step of each); `keras_seq2seq` builds it as a
Keras functional model (seq2seq_fit.py times one epoch of `fit` of each).

The NNX attribute names are the names typednn gives the layers (and the blocks' parts), so
the typed model's params and the NNX module's `nnx.Param` state have the same keys and shapes.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from flax import nnx

LENGTH = 32
VOCAB = 1_000
FEATURES = 64
HEADS = 2
MLP = 128
RATE = 0.1


# ---- Flax NNX -------------------------------------------------------------------------
#
# typednn's Dense, Embedding and LayerNorm use flax.nnx's initialisers and epsilon (1e-6);
# its attention is flax.nnx.MultiHeadAttention's (decode=False, dropout on the attention
# weights broadcast over the batch and the heads); its gelu is jax.nn.gelu (tanh form).


def layer_norm(features: int, rngs: nnx.Rngs) -> nnx.LayerNorm:
    return nnx.LayerNorm(features, epsilon=1e-6, rngs=rngs)


def attention(heads: int, features: int, rate: float, rngs: nnx.Rngs) -> nnx.MultiHeadAttention:
    return nnx.MultiHeadAttention(
        heads, features, dropout_rate=rate, broadcast_dropout=True, deterministic=False, decode=False, rngs=rngs
    )


def positions(length: int, features: int, rngs: nnx.Rngs) -> nnx.Param[jax.Array]:
    """`nn.PositionEmbedding`'s table: learned, normal with standard deviation 0.02."""
    return nnx.Param(jax.nn.initializers.normal(stddev=0.02)(rngs.params(), (length, features)))


class NnxEncoderBlock(nnx.Module):
    """A pre-norm encoder block as `nn.TransformerEncoderBlock` defines it (gelu MLP, dropout in three places)."""

    def __init__(self, features: int, heads: int, mlp: int, rate: float, rngs: nnx.Rngs) -> None:
        self.norm1 = layer_norm(features, rngs)
        self.attention = attention(heads, features, rate, rngs)
        self.norm2 = layer_norm(features, rngs)
        self.mlp_in = nnx.Linear(features, mlp, rngs=rngs)
        self.mlp_out = nnx.Linear(mlp, features, rngs=rngs)
        self.dropout = nnx.Dropout(rate, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        h = x + self.dropout(self.attention(self.norm1(x)))
        return h + self.dropout(self.mlp_out(nnx.gelu(self.mlp_in(self.norm2(h)))))


class NnxDecoderBlock(nnx.Module):
    """A pre-norm decoder block as `nn.TransformerDecoderBlock` defines it: causal self-attention,
    cross-attention to the memory, gelu MLP, each residual, dropout in five places."""

    def __init__(self, features: int, heads: int, mlp: int, rate: float, rngs: nnx.Rngs) -> None:
        self.norm1 = layer_norm(features, rngs)
        self.self_attention = attention(heads, features, rate, rngs)
        self.norm2 = layer_norm(features, rngs)
        self.cross_attention = attention(heads, features, rate, rngs)
        self.norm3 = layer_norm(features, rngs)
        self.mlp_in = nnx.Linear(features, mlp, rngs=rngs)
        self.mlp_out = nnx.Linear(mlp, features, rngs=rngs)
        self.dropout = nnx.Dropout(rate, rngs=rngs)

    def __call__(self, x: jax.Array, memory: jax.Array, mask: jax.Array) -> jax.Array:
        h = x + self.dropout(self.self_attention(self.norm1(x), mask=mask))
        h = h + self.dropout(self.cross_attention(self.norm2(h), memory))
        return h + self.dropout(self.mlp_out(nnx.gelu(self.mlp_in(self.norm3(h)))))


class NnxSeq2Seq(nnx.Module):
    """`zoo.transformer_seq2seq()`: source and target ids (batch, 32) -> logits (batch, 32, 1000)."""

    def __init__(self, rngs: nnx.Rngs) -> None:
        self.source_embedding = nnx.Embed(VOCAB, FEATURES, rngs=rngs)
        self.source_positions = positions(LENGTH, FEATURES, rngs)
        self.transformer_encoder_block = NnxEncoderBlock(FEATURES, HEADS, MLP, RATE, rngs)
        self.transformer_encoder_block_1 = NnxEncoderBlock(FEATURES, HEADS, MLP, RATE, rngs)
        self.memory = layer_norm(FEATURES, rngs)
        self.target_embedding = nnx.Embed(VOCAB, FEATURES, rngs=rngs)
        self.target_positions = positions(LENGTH, FEATURES, rngs)
        self.transformer_decoder_block = NnxDecoderBlock(FEATURES, HEADS, MLP, RATE, rngs)
        self.transformer_decoder_block_1 = NnxDecoderBlock(FEATURES, HEADS, MLP, RATE, rngs)
        self.layer_norm = layer_norm(FEATURES, rngs)
        self.logits = nnx.Linear(FEATURES, VOCAB, rngs=rngs)

    def __call__(self, source: jax.Array, target: jax.Array) -> jax.Array:
        memory = self.source_embedding(source) + self.source_positions[...][None]
        memory = self.memory(self.transformer_encoder_block_1(self.transformer_encoder_block(memory)))
        mask = nnx.make_causal_mask(target)  # (batch, 1, 32, 32), made once, as a Flax caller does
        h = self.target_embedding(target) + self.target_positions[...][None]
        h = self.transformer_decoder_block(h, memory, mask)
        h = self.transformer_decoder_block_1(h, memory, mask)
        return self.logits(self.layer_norm(h))


def data(examples: int, seed: int) -> tuple[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]], np.ndarray[Any, Any]]:
    """Random source ids and a random target sequence, shifted: ((source, target in), target out)."""
    rng = np.random.default_rng(seed)
    source = rng.integers(0, VOCAB, (examples, LENGTH), dtype=np.int32)
    target = rng.integers(0, VOCAB, (examples, LENGTH + 1), dtype=np.int32)
    return (source, target[:, :-1]), target[:, 1:]


# ---- Keras 3 --------------------------------------------------------------------------
#
# The same sizes, built from Keras's own layers: Embedding, a learned position table,
# MultiHeadAttention (key_dim 32 per head: its query/key/value/output kernels and biases
# have the shapes of flax's), LayerNormalization (epsilon 1e-6), Dense with gelu in its
# tanh form, Dropout. What differs: Keras's initialisers (glorot uniform kernels, uniform
# embeddings) and its attention dropout (one pattern per example and head, not one shared).


def keras_position_embedding(keras: Any) -> Any:
    """A Keras layer class adding a learned vector per position, as `nn.PositionEmbedding` does.

    Keras has no such layer; keras_hub's is this.

    The table is read in the compute dtype (Keras autocasts it under a mixed policy).
    """

    class PositionEmbedding(keras.layers.Layer):  # type: ignore[misc]
        def build(self, input_shape: tuple[int, ...]) -> None:
            initializer = keras.initializers.RandomNormal(stddev=0.02)
            self.table = self.add_weight(shape=tuple(input_shape[-2:]), initializer=initializer, name="embedding")

        def call(self, x: Any) -> Any:
            return x + self.table[None]

    return PositionEmbedding


def keras_seq2seq(keras: Any) -> Any:
    """The seq2seq Transformer as a Keras functional model of two int32 inputs (Keras imported with JAX)."""
    layers = keras.layers

    def gelu(x: Any) -> Any:
        return keras.activations.gelu(x, approximate=True)  # jax.nn.gelu's default

    def norm() -> Any:
        return layers.LayerNormalization(epsilon=1e-6)

    def attention() -> Any:
        return layers.MultiHeadAttention(HEADS, FEATURES // HEADS, dropout=RATE)

    def mlp(h: Any, x: Any) -> Any:
        h = layers.Dense(FEATURES)(layers.Dense(MLP, activation=gelu)(h))
        return layers.Add()([x, layers.Dropout(RATE)(h)])

    def embed(ids: Any) -> Any:
        return keras_position_embedding(keras)()(layers.Embedding(VOCAB, FEATURES)(ids))

    source = keras.Input((LENGTH,), dtype="int32", name="source")
    target = keras.Input((LENGTH,), dtype="int32", name="target")
    memory = embed(source)
    for _ in range(2):
        h = norm()(memory)
        memory = layers.Add()([memory, layers.Dropout(RATE)(attention()(h, h))])
        memory = mlp(norm()(memory), memory)
    memory = norm()(memory)
    x = embed(target)
    for _ in range(2):
        h = norm()(x)
        x = layers.Add()([x, layers.Dropout(RATE)(attention()(h, h, use_causal_mask=True))])
        x = layers.Add()([x, layers.Dropout(RATE)(attention()(norm()(x), memory))])
        x = mlp(norm()(x), x)
    logits = layers.Dense(VOCAB)(norm()(x))
    return keras.Model([source, target], logits, name="transformer_seq2seq")
