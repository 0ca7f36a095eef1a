"""`data.transform` in spec files: parsed from the constructors' signatures, fitted on the training split."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import typednn as tn
from typednn import TypednnError
from typednn._shapes import Shape
from typednn.data import table
from typednn.spec import check_data, json_schema, load_data, read
from typednn.spec._transform_fit import prepare
from typednn.train import predict

ROOT = Path(__file__).resolve().parents[2]
HEART = ROOT / "examples" / "data" / "heart.csv"

TRANSFORM = """\
    age: standardize
    chol: [{clip: {low: 0, high: 600}}, log, standardize]
    thal: {one_hot: {max_tokens: 10}}
    cp: {hashing: 8}
    sex: null
"""


def spec_file(
    tmp_path: Path, transform: str = TRANSFORM, *, source: str = "{csv: {path: heart.csv, label: target}}"
) -> Path:
    shutil.copy(HEART, tmp_path / "heart.csv")
    path = tmp_path / "heart.yaml"
    path.write_text(
        "name: heart\nmodel:\n  input: [8]\n  layers:\n    - dense: 8\n    - relu\n    - dense: 2\n"
        f"data:\n  source: {source}\n  transform:\n{transform}  split: {{validation: 0.2}}\n"
        "train:\n  epochs: 2\n  batch_size: 16\n  tensorboard: false\n"
    )
    return path


def typednn(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_schema_gives_the_features_width_after_the_transforms(tmp_path: Path) -> None:
    schema = check_data(read(spec_file(tmp_path)))
    assert schema.feature_shape == Shape((8,))  # age 1, chol 1, thal 3 + 1 oov, cp 1, sex 1
    assert schema.classes == 2
    assert "heart.csv through data.transform: 60 examples of (8,)" in str(schema)


def test_the_transforms_are_fitted_on_the_training_split_only(tmp_path: Path) -> None:
    spec = read(spec_file(tmp_path))
    prepared = prepare(spec)
    age = prepared.columns.steps["age"][0]
    train_ages = prepared.rows.column("age").astype(np.float64)
    all_ages = prepared.raw.column("age").astype(np.float64)
    assert len(prepared.rows) == 48 and len(all_ages) == 60
    assert age.state()["mean"] == pytest.approx([train_ages.mean()])
    assert age.state()["mean"] != pytest.approx([all_ages.mean()])
    parts = load_data(spec)
    assert parts.transform is not None and parts.validation is not None
    assert len(parts.train) == 48 and len(parts.validation) == 12
    assert parts.transform.features(prepared.raw).shape == (60, 8)


def test_check_shows_each_columns_width(tmp_path: Path) -> None:
    done = typednn("check", str(spec_file(tmp_path)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for line in (
        "  age: standardize -> 1",
        "  chol: clip -> log -> standardize -> 1",
        "  thal: one_hot -> 4 (3 categories + 1 oov)",
        "  cp: hashing -> 1 (8 bins)",
        "  sex: as it is -> 1",
        "  features: (8,), fitted on the 48 training rows",
    ):
        assert line in done.stdout


def test_the_json_schema_describes_the_transform_section() -> None:
    schema = json_schema()
    assert schema["$defs"]["DataSection"]["properties"]["transform"] == {"$ref": "#/$defs/Transform"}
    text = str(schema["$defs"]["Transform"])
    assert "one_hot" in text and "OneHotOptionsEntry" in text
    assert list(schema["$defs"]["OneHotOptions"]["properties"]) == ["max_tokens", "oov", "vocabulary"]


@pytest.mark.parametrize(
    ("transform", "message"),
    [
        ("    age: standardise\n", r"heart.yaml:11:5: unknown transform 'standardise'; did you mean 'standardize'\?"),
        (
            "    thal: {one_hot: {max_token: 10}}\n",
            r"heart.yaml:11:22: data.transform.thal.one_hot.max_token: unknown option 'max_token';"
            r" did you mean 'max_tokens'\?",
        ),
        (
            "    thal: {one_hot: {max_tokens: 0}}\n",
            r"heart.yaml:11:21: data.transform.thal.one_hot: one_hot\(max_tokens=0\): give a whole number",
        ),
        (
            "    chol: [log, one_hot]\n",
            r"heart.yaml:11:17: data.transform.chol: one_hot reads a raw column, so it comes",
        ),
        ("    age: {clip: 5}\n", r"heart.yaml:11:17: clip takes its options as a mapping"),
    ],
)
def test_a_bad_transform_is_reported_at_its_line(tmp_path: Path, transform: str, message: str) -> None:
    with pytest.raises(TypednnError, match=message):
        read(spec_file(tmp_path, transform))


def test_every_bad_entry_is_reported_in_one_run(tmp_path: Path) -> None:
    with pytest.raises(TypednnError) as raised:
        read(spec_file(tmp_path, "    age: standardise\n    cp: {hashing: {bins: 8, one_hott: true}}\n"))
    assert "heart.yaml:11:5: unknown transform" in str(raised.value)
    assert "heart.yaml:12:29: data.transform.cp.hashing.one_hott: unknown option" in str(raised.value)


@pytest.mark.parametrize(
    ("transform", "message"),
    [
        (
            "    chl: standardize\n",
            r"heart.yaml:11:5: data.transform: the data has no column 'chl'; did you mean 'chol'",
        ),
        ("    target: standardize\n", r"heart.yaml:11:5: data.transform: 'target' is the label column, not a feature"),
        ("    thal: standardize\n", r"heart.yaml:11:11: \S*heart.csv:\d+:8: row \d+, column 'thal': expected a number"),
    ],
)
def test_columns_that_do_not_fit_the_data_are_reported_at_the_spec(
    tmp_path: Path, transform: str, message: str
) -> None:
    spec = read(spec_file(tmp_path, transform))
    with pytest.raises(TypednnError, match=message):
        check_data(spec)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{builtin: iris}", r"heart.yaml:10:3: data.transform reads a table file's columns raw, so the source is csv"),
        (
            "{csv: {path: heart.csv, label: target, features: [age]}}",
            r"heart.yaml:9:60: data.source.csv.features: not with data.transform",
        ),
    ],
)
def test_a_source_the_transforms_cannot_read_is_refused(tmp_path: Path, source: str, message: str) -> None:
    with pytest.raises(TypednnError, match=message):
        read(spec_file(tmp_path, source=source))


def test_the_command_exits_1_with_the_place(tmp_path: Path) -> None:
    done = typednn("check", str(spec_file(tmp_path, "    agee: standardize\n")), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0].startswith(f"{tmp_path / 'heart.yaml'}:11:5: data.transform: the data has no")
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_trained_spec_predicts_raw_rows_as_the_python_path(tmp_path: Path) -> None:
    spec = spec_file(tmp_path)
    trained = typednn("train", str(spec), "--out", "run", "--quiet", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    done = typednn("predict", "--model", "run/model", "heart.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    from_cli = np.loadtxt(io.StringIO(done.stdout), delimiter=",", skiprows=1)
    loaded = tn.load(tmp_path / "run" / "model")
    assert loaded.transform is not None
    features = loaded.transform.features(table(tmp_path / "heart.csv", label="target"))
    model, params = loaded
    expected = np.asarray(predict(model, params, features))
    np.testing.assert_allclose(from_cli, expected, rtol=1e-6, atol=1e-7)
    # The saved statistics are the training split's, as the spec run fitted them.
    prepared = prepare(read(spec))
    assert loaded.transform.steps["age"][0].state() == prepared.columns.steps["age"][0].state()


@pytest.mark.slow
def test_evaluate_applies_the_models_saved_transforms(tmp_path: Path) -> None:
    spec = spec_file(tmp_path)
    trained = typednn("train", str(spec), "--out", "run", "--quiet", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    before = typednn("evaluate", str(spec), "--model", "run/model", "--json", cwd=tmp_path)
    assert before.returncode == 0, before.stderr
    # Ages in months: fitted again, standardize would hide it; the saved statistics do not.
    rows = (tmp_path / "heart.csv").read_text().splitlines()
    age = rows[0].split(",").index("age")
    scaled = [rows[0]] + [
        ",".join(str(int(cell) * 12) if i == age else cell for i, cell in enumerate(row.split(","))) for row in rows[1:]
    ]
    (tmp_path / "heart.csv").write_text("\n".join(scaled) + "\n")
    after = typednn("evaluate", str(spec), "--model", "run/model", "--json", cwd=tmp_path)
    assert after.returncode == 0, after.stderr
    loaded = tn.load(tmp_path / "run" / "model")
    assert loaded.transform is not None
    parts = load_data(read(spec), transform=loaded.transform)
    assert parts.test is None and parts.validation is not None
    prepared = prepare(read(spec), loaded.transform)
    np.testing.assert_array_equal(parts.train.features, loaded.transform(prepared.rows).features)
    assert before.stdout != after.stdout


def test_a_given_vocabulary_is_kept_and_types_the_width(tmp_path: Path) -> None:
    transform = "    thal: {one_hot: {vocabulary: [normal, fixed, reversible, unseen]}}\n    age: standardize\n"
    path = spec_file(tmp_path, transform)
    path.write_text(path.read_text().replace("input: [8]", "input: [6]"))
    prepared = prepare(read(path))
    (thal,) = prepared.columns.steps["thal"]
    assert thal.state()["vocabulary"] == ["normal", "fixed", "reversible", "unseen"]  # as given, not as fitted
    assert prepared.schema.feature_shape == Shape((6,))
