"""StableHLO exports: every zoo model and the examples' models, verified against apply; run without typednn."""

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
from examples.cnn import build_cnn
from examples.digits import build
from examples.reviews import build as reviews
from typednn import zoo
from typednn.export import ExportReport, stablehlo
from typednn.export._verify import sample_inputs

SMALL = ["mlp", "lenet5", "transformer_classifier", "transformer_seq2seq"]
LARGE = ["resnet18", "mobilenet_v2", "resnet50"]


def _export(model: tn.Model[Any, Any], out: Path) -> ExportReport:
    return stablehlo(model, model.init(jax.random.key(0)), out)


@pytest.mark.parametrize("name", SMALL)
def test_a_small_zoo_model_exports_verified(name: str, tmp_path: Path) -> None:
    report = _export(getattr(zoo, name)(), tmp_path / "out")
    assert report.format == "stablehlo" and report.opset is None
    assert report.max_abs_diff <= 1e-5
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["model.stablehlo", "signature.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary left beside it


@pytest.mark.slow
@pytest.mark.parametrize("name", LARGE)
def test_a_large_zoo_model_exports_verified(name: str, tmp_path: Path) -> None:
    assert _export(getattr(zoo, name)(), tmp_path / "out").max_abs_diff <= 1e-5


def test_the_examples_models_export_verified(tmp_path: Path) -> None:

    models: list[tn.Model[Any, Any]] = [build_cnn(), build(), reviews()]
    for i, model in enumerate(models):
        assert _export(model, tmp_path / str(i)).max_abs_diff <= 1e-5


def test_the_signature_holds_the_contract_and_the_versions(tmp_path: Path) -> None:
    _export(zoo.transformer_seq2seq(), tmp_path / "out")
    signature = json.loads((tmp_path / "out" / "signature.json").read_text())
    assert signature["inputs"] == ["source", "target"] and signature["outputs"] == ["logits"]
    assert signature["contract"]["outputs"] == [{"name": "logits", "shape": [32, 1000], "dtype": "float32"}]
    assert signature["batch_axis"] == "batch" and signature["jax"] == jax.__version__
    assert signature["verification"]["max_abs_diff"] <= 1e-5
    assert signature["preprocessing"] is None


def test_a_named_axis_stays_symbolic(tmp_path: Path) -> None:
    class Seq(tn.Dim):
        """Tokens in a sequence."""

    x = tn.Input(Seq, 4)
    model = tn.Model(x, x >> tn.nn.Dense(3))
    _export(model, tmp_path / "out")
    program = jax.export.deserialize(bytearray((tmp_path / "out" / "model.stablehlo").read_bytes()))
    (found,) = program.call(np.ones((2, 5, 4), np.float32))
    assert found.shape == (2, 5, 3)


def test_an_existing_destination_is_refused_and_untouched(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep")
    with pytest.raises(tn.TypednnError, match="already exists; typednn export does not write over it"):
        _export(zoo.mlp(), tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["mine.txt"]


# Runs in a fresh interpreter where `import typednn` fails: JAX and NumPy only.
CHILD = """
import importlib.abc, json, sys

class NoTypednn(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "typednn" or name.startswith("typednn."):
            raise ImportError("typednn is not available here")
        return None

sys.meta_path.insert(0, NoTypednn())
try:
    import typednn  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("typednn imported")
import jax, numpy as np
inputs = [np.asarray(a, dtype=np.float32) for a in json.loads(sys.stdin.read())]
with open(sys.argv[1], "rb") as file:
    program = jax.export.deserialize(bytearray(file.read()))
print(json.dumps([np.asarray(out).tolist() for out in program.call(*inputs)]))
"""


def test_the_artifact_runs_in_a_process_without_typednn(tmp_path: Path) -> None:
    model = zoo.mlp()
    params = model.init(jax.random.key(0))
    report = stablehlo(model, params, tmp_path / "out")
    (x,) = sample_inputs(report.contract, 4, seed=7)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "out" / "model.stablehlo")],
        input=json.dumps([x.tolist()]),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # not the source tree: typednn must not be importable from the working directory either
        env={"JAX_PLATFORMS": "cpu", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (found,) = json.loads(done.stdout)
    expected = np.asarray(model.apply(params, x))
    assert np.max(np.abs(np.asarray(found, np.float32) - expected)) <= 1e-5
