"""Token ids, Embedding and positional embeddings: rules, lowering, data checks, spec files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx
from hypothesis import given
from hypothesis import strategies as st

import typednn as tn
from typednn import nn
from typednn._shapes import UNKNOWN, EmbeddingHyper, Shape, ShapeError
from typednn.layers._embedding import sinusoids
from typednn.testing import check_case, layers

KEY = jax.random.key(0)


def tokens(*dims: Any) -> Shape:
    return Shape.of(*dims, tokens=True)


def run(layer: Any, x: jax.Array, shape: Shape) -> jax.Array:
    params = layer.init(KEY, shape)
    result: jax.Array = layer.apply(params, x, key=None, training=False)
    return result


# --- rules ---------------------------------------------------------------------------


def test_embedding_rule() -> None:
    hyper = EmbeddingHyper(vocab=100, features=8)
    assert hyper.output_shape(tokens(5)) == Shape.of(5, 8)
    assert hyper.output_shape(tokens(2, 3)) == Shape.of(2, 3, 8)
    assert hyper.output_shape(tokens()) == Shape.of(8)
    assert hyper.output_shape(Shape.anything()) == Shape((8,), open=True)
    with pytest.raises(ShapeError, match=r"Embedding\(100, 8\) expects integer token ids .* float features \(5,\)"):
        hyper.output_shape(Shape.of(5))
    with pytest.raises(tn.HyperparameterError, match="vocab must be a positive int"):
        EmbeddingHyper(vocab=0, features=8)
    assert EmbeddingHyper(vocab=UNKNOWN, features=4).output_shape(tokens(3)) == Shape.of(3, 4)


def test_only_token_layers_take_tokens() -> None:
    ids = tn.Input(6, dtype="int32")
    for layer in (nn.Dense(3), nn.relu, nn.LayerNorm(), nn.Flatten(), nn.PositionEmbedding(8)):
        with pytest.raises(ShapeError, match=r"expects float features, but receives token ids \(6,\)"):
            layer(ids)  # type: ignore[typednn-shape]
    with pytest.raises(ShapeError, match="token ids"):
        ids + ids  # type: ignore[typednn-shape]
    with pytest.raises(tn.TypednnError, match=r"dtype must be 'float32' .* or 'int32'"):
        tn.Input(3, dtype="int8")  # type: ignore[call-overload]
    # A block composed before it is applied does not know what it gets.
    block = nn.Embedding(10, 4) >> nn.SinusoidalPositionEmbedding()
    assert block(ids).shape == Shape.of(6, 4)


def test_position_rules() -> None:
    assert nn.PositionEmbedding(8)(tn.Input(8, 4)).shape == Shape.of(8, 4)
    assert nn.PositionEmbedding(8)(tn.Input(3, 4)).shape == Shape.of(3, 4)
    with pytest.raises(ShapeError, match=r"PositionEmbedding\(8\) expects sequences of at most 8 positions"):
        nn.PositionEmbedding(8)(tn.Input(9, 4))  # type: ignore[typednn-shape]
    with pytest.raises(ShapeError, match=r"expects a \(sequence, features\) input, but receives \(4,\)"):
        nn.PositionEmbedding(8)(tn.Input(4))  # type: ignore[typednn-shape]
    assert nn.SinusoidalPositionEmbedding()(tn.Input(3, 5)).shape == Shape.of(3, 5)
    with pytest.raises(ShapeError, match=r"expects a \(sequence, features\) input, but receives \(2, 3, 5\)"):
        nn.SinusoidalPositionEmbedding()(tn.Input(2, 3, 5))  # type: ignore[typednn-shape]


@given(data=st.data())
def test_embedding_rule_is_jax(data: st.DataObject) -> None:
    check_case(data.draw(layers("embedding")), data)


@pytest.mark.parametrize("kind", ["position_embedding", "sinusoidal_position_embedding"])
@given(data=st.data())
def test_position_rules_are_jax(kind: str, data: st.DataObject) -> None:
    check_case(data.draw(layers(kind)), data)


# --- numbers -------------------------------------------------------------------------


def test_embedding_equals_flax() -> None:
    ours = nn.Embedding(30, 6)
    params = ours.init(KEY, tokens(4))
    theirs = nnx.Embed(30, 6, rngs=nnx.Rngs(0))
    theirs.embedding[...] = params["embedding"]
    ids = jax.random.randint(KEY, (3, 4), 0, 30)
    np.testing.assert_array_equal(run(ours, ids, tokens(4)), theirs(ids))
    # flax's initialiser: variance 1 / features.
    big = nn.Embedding(2000, 64).init(KEY, tokens(1))["embedding"]
    flax_big = nnx.Embed(2000, 64, rngs=nnx.Rngs(0)).embedding[...]
    assert abs(float(jnp.std(big)) - 1 / 8) < 0.005
    assert abs(float(jnp.std(flax_big)) - 1 / 8) < 0.005
    # An id past the vocab gives NaN, never another token's vector (the Trainer refuses it first).
    out = run(ours, jnp.array([[0, 30, 31, 2]]), tokens(4))
    assert np.isnan(out[0, 1:3]).all() and np.isfinite(out[0, [0, 3]]).all()


def test_sinusoids_are_the_published_encoding() -> None:
    table = sinusoids(50, 16, 10_000)
    positions, i = np.meshgrid(np.arange(50), np.arange(8), indexing="ij")
    angle = positions / 10_000 ** (2 * i / 16)
    np.testing.assert_allclose(table[:, 0::2], np.sin(angle), atol=1e-6)
    np.testing.assert_allclose(table[:, 1::2], np.cos(angle), atol=1e-6)
    x = jnp.ones((2, 50, 16))
    out = run(nn.SinusoidalPositionEmbedding(), x, Shape.of(50, 16))
    np.testing.assert_allclose(out, np.broadcast_to(1 + table, (2, 50, 16)), atol=1e-6)


def test_learned_positions_take_the_first_rows() -> None:
    layer = nn.PositionEmbedding(10)
    params = layer.init(KEY, Shape.of(10, 4))
    out = layer.apply(params, jnp.zeros((2, 3, 4)), key=None, training=False)
    np.testing.assert_array_equal(out[0], params["embedding"][:3])


# --- models, data and the trainer ------------------------------------------------------


def classifier() -> tn.Model[Any, Any]:
    ids = tn.Input(8, dtype="int32")
    h = ids >> nn.Embedding(20, 8) >> nn.SinusoidalPositionEmbedding() >> nn.PositionEmbedding(8)
    return tn.Model(ids, h >> nn.Flatten() >> nn.Dense(2), name="tokens")


def token_data(n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 20, (n, 8))
    return x, (x[:, 0] < 10).astype(np.int32)


def test_token_model_trains_and_checks_ids() -> None:
    model = classifier()
    x, y = token_data()
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2))
    data = tn.data.from_arrays(x, y)
    assert data.features.dtype == np.int32 and data.feature_shape == tokens(8)
    history = trainer.fit(data, epochs=3, verbose=0)
    assert history.epochs[-1]["loss"] < history.epochs[0]["loss"]
    assert trainer.predict(x[:5]).shape == (5, 2)
    bad = x.copy()
    bad[37, 5] = 20
    with pytest.raises(tn.TypednnError, match=r"data row 37, position 5: token id 20 is not in \[0, 20\)") as caught:
        trainer.fit(tn.data.from_arrays(bad, y), epochs=1, verbose=0)
    assert "embedding (Embedding(20, 8))" in caught.value.message and caught.value.hint
    with pytest.raises(tn.TypednnError, match=r"inputs row 1, position 0: token id -3"):
        trainer.predict(np.array([[0] * 8, [-3] + [0] * 7]))
    with pytest.raises(tn.TypednnError, match=r"data row 0, position 5: token id 20"):
        trainer.evaluate(tn.data.from_arrays(bad[37:], y[37:]))
    with pytest.raises(ShapeError, match=r"expects token ids of shape \(8,\) .* floats of shape \(8,\)"):
        trainer.fit(tn.data.from_arrays(x.astype(np.float32), y), epochs=1, verbose=0)


def test_float_models_read_integer_features_as_floats() -> None:
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(2))
    params = model.init(KEY)
    pixels = np.arange(8, dtype=np.uint8).reshape(2, 4)
    np.testing.assert_allclose(model.apply(params, pixels), model.apply(params, pixels.astype(np.float32)))
    image = tn.Input(4, 4, 1)
    conv = tn.Model(image, image >> nn.Conv2D(2, kernel=3))
    grey = np.arange(32, dtype=np.uint8).reshape(2, 4, 4, 1)
    conv_params = conv.init(KEY)
    np.testing.assert_allclose(conv.apply(conv_params, grey), conv.apply(conv_params, grey.astype(np.float32)))
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1))
    trainer.fit(tn.data.from_arrays(np.tile(pixels, (8, 1)), np.arange(16) % 2), epochs=1, verbose=0)


SPEC = """\
name: tokens
model:
  input: [8]
  dtype: int32
  layers:
    - embedding: {vocab: 20, features: 8}
    - sinusoidal_position_embedding
    - position_embedding: 8
    - flatten
    - dense: 2
"""


def test_spec_export_and_codegen_keep_the_dtype(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text(SPEC)
    model = tn.spec.read(path).model
    assert model.inputs.shape == tokens(8)
    params = model.init(KEY)
    tn.save(model, params, tmp_path / "saved")
    loaded, loaded_params = tn.load(tmp_path / "saved")
    ids = jnp.asarray(token_data(4)[0])
    np.testing.assert_array_equal(loaded.apply(loaded_params, ids), model.apply(params, ids))
    assert loaded.inputs.shape.tokens
    source = tn.spec.codegen(model)
    assert 'x = tn.Input(8, dtype="int32")' in source
    assert "tn.Model[tn.Tokens[L[8]], tn.Tensor[L[2]]]" in source
    path.write_text(SPEC.replace("dtype: int32", "dtype: int64"))
    with pytest.raises(tn.TypednnError, match=r"tokens.yaml:4:10: model.dtype"):
        tn.spec.read(path)
    path.write_text(SPEC.replace("  dtype: int32\n", ""))
    with pytest.raises(tn.TypednnError, match=r"tokens.yaml:5:7 \(embedding\): Embedding\(20, 8\) expects integer"):
        tn.spec.read(path)
