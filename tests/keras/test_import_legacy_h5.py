"""Legacy full-model `.h5` files (`model.save("m.h5")`): imported as `.keras` archives are, and as safely."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import h5py
import jax
import keras  # type: ignore[import-untyped]  # Keras ships no types
import numpy as np
import pytest

import typednn as tn
from tests.keras import TOLERANCE, data, keras_outputs, randomize
from typednn.keras import _archive as archive_module

L = keras.layers
pytestmark = [
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file"),
]


def _difference(model: keras.Model, path: Path, inputs: list[np.ndarray[Any, Any]]) -> float:
    model.save(path)
    imported, params = tn.import_keras(path)
    got: Any = imported.apply(params, inputs[0] if len(inputs) == 1 else tuple(inputs))
    produced = [np.asarray(output) for output in (got if isinstance(got, tuple) else (got,))]
    expected = keras_outputs(model, inputs)
    assert [output.shape for output in produced] == [output.shape for output in expected]
    return max(float(np.abs(a - b).max() / max(1.0, float(np.abs(b).max()))) for a, b in zip(produced, expected))


def test_a_sequential_cnn_saved_as_h5(tmp_path: Path) -> None:
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            L.Conv2D(4, 3, padding="same", use_bias=False),
            L.BatchNormalization(),
            L.ReLU(),
            L.MaxPooling2D(2),
            L.Flatten(),
            L.Dense(5, activation="softmax"),
        ]
    )
    randomize(model)
    assert _difference(model, tmp_path / "cnn.h5", data((8, 8, 3))) <= TOLERANCE


def test_a_functional_model_with_its_optimizer_state_saved_as_h5(tmp_path: Path) -> None:
    image, meta = keras.Input((6, 6, 2), name="image"), keras.Input((3,), name="meta")
    h = L.GlobalAveragePooling2D()(L.Conv2D(4, 3, activation="relu")(image))
    shared = L.Dense(4, activation="tanh")
    joined = L.Concatenate()([shared(L.Dense(4)(h)), shared(L.Dense(4)(meta))])
    model = keras.Model([image, meta], [L.Dense(2, name="out")(joined), L.Dense(1, name="score")(joined)])
    randomize(model)
    model.compile("adam", "mse")  # the file then holds the optimizer's state too, its counter an integer
    inputs = data((6, 6, 2), (3,))
    with jax.numpy_rank_promotion("allow"):  # Keras's own code broadcasts by rank as it trains
        model.fit(inputs, [np.zeros((3, 2)), np.zeros((3, 1))], verbose=0)
    assert _difference(model, tmp_path / "functional.hdf5", inputs) <= TOLERANCE


def _h5_with_config(path: Path, config: object) -> Path:
    with h5py.File(path, "w") as h5:
        h5.attrs["model_config"] = config
        h5.create_group("model_weights")
    return path


def test_an_h5_whose_model_config_is_not_json_is_refused(tmp_path: Path) -> None:
    path = _h5_with_config(tmp_path / "m.h5", "{not json")
    with pytest.raises(tn.TypednnError, match=r"m\.h5:model_config:1:2: invalid JSON"):
        tn.import_keras(path)


def test_an_h5_whose_model_config_is_not_a_string_is_refused(tmp_path: Path) -> None:
    path = _h5_with_config(tmp_path / "m.h5", np.arange(3))
    with pytest.raises(tn.TypednnError, match=r"its model_config attribute is a ndarray, not a JSON string"):
        tn.import_keras(path)


def test_an_h5_whose_model_config_is_too_large_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_module, "CONFIG_LIMIT", 1000)
    path = _h5_with_config(tmp_path / "m.h5", json.dumps({"class_name": "Sequential", "config": {"pad": "x" * 2000}}))
    with pytest.raises(tn.TypednnError, match=r"its model_config is .*, more than the .* accepted"):
        tn.import_keras(path)


def test_an_h5_without_a_model_config_is_refused(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "w.h5", "w") as h5:
        h5.create_dataset("x", data=np.zeros(3, np.float32))
    with pytest.raises(tn.TypednnError, match=r"without a model_config attribute"):
        tn.import_keras(tmp_path / "w.h5")


def _saved(tmp_path: Path) -> tuple[Path, keras.Model]:
    model = keras.Sequential([keras.Input((3,)), L.Dense(2, name="dense")])
    model.save(tmp_path / "m.h5")
    return tmp_path / "m.h5", model


def test_an_h5_with_an_external_link_is_refused(tmp_path: Path) -> None:
    path, _ = _saved(tmp_path)
    with h5py.File(path, "a") as h5:
        h5["model_weights/elsewhere"] = h5py.ExternalLink("/etc/passwd", "/x")
    with pytest.raises(tn.TypednnError, match=r"'model_weights/elsewhere' is a ExternalLink, a link to elsewhere"):
        tn.import_keras(path)


def test_an_h5_with_an_object_array_is_refused(tmp_path: Path) -> None:
    path, _ = _saved(tmp_path)
    with h5py.File(path, "a") as h5:
        h5.create_dataset(
            "model_weights/dense/strings", data=np.array(["a", "b"], dtype=object), dtype=h5py.string_dtype()
        )
    with pytest.raises(tn.TypednnError, match=r"'model_weights/dense/strings' holds object values, not floats"):
        tn.import_keras(path)


def test_an_h5_whose_layer_lists_a_missing_weight_is_refused(tmp_path: Path) -> None:
    path, _ = _saved(tmp_path)
    with h5py.File(path, "a") as h5:
        h5["model_weights/dense"].attrs["weight_names"] = np.array([b"nowhere/kernel", b"nowhere/bias"], dtype=object)
    with pytest.raises(tn.TypednnError, match=r"model_weights/dense lists a weight it does not hold"):
        tn.import_keras(path)


def test_a_nested_model_in_an_h5_is_refused(tmp_path: Path) -> None:
    tower = keras.Sequential([keras.Input((3,)), L.Dense(2)], name="tower")
    x = keras.Input((3,))
    keras.Model(x, tower(x)).save(tmp_path / "nested.h5")
    with pytest.raises(tn.TypednnError, match=r"lies in a nested model"):
        tn.import_keras(tmp_path / "nested.h5")


def test_an_h5_whose_model_config_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.h5"
    with h5py.File(path, "w") as h5:
        # h5py reads a UTF-8 string attribute holding other bytes as lone surrogates.
        h5.attrs.create("model_config", b'{"class_name": "\xff"}', dtype=h5py.string_dtype("utf-8"))
        h5.create_group("model_weights")
    with pytest.raises(tn.TypednnError, match=r"m\.h5: its model_config attribute is not UTF-8 text"):
        tn.import_keras(path)


def test_an_h5_whose_weight_names_are_not_utf8_is_refused(tmp_path: Path) -> None:
    path, _ = _saved(tmp_path)
    with h5py.File(path, "a") as h5:
        names = np.array([b"dense/kernel\xff", b"dense/bias"], dtype=object)
        h5["model_weights/dense"].attrs.create("weight_names", names, dtype=h5py.string_dtype("utf-8"))
    with pytest.raises(
        tn.TypednnError, match=r"m\.h5: layer 'dense' \(Dense\): the weight_names of model_weights/dense are not UTF-8"
    ):
        tn.import_keras(path)


@pytest.mark.parametrize("names", [[b"/elsewhere/kernel", b"/elsewhere/bias"], [b"../x/kernel", b"../x/bias"]])
def test_an_h5_whose_weight_names_lead_out_of_the_layer_is_refused(tmp_path: Path, names: list[bytes]) -> None:
    path, _ = _saved(tmp_path)
    with h5py.File(path, "a") as h5:
        h5.create_dataset("elsewhere/kernel", data=np.zeros((3, 2), np.float32))
        h5.create_dataset("elsewhere/bias", data=np.zeros((2,), np.float32))
        h5["model_weights/dense"].attrs["weight_names"] = np.array(names, dtype=object)
    with pytest.raises(tn.TypednnError, match=r"model_weights/dense lists a weight it does not hold"):
        tn.import_keras(path)


def test_an_h5_whose_layer_is_a_dataset_is_refused(tmp_path: Path) -> None:
    path, _ = _saved(tmp_path)
    with h5py.File(path, "a") as h5:
        del h5["model_weights/dense"]
        h5.create_dataset("model_weights/dense", data=np.zeros((3, 2), np.float32))
    with pytest.raises(tn.TypednnError, match=r"m\.h5: layer 'dense' \(Dense\).*model_weights/dense"):
        tn.import_keras(path)
