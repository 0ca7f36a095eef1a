"""CSV files: typing, every kind of malformed file (with the row and column named), the cache."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import typednn as tn
from tests.conftest import fails
from typednn.data import _cache, _csv_plan

IRIS_LIKE = """sepal_length,sepal_width,petal_length,petal_width,species
5.1,3.5,1.4,0.2,setosa
7.0,3.2,4.7,1.4,versicolor
6.3,3.3,6.0,2.5,virginica
4.9,3.0,1.4,0.2,setosa
"""


def write(tmp_path: Path, text: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_class_names_are_sorted_and_kept(tmp_path: Path) -> None:
    data = tn.data.csv(write(tmp_path, IRIS_LIKE))
    assert data.features.dtype == np.float32
    expected = [[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4], [6.3, 3.3, 6.0, 2.5], [4.9, 3.0, 1.4, 0.2]]
    np.testing.assert_array_equal(data.features, np.array(expected, np.float32))
    assert data.targets.dtype == np.int32
    assert data.targets.tolist() == [0, 1, 2, 0]
    assert (data.classes, data.class_names) == (3, ("setosa", "versicolor", "virginica"))


def test_integer_labels_are_class_ids(tmp_path: Path) -> None:
    data = tn.data.csv(write(tmp_path, "a,b,y\n1,2,0\n3,4,4\n"))
    assert (data.targets.tolist(), data.classes, data.class_names) == ([0, 4], 5, None)
    assert tn.data.csv(write(tmp_path, "a,b,y\n1,2,0\n3,4,4\n"), classes=10).classes == 10


def test_float_labels_are_regression_targets(tmp_path: Path) -> None:
    data = tn.data.csv(write(tmp_path, "a,b,y\n1,2,0.5\n3,4,-1.25\n"))
    assert data.classes is None
    assert data.targets.dtype == np.float32
    assert data.targets.tolist() == [[0.5], [-1.25]]
    assert data.target_shape == tn._shapes.Shape((1,))


def test_task_and_classes_override_the_inference(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,y\n1,2,1\n3,4,0\n")
    assert tn.data.csv(path, task="regress").targets.tolist() == [[1.0], [0.0]]
    named = tn.data.csv(write(tmp_path, "a,y\n1,dog\n2,cat\n"), classes=["dog", "cat"])
    assert (named.targets.tolist(), named.class_names) == ([0, 1], ("dog", "cat"))


def test_columns_are_chosen_ordered_and_shaped(tmp_path: Path) -> None:
    path = write(tmp_path, "id,p1,p2,p3,p4,label,note\n7,1,2,3,4,1,hello\n8,5,6,7,8,0,world\n")
    data = tn.data.csv(path, label="label", features=["p4", "p3", "p2", "p1"], shape=[2, 2])
    assert data.features.shape == (2, 2, 2)
    assert data.features[0].tolist() == [[4.0, 3.0], [2.0, 1.0]]
    assert data.targets.tolist() == [1, 0]


def test_no_header_semicolons_latin1_bom_and_quotes(tmp_path: Path) -> None:
    data = tn.data.csv(write(tmp_path, "1;2;0\n3;4;1\n"), header=False, delimiter=";", label=3)
    assert data.features.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    latin = tn.data.csv(write(tmp_path, "a,b\n1,caf\xe9\n2,th\xe9\n".encode("latin-1")), encoding="latin-1")
    assert latin.class_names == ("café", "thé")
    assert tn.data.csv(write(tmp_path, '\ufeffa,"b"\n" 1.5 ","x,y"\n')).class_names == ("x,y",)


def test_blank_lines_do_not_shift_the_reported_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,y\n\n1,2,0\n\n3,x,1\n")
    with fails("data.csv:5:2: row 2, column 'b': expected a number, found 'x'"):
        tn.data.csv(path)


# Each malformed file, and the message naming its first bad cell. Every case runs three
# ways: found among the first rows (the sample), found by the re-scan after pyarrow or a
# block check refuses the file, and while streaming into the cache.
MALFORMED: dict[str, tuple[str | bytes, dict[str, Any], str]] = {
    "not a number": ("a,b,y\n1,2,0\n1,abc,1\n", {}, "data.csv:3:2: row 2, column 'b': expected a number, found 'abc'"),
    "empty cell": ("a,b,y\n1,2,0\n1,,1\n", {}, "data.csv:3:2: row 2, column 'b': empty cell"),
    "empty label": ("a,b,y\n1,2,0\n1,2,\n", {}, "data.csv:3:3: row 2, column 'y': empty cell"),
    "too many fields": ("a,b,y\n1,2,0\n1,2,1,9\n", {}, "data.csv:3:4: row 2: expected 3 fields (the header's"),
    "too few fields": ("a,b,y\n1,2,0\n1,2\n", {}, "data.csv:3:3: row 2, column 'y': expected 3 fields"),
    "negative id": ("a,b,y\n1,2,0\n1,2,-1\n", {}, "data.csv:3:3: row 2, column 'y': class id -1 is negative"),
    "id out of range": (
        "a,b,y\n1,2,0\n1,2,3\n",
        {"classes": 3},
        "data.csv:3:3: row 2, column 'y': class id 3 is out of range: classes=3 allows 0..2",
    ),
    "float id": (
        "a,b,y\n1,2,0\n1,2,2.5\n",
        {"task": "classify"},
        "data.csv:3:3: row 2, column 'y': expected a whole-number class id, found '2.5'",
    ),
    "nan feature": ("a,b,y\n1,2,0\n1,nan,1\n", {}, "data.csv:3:2: row 2, column 'b': expected a finite number"),
    "overflow": ("a,b,y\n1,2,0\n1,1e39,1\n", {}, "data.csv:3:2: row 2, column 'b': expected a finite number"),
    "NA is not a number": ("a,b,y\n1,2,0\n1,NA,1\n", {}, "data.csv:3:2: row 2, column 'b': expected a number, found"),
    "unknown class": (
        "a,y\n1,cat\n2,dgo\n",
        {"classes": ["cat", "dog"]},
        "data.csv:3:2: row 2, column 'y': 'dgo' is not one of the classes; did you mean 'dog'?",
    ),
    "bad utf-8": (b"a,b,y\n1,2,0\n1,2\xe9,1\n", {}, "data.csv:3:2: row 2, column 'b': not UTF-8 text (byte 0xe9)"),
    "bad target": (
        "a,y\n1,0.5\n2,high\n",
        {"task": "regress"},
        "data.csv:3:2: row 2, column 'y': expected a number (a numeric target), found 'high'",
    ),
}


@pytest.mark.parametrize("how", ["sample", "rescan", "stream"])
@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_files_name_the_first_bad_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, how: str
) -> None:
    text, options, message = MALFORMED[case]
    path = write(tmp_path, text)
    if how != "sample":
        # The plan sees only the first row, so pyarrow (or a block check) meets the bad one.
        monkeypatch.setattr(_csv_plan, "SAMPLE_ROWS", 1)
    if how == "stream":
        options = {**options, "cache": tmp_path / "cache"}
    with pytest.raises(tn.TypednnError) as caught:
        tn.data.csv(path, **options)
    assert str(caught.value).startswith(f"{tmp_path}/{message}"), str(caught.value)
    assert "hint:" in str(caught.value)
    if how == "stream":
        assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith("csv-")]


def test_hints_say_how_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = "a,y\n" + "1,0\n" * 5 + "1,2.5\n"
    monkeypatch.setattr(_csv_plan, "SAMPLE_ROWS", 3)
    with fails("pass task='regress' for numeric targets"):
        tn.data.csv(write(tmp_path, lines))
    with fails("unless features=[...] chooses them"):
        tn.data.csv(write(tmp_path, "name,a,y\nbob,1,0\n"))
    with fails("fill in missing values before training"):
        tn.data.csv(write(tmp_path, "a,y\ninf,0\n"))


def test_missing_columns_suggest_the_closest(tmp_path: Path) -> None:
    path = write(tmp_path, IRIS_LIKE)
    with fails("data.csv:1: no column 'specis' for the label; did you mean 'species'?"):
        tn.data.csv(path, label="specis")
    with fails("no column 'petal_lenght' for the features; did you mean 'petal_length'?"):
        tn.data.csv(path, features=["sepal_length", "petal_lenght"])
    with fails("the columns are 'sepal_length', 'sepal_width'"):
        tn.data.csv(path, label="nope")


def test_empty_files_and_bad_headers(tmp_path: Path) -> None:
    with fails("data.csv: the file is empty"):
        tn.data.csv(write(tmp_path, ""))
    with fails("data.csv: no examples: the file has a header but no rows"):
        tn.data.csv(write(tmp_path, "a,b,y\n"))
    with fails("data.csv:1:3: column 'a' appears twice (columns 1 and 3)"):
        tn.data.csv(write(tmp_path, "a,b,a,y\n1,2,3,0\n"))
    with fails("data.csv:1:2: the header is not UTF-8 text"):
        tn.data.csv(write(tmp_path, b"a,\xff,y\n1,2,0\n"))
    with fails("no such file"):
        tn.data.csv(tmp_path / "nope.csv")


def test_bad_options(tmp_path: Path) -> None:
    path = write(tmp_path, IRIS_LIKE)
    with fails("shape=[3, 2] holds 6 values per example, but 4 feature columns"):
        tn.data.csv(path, shape=[3, 2])
    with fails("column 'species' is both the label and a feature"):
        tn.data.csv(path, features=["species"])
    with fails("is not one character"):
        tn.data.csv(path, delimiter="::")
    with fails("holds 3 class names", "but classes=2"):
        tn.data.csv(path, classes=2)
    with fails("holds 3 class names", "but classes=4"):
        tn.data.csv(path, classes=4)
    with fails("classes lists 'a' more than once"):
        tn.data.csv(path, classes=["a", "a"])


def test_schema_reads_only_what_it_needs_and_agrees_with_the_data(tmp_path: Path) -> None:
    path = write(tmp_path, IRIS_LIKE)
    schema = tn.data.schema("csv", path)
    assert schema == tn.data.csv(path).schema(str(path))
    assert str(schema) == f"{path}: 4 examples of (4,), 3 classes (setosa, versicolor, virginica)"
    regression = tn.data.schema("csv", write(tmp_path, "a,y\n1,0.5\n", "r.csv"))
    assert (regression.classes, regression.target_shape, regression.examples) == (None, tn._shapes.Shape((1,)), None)


def random_csv(path: Path, rows: int, *, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(rows, 3)).astype(np.float32)
    names = rng.choice(["zebra", "ant", "moose", "cat"], size=rows)
    lines = ["f1,f2,f3,animal"] + [f"{a!r},{b!r},{c!r},{n}" for (a, b, c), n in zip(values.tolist(), names)]
    path.write_text("\n".join(lines) + "\n")


def test_streaming_gives_exactly_the_arrays_of_the_in_memory_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    random_csv(path, 3000)
    whole = tn.data.csv(path)
    folder = tmp_path / "cache"
    plan = _csv_plan.plan(
        path,
        label=None,
        features=None,
        shape=None,
        classes=None,
        task=None,
        delimiter=",",
        header=True,
        encoding="utf-8",
    )
    streamed = _cache.cached(plan, folder, block_size=4096)  # dozens of blocks
    assert isinstance(streamed.features, np.memmap)
    assert streamed.file_backed and not whole.file_backed
    np.testing.assert_array_equal(streamed.features, whole.features)
    np.testing.assert_array_equal(streamed.targets, whole.targets)
    assert (streamed.classes, streamed.class_names) == (4, ("ant", "cat", "moose", "zebra"))
    assert streamed.class_names == whole.class_names
    assert tn.data.schema("csv", path, cache=folder) == streamed.schema(str(path))


def test_the_cache_is_reused_and_replaced_when_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, folder = tmp_path / "data.csv", tmp_path / "cache"
    random_csv(path, 50)
    first = tn.data.csv(path, cache=folder)
    entries = [p.name for p in folder.iterdir() if p.name != ".typednn-cache"]  # the folder's marker
    assert len(entries) == 1 and entries[0].startswith("csv-")
    monkeypatch.setattr(_cache, "_convert", lambda *args: pytest.fail("converted again"))
    again = tn.data.csv(path, cache=folder)
    np.testing.assert_array_equal(again.features, first.features)
    monkeypatch.undo()
    random_csv(path, 60, seed=1)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    changed = tn.data.csv(path, cache=folder)
    assert len(changed) == 60
    assert [p.name for p in folder.iterdir() if p.name != ".typednn-cache"] != entries
    assert len(list(folder.iterdir())) == 2


def test_a_crash_while_converting_leaves_no_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, folder = tmp_path / "data.csv", tmp_path / "cache"
    random_csv(path, 3000)
    writes = 0

    def write_then_crash(self: _cache.NpyWriter, block: np.ndarray[Any, Any]) -> None:
        nonlocal writes
        writes += 1
        if writes > 3:
            raise KeyboardInterrupt
        original(self, block)

    original = _cache.NpyWriter.write
    monkeypatch.setattr(_cache, "BLOCK_SIZE", 4096)
    monkeypatch.setattr(_cache.NpyWriter, "write", write_then_crash)
    with pytest.raises(KeyboardInterrupt):
        tn.data.csv(path, cache=folder)
    assert [p.name for p in folder.iterdir()] == [".typednn-cache"]
    monkeypatch.undo()
    # A folder left by a process that died (SIGKILL: no clean-up) is swept once stale:
    # one named and marked as typednn names and marks its temporary folders.
    stale = folder / f".csv-{'0' * 32}.k1l2m3n4.tmp"
    stale.mkdir()
    (stale / ".typednn-entry").write_bytes(b"")
    (stale / "features.npy").write_bytes(b"partial")
    old = 1_000_000_000
    for item in (stale / ".typednn-entry", stale / "features.npy", stale):
        os.utime(item, (old, old))
    assert len(tn.data.csv(path, cache=folder)) == 3000
    assert sorted(p.name.startswith("csv-") for p in folder.iterdir()) == [False, True]


def test_the_default_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typednn.data._paths import default_cache  # noqa: PLC0415

    monkeypatch.setenv("TYPEDNN_CACHE", str(tmp_path / "here"))
    assert default_cache() == tmp_path / "here"
    monkeypatch.delenv("TYPEDNN_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache() == tmp_path / "xdg" / "typednn"
    path = tmp_path / "d.csv"
    random_csv(path, 10)
    monkeypatch.setenv("TYPEDNN_CACHE", str(tmp_path / "env"))
    assert tn.data.csv(path, cache=True).file_backed
    assert len(list((tmp_path / "env").iterdir())) == 2  # the entry and the folder's marker


def test_read_inputs_reads_feature_columns_and_npy(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,c,d\n1,2,3,4\n5,6,7,8\n", "inputs.csv")
    assert tn.data.read_inputs(path).shape == (2, 4)
    assert tn.data.read_inputs(path, shape=tn._shapes.Shape((2, 2, 1))).shape == (2, 2, 2, 1)
    np.save(tmp_path / "inputs.npy", np.ones((3, 4), np.float64))
    assert tn.data.read_inputs(tmp_path / "inputs.npy", shape=[4]).dtype == np.float32
    with fails("each example holds 4 values (4,), but the input shape (3,) takes 3"):
        tn.data.read_inputs(path, shape=[3])
    with fails("inputs.csv:3:2: row 2, column 'b': expected a number, found 'x'"):
        tn.data.read_inputs(write(tmp_path, "a,b\n1,2\n3,x\n", "inputs.csv"))
    with fails("inputs are read from .csv or .npy files"):
        tn.data.read_inputs(tmp_path / "inputs.txt")
