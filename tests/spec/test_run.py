"""Running spec files: the demo's accuracy, run directories, resuming and evaluating."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

import typednn as tn
from typednn.spec import load_data, read, train

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_digits_example_reaches_95_percent(tmp_path: Path) -> None:
    result = train(read(ROOT / "examples" / "digits.yaml"), tmp_path / "run", verbose=0)
    assert result.test is not None
    assert result.test["accuracy"] >= 0.95, result.test
    assert json.loads((tmp_path / "run" / "test_metrics.json").read_text()) == result.test
    model, _ = tn.load(tmp_path / "run" / "model")
    assert repr(model) == "Model((8, 8, 1) -> (10,))"


def test_load_data_splits_as_the_spec_says() -> None:
    parts = load_data(read(ROOT / "examples" / "digits.yaml"))
    assert parts.test is not None and parts.validation is not None
    assert (len(parts.train), len(parts.validation), len(parts.test)) == (1258, 180, 359)


def test_a_run_resumes_to_more_epochs_and_refuses_to_overwrite(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "data" / "iris.csv", tmp_path / "iris.csv")
    text = (ROOT / "examples" / "iris.json").read_text().replace("data/iris.csv", "iris.csv")
    spec_file = tmp_path / "iris.json"
    spec_file.write_text(text.replace('"epochs": 60', '"epochs": 2'))
    run = tmp_path / "run"
    train(read(spec_file), run, verbose=0)
    with pytest.raises(tn.TypednnError, match="holds an earlier run"):
        train(read(spec_file), run, verbose=0)
    spec_file.write_text(text.replace('"epochs": 60', '"epochs": 4'))
    resumed = train(read(spec_file), run, resume=True, verbose=0)
    assert len(resumed.history) == 4
    assert [row["epoch"] for row in csv.DictReader((run / "metrics.csv").read_text().splitlines())] == [
        "1",
        "2",
        "3",
        "4",
    ]
    fresh = train(read(spec_file), tmp_path / "fresh", verbose=0)
    assert resumed.test == pytest.approx(fresh.test)
    # Nothing to resume from: a fresh start (the command line says so).
    started = train(read(spec_file), tmp_path / "empty", resume=True, verbose=0)
    assert started.test == pytest.approx(fresh.test)
