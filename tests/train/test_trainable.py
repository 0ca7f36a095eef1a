"""Frozen layers (`Trainer(frozen=...)`): never updated, BatchNorm in inference mode, checkpoints intact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn, zoo


def small_cnn() -> tn.Model[Any, Any]:
    x = tn.Input(8, 8, 1)
    h = x >> nn.Conv2D(4, kernel=3, padding="same", name="stem") >> nn.BatchNorm(name="stem_bn") >> nn.relu
    h = h >> nn.Conv2D(4, kernel=3, padding="same") >> nn.BatchNorm() >> nn.relu
    return tn.Model(x, h >> nn.GlobalAvgPool2D() >> nn.Dense(3, name="head"))


def data(examples: int = 24) -> tn.data.Dataset[Any, Any]:
    rng = np.random.default_rng(0)
    return tn.data.from_arrays(rng.normal(size=(examples, 8, 8, 1)).astype(np.float32), rng.integers(0, 3, examples))


def host(params: Any) -> Any:
    return jax.tree.map(np.asarray, params)


def fitted(frozen: list[str], **options: Any) -> tuple[tn.Trainer[Any, Any], Any]:
    trainer = tn.Trainer(
        small_cnn(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), frozen=frozen, **options
    )
    before = host(trainer.params)
    trainer.fit(data(), epochs=2, batch_size=8, verbose=0)
    return trainer, before


def test_frozen_layers_and_batchnorm_statistics_stay_bit_identical() -> None:
    trainer, before = fitted(["stem*"])
    after = host(trainer.params)
    assert trainer.frozen == {"stem", "stem_bn"}
    for layer in ("stem", "stem_bn"):  # kernel, bias; scale, bias, mean, var
        for name, array in before[layer].items():
            np.testing.assert_array_equal(after[layer][name], array, err_msg=f"{layer}/{name}")
    for layer in ("conv2d", "batch_norm", "head"):
        assert any(not np.array_equal(after[layer][n], a) for n, a in before[layer].items()), layer
    # The unfrozen BatchNorm's statistics moved; the optimizer holds no state for frozen layers.
    assert not np.array_equal(after["batch_norm"]["mean"], before["batch_norm"]["mean"])
    paths = {jax.tree_util.keystr(path) for path, _ in jax.tree_util.tree_leaves_with_path(trainer.opt_state)}
    assert not any("stem" in path for path in paths) and any("head" in path for path in paths)


def test_a_frozen_batchnorm_normalises_with_its_moving_statistics() -> None:
    # With every layer but the head frozen, the backbone is a fixed function: its features in
    # training mode equal those at inference, so the loss of a step is the evaluated loss.
    trainer = tn.Trainer(
        small_cnn(),
        loss=tn.losses.softmax_cross_entropy,
        optimizer=optax.sgd(0.0),
        frozen=["stem*", "conv2d", "batch_norm"],
    )
    evaluated = trainer.evaluate(data(), batch_size=24)["loss"]
    history = trainer.fit(data(), epochs=1, batch_size=24, verbose=0, shuffle=False)
    assert history.epochs[0]["loss"] == pytest.approx(evaluated, rel=1e-5)


def test_without_frozen_layers_training_is_unchanged() -> None:
    plain = tn.Trainer(small_cnn(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2))
    plain.fit(data(), epochs=2, batch_size=8, verbose=0)
    trainer, _ = fitted([])
    assert trainer.frozen == frozenset()
    for a, b in zip(jax.tree.leaves(host(plain.params)), jax.tree.leaves(host(trainer.params))):
        np.testing.assert_array_equal(a, b)


def test_an_unknown_name_lists_the_layers() -> None:
    with pytest.raises(tn.TypednnError, match=r"frozen= names 'stems', which is no layer") as caught:
        tn.Trainer(small_cnn(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1), frozen=["stems"])
    assert caught.value.hint is not None and "stem, stem_bn, relu" in caught.value.hint
    with pytest.raises(tn.TypednnError, match="layer names or patterns, not 3"):
        tn.Trainer(small_cnn(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1), frozen=[3])  # type: ignore[list-item]  # a hostile value on purpose


def test_resume_from_a_checkpoint_keeps_working(tmp_path: Path) -> None:
    def trainer() -> tn.Trainer[Any, Any]:
        return tn.Trainer(
            small_cnn(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), frozen=["stem*"]
        )

    whole = trainer()
    whole.fit(data(), epochs=3, batch_size=8, verbose=0)
    first = trainer()
    first.fit(data(), epochs=2, batch_size=8, verbose=0, callbacks=[tn.callbacks.Checkpoint(tmp_path)])
    resumed = trainer()
    resumed.fit(data(), epochs=3, batch_size=8, verbose=0, callbacks=[tn.callbacks.Checkpoint(tmp_path)], resume=True)
    assert resumed.step == whole.step
    for a, b in zip(jax.tree.leaves(host(whole.params)), jax.tree.leaves(host(resumed.params))):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_replacing_the_head_of_a_zoo_backbone() -> None:
    backbone = zoo.lenet5(include_top=False, pooling="avg")
    features = backbone.outputs >> nn.Dense(32, name="head_hidden") >> nn.relu >> nn.Dense(4, name="head")
    model = tn.Model(backbone.inputs, features)
    frozen = [backbone.graph.name(layer) for layer in backbone.graph.layers()]
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), frozen=frozen)
    before = host(trainer.params)
    rng = np.random.default_rng(1)
    images = tn.data.from_arrays(rng.normal(size=(16, 32, 32, 1)).astype(np.float32), rng.integers(0, 4, 16))
    trainer.fit(images, epochs=2, batch_size=8, verbose=0)
    after = host(trainer.params)
    assert trainer.predict(images.features[:2]).shape == (2, 4)
    for layer in frozen:
        for name, array in before.get(layer, {}).items():
            np.testing.assert_array_equal(after[layer][name], array)
    assert not np.array_equal(after["head"]["kernel"], before["head"]["kernel"])
