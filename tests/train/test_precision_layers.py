"""Mixed precision beyond Dense/Conv/BatchNorm: attention, positions, embeddings, recurrent carries, augmentation.

The layers that make their own arrays (masks, position tables, initial carries, random
draws) must make them in the dtype they compute in, or a bfloat16 run silently goes
back to float32 after them. Each test reads the dtypes of the matrix products from the
traced program, scan bodies included, as `test_precision.py` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn, zoo
from typednn.lower import lower
from typednn.train._precision import Policy

HEAVY = ("dot_general", "conv_general_dilated")


def _eqns(jaxpr: Any) -> Iterator[Any]:
    """Every equation of a jaxpr, those inside scans, remat and custom rules included."""
    for eqn in jaxpr.eqns:
        yield eqn
        for value in eqn.params.values():
            for inner in value if isinstance(value, (tuple, list)) else (value,):
                if hasattr(inner, "eqns"):
                    yield from _eqns(inner)
                elif hasattr(inner, "jaxpr") and hasattr(inner.jaxpr, "eqns"):
                    yield from _eqns(inner.jaxpr)


def _heavy_dtypes(trainer: tn.Trainer[Any, Any], x: jax.Array) -> list[set[str]]:
    forward = trainer._compiled.forward
    jaxpr = jax.make_jaxpr(lambda p: forward(p, x, training=True, key=jax.random.key(1)))(trainer.params)
    return [{str(v.aval.dtype) for v in eqn.invars} for eqn in _eqns(jaxpr.jaxpr) if eqn.primitive.name in HEAVY]


def _trainer(model: tn.Model[Any, Any], precision: str) -> tn.Trainer[Any, Any]:
    return tn.Trainer(
        model,
        loss=tn.losses.softmax_cross_entropy,
        optimizer=optax.adam(1e-3),
        precision=precision,  # type: ignore[arg-type]  # a str from the parametrisation
    )


def _ids(n: int, length: int, vocab: int) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(0)
    ids = rng.integers(1, vocab, (n, length))
    ids[: n // 2, length // 2 :] = 0  # padding, for the masks
    return ids.astype(np.int32)


def _text_model(cell: str) -> tn.Model[Any, Any]:
    ids = tn.Input(12, dtype="int32")
    recurrent = nn.LSTM(16, return_sequences=False) if cell == "lstm" else nn.GRU(16, return_sequences=False)
    h = ids >> nn.Embedding(50, 8, mask_zero=True) >> nn.Bidirectional(nn.LSTM(8, return_sequences=True)) >> recurrent
    return tn.Model(ids, h >> nn.Dense(2))


def _fits_in_bfloat16_like_float32(model: tn.Model[Any, Any], ids: np.ndarray[Any, Any]) -> tn.Trainer[Any, Any]:
    """A few bfloat16 steps: loss finite, parameters float32, outputs close to float32's on the same parameters."""
    trainer = _trainer(model, "bfloat16")
    labels = np.arange(len(ids)) % 2
    history = trainer.fit(tn.data.from_arrays(ids, labels), epochs=2, batch_size=8, verbose=0)
    assert all(np.isfinite(epoch["loss"]) for epoch in history.epochs)
    assert {str(leaf.dtype) for leaf in jax.tree.leaves(trainer.params)} == {"float32"}
    low, _, _ = trainer._compiled.forward(trainer.params, jnp.asarray(ids))
    full = trainer.model.apply(trainer.params, jnp.asarray(ids))
    assert low.dtype == jnp.float32  # cast back for the losses
    np.testing.assert_allclose(np.asarray(low), np.asarray(full), atol=0.1, rtol=0.1)
    return trainer


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_recurrent_layers_carry_and_compute_in_bfloat16(cell: str) -> None:
    ids = _ids(16, 12, 50)
    trainer = _fits_in_bfloat16_like_float32(_text_model(cell), ids)
    heavy = _heavy_dtypes(trainer, jnp.asarray(ids[:4]))
    # Both directions of the Bidirectional, the second layer, each with an input and a
    # recurrent product, and the head: all in bfloat16, the scan bodies included.
    assert len(heavy) == 7
    assert all(dtypes == {"bfloat16"} for dtypes in heavy), heavy


def test_recurrent_layers_in_float32_carry_float32() -> None:
    trainer = _trainer(_text_model("gru"), "float32")
    heavy = _heavy_dtypes(trainer, jnp.asarray(_ids(4, 12, 50)))
    assert heavy and all(dtypes == {"float32"} for dtypes in heavy)


def test_a_recurrent_layer_with_bfloat16_weights_and_float32_inputs_computes_in_float32() -> None:
    # An export loaded as stored (tn.load(..., dtype=None)) applied to float32 features:
    # the carry takes the promoted dtype, so the scan's steps agree with it.
    x = tn.Input(12, 4)
    model = tn.Model(x, x >> nn.LSTM(8, return_sequences=False) >> nn.Dense(2))
    params = jax.tree.map(lambda array: array.astype(jnp.bfloat16), model.init(jax.random.key(0)))
    assert model.apply(params, jnp.ones((3, 12, 4), jnp.float32)).dtype == jnp.float32


@pytest.mark.slow
def test_the_transformer_classifier_trains_in_bfloat16() -> None:
    model = zoo.transformer_classifier()
    ids = _ids(16, 128, 20_000)
    trainer = _fits_in_bfloat16_like_float32(model, ids)
    heavy = _heavy_dtypes(trainer, jnp.asarray(ids[:4]))
    # Per block: query, key, value, the scores, the weighted values, the output
    # projection and the MLP's two layers; then the head.
    assert len(heavy) == 2 * 8 + 1
    assert all(dtypes == {"bfloat16"} for dtypes in heavy), heavy


def test_padded_attention_and_sinusoidal_positions_stay_in_bfloat16() -> None:
    ids = tn.Input(10, dtype="int32")
    h = ids >> nn.Embedding(30, 8, mask_zero=True) >> nn.SinusoidalPositionEmbedding()
    h = h >> nn.TransformerEncoderBlock(2, 16) >> nn.GlobalAvgPool1D()
    trainer = _trainer(tn.Model(ids, h >> nn.Dense(2)), "bfloat16")
    heavy = _heavy_dtypes(trainer, jnp.asarray(_ids(4, 10, 30)))
    assert heavy and all(dtypes == {"bfloat16"} for dtypes in heavy), heavy


def _low_output(layer: Any, x: tn.Tensor[Any, Any, Any]) -> Any:
    model = tn.Model(x, layer(x))
    lowered = lower(model.graph)
    policy = Policy("bfloat16")
    params = policy.cast_params(model.init(jax.random.key(0)))
    images = jnp.linspace(0.0, 1.0, 2 * 8 * 8 * 3).reshape(2, 8, 8, 3)
    outputs, _, _ = lowered.forward(params, images, dtype=jnp.bfloat16, training=True, key=jax.random.key(1))
    return outputs


@pytest.mark.parametrize("layer", [nn.RandomBrightness(0.2), nn.RandomContrast(0.2)])
def test_augmentation_keeps_the_images_dtype(layer: Any) -> None:
    assert _low_output(layer, tn.Input(8, 8, 3)).dtype == jnp.bfloat16
