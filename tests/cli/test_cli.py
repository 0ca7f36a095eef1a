"""The `typednn` command, run as users run it: a real subprocess."""

from __future__ import annotations

import csv
import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

import typednn as tn
from typednn import nn
from typednn.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
COMMANDS = ("check", "summary", "train", "evaluate", "predict", "codegen", "import", "hub", "schema", "data")

IRIS = """\
name: iris-small
model:
  input: [4]
  layers:
    - dense: 8
    - relu
    - dense: 3
data:
  source: {csv: {path: iris.csv, label: species}}
  split: {validation: 0.2, test: 0.2}
train:
  epochs: 3
  batch_size: 16
  optimizer: {adam: 0.01}
  metrics: [accuracy]
"""


def typednn(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=300
    )


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stderr


@pytest.fixture
def iris(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLES / "data" / "iris.csv", tmp_path / "iris.csv")
    (tmp_path / "iris.yaml").write_text(IRIS)
    return tmp_path / "iris.yaml"


def test_help_lists_the_commands_and_each_has_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    done = typednn("--help")
    assert done.returncode == 0
    for command in COMMANDS:
        assert command in done.stdout
        with pytest.raises(SystemExit) as exited:
            main([command, "--help"])
        assert exited.value.code == 0
        assert f"usage: typednn {command}" in capsys.readouterr().out


@pytest.mark.slow
def test_check_accepts_a_good_model_and_rejects_a_miswired_one(tmp_path: Path) -> None:
    good = typednn("check", str(EXAMPLES / "cnn.py"), cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = typednn("check", str(EXAMPLES / "miswired.py"), cwd=tmp_path)
    assert bad.returncode == 1
    assert "miswired.py:13: error: Dense(5408 -> 10) expects 5408 input features, but receives (4608,)" in bad.stdout
    assert "[typednn-shape]" in bad.stdout


def test_check_reports_every_spec_and_fails_if_one_is_bad(iris: Path) -> None:
    bad = iris.with_name("bad.yaml")
    bad.write_text(IRIS.replace("- dense: 3", "- dense: {units: 3, in_features: 9}"))
    done = typednn("check", "iris.yaml", "bad.yaml", cwd=iris.parent)
    assert done.returncode == 1
    assert "iris.yaml: ok: iris-small (4,) -> (3,), 67 parameters; data: iris.csv: 150 examples of (4,)" in done.stdout
    assert "bad.yaml:7:7 (dense): Dense(9 -> 3) expects 9 input features, but receives (8,)" in done.stderr
    no_traceback(done)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["check", "missing.yaml"], 2, "missing.yaml: no such file"),
        (["check", "notes.txt"], 2, "reads spec files (.yaml, .yml, .json) and Python files (.py), not .txt"),
        (["train"], 2, "the following arguments are required: FILE"),
        (["evaluate", "iris.yaml"], 2, "--model"),
        (["predict", "--model", "missing", "x.csv"], 2, "missing: no such file"),
        (["frobnicate"], 2, "invalid choice"),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(iris: Path, args: list[str], code: int, message: str) -> None:
    (iris.parent / "notes.txt").write_text("hello")
    done = typednn(*args, cwd=iris.parent)
    assert done.returncode == code, done.stderr
    assert message in done.stderr
    no_traceback(done)


def test_summary_prints_the_layers(iris: Path) -> None:
    done = typednn("summary", str(iris))
    assert done.returncode == 0, done.stderr
    assert "Output shape" in done.stdout and "Total params: 67" in done.stdout


def test_schema_and_codegen_write_files(iris: Path, tmp_path: Path) -> None:
    assert typednn("schema", "-o", str(tmp_path / "spec.schema.json")).returncode == 0
    assert json.loads((tmp_path / "spec.schema.json").read_text())["title"] == "typednn spec file"
    done = typednn("codegen", str(iris), "-o", str(tmp_path / "model.py"))
    assert done.returncode == 0, done.stderr
    compile((tmp_path / "model.py").read_text(), "model.py", "exec")
    assert "def build_model()" in (tmp_path / "model.py").read_text()


@pytest.mark.slow
def test_train_evaluate_predict(iris: Path) -> None:
    folder = iris.parent
    done = typednn("train", "iris.yaml", "--quiet", cwd=folder)
    assert done.returncode == 0, done.stderr
    run = folder / "runs" / "iris-small"
    for name in ("spec.yaml", "metrics.csv", "training.png", "test_metrics.json", "model/spec.json"):
        assert (run / name).is_file(), name
    assert (run / "training.png").read_bytes()[:4] == b"\x89PNG"
    assert len(list(csv.DictReader((run / "metrics.csv").read_text().splitlines()))) == 3
    assert any((run / "checkpoints").iterdir())
    assert f"run directory: {Path('runs') / 'iris-small'}" in done.stdout

    evaluated = typednn("evaluate", "iris.yaml", "--model", str(run / "model"), "--json", cwd=folder)
    assert evaluated.returncode == 0, evaluated.stderr
    scores = json.loads(evaluated.stdout)
    assert set(scores) == {"loss", "accuracy"}
    assert scores == pytest.approx(json.loads((run / "test_metrics.json").read_text()))

    rows = np.loadtxt(folder / "iris.csv", delimiter=",", skiprows=1, usecols=range(4), max_rows=5)
    np.savetxt(folder / "x.csv", rows, delimiter=",", header="a,b,c,d", comments="")
    np.save(folder / "x.npy", rows.astype(np.float32))
    from_csv = typednn("predict", "--model", str(run / "model"), "x.csv", cwd=folder)
    assert from_csv.returncode == 0, from_csv.stderr
    lines = from_csv.stdout.splitlines()
    assert lines[0] == "output_0,output_1,output_2" and len(lines) == 6
    classes = typednn("predict", "--model", str(run / "model"), "x.npy", "--classes", "-o", "out.csv", cwd=folder)
    assert classes.returncode == 0, classes.stderr
    written = (folder / "out.csv").read_text().splitlines()
    scores_by_row = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    assert written == ["class", *map(str, scores_by_row.argmax(axis=1))]

    again = typednn("train", "iris.yaml", "--quiet", cwd=folder)
    assert again.returncode == 1 and "holds an earlier run" in again.stderr and "--resume" in again.stderr
    no_traceback(again)


def test_predict_refuses_inputs_of_another_shape(iris: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(3))
    tn.save(model, model.init(jax.random.key(0)), model_dir)
    np.save(tmp_path / "wide.npy", np.zeros((2, 5), np.float32))
    done = typednn("predict", "--model", str(model_dir), str(tmp_path / "wide.npy"))
    assert done.returncode == 1
    assert "(4,)" in done.stderr and "(5,)" in done.stderr
    no_traceback(done)


def test_pickle_needs_the_command_line_flag(iris: Path) -> None:
    folder = iris.parent
    features = np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)
    with (folder / "data.pkl").open("wb") as file:
        pickle.dump((features, np.arange(20) % 3), file)
    (folder / "pickled.yaml").write_text(IRIS.replace("{csv: {path: iris.csv, label: species}}", "{pickle: data.pkl}"))
    refused = typednn("check", "pickled.yaml", cwd=folder)
    assert refused.returncode == 1
    assert "pickled.yaml:9:11" in refused.stderr and "--allow-pickle" in refused.stderr
    allowed = typednn("check", "pickled.yaml", "--allow-pickle", cwd=folder)
    assert allowed.returncode == 0, allowed.stderr
