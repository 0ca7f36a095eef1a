"""`typednn data inspect SPEC`: the data's schema, statistics and class balance, as a real subprocess."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"

HEART = """\
model:
  input: [6]
  layers: [{dense: 2}]
data:
  source: {csv: {path: heart.csv, label: target}}
  transform:
    age: standardize
    thal: one_hot
    sex: null
  split: {validation: 0.2}
"""

IRIS = """\
model:
  input: [4]
  layers: [{dense: 3}]
data:
  source: {csv: {path: iris.csv, label: species}}
"""


def typednn(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def spec(tmp_path: Path, text: str, data: str) -> Path:
    shutil.copy(DATA / data, tmp_path / data)
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def test_inspect_shows_the_columns_statistics_and_the_shape_after_the_transforms(tmp_path: Path) -> None:
    done = typednn("data", "inspect", str(spec(tmp_path, HEART, "heart.csv")), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "data heart.csv: 9 columns, label 'target'; statistics over all 60 rows" in out
    assert "first 5 rows:" in out and "age  sex  cp  trestbps" in out
    assert "  age       number    min 29  mean 55.35  max 77  empty 0" in out
    assert "  thal      category  3 distinct; most frequent 'normal' 35 (58.3%)" in out
    assert "label 'target': 2 classes" in out
    assert "  0       20   33.3%" in out and "  1       40   66.7%" in out
    assert "after data.transform: features (6,), fitted on the 48 training rows" in out
    assert "  thal: one_hot -> 4 (3 categories + 1 oov)" in out


def test_inspect_shows_the_class_balance_of_iris(tmp_path: Path) -> None:
    done = typednn("data", "inspect", str(spec(tmp_path, IRIS, "iris.csv")), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "label 'species': 3 classes" in done.stdout
    for name in ("setosa", "versicolor", "virginica"):
        assert f"  {name:<10}       50   33.3%" in done.stdout
    assert "after data.transform" not in done.stdout


def test_inspect_reads_only_the_rows_it_is_given(tmp_path: Path) -> None:
    done = typednn("data", "inspect", str(spec(tmp_path, IRIS, "iris.csv")), "--rows", "10", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "statistics over the first 10 rows (the file has more; --rows N reads more)" in done.stdout
    assert "  setosa       10  100.0%" in done.stdout


def test_inspect_of_a_builtin_source_counts_its_examples(tmp_path: Path) -> None:
    path = tmp_path / "digits.yaml"
    path.write_text(
        "model:\n  input: [8, 8, 1]\n  layers: [flatten, {dense: 10}]\ndata:\n  source: {builtin: digits}\n"
    )
    done = typednn("data", "inspect", str(path), "--rows", "100", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "statistics over the first 100 of 1,797 examples" in done.stdout
    assert "label 'targets': 10 classes" in done.stdout


def test_inspect_reports_bad_data_at_the_spec_without_a_traceback(tmp_path: Path) -> None:
    path = spec(tmp_path, HEART.replace("thal: one_hot", "thal: standardize"), "heart.csv")
    done = typednn("data", "inspect", str(path), cwd=tmp_path)
    assert done.returncode == 1
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"{path}:8:11: ") and "column 'thal': expected a number for standardize()" in first
    assert "Traceback" not in done.stderr
    missing = tmp_path / "missing.yaml"
    missing.write_text(IRIS.replace("iris.csv", "nothing.csv"))
    done = typednn("data", "inspect", str(missing), cwd=tmp_path)
    assert done.returncode == 1 and done.stderr.startswith(f"{missing}:5:")
    assert "Traceback" not in done.stderr


def test_inspect_needs_a_data_section_and_a_whole_number_of_rows(tmp_path: Path) -> None:
    path = tmp_path / "bare.yaml"
    path.write_text("model:\n  input: [4]\n  layers: [{dense: 3}]\n")
    done = typednn("data", "inspect", str(path), cwd=tmp_path)
    assert done.returncode == 1 and "the spec has no data section" in done.stderr
    done = typednn("data", "inspect", str(path), "--rows", "0", cwd=tmp_path)
    assert done.returncode == 2 and "--rows takes a whole number >= 1" in done.stderr
