"""`tn.data.table` reading Parquet, Arrow (Feather) and JSON Lines: columns typed as stored, the same features."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

import typednn as tn
from typednn import TypednnError
from typednn._shapes import Shape
from typednn.data import Table, _raw_table_read, table
from typednn.data.transforms import Columns, clip, log, one_hot, standardize
from typednn.data.transforms._columns import Steps
from typednn.spec import check_data, read
from typednn.train import predict

ROOT = Path(__file__).resolve().parents[2]
HEART = ROOT / "examples" / "data" / "heart.csv"


def write_all(tmp_path: Path, data: pa.Table, csv_text: str | None = None) -> dict[str, Path]:
    """The same table as CSV, Parquet, Arrow, Feather and JSON Lines files."""
    files = {kind: tmp_path / f"heart.{kind}" for kind in ("csv", "parquet", "arrow", "feather", "jsonl")}
    if csv_text is None:
        pcsv.write_csv(data, files["csv"], pcsv.WriteOptions(quoting_style="none"))
    else:
        files["csv"].write_text(csv_text)
    pq.write_table(data, files["parquet"])
    feather.write_feather(data, files["arrow"])
    feather.write_feather(data, files["feather"])
    files["jsonl"].write_text("".join(json.dumps(row) + "\n" for row in data.to_pylist()))
    return files


def heart(tmp_path: Path) -> dict[str, Path]:
    data = pcsv.read_csv(HEART)  # age int64, oldpeak double, thal string, target int64
    return write_all(tmp_path, data, HEART.read_text())


PREP: dict[str, Steps] = {
    "age": standardize(),
    "chol": [clip(0, 600), log(), standardize()],
    "oldpeak": standardize(),
    "thal": one_hot(),
    "cp": one_hot(),  # whole numbers: categories by their digits, from text or from int64 alike
    "sex": None,
}


def test_every_format_gives_the_same_features_and_targets_bit_for_bit(tmp_path: Path) -> None:
    files = heart(tmp_path)
    expected_table = table(files["csv"], label="target")
    expected = Columns(PREP).fit(expected_table)(expected_table)
    for kind in ("parquet", "arrow", "feather", "jsonl"):
        raw = table(files[kind], label="target")
        assert raw.names == expected_table.names
        assert raw.column("age").dtype == np.int64 and raw.column("oldpeak").dtype == np.float64
        assert raw.column("thal").dtype == object and isinstance(raw.column("thal")[0], str)
        train, _ = raw.split(0.2)
        fitted_on_csv = Columns(PREP).fit(expected_table.split(0.2)[0])
        assert Columns(PREP).fit(train).steps == fitted_on_csv.steps, kind
        found = Columns(PREP).fit(raw)(raw)
        assert found.features.tobytes() == expected.features.tobytes(), kind
        assert found.targets.tobytes() == expected.targets.tobytes(), kind
        assert (found.classes, found.class_names) == (expected.classes, expected.class_names)


@pytest.mark.parametrize(
    ("values", "options"),
    [
        ([0.5, 1.25, -3.0, 1e-05], {}),  # floats: targets (rows, 1)
        ([1.0, 2.0, 3.0, 1.0], {}),  # whole floats stay floats ("1.0" in a CSV file)
        ([3, 0, 2, 2], {}),  # class ids, 4 classes
        ([3, 0, 2, 2], {"classes": 5}),
        ([3, 0, 2, 2], {"task": "regress"}),
        (["cat", "dog", "cat", "emu"], {}),
        ([True, False, True, True], {}),  # 1 and 0: class ids
    ],
)
def test_a_typed_label_gives_the_classes_and_targets_of_its_csv_text(
    tmp_path: Path, values: list[object], options: dict[str, object]
) -> None:
    data = pa.table({"x": [1, 2, 3, 4], "y": values})
    shown = [str(int(v)) if isinstance(v, bool) else str(v) for v in values]
    files = write_all(tmp_path, data, "x,y\n" + "".join(f"{i + 1},{v}\n" for i, v in enumerate(shown)))
    expected = table(files["csv"], label="y", **options)  # type: ignore[arg-type]  # options of the test's cases
    for kind in ("parquet", "feather", "jsonl"):
        found = table(files[kind], label="y", **options)  # type: ignore[arg-type]  # as above
        assert found.targets is not None and expected.targets is not None
        assert found.targets.dtype == expected.targets.dtype, kind
        assert found.targets.tobytes() == expected.targets.tobytes(), kind
        assert (found.classes, found.class_names) == (expected.classes, expected.class_names), kind


def test_a_cell_is_named_by_file_row_and_column(tmp_path: Path) -> None:
    files = write_all(tmp_path, pa.table({"age": [1.5, 2.5], "thal": ["7.5", "fixed"], "y": [0, 1]}))
    raw = table(files["parquet"], label="y")
    assert raw.where(1, "thal") == f"{files['parquet']}: row 2, column 'thal'"
    with pytest.raises(TypednnError, match=r"heart\.parquet: row 1, column 'age': one_hot\(\) takes text or whole"):
        Columns({"age": one_hot()}).fit(raw)
    with pytest.raises(TypednnError, match=r"heart\.jsonl: row 2, column 'thal': expected a number for standardize"):
        Columns({"thal": standardize()}).fit(table(files["jsonl"], label="y"))
    with pytest.raises(TypednnError, match=r"heart\.feather: no column 'agee'; did you mean 'age'"):
        table(files["feather"]).column("agee")
    with pytest.raises(TypednnError, match=r"heart\.parquet: no column 'target' for the label"):
        table(files["parquet"], label="target")


def test_nulls_are_named_by_row_and_column(tmp_path: Path) -> None:
    files = write_all(tmp_path, pa.table({"age": [1.5, None, 2.0], "y": [0, 1, 1]}))
    for kind in ("parquet", "feather"):
        with pytest.raises(TypednnError, match=rf"heart\.{kind}: row 2, column 'age': a missing value \(null\)"):
            table(files[kind], label="y")
    with pytest.raises(TypednnError, match=r"heart\.jsonl:2: row 2, column 'age': a missing value \(null\)"):
        table(files["jsonl"], label="y")


def test_nested_values_are_refused_by_column(tmp_path: Path) -> None:
    files = write_all(tmp_path, pa.table({"pixels": [[1, 2], [3, 4]], "y": [0, 1]}), "no CSV of lists\n")
    with pytest.raises(TypednnError, match=r"heart\.parquet: column 'pixels' holds nested values of Arrow type list"):
        table(files["parquet"], label="y")
    with pytest.raises(TypednnError, match=r"heart\.jsonl:1: row 1, column 'pixels': a nested value \(a list\)"):
        table(files["jsonl"], label="y")
    stamps = tmp_path / "stamps.parquet"
    pq.write_table(pa.table({"day": pa.array([0, 1], pa.date32()), "y": [0, 1]}), stamps)
    with pytest.raises(TypednnError, match=r"column 'day' holds values of Arrow type date32\[day\]"):
        table(stamps, label="y")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('{"a": 1, "y": 0}\n{"a": "x", "y": 1}\n', r"row 2, column 'a': 'x' is text, but row 1 holds a number"),
        ('{"a": 1, "y": 0}\n{"y": 1}\n', r"rows\.jsonl:2: row 2: no key 'a'"),
        ('{"a": 1, "y": 0}\n{"a": 2, "b": 3, "y": 1}\n', r"rows\.jsonl:2: row 2: a key 'b' the first line has not"),
        ("[1, 2]\n", r"rows\.jsonl:1: expected a JSON object"),
        ("\n\n", r"rows\.jsonl: no examples"),
    ],
)
def test_a_jsonl_table_is_rectangular_and_of_one_type_per_column(tmp_path: Path, lines: str, message: str) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(lines)
    with pytest.raises(TypednnError, match=message):
        table(path, label="y")


def test_the_format_is_chosen_by_suffix_or_given(tmp_path: Path) -> None:
    data = pa.table({"a": [1, 2, 3, 4], "part": ["p", "p", "q", "q"], "y": [0, 1, 0, 1]})
    folder = tmp_path / "hive"
    pq.write_to_dataset(data, folder, partition_cols=["part"])
    with pytest.raises(TypednnError, match=r"hive: a folder: give format='parquet' or format='arrow'"):
        table(folder, label="y")
    raw = table(folder, label="y", format="parquet")
    assert sorted(raw.column("part").tolist()) == ["p", "p", "q", "q"]  # a partition key is a column
    odd = tmp_path / "data.bin"
    pq.write_table(data, odd)
    assert table(odd, label="y", format="parquet").column("a").tolist() == [1, 2, 3, 4]
    with pytest.raises(TypednnError, match=r"format='xls' is not one of"):
        table(odd, format="xls")  # type: ignore[arg-type]  # a wrong value on purpose


def test_a_table_too_large_for_memory_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = heart(tmp_path)
    monkeypatch.setattr(_raw_table_read, "TABLE_LIMIT", 10_000)
    for kind in ("csv", "parquet", "feather", "jsonl"):
        with pytest.raises(TypednnError, match=r"would take about .* of memory .* more than the 9\.8 KiB") as raised:
            table(files[kind], label="target")
        assert raised.value.hint is not None and "tn.data.csv" in raised.value.hint, kind
    monkeypatch.setattr(_raw_table_read, "TABLE_LIMIT", 1 << 30)
    assert len(table(files["parquet"], label="target")) == 60


SPEC = """\
name: heart
model:
  input: [8]
  layers: [{dense: 8}, relu, {dense: 2}]
data:
  source: {SOURCE}
  transform:
    age: standardize
    chol: [{clip: {low: 0, high: 600}}, log, standardize]
    thal: {one_hot: {max_tokens: 10}}
    cp: {hashing: 8}
    sex: null
  split: {validation: 0.2}
train: {epochs: 1, batch_size: 16, tensorboard: false}
"""


def spec_file(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "heart.yaml"
    path.write_text(SPEC.replace("{SOURCE}", source))
    return path


@pytest.mark.parametrize(
    "source",
    [
        "{parquet: {path: heart.parquet, label: target}}",
        "{parquet: {path: heart.parquet}}",  # the label is the last column
        "{arrow: {path: heart.feather, label: target}}",
        "{jsonl: {path: heart.jsonl, label: target}}",
    ],
)
def test_a_spec_transforms_a_parquet_arrow_or_jsonl_source(tmp_path: Path, source: str) -> None:
    heart(tmp_path)
    schema = check_data(read(spec_file(tmp_path, source)))
    expected = check_data(read(spec_file(tmp_path, "{csv: {path: heart.csv, label: target}}")))
    assert schema.feature_shape == expected.feature_shape == Shape((8,))
    assert schema.classes == expected.classes == 2
    assert getattr(schema, "columns", None) == getattr(expected, "columns", None)


def test_a_spec_refuses_features_with_a_parquet_source(tmp_path: Path) -> None:
    heart(tmp_path)
    with pytest.raises(TypednnError, match=r"data\.source\.parquet\.features: not with data\.transform"):
        read(spec_file(tmp_path, "{parquet: {path: heart.parquet, label: target, features: [age]}}"))


def typednn(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_a_spec_trained_on_parquet_predicts_raw_parquet_rows(tmp_path: Path) -> None:
    heart(tmp_path)
    spec = spec_file(tmp_path, "{parquet: {path: heart.parquet, label: target}}")
    checked = typednn("check", str(spec), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "thal: one_hot -> 4 (3 categories + 1 oov)" in checked.stdout
    trained = typednn("train", str(spec), "--out", "run", "--quiet", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    loaded = tn.load(tmp_path / "run" / "model")
    assert loaded.transform is not None
    model, params = loaded
    expected = np.asarray(predict(model, params, loaded.transform.features(table(tmp_path / "heart.csv"))))
    for name in ("heart.parquet", "heart.jsonl", "heart.feather"):
        done = typednn("predict", "--model", "run/model", name, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        found = np.loadtxt(io.StringIO(done.stdout), delimiter=",", skiprows=1)
        np.testing.assert_array_equal(found, np.loadtxt(io.StringIO(_csv(expected)), delimiter=",", skiprows=1))
    refused = typednn("predict", "--model", "run/model", "heart.yaml", cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr  # a usage error, as before
    assert "predicts on one raw table file" in refused.stderr.splitlines()[0]


def _csv(values: np.ndarray[tuple[int, ...], np.dtype[np.float32]]) -> str:
    """The CSV text `typednn predict` writes for these outputs."""
    buffer = io.StringIO()
    flat = values.reshape(len(values), -1)
    header = ",".join(f"output_{i}" for i in range(flat.shape[1]))
    np.savetxt(buffer, flat, fmt="%.9g", delimiter=",", header=header, comments="")
    return buffer.getvalue()


def test_a_table_made_in_python_still_has_no_file_in_its_messages() -> None:
    raw = Table({"a": [1.0, 2.0]}, np.array([0, 1]), classes=2)
    assert raw.where(0, "a") == "row 1, column 'a'"
