"""`typednn export`: real subprocesses, both formats, and the refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import pytest

import typednn as tn
from examples.heart import build, transforms
from typednn import zoo
from typednn.export import _portable, _stablehlo, stablehlo
from typednn.lower import Params

ROOT = Path(__file__).resolve().parents[2]


def _typednn(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "typednn", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env=env,
        check=False,
    )


def _saved(tmp_path: Path) -> Path:
    model = zoo.mlp()
    tn.save(model, model.init(jax.random.key(0)), tmp_path / "model")
    return tmp_path / "model"


def _refused(done: subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert words in lines[0]
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("  hint:"))


@pytest.mark.slow
@pytest.mark.parametrize(("form", "out"), [("stablehlo", "net"), ("onnx", "net.onnx")])
def test_both_formats_export_with_a_one_line_summary(form: str, out: str, tmp_path: Path) -> None:
    done = _typednn("export", "--model", _saved(tmp_path), "--format", form, "-o", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    assert line.startswith(f"{form} {tmp_path / out}") and "verified, max abs diff" in line
    assert ("(opset 24)" in line) == (form == "onnx")
    assert "Traceback" not in done.stderr


def test_an_existing_output_is_refused_and_untouched(tmp_path: Path) -> None:
    (tmp_path / "net.onnx").write_bytes(b"mine")
    done = _typednn("export", "--model", _saved(tmp_path), "--format", "onnx", "-o", "net.onnx", cwd=tmp_path)
    _refused(done, "already exists; typednn export does not write over it")
    assert (tmp_path / "net.onnx").read_bytes() == b"mine"


def test_a_directory_that_is_not_an_export_is_refused(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("hi")
    done = _typednn("export", "--model", "folder", "--format", "stablehlo", "-o", "net", cwd=tmp_path)
    _refused(done, "folder")
    assert not (tmp_path / "net").exists()


def test_an_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    done = _typednn("export", "--model", _saved(tmp_path), "--format", "tflite", "-o", "net", cwd=tmp_path)
    assert done.returncode == 2
    assert "invalid choice: 'tflite'" in done.stderr and "Traceback" not in done.stderr


def test_a_failed_verification_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = _portable.inference

    def shifted(model: tn.Model[Any, Any], params: Params) -> Callable[..., tuple[jax.Array, ...]]:
        run = wrong(model, params)
        return lambda *inputs: tuple(out + 1e-3 for out in run(*inputs))

    monkeypatch.setattr(_stablehlo, "inference", shifted)
    model = zoo.mlp()
    with pytest.raises(tn.TypednnError, match=r"differs from model.apply by up to 0.001 at batch size 1"):
        stablehlo(model, model.init(jax.random.key(0)), tmp_path / "net")
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_a_model_saved_with_transforms_carries_them(tmp_path: Path) -> None:
    prep = transforms().fit(tn.data.table(ROOT / "examples" / "data" / "heart.csv", label="target"))
    model = build()
    tn.save(model, model.init(jax.random.key(0)), tmp_path / "model", transform=prep)
    done = _typednn("export", "--model", "model", "--format", "stablehlo", "-o", "net", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    found = json.loads((tmp_path / "net" / "signature.json").read_text())["preprocessing"]
    assert found["in_program"] == [] and found["outside_program"][0] == "age"
    assert found["transform"] == json.loads((tmp_path / "model" / "spec.json").read_text())["transform"]
