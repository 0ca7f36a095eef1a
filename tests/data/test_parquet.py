"""Parquet and Arrow IPC (Feather) sources: round trips, projection, partitions and errors."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

import typednn as tn
from tests.conftest import fails
from typednn._shapes import Shape
from typednn.data import _columnar as _table
from typednn.spec import check_data, load_data, read


def _table_of(rows: int = 10) -> pa.Table:
    return pa.table(
        {
            "a": np.arange(rows, dtype=np.int64),
            "b": np.linspace(0, 1, rows).astype(np.float64),
            "kind": ["cat" if i % 3 else "dog" for i in range(rows)],
        }
    )


def test_parquet_round_trip_by_row_groups(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    pq.write_table(_table_of(1000), path, row_group_size=70)
    data = tn.data.parquet(path)
    assert data.features.dtype == np.float32 and data.features.shape == (1000, 2)
    assert data.features[:, 0].tolist() == list(range(1000))
    assert data.class_names == ("cat", "dog") and data.classes == 2
    assert data.targets.dtype == np.int32 and data.targets[:4].tolist() == [1, 0, 0, 1]
    schema = tn.data.schema("parquet", path)
    assert str(schema) == f"{path}: 1000 examples of (2,), 2 classes (cat, dog)"


def test_streaming_uses_small_batches_and_a_preallocated_array(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "d.parquet"
    pq.write_table(_table_of(500), path, row_group_size=50)
    monkeypatch.setattr(_table, "BATCH_ROWS", 64)
    seen: list[int] = []
    batches = _table._batches

    def counting(table: _table.Table, columns: list[str]):  # type: ignore[no-untyped-def]
        assert columns in (["a"], ["kind"])  # projection: only the named columns are read
        for batch in batches(table, columns):
            seen.append(batch.num_rows)
            yield batch

    monkeypatch.setattr(_table, "_batches", counting)
    data = tn.data.parquet(path, features=["a"], label="kind")
    assert data.features.shape == (500, 1) and max(seen) <= 64
    assert sum(seen) == 1000  # the label pass and the feature pass


def test_projection_order_shape_vectors_and_regression(tmp_path: Path) -> None:
    path = tmp_path / "v.parquet"
    vectors = pa.array([[float(i), i + 0.5] * 2 for i in range(6)], pa.list_(pa.float32(), 4))
    table = pa.table(
        {
            "v": vectors,
            "n": pa.array([1, 2, 3, 4, 5, 6], pa.int8()),
            "flag": [True, False] * 3,
            "price": pa.array([Decimal("1.25")] * 6, pa.decimal128(5, 2)),
            "y": np.arange(6) * 0.5,
        }
    )
    pq.write_table(table, path)
    data = tn.data.parquet(path, features=["n", "v"], label="y")
    assert data.features.shape == (6, 5) and data.features[1].tolist() == [2.0, 1.0, 1.5, 1.0, 1.5]
    assert data.classes is None and data.targets.shape == (6, 1) and data.target_shape == Shape((1,))
    assert tn.data.parquet(path, features=["v"], label="y", shape=[2, 2]).features.shape == (6, 2, 2)
    assert tn.data.parquet(path, features=["flag", "price"], label="n").features[0].tolist() == [1.0, 1.25]
    regress = tn.data.parquet(path, features=["v"], label="n", task="regress")
    assert regress.classes is None and regress.targets.dtype == np.float32
    named = tn.data.parquet(path, features=["v"], label="n", classes=7)
    assert named.classes == 7 and tn.data.schema("parquet", path, features=["v"], label="n", classes=7).classes == 7


def test_hive_partitioned_folder(tmp_path: Path) -> None:
    folder = tmp_path / "parts"
    table = _table_of(12).append_column("split", pa.array(["one", "two"] * 6))
    ds.write_dataset(table, folder, format="parquet", partitioning=["split"], partitioning_flavor="hive")
    data = tn.data.parquet(folder, features=["a", "b"], label="split")
    assert len(data) == 12 and data.class_names == ("one", "two")
    # Partition 'one' holds the even rows, 'two' the odd: files are read in path order.
    assert data.features[:6, 0].tolist() == [0, 2, 4, 6, 8, 10] and data.targets.tolist() == [0] * 6 + [1] * 6
    assert tn.data.schema("parquet", folder, features=["a"], label="kind").examples == 12


def test_arrow_ipc_and_feather(tmp_path: Path) -> None:
    path = tmp_path / "d.feather"
    feather.write_feather(_table_of(20), path, chunksize=7)
    data = tn.data.arrow(path)
    assert data.features.shape == (20, 2) and data.class_names == ("cat", "dog")
    ipc = tmp_path / "d.arrow"
    with pa.OSFile(str(ipc), "wb") as sink, pa.ipc.new_file(sink, _table_of(5).schema) as writer:
        writer.write_table(_table_of(5))
    assert tn.data.arrow(ipc, label="a", features=["b"]).classes == 5
    assert str(tn.data.schema("arrow", ipc)) == f"{ipc}: 5 examples of (2,), 2 classes (cat, dog)"


def test_class_ids_follow_the_shared_rules(tmp_path: Path) -> None:
    path = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"x": [1.0, 2.0, 3.0], "y": pa.array([0, 3, 1], pa.int32())}), path)
    assert tn.data.parquet(path).classes == 4
    with fails(f"{path}: label column y[1] holds class id 3, but classes=2 allows ids 0..1"):
        tn.data.parquet(path, classes=2)
    named = tmp_path / "names.parquet"
    pq.write_table(pa.table({"x": [1.0, 2.0], "y": pa.array(["b", "a"]).dictionary_encode()}), named)
    assert tn.data.parquet(named, classes=["b", "a"]).targets.tolist() == [0, 1]
    with fails("label column y[0] holds 'b', which classes= does not list"):
        tn.data.parquet(named, classes=["a", "c"])
    with fails("task='regress' needs numeric targets, but column 'y' holds text"):
        tn.data.parquet(named, task="regress")


def test_errors_name_the_file_column_and_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    pq.write_table(
        pa.table(
            {
                "x": pa.array([1.0, 2.0, None, 4.0]),
                "city": ["a", "b", "c", "d"],
                "tags": pa.array([[1], [2], [3], [4]], pa.list_(pa.int64())),
                "v": pa.array([[1.0], [2.0], [3.0], [None]], pa.list_(pa.float64(), 1)),
                "inf": [1.0, float("inf"), 1.0, 1.0],
                "y": pa.array([0, 1, None, 1]),
                "z": [0.5, 1.5, 2.5, 3.5],
            }
        ),
        path,
    )
    with fails(f"{path}: row 2, column 'x': a missing value (null)", "hint: fill or drop"):
        tn.data.parquet(path, features=["x"], label="inf", task="regress")
    with fails("column 'city' has Arrow type string, not a number", "hint: features are numbers: encode"):
        tn.data.parquet(path, features=["city"], label="y")
    with fails("column 'tags' has Arrow type list<element: int64>, not a number"):
        tn.data.schema("parquet", path, features=["tags"], label="y")
    with fails(f"{path}: row 3, column 'v': a missing value (null)"):
        tn.data.parquet(path, features=["v"], label="inf")
    with fails(f"{path}: row 1, column 'inf': a non-finite number"):
        tn.data.parquet(path, features=["inf"], label="z")
    with fails(f"{path}: row 2, column 'y': a missing value (null)"):
        tn.data.parquet(path, features=["inf"], label="y")
    with fails(f"{path}: no label column 'kind'", "the columns are 'x', 'city'"):
        tn.data.parquet(path, label="kind")
    with fails(f"{path}: no feature column 'xx'; did you mean 'x'?"):
        tn.data.parquet(path, features=["xx"], label="y")
    with fails("column 'y' is used twice"):
        tn.data.parquet(path, features=["x", "y"], label="y")
    with fails("shape=[3] holds 3 numbers, but the features are 1 numbers per example"):
        tn.data.parquet(path, features=["x"], shape=[3])
    with fails("the label column 'tags' has Arrow type list<element: int64>; a label is a number or text"):
        tn.data.parquet(path, features=["x"], label="tags")
    with fails("task='classify' needs class ids or names, but column 'inf' holds double numbers"):
        tn.data.parquet(path, features=["x"], label="inf", task="classify")


def test_unreadable_paths(tmp_path: Path) -> None:
    text = tmp_path / "not.parquet"
    text.write_text("a,b\n1,2\n")
    with fails(f"{text}: cannot read it as Parquet:", "hint: is this a Parquet file"):
        tn.data.parquet(text)
    with fails(f"{tmp_path / 'missing.parquet'}: no such file"):
        tn.data.parquet(tmp_path / "missing.parquet")
    with fails("/dev/zero: the Parquet file is a character device"):
        tn.data.parquet("/dev/zero")
    empty = tmp_path / "empty"
    empty.mkdir()
    with fails(f"{empty}: the folder holds no Parquet file"):
        tn.data.parquet(empty)
    fifo_folder = tmp_path / "fifo"
    fifo_folder.mkdir()
    pq.write_table(_table_of(3), fifo_folder / "a.parquet")
    # A FIFO or a link to a device in a folder is no file to pyarrow's discovery: skipped,
    # never opened (which would block, or never end).
    os.mkfifo(fifo_folder / "b.parquet")
    os.symlink("/dev/zero", fifo_folder / "c.parquet")
    assert len(tn.data.parquet(fifo_folder)) == 3


def test_a_spec_names_the_source(tmp_path: Path) -> None:
    pq.write_table(_table_of(30), tmp_path / "d.parquet")
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "model:\n  input: [2]\n  layers:\n    - dense: 2\n"
        "train:\n  epochs: 1\n"
        "data:\n  source: {parquet: {path: d.parquet, label: kind}}\n"
    )
    read_spec = read(spec)
    assert check_data(read_spec).classes == 2
    parts = load_data(read_spec)
    assert parts is not None
    spec.write_text(spec.read_text().replace("label: kind", "label: knid"))
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(spec)], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert str(spec) in done.stderr.splitlines()[0] and "no label column 'knid'" in done.stderr
