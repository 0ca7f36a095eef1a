"""One process's part of a CSV file's rows (`csv(..., shard=...)`), converting only its rows.

Two passes, neither converting another part's features:

- the label column alone, every row (`read_all_labels`): the class ids and names are
  the whole file's (names sorted over every row, ids checked against the whole file's
  count), as `csv` without a part gives them;
- a scan of the bytes for records (non-blank lines after the header, as pyarrow counts
  them; values holding line breaks are not supported by `csv` anyway), which finds
  where the part's rows lie (`record_bytes`); pyarrow then parses and converts those
  bytes alone.

A file in an encoding whose line breaks are not the byte 0x0a (UTF-16, UTF-32) is read
whole, then cut (`csv` says so).
"""

from __future__ import annotations

import codecs
import io
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from .._errors import TypednnError
from ._csv_plan import Plan
from ._csv_read import LABEL_DTYPES, Labels, arrow_options, column_options, features_of, reading
from ._csv_text import open_csv
from ._dataset import Dataset
from ._shard import Shard, rows
from ._shard_read import marked
from ._targets import Targets

Array = np.ndarray[Any, Any]
_CHUNK = 16 << 20
_NEWLINE, _RETURN = 10, 13


def byte_lines(encoding: str) -> bool:
    """Whether every line break of text in `encoding` is the byte 0x0a (not UTF-16 or UTF-32)."""
    return not codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))


def read_all_labels(plan: Plan) -> tuple[Targets, int]:
    """Every row's typed label (the class ids and names of the whole file), and the row count.

    Raises:
        TypednnError: naming the first bad row, as `read_arrays` does.
    """
    labels = Labels(plan)
    with reading(plan):
        with open_csv(plan.path) as file:
            table = pcsv.read_csv(file, **arrow_options(plan, block_size=None, label_only=True))
        count = table.num_rows
        targets = np.empty((count, 1) if plan.kind == "values" else count, LABEL_DTYPES[plan.kind])
        start = 0
        for batch in table.to_batches():
            targets[start : start + batch.num_rows] = labels.block(batch.column(0))
            start += batch.num_rows
        del table
    found, remap = labels.finish()
    if remap is not None:
        targets = remap[targets]
    return Targets(targets, found.classes, found.class_names), count


def record_bytes(file: BinaryIO, header_lines: int, span: range) -> tuple[int, int, int]:
    """Where the records `span` lie: `(first byte, end byte, number of records in the file)`.

    A record is a non-blank line (blank: nothing, or a lone carriage return) after the first
    `header_lines` lines, as pyarrow reads them.
    """
    first = end = -1
    records, at, line_start, last = 0, 0, 0, -1
    skip = header_lines
    while chunk := file.read(_CHUNK):
        data = np.frombuffer(chunk, np.uint8)
        breaks = np.flatnonzero(data == _NEWLINE)
        starts = np.concatenate(([line_start], breaks[:-1] + at + 1)) if len(breaks) else np.empty(0, np.int64)
        ends = breaks + at
        # A lone "\r" before a break is a blank line too; its byte may be the last of the previous chunk.
        before = np.where(breaks > 0, data[np.maximum(breaks - 1, 0)], last)
        blank = (ends == starts) | ((ends - starts == 1) & (before == _RETURN))
        if skip:
            taken = min(skip, len(blank))
            blank[:taken] = True  # the header's lines are no records
            skip -= taken
        kept = starts[~blank]
        first, end = _place(kept, records, span, first, end)
        records += len(kept)
        if len(breaks):
            line_start = int(breaks[-1]) + at + 1
        at += len(chunk)
        last = int(data[-1])
    if line_start < at and not skip and not (at - line_start == 1 and last == _RETURN):
        first, end = _place(np.array([line_start]), records, span, first, end)
        records += 1
    return (at if first < 0 else first), (at if end < 0 else end), records


def _place(starts: Array, records: int, span: range, first: int, end: int) -> tuple[int, int]:
    """Note the bytes where record `span.start` and record `span.stop` begin, if among `starts`."""
    if first < 0 and records <= span.start < records + len(starts):
        first = int(starts[span.start - records])
    if end < 0 and records <= span.stop < records + len(starts):
        end = int(starts[span.stop - records])
    return first, end


def read_part(plan: Plan, shard: Shard) -> Dataset[Any, Any]:
    """The part `shard` of the file's examples: its features converted alone, the labels typed over every row.

    Raises:
        TypednnError: naming the first bad row (of the labels anywhere, of the features in the part).
    """
    found, total = read_all_labels(plan)
    span = rows(shard, total)
    with open_csv(plan.path) as file:
        first, end, counted = record_bytes(file, plan.header_lines, span)
        if counted != total:
            raise TypednnError(
                f"{plan.path}: {counted} lines of records, but pyarrow reads {total} rows: cannot find one part's rows",
                hint="values holding line breaks are not supported; or leave shard out and use dataset.shard(...)",
            )
        file.seek(first)
        text = file.read(end - first)
    features = np.empty((len(span), *plan.shape), np.float32)
    if len(span):
        options = column_options(plan, {name: pa.float32() for name in plan.feature_names}, block_size=None)
        options["read_options"].skip_rows = 0  # the part's bytes start at a record, past the header
        with reading(plan):
            table = pcsv.read_csv(io.BytesIO(text), **options)
            if table.num_rows != len(span):
                raise TypednnError(
                    f"{plan.path}: the bytes of rows {span.start}..{span.stop - 1} hold {table.num_rows} rows",
                    hint="values holding line breaks are not supported; or leave shard out",
                )
            start = 0
            for batch in table.to_batches():
                features[start : start + batch.num_rows] = features_of(batch, plan)
                start += batch.num_rows
    targets = np.array(found.values[span.start : span.stop])
    return marked(Dataset(features, targets, classes=found.classes, class_names=found.class_names), shard, total)
