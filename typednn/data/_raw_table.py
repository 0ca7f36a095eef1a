"""Raw tables: named columns as read (numbers and text), for `transforms` to turn into features.

`csv` reads numeric feature columns only. `table` keeps every column of a CSV file as
the text it holds (pyarrow parses the file, as `csv` does), and types only the label;
`transforms.Columns` then decides, column by column, what is a number and what is a
category. Reading every column as text makes training and prediction read a cell the
same way, whatever the other rows of the file hold (a column of "1", "2", "fixed" at
training time and of "1" alone at predict time is text both times).

Parquet, Arrow and JSON Lines files say what a column holds, so `table` keeps it
(`_raw_table_read`): text as text, numbers as numbers. The label is typed from its
text either way, so a label column gives the same classes or targets from any format.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from .._errors import TypednnError
from .._reading import open_regular, size
from ._csv_plan import Plan, head
from ._csv_read import column_options, reading
from ._csv_text import WHAT, open_text, records
from ._dataset import Dataset
from ._paths import FilePath, location
from ._raw_table_read import CELL_BYTES, Format, arrow_columns, check_memory, format_of, jsonl_columns
from ._show import names, quoted, suggest
from ._targets import ClassesOption, Targets, checked_ids, named_ids, names_option

Array = np.ndarray[Any, Any]
_WHOLE = re.compile(r"\s*-?\d+\s*")
_NUMBER = re.compile(r"\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class _Origin:
    """The file a table was read from, to name a cell's line and column in messages."""

    path: Path | str
    columns: tuple[str, ...]
    header_lines: int = 0
    delimiter: str = ","
    encoding: str = "utf-8"
    format: Format = "csv"
    """Only a CSV file's cells have a line and column (a Parquet row is not a line)."""

    def where(self, row: int, name: str) -> str:
        """A cell of the file: `heart.csv:14:3: row 13, column 'age'`, `heart.parquet: row 13, column 'age'`."""
        if self.format != "csv":
            return f"{self.path}: row {row}, column {quoted(name)}"
        at = f"{self.path}:{_line(self, row)}"
        if name in self.columns:
            at += f":{self.columns.index(name) + 1}"
        return f"{at}: row {row}, column {quoted(name)}"


class Table:
    """Named raw columns, one value per example, and optional targets: what `table` reads.

    A column is a 1-D array: text (Python `str` objects, as a CSV file holds them) or
    numbers. A table is split as a `Dataset` is (`split`, `partition`: the same seed
    gives the same rows), so transforms are fitted on the training rows alone.

    Args:
        columns: Each column's values by name, all of one length.
        targets: One target per example (class ids, or float32 values), or None.
        classes: The class count when the targets are class ids.
        class_names: The name of each class id, when the data names them.
    """

    def __init__(
        self,
        columns: Mapping[str, Sequence[Any] | Array],
        targets: Array | None = None,
        *,
        classes: int | None = None,
        class_names: Sequence[str] | None = None,
    ) -> None:
        arrays = {str(name): _column(values, str(name)) for name, values in columns.items()}
        lengths = {len(a) for a in arrays.values()} | ({len(targets)} if targets is not None else set())
        if not arrays or len(lengths) != 1:
            raise TypednnError(
                "a table needs columns of one length (and as many targets)"
                + (f", not {sorted(lengths)}" if arrays else ", but none is given"),
                hint="give every column one value per example",
            )
        self._columns = arrays
        self.targets = targets
        """The targets, one per example, or None for a table of inputs only."""
        self.classes = classes
        """The class count when the targets are class ids."""
        self.class_names = None if class_names is None else tuple(class_names)
        """The class names, when the data names them."""
        self._rows: Array = np.arange(1, lengths.pop() + 1)
        self._origin: _Origin | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The columns' names in the file's order, the label's excepted (it is `targets`)."""
        return tuple(self._columns)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"<Table: {len(self)} rows of {len(self._columns)} columns ({names(self._columns)})>"

    def column(self, name: str) -> Array:
        """One column's values.

        Raises:
            TypednnError: for a column the table does not hold, with the closest name.
        """
        if name not in self._columns:
            origin = self._origin
            source = "" if origin is None else f"{origin.path}:1: " if origin.format == "csv" else f"{origin.path}: "
            raise TypednnError(
                f"{source}no column {quoted(name)}{suggest(name, list(self._columns))}",
                hint=f"the columns are {names(self._columns)}",
            )
        return self._columns[name]

    def where(self, position: int, name: str) -> str:
        """The place of one cell for a message: `heart.csv:14:3: row 13, column 'age'`.

        A Parquet, Arrow or JSON Lines file's cell has no line and column: `heart.parquet: row 13, column 'age'`.

        Args:
            position: The row's position in this table (0-based).
            name: The column.
        """
        row = int(self._rows[position])
        if self._origin is None:
            return f"row {row}, column {quoted(name)}"
        return self._origin.where(row, name)

    def subset(self, index: Array) -> Table:
        """The rows at `index` (positions in this table), keeping their row numbers for messages."""
        index = np.asarray(index, np.int64)
        part = Table(
            {name: values[index] for name, values in self._columns.items()},
            None if self.targets is None else self.targets[index],
            classes=self.classes,
            class_names=self.class_names,
        )
        part._rows = self._rows[index]
        part._origin = self._origin
        return part

    def partition(
        self, *, validation: float = 0.0, test: float = 0.0, seed: int | None = 0
    ) -> tuple[Table, Table | None, Table | None]:
        """Training, validation and test rows, chosen as `Dataset.partition` chooses them."""
        parts = _positions(len(self)).partition(validation=validation, test=test, seed=seed)
        train, validation, test = (None if part is None else self.subset(part.features[:, 0]) for part in parts)
        assert train is not None  # the training part is never empty
        return train, validation, test

    def split(self, fraction: float, *, seed: int | None = 0) -> tuple[Table, Table]:
        """The rest, and `fraction` of the rows, chosen as `Dataset.split` chooses them."""
        rest, held = _positions(len(self)).split(fraction, seed=seed)
        return self.subset(rest.features[:, 0]), self.subset(held.features[:, 0])


def _positions(count: int) -> Dataset[Any, Any]:
    # The row positions as a dataset: its split is a Dataset's, seed for seed.
    return Dataset(np.arange(count).reshape(-1, 1), np.zeros(count, np.float32), classes=None)


def _column(values: Sequence[Any] | Array, name: str) -> Array:
    array = np.asarray(values)
    if array.ndim != 1:
        raise TypednnError(f"column {quoted(name)} has shape {array.shape}, not one value per example")
    if array.dtype.kind in "US":
        return array.astype(object)  # Python strings: a long cell costs its own length only
    return array


def _line(origin: _Origin, row: int) -> int:
    """The line a data row starts on (re-reading the file: only for a message)."""
    with open_text(origin.path, origin.encoding) as text:
        found = records(text, origin.path, origin.delimiter)
        if origin.header_lines:
            next(found, None)
        for number, (line, _) in enumerate(found, start=1):
            if number == row:
                return line
    return origin.header_lines + row


def table(
    path: FilePath,
    *,
    label: str | None = None,
    classes: ClassesOption = None,
    task: Literal["classify", "regress"] | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8",
    format: Format | None = None,
) -> Table:
    r"""Every column of a table file as read: the raw input of `transforms.Columns`.

    The format is `format`, else the suffix: `.parquet`/`.pq`, `.arrow`/`.feather`/`.ipc`,
    `.jsonl`/`.ndjson`, and CSV for any other. A CSV file (with a header) is read as text,
    every column (pyarrow parses it, as `csv` does). A Parquet or Arrow IPC (Feather) file
    is read through `pyarrow.dataset`, as `parquet` and `arrow` read it (a local path, a URL
    of an installed fsspec filesystem, or a folder of hive partitions with `format=`), and a
    JSON Lines file holds one object per line, its keys the columns: their columns keep
    their type, text as Python `str` objects and numbers as NumPy numbers (booleans as 0
    and 1). No cell may be empty or null, nor nested (a list, a struct, an object).

    The label column is typed as `csv` types it, from its text (a number's shortest
    digits), so that every format gives the same targets: `classes=[names]` or class
    names (sorted), whole numbers as class ids, other numbers (or `task="regress"`) as
    float32 targets `(rows, 1)`.

    Every cell is held in memory (a text cell as a Python string of about 60 bytes), so a
    file whose cells would take more than `TABLE_LIMIT` (32 GiB, a CSV file of about 3 GiB
    of short cells) is refused before its rows are read: the streaming sources (`csv`,
    `parquet`) read numeric columns into float32 features without it.

    Args:
        path: The file (a folder of Parquet or Arrow files, with `format`).
        label: The label column; None for a table of inputs only (to predict on).
        classes: The class count, or the class names in id order.
        task: `"classify"` or `"regress"`; by default inferred from the label.
        delimiter: A CSV file's field separator.
        encoding: A CSV file's text encoding.
        format: `"csv"`, `"parquet"`, `"arrow"` or `"jsonl"`; by default chosen by the suffix.

    Raises:
        TypednnError: naming the file, row and column of a bad cell (and a CSV file's line),
            a missing label column, a column of nested values, or a file over `TABLE_LIMIT`.

    Example:
        >>> import tempfile
        >>> raw_file = Path(tempfile.mkdtemp()) / "raw.csv"
        >>> _ = raw_file.write_text("age,thal,target\n63,fixed,1\n37,normal,0\n")
        >>> raw = table(raw_file, label="target")
        >>> raw.names, raw.column("thal").tolist(), raw.targets.tolist(), raw.classes
        (('age', 'thal'), ['fixed', 'normal'], [1, 0], 2)
        >>> import pyarrow as pa, pyarrow.parquet as pq
        >>> pq.write_table(pa.table({"age": [63, 37], "thal": ["fixed", "normal"], "target": [1, 0]}),
        ...                raw_file.with_suffix(".parquet"))
        >>> raw = table(raw_file.with_suffix(".parquet"), label="target")
        >>> raw.column("age").tolist(), raw.column("thal").tolist(), raw.targets.tolist(), raw.classes
        ([63, 37], ['fixed', 'normal'], [1, 0], 2)
    """
    kind = format_of(path, format)
    if kind == "csv":
        origin, found = _csv_columns(Path(path), delimiter, encoding)
    else:
        where, found = arrow_columns(path, kind) if kind != "jsonl" else jsonl_columns(path)
        origin = _Origin(location(path) if kind == "jsonl" else where, tuple(found), format=kind)
    targets = None
    if label is not None:
        if label not in found:
            at = f"{origin.path}:1:" if kind == "csv" else f"{origin.path}:"
            raise TypednnError(
                f"{at} no column {quoted(label)} for the label{suggest(label, list(found))}",
                hint=f"the columns are {names(found)}",
            )
        targets = _label(_text(found.pop(label)), origin, label, classes, task)
    result = Table(
        found,
        None if targets is None else targets.values,
        classes=None if targets is None else targets.classes,
        class_names=None if targets is None else targets.class_names,
    )
    result._origin = origin
    return result


def _csv_columns(file: Path, delimiter: str, encoding: str) -> tuple[_Origin, dict[str, Array]]:
    """Every column of a CSV file with a header, as text (`str` objects); no cell empty."""
    header_lines, columns, sample = head(file, header=True, delimiter=delimiter, encoding=encoding)
    if not sample:
        raise TypednnError(f"{file}: no examples: the file has a header but no rows")
    widest = max(len(fields) + sum(map(len, fields)) for fields in (columns, *(row for _, row in sample)))
    _check_csv_memory(file, sample)
    plan = Plan(
        path=file,
        columns=columns,
        features=(),
        label=None,
        shape=(0,),
        kind="values",
        classes=None,
        class_names=None,
        chosen=False,
        delimiter=delimiter,
        header_lines=header_lines,
        encoding=encoding,
        widest=widest,
    )
    with reading(plan), open_regular(file, what=WHAT) as handle:  # a ragged row or bad text: named by its row
        arrow = pcsv.read_csv(handle, **column_options(plan, dict.fromkeys(columns, pa.string()), block_size=None))
    origin = _Origin(file, columns, header_lines, delimiter, encoding)
    for name in columns:
        if arrow.column(name).null_count:
            row = int(np.argmax(pc.is_null(arrow.column(name)).to_numpy(zero_copy_only=False))) + 1
            raise TypednnError(f"{origin.where(row, name)}: empty cell", hint="fill it in, or remove the row")
    return origin, {name: arrow.column(name).to_numpy(zero_copy_only=False) for name in columns}


def _check_csv_memory(file: Path, sample: Sequence[tuple[int, Sequence[str]]]) -> None:
    """Refuse a CSV file too large to hold as text cells, its row count estimated from the first rows."""
    stored = file.stat().st_size
    row_bytes = max(1, sum(len(fields) + sum(map(len, fields)) for _, fields in sample) // len(sample))
    rows = stored // row_bytes
    # Arrow's text and the Python strings made from it are both held while the columns are made.
    check_memory(
        str(file),
        rows * len(sample[0][1]) * CELL_BYTES + 2 * stored,
        f"{size(stored)} of CSV text, about {rows:,} rows of {len(sample[0][1])} columns",
    )


def _text(values: Array) -> Array:
    """A label column as the text a CSV file would hold: numbers by their shortest digits."""
    if values.dtype == object:
        return values
    return values.astype(str).astype(object)


def _label(
    values: Array, origin: _Origin, name: str, classes: ClassesOption, task: Literal["classify", "regress"] | None
) -> Targets:
    """The label column typed from its text: class names, class ids, or float32 values `(rows, 1)`."""
    if task not in (None, "classify", "regress"):
        raise TypednnError(f"task={task!r} is neither 'classify' nor 'regress'")
    where = f"{origin.path}: the label column {quoted(name)}"
    text = values.astype(str)
    if names_option(classes, where) is not None:
        return named_ids(text, classes, where)
    wrong = None
    if task != "regress" and all(_WHOLE.fullmatch(value) for value in values):
        return checked_ids(text.astype(np.int64), classes, where)
    if task != "classify" and all(_NUMBER.fullmatch(value) for value in values):
        numbers = text.astype(np.float64)
        if np.isfinite(numbers).all():
            return Targets(numbers.astype(np.float32).reshape(-1, 1), None)
        wrong = "a finite number"
    elif task == "regress":
        wrong = "a number"
    if wrong is not None:
        bad = next(i for i, v in enumerate(values) if not (_NUMBER.fullmatch(v) and np.isfinite(float(v))))
        raise TypednnError(
            f"{origin.where(bad + 1, name)}: expected {wrong} (a numeric target), found {quoted(values[bad])}",
            hint="the targets are numbers: fix it, or remove the row",
        )
    return named_ids(text, classes, where)
