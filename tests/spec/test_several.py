"""Spec files for models with several inputs and outputs: arrays by name, a loss per output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import typednn as tn
from typednn.spec import check_data, read

ROOT = Path(__file__).resolve().parents[2]
MODEL = (ROOT / "examples" / "keras_functional" / "classify_and_locate.yaml").read_text()
DATA = """data:
  source: {npz: {path: two.npz, features: [image, meta], targets: [label, box]}}
  split: {test: 0.25}
train:
  epochs: 1
  batch_size: 16
  loss: {label: softmax_cross_entropy, box: mean_squared_error}
  loss_weights: {box: 0.5}
  metrics: {label: [accuracy]}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 32
    np.savez(
        tmp_path / "two.npz",
        image=rng.normal(size=(n, 32, 32, 3)).astype(np.float32),
        meta=rng.normal(size=(n, 8)).astype(np.float32),
        metadata=rng.normal(size=(n, 8)).astype(np.float32),
        label=rng.integers(0, 10, n),
        box=rng.normal(size=(n, 4)).astype(np.float32),
    )
    return tmp_path


def spec(folder: Path, data: str = DATA) -> Path:
    path = folder / "two.yaml"
    path.write_text(MODEL + data)
    return path


def test_typednn_trains_and_evaluates_a_spec_of_several_inputs_and_outputs(folder: Path) -> None:
    path = spec(folder)
    schema = check_data(read(path))
    assert str(schema).endswith("features image (32, 32, 3), meta (8,); targets label 10 classes, box (4,)")
    run = [sys.executable, "-m", "typednn"]
    done = subprocess.run(
        [*run, "train", str(path), "--out", str(folder / "run")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    header = (folder / "run" / "metrics.csv").read_text().splitlines()[0].split(",")
    assert header[:5] == ["epoch", "loss", "label_loss", "label_accuracy", "box_loss"]
    scores = json.loads((folder / "run" / "test_metrics.json").read_text())
    assert scores["loss"] == pytest.approx(scores["label_loss"] + 0.5 * scores["box_loss"], rel=1e-5)
    done = subprocess.run(
        [*run, "evaluate", str(path), "--model", str(folder / "run" / "model"), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == pytest.approx(scores, rel=1e-5)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "features: [image, meta]",
            "features: [image, metadata]",
            "the source's features are 'image', 'metadata', but the model's inputs are 'image', 'meta'",
        ),
        (
            "{npz: {path: two.npz, features: [image, meta], targets: [label, box]}}",
            "{npz: {path: two.npz, features: image, targets: label}}",
            "but the source gives one feature array and one target array",
        ),
        (
            "metrics: {label: [accuracy]}",
            "metrics: [accuracy]",
            ":27:12: the model has 2 outputs: give metrics per output",
        ),
        (
            "loss: {label: softmax_cross_entropy, box: mean_squared_error}",
            "loss: {label: softmax_cross_entropy, boxes: mean_squared_error}",
            ":25:47: the model has no output 'boxes'; did you mean 'box'?",
        ),
        (
            "loss: {label: softmax_cross_entropy, box: mean_squared_error}",
            "loss: {label: binary_cross_entropy}",
            "the output 'label': binary_cross_entropy takes",
        ),
        (
            "loss_weights: {box: 0.5}",
            "loss_weights: {boxes: 0.5}",
            ":26:25: the model has no output 'boxes'",
        ),
    ],
)
def test_a_spec_that_does_not_fit_says_where(folder: Path, old: str, new: str, message: str) -> None:
    assert old in DATA
    path = spec(folder, DATA.replace(old, new))
    with pytest.raises(tn.TypednnError) as caught:
        check_data(read(path))
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.slow
def test_a_run_of_several_outputs_resumes_where_it_stopped(folder: Path) -> None:
    path = spec(folder, DATA.replace("epochs: 1", "epochs: 2"))
    run = [sys.executable, "-m", "typednn", "train", str(path), "--out", str(folder / "run")]
    first = subprocess.run(run, capture_output=True, text=True, timeout=300, check=False)
    assert first.returncode == 0, first.stderr
    path.write_text(path.read_text().replace("epochs: 2", "epochs: 3"))
    resumed = subprocess.run([*run, "--resume"], capture_output=True, text=True, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr
    rows = (folder / "run" / "metrics.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["1", "2", "3"]
    assert "epoch 3/3" in resumed.stdout and "label_accuracy" in resumed.stdout
