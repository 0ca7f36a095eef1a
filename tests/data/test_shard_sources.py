"""Every file source read with `shard=(index, count)` gives exactly `whole.shard(index, count)`.

Same rows, same values (bit for bit), the whole source's classes and class names, and
`part` set; the parts together are the whole; a part's arrays hold only its rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from PIL import Image
from pydantic import ValidationError

import typednn as tn
from tests.conftest import fails
from typednn.data._dataset import on_disk
from typednn.data._numpy import npy_schema
from typednn.data._sources import SOURCES

Array = np.ndarray[Any, Any]
Loader = Callable[..., tn.data.Dataset[Any, Any]]
ROWS = 23


def _labels() -> list[str]:
    # A name seen only in the last rows: class ids must come from the whole file, not a part.
    return [("dog", "cat")[i % 2] if i < ROWS - 2 else "ant" for i in range(ROWS)]


def _numbers() -> Array:
    return np.arange(ROWS * 3, dtype=np.float32).reshape(ROWS, 3) / 4


def _csv(tmp: Path) -> Loader:
    lines = ["a,b,c,kind"]
    for i, (row, label) in enumerate(zip(_numbers(), _labels())):
        lines.append(",".join(str(float(v)) for v in row) + f",{label}")
        if i % 5 == 0:
            lines.append("")  # blank lines are no records
    (tmp / "d.csv").write_text("\r\n".join(lines))  # CRLF, no final line break
    return lambda **kw: tn.data.csv(tmp / "d.csv", **kw)


def _csv_cached(tmp: Path) -> Loader:
    load = _csv(tmp)
    return lambda **kw: load(cache=tmp / "cache", **kw)


def _jsonl(tmp: Path) -> Loader:
    lines = [json.dumps({"x": row.tolist(), "y": label}) for row, label in zip(_numbers(), _labels())]
    lines.insert(4, "  ")
    (tmp / "d.jsonl").write_text("\n".join(lines) + "\n")
    return lambda **kw: tn.data.jsonl(tmp / "d.jsonl", **kw)


def _npy(tmp: Path) -> Loader:
    np.save(tmp / "x.npy", _numbers())
    np.save(tmp / "y.npy", np.array(_labels()))
    return lambda **kw: tn.data.npy(tmp / "x.npy", tmp / "y.npy", **kw)


def _npy_converted(tmp: Path) -> Loader:
    np.save(tmp / "x.npy", _numbers().astype(np.float64))
    np.save(tmp / "y.npy", np.arange(ROWS) % 4)
    return lambda **kw: tn.data.npy(tmp / "x.npy", tmp / "y.npy", **kw)


def _npz(tmp: Path) -> Loader:
    np.savez(tmp / "d.npz", x=_numbers(), y=np.array(_labels()))
    return lambda **kw: tn.data.npz(tmp / "d.npz", **kw)


def _npz_compressed(tmp: Path) -> Loader:
    np.savez_compressed(tmp / "d.npz", x=_numbers(), y=np.arange(ROWS) % 5)
    return lambda **kw: tn.data.npz(tmp / "d.npz", **kw)


def _table(tmp: Path) -> pa.Table:
    numbers = _numbers()
    return pa.table({"a": numbers[:, 0], "b": numbers[:, 1], "kind": _labels()})


def _parquet(tmp: Path) -> Loader:
    # Two hive partitions of row groups of 4: a part reads only the row groups it overlaps.
    table = _table(tmp)
    for year, piece in ((2023, table.slice(0, 10)), (2024, table.slice(10))):
        (tmp / "p" / f"year={year}").mkdir(parents=True)
        pq.write_table(piece, tmp / "p" / f"year={year}" / "f.parquet", row_group_size=4)
    return lambda **kw: tn.data.parquet(tmp / "p", label="kind", **kw)


def _arrow(tmp: Path) -> Loader:
    table = _table(tmp)
    feather.write_feather(table.slice(0, 9), tmp / "a.arrow", chunksize=4)
    (tmp / "f").mkdir()
    feather.write_feather(table.slice(0, 9), tmp / "f" / "0.arrow", chunksize=4)
    feather.write_feather(table.slice(9), tmp / "f" / "1.arrow", chunksize=4)
    return lambda **kw: tn.data.arrow(tmp / "f", label="kind", **kw)


def _images(tmp: Path) -> Loader:
    rng = np.random.default_rng(0)
    for i, label in enumerate(_labels()):
        folder = tmp / "img" / label
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (4, 5), dtype=np.uint8)).save(folder / f"{i:02d}.png")
    return lambda **kw: tn.data.images(tmp / "img", **kw)


SOURCES_MADE: dict[str, Callable[[Path], Loader]] = {
    "csv": _csv,
    "csv-cache": _csv_cached,
    "jsonl": _jsonl,
    "npy": _npy,
    "npy-float64": _npy_converted,
    "npz": _npz,
    "npz-compressed": _npz_compressed,
    "parquet": _parquet,
    "arrow": _arrow,
    "images": _images,
}


def _owner_bytes(array: Array) -> int:
    """The bytes of the in-memory array that holds `array`'s data (its base, if a view)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return int(array.nbytes)


def _holds_only_its_rows(array: Array) -> None:
    if on_disk(array):
        assert isinstance(array, np.memmap)  # a view of the file: its other rows are never read
    else:
        assert _owner_bytes(array) == array.nbytes


def _same(part: tn.data.Dataset[Any, Any], expected: tn.data.Dataset[Any, Any]) -> None:
    for got, want in ((part.features, expected.features), (part.targets, expected.targets)):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.asarray(got).tobytes() == np.asarray(want).tobytes()
    assert part.classes == expected.classes
    assert part.class_names == expected.class_names
    assert part.part == expected.part


@pytest.mark.parametrize("kind", sorted(SOURCES_MADE))
def test_a_source_read_in_parts_is_the_whole_shard_by_shard(kind: str, tmp_path: Path) -> None:
    load = SOURCES_MADE[kind](tmp_path)
    whole = load()
    assert len(whole) == ROWS
    for count in (1, 2, 3):
        parts = [load(shard=(index, count)) for index in range(count)]
        for index, part in enumerate(parts):
            _same(part, whole.shard(index, count))
            _holds_only_its_rows(part.features)
            _holds_only_its_rows(part.targets)
        assert np.array_equal(np.concatenate([p.features for p in parts]), whole.features)
        assert np.array_equal(np.concatenate([p.targets for p in parts]), whole.targets)


def test_class_ids_are_the_whole_files_in_every_part(tmp_path: Path) -> None:
    # "ant" is only in the last part's rows; sorted over the whole file it is class 0 everywhere.
    first = _csv(tmp_path)(shard=(0, 3))
    assert first.class_names == ("ant", "cat", "dog") and first.classes == 3
    assert set(first.targets.tolist()) == {1, 2}


def test_an_npy_part_is_a_view_of_the_file(tmp_path: Path) -> None:
    part = _npy(tmp_path)(shard=(1, 3))
    assert isinstance(part.features, np.memmap) and part.file_backed
    assert len(part.features) == len(part) == len(range(ROWS // 3, 2 * ROWS // 3))


def test_more_parts_than_rows_gives_empty_parts(tmp_path: Path) -> None:
    for make in (_csv, _parquet, _npy, _jsonl):
        folder = tmp_path / make.__name__
        folder.mkdir()
        load = make(folder)
        parts = [load(shard=(index, 30)) for index in range(30)]
        assert sum(len(p) for p in parts) == ROWS
        assert min(len(p) for p in parts) == 0


@pytest.mark.parametrize("bad", [(2, 2), (-1, 2), (0, 0), (0.5, 2), (1,), "0,2", (True, 2)])
def test_a_bad_shard_is_refused(bad: Any, tmp_path: Path) -> None:
    for make in (_npy, _csv, _parquet, _jsonl, _images):
        with fails(f"shard={bad!r} is not (index, count) with 0 <= index < count"):
            make(tmp_path)(shard=bad)


def test_shard_is_never_a_spec_option(tmp_path: Path) -> None:
    _csv(tmp_path)
    for kind, source in SOURCES.items():
        assert "shard" not in source.options.model_fields, kind
    with pytest.raises(ValidationError, match="shard"):
        SOURCES["csv"].parse({"path": "d.csv", "shard": [0, 2]})
    with fails("csv source options: shard: Extra inputs are not permitted"):
        tn.data.schema("csv", tmp_path / "d.csv", shard=[0, 2])


def test_a_source_loads_its_part_through_the_registry(tmp_path: Path) -> None:
    _csv(tmp_path)
    whole = SOURCES["csv"].load({"path": "d.csv"}, root=tmp_path, allow_pickle=False)
    part = SOURCES["csv"].load({"path": "d.csv"}, root=tmp_path, allow_pickle=False, shard=(1, 2))
    _same(part, whole.shard(1, 2))
    # A builtin has no shard= of its own: loaded whole, then cut.
    digits = SOURCES["builtin"].load({"name": "iris"}, root=tmp_path, allow_pickle=False, shard=(2, 3))
    _same(digits, tn.data.builtin("iris").shard(2, 3))
    with fails("shard=(3, 3) is not (index, count)"):
        SOURCES["csv"].load({"path": "d.csv"}, root=tmp_path, allow_pickle=False, shard=(3, 3))


def test_a_parts_split_is_the_wholes(tmp_path: Path) -> None:
    load = _parquet(tmp_path)
    whole = load().partition(validation=0.2, test=0.2, seed=3)
    parts = [load(shard=(index, 2)).partition(validation=0.2, test=0.2, seed=3) for index in range(2)]
    for side in range(3):
        mine = [p[side] for p in parts]
        want = whole[side]
        assert want is not None and all(m is not None for m in mine)
        got = np.concatenate([m.features for m in mine if m is not None])
        assert sorted(map(tuple, got.tolist())) == sorted(map(tuple, want.features.tolist()))


def test_a_schema_counts_the_parts_examples(tmp_path: Path) -> None:
    _npy(tmp_path)
    schema = npy_schema(tmp_path / "x.npy", tmp_path / "y.npy", classes=None, shard=(2, 3))
    assert schema.examples == len(range(2 * ROWS // 3, ROWS))
