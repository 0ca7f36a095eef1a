"""Exports in bfloat16 and float16: `tn.save(..., dtype=)`, `tn.load(..., dtype=)`, and spec.json dtypes that lie."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import optax
import pytest
import safetensors.numpy

import typednn as tn
from typednn import nn

AnyModel = tn.Model[Any, Any]


def _model() -> AnyModel:
    x = tn.Input(4)
    return tn.Model(x, x >> nn.Dense(6) >> nn.BatchNorm() >> nn.relu >> nn.Dense(3), name="mlp")


def _params(model: AnyModel) -> Any:
    return model.init(jax.random.key(0))


def _export(tmp_path: Path, dtype: Any = "bfloat16") -> Path:
    model = _model()
    folder = tmp_path / "export"
    tn.save(model, _params(model), folder, dtype=dtype)
    return folder


def _edit_spec(folder: Path, edit: Any) -> None:
    spec = folder / "spec.json"
    document = json.loads(spec.read_text())
    edit(document)
    spec.write_text(json.dumps(document))


def test_float32_is_the_default_and_writes_no_dtype_key(tmp_path: Path) -> None:
    model = _model()
    tn.save(model, _params(model), tmp_path / "default")
    tn.save(model, _params(model), tmp_path / "float32", dtype="float32")
    text = (tmp_path / "default" / "spec.json").read_text()
    assert '"dtype": "float32"' in text and '"dtype": "bfloat16"' not in text
    assert "dtype" not in json.loads(text)["weights"]  # the file a float32 export always was
    assert text == (tmp_path / "float32" / "spec.json").read_text()
    assert tn.load(tmp_path / "default").stored_dtype == "float32"


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_a_half_precision_export_stores_half_the_bytes_and_loads_as_float32(tmp_path: Path, dtype: str) -> None:
    model = _model()
    params = _params(model)
    tn.save(model, params, tmp_path / "full")
    folder = _export(tmp_path, dtype)
    assert json.loads((folder / "spec.json").read_text())["weights"]["dtype"] == dtype
    stored = safetensors.numpy.load_file(str(folder / "weights.safetensors")) if dtype == "float16" else None
    if stored is not None:
        assert {str(array.dtype) for array in stored.values()} == {"float16"}
    full, half = (
        (tmp_path / "full" / "weights.safetensors").stat().st_size,
        (folder / "weights.safetensors").stat().st_size,
    )
    elements = sum(int(np.size(leaf)) for leaf in jax.tree.leaves(params))
    assert full - half >= 2 * elements - 32  # two bytes a value saved; the header differs a little
    loaded = tn.load(folder)
    assert loaded.stored_dtype == dtype
    low = np.dtype(ml_dtypes.bfloat16) if dtype == "bfloat16" else np.dtype(np.float16)
    for layer, arrays in loaded[1].items():
        for name, array in arrays.items():
            assert array.dtype == jnp.float32, (layer, name)
            expected = np.asarray(params[layer][name]).astype(low).astype(np.float32)
            np.testing.assert_array_equal(np.asarray(array), expected)


def test_load_as_stored_and_save_again(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    model, params = tn.load(folder, dtype=None)
    assert {str(leaf.dtype) for leaf in jax.tree.leaves(params)} == {"bfloat16"}
    x = jnp.ones((2, 4), jnp.float32)
    assert model.apply(params, x).dtype == jnp.float32  # float32 inputs promote the bfloat16 weights
    tn.save(model, params, tmp_path / "again", dtype="bfloat16")
    assert (tmp_path / "again" / "weights.safetensors").read_bytes() == (folder / "weights.safetensors").read_bytes()
    tn.save(model, params, tmp_path / "up")  # cast back up to float32
    assert tn.load(tmp_path / "up").stored_dtype == "float32"
    half = tn.load(folder, dtype="float16")[1]
    assert {str(leaf.dtype) for leaf in jax.tree.leaves(half)} == {"float16"}


def test_trainer_save_passes_the_dtype_and_defaults_to_float32(tmp_path: Path) -> None:
    trainer = tn.Trainer(
        _model(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), precision="bfloat16"
    )
    trainer.save(str(tmp_path / "default"))
    trainer.save(str(tmp_path / "low"), dtype="bfloat16")
    assert tn.load(tmp_path / "default").stored_dtype == "float32"
    loaded = tn.load(tmp_path / "low")
    assert loaded.stored_dtype == "bfloat16"
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    full = trainer.model.apply(trainer.params, x)
    np.testing.assert_allclose(np.asarray(loaded[0].apply(loaded[1], x)), np.asarray(full), rtol=0.05, atol=0.05)


@pytest.mark.parametrize("dtype", ["float64", "int8", 16, None])
def test_a_dtype_that_is_not_an_export_dtype_is_refused(tmp_path: Path, dtype: Any) -> None:
    model = _model()
    with pytest.raises(tn.TypednnError, match="dtype must be one of 'float32', 'bfloat16', 'float16'"):
        tn.save(model, _params(model), tmp_path / "x", dtype=dtype)
    assert not (tmp_path / "x").exists()
    folder = _export(tmp_path, "float32")
    if dtype is not None:
        with pytest.raises(tn.TypednnError, match=r"loading .*: dtype must be one of"):
            tn.load(folder, dtype=dtype)


def test_float64_parameters_are_still_refused(tmp_path: Path) -> None:
    model = _model()
    params = jax.tree.map(lambda array: np.asarray(array, np.float64), _params(model))
    with pytest.raises(tn.TypednnError, match=r"dense/kernel: params holds \(4, 6\) float64"):
        tn.save(model, params, tmp_path / "x", dtype="bfloat16")


# ---------------------------------------------------------------------------- spec.json dtypes that lie


@pytest.mark.parametrize("value", ["float64", "int32", 16, None, ["bfloat16"]])
def test_a_weights_dtype_that_is_no_export_dtype_is_refused(tmp_path: Path, value: Any) -> None:
    folder = _export(tmp_path)
    _edit_spec(folder, lambda document: document["weights"].__setitem__("dtype", value))
    with pytest.raises(tn.TypednnError, match=r"spec.json: weights: dtype must be one of .*") as caught:
        tn.load(folder)
    assert caught.value.hint == "was it edited? Save the model again"


def test_a_weights_dtype_of_bfloat16_over_float32_tensors_is_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path, "float32")
    _edit_spec(folder, lambda document: document["weights"].__setitem__("dtype", "bfloat16"))
    with pytest.raises(
        tn.TypednnError,
        match=r"spec.json: batch_norm/bias: spec.json says \(6,\) float32, the model needs in weights.dtype bfloat16"
        r" \(6,\) bfloat16",
    ):
        tn.load(folder)


def test_bfloat16_tensors_without_the_dtype_key_are_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    _edit_spec(folder, lambda document: document["weights"].pop("dtype"))
    with pytest.raises(
        tn.TypednnError, match=r"dense/bias: spec.json says \(6,\) bfloat16, the model needs \(6,\) float32"
    ):
        tn.load(folder)


def test_one_tensor_in_another_dtype_than_the_export_s_is_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    _edit_spec(folder, lambda document: document["weights"]["tensors"]["dense/kernel"].__setitem__("dtype", "float16"))
    with pytest.raises(tn.TypednnError, match=r"dense/kernel: spec.json says \(4, 6\) float16") as caught:
        tn.load(folder)
    assert "dense/bias" not in caught.value.message


def test_float32_weights_under_a_spec_that_says_bfloat16_are_refused(tmp_path: Path) -> None:
    # Whoever swaps the weights file can also write its sha256 into spec.json.
    folder = _export(tmp_path)
    model = _model()
    arrays = {
        f"{layer}/{name}": np.asarray(array)
        for layer, params in _params(model).items()
        for name, array in params.items()
    }
    data = safetensors.numpy.save(arrays)
    (folder / "weights.safetensors").write_bytes(data)
    _edit_spec(folder, lambda document: document["weights"].__setitem__("sha256", hashlib.sha256(data).hexdigest()))
    with pytest.raises(
        tn.TypednnError,
        match=r"weights.safetensors: batch_norm/bias: weights.safetensors holds \(6,\) float32,"
        r" spec.json says \(6,\) bfloat16",
    ):
        tn.load(folder)


def test_the_cli_refuses_a_lying_dtype_in_one_line(tmp_path: Path) -> None:
    folder = _export(tmp_path, "float32")
    _edit_spec(folder, lambda document: document["weights"].__setitem__("dtype", "float16"))
    inputs = tmp_path / "x.npy"
    np.save(inputs, np.ones((2, 4), np.float32))
    result = subprocess.run(
        [sys.executable, "-m", "typednn", "predict", str(inputs), "--model", str(folder)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert "spec.json" in lines[0] and "weights.dtype float16" in lines[0]


# ---------------------------------------------------------------------------- typednn summary DIR


def _typednn(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *args], check=False, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_summary_of_an_export_prints_the_step_memory_under_assumed_training(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    result = _typednn("summary", str(folder), "--batch-size", "64")
    assert result.returncode == 0, result.stderr
    assert "Total params: 75" in result.stdout
    assert "Peak memory of one training step: " in result.stdout and "at batch size 64" in result.stdout
    assert "training assumed: mean squared error on every output, Adam, float32" in result.stdout
    plain = _typednn("summary", str(folder))
    assert plain.returncode == 0 and "Peak memory" not in plain.stdout and "Total params: 75" in plain.stdout


def test_summary_of_a_directory_that_is_no_export_fails_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    result = _typednn("summary", str(tmp_path / "folder"), "--batch-size", "4")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert "spec.json: no such file; this is not a typednn export" in lines[0]
    assert len(lines) <= 2 and (len(lines) == 1 or lines[1].startswith("  hint:"))
