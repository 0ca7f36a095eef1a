"""Padding masks: for any model and any padding, the real positions equal the unpadded sequence's.

Each model reads token ids of a named length, so one set of parameters runs both the
sequences alone and the batch padded with 0 at its ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import typednn as tn
from typednn import TypednnError, nn
from typednn.layers import Tensor

AnyTensor = Tensor[*tuple[Any, ...]]
VOCAB, FEATURES = 12, 8


class Seq(tn.Dim): ...


def _encoders() -> dict[str, Callable[[AnyTensor], AnyTensor]]:
    """Sequence to sequence: every layer that carries a mask, alone and stacked."""
    return {
        "dense": lambda h: h >> nn.Dense(6) >> nn.relu >> nn.LayerNorm(),
        "lstm": nn.LSTM(5),
        "gru_reverse": nn.GRU(5, reverse=True),
        "bidirectional": nn.Bidirectional(nn.LSTM(4)),
        "attention": nn.MultiHeadAttention(2),
        "causal_attention": nn.MultiHeadAttention(2, causal=True),
        "encoder_block": nn.TransformerEncoderBlock(2, mlp_features=16),
        "residual": lambda h: h + nn.MultiHeadAttention(2)(h) >> nn.Dropout(0.5),
        "concat": lambda h: nn.concat(h, nn.GRU(3)(h), axis=-1),
        "position": nn.SinusoidalPositionEmbedding() >> nn.RMSNorm(),
        "time_distributed": nn.TimeDistributed(nn.Dense(4)),
    }


def _heads() -> dict[str, Callable[[AnyTensor], AnyTensor]]:
    """What ends the model: the sequence itself, or a summary of it."""
    return {
        "sequence": lambda h: h,
        "avg_pool": nn.GlobalAvgPool1D(),
        "max_pool": nn.GlobalMaxPool1D(),
        "last_lstm": nn.LSTM(3, return_sequences=False),
        "last_bigru": nn.Bidirectional(nn.GRU(3, return_sequences=False), merge="sum"),
    }


def _model(encoder: str, head: str) -> tn.Model[Any, Any]:
    ids = tn.Input(Seq, dtype="int32")
    h = nn.Embedding(VOCAB, FEATURES, mask_zero=True)(ids)
    return tn.Model(ids, _heads()[head](_encoders()[encoder](h)))


@settings(max_examples=25, deadline=None)
@given(
    encoder=st.sampled_from(sorted(_encoders())),
    head=st.sampled_from(sorted(_heads())),
    lengths=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    padding=st.integers(0, 4),
    seed=st.integers(0, 2**16),
)
def test_real_positions_equal_the_unpadded_sequence(
    encoder: str, head: str, lengths: list[int], padding: int, seed: int
) -> None:
    model = _model(encoder, head)
    params = model.init(jax.random.key(seed))
    rng = np.random.default_rng(seed)
    width = max(lengths) + padding
    batch = np.zeros((len(lengths), width), np.int32)
    alone = []
    for row, length in enumerate(lengths):
        ids = rng.integers(1, VOCAB, size=length).astype(np.int32)
        batch[row, :length] = ids
        alone.append(np.asarray(model.apply(params, ids[None]))[0])
    padded = np.asarray(model.apply(params, batch))
    for row, (length, expected) in enumerate(zip(lengths, alone)):
        got = padded[row, :length] if head == "sequence" else padded[row]
        np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-5)


def test_a_layer_that_mixes_positions_refuses_a_masked_tensor_where_it_is_applied() -> None:
    h = nn.Embedding(VOCAB, FEATURES, mask_zero=True)(tn.Input(10, dtype="int32"))
    for layer in (nn.Conv1D(4, kernel=3), nn.Flatten(), nn.MaxPool1D(2), nn.BatchNorm()):
        with pytest.raises(TypednnError, match=r"carries the padding mask of Embedding") as error:
            layer(h)
        assert error.value.hint is not None and "GlobalAvgPool1D" in error.value.hint
    with pytest.raises(TypednnError, match=r"^conv: .*padding mask"):
        nn.Conv1D(4, kernel=3, name="conv")(h)
    with pytest.raises(TypednnError, match="axis=-1"):
        nn.concat(h, h, axis=0)


def test_the_mask_flows_only_as_far_as_the_sequence() -> None:
    ids = tn.Input(10, dtype="int32")
    h = nn.Embedding(VOCAB, FEATURES, mask_zero=True)(ids)
    assert (h >> nn.Dense(4)).masked and nn.LSTM(3)(h).masked
    assert not nn.LSTM(3, return_sequences=False)(h).masked
    assert not nn.GlobalMaxPool1D()(h).masked
    pooled = nn.GlobalAvgPool1D()(h)
    assert not nn.Dense(2)(pooled).masked  # then any layer takes it
    assert not nn.Embedding(VOCAB, FEATURES)(ids).masked
    query = nn.Embedding(VOCAB, FEATURES)(tn.Input(5, dtype="int32"))
    assert not nn.MultiHeadAttention(2)(query, h).masked  # the query's positions, unmasked


def test_cross_attention_ignores_the_padded_context() -> None:
    class Src(tn.Dim): ...

    target = tn.Input(4, FEATURES)
    source = tn.Input(Src, dtype="int32")
    memory = nn.Embedding(VOCAB, FEATURES, mask_zero=True)(source)
    model = tn.Model((target, source), nn.TransformerDecoderBlock(2, mlp_features=8)(target, memory))
    params = model.init(jax.random.key(1))
    x = np.random.default_rng(0).normal(size=(1, 4, FEATURES)).astype(np.float32)
    ids = np.array([[3, 5, 7]], np.int32)
    padded = np.array([[3, 5, 7, 0, 0]], np.int32)
    np.testing.assert_allclose(model.apply(params, (x, padded)), model.apply(params, (x, ids)), atol=2e-5)


def test_training_on_padded_sequences_counts_only_real_positions() -> None:
    """A tagger's loss and accuracy over a padded batch equal those over the real tokens."""
    ids = tn.Input(6, dtype="int32")
    tags = ids >> nn.Embedding(VOCAB, FEATURES, mask_zero=True) >> nn.Bidirectional(nn.LSTM(4)) >> nn.Dense(3)
    model = tn.Model(ids, tags)
    rng = np.random.default_rng(0)
    x = rng.integers(1, VOCAB, size=(8, 6)).astype(np.int32)
    y = rng.integers(0, 3, size=(8, 6)).astype(np.int32)
    lengths = rng.integers(1, 7, size=8)
    for row, length in enumerate(lengths):
        x[row, length:] = 0
        y[row, length:] = 0
    data = tn.data.from_arrays(x, y, classes=3)
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), metrics=["accuracy"])
    scores = trainer.evaluate(data, batch_size=3)
    outputs = np.asarray(model.apply(trainer.host_params(), x))
    real = x != 0
    predicted = outputs.argmax(-1)
    assert scores["accuracy"] == pytest.approx(float((predicted == y)[real].mean()), abs=1e-6)
    log_probs = np.asarray(jax.nn.log_softmax(outputs))
    per_position = -np.take_along_axis(log_probs, y[..., None], axis=-1)[..., 0]
    per_example = (per_position * real).sum(1) / real.sum(1)
    assert scores["loss"] == pytest.approx(float(per_example.mean()), rel=1e-5)
    history = trainer.fit(data, epochs=2, batch_size=3, verbose=0)
    assert np.isfinite(history["loss"]).all()


def test_time_distributed_keeps_a_mask_over_more_axes_only_around_a_position_wise_layer() -> None:
    words = nn.Embedding(VOCAB, FEATURES, mask_zero=True)(tn.Input(3, 5, dtype="int32"))  # (sentences, words)
    assert nn.TimeDistributed(nn.Dense(4))(words).masked
    with pytest.raises(TypednnError, match="position by position"):
        nn.TimeDistributed(nn.GlobalAvgPool1D())(words)
    sequence = nn.Embedding(VOCAB, FEATURES, mask_zero=True)(tn.Input(5, dtype="int32"))
    assert nn.TimeDistributed(nn.Dense(4))(sequence).masked


def test_a_layer_with_state_refuses_a_mask() -> None:
    class Counting(nn.Dense[Any]):
        state_names = ("seen",)
        masking = "keep"

    h = nn.Embedding(VOCAB, FEATURES, mask_zero=True)(tn.Input(5, dtype="int32"))
    with pytest.raises(TypednnError, match="padding mask"):
        Counting(4)(h)
