"""Columnar files (Parquet, Arrow IPC / Feather) read through `pyarrow.dataset`.

`open_table` finds the files (one file, or a folder of hive partitions such as
`year=2024/part-0.parquet`) and their schema; `plan_table` types the chosen columns from
that schema alone; `read_features` streams the feature columns batch by batch into one
float32 array allocated from the row count in the files' metadata, so memory holds the
result and a few record batches, never a whole table; `read_label` streams the label
column alone. Every problem names the file (or folder), the column, and for a value the
row (counted from 0 over the whole dataset).
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from .._errors import TypednnError
from .._words import listed
from ._paths import arrow_location
from ._show import suggest
from ._targets import ClassesOption, Targets, typed_targets

Array = np.ndarray[Any, Any]
Format = Literal["parquet", "arrow"]
Task = Literal["classify", "regress"]
BATCH_ROWS = 1 << 16
"""Rows per record batch read: a few MiB of features, whatever the file's row groups."""
_WHAT = {"parquet": "Parquet", "arrow": "Arrow IPC (Feather)"}
_ENCODE_HINT = (
    "features are numbers: encode this column as numbers first (typed transforms, tn.data.transforms,"
    " are coming), or leave it out with features=[...]"
)


@dataclass(frozen=True)
class Table:
    """An opened dataset: its files, schema and row count (from the metadata)."""

    where: str
    kind: Format
    dataset: Any  # pyarrow.dataset.Dataset
    rows: int


@dataclass(frozen=True)
class TablePlan:
    """The typed columns: features (each one's shape), the label, and how it is read."""

    table: Table
    features: tuple[str, ...]
    widths: tuple[int, ...]
    """How many numbers each feature column gives one example."""
    shape: tuple[int, ...]
    label: str
    label_kind: Literal["ids", "names", "values"]


@contextmanager
def reading(where: str, kind: Format) -> Iterator[None]:
    """Turn pyarrow's refusals (a corrupt file, a vanished one) into a `TypednnError` naming the file."""
    try:
        yield
    except (pa.ArrowException, OSError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise TypednnError(
            f"{where}: cannot read it as {_WHAT[kind]}: {first}",
            hint=f"is this a {_WHAT[kind]} file (or a folder of them)? Check the path and the format",
        ) from None


def open_table(path: str | os.PathLike[str], kind: Format) -> Table:
    """The dataset at `path`: one file, or a folder of files (hive partitions become columns).

    Raises:
        TypednnError: for a missing path, anything but regular files, a folder of no
            files, or files pyarrow cannot read.
    """
    where, filesystem, location, folder = arrow_location(path, what=f"{_WHAT[kind]} file")
    with reading(where, kind):
        dataset = ds.dataset(
            location,
            format="parquet" if kind == "parquet" else "arrow",
            filesystem=filesystem,
            partitioning="hive" if folder else None,
        )
        if filesystem is None:
            _check_files(where, dataset.files)
        if not dataset.files:
            raise TypednnError(f"{where}: the folder holds no {_WHAT[kind]} file", hint="check the path")
        return Table(where, kind, dataset, int(dataset.count_rows()))


def _check_files(where: str, files: Sequence[str]) -> None:
    """Local files must be regular files: a FIFO or a device in a folder would block or never end."""
    for name in files:
        try:
            mode = os.stat(name).st_mode
        except OSError as error:
            raise TypednnError(f"{name}: cannot be read: {error.strerror}") from None
        if not stat.S_ISREG(mode):
            raise TypednnError(f"{name}: not a regular file (in {where})", hint="give regular files only")


def _number(kind: Any) -> bool:
    types = pa.types
    return bool(types.is_integer(kind) or types.is_floating(kind) or types.is_boolean(kind) or types.is_decimal(kind))


def _width(table: Table, name: str) -> tuple[int, ...]:
    """The shape one example's value of a feature column has: `()` for a number, `(k, ...)` for fixed-size lists."""
    kind = table.dataset.schema.field(name).type
    shape: list[int] = []
    while pa.types.is_fixed_size_list(kind):
        shape.append(int(kind.list_size))
        kind = kind.value_type
    if not _number(kind):
        raise TypednnError(
            f"{table.where}: column {name!r} has Arrow type {table.dataset.schema.field(name).type}, not a number"
            " (or a fixed-size list of numbers)",
            hint=_ENCODE_HINT,
        )
    return tuple(shape)


def _known(table: Table, name: str, role: str) -> None:
    columns = table.dataset.schema.names
    if name not in columns:
        raise TypednnError(
            f"{table.where}: no {role} column {name!r}{suggest(name, columns)}",
            hint=f"the columns are {listed(columns)}",
        )


def plan_table(
    table: Table,
    *,
    label: str | None,
    features: Sequence[str] | None,
    shape: Sequence[int] | None,
    task: Task | None,
) -> TablePlan:
    """Type the chosen columns from the schema alone (no data is read).

    Raises:
        TypednnError: for an unknown column, a column used twice, a feature column that
            is not numeric, a label that is neither numbers nor text, or a `shape` of the
            wrong size.
    """
    columns = list(table.dataset.schema.names)
    if label is None:
        if not columns:
            raise TypednnError(f"{table.where}: the data has no column", hint="check the path")
        label = columns[-1]
    _known(table, label, "label")
    if isinstance(features, str):
        features = [features]  # one column's name, not a sequence of one-letter names
    chosen = [name for name in columns if name != label] if features is None else list(features)
    for name in chosen:
        _known(table, name, "feature")
    twice = sorted({name for name in chosen if chosen.count(name) > 1} | ({label} & set(chosen)))
    if twice:
        raise TypednnError(
            f"{table.where}: column {listed(twice)} is used twice (as two features, or as a feature and the label)",
            hint="use each column once",
        )
    if not chosen:
        raise TypednnError(f"{table.where}: no feature column", hint="name them: features=[...]")
    shapes = [_width(table, name) for name in chosen]
    widths = tuple(math.prod(one) for one in shapes)
    # One list column keeps its own shape ((8, 8) images); several columns lie side by side.
    natural = (shapes[0] or (1,)) if len(chosen) == 1 else (sum(widths),)
    if shape is not None:
        if math.prod(shape) != sum(widths) or any(dim < 1 for dim in shape):
            raise TypednnError(
                f"{table.where}: shape={list(shape)} holds {math.prod(shape)} numbers, but the features are"
                f" {sum(widths)} numbers per example",
                hint=f"give a shape of {sum(widths)} numbers, e.g. [{sum(widths)}]",
            )
        natural = tuple(shape)
    return TablePlan(table, tuple(chosen), widths, natural, label, _label_kind(table, label, task))


def _label_kind(table: Table, label: str, task: Task | None) -> Literal["ids", "names", "values"]:
    kind = table.dataset.schema.field(label).type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if task == "regress":
            raise TypednnError(
                f"{table.where}: task='regress' needs numeric targets, but column {label!r} holds text",
                hint="leave task out: text labels are class names",
            )
        return "names"
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return "values" if task == "regress" else "ids"
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        if task == "classify":
            raise TypednnError(
                f"{table.where}: task='classify' needs class ids or names, but column {label!r} holds {kind} numbers",
                hint="store class ids as integers, or leave task out to regress on the values",
            )
        return "values"
    raise TypednnError(
        f"{table.where}: the label column {label!r} has Arrow type {kind}; a label is a number or text",
        hint="encode the label as class ids (integers), class names (text) or target values (floats)",
    )


def _batches(table: Table, columns: list[str]) -> Iterator[Any]:
    """The record batches of `columns`, in order; pyarrow reads ahead a bounded number of them."""
    with reading(table.where, table.kind):
        yield from table.dataset.to_batches(columns=columns, batch_size=BATCH_ROWS)


def _no_nulls(table: Table, name: str, column: Any, start: int) -> None:
    if column.null_count:
        row = start + int(np.argmax(~np.asarray(column.is_valid())))
        raise TypednnError(
            f"{table.where}: row {row}, column {name!r}: a missing value (null)",
            hint="fill or drop the missing values before training (e.g. pyarrow.compute.fill_null), or leave the"
            " column out",
        )


def _numbers(table: Table, name: str, column: Any, start: int, width: int) -> Array:
    """One column of a batch as `(rows, width)` numbers, refusing nulls at any depth."""
    _no_nulls(table, name, column, start)
    flat, depth = column, 1
    while pa.types.is_fixed_size_list(flat.type):
        depth *= flat.type.list_size
        flat = flat.flatten()
        if flat.null_count:
            # A null inside a list: its example is the row holding that position.
            first = int(np.argmax(~np.asarray(flat.is_valid())))
            _no_nulls(table, name, pa.array([None]), start + first // depth)
    if pa.types.is_decimal(flat.type):
        flat = pc.cast(flat, pa.float64(), safe=False)
    return np.asarray(flat.to_numpy(zero_copy_only=False)).reshape(-1, width)


def read_features(plan: TablePlan, span: range | None = None) -> Array:
    """Every example's features, float32 `(rows, *shape)`, filled batch by batch; or only the rows `span`.

    For a span (one process's part), only the pieces of the files that overlap it are
    read (`_pieces`: a Parquet file's row groups, an Arrow file), and only its rows of
    their batches are converted.

    Raises:
        TypednnError: naming the row and column of a null or non-finite value.
    """
    table = plan.table
    wanted = range(table.rows) if span is None else span
    read, start = (table, 0) if span is None else _pieces(table, span)
    out = np.empty((len(wanted), sum(plan.widths)), np.float32)
    edges = np.cumsum((0, *plan.widths))
    end = start + read.rows
    # An empty part reads nothing; the whole table is always read (to find rows its metadata misses).
    for batch in _batches(read, list(plan.features)) if span is None or len(span) else ():
        stop = start + batch.num_rows
        if stop > end:
            raise TypednnError(f"{table.where}: holds more rows than its metadata says ({table.rows})")
        low, high = max(start, wanted.start), min(stop, wanted.stop)
        if low < high:
            piece = batch.slice(low - start, high - low)
            for index, name in enumerate(plan.features):
                part = out[low - wanted.start : high - wanted.start, edges[index] : edges[index + 1]]
                with np.errstate(over="ignore", invalid="ignore"):
                    part[...] = _numbers(table, name, piece.column(index), low, plan.widths[index])
                if not np.isfinite(part).all():
                    row = low + int(np.argmax(~np.isfinite(part).all(axis=1)))
                    raise TypednnError(
                        f"{table.where}: row {row}, column {name!r}: a non-finite number (NaN or infinity)",
                        hint="features must be finite numbers: fill or drop these rows",
                    )
        start = stop
    if (span is None or len(span)) and start != end:
        raise TypednnError(f"{table.where}: holds {start} rows, but its metadata says {end}")
    return out.reshape(len(wanted), *plan.shape)


def _pieces(table: Table, span: range) -> tuple[Table, int]:
    """A table of only the pieces of the files overlapping the rows `span`, and the source row of its first.

    A piece is a Parquet file's row group, or an Arrow IPC file (pyarrow reads an IPC
    file's record batches in order; those before the span are skipped unconverted). The
    row counts come from the files' metadata; hive partition columns are kept.
    """
    pieces: list[Any] = []
    first, at, held = 0, 0, 0
    with reading(table.where, table.kind):
        for fragment in table.dataset.get_fragments():
            if at >= span.stop:
                break
            for piece in fragment.split_by_row_group() if table.kind == "parquet" else (fragment,):
                count = piece.row_groups[0].num_rows if table.kind == "parquet" else piece.count_rows()
                if at < span.stop and at + count > span.start:
                    first = first if pieces else at
                    pieces.append(piece)
                    held += count
                at += count
        source = table.dataset
        read = ds.FileSystemDataset(pieces, schema=source.schema, format=source.format, filesystem=source.filesystem)
    return Table(table.where, table.kind, read, held), first


def read_label(plan: TablePlan, classes: ClassesOption) -> Targets:
    """The label column alone (projected), typed as every source types targets (`typed_targets`).

    Raises:
        TypednnError: naming the row of a null, or of a class id out of range or a name
            `classes` does not list.
    """
    table, name = plan.table, plan.label
    kind = table.dataset.schema.field(name).type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    chunks: list[Any] = []
    start = 0
    for batch in _batches(table, [name]):
        column = batch.column(0)
        _no_nulls(table, name, column, start)
        chunks.append(column.dictionary_decode() if pa.types.is_dictionary(column.type) else column)
        start += batch.num_rows
    joined = pa.chunked_array(chunks, type=kind)
    if plan.label_kind == "names":
        values = np.asarray(joined.to_numpy(), dtype=str)
    else:
        if pa.types.is_decimal(kind):
            joined = pc.cast(joined, pa.float64(), safe=False)
        values = np.asarray(joined.to_numpy())
        if pa.types.is_boolean(kind):
            values = values.astype(np.int64)
        if plan.label_kind == "values":
            values = values.astype(np.float64)
    found = typed_targets(values, classes=classes, where=f"{table.where}: label column {name}")
    if plan.label_kind == "values":
        return Targets(found.values.reshape(-1, 1), None)
    return found
