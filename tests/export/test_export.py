"""Exported models: save -> load round trips, validation of every file, atomic replacement."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import safetensors.numpy

import typednn as tn
from typednn import nn
from typednn._shapes import ACTIVATIONS
from typednn.export import load
from typednn.export._graph_json import graph_from_dict, graph_to_dict
from typednn.layers._registry import KINDS, kind_of

AnyModel = tn.Model[Any, Any]


class Seq(tn.Dim):
    """A sequence length, for the symbolic-dim round trip."""


# ---------------------------------------------------------------------------- models


def mlp() -> AnyModel:
    x = tn.Input(16)
    return tn.Model(x, x >> nn.Dense(32) >> nn.relu >> nn.Dense(32, 16) >> nn.gelu >> nn.Dense(10), name="mlp")


def cnn() -> AnyModel:
    x = tn.Input(8, 8, 1)
    y = (
        x
        >> nn.Conv2D(4, kernel=(3, 2), stride=(1, 2), padding="same", use_bias=False)
        >> nn.relu
        >> nn.MaxPool2D(2)
        >> nn.Conv2D(6, kernel=3, padding="same", dilation=2, groups=2)
        >> nn.AvgPool2D(2, stride=1)
        >> nn.Flatten()
        >> nn.Dense(10)
        >> nn.softmax
    )
    return tn.Model(x, y, name="cnn")


def residual() -> AnyModel:
    x = tn.Input(8, 8, 1)
    stem = nn.Conv2D(4, kernel=3, padding="same", name="stem")(x)
    branch = stem >> nn.relu >> nn.Conv2D(4, kernel=3, padding="same", name="branch")
    return tn.Model(x, (stem + branch) >> nn.Flatten() >> nn.Dense(10))


def concatenated() -> AnyModel:
    x = tn.Input(6)
    wide, narrow = nn.Dense(8, name="wide")(x), nn.Dense(3, name="narrow")(x)
    return tn.Model(x, nn.concat(wide >> nn.tanh, narrow, x, axis=-1) >> nn.Dense(2))


def shared() -> AnyModel:
    x = tn.Input(6)
    encoder = nn.Dense(6, name="encoder")
    left = encoder(x) >> nn.relu
    right = encoder(encoder(left))  # applied three times, twice in a row
    return tn.Model(x, nn.concat(left, right) >> nn.Dense(2))


def dropout_reshape() -> AnyModel:
    x = tn.Input(12)
    y = x >> nn.Dense(24) >> nn.Dropout(0.25) >> nn.Reshape(4, 6) >> nn.Reshape(-1, 3) >> nn.Flatten() >> nn.Dense(3)
    return tn.Model(x, y)


def symbolic() -> AnyModel:
    x = tn.Input(Seq, 6)
    return tn.Model(x, x >> nn.Dense(4) >> nn.Reshape(Seq, 2, 2) >> nn.Flatten())


MODELS: dict[str, tuple[Callable[[], AnyModel], tuple[int, ...]]] = {
    "mlp": (mlp, (3, 16)),
    "cnn": (cnn, (3, 8, 8, 1)),
    "residual": (residual, (3, 8, 8, 1)),
    "concat": (concatenated, (3, 6)),
    "shared": (shared, (3, 6)),
    "dropout_reshape": (dropout_reshape, (3, 12)),
    "symbolic": (symbolic, (3, 5, 6)),
}


def random_params(model: AnyModel, seed: int) -> dict[str, Any]:
    """Parameters of the right shapes, made by numpy: model.init would compile JAX's
    initializers for every shape, which costs seconds per model on a loaded machine."""
    rng = np.random.default_rng(seed)
    shapes = jax.eval_shape(model.init, jax.random.key(0))
    return {
        layer: {name: jnp.asarray(rng.standard_normal(s.shape).astype(s.dtype)) for name, s in arrays.items()}
        for layer, arrays in shapes.items()
    }


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """An exported MLP."""
    model = mlp()
    tn.save(model, random_params(model, 0), tmp_path / "mlp")
    return tmp_path / "mlp"


def edit_spec(directory: Path, change: Callable[[dict[str, Any]], None]) -> None:
    spec = directory / "spec.json"
    document = json.loads(spec.read_text())
    change(document)
    spec.write_text(json.dumps(document, indent=2))


def dense_1(document: dict[str, Any]) -> dict[str, Any]:
    """The options of the MLP's second Dense, in a parsed spec.json."""
    options: dict[str, Any] = document["model"]["layers"][2]["dense"]
    return options


def assert_same_params(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert {layer: sorted(arrays) for layer, arrays in a.items()} == {
        layer: sorted(arrays) for layer, arrays in b.items()
    }
    for layer, arrays in a.items():
        for name, array in arrays.items():
            np.testing.assert_array_equal(array, b[layer][name])
            assert array.dtype == b[layer][name].dtype


def load_error(directory: Path, error: type[Exception] = tn.TypednnError) -> str:
    with pytest.raises(error) as info:
        load(directory)
    return str(info.value)


# ---------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", MODELS)
def test_save_then_load_predicts_bit_identically(name: str, tmp_path: Path) -> None:
    build, batch = MODELS[name]
    model = build()
    params = random_params(model, 1)
    tn.save(model, params, tmp_path / name)
    again, loaded = load(tmp_path / name)

    assert again.name == model.name
    assert again.inputs.shape == model.inputs.shape
    assert_same_params(loaded, params)
    x = jax.random.normal(jax.random.key(2), batch)
    np.testing.assert_array_equal(again.apply(loaded, x), model.apply(params, x))
    if name == "dropout_reshape":  # dropout draws the same mask from the same key
        key = jax.random.key(3)
        np.testing.assert_array_equal(
            again.apply(loaded, x, key=key, training=True), model.apply(params, x, key=key, training=True)
        )
    # A second save of what was loaded writes the same files, byte for byte.
    tn.save(again, loaded, tmp_path / "again")
    for file in ("spec.json", "weights.safetensors"):
        assert (tmp_path / "again" / file).read_bytes() == (tmp_path / name / file).read_bytes()


def test_spec_json_reads_like_a_spec_file(tmp_path: Path) -> None:
    model = residual()
    params = random_params(model, 0)
    tn.save(model, params, tmp_path / "r")
    text = (tmp_path / "r" / "spec.json").read_text()
    digest = json.loads(text)["weights"]["sha256"]
    assert text == (
        "{\n"
        '  "format": "typednn-model",\n'
        '  "version": 1,\n'
        '  "name": "model",\n'
        '  "model": {\n'
        '    "input": [8, 8, 1],\n'
        '    "layers": [\n'
        '      {"conv2d": {"filters": 4, "kernel": 3, "padding": "same", "name": "stem"}},\n'
        '      {"relu": {"name": "relu"}},\n'
        '      {"conv2d": {"filters": 4, "kernel": 3, "padding": "same", "name": "branch"}},\n'
        '      {"add": {"inputs": ["stem", "branch"], "name": "add"}},\n'
        '      {"flatten": {"name": "flatten"}},\n'
        '      {"dense": {"units": 10, "name": "dense"}}\n'
        "    ]\n"
        "  },\n"
        '  "weights": {\n'
        '    "file": "weights.safetensors",\n'
        f'    "sha256": "{digest}",\n'
        '    "tensors": {\n'
        '      "branch/bias": {"shape": [4], "dtype": "float32"},\n'
        '      "branch/kernel": {"shape": [3, 3, 4, 4], "dtype": "float32"},\n'
        '      "dense/bias": {"shape": [10], "dtype": "float32"},\n'
        '      "dense/kernel": {"shape": [256, 10], "dtype": "float32"},\n'
        '      "stem/bias": {"shape": [4], "dtype": "float32"},\n'
        '      "stem/kernel": {"shape": [3, 3, 1, 4], "dtype": "float32"}\n'
        "    }\n"
        "  }\n"
        "}\n"
    )


def test_a_shared_layer_is_written_as_reuse_and_stays_shared(tmp_path: Path) -> None:
    model = shared()
    layers = graph_to_dict(model.graph)["layers"]
    assert layers[:4] == [
        {"dense": {"units": 6, "name": "encoder"}},
        {"relu": {"name": "relu"}},
        {"reuse": {"layer": "encoder", "name": "encoder_1"}},
        {"reuse": {"layer": "encoder", "name": "encoder_2"}},
    ]
    tn.save(model, random_params(model, 0), tmp_path / "s")
    again, params = load(tmp_path / "s")
    assert sorted(params) == ["dense", "encoder"]
    assert [again.graph.name(node.layer) for node, _ in again.graph.nodes() if node.layer is not None].count(
        "encoder"
    ) == 3


def test_named_dims_are_written_by_full_name() -> None:
    section = graph_to_dict(symbolic().graph)
    assert section["input"] == [f"{Seq.__module__}.Seq", 6]
    assert section["layers"][1] == {"reshape": {"shape": [f"{Seq.__module__}.Seq", 2, 2], "name": "reshape"}}


def test_a_dim_defined_in_a_function_round_trips(tmp_path: Path) -> None:
    class Tokens(tn.Dim):
        pass

    x = tn.Input(Tokens, 3)
    model = tn.Model(x, x >> nn.Dense(2))
    tn.save(model, random_params(model, 0), tmp_path / "m")
    assert load(tmp_path / "m")[0].inputs.shape == model.inputs.shape


def test_spec_file_shorthands_build_the_same_model() -> None:
    # ok_residual.yaml's model section, as the spec loader will hand it over.
    section = {
        "input": [8, 8, 1],
        "layers": [
            {"conv2d": {"filters": 8, "kernel": 3, "padding": "same", "name": "stem"}},
            "relu",
            {"conv2d": {"filters": 8, "kernel": 3, "padding": "same", "name": "branch"}},
            {"add": {"inputs": ["stem", "branch"]}},
            {"flatten": {"name": "flat"}},
            {"dense": {"units": 32, "inputs": ["flat"], "name": "wide"}},
            {"dense": {"units": 32, "inputs": ["flat"], "name": "narrow"}},
            {"concat": {"inputs": ["wide", "narrow"], "axis": -1}},
            {"dense": 10},
        ],
    }
    model = graph_from_dict(section, source="ok_residual.yaml")
    assert repr(model) == "Model((8, 8, 1) -> (10,))"
    assert sorted(random_params(model, 0)) == ["branch", "dense", "narrow", "stem", "wide"]


def test_every_layer_class_has_one_kind() -> None:
    own = {name: kind.layer for name, kind in KINDS.items() if kind.layer.kind == name}
    assert len(set(own.values())) == len(own)  # one kind per class
    assert set(KINDS) == {*own, *ACTIVATIONS}
    assert own["swiglu"].__module__ == "examples.swiglu"  # the example's custom layer (conftest.py)
    for function in ACTIVATIONS:
        kind = kind_of(nn.Activation(function))
        assert kind is not None
        assert kind.name == function
    assert kind_of(nn.Dense(3)) is KINDS["dense"]


# ---------------------------------------------------------------------------- spec.json errors


def test_invalid_json_names_the_line_and_column(saved: Path) -> None:
    spec = saved / "spec.json"
    spec.write_text(spec.read_text().replace('"version": 1,', '"version": 1,,'))
    assert re.match(rf"{re.escape(str(spec))}:3:16: invalid JSON: Expecting property name", load_error(saved))


def test_another_format_or_version_is_refused(saved: Path) -> None:
    edit_spec(saved, lambda d: d.update(version=2))
    assert "spec.json: version 2 of the typednn-model format is not supported; this typednn reads version 1" in (
        load_error(saved)
    )
    edit_spec(saved, lambda d: d.update(format="keras"))
    assert "spec.json: not a typednn export: its format is \"keras\", not 'typednn-model'" in load_error(saved)


def test_malformed_documents_are_refused(saved: Path) -> None:
    spec = saved / "spec.json"
    original = spec.read_text()
    cases: list[tuple[Callable[[dict[str, Any]], None], str]] = [
        (lambda d: d.update(weigths=d.pop("weights")), "unknown key 'weigths'; did you mean 'weights'?"),
        (lambda d: d["weights"].update(file="../elsewhere.safetensors"), "weights.file must be a file name"),
        (lambda d: d["weights"].update(sha256="abc"), "weights.sha256 must be 64 lowercase hex digits"),
        (lambda d: d["weights"]["tensors"].update({"dense/bias": [32]}), "weights.tensors['dense/bias'] must be"),
        (lambda d: d["model"].update(layers=[]), "model.layers: must be a non-empty list of layers"),
        (lambda d: d["model"].update(input=[0]), "model.input: Input(0): every size must be a positive int"),
    ]
    for change, message in cases:
        spec.write_text(original)
        edit_spec(saved, change)
        found = load_error(saved)
        assert found.startswith(f"{spec}: ")
        assert message in found
    spec.write_text(original.replace('"name": "mlp"', '"name": "mlp", "name": "other"'))
    assert "the key 'name' appears twice in one object" in load_error(saved)


def test_unknown_layer_kind_suggests_the_closest(saved: Path) -> None:
    edit_spec(saved, lambda d: d["model"]["layers"][0].update(dens=d["model"]["layers"][0].pop("dense")))
    assert "spec.json: model.layers[0]: unknown layer kind 'dens'; did you mean 'dense'?" in load_error(saved)


def test_bad_hyperparameters_name_the_layer(saved: Path) -> None:
    edit_spec(saved, lambda d: dense_1(d).update(units=0))
    message = load_error(saved, tn.HyperparameterError)
    assert "spec.json: model.layers[2] (dense_1): Dense(32 -> 0): units must be a positive int, but is 0" in message
    edit_spec(saved, lambda d: dense_1(d).update(units=16, use_bias="yes"))
    message = load_error(saved, tn.HyperparameterError)
    assert "model.layers[2] (dense_1): dense option 'use_bias' must be bool, but is \"yes\"" in message
    edit_spec(saved, lambda d: dense_1(d).update(use_bias=True, kernel=[3, "x"]))
    message = load_error(saved, tn.HyperparameterError)
    assert "model.layers[2] (dense_1): dense has no option 'kernel'" in message
    edit_spec(saved, lambda d: dense_1(d).update(unts=dense_1(d).pop("kernel")))
    assert "dense has no option 'unts'; did you mean 'units'?" in load_error(saved)


def test_shape_errors_name_the_layer(saved: Path) -> None:
    edit_spec(saved, lambda d: dense_1(d).update(in_features=99))
    message = load_error(saved, tn.ShapeError)
    assert "spec.json: model.layers[2] (dense_1): Dense(99 -> 16) expects 99 input features, but receives (32,)" in (
        message
    )


def test_wrong_references_are_refused(saved: Path) -> None:
    edit_spec(saved, lambda d: dense_1(d).update(inputs=["rleu"]))
    assert "model.layers[2]: no earlier layer is named 'rleu'; did you mean 'relu'?" in load_error(saved)
    edit_spec(saved, lambda d: dense_1(d).update(inputs=["relu"]))
    edit_spec(saved, lambda d: d["model"]["layers"][4]["dense"].update(inputs=["dense"]))
    assert "model.layers[3]: the output of this layer is never used" in load_error(saved)
    edit_spec(saved, lambda d: d["model"]["layers"][2].update(reuse={"layer": "dense_9"}))
    edit_spec(saved, lambda d: d["model"]["layers"][2].pop("dense"))
    assert "reuse needs the name of an earlier layer, not \"dense_9\"; did you mean 'dense'?" in load_error(saved)
    edit_spec(saved, lambda d: d["model"]["layers"][2].update(reuse={"layer": "dense", "name": "input"}))
    assert "the name 'input' is already taken by the model input" in load_error(saved)


def test_a_shared_layer_applied_to_another_shape_is_refused(tmp_path: Path) -> None:
    section = {"input": [6], "layers": [{"dense": {"units": 4, "name": "enc"}}, {"reuse": "enc"}]}
    with pytest.raises(tn.ShapeError, match=r"spec.yaml: model.layers\[0\] \(enc\): Dense\(4\) expects \(6,\) as at"):
        graph_from_dict(section, source="spec.yaml")


# ---------------------------------------------------------------------------- tensors


def test_a_tensor_table_that_disagrees_with_the_model_names_the_tensor(saved: Path) -> None:
    edit_spec(saved, lambda d: d["weights"]["tensors"]["dense_1/kernel"].update(shape=[128, 16]))
    message = load_error(saved)
    assert f"{saved / 'spec.json'}: dense_1/kernel: spec.json says (128, 16) float32, the model needs (32, 16)" in (
        message
    )


def test_a_model_section_that_disagrees_with_the_weights_names_the_tensor(saved: Path) -> None:
    edit_spec(saved, lambda d: dense_1(d).update(units=8))
    message = load_error(saved)
    assert "dense_1/kernel: spec.json says (32, 16) float32, the model needs (32, 8) float32" in message
    assert "dense_2/kernel: spec.json says (16, 10) float32, the model needs (8, 10) float32" in message


def test_missing_and_unexpected_tensors_are_named(saved: Path) -> None:
    edit_spec(
        saved, lambda d: d["weights"]["tensors"].update({"extra/kernel": d["weights"]["tensors"].pop("dense/bias")})
    )
    message = load_error(saved)
    assert "dense/bias: the model needs (32,) float32, but spec.json has no such tensor" in message
    assert "extra/kernel: spec.json says (32,) float32, but the model has no such tensor" in message


def test_a_weights_file_that_disagrees_with_spec_json_names_the_tensor(saved: Path) -> None:
    arrays = safetensors.numpy.load((saved / "weights.safetensors").read_bytes())
    arrays["dense/kernel"] = arrays["dense/kernel"].astype(np.float64)
    del arrays["dense/bias"]
    data = safetensors.numpy.save(arrays)
    (saved / "weights.safetensors").write_bytes(data)
    edit_spec(saved, lambda d: d["weights"].update(sha256=hashlib.sha256(data).hexdigest()))
    message = load_error(saved)
    assert f"{saved / 'weights.safetensors'}: dense/bias: spec.json says (32,) float32" in message
    assert "dense/kernel: weights.safetensors holds (16, 32) float64, spec.json says (16, 32) float32" in message


@pytest.mark.parametrize("damage", ["missing", "truncated", "bit flip", "garbage with its sha256"])
def test_damaged_weights_are_refused_naming_the_file(damage: str, saved: Path) -> None:
    weights = saved / "weights.safetensors"
    data = weights.read_bytes()
    if damage == "missing":
        weights.unlink()
        expected = f"{weights}: no such file; the export is incomplete"
    elif damage == "truncated":
        weights.write_bytes(data[:-100])
        expected = f"{weights}: the file ({len(data) - 100} bytes, sha256 "
    elif damage == "bit flip":
        weights.write_bytes(data[:-5] + bytes([data[-5] ^ 0x10]) + data[-4:])
        expected = f"{weights}: the file ({len(data)} bytes, sha256 "
    else:
        weights.write_bytes(b"\xff" * 16)
        edit_spec(saved, lambda d: d["weights"].update(sha256=hashlib.sha256(b"\xff" * 16).hexdigest()))
        expected = f"{weights}: not a valid safetensors file: Error while deserializing"
    message = load_error(saved)
    assert message.startswith(expected), message
    if damage == "truncated":
        assert "is not the one spec.json records" in message
        assert "safetensors cannot read it" in message


def test_save_refuses_params_that_do_not_fit(tmp_path: Path) -> None:
    model = mlp()
    params = random_params(model, 0)
    params["dense"]["kernel"] = jnp.zeros((16, 31))
    del params["dense_2"]["bias"]
    with pytest.raises(tn.TypednnError) as info:
        tn.save(model, params, tmp_path / "m")
    assert "dense/kernel: params holds (16, 31) float32, the model needs (16, 32) float32" in str(info.value)
    assert "dense_2/bias: the model needs (10,) float32, but params has no such tensor" in str(info.value)
    assert not (tmp_path / "m").exists()


def test_save_refuses_layers_a_spec_cannot_name_and_keeps_a_layer_named_input(tmp_path: Path) -> None:
    class Scaled(nn.Dense):
        pass

    x = tn.Input(4)
    model = tn.Model(x, Scaled(3)(x))
    with pytest.raises(tn.TypednnError, match="scaled: Scaled has no kind that a spec can name"):
        tn.save(model, random_params(model, 0), tmp_path / "m")
    # A layer named `input` is saved too: the input, then `input_1`, is written by its name.
    model = tn.Model(x, nn.Dense(3, name="input")(x))
    tn.save(model, random_params(model, 0), tmp_path / "named")
    loaded, _ = tn.load(tmp_path / "named")
    assert (loaded.input_names, loaded.output_names) == (model.input_names, ("input",))


# ---------------------------------------------------------------------------- directories


def test_saving_again_replaces_the_export_and_leaves_nothing_behind(saved: Path) -> None:
    model = mlp()
    newer = random_params(model, 7)
    tn.save(model, newer, saved)
    _, loaded = load(saved)
    np.testing.assert_array_equal(loaded["dense"]["kernel"], newer["dense"]["kernel"])
    assert sorted(os.listdir(saved.parent)) == ["mlp"]
    assert sorted(os.listdir(saved)) == ["spec.json", "weights.safetensors"]


def test_only_an_export_or_an_empty_directory_is_replaced(tmp_path: Path) -> None:
    model = mlp()
    params = random_params(model, 0)
    (tmp_path / "empty").mkdir()
    tn.save(model, params, tmp_path / "empty")
    assert load(tmp_path / "empty")[0].name == "mlp"

    (tmp_path / "file").write_text("notes")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "thesis.tex").write_text("...")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "spec.json").write_text('{"format": "kur"}')
    for name, message in [
        ("file", "exists and is not a directory; refusing to replace it"),
        ("other", "holds thesis.tex, so it is not a typednn export; refusing to replace it"),
        ("foreign", "its spec.json is not a typednn export's; refusing to replace it"),
    ]:
        with pytest.raises(tn.TypednnError) as info:
            tn.save(model, params, tmp_path / name)
        assert str(info.value).startswith(f"{tmp_path / name}: {message}")
    assert (tmp_path / "other" / "thesis.tex").read_text() == "..."
    assert (tmp_path / "foreign" / "spec.json").read_text() == '{"format": "kur"}'


def test_loading_what_is_not_an_export(tmp_path: Path) -> None:
    assert load_error(tmp_path / "nowhere").startswith(f"{tmp_path / 'nowhere'}: no such directory")
    assert load_error(tmp_path).startswith(f"{tmp_path / 'spec.json'}: no such file; this is not a typednn export")


CRASHING_SAVE = """
import os, shutil, sys
import typednn as tn
from typednn.export import load

source, target, point = sys.argv[1:]
model, params = load(source)

def crash(*args, **kwargs):
    os._exit(17)  # no cleanup, as a kill -9 or a power loss

if point == "while writing":
    os.fsync = crash
elif point == "between the renames":
    renames, rename = [], os.rename
    def second_crashes(old, new):
        renames.append(old)
        if len(renames) == 2:
            crash()
        rename(old, new)
    os.rename = second_crashes
else:
    shutil.rmtree = crash
tn.save(model, params, target)
"""


@pytest.mark.parametrize(
    ("point", "survivor"), [("while writing", "old"), ("between the renames", "old"), ("before cleanup", "new")]
)
def test_a_crash_during_a_save_leaves_a_loadable_export(point: str, survivor: str, tmp_path: Path) -> None:
    model = mlp()
    versions = {"old": random_params(model, 0), "new": random_params(model, (1))}
    tn.save(model, versions["new"], tmp_path / "new")
    target = tmp_path / "exports" / "mlp"
    tn.save(model, versions["old"], target)

    done = subprocess.run(
        [sys.executable, "-c", CRASHING_SAVE, str(tmp_path / "new"), str(target), point],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 17, done.stderr
    assert len(os.listdir(target.parent)) == 2  # two of the export, the new one and the old one

    _, loaded = load(target)
    np.testing.assert_array_equal(loaded["dense"]["kernel"], versions[survivor]["dense"]["kernel"])
    tn.save(model, versions["new"], target)  # the next save clears what the crash left
    assert os.listdir(target.parent) == ["mlp"]


def test_a_spec_json_option_is_validated_by_the_schema_s_model(saved: Path) -> None:
    # Issue 15: the loader and the JSON Schema use one model per kind, strict as every spec section.
    edit_spec(saved, lambda d: dense_1(d).update(units=16.0))
    message = load_error(saved, tn.HyperparameterError)
    assert "spec.json: model.layers[2] (dense_1): dense option 'units' must be int | Dim name, but is 16.0" in message
    edit_spec(saved, lambda d: dense_1(d).update(units={"dim": "a.B", "scale": 1}))
    assert "dense option 'units' must be int | Dim name, but is " in load_error(saved, tn.HyperparameterError)


def test_an_export_with_a_named_dim_in_an_option_still_loads(tmp_path: Path) -> None:
    model = dropout_reshape()
    params = random_params(model, 0)
    tn.save(model, params, tmp_path / "saved")
    loaded, _ = load(tmp_path / "saved")
    assert graph_to_dict(loaded.graph) == graph_to_dict(model.graph)
    section = graph_to_dict(symbolic().graph)
    assert graph_to_dict(graph_from_dict(json.loads(json.dumps(section)), source="spec.json").graph) == section


def test_a_named_single_input_keeps_its_name(tmp_path: Path) -> None:
    x = tn.Input(4, name="reading")
    model = tn.Model(x, x >> nn.Dense(3))
    tn.save(model, model.init(jax.random.key(0)), tmp_path / "m")
    loaded, _ = tn.load(tmp_path / "m")
    assert loaded.input_names == ("reading",)
    assert loaded.output_names == model.output_names
