"""What a CSV file holds, from its header and first rows: the plan the fast reader follows.

The standard library's `csv` module reads the header and a sample of rows, which fix the
columns, the feature shape and how the label is typed. The same module re-reads the file
when pyarrow refuses it (pyarrow's errors give no row numbers), to find the first bad
row (`_csv_diagnose`): `check_row` is the one statement of what a good row is, for the
sample and the re-scan alike.

The file may be anything a path names, so messages quote its header and cells only
through `_show` (24 characters at most), and every step is linear in the columns.
"""

from __future__ import annotations

import collections
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .._errors import TypednnError
from ._csv_text import check_encoding, encoding_name, open_csv, open_text, records, undecodable
from ._paths import Location
from ._show import names, quoted, suggest
from ._targets import MAX_CLASSES, ClassesOption, class_count, names_option

LabelKind = Literal["ids", "names", "values"]
"""How the label column is read: class ids, class names, or numeric targets."""
Task = Literal["classify", "regress"]

SAMPLE_ROWS = 1000
SAMPLE_CELLS = 1_000_000
"""The sample holds at most this many cells (at least one row): a wide file samples fewer rows."""
# What pyarrow's float and int64 parsers accept (checked against pyarrow 26): surrounding
# blanks, a sign, digits with an optional point and exponent, inf/infinity/nan.
NUMBER = re.compile(r"\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)\s*", re.IGNORECASE)
WHOLE = re.compile(r"\s*-?\d+\s*")
# Numbers from here on round to infinity in float32 (halfway between its largest value and 2**128).
FLOAT32_OVERFLOW = (float(np.finfo(np.float32).max) + 2.0**128) / 2


@dataclass(frozen=True)
class Problem:
    """A bad cell: its 0-based column, what is wrong, and how to fix it."""

    column: int
    what: str
    hint: str


@dataclass(frozen=True)
class Plan:
    """How to read a CSV file: which columns, typed how, shaped how.

    Attributes:
        path: The file, as the user named it: a path, or a URL (text).
        columns: Every column's name (`"1"`, `"2"`, ... without a header).
        features: The 0-based indices of the feature columns, in feature order.
        label: The 0-based index of the label column (None for a file of inputs only).
        shape: The shape of one example's features.
        kind: How the label is read.
        classes: The class count `classes=` gives, if any.
        class_names: The class names `classes=` lists, if any.
        chosen: Whether the user chose the feature columns (for hints).
        delimiter: The field separator.
        header_lines: The physical lines up to the end of the header (0 without one).
        encoding: The file's text encoding.
        widest: The most characters of a record among the header and the sample (pyarrow's
            blocks must hold whole rows).
    """

    path: Location
    columns: tuple[str, ...]
    features: tuple[int, ...]
    label: int | None
    shape: tuple[int, ...]
    kind: LabelKind
    classes: int | None
    class_names: tuple[str, ...] | None
    chosen: bool
    delimiter: str
    header_lines: int
    encoding: str
    widest: int = 0

    @property
    def feature_names(self) -> list[str]:
        return [self.columns[i] for i in self.features]

    @property
    def label_name(self) -> str | None:
        return None if self.label is None else self.columns[self.label]

    @property
    def read_columns(self) -> list[str]:
        """The columns pyarrow converts: the features, then the label."""
        return [*self.feature_names, *([] if self.label_name is None else [self.label_name])]

    def at(self, line: int, column: int | None = None) -> str:
        """`file:line:col` (1-based; the column is the field's number)."""
        return f"{self.path}:{line}" + ("" if column is None else f":{column + 1}")

    def error(self, line: int, row: int, problem: Problem) -> TypednnError:
        column = self.columns[problem.column] if problem.column < len(self.columns) else None
        where = f"row {row}" + ("" if column is None else f", column {quoted(column)}")
        return TypednnError(f"{self.at(line, problem.column)}: {where}: {problem.what}", hint=problem.hint)


def _number_problem(value: str, role: str, hint: str) -> tuple[str, str] | None:
    """What is wrong with a cell that should hold a number (a feature or a target), and a hint."""
    if not NUMBER.fullmatch(value):
        return f"expected a number{role}, found {quoted(value)}", hint
    if not abs(float(value)) < FLOAT32_OVERFLOW:
        return (
            f"expected a finite number{role}, found {quoted(value)}",
            "fill in missing values before training: NaN or infinity makes the loss NaN",
        )
    return None


def check_row(plan: Plan, fields: Sequence[str]) -> Problem | None:
    """The first problem of a data row, or None when pyarrow would read it as planned."""
    if len(fields) != len(plan.columns):
        many = len(fields) > len(plan.columns)
        return Problem(
            len(plan.columns) if many else len(fields),
            f"expected {len(plan.columns)} fields (the header's columns), found {len(fields)}",
            "quote values that hold the delimiter" if many else "give every row one value per column",
        )
    for index in (*plan.features, *(() if plan.label is None else (plan.label,))):
        value = fields[index]
        byte = undecodable(value)
        if byte is not None:
            return Problem(
                index,
                f"not {encoding_name(plan.encoding)} text (byte 0x{byte:02x})",
                "save the file as UTF-8, or pass its encoding, e.g. encoding='latin-1'",
            )
        if value == "":
            return Problem(index, "empty cell", "fill it in, or remove the row")
    hint = (
        "fix the value, or remove the row"
        if plan.chosen
        else "every column but the label is a feature unless features=[...] chooses them"
    )
    for index in plan.features:
        found = _number_problem(fields[index], "", hint)
        if found:
            return Problem(index, *found)
    return None if plan.label is None else _label_problem(plan, plan.label, fields[plan.label])


def _label_problem(plan: Plan, label: int, value: str) -> Problem | None:
    name = plan.columns[label]
    if plan.kind == "values":
        found = _number_problem(value, " (a numeric target)", "the targets are numbers: fix it, or remove the row")
        return Problem(label, *found) if found else None
    if plan.kind == "names":
        if plan.class_names is not None and value not in plan.class_names:
            return Problem(
                label,
                f"{quoted(value)} is not one of the classes{suggest(value, plan.class_names)}",
                f"classes= lists {names(plan.class_names)}",
            )
        return None
    if not WHOLE.fullmatch(value):
        return Problem(
            label,
            f"expected a whole-number class id, found {quoted(value)}",
            f"the label column {quoted(name)} holds class ids, as its first rows are whole numbers;"
            " pass task='regress' for numeric targets, or classes=[...] for class names",
        )
    number = int(value)
    if number < 0:
        return Problem(label, f"class id {number} is negative", "class ids count from 0")
    limit = plan.classes if plan.classes is not None else MAX_CLASSES
    if number >= limit:
        return Problem(
            label,
            f"class id {number} is out of range: classes={limit} allows 0..{limit - 1}",
            "give the right class count, or fix the id",
        )
    return None


def _kind(values: list[str], task: Task | None, classes: ClassesOption) -> LabelKind:
    """How to read the label, from the sample: ids, names or values (see `csv`'s docstring)."""
    if classes is not None and not isinstance(classes, int):
        return "names"
    if task == "regress":
        return "values"
    filled = [value for value in values if value]
    if all(WHOLE.fullmatch(value) for value in filled):
        return "ids"
    if all(NUMBER.fullmatch(value) for value in filled):
        # Numbers that are not all whole: targets, unless the user asked for classes
        # (then the first non-whole one is reported).
        return "ids" if task == "classify" or classes is not None else "values"
    return "names"


def column(positions: Mapping[str, int], columns: tuple[str, ...], wanted: str | int, what: str, path: Location) -> int:
    """The 0-based index of a column named by the user (its number from 1, without a header)."""
    name = str(wanted)
    if name not in positions:
        raise TypednnError(
            f"{path}:1: no column {quoted(name)} for the {what}{suggest(name, columns)}",
            hint=f"the columns are {names(columns)}",
        )
    return positions[name]


def _check_options(path: Location, delimiter: str, encoding: str, task: Task | None, classes: ClassesOption) -> None:
    if len(delimiter) != 1:
        raise TypednnError(f"delimiter={delimiter!r} is not one character", hint="e.g. delimiter=';'")
    if not delimiter.isascii() or delimiter in "\r\n\x00":
        # pyarrow's parser takes an ASCII delimiter, and neither a line break nor NUL.
        raise TypednnError(f"delimiter={delimiter!r} cannot separate fields", hint="e.g. delimiter=';'")
    check_encoding(encoding)
    if task not in (None, "classify", "regress"):
        raise TypednnError(f"task={task!r} is neither 'classify' nor 'regress'")
    if task == "regress" and classes is not None:
        raise TypednnError(f"task='regress' reads numeric targets, so classes={classes!r} has no use")
    names_option(classes, str(path))
    open_csv(path).close()  # a missing file or URL is reported before the options are read further


Head = tuple[int, tuple[str, ...], list[tuple[int, list[str]]]]
"""The header's last line (0 without one), the column names, and the first data rows."""


def head(path: Location, *, header: bool, delimiter: str, encoding: str) -> Head:
    """The file's `Head`, read once for several plans (one per label column); options checked."""
    _check_options(path, delimiter, encoding, None, None)
    return _head(path, header=header, delimiter=delimiter, encoding=encoding)


def _head(path: Location, *, header: bool, delimiter: str, encoding: str) -> Head:
    """The header's last line (0 without one), the column names, and the first data rows."""
    with open_text(path, encoding) as text:
        rows = records(text, path, delimiter)
        first = next(rows, None)
        if first is None:
            raise TypednnError(f"{path}: the file is empty", hint="a CSV file needs a header line and rows")
        sample = [] if header else [first]
        # Fewer rows of a wide file: a thousand rows of a million cells would not fit in memory.
        rows_wanted = max(1, min(SAMPLE_ROWS, SAMPLE_CELLS // len(first[1])))
        sample.extend(itertools.islice(rows, rows_wanted - len(sample)))
    if not header:
        return 0, tuple(str(i + 1) for i in range(len(first[1]))), sample
    columns = tuple(first[1])
    seen: dict[str, int] = {}  # a dict, not columns.index: linear in the columns, not quadratic
    for index, name in enumerate(columns):
        byte = undecodable(name)
        if byte is not None:
            raise TypednnError(
                f"{path}:{first[0]}:{index + 1}: the header is not {encoding_name(encoding)} text (byte 0x{byte:02x})",
                hint="save the file as UTF-8, or pass its encoding, e.g. encoding='latin-1'",
            )
        if name in seen:
            raise TypednnError(
                f"{path}:{first[0]}:{index + 1}: column {quoted(name)} appears twice"
                f" (columns {seen[name] + 1} and {index + 1})",
                hint="give every column its own name",
            )
        seen[name] = index
    # Blank lines before the header count as rows for pyarrow's skip_rows.
    return first[0], columns, sample


def _choose(
    path: Location,
    columns: tuple[str, ...],
    positions: Mapping[str, int],
    label: int | None,
    features: Sequence[str | int] | str | None,
) -> list[int]:
    """The feature columns' indices: as listed, or every column but the label."""
    if features is None:
        chosen = [i for i in range(len(columns)) if i != label]
        if not chosen:
            raise TypednnError(f"{path}: no feature columns besides the label {quoted(columns[-1])}")
        return chosen
    wanted = [features] if isinstance(features, str) else list(features)
    chosen = [column(positions, columns, name, "features", path) for name in wanted]
    if label in chosen:
        raise TypednnError(
            f"{path}: column {quoted(columns[label])} is both the label and a feature",
            hint="the label is the last column unless label= names another",
        )
    counts = collections.Counter(chosen)
    twice = sorted({columns[i] for i, count in counts.items() if count > 1})
    if twice:
        raise TypednnError(f"{path}: features lists {names(twice)} twice", hint="list each column once")
    if not chosen:
        raise TypednnError(f"{path}: no feature columns", hint="list at least one in features=[...]")
    return chosen


def plan(
    path: Location,
    *,
    label: str | int | None,
    features: Sequence[str | int] | str | None,
    shape: Sequence[int] | None,
    classes: ClassesOption,
    task: Task | None,
    delimiter: str,
    header: bool,
    encoding: str,
    labelled: bool = True,
    read: Head | None = None,
) -> Plan:
    """Read the header and the first rows, and decide how to read the file.

    Args:
        path: The file.
        label: The label column (None: the last), as `csv` takes it.
        features: The feature columns (None: all but the label).
        shape: One example's feature shape (None: flat).
        classes: The class count or names, if given.
        task: How to read the label, if given.
        delimiter: The field separator.
        header: Whether the first line names the columns.
        encoding: The text encoding.
        labelled: False for a file of inputs only: every column (or `features`) is a feature.
        read: The file's `head`, when read already.

    Raises:
        TypednnError: for a missing file, bad options, a missing column, or a bad row
            among the first `SAMPLE_ROWS`.
    """
    _check_options(path, delimiter, encoding, task, classes)
    header_lines, columns, sample = read or _head(path, header=header, delimiter=delimiter, encoding=encoding)
    positions = {name: index for index, name in enumerate(columns)}
    label_index = None
    if labelled:
        label_index = len(columns) - 1 if label is None else column(positions, columns, label, "label", path)
    chosen = _choose(path, columns, positions, label_index, features)
    example = tuple(int(d) for d in shape) if shape is not None else (len(chosen),)
    if math.prod(example) != len(chosen) or any(d < 1 for d in example):
        raise TypednnError(
            f"{path}: shape={list(example)} holds {math.prod(example)} values per example,"
            f" but {len(chosen)} feature columns are chosen",
            hint="give a shape whose sizes multiply to the number of feature columns",
        )
    if not sample:
        raise TypednnError(f"{path}: no examples: the file has a header but no rows")
    labels = [] if label_index is None else [row[label_index] for _, row in sample if len(row) == len(columns)]
    result = Plan(
        path=path,
        columns=columns,
        features=tuple(chosen),
        label=label_index,
        shape=example,
        kind=_kind(labels, task, classes),
        classes=class_count(classes),
        class_names=names_option(classes, str(path)),
        chosen=features is not None,
        delimiter=delimiter,
        header_lines=header_lines,
        encoding=encoding,
        widest=max(len(fields) + sum(map(len, fields)) for fields in (columns, *(row for _, row in sample))),
    )
    for row, (line, fields) in enumerate(sample, start=1):
        problem = check_row(result, fields)
        if problem:
            raise result.error(line, row, problem)
    return result
