"""Hostile and unsupported Keras files: each refused by name, with nothing run or written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import h5py
import jax
import keras  # type: ignore[import-untyped]  # Keras ships no types
import numpy as np
import pytest

import typednn as tn
from typednn import TypednnError
from typednn.keras import _archive as archive_module
from typednn.keras import _graph as graph_module

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


# -- damaged and forged files --------------------------------------------------------------------


def _keras_model(tmp_path: Path, name: str, *layers: Any, shape: tuple[int, ...] = (8,)) -> Path:
    """A real Keras model with `layers` after an input of `shape`, saved as `name` (.keras or .h5)."""
    x = keras.Input(shape)
    y = x
    with jax.numpy_rank_promotion("allow"):  # Keras's own code broadcasts by rank as it builds
        for layer in layers:
            y = layer(y)
    path = tmp_path / name
    keras.Model(x, y).save(path)
    return path


def _rewrite(path: Path, member: str, data: bytes, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """`path` with `member` replaced by `data`, the zip written again with `compression`."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[member] = data
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, value in members.items():
            archive.writestr(name, value)
    return path


def _config(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        config: dict[str, Any] = json.loads(archive.read("config.json"))
    return config


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_LZMA, zipfile.ZIP_BZIP2])
def test_a_damaged_compressed_stream_is_refused(tmp_path: Path, compression: int) -> None:
    path = _archive(tmp_path / "m.keras", [_DENSE])
    with zipfile.ZipFile(path) as archive:
        config = archive.read("config.json")
    _rewrite(path, "config.json", config, compression)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("config.json")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for index in range(start + 10, start + 40):  # past LZMA's properties header: the stream itself
        data[index] ^= 0x55
    path.write_bytes(bytes(data))
    with pytest.raises(TypednnError, match=r"m\.keras:config\.json: cannot be unpacked: .*\n  hint: the file is"):
        tn.import_keras(path)


def test_randomly_damaged_weights_never_raise_anything_else(tmp_path: Path) -> None:
    keras_path = _keras_model(tmp_path, "m.keras", L.Dense(4, activation="relu"), L.Dense(2))
    h5_path = _keras_model(tmp_path, "m.h5", L.Dense(4, activation="relu"), L.Dense(2))
    with zipfile.ZipFile(keras_path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    originals = {"keras": members["model.weights.h5"], "h5": h5_path.read_bytes()}
    generator = np.random.default_rng(18)
    outcomes = {"imported": 0, "refused": 0}
    for trial in range(100):
        kind = ("keras", "h5")[trial % 2]
        data = bytearray(originals[kind])
        for _ in range(int(generator.integers(1, 9))):
            data[int(generator.integers(len(data)))] = int(generator.integers(256))
        path = tmp_path / f"fuzz.{kind}"
        if kind == "keras":
            path.write_bytes(keras_path.read_bytes())
            _rewrite(path, "model.weights.h5", bytes(data), zipfile.ZIP_STORED)
        else:
            path.write_bytes(bytes(data))
        started = time.monotonic()
        try:
            tn.import_keras(path)
            outcomes["imported"] += 1
        except TypednnError as error:
            assert str(error).startswith(str(path)), error
            outcomes["refused"] += 1
        assert time.monotonic() - started < 20, f"trial {trial} took {time.monotonic() - started:.1f} s"
    assert outcomes["refused"] > 0, outcomes


def test_unreadable_hdf5_calls_are_refused_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a damaged file raises deep in h5py (the fuzz test finds them by chance): each one by name.
    path = _keras_model(tmp_path, "m.keras", L.Dense(2))
    for error in (RuntimeError("Link visitation failed"), SystemError("FastRLock"), KeyError("x")):

        def broken(self: Any, visitor: Any, failure: BaseException = error) -> None:
            raise failure

        monkeypatch.setattr(h5py.Group, "visititems_links", broken)
        with pytest.raises(TypednnError, match=r"m\.keras: its weights are not a readable HDF5 file"):
            tn.import_keras(path)


@pytest.mark.parametrize(
    ("layer", "variable"),
    [
        (lambda: L.DepthwiseConv2D(3), "layers/depthwise_conv2d/vars/0"),
        (lambda: L.Conv2DTranspose(2, 3), "layers/conv2d_transpose/vars/0"),
        (lambda: L.SeparableConv2D(2, 3), "layers/separable_conv2d/vars/0"),
    ],
)
def test_weights_of_another_rank_are_refused(tmp_path: Path, layer: Any, variable: str) -> None:
    path = _keras_model(tmp_path, "m.keras", layer(), shape=(8, 8, 3))
    with zipfile.ZipFile(path) as archive:
        weights = archive.read("model.weights.h5")
    (tmp_path / "w.h5").write_bytes(weights)
    with h5py.File(tmp_path / "w.h5", "a") as h5:
        del h5[variable]
        h5[variable] = np.zeros(5, np.float32)
    _rewrite(path, "model.weights.h5", (tmp_path / "w.h5").read_bytes())
    with pytest.raises(TypednnError, match=r"config and weights disagree: its weights \(.*kernel \(5,\)"):
        tn.import_keras(path)


def test_a_null_dataspace_dataset_is_refused(tmp_path: Path) -> None:
    def fill(h5: h5py.File) -> None:
        h5.create_dataset("layers/dense/vars/0", dtype="f4")
        h5.create_dataset("layers/dense/vars/1", data=np.zeros((2,), np.float32))

    path = _archive(tmp_path / "m.keras", [_DENSE], weights=_weights(tmp_path, fill))
    with pytest.raises(TypednnError, match=r"'layers/dense/vars/0' is a dataset with no shape \(a null dataspace\)"):
        tn.import_keras(path)


@pytest.mark.parametrize("units", ["1e400", "4.7", "true", "-4", "0", "2147483648", '"4"'])
def test_a_count_that_is_not_a_whole_number_in_range_is_refused(tmp_path: Path, units: str) -> None:
    path = _archive(tmp_path / "m.keras", [_DENSE])
    text = json.dumps(_config(path)).replace('"units": 2', f'"units": {units}')
    _rewrite(path, "config.json", text.encode())
    with pytest.raises(TypednnError, match=r"layer 'd' \(Dense\) expects units to be a whole number from 1 to"):
        tn.import_keras(path)


def test_lstm_units_far_from_its_weights_are_refused_before_allocating(tmp_path: Path) -> None:
    path = _keras_model(tmp_path, "m.keras", L.LSTM(4, use_bias=False), shape=(5, 3))
    config = _config(path)
    config["config"]["layers"][1]["config"]["units"] = 2**31 - 1
    _rewrite(path, "config.json", json.dumps(config).encode())
    with pytest.raises(TypednnError, match=r"has a kernel of shape \(3, 16\), but an LSTM of 2147483647 units"):
        tn.import_keras(path)


def test_not_equal_in_a_sequential_model_is_refused(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((5, 3)), L.Flatten()])
    model.save(tmp_path / "m.keras")
    config = _config(tmp_path / "m.keras")
    config["config"]["layers"].insert(1, {"module": "keras.layers", "class_name": "NotEqual", "config": {"name": "ne"}})
    _rewrite(tmp_path / "m.keras", "config.json", json.dumps(config).encode())
    with pytest.raises(TypednnError, match=r"layer 'ne' \(NotEqual\) lies in a Sequential model"):
        tn.import_keras(tmp_path / "m.keras")


def _chain(count: int) -> list[dict[str, Any]]:
    """`count` Activation layers, each called on the one before (the first on `x`), listed last first."""
    layers = []
    for index in range(count):
        layer = _layer("Activation", f"a{index}", {"activation": "relu"})
        layer["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = [f"a{index - 1}" if index else "x", 0, 0]
        layers.append(layer)
    return layers[::-1]


def test_layers_listed_in_reverse_order_import_in_linear_time(tmp_path: Path) -> None:
    layers = _chain(4000)
    path = _archive(tmp_path / "m.keras", layers)
    config = _config(path)
    config["config"]["output_layers"] = [["a3999", 0, 0]]
    _rewrite(path, "config.json", json.dumps(config).encode())
    started = time.monotonic()
    model, _ = tn.import_keras(path)
    assert time.monotonic() - started < 30  # quadratic was 24 s on a fast machine; linear is about 1 s
    assert len(model.param_shapes()) == 0  # Activation layers only


def test_too_many_layers_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph_module, "MAX_LAYERS", 10)
    path = _archive(tmp_path / "m.keras", _chain(10))
    with pytest.raises(TypednnError, match=r"m\.keras: model 'm' lists 11 layers .*, more than the 10 typednn"):
        tn.import_keras(path)


@pytest.mark.parametrize("size", ["true", "-5", "0", str(10**30)])
def test_a_bad_input_size_names_the_file_and_the_input(tmp_path: Path, size: str) -> None:
    path = _archive(tmp_path / "m.keras", [_DENSE])
    text = json.dumps(_config(path)).replace('"batch_shape": [null, 4]', f'"batch_shape": [null, {size}]')
    _rewrite(path, "config.json", text.encode())
    with pytest.raises(TypednnError, match=rf"^{re.escape(str(path))}: input 'x' has the shape \[None, "):
        tn.import_keras(path)


def test_a_damaged_file_exits_1_from_the_command_line(tmp_path: Path) -> None:
    path = _archive(tmp_path / "m.keras", [_DENSE], weights=b"\x89HDF\r\n\x1a\n" + bytes(range(256)) * 4)
    command = [sys.executable, "-m", "typednn", "import", str(path), "-o", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert str(path) in done.stderr.splitlines()[0] and "HDF5 file" in done.stderr.splitlines()[0]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
