"""examples/functional.py: the functional-API examples build, train a few steps, and have spec-file twins."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np
import optax
import pytest

import typednn as tn
from examples.functional import classify_and_locate, train_classify_and_locate, two_tower, unet
from examples.sequences import padded_sentences, seq2seq_lstm, tagger, train_seq2seq, train_tagger
from typednn.spec import codegen, read

ROOT = Path(__file__).resolve().parents[1]
BUILDERS: dict[str, Callable[[], tn.Model[Any, Any]]] = {
    "two_tower": two_tower,
    "classify_and_locate": classify_and_locate,
    "unet": unet,
    "tagger": tagger,
    "seq2seq_lstm": seq2seq_lstm,
}


def batch(model: tn.Model[Any, Any], examples: int = 3) -> tuple[np.ndarray[Any, Any], ...]:
    rng = np.random.default_rng(0)
    shapes = [(examples, *(int(d) for d in x.shape.dims if isinstance(d, int))) for x in model.graph.inputs]
    return tuple(
        rng.integers(0, 10, shape).astype(np.int32) if x.shape.tokens else rng.normal(size=shape).astype(np.float32)
        for x, shape in zip(model.graph.inputs, shapes)
    )


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_the_spec_file_twin_builds_the_same_model(name: str) -> None:
    built = BUILDERS[name]()
    twin = read(ROOT / "examples" / "keras_functional" / f"{name}.yaml").model
    assert twin.name == built.name
    assert repr(twin) == repr(built)
    shapes = jax.tree.map(lambda a: (a.shape, a.dtype), built.param_shapes())
    assert jax.tree.map(lambda a: (a.shape, a.dtype), twin.param_shapes()) == shapes
    if len(built.graph.inputs) > 1:
        assert twin.input_names == built.input_names
    params = built.init(jax.random.key(0))
    x = batch(built)
    for ours, theirs in zip(jax.tree.leaves(built.apply(params, x)), jax.tree.leaves(twin.apply(params, x))):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_codegen_of_the_twin_builds_the_same_model(name: str) -> None:
    twin = read(ROOT / "examples" / "keras_functional" / f"{name}.yaml").model
    namespace: dict[str, Any] = {}
    exec(compile(codegen(twin), f"{name}.py", "exec"), namespace)  # the code generated just above
    rebuilt = namespace["build_model"]()
    assert repr(rebuilt) == repr(twin) and rebuilt.input_names == twin.input_names
    assert rebuilt.output_names == twin.output_names
    params = twin.init(jax.random.key(1))
    x = batch(twin)
    for ours, theirs in zip(jax.tree.leaves(twin.apply(params, x)), jax.tree.leaves(rebuilt.apply(params, x))):
        np.testing.assert_array_equal(ours, theirs)


def test_the_shared_tower_counts_once() -> None:
    model = two_tower()
    assert model.count_params() == (32 * 16 + 16) + (16 * 8 + 8) + (16 * 8 + 8) + (8 + 1)
    assert "tower_2[1]" in model.summary()


def test_classify_and_locate_trains() -> None:
    last = train_classify_and_locate(examples=32, epochs=2)
    assert set(last) == {"loss", "label_loss", "label_accuracy", "box_loss"}
    assert all(math.isfinite(value) for value in last.values())


def test_two_tower_and_unet_train_a_few_steps() -> None:
    rng = np.random.default_rng(1)
    pairs = tn.data.from_arrays(
        (rng.normal(size=(32, 32)), rng.normal(size=(32, 32))), rng.integers(0, 2, (32, 1)) * 1.0
    )
    siamese = tn.Trainer(two_tower(), loss=tn.losses.binary_cross_entropy, optimizer=optax.adam(1e-2))
    losses = [epoch["loss"] for epoch in siamese.fit(pairs, epochs=5, batch_size=8, verbose=0).epochs]
    assert losses[-1] < losses[0]
    tiles = tn.data.from_arrays(rng.normal(size=(8, 36, 36, 1)), rng.normal(size=(8, 28, 28, 2)))
    segmenter = tn.Trainer(unet(), loss=tn.losses.mean_squared_error, optimizer=optax.adam(1e-3))
    history = segmenter.fit(tiles, epochs=1, batch_size=4, verbose=0)
    assert math.isfinite(history.epochs[-1]["loss"])


def test_the_tagger_learns_from_padded_sentences_counting_only_real_tokens() -> None:
    tokens, _ = padded_sentences(8, seed=3)
    assert (tokens == 0).any()  # the batches hold padding, which the mask leaves out
    last = train_tagger(examples=64, epochs=3)
    assert set(last) == {"loss", "accuracy"} and math.isfinite(last["loss"])
    assert last["accuracy"] > 0.5  # from 0.2 by chance: the tag is the token's id mod 5


def test_the_seq2seq_lstm_trains() -> None:
    first = train_seq2seq(examples=64, epochs=1)
    later = train_seq2seq(examples=64, epochs=6)
    assert later["loss"] < first["loss"]
