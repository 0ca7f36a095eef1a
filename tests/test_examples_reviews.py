"""examples/reviews.py and examples/reviews.yaml: text classification on raw strings, trained, exported, served."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import typednn as tn
from examples.data.make_reviews import main as make_reviews
from examples.reviews import main as run_reviews
from typednn.data import table
from typednn.spec import load_data, read, train

ROOT = Path(__file__).resolve().parents[1]
REVIEWS = ROOT / "examples" / "data" / "reviews.csv"


def test_the_committed_reviews_are_what_the_script_writes(tmp_path: Path) -> None:
    make_reviews(tmp_path / "reviews.csv")
    assert (tmp_path / "reviews.csv").read_bytes() == REVIEWS.read_bytes()
    assert REVIEWS.stat().st_size < 100_000
    raw = table(REVIEWS, label="label")
    assert len(raw) == 800 and raw.names == ("review",) and raw.class_names == ("negative", "positive")


@pytest.mark.slow
def test_the_python_example_serves_raw_text_as_it_trained(tmp_path: Path) -> None:
    found = run_reviews(tmp_path / "run", epochs=8)
    assert found["same_features"] and found["same_predictions"], found
    assert 0.85 <= found["val_accuracy"] < 1.0, found  # high, but the data has noise
    assert (tmp_path / "run" / "model" / "spec.json").exists()


@pytest.mark.slow
def test_the_spec_example_trains_and_predicts_raw_rows_as_in_training(tmp_path: Path) -> None:
    spec = read(ROOT / "examples" / "reviews.yaml")
    result = train(spec, tmp_path / "run", verbose=0)
    assert result.history["val_accuracy"][-1] >= 0.85, result.history
    loaded = tn.load(tmp_path / "run" / "model")
    model, params = loaded
    assert loaded.transform is not None
    parts = load_data(spec)  # the in-training features: the same split, the same fitted vocabulary
    served = loaded.transform.features(table(REVIEWS))
    trained = parts.transform.features(table(REVIEWS)) if parts.transform is not None else None
    assert trained is not None and trained.dtype == np.int32
    np.testing.assert_array_equal(served, trained)
    train_rows, _, _ = table(REVIEWS, label="label").partition(validation=0.2, seed=0)
    np.testing.assert_array_equal(loaded.transform.features(train_rows), parts.train.features)
    expected = np.asarray(model.apply(params, parts.train.features))
    np.testing.assert_array_equal(np.asarray(model.apply(params, loaded.transform.features(train_rows))), expected)
    raw = tmp_path / "raw.csv"
    raw.write_text("review\n" + "\n".join(f'"{text}"' for text in train_rows.column("review")[:20]) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "predict", "--model", str(tmp_path / "run" / "model"), str(raw), "--classes"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[1:] == [str(i) for i in expected[:20].argmax(axis=1)]
