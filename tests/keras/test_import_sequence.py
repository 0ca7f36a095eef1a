"""Keras's sequence layers imported: Embedding, LSTM, GRU, Bidirectional, MultiHeadAttention, and models of them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import keras  # type: ignore[import-untyped]  # Keras ships no types
import numpy as np
import pytest

import typednn as tn
from tests.keras import TOLERANCE, data, difference, randomize
from typednn.keras._options import Options

L = keras.layers
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy:DeprecationWarning")

IDS = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8], [9, 1, 0, 0, 0]], dtype=np.int32)
"""Token ids padded with 0 at their ends, as `mask_zero=True` expects."""


def _self_attention(**options: Any) -> Callable[[Any], Any]:
    layer = L.MultiHeadAttention(**options)
    return lambda x: layer(x, x)


def _keras_layer(make: Callable[[], Any]) -> Callable[[Any], Any]:
    def body(x: Any) -> Any:
        return make()(x)  # a fresh layer for each model

    return body


CASES: dict[str, tuple[Callable[[Any], Any], tuple[int, ...]]] = {
    "lstm_last": (_keras_layer(lambda: L.LSTM(3)), (5, 4)),
    "lstm_sequences": (_keras_layer(lambda: L.LSTM(3, return_sequences=True)), (5, 4)),
    "lstm_no_bias": (_keras_layer(lambda: L.LSTM(3, use_bias=False, return_sequences=True)), (5, 4)),
    "lstm_go_backwards_last": (_keras_layer(lambda: L.LSTM(3, go_backwards=True)), (5, 4)),
    "gru_last": (_keras_layer(lambda: L.GRU(3)), (5, 4)),
    "gru_sequences": (_keras_layer(lambda: L.GRU(3, return_sequences=True)), (5, 4)),
    "gru_go_backwards_last": (_keras_layer(lambda: L.GRU(3, go_backwards=True)), (5, 4)),
    "gru_no_bias_last": (_keras_layer(lambda: L.GRU(3, use_bias=False)), (5, 4)),
    "gru_no_bias_sequences": (_keras_layer(lambda: L.GRU(3, use_bias=False, return_sequences=True)), (5, 4)),
    "bidirectional_concat": (_keras_layer(lambda: L.Bidirectional(L.LSTM(3, return_sequences=True))), (5, 4)),
    "bidirectional_sum": (_keras_layer(lambda: L.Bidirectional(L.LSTM(3), merge_mode="sum")), (5, 4)),
    "bidirectional_mul": (_keras_layer(lambda: L.Bidirectional(L.LSTM(3), merge_mode="mul")), (5, 4)),
    "bidirectional_gru_concat": (_keras_layer(lambda: L.Bidirectional(L.GRU(3, return_sequences=True))), (5, 4)),
    "bidirectional_gru_sum_last": (_keras_layer(lambda: L.Bidirectional(L.GRU(3), merge_mode="sum")), (5, 4)),
    "bidirectional_ave": (
        _keras_layer(lambda: L.Bidirectional(L.GRU(3, use_bias=False, return_sequences=True), merge_mode="ave")),
        (5, 4),
    ),
    "attention_self": (_self_attention(num_heads=2, key_dim=3), (5, 4)),
    "attention_out_no_bias": (_self_attention(num_heads=2, key_dim=3, output_shape=7, use_bias=False), (5, 4)),
    "attention_dropout": (_self_attention(num_heads=3, key_dim=2, dropout=0.1), (6, 4)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_sequence_layer_computes_what_keras_computes(case: str, tmp_path: Path) -> None:
    body, shape = CASES[case]
    x = keras.Input(shape)
    with jax.numpy_rank_promotion("allow"):  # Keras's own GRU code broadcasts by rank as it builds
        model = keras.Model(x, body(x))
    randomize(model)
    assert difference(model, tmp_path, data(shape)) <= TOLERANCE


@pytest.mark.parametrize("mask_zero", [False, True])
def test_an_embedding_computes_what_keras_computes(mask_zero: bool, tmp_path: Path) -> None:
    ids = keras.Input((5,), dtype="int32")
    model = keras.Model(ids, L.Embedding(10, 4, mask_zero=mask_zero)(ids))
    randomize(model)
    assert difference(model, tmp_path, [IDS]) <= TOLERANCE
    imported, _ = tn.import_keras(tmp_path / "model.keras")
    assert imported.outputs.masked is mask_zero


def test_cross_attention_with_its_key_given(tmp_path: Path) -> None:
    query, context = keras.Input((5, 4)), keras.Input((7, 6))
    attention = L.MultiHeadAttention(num_heads=2, key_dim=3)
    model = keras.Model([query, context], [attention(query, context), attention(query, context, key=context)])
    randomize(model)
    assert difference(model, tmp_path, data((5, 4), (7, 6))) <= TOLERANCE


def test_a_gru_keeps_its_recurrent_candidate_bias(tmp_path: Path) -> None:
    """Keras's bias (2, 3u): the recurrent z and r biases fold in; the candidate one becomes `recurrent_bias`."""
    x = keras.Input((5, 4))
    gru = L.GRU(3, return_sequences=True, name="gru")
    with jax.numpy_rank_promotion("allow"):  # Keras's own GRU code broadcasts by rank as it builds
        model = keras.Model(x, gru(x))
    randomize(model)
    bias = np.asarray(gru.cell.bias)
    assert np.all(bias[1, 6:] != 0)  # a candidate recurrent bias that matters
    assert difference(model, tmp_path, data((5, 4))) <= TOLERANCE
    imported, params = tn.import_keras(tmp_path / "model.keras")
    assert repr(imported.graph.layers()[0]) == "GRU(units=3, recurrent_bias=True)"
    np.testing.assert_array_equal(params["gru"]["recurrent_bias"], bias[1, 6:])
    # Without a bias there is none to keep: the twin is flax's GRUCell's.
    with jax.numpy_rank_promotion("allow"):
        plain = keras.Model(x, L.GRU(3, use_bias=False, name="plain")(x))
    plain.save(tmp_path / "plain.keras")
    imported, params = tn.import_keras(tmp_path / "plain.keras")
    assert repr(imported.graph.layers()[0]) == "GRU(units=3, return_sequences=False)"
    assert sorted(params["plain"]) == ["bias", "input_kernel", "recurrent_kernel"]


def test_gru_weights_of_another_shape_are_refused() -> None:
    from typednn.keras._layers_sequence import _gru_parts  # noqa: PLC0415 - the converter alone

    config = {"units": 3, "return_sequences": True, "use_bias": True, "go_backwards": False}
    _, _, convert, _ = _gru_parts(Options(config, name="gru", class_name="GRU", source="m.keras"), "cell/")
    arrays = {"cell/kernel": np.zeros((4, 9)), "cell/recurrent_kernel": np.zeros((3, 9)), "cell/bias": np.zeros(9)}
    with pytest.raises(tn.TypednnError, match=r"layer 'gru' \(GRU\): its bias has the shape \(9,\), but a GRU of 3"):
        convert(arrays)


def test_masked_sequences_through_recurrent_layers(tmp_path: Path) -> None:
    ids = keras.Input((5,), dtype="int32")
    h = L.Embedding(10, 4, mask_zero=True)(ids)
    with jax.numpy_rank_promotion("allow"):  # Keras's own masked-RNN code broadcasts by rank as it builds
        last = L.LSTM(3)(h)
        sequences = L.GRU(3, use_bias=False, return_sequences=True, zero_output_for_mask=True)(h)
    model = keras.Model(ids, [last, sequences])
    randomize(model)
    assert difference(model, tmp_path, [IDS]) <= TOLERANCE


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: L.GRU(3, reset_after=False), r"reset_after=False, which typednn has no twin for"),
        (lambda: L.LSTM(3, go_backwards=True, return_sequences=True), r"go_backwards=True with return_sequences"),
        (lambda: L.LSTM(3, dropout=0.2), r"dropout=0.2, which typednn has no twin for"),
        (lambda: L.LSTM(3, activation="relu"), r"activation='relu', which typednn has no twin for"),
        (lambda: L.Bidirectional(L.LSTM(3), merge_mode=None), r"merge_mode=None, which typednn has no twin for"),
        (lambda: L.Bidirectional(L.SimpleRNN(3)), r"wraps a 'SimpleRNN', which typednn's Bidirectional"),
        (
            lambda: L.Bidirectional(L.LSTM(3), backward_layer=L.LSTM(4, go_backwards=True)),
            r"has a backward_layer unlike its forward layer",
        ),
    ],
)
def test_recurrent_options_without_a_twin_are_refused(make: Callable[[], Any], message: str, tmp_path: Path) -> None:
    x = keras.Input((5, 4))
    with jax.numpy_rank_promotion("allow"):  # Keras's own GRU code broadcasts by rank as it builds
        keras.Model(x, make()(x)).save(tmp_path / "m.keras")
    with pytest.raises(tn.TypednnError, match=message):
        tn.import_keras(tmp_path / "m.keras")


def test_masked_steps_keras_computes_otherwise_are_refused(tmp_path: Path) -> None:
    ids = keras.Input((5,), dtype="int32")
    with jax.numpy_rank_promotion("allow"):  # Keras's own masked-RNN code broadcasts by rank as it builds
        model = keras.Model(ids, L.LSTM(3, return_sequences=True)(L.Embedding(10, 4, mask_zero=True)(ids)))
    model.save(tmp_path / "m.keras")
    with pytest.raises(tn.TypednnError, match=r"zero_output_for_mask=False and return_sequences=True") as error:
        tn.import_keras(tmp_path / "m.keras")
    assert error.value.hint == "build the layer with zero_output_for_mask=True in Keras"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda a, q, c: a(q, c, key=q), r"is called with a key that is not its value"),
        (lambda a, q, c: a(q, q, use_causal_mask=True), r"use_causal_mask=True, which typednn has no twin for"),
    ],
)
def test_attention_calls_without_a_twin_are_refused(
    call: Callable[[Any, Any, Any], Any], message: str, tmp_path: Path
) -> None:
    query, context = keras.Input((5, 4)), keras.Input((5, 4))
    keras.Model([query, context], call(L.MultiHeadAttention(2, 3), query, context)).save(tmp_path / "m.keras")
    with pytest.raises(tn.TypednnError, match=message):
        tn.import_keras(tmp_path / "m.keras")


def test_attention_with_another_value_size_is_refused(tmp_path: Path) -> None:
    x = keras.Input((5, 4))
    keras.Model(x, L.MultiHeadAttention(2, 3, value_dim=5)(x, x)).save(tmp_path / "m.keras")
    with pytest.raises(tn.TypednnError, match=r"sets value_dim=5, which typednn has no twin for"):
        tn.import_keras(tmp_path / "m.keras")


@pytest.mark.slow
def test_a_bidirectional_lstm_text_model(tmp_path: Path) -> None:
    ids = keras.Input((5,), dtype="int32", name="tokens")
    h = L.Embedding(10, 8, mask_zero=True)(ids)
    with jax.numpy_rank_promotion("allow"):  # Keras's own masked-RNN code broadcasts by rank as it builds
        h = L.Bidirectional(L.LSTM(6, return_sequences=True))(h)
        h = L.Bidirectional(L.LSTM(5))(h)
    model = keras.Model(ids, L.Dense(3, activation="softmax")(h))
    randomize(model)
    assert difference(model, tmp_path, [IDS]) <= TOLERANCE


def _transformer_block(x: Any, features: int, heads: int, hidden: int) -> Any:
    """keras-io's TransformerBlock (text classification with a Transformer), written functionally."""
    attended = L.Dropout(0.1)(L.MultiHeadAttention(num_heads=heads, key_dim=features)(x, x))
    x = L.LayerNormalization(epsilon=1e-6)(L.Add()([x, attended]))
    fed = L.Dense(features)(L.Dense(hidden, activation="relu")(x))
    return L.LayerNormalization(epsilon=1e-6)(L.Add()([x, L.Dropout(0.1)(fed)]))


@pytest.mark.slow
def test_a_transformer_block_text_classifier(tmp_path: Path) -> None:
    # keras-io's token and position embeddings (a custom layer there) as two Embeddings
    # added, the positions given as a second input.
    tokens, positions = keras.Input((5,), dtype="int32", name="tokens"), keras.Input((5,), dtype="int32")
    x = L.Add()([L.Embedding(10, 8)(tokens), L.Embedding(5, 8)(positions)])
    x = _transformer_block(x, features=8, heads=2, hidden=16)
    x = L.Dropout(0.1)(L.GlobalAveragePooling1D()(x))
    x = L.Dropout(0.1)(L.Dense(12, activation="relu")(x))
    model = keras.Model([tokens, positions], L.Dense(2, activation="softmax")(x))
    randomize(model)
    position_ids = np.broadcast_to(np.arange(5, dtype=np.int32), IDS.shape).copy()
    assert difference(model, tmp_path, [IDS, position_ids]) <= TOLERANCE
