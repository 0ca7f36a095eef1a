"""Raw columns of Parquet, Arrow IPC (Feather) and JSON Lines files, typed as stored, for `table`.

A CSV file holds text, so `table` keeps its cells as text; these formats say what each
column holds, so a column keeps it: text stays Python `str` objects, integers and floats
stay numbers (NumPy arrays of their dtype; a boolean is the whole number 0 or 1, a
decimal a float64). A null cell or a nested value (a list, a struct, a JSON object) is
refused with its file, row and column: a transform reads one scalar per cell.

A raw table holds every cell in memory, text as one Python object per cell (about 60
bytes each, whatever its length). `check_memory` refuses a file whose estimate passes
`TABLE_LIMIT` before a byte of its rows is read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final, Literal, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._errors import TypednnError
from .._reading import GiB, size
from ._columnar import open_table, reading
from ._json_line import lines, parse
from ._paths import FilePath, is_url, location, open_binary
from ._show import names, quoted

Array = np.ndarray[Any, Any]
Format = Literal["csv", "parquet", "arrow", "jsonl"]

TABLE_LIMIT: Final = 32 * GiB
"""The most memory a raw table's cells may take, as estimated before reading: a CSV file of
about 3 GiB of short cells (a cell of a few characters becomes a ~60-byte Python string),
more when its cells are long or numeric (Parquet numbers take 8 bytes)."""
CELL_BYTES: Final = 64
"""A text cell in memory: its pointer in the column (8), a Python `str` (49 and up), Arrow's offset."""
NUMBER_BYTES: Final = 8
SUFFIXES: Final[dict[str, Format]] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
"""The formats `table` chooses by suffix; any other suffix is read as CSV (`.txt`, `.tsv`...)."""
_FORMATS = ("csv", "parquet", "arrow", "jsonl")


def format_of(path: FilePath, given: str | None) -> Format:
    """The format to read `path` as: `given`, else its suffix (CSV for an unknown one).

    Raises:
        TypednnError: for an unknown `given`, or a folder without `given` (hive partitions
            of Parquet or Arrow files: the suffix does not say which).
    """
    if given is not None:
        if given not in _FORMATS:
            raise TypednnError(
                f"{os.fspath(path)}: format={given!r} is not one of {', '.join(map(repr, _FORMATS))}",
                hint="leave format out to choose by the file's suffix",
            )
        return cast(Format, given)
    if not is_url(path) and Path(path).is_dir():
        raise TypednnError(
            f"{os.fspath(path)}: a folder: give format='parquet' or format='arrow' for its files",
            hint="a folder of hive partitions (year=2024/part-0.parquet) reads as one table",
        )
    return SUFFIXES.get(Path(str(path)).suffix.lower(), "csv")


def check_memory(where: str, estimate: int, what: str) -> None:
    """Refuse a table whose cells would take more than `TABLE_LIMIT` of memory.

    Args:
        where: The file, for the message.
        estimate: The bytes its cells would take.
        what: How the estimate was made, e.g. "2.1 GiB of CSV text".

    Raises:
        TypednnError: saying the estimate, the limit and what streams instead.
    """
    if estimate > TABLE_LIMIT:
        raise TypednnError(
            f"{where}: a raw table of it would take about {size(estimate)} of memory ({what}), more than"
            f" the {size(TABLE_LIMIT)} tn.data.table holds",
            hint="tn.data.csv, tn.data.parquet and tn.data.arrow stream numeric columns into float32 features;"
            " encode text columns first (hashing, integer codes), or read a sample of the rows",
        )


def arrow_columns(path: FilePath, kind: Literal["parquet", "arrow"]) -> tuple[str, dict[str, Array]]:
    """Every column of a Parquet or Arrow file (or folder of hive partitions), typed as stored.

    Returns:
        The name for messages, and each column's values by name in the schema's order.

    Raises:
        TypednnError: for a file pyarrow cannot read, a table over `TABLE_LIMIT`, a
            column of nested or unsupported values (named with its Arrow type), or a null
            (with its row and column).
    """
    found = open_table(path, kind)
    schema = found.dataset.schema
    per_row = sum(_cell_bytes(field.type) for field in schema)
    stored = _stored_bytes(found.dataset)
    check_memory(
        found.where,
        found.rows * per_row + 2 * stored,
        f"{found.rows:,} rows of {len(schema.names)} columns, {size(stored)} in files",
    )
    for field in schema:
        _kind_problem(found.where, field.name, field.type)
    with reading(found.where, kind):
        read = found.dataset.to_table()
    return found.where, {name: _values(found.where, name, read.column(name)) for name in schema.names}


def arrow_names(path: FilePath, kind: Literal["parquet", "arrow"]) -> tuple[str, ...]:
    """The columns of a Parquet or Arrow file, from its schema (no rows are read)."""
    return tuple(open_table(path, kind).dataset.schema.names)


def _cell_bytes(kind: Any) -> int:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return CELL_BYTES if pa.types.is_string(kind) or pa.types.is_large_string(kind) else NUMBER_BYTES


def _stored_bytes(dataset: Any) -> int:
    """The files' total size (the text a string column holds is at most a few times that)."""
    try:
        return sum(max(info.size or 0, 0) for info in dataset.filesystem.get_file_info(dataset.files))
    except (pa.ArrowException, OSError):
        return 0  # a filesystem that cannot say: the rows x columns estimate stands alone


def _kind_problem(where: str, name: str, kind: Any) -> None:
    """Refuse a column a transform cannot read: nested values, dates, bytes..., by its Arrow type."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    types = pa.types
    if types.is_string(kind) or types.is_large_string(kind):
        return
    if types.is_integer(kind) or types.is_floating(kind) or types.is_boolean(kind) or types.is_decimal(kind):
        return
    nested = types.is_nested(kind)
    raise TypednnError(
        f"{where}: column {quoted(name)} holds {'nested values' if nested else 'values'} of Arrow type {kind};"
        " a raw table's column holds text or numbers, one per row",
        hint="flatten it into columns of numbers (or text) first"
        if nested
        else "cast it to text or numbers first (e.g. pyarrow.compute.cast)",
    )


def _values(where: str, name: str, column: Any) -> Array:
    """One column as a 1-D array: `str` objects for text, numbers as their NumPy dtype."""
    if pa.types.is_dictionary(column.type):
        column = pc.cast(column, column.type.value_type)
    if column.null_count:
        row = int(np.argmax(pc.is_null(column).to_numpy(zero_copy_only=False))) + 1
        raise _null(f"{where}: row {row}, column {quoted(name)}")
    kind = column.type
    if pa.types.is_decimal(kind):
        column = pc.cast(column, pa.float64(), safe=False)
    values = np.asarray(column.to_numpy(zero_copy_only=False))
    if pa.types.is_boolean(kind):
        return values.astype(np.int64)  # 0 and 1: a category "1" as in a CSV file, a number for standardize
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return values.astype(object)
    return values


def _null(at: str) -> TypednnError:
    return TypednnError(
        f"{at}: a missing value (null)", hint="fill it in (e.g. pyarrow.compute.fill_null), or drop the row"
    )


def jsonl_columns(path: FilePath) -> tuple[str, dict[str, Array]]:
    """Every key of a JSON Lines file's objects as a column: text, or numbers.

    The first line's keys are the columns; every line holds the same keys. A column holds
    text, or numbers (whole numbers as int64, any fraction makes it float64; true and false
    are 1 and 0), never both.

    Raises:
        TypednnError: at `file:line` for invalid JSON, a line that is not an object, a
            missing or extra key, a null, a nested value, or text among numbers; for a file
            of no lines, or one over `TABLE_LIMIT`.
    """
    where = os.fspath(path)
    cells: dict[str, list[Any]] = {}
    with open_binary(location(path), what="JSON Lines file") as file:
        rows = 0
        for line, raw in lines(file, where):
            if not raw.strip():
                continue
            record = parse(raw, where, line)
            if not isinstance(record, dict) or not record:
                raise TypednnError(
                    f"{where}:{line}: expected a JSON object of the row's columns ({{...}}), found {quoted(record)}",
                    hint='one object per line, e.g. {"age": 63, "thal": "fixed"}',
                )
            rows += 1
            if rows == 1:
                cells = {key: [] for key in record}
                if not is_url(path):
                    per_row = len(raw) + 1
                    stored = os.stat(path).st_size
                    check_memory(
                        where,
                        stored // per_row * len(record) * CELL_BYTES + 2 * stored,
                        f"{size(stored)} of JSON Lines, about {stored // per_row:,} rows of {len(record)} keys",
                    )
            _row(where, line, rows, record, cells)
    if not rows:
        raise TypednnError(f"{where}: no examples: the file holds no JSON lines")
    return where, {key: _jsonl_values(where, key, values) for key, values in cells.items()}


def _row(where: str, line: int, row: int, record: dict[str, Any], cells: dict[str, list[Any]]) -> None:
    """Append one line's values to their columns, checking its keys and each value."""
    if record.keys() != cells.keys():
        missing = [key for key in cells if key not in record]
        extra = [key for key in record if key not in cells]
        said = f"no key {quoted(missing[0])}" if missing else f"a key {quoted(extra[0])} the first line has not"
        raise TypednnError(
            f"{where}:{line}: row {row}: {said}", hint=f"every line holds the first line's keys: {names(cells)}"
        )
    for key, value in record.items():
        at = f"{where}:{line}: row {row}, column {quoted(key)}"
        if value is None:
            raise _null(at)
        if isinstance(value, list | dict):
            raise TypednnError(
                f"{at}: a nested value ({'a list' if isinstance(value, list) else 'an object'}), not text or a number",
                hint="a raw table's column holds one value per row: flatten it into keys of their own",
            )
        cells[key].append(int(value) if isinstance(value, bool) else value)


def _jsonl_values(where: str, key: str, values: list[Any]) -> Array:
    texts = [isinstance(value, str) for value in values]
    if all(texts):
        return np.array(values, dtype=object)
    if any(texts):
        first, other = texts[0], texts.index(not texts[0])
        raise TypednnError(
            f"{where}: row {other + 1}, column {quoted(key)}: {quoted(values[other])} is"
            f" {'text' if not first else 'a number'}, but row 1 holds {'text' if first else 'a number'}",
            hint='a column holds text or numbers: quote the numbers ("3") to read it as text',
        )
    if all(isinstance(value, int) for value in values):
        try:
            return np.array(values, dtype=np.int64)
        except OverflowError:
            pass  # whole numbers beyond int64: read as float64, as any other large number
    return np.array(values, dtype=np.float64)
