"""Cross-attention and a typed encoder-decoder: the rule runs with both inputs' shapes."""

from typing import Literal as L
from typing import assert_type

import jax
import numpy as np

import typednn as tn
from typednn import nn, zoo


class Seq(tn.Dim):
    """Target tokens."""


# Cross-attention: the query's length, the query's (or out_features) features; any context.
q, ctx = tn.Input(10, 64), tn.Input(7, 48)
assert_type(nn.MultiHeadAttention(4)(q, ctx), tn.Tensor[L[10], L[64]])
assert_type(nn.MultiHeadAttention(4, out_features=16)(q, ctx), tn.Tensor[L[10], L[16]])
assert_type(nn.MultiHeadAttention(5, qkv_features=40)(q, ctx), tn.Tensor[L[10], L[64]])
assert_type(nn.MultiHeadAttention(4, causal=True)(q, tn.Input(10, 8)), tn.Tensor[L[10], L[64]])
assert_type(nn.MultiHeadAttention(2)(tn.Input(Seq, 8), ctx), tn.Tensor[Seq, L[8]])
# One input is self-attention, as before.
assert_type(nn.MultiHeadAttention(4)(q), tn.Tensor[L[10], L[64]])

# The decoder block: (Tq, f) and (Tk, f) -> (Tq, f).
memory = tn.Input(20, 64)
assert_type(nn.TransformerDecoderBlock(4, 128)(q, memory), tn.Tensor[L[10], L[64]])
assert_type(nn.TransformerDecoderBlock(2, 32, dropout_rate=0.1)(tn.Input(Seq, 64), memory), tn.Tensor[Seq, L[64]])

Ids = tn.Tokens[L[16]]


def translator() -> tn.Model[tuple[Ids, Ids], tn.Tensor[L[16], L[500]]]:
    """A typed encoder-decoder: the encoder's output is the decoder's memory."""
    source, target = tn.Input(16, dtype="int32", name="source"), tn.Input(16, dtype="int32", name="target")
    encoded = source >> nn.Embedding(300, 32) >> nn.PositionEmbedding(16) >> nn.TransformerEncoderBlock(2, 64)
    encoded = encoded >> nn.LayerNorm()
    h = target >> nn.Embedding(500, 32) >> nn.PositionEmbedding(16)
    h = nn.TransformerDecoderBlock(2, 64)(h, encoded)
    return tn.Model((source, target), h >> nn.LayerNorm() >> nn.Dense(32, 500))


model = translator()
params = model.init(jax.random.key(0))
logits = model.apply(params, (np.zeros((2, 16), np.int32), np.zeros((2, 16), np.int32)))
seq2seq: tn.Model[tuple[tn.Tokens[L[32]], tn.Tokens[L[32]]], tn.Tensor[L[32], L[1000]]] = zoo.transformer_seq2seq()
print(logits.shape, seq2seq)
