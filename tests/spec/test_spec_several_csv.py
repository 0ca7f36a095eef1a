"""Spec files whose CSV source feeds a model of two inputs and two outputs, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROWS = "a,b,c,d,e,species,len\n" + "".join(
    f"{i % 5},{i % 3},{i % 7},{i % 2},{i % 4},{'cat' if i % 2 else 'dog'},{i / 10}\n" for i in range(16)
)
SPEC = """model:
  inputs:
    numbers: [3]
    extra: [2]
  layers:
    - concat: {inputs: [numbers, extra], name: joined}
    - dense: {units: 2, name: kind}
    - dense: {units: 1, inputs: [joined], name: size}
  outputs: [kind, size]
data:
  source: {csv: {path: x.csv, features: {numbers: [a, b, c], extra: [d, e]}, label: {kind: species, size: len}}}
train:
  epochs: 1
  batch_size: 4
  loss: {kind: softmax_cross_entropy, size: mean_squared_error}
  metrics: {kind: [accuracy]}
"""


def typednn(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *arguments], capture_output=True, text=True, timeout=120, check=False
    )


def spec(tmp_path: Path, text: str = SPEC) -> Path:
    (tmp_path / "x.csv").write_text(ROWS)
    path = tmp_path / "two.yaml"
    path.write_text(text)
    return path


def refused(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) <= 2 and (len(lines) == 1 or lines[1].startswith("  hint:"))
    return lines


@pytest.mark.slow
def test_a_csv_spec_of_two_inputs_and_two_outputs_checks_and_trains(tmp_path: Path) -> None:
    path = spec(tmp_path)
    done = typednn("check", str(path))
    assert done.returncode == 0, done.stderr
    assert "features numbers (3,), extra (2,); targets kind 2 classes, size (1,)" in done.stdout
    done = typednn("train", str(path), "--out", str(tmp_path / "run"), "--quiet")
    assert done.returncode == 0, done.stderr
    header = (tmp_path / "run" / "metrics.csv").read_text().splitlines()[0].split(",")
    assert {"kind_loss", "kind_accuracy", "size_loss"} <= set(header)


@pytest.mark.slow
def test_a_misspelt_input_name_is_refused_at_the_source(tmp_path: Path) -> None:
    path = spec(tmp_path, SPEC.replace("numbers: [a, b, c]", "numbrs: [a, b, c]"))
    (line, *_) = refused(typednn("check", str(path)))
    assert line.startswith(f"{path}:11:")
    assert "the source's features are 'numbrs', 'extra', but the model's inputs are 'numbers', 'extra'" in line


@pytest.mark.slow
def test_inputs_by_name_for_a_model_of_one_input_are_refused(tmp_path: Path) -> None:
    text = SPEC.split("data:")[1].replace("label: {kind: species, size: len}", "label: species")
    path = spec(tmp_path, "model:\n  input: [5]\n  layers: [{dense: 2}]\ndata:" + text.split("train:")[0])
    (line, *_) = refused(typednn("check", str(path)))
    assert line.startswith(f"{path}:5:")
    assert "the source's features are 'numbers', 'extra', but the model's inputs are 'input'" in line


@pytest.mark.slow
def test_an_unknown_column_is_refused_at_the_source(tmp_path: Path) -> None:
    path = spec(tmp_path, SPEC.replace("extra: [d, e]}", "extra: [d, ee]}"))
    (line, *_) = refused(typednn("check", str(path)))
    assert line.startswith(f"{path}:11:")
    assert "no column 'ee' for the input 'extra'; did you mean 'e'?" in line


def test_the_json_schema_allows_inputs_and_outputs_by_name(tmp_path: Path) -> None:
    from typednn.data import SOURCES  # noqa: PLC0415 - as the schema command reads it

    for kind, option in (("csv", "features"), ("csv", "label"), ("jsonl", "features"), ("jsonl", "label")):
        found = json.dumps(SOURCES[kind].options.model_json_schema()["properties"][option])
        assert '"type": "object"' in found, (kind, option)
