"""Cases of the sequence layers: embeddings, attention, Transformer blocks, recurrent layers.

Inputs are mostly (sequence, features), sometimes of another rank; an `Embedding` gets
token ids of any rank (the `Case` runner gives a layer that takes tokens int32 arrays).
"""

from __future__ import annotations

from typing import Any, Literal

from hypothesis import strategies as st

from .. import nn
from ._case import Case
from ._sizes import sequences, shapes, size


@st.composite
def embedding_cases(draw: st.DrawFn) -> Case:
    layer = nn.Embedding(draw(st.integers(1, 20), label="vocab"), draw(st.integers(1, 9), label="features"))
    return Case(layer, (draw(shapes(0, 3), label="ids"),))


@st.composite
def position_embedding_cases(draw: st.DrawFn) -> Case:
    """Sequences shorter than, as long as, or longer than `max_length`."""
    return Case(nn.PositionEmbedding(draw(size, label="max_length")), (draw(sequences(), label="x"),))


@st.composite
def sinusoidal_position_embedding_cases(draw: st.DrawFn) -> Case:
    layer = nn.SinusoidalPositionEmbedding(max_wavelength=draw(st.sampled_from([10_000, 100, 1]), label="wavelength"))
    return Case(layer, (draw(sequences(), label="x"),))


@st.composite
def multi_head_attention_cases(draw: st.DrawFn) -> Case:
    """Mostly features that the heads divide, so a defaulted `qkv_features` is accepted.

    A third of the cases are cross-attention: a context of any features, mostly as
    long as the query when `causal` (a causal context of another length, or one of
    another rank, is a case the rule must reject).
    """
    heads = draw(st.integers(1, 4), label="heads")
    divisible = st.integers(1, 3).map(lambda k: k * heads)
    causal = draw(st.booleans(), label="causal")
    layer = nn.MultiHeadAttention(
        heads,
        qkv_features=draw(st.one_of(st.none(), st.none(), divisible), label="qkv_features"),
        out_features=draw(st.one_of(st.none(), size), label="out_features"),
        causal=causal,
        use_bias=draw(st.booleans(), label="use_bias"),
        dropout_rate=draw(st.sampled_from([0.0, 0.0, 0.25]), label="dropout_rate"),
    )
    x = draw(sequences(st.one_of(divisible, divisible, size)), label="x")
    training = draw(st.booleans(), label="training")
    if draw(st.integers(0, 2), label="self-attention") or not x:
        return Case(layer, (x,), training=training)
    context = draw(sequences(), label="context")
    if causal and len(context) == 2 and draw(st.integers(0, 3), label="as long as the query"):
        context = (x[0], context[1])
    return Case(layer, (x, context), training=training)


@st.composite
def transformer_encoder_block_cases(draw: st.DrawFn) -> Case:
    heads = draw(st.integers(1, 4), label="heads")
    divisible = st.integers(1, 3).map(lambda k: k * heads)
    layer = nn.TransformerEncoderBlock(
        heads,
        draw(st.integers(1, 8), label="mlp_features"),
        dropout_rate=draw(st.sampled_from([0.0, 0.0, 0.1]), label="dropout_rate"),
        causal=draw(st.booleans(), label="causal"),
    )
    x = draw(sequences(st.one_of(divisible, divisible, size)), label="x")
    return Case(layer, (x,), training=draw(st.booleans(), label="training"))


@st.composite
def transformer_decoder_block_cases(draw: st.DrawFn) -> Case:
    """A target and a memory of mostly the target's features; sometimes another rank or other features."""
    heads = draw(st.integers(1, 4), label="heads")
    divisible = st.integers(1, 3).map(lambda k: k * heads)
    layer = nn.TransformerDecoderBlock(
        heads,
        draw(st.integers(1, 8), label="mlp_features"),
        dropout_rate=draw(st.sampled_from([0.0, 0.0, 0.1]), label="dropout_rate"),
    )
    x = draw(sequences(st.one_of(divisible, divisible, size)), label="target")
    memory = draw(sequences(st.one_of(st.just(x[-1]), st.just(x[-1]), size) if x else size), label="memory")
    return Case(layer, (x, memory), training=draw(st.booleans(), label="training"))


@st.composite
def recurrent_cases(draw: st.DrawFn, cell: Any) -> Case:
    """`cell` is `nn.LSTM` or `nn.GRU`."""
    layer = cell(
        draw(st.integers(1, 6), label="units"),
        return_sequences=draw(st.booleans(), label="return_sequences"),
        reverse=draw(st.booleans(), label="reverse"),
    )
    return Case(layer, (draw(sequences(), label="x"),))


_MERGES: tuple[Literal["concat", "sum", "mean", "mul"], ...] = ("concat", "sum", "mean", "mul")


@st.composite
def bidirectional_cases(draw: st.DrawFn) -> Case:
    lstm = draw(st.booleans(), label="LSTM (else GRU)")
    units = draw(st.integers(1, 6), label="units")
    sequences_out = draw(st.booleans(), label="return_sequences")
    reverse = draw(st.booleans(), label="reverse")
    wrapped: nn.LSTM[*tuple[Any, ...]] | nn.GRU[*tuple[Any, ...]] = (
        nn.LSTM(units, return_sequences=sequences_out, reverse=reverse)
        if lstm
        else nn.GRU(units, return_sequences=sequences_out, reverse=reverse)
    )
    layer = nn.Bidirectional(wrapped, merge=draw(st.sampled_from(_MERGES), label="merge"))
    return Case(layer, (draw(sequences(), label="x"),))
