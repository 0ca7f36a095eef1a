"""Keras's functional API: models with several inputs and outputs, built, run, summarised, saved."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest

import typednn as tn
from typednn import nn
from typednn.export._graph_json import graph_from_dict

ROOT = Path(__file__).resolve().parents[1]


def two_heads() -> tn.Model[Any, Any]:
    image = tn.Input(8, 8, 3, name="image")
    ids = tn.Input(5, dtype="int32", name="ids")
    h = image >> nn.Conv2D(4, kernel=3) >> nn.Flatten()
    words = ids >> nn.Embedding(20, 4) >> nn.GlobalAvgPool1D()
    z = nn.concat(h, words)
    return tn.Model((image, ids), (z >> nn.Dense(10, name="label"), z >> nn.Dense(4, name="box")))


BATCH = (np.ones((2, 8, 8, 3), np.float32), np.arange(10, dtype=np.int32).reshape(2, 5))


def test_a_model_takes_and_gives_tuples_named_as_keras_names_them() -> None:
    model = two_heads()
    assert model.input_names == ("image", "ids")
    assert model.output_names == ("label", "box")
    assert repr(model) == "Model((8, 8, 3), (5,) -> (10,), (4,))"
    params = model.init(jax.random.key(0))
    label, box = model.apply(params, BATCH)
    assert (label.shape, box.shape) == ((2, 10), (2, 4))
    by_name = model.apply(params, {"ids": BATCH[1], "image": BATCH[0]})
    as_list = model.apply(params, list(BATCH))
    for a, b, c in zip((label, box), by_name, as_list):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_default_input_names_avoid_the_layers_names() -> None:
    a, b = tn.Input(4), tn.Input(4)
    model = tn.Model((a, b), (a + b) >> nn.Dense(2, name="input"))
    assert model.input_names == ("input_1", "input_2")
    assert model.output_names == ("input",)


def test_an_input_the_outputs_do_not_use_is_allowed() -> None:
    a, unused = tn.Input(4), tn.Input(3, name="unused")
    model = tn.Model((a, unused), a >> nn.Dense(2))
    out = model.apply(model.init(jax.random.key(0)), (np.ones((3, 4)), np.ones((3, 3))))
    assert out.shape == (3, 2)


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        (BATCH[0], r"takes 2 input arrays \(image, ids\), but is given 1"),
        ((BATCH[0],) * 3, r"takes 2 input arrays \(image, ids\), but is given 3"),
        ({"image": BATCH[0], "words": BATCH[1]}, r"takes arrays for the inputs 'image', 'ids', but the dict has"),
    ],
)
def test_a_batch_of_another_form_is_refused(batch: Any, message: str) -> None:
    model = two_heads()
    with pytest.raises(tn.TypednnError, match=message) as caught:
        model.apply(model.init(jax.random.key(0)), batch)
    assert caught.value.hint


def test_wiring_mistakes_are_refused_when_the_model_is_built() -> None:
    a, b = tn.Input(4, name="a"), tn.Input(4, name="a")
    with pytest.raises(tn.TypednnError, match="two inputs are named 'a'"):
        tn.Model((a, b), a + b)
    x = tn.Input(4, name="head")
    with pytest.raises(tn.TypednnError, match="an input and a layer are named 'head'"):
        tn.Model(x, x >> nn.Dense(2, name="head"))
    with pytest.raises(tn.TypednnError, match="inputs list one tensor twice"):
        tn.Model((x, x), x >> nn.Dense(2))
    hidden = x >> nn.Dense(3)
    with pytest.raises(tn.TypednnError, match=r"a model input must be a tn.Input, but one is the output of Dense\(3\)"):
        tn.Model(hidden, hidden >> nn.Dense(2))
    with pytest.raises(tn.TypednnError, match="an output of the model is its input 'head' itself"):
        tn.Model(x, (x >> nn.Dense(2), x))
    with pytest.raises(tn.TypednnError, match=r"tn.Model takes a tensor or a tuple of tensors as its outputs, not"):
        tn.Model(x, ())
    y = tn.Input(2)
    with pytest.raises(tn.TypednnError, match=r"depend on Input\(2,\), which is not among its inputs"):
        tn.Model(x, nn.concat(x, y))


def test_the_summary_says_what_each_layer_is_connected_to() -> None:
    text = two_heads().summary()
    lines = text.splitlines()
    assert "Connected to" in lines[1]
    assert any(line.split()[:2] == ["Input", "ids"] for line in lines)
    concat = next(line for line in lines if line.startswith("Concatenate"))
    assert "flatten, global_avg_pool1d" in concat
    assert lines[-1] == "Outputs: label, box"
    assert f"Total params: {two_heads().count_params():,}" in text


def test_a_shared_layer_is_connected_by_its_application() -> None:
    left, right = tn.Input(4, name="left"), tn.Input(4, name="right")
    tower = nn.Dense(3, name="tower")
    model = tn.Model((left, right), nn.concat(tower(left), tower(right)))
    text = model.summary()
    assert "tower, tower[1]" in text
    assert model.count_params() == 15  # the tower's weights count once


def test_save_and_load_keep_inputs_outputs_and_results(tmp_path: Path) -> None:
    model = two_heads()
    params = model.init(jax.random.key(1))
    tn.save(model, params, tmp_path / "export")
    section = json.loads((tmp_path / "export" / "spec.json").read_text())["model"]
    assert section["inputs"] == {"image": [8, 8, 3], "ids": {"shape": [5], "dtype": "int32"}}
    assert section["outputs"] == ["label", "box"]
    loaded, loaded_params = tn.load(tmp_path / "export")
    assert (loaded.input_names, loaded.output_names) == (model.input_names, model.output_names)
    for a, b in zip(model.apply(params, BATCH), loaded.apply(loaded_params, BATCH)):
        np.testing.assert_array_equal(a, b)


def test_a_one_input_model_is_written_as_before(tmp_path: Path) -> None:
    x = tn.Input(4)
    tn.save(model := tn.Model(x, x >> nn.Dense(2)), model.init(jax.random.key(0)), tmp_path / "m")
    section = json.loads((tmp_path / "m" / "spec.json").read_text())["model"]
    assert set(section) == {"input", "layers"}


SECTION: dict[str, Any] = {
    "inputs": {"a": [4], "b": [4]},
    "layers": [
        {"add": {"inputs": ["a", "b"], "name": "sum"}},
        {"dense": {"units": 2, "name": "y"}},
        {"dense": {"units": 3, "inputs": ["a"], "name": "z"}},
    ],
    "outputs": ["y", "z"],
}


def test_a_model_section_names_several_inputs_and_outputs() -> None:
    model = graph_from_dict(SECTION, source="spec.yaml")
    assert (model.input_names, model.output_names) == (("a", "b"), ("y", "z"))
    assert repr(model) == "Model((4,), (4,) -> (2,), (3,))"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"input": [4]}, r"model: give 'input' or 'inputs', not both"),
        ({"dtype": "int32"}, r"model.dtype: with 'inputs', each input states its dtype"),
        ({"inputs": {"a": {"shape": [4], "dtype": "int64"}}}, r"model.inputs.a: the input dtype is 'float32'"),
        ({"inputs": []}, r"model.inputs: must be a mapping from input names to their sizes"),
        ({"outputs": ["y"]}, r"model.layers\[2\]: the output of this layer is never used"),
        ({"outputs": ["y", "a"]}, r"model.outputs: 'a' is an input"),
        ({"outputs": ["y", "y", "z"]}, r"model.outputs: 'y' is listed twice"),
        ({"outputs": ["y", "w"]}, r"model.outputs: no earlier layer is named 'w'"),
        ({"layers": ["relu"]}, r"model.layers\[0\] \(relu\): the model has the inputs 'a', 'b': say which"),
        ({"layers": [{"dense": {"units": 2, "name": "a"}}]}, r"the name 'a' is already taken by the model input"),
    ],
)
def test_a_model_section_with_wrong_inputs_or_outputs_is_refused(change: dict[str, Any], message: str) -> None:
    section = {**SECTION, **change}
    if "layers" in change:
        section.pop("outputs")
    with pytest.raises(tn.TypednnError, match=message):
        graph_from_dict(section, source="spec.yaml")


def test_typednn_check_reads_a_spec_with_several_inputs(tmp_path: Path) -> None:
    spec = tmp_path / "two.yaml"
    spec.write_text(
        "model:\n"
        "  inputs:\n"
        "    image: [8, 8, 3]\n"
        "    ids: {shape: [5], dtype: int32}\n"
        "  layers:\n"
        "    - flatten: {inputs: [image], name: flat}\n"
        "    - embedding: {vocab: 20, features: 4, inputs: [ids]}\n"
        "    - global_avg_pool1d: {name: words}\n"
        "    - concat: {inputs: [flat, words], name: joined}\n"
        "    - dense: {units: 10, name: label}\n"
        "    - dense: {units: 4, inputs: [joined], name: box}\n"
        "  outputs: [label, box]\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(spec)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "ok: two (8, 8, 3), (5,) -> (10,), (4,)," in done.stdout
    spec.write_text(spec.read_text().replace("dtype: int32", "dtype: int64"))
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(spec)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert f"{spec}:4:" in done.stderr and "int64" in done.stderr
    assert "Traceback" not in done.stderr


def _predict(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", "predict", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_typednn_predict_reads_a_file_per_input_and_writes_a_file_per_output(tmp_path: Path) -> None:
    model = two_heads()
    params = model.init(jax.random.key(0))
    tn.save(model, params, tmp_path / "two")
    np.save(tmp_path / "image.npy", BATCH[0])
    np.save(tmp_path / "ids.npy", BATCH[1])
    done = _predict(
        "--model",
        str(tmp_path / "two"),
        str(tmp_path / "image.npy"),
        str(tmp_path / "ids.npy"),
        "-o",
        str(tmp_path / "out"),
    )
    assert done.returncode == 0, done.stderr
    label, box = model.apply(params, BATCH)
    read = {
        name: np.loadtxt(tmp_path / "out" / f"{name}.csv", delimiter=",", skiprows=1, ndmin=2)
        for name in ("label", "box")
    }
    np.testing.assert_allclose(read["label"], label, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(read["box"], box, rtol=1e-6, atol=1e-6)
    np.savez(tmp_path / "both.npz", image=BATCH[0], ids=BATCH[1])
    done = _predict("--model", str(tmp_path / "two"), str(tmp_path / "both.npz"), "-o", str(tmp_path / "again"))
    assert done.returncode == 0, done.stderr
    np.testing.assert_allclose(
        np.loadtxt(tmp_path / "again" / "box.csv", delimiter=",", skiprows=1, ndmin=2), box, rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "the model has 2 outputs (label, box): give -o DIR"),
        (("-o", "{tmp}/out", "--classes"), "--classes takes a model with one output"),
        (("-o", "{tmp}/taken"), "taken/label.csv: already there; typednn predict does not write over files"),
        (("-o", "{tmp}/out", "--only-image"), "the model has 2 inputs (image, ids), but 1 input files are given"),
    ],
)
def test_typednn_predict_refuses_what_it_cannot_write(tmp_path: Path, extra: tuple[str, ...], message: str) -> None:
    model = two_heads()
    tn.save(model, model.init(jax.random.key(0)), tmp_path / "two")
    np.save(tmp_path / "image.npy", BATCH[0])
    np.save(tmp_path / "ids.npy", BATCH[1])
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "label.csv").write_text("mine\n")
    files = (
        [str(tmp_path / "image.npy")]
        if "--only-image" in extra
        else [str(tmp_path / "image.npy"), str(tmp_path / "ids.npy")]
    )
    args = [a.format(tmp=tmp_path) for a in extra if a != "--only-image"]
    done = _predict("--model", str(tmp_path / "two"), *files, *args)
    assert done.returncode in (1, 2), done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "taken" / "label.csv").read_text() == "mine\n"


def test_codegen_writes_a_model_of_several_inputs_and_outputs(tmp_path: Path) -> None:
    from typednn.spec import codegen  # noqa: PLC0415

    model = two_heads()
    source = codegen(model, function="two_heads")
    assert (
        "def two_heads() -> tn.Model[tuple[TwoHeadsImage, TwoHeadsIds], tuple[TwoHeadsLabel, TwoHeadsBox]]:" in source
    )
    assert '    image = tn.Input(8, 8, 3, name="image")' in source
    assert "    return tn.Model((image, ids), (label, box))" in source
    namespace: dict[str, Any] = {}
    exec(compile(source, "generated.py", "exec"), namespace)
    rebuilt = namespace["two_heads"]()
    assert (rebuilt.input_names, rebuilt.output_names) == (model.input_names, model.output_names)
    params = model.init(jax.random.key(3))
    for a, b in zip(model.apply(params, BATCH), rebuilt.apply(params, BATCH)):
        np.testing.assert_array_equal(a, b)
    (tmp_path / "generated.py").write_text(source)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "mypy.ini"), str(tmp_path / "generated.py")],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
