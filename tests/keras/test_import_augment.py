"""Keras's image augmentation layers imported: the same inference outputs, and each unmappable option refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import keras  # type: ignore[import-untyped]  # Keras ships no types
import numpy as np
import pytest

import typednn as tn
from tests.keras import TOLERANCE, difference, keras_outputs, randomize
from typednn import TypednnError

L = keras.layers
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy:DeprecationWarning")


def _pixels(*shape: int) -> np.ndarray[Any, Any]:
    """A batch of 3 images with pixels in [0, 1], the value_range the layers below are given."""
    return np.random.default_rng(1).uniform(0.0, 1.0, (3, *shape)).astype(np.float32)


def _import(tmp_path: Path, *layers: Any, shape: tuple[int, ...] = (8, 10, 3)) -> tuple[Any, Any]:
    model = keras.Sequential([keras.Input(shape), *layers])
    model.save(tmp_path / "model.keras")
    return tn.import_keras(tmp_path / "model.keras")


def _by_name(model: tn.Model[Any, Any]) -> dict[str, Any]:
    """The imported model's layers by their (Keras) names."""
    return {model.graph.name(layer): layer for layer in model.graph.layers()}


def test_a_model_starting_with_augmentation_predicts_what_keras_predicts(tmp_path: Path) -> None:
    model = keras.Sequential(
        [
            keras.Input((8, 10, 3)),
            L.CenterCrop(6, 8, name="center"),
            L.RandomFlip("horizontal", seed=3, name="flip"),  # Keras's seed is accepted, not carried over
            L.RandomRotation(0.1, fill_mode="constant", fill_value=0.5, interpolation="nearest", name="turn"),
            L.RandomCrop(6, 8, name="crop"),  # the window is the image: the identity at inference in both
            L.RandomBrightness(0.2, value_range=(0.0, 1.0), name="bright"),
            L.RandomContrast(0.3, value_range=(0.0, 1.0), name="contrast"),
            L.Conv2D(4, 3, activation="relu", name="conv"),
            L.GlobalAveragePooling2D(name="pool"),
            L.Dense(3, name="head"),
        ]
    )
    randomize(model)
    assert difference(model, tmp_path, [_pixels(8, 10, 3)]) <= TOLERANCE
    imported, _ = tn.import_keras(tmp_path / "model.keras")
    layers = _by_name(imported)
    twins = {name: type(layers[name]).__name__ for name in ("center", "flip", "turn", "crop", "bright", "contrast")}
    assert twins == {
        "center": "CenterCrop",
        "flip": "RandomFlip",
        "turn": "RandomRotation",
        "crop": "RandomCrop",
        "bright": "RandomBrightness",
        "contrast": "RandomContrast",
    }
    turn = layers["turn"].hyper
    assert (turn.factor, turn.fill_mode, turn.fill_value, turn.interpolation) == (0.1, "constant", 0.5, "nearest")
    assert (layers["contrast"].hyper.factor, layers["contrast"].hyper.value_range) == (0.3, (0.0, 1.0))
    assert (layers["bright"].hyper.factor, layers["bright"].hyper.value_range) == (0.2, (0.0, 1.0))


def test_each_layer_keeps_its_options(tmp_path: Path) -> None:
    imported, params = _import(
        tmp_path,
        L.RandomFlip("vertical", name="flip"),
        L.RandomRotation((-0.25, 0.25), fill_mode="wrap", name="turn"),
        L.RandomBrightness(0.5, value_range=(0, 255), name="bright"),
        L.RandomContrast((0.2, 0.2), name="contrast"),  # Keras's documented [1 - f, 1 + f]: typednn's f
        L.RandomCrop(4, 6, name="crop"),
    )
    layers = _by_name(imported)
    assert layers["flip"].hyper.mode == "vertical"
    assert (layers["turn"].hyper.factor, layers["turn"].hyper.fill_mode) == (0.25, "wrap")
    assert (layers["bright"].hyper.factor, layers["bright"].hyper.value_range) == (0.5, (0.0, 255.0))
    assert layers["contrast"].hyper.factor == 0.2
    assert (layers["crop"].hyper.height, layers["crop"].hyper.width) == (4, 6)
    assert params == {}  # no variables: nothing to read from the weights file


def test_random_crop_at_inference_takes_the_center_window_of_keras_s_output_shape(tmp_path: Path) -> None:
    # Keras 3.15's RandomCrop passes the image through uncropped at inference, against its
    # own output shape (None, 4, 6, 3); typednn takes the center window, as CenterCrop does.
    crop = L.RandomCrop(4, 6, name="crop")
    imported, params = _import(tmp_path, crop)
    x = _pixels(8, 10, 3)
    got = np.asarray(imported.apply(params, x))
    center = keras.Sequential([keras.Input((8, 10, 3)), L.CenterCrop(4, 6)])
    assert got.shape == (3, *crop.compute_output_shape((None, 8, 10, 3))[1:])
    np.testing.assert_array_equal(got, keras_outputs(center, [x])[0])
    trained = np.asarray(imported.apply(params, x, key=jax.random.key(0), training=True))
    assert trained.shape == got.shape


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (lambda: L.RandomRotation((-0.1, 0.2), name="aug"), r"'aug' \(RandomRotation\) sets factor=\(-0\.1, 0\.2\)"),
        (lambda: L.RandomBrightness((0.0, 0.3), name="aug"), r"'aug' \(RandomBrightness\) sets factor=\(0, 0\.3\)"),
        (lambda: L.RandomContrast((0.1, 0.4), name="aug"), r"'aug' \(RandomContrast\) sets factor=\(0\.1, 0\.4\)"),
    ],
)
def test_an_asymmetric_factor_is_refused_by_name(tmp_path: Path, layer: Any, message: str) -> None:
    with pytest.raises(TypednnError, match=message) as error:
        _import(tmp_path, layer())
    assert error.value.hint is not None and "one float factor" in error.value.hint


def test_channels_first_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TypednnError, match=r"'flip' \(RandomFlip\) sets data_format='channels_first'"):
        _import(tmp_path, L.RandomFlip(data_format="channels_first", name="flip"), shape=(3, 8, 8))


def test_a_center_crop_larger_than_the_image_is_refused_not_resized(tmp_path: Path) -> None:
    # Keras resizes a smaller image up to the window; typednn's rule refuses it.
    with pytest.raises(TypednnError, match=r"CenterCrop") as error:
        _import(tmp_path, L.CenterCrop(10, 10, name="center"))
    assert error.value.hint is not None and "Resizing" in error.value.hint


def test_an_imported_augmentation_model_saves_and_loads(tmp_path: Path) -> None:
    imported, params = _import(tmp_path, L.RandomFlip("horizontal"), L.RandomCrop(6, 6), L.Flatten(), L.Dense(2))
    tn.save(imported, params, tmp_path / "export")
    loaded, loaded_params = tn.load(tmp_path / "export")
    x = _pixels(8, 10, 3)
    np.testing.assert_array_equal(np.asarray(loaded.apply(loaded_params, x)), np.asarray(imported.apply(params, x)))
