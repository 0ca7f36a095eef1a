"""Hostile and unsupported Keras files: each refused by name, with nothing run or written."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import h5py  # type: ignore[import-untyped]  # h5py ships no types
import keras  # type: ignore[import-untyped]  # Keras ships no types
import numpy as np
import pytest

import typednn as tn
from typednn import TypednnError
from typednn.keras import _archive as archive_module

L = keras.layers
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy:DeprecationWarning")


def _layer(class_name: str, name: str, config: dict[str, Any], module: str = "keras.layers") -> dict[str, Any]:
    history = {"class_name": "__keras_tensor__", "config": {"shape": [None, 4], "keras_history": ["x", 0, 0]}}
    return {
        "module": module,
        "class_name": class_name,
        "config": {"name": name, **config},
        "registered_name": None,
        "name": name,
        "inbound_nodes": [{"args": [history], "kwargs": {}}],
    }


def _archive(path: Path, layers: list[dict[str, Any]], *, weights: bytes | None = None) -> Path:
    """A .keras file: an input `x` of 4 features, then `layers`, the last one the output."""
    source: dict[str, Any] = {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None}
    source |= {"name": "x", "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "x"}, "inbound_nodes": []}
    config = {
        "module": "keras",
        "class_name": "Functional",
        "config": {
            "name": "m",
            "layers": [source, *layers],
            "input_layers": [["x", 0, 0]],
            "output_layers": [[layers[-1]["name"] if layers else "x", 0, 0]],
        },
    }
    if weights is None:
        with h5py.File(path.with_suffix(".h5tmp"), "w") as h5:
            h5.create_group("layers")
        weights = path.with_suffix(".h5tmp").read_bytes()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", "{}")
        archive.writestr("model.weights.h5", weights)
    return path


def test_a_lambda_layer_is_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "m.keras", [_layer("Lambda", "code", {"function": {"code": "..."}})])
    with pytest.raises(TypednnError, match=r"layer 'code' \(Lambda\) holds Python code, which is never loaded"):
        tn.import_keras(path)


def test_a_class_without_a_twin_is_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "m.keras", [_layer("GaussianNoise", "noise", {"stddev": 0.1})])
    with pytest.raises(TypednnError, match=r"layer 'noise' \(GaussianNoise\) has no typednn twin yet"):
        tn.import_keras(path)


def test_a_custom_module_is_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "m.keras", [_layer("Dense", "mine", {"units": 2}, module="evil.layers")])
    with pytest.raises(TypednnError, match=r"layer 'mine' is the custom class 'Dense' of module 'evil.layers'"):
        tn.import_keras(path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: L.Conv2D(2, 3, data_format="channels_first"), r"'conv' \(Conv2D\) sets data_format='channels_first'"),
        (lambda: L.Dense(2, activation="gelu"), r"sets activation='gelu', which typednn has no exact twin for"),
        (lambda: L.Dense(2, kernel_initializer="zeros", activation="selu"), r"sets activation='selu'"),
        (L.LeakyReLU, r"sets negative_slope=0.3"),
        (lambda: L.AveragePooling2D(2, padding="same"), r"sets padding='same'"),
        (lambda: L.Conv2DTranspose(2, 3, strides=2, output_padding=1), r"sets output_padding="),
        (lambda: L.UpSampling2D(interpolation="bilinear"), r"sets interpolation='bilinear'"),
        (lambda: L.Dropout(0.5, noise_shape=(None, 1, 1, 3)), r"sets noise_shape="),
    ],
)
def test_an_option_without_a_twin_is_refused_by_name(make: Any, message: str, tmp_path: Path) -> None:
    x = keras.Input((6, 6, 3))
    layer = make()
    layer.name = "conv" if isinstance(layer, L.Conv2D) and not isinstance(layer, L.Conv2DTranspose) else layer.name
    keras.Model(x, layer(x)).save(tmp_path / "m.keras")
    with pytest.raises(TypednnError, match=message):
        tn.import_keras(tmp_path / "m.keras")


def test_an_entry_outside_the_archive_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("../../evil.sh", "rm -rf ~")
    with pytest.raises(TypednnError, match=r"holds an entry named '../../evil.sh', which points outside the archive"):
        tn.import_keras(path)
    assert not (tmp_path.parent / "evil.sh").exists()


def test_a_zip_bomb_stops_at_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_module, "CONFIG_LIMIT", 1 << 20)
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", b" " * (8 << 20))  # 8 MiB of spaces: a few KiB compressed
        archive.writestr("model.weights.h5", b"")
    assert path.stat().st_size < 100_000
    with pytest.raises(TypednnError, match=r"config.json: unpacks to 8.0 MiB, more than the 1.0 MiB accepted"):
        tn.import_keras(path)


def test_not_a_zip_and_not_json_are_refused(tmp_path: Path) -> None:
    (tmp_path / "m.keras").write_bytes(b"not a zip")
    with pytest.raises(TypednnError, match=r"not a .keras archive"):
        tn.import_keras(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "j.keras", "w") as archive:
        archive.writestr("config.json", "{oops")
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(TypednnError, match=r"config.json:1:2: invalid JSON"):
        tn.import_keras(tmp_path / "j.keras")


def test_a_broken_legacy_h5_and_a_fifo_are_refused(tmp_path: Path) -> None:
    (tmp_path / "m.h5").write_bytes(b"")  # legacy .h5 files import now (test_import_legacy_h5.py); this one is empty
    with pytest.raises(TypednnError, match=r"m\.h5: its weights are not an HDF5 file"):
        tn.import_keras(tmp_path / "m.h5")
    os.mkfifo(tmp_path / "pipe.keras")
    with pytest.raises(TypednnError, match=r"is a FIFO \(named pipe\), not a regular file"):
        tn.import_keras(tmp_path / "pipe.keras")


_DENSE = _layer("Dense", "d", {"units": 2, "activation": "linear", "use_bias": True})


def _weights(tmp_path: Path, fill: Any) -> bytes:
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as h5:
        fill(h5)
    return path.read_bytes()


def test_an_h5_external_link_is_refused(tmp_path: Path) -> None:
    def fill(h5: h5py.File) -> None:
        h5.create_group("layers")
        h5["layers/dense"] = h5py.ExternalLink("/etc/passwd", "/")

    path = _archive(tmp_path / "m.keras", [_DENSE], weights=_weights(tmp_path, fill))
    with pytest.raises(TypednnError, match=r"'layers/dense' is a ExternalLink, a link to elsewhere"):
        tn.import_keras(path)


def test_an_h5_object_array_is_refused(tmp_path: Path) -> None:
    def fill(h5: h5py.File) -> None:
        h5.create_dataset("layers/dense/vars/0", data=np.array([b"x", b"yy"], dtype=object), dtype=h5py.string_dtype())

    path = _archive(tmp_path / "m.keras", [_DENSE], weights=_weights(tmp_path, fill))
    with pytest.raises(TypednnError, match=r"'layers/dense/vars/0' holds object values, not floats"):
        tn.import_keras(path)


def test_weights_that_do_not_fit_the_config_are_refused(tmp_path: Path) -> None:
    def fill(h5: h5py.File) -> None:
        h5.create_dataset("layers/dense/vars/0", data=np.zeros((4, 3), np.float32))
        h5.create_dataset("layers/dense/vars/1", data=np.zeros((2,), np.float32))

    path = _archive(tmp_path / "m.keras", [_DENSE], weights=_weights(tmp_path, fill))
    with pytest.raises(TypednnError, match=r"layer 'd' needs the parameters .* but its Keras weights give"):
        tn.import_keras(path)


def test_an_h5_compressed_bomb_is_refused(tmp_path: Path) -> None:
    def fill(h5: h5py.File) -> None:
        h5.create_dataset("layers/dense/vars/0", shape=(4096, 4096), dtype="float32", compression="gzip", fillvalue=0)
        h5["layers/dense/vars/0"][0, 0] = 1.0

    path = _archive(tmp_path / "m.keras", [_DENSE], weights=_weights(tmp_path, fill))
    with pytest.raises(TypednnError, match=r"unpacks to 67,108,864 bytes, more than the file's"):
        tn.import_keras(path)


def test_a_config_with_options_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "m.keras", [_layer("Permute", "p", {"dims": 5})])
    with pytest.raises(TypednnError, match=r"layer 'p' \(Permute\) has an option typednn cannot read"):
        tn.import_keras(path)
