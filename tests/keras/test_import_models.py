"""Whole Keras models imported: Sequential, functional with skips, several inputs and outputs, sharing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import keras  # type: ignore[import-untyped]  # Keras ships no types
import numpy as np
import pytest

import typednn as tn
from tests.keras import TOLERANCE, data, difference, keras_outputs, randomize

L = keras.layers
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy:DeprecationWarning")


@pytest.mark.slow
def test_a_sequential_cnn(tmp_path: Path) -> None:
    model = keras.Sequential(
        [
            keras.Input((12, 12, 3)),
            L.Conv2D(8, 3, padding="same", use_bias=False),
            L.BatchNormalization(),
            L.ReLU(),
            L.MaxPooling2D(2),
            L.Conv2D(8, 3, activation="relu"),
            L.GlobalAveragePooling2D(),
            L.Dropout(0.2),
            L.Dense(10, activation="softmax"),
        ]
    )
    randomize(model)
    assert difference(model, tmp_path, data((12, 12, 3))) <= TOLERANCE


def _block(x: keras.KerasTensor, filters: int, name: str) -> keras.KerasTensor:
    h = L.Conv2D(filters, 3, padding="same", name=f"{name}_conv1")(x)
    h = L.BatchNormalization(name=f"{name}_bn1")(h)
    h = L.Activation("relu", name=f"{name}_relu")(h)
    h = L.Conv2D(filters, 3, padding="same", name=f"{name}_conv2")(h)
    h = L.BatchNormalization(name=f"{name}_bn2")(h)
    return L.ReLU(name=f"{name}_out")(L.Add(name=f"{name}_add")([x, h]))


@pytest.mark.slow
def test_a_resnet_style_model_with_two_inputs_two_outputs_and_a_shared_layer(tmp_path: Path) -> None:
    image, meta = keras.Input((8, 8, 3), name="image"), keras.Input((4,), name="meta")
    h = L.Conv2D(6, 3, padding="same", name="stem")(image)
    h = _block(_block(h, 6, "block1"), 6, "block2")
    pooled = L.GlobalAveragePooling2D(name="pool")(h)
    shared = L.Dense(4, activation="tanh", name="shared")  # one layer called on two tensors
    joined = L.Concatenate(name="join")([shared(L.Dense(4, name="squeeze")(pooled)), shared(meta)])
    label = L.Dense(5, activation="softmax", name="label")(joined)
    box = L.Dense(2, name="box")(joined)
    model = keras.Model([image, meta], [label, box])
    randomize(model)
    assert difference(model, tmp_path, data((8, 8, 3), (4,))) <= TOLERANCE
    imported, params = tn.import_keras(tmp_path / "model.keras")
    assert imported.input_names == ("image", "meta")
    assert imported.output_names == ("label", "box")
    assert set(params["shared"]) == {"kernel", "bias"}  # one set of weights for both calls


def test_a_nested_sequential_model_called_twice_shares_its_weights(tmp_path: Path) -> None:
    tower = keras.Sequential([keras.Input((5,)), L.Dense(4, activation="relu"), L.Dense(3)], name="tower")
    a, b = keras.Input((5,), name="a"), keras.Input((5,), name="b")
    model = keras.Model([a, b], L.Add()([tower(a), tower(b)]))
    randomize(model)
    assert difference(model, tmp_path, data((5,), (5,))) <= TOLERANCE
    _, params = tn.import_keras(tmp_path / "model.keras")
    assert len(params) == 2 and all(name.startswith("tower/") for name in params)


def test_a_config_json_with_its_weights_file(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((3,)), L.Dense(2)])
    randomize(model)
    (tmp_path / "net.json").write_text(model.to_json())
    model.save_weights(tmp_path / "net.weights.h5")
    imported, params = tn.import_keras(tmp_path / "net.json")
    x = data((3,))[0]
    np.testing.assert_allclose(np.asarray(imported.apply(params, x)), keras_outputs(model, [x])[0], atol=1e-6)


def test_the_import_round_trips_through_an_export(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="relu"), L.Dense(2)])
    randomize(model)
    model.save(tmp_path / "m.keras")
    imported, params = tn.import_keras(tmp_path / "m.keras")
    tn.save(imported, params, tmp_path / "export")
    again, loaded = tn.load(tmp_path / "export")
    x = data((4,))[0]
    np.testing.assert_array_equal(np.asarray(again.apply(loaded, x)), np.asarray(imported.apply(params, x)))


def test_importing_never_imports_keras_or_tensorflow(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((4,)), L.Dense(2)])
    model.save(tmp_path / "m.keras")
    script = (
        "import sys, typednn as tn\n"
        f"model, params = tn.import_keras({str(tmp_path / 'm.keras')!r})\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in ('keras', 'tensorflow')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
