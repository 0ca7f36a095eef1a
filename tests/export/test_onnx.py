"""ONNX exports: every zoo model and the examples' models, verified in ONNX Runtime against apply."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax2onnx
import numpy as np
import onnx as onnx_package
import onnxruntime
import pytest

import typednn as tn
from examples.cnn import build_cnn
from examples.digits import build
from examples.heart import build as heart
from examples.heart import transforms
from examples.reviews import build as reviews
from typednn import zoo
from typednn.export import ExportReport, _onnx, _portable, _verify, onnx

SMALL = ["mlp", "lenet5", "transformer_classifier", "transformer_seq2seq"]
LARGE = ["resnet18", "mobilenet_v2", "resnet50"]


def _export(model: tn.Model[Any, Any], out: Path, **options: Any) -> ExportReport:
    return onnx(model, model.init(jax.random.key(0)), out, **options)


@pytest.mark.parametrize("name", SMALL)
def test_a_small_zoo_model_exports_verified(name: str, tmp_path: Path) -> None:
    report = _export(getattr(zoo, name)(), tmp_path / "m.onnx")
    assert (report.format, report.opset) == ("onnx", _onnx.DEFAULT_OPSET)
    assert report.max_abs_diff <= 1e-5
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


@pytest.mark.slow
@pytest.mark.parametrize("name", LARGE)
def test_a_large_zoo_model_exports_verified(name: str, tmp_path: Path) -> None:
    assert _export(getattr(zoo, name)(), tmp_path / "m.onnx").max_abs_diff <= 1e-5


def test_the_examples_models_export_verified(tmp_path: Path) -> None:

    models: list[tn.Model[Any, Any]] = [build_cnn(), build(), reviews()]
    for i, model in enumerate(models):  # the CNN max-pools NHWC images
        assert _export(model, tmp_path / f"{i}.onnx").max_abs_diff <= 1e-5


def test_the_file_runs_in_onnx_runtime_as_apply(tmp_path: Path) -> None:
    model = zoo.lenet5()
    params = model.init(jax.random.key(1))
    onnx(model, params, tmp_path / "m.onnx", opset=21)
    loaded = onnx_package.load(str(tmp_path / "m.onnx"))
    props = {p.key: p.value for p in loaded.metadata_props}
    assert props["typednn.opset"] == "21" and props["typednn.batch_axis"] == "batch"
    assert json.loads(props["typednn.contract"])["inputs"] == [
        {"name": "input", "shape": [32, 32, 1], "dtype": "float32"}
    ]
    assert json.loads(props["typednn.preprocessing"]) is None
    assert [i.version for i in loaded.opset_import if i.domain in ("", "ai.onnx")] == [21]
    assert loaded.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    session = onnxruntime.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input"]
    assert [o.name for o in session.get_outputs()] == ["dense_2"]
    x = np.random.default_rng(5).standard_normal((6, 32, 32, 1)).astype(np.float32)
    (found,) = session.run(None, {"input": x})
    assert np.max(np.abs(found - np.asarray(model.apply(params, x)))) <= 1e-5


def test_an_opset_out_of_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(tn.TypednnError, match="opset 12 is not one typednn exports to"):
        _export(zoo.mlp(), tmp_path / "m.onnx", opset=12)
    assert not list(tmp_path.iterdir())


def test_a_model_the_converter_cannot_convert_is_refused_with_the_primitive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(fn: Callable[..., Any], **options: Any) -> Any:
        eqn = jax.make_jaxpr(fn)(*(np.zeros((1, 784), np.float32),)).jaxpr.eqns[0]
        raise NotImplementedError(f"[converter] No plugins registered for primitive '{eqn.primitive.name}'")

    monkeypatch.setattr(jax2onnx, "to_onnx", refuse)
    with pytest.raises(tn.TypednnError, match=r"jax2onnx cannot convert primitive '\w+'") as caught:
        _export(zoo.mlp(), tmp_path / "m.onnx")
    assert caught.value.hint is not None and "stablehlo" in caught.value.hint
    assert not list(tmp_path.iterdir())


def test_a_failed_verification_is_refused_with_the_numbers_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_verify, "TOLERANCE", 1e-12)
    with pytest.raises(
        tn.TypednnError, match=r"output 'dense_2' differs from model.apply by up to [0-9.e-]+ at batch size"
    ):
        _export(zoo.mlp(), tmp_path / "m.onnx")
    assert not list(tmp_path.iterdir())


def test_a_missing_extra_names_the_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` raises ImportError
    with pytest.raises(tn.TypednnError, match="needs the packages jax2onnx, onnx and onnxruntime") as caught:
        _export(zoo.mlp(), tmp_path / "m.onnx")
    assert caught.value.hint == "pip install 'typednn[onnx]'"


def test_the_preprocessing_is_in_the_metadata(tmp_path: Path) -> None:
    raw = tn.data.table(Path(__file__).resolve().parents[2] / "examples" / "data" / "heart.csv", label="target")
    prep = transforms().fit(raw)
    model = heart()
    tn.save(model, model.init(jax.random.key(0)), tmp_path / "model", transform=prep)
    loaded = tn.load(tmp_path / "model")
    again, params = loaded
    onnx(again, params, tmp_path / "m.onnx", transform=loaded.transform)
    props = {p.key: p.value for p in onnx_package.load(str(tmp_path / "m.onnx")).metadata_props}
    found = json.loads(props["typednn.preprocessing"])
    assert found["in_program"] == [] and found["input"] == "input"
    assert [c["name"] for c in found["transform"]["columns"]][:2] == ["age", "sex"]
    assert "standardize" in found["transform"]["columns"][0]["steps"][0]


def test_the_written_file_is_the_one_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[Path] = []
    publish = _portable.publish

    def spy(out: Path, write: Callable[[Path], None], what: str) -> None:
        written.append(out)
        publish(out, write, what)

    monkeypatch.setattr(_onnx, "publish", spy)
    _export(zoo.mlp(), tmp_path / "deeper" / "m.onnx")
    assert written == [tmp_path / "deeper" / "m.onnx"] and written[0].is_file()
