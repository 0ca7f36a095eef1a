"""keras.applications models, built with random weights, saved and imported: the same predictions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import jax
import keras  # type: ignore[import-untyped]  # Keras ships no types
import numpy as np
import pytest

import typednn as tn
from tests.keras import TOLERANCE, data, difference, keras_outputs, randomize

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy:DeprecationWarning")

APPLICATIONS: dict[str, tuple[Callable[[], Any], tuple[int, int, int]]] = {
    "mobilenet_v2": (
        lambda: keras.applications.MobileNetV2(
            weights=None, input_shape=(96, 96, 3), alpha=0.35, classes=10, classifier_activation=None
        ),
        (96, 96, 3),
    ),
    "resnet50": (
        lambda: keras.applications.ResNet50(
            weights=None, input_shape=(64, 64, 3), classes=10, classifier_activation=None
        ),
        (64, 64, 3),
    ),
}


def _random_statistics(model: keras.Model, seed: int = 0) -> None:
    """Random BatchNorm moving statistics: Keras's defaults (0 and 1) would leave them untested."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            shape = tuple(layer.moving_mean.shape)
            layer.moving_mean.assign(rng.normal(0.0, 0.1, shape).astype(np.float32))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, shape).astype(np.float32))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(APPLICATIONS))
def test_an_application_predicts_what_keras_predicts(name: str, tmp_path: Path) -> None:
    make, shape = APPLICATIONS[name]
    with jax.numpy_rank_promotion("allow"):  # Keras's own code broadcasts by rank as it builds
        model = make()
    _random_statistics(model)
    images = np.random.default_rng(1).normal(size=(2, *shape)).astype(np.float32)
    # The logits (classifier_activation=None), so a softmax cannot hide a difference.
    assert difference(model, tmp_path, [images]) <= TOLERANCE


L = keras.layers

EXTRA_CASES: dict[str, tuple[Callable[[], Any], tuple[int, ...]]] = {
    "separable_conv2d": (
        lambda: L.SeparableConv2D(4, 3, depth_multiplier=2, padding="same", activation="relu"),
        (6, 6, 3),
    ),
    "separable_conv2d_strided": (lambda: L.SeparableConv2D(3, (3, 2), strides=2, use_bias=False), (7, 6, 2)),
    "rescaling": (lambda: L.Rescaling(1 / 127.5, offset=-1.0), (4, 3)),
    "normalization_given": (lambda: L.Normalization(mean=[0.5, -1.0, 2.0], variance=[1.0, 4.0, 0.25]), (4, 3)),
    "normalization_invert": (lambda: L.Normalization(mean=1.5, variance=2.0, invert=True), (4, 3)),
}
"""Layers of applications and preprocessing beyond the first table (their converters are `_layers_extra.py`)."""


@pytest.mark.parametrize("case", sorted(EXTRA_CASES))
def test_an_extra_layer_computes_what_keras_computes(case: str, tmp_path: Path) -> None:
    make, shape = EXTRA_CASES[case]
    x = keras.Input(shape)
    model = keras.Model(x, make()(x))
    randomize(model)
    assert difference(model, tmp_path, data(shape)) <= TOLERANCE


def test_multiply_computes_what_keras_computes(tmp_path: Path) -> None:
    a, b = keras.Input((3, 4)), keras.Input((3, 4))
    model = keras.Model([a, b], L.Multiply()([a, b, a]))
    assert difference(model, tmp_path, data((3, 4), (3, 4))) <= TOLERANCE


def _adapted_model(features: int = 3) -> Any:
    """Normalization fitted with adapt() on random data, then a Dense: its statistics are weights."""
    x = keras.Input((features,))
    norm = L.Normalization(name="norm")
    norm.adapt(np.random.default_rng(0).normal(2.0, 3.0, size=(50, features)).astype(np.float32))
    model = keras.Model(x, L.Dense(2, name="head")(norm(x)))
    randomize_trainable(model)
    return model


def randomize_trainable(model: Any) -> None:
    """Random trainable weights; adapted statistics (non-trainable) kept as adapt() left them."""
    rng = np.random.default_rng(3)
    for variable in model.trainable_weights:
        variable.assign(rng.normal(0.0, 0.5, tuple(variable.shape)).astype(np.float32))


def test_an_adapted_normalization_computes_what_keras_computes(tmp_path: Path) -> None:
    model = _adapted_model()
    (tmp_path / "m.json").write_text(model.to_json())
    model.save_weights(tmp_path / "m.weights.h5")
    imported, params = tn.import_keras(tmp_path / "m.json")
    norm = model.get_layer("norm")
    twin = imported.graph.layers()[0]
    assert repr(twin).startswith("Normalization(mean=(")
    np.testing.assert_allclose(twin.hyper.values()["mean"], np.asarray(norm.mean).ravel(), rtol=1e-7)
    assert sorted(params) == ["head"]  # the statistics are hyperparameters, not parameters
    (x,) = data((3,))
    got = np.asarray(imported.apply(params, x))
    (expected,) = keras_outputs(model, [x])
    assert float(np.abs(got - expected).max() / max(1.0, float(np.abs(expected).max()))) <= TOLERANCE


def test_an_adapted_normalization_saved_by_keras_imports(tmp_path: Path) -> None:
    assert difference(_adapted_model(), tmp_path, data((3,))) <= TOLERANCE


def test_adapted_statistics_of_another_shape_are_refused(tmp_path: Path) -> None:
    model = _adapted_model()
    (tmp_path / "m.json").write_text(model.to_json())
    model.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5", "r+") as h5:
        del h5["layers/normalization/vars/0"]
        h5["layers/normalization/vars/0"] = np.zeros((3, 1), np.float32)
    with pytest.raises(tn.TypednnError, match=r"'norm' \(Normalization\) has an adapted mean of shape \(3, 1\)"):
        tn.import_keras(tmp_path / "m.json")


def test_an_adapted_normalization_without_its_statistics_is_refused(tmp_path: Path) -> None:
    model = _adapted_model()
    (tmp_path / "m.json").write_text(model.to_json())
    model.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5", "r+") as h5:
        del h5["layers/normalization/vars"]
    with pytest.raises(tn.TypednnError, match=r"'norm' \(Normalization\) has 3 variables \(mean, variance, count\)"):
        tn.import_keras(tmp_path / "m.json")
