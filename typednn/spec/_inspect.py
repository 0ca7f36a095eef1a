"""`typednn data inspect SPEC`: what a spec's data holds, before training (Kur's `kur data`).

The report lists the columns (or the feature array) with their types and first rows,
per-column statistics (numbers: min, mean, max, empty cells; categories: distinct
values and the most frequent), the label's class balance, and with a `data.transform`
section each column's width after its transforms.

Bounded: a csv file is streamed and only its first `rows` rows are read (the report
says so when the file has more); another source is loaded (as training loads it) and
its first `rows` examples are counted. Fitting the transforms reads the whole file, as
training does.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from .._errors import TypednnError
from .._reading import open_regular
from ..data._sources import SOURCES
from ._load import Spec, in_spec

ROWS = 100_000
"""How many rows (examples) the statistics read by default."""
_SHOWN = 5
"""How many first rows the report shows."""
_FREQUENT = 3
"""How many of a category column's most frequent values the report names."""
_BLOCK = 1 << 20


def inspect_data(spec: Spec, *, rows: int = ROWS, allow_pickle: bool = False) -> list[str]:
    """The report's lines for a spec's data.

    Args:
        spec: The spec (with a data section).
        rows: The most rows (examples) the statistics read.
        allow_pickle: Trust a pickle data source.

    Raises:
        TypednnError: at the spec's data section for data that cannot be read.
    """
    kind, options = spec.source()
    if kind == "csv" and _single_label(options):
        lines = _csv_report(spec, dict(options), rows)
    else:
        lines = _dataset_report(spec, kind, options, rows, allow_pickle)
    if spec.data is not None and spec.data.transform is not None:
        from ._transform_fit import prepare  # noqa: PLC0415 - it imports this package's loader

        schema = prepare(spec).schema
        lines += [
            f"after data.transform: features {schema.feature_shape!r}, fitted on the {schema.fitted_rows} training rows"
        ]
        lines += [f"  {line}" for line in schema.columns]
    return lines


def _single_label(options: Any) -> bool:
    """Whether a csv source reads one label by name, from a file with a header (a table to inspect)."""
    label = getattr(options, "label", None)
    return bool(getattr(options, "header", True)) and (label is None or isinstance(label, str))


def _csv_report(spec: Spec, options: dict[str, Any], limit: int) -> list[str]:
    path = spec.path.parent / Path(str(options["path"])).expanduser()
    where = spec.where("data", "source")
    names, columns, complete = in_spec(where, lambda: _read_head(path, options, limit))
    label = options.get("label") or names[-1]
    if label not in names:
        raise TypednnError(
            f"{where}: {path.name} has no column {label!r} for the label", hint=f"its columns: {', '.join(names)}"
        )
    count = len(columns[names[0]]) if names else 0
    span = f"all {count} rows" if complete else f"the first {count:,} rows (the file has more; --rows N reads more)"
    lines = [f"{spec.path}: data {path.name}: {len(names)} columns, label {label!r}; statistics over {span}"]
    lines += _first_rows(names, columns)
    lines.append("columns:")
    width = max(len(name) for name in names)
    for name in names:
        lines.append(f"  {name:<{width}}  {_column_line(columns[name])}")
    lines += _balance([value for value in columns[label] if value is not None], label)
    return lines


def _read_head(path: Path, options: dict[str, Any], limit: int) -> tuple[list[str], dict[str, list[str | None]], bool]:
    """The header and the first `limit` rows, every cell as text (None for an empty one), streamed."""
    read = pcsv.ReadOptions(encoding=options.get("encoding", "utf-8"), block_size=_BLOCK)
    parse = pcsv.ParseOptions(delimiter=options.get("delimiter", ","))
    with open_regular(path, what="CSV file") as handle:
        try:
            reader = pcsv.open_csv(
                handle, read_options=read, parse_options=parse, convert_options=_as_text(path, options)
            )
            names = list(reader.schema.names)
            batches = []
            count = 0
            for batch in reader:
                batches.append(batch)
                count += batch.num_rows
                if count >= limit:
                    break
        except pa.ArrowException as error:
            raise TypednnError(
                f"{path}: cannot be read as CSV: {error}", hint="check the delimiter and encoding"
            ) from None
    complete = count < limit or (count == limit and _at_end(reader))
    whole = pa.Table.from_batches(batches, schema=reader.schema).slice(0, limit)
    return names, {name: whole.column(name).to_pylist() for name in names}, complete


def _as_text(path: Path, options: dict[str, Any]) -> pcsv.ConvertOptions:
    # Every column as text: the report decides what is a number, as the transforms do.
    from ..data._csv_plan import head  # noqa: PLC0415

    _, header, _ = head(
        path, header=True, delimiter=options.get("delimiter", ","), encoding=options.get("encoding", "utf-8")
    )
    return pcsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=True)


def _at_end(reader: Any) -> bool:
    try:
        return bool(reader.read_next_batch().num_rows == 0)
    except StopIteration:
        return True


def _first_rows(names: Sequence[str], columns: dict[str, list[str | None]]) -> list[str]:
    shown = [[str(name) for name in names]] + [
        ["" if columns[name][row] is None else _cut(str(columns[name][row])) for name in names]
        for row in range(min(_SHOWN, len(columns[names[0]])))
    ]
    widths = [max(len(row[i]) for row in shown) for i in range(len(names))]
    lines = [f"first {len(shown) - 1} rows:"]
    lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in shown]
    return lines


def _column_line(values: list[str | None]) -> str:
    """`number  min 29  mean 54.2  max 77  empty 0`, or `category  3 distinct; normal 30 (50.0%), ...`."""
    present = [value for value in values if value is not None]
    empty = len(values) - len(present)
    numbers = _numbers(present)
    if numbers is not None and len(numbers):
        return f"number    min {_g(numbers.min())}  mean {_g(numbers.mean())}  max {_g(numbers.max())}  empty {empty}"
    counts = collections.Counter(present)
    frequent = ", ".join(f"{_cut(value)!r} {n} ({n / len(present):.1%})" for value, n in counts.most_common(_FREQUENT))
    return f"category  {len(counts)} distinct; most frequent {frequent}  empty {empty}"


def _numbers(values: list[str]) -> np.ndarray[Any, Any] | None:
    try:
        parsed = pc.cast(pc.utf8_trim_whitespace(pa.array(values, pa.string())), pa.float64())
    except (pa.ArrowException, TypeError):
        return None
    return np.asarray(parsed.to_numpy(zero_copy_only=False), np.float64)


def _balance(labels: Sequence[object], name: str, class_names: Sequence[str] | None = None) -> list[str]:
    """The class balance: each class's count and share; numeric targets get their range instead."""
    texts = [str(value) for value in labels]
    numbers = _numbers(texts)
    if numbers is not None and len(numbers) and not np.all(numbers == np.round(numbers)):
        shown = f"min {_g(numbers.min())}, mean {_g(numbers.mean())}, max {_g(numbers.max())}"
        return [f"label {name!r}: numeric targets, {shown}"]
    counts = collections.Counter(texts)
    order = sorted(counts, key=lambda value: (float(value), value) if numbers is not None else (0.0, value))
    lines = [f"label {name!r}: {len(counts)} classes"]
    width = max(len(_named(value, class_names)) for value in order)
    for value in order:
        lines.append(f"  {_named(value, class_names):<{width}}  {counts[value]:>7,}  {counts[value] / len(texts):6.1%}")
    return lines


def _named(value: str, class_names: Sequence[str] | None) -> str:
    if class_names is not None and value.isdigit() and int(value) < len(class_names):
        return f"{value} ({_cut(class_names[int(value)])})"
    return _cut(value)


def _dataset_report(spec: Spec, kind: str, options: Any, limit: int, allow_pickle: bool) -> list[str]:
    where = spec.where("data", "source")
    data = in_spec(where, lambda: SOURCES[kind].load(options, root=spec.path.parent, allow_pickle=allow_pickle))
    features = np.asarray(data.features[:limit]) if not isinstance(data.features, tuple) else None
    count = len(data)
    span = f"all {count:,} examples" if count <= limit else f"the first {limit:,} of {count:,} examples"
    lines = [f"{spec.path}: data {data.schema(kind)}; statistics over {span}"]
    if features is not None and features.ndim == 2 and features.shape[1] <= 64:
        lines.append("features:")
        for column in range(features.shape[1]):
            x = features[:, column].astype(np.float64)
            lines.append(f"  feature_{column:<3}  number    min {_g(x.min())}  mean {_g(x.mean())}  max {_g(x.max())}")
    elif features is not None:
        lines.append(
            f"features: {features.shape[1:]} per example, {features.dtype}: min {_g(features.min())},"
            f" mean {_g(features.mean())}, max {_g(features.max())}"
        )
    targets = data.targets[:limit] if not isinstance(data.targets, tuple) else None
    if targets is not None and data.classes is not None:
        lines += _balance(np.asarray(targets).reshape(-1).tolist(), "targets", data.class_names)
    elif targets is not None:
        y = np.asarray(targets, np.float64)
        lines.append(f"targets: numeric values, min {_g(y.min())}, mean {_g(y.mean())}, max {_g(y.max())}")
    return lines


def _g(value: float) -> str:
    return f"{float(value):.4g}"


def _cut(text: str, length: int = 24) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
