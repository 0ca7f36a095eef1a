"""Parquet and Arrow IPC (Feather v2) files: numeric feature columns and a label column.

Both read through `pyarrow.dataset` (`_table`): only the named columns, streamed by
record batch into one float32 array, from a file or a folder of hive partitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._shapes import Shape
from ._columnar import Table, Task, open_table, plan_table, read_features, read_label
from ._dataset import Dataset
from ._paths import FilePath
from ._schema import Schema
from ._shard import Shard, rows
from ._shard_read import marked, rows_of, shard_option
from ._targets import ClassesOption, class_count, names_option


def parquet(
    path: FilePath,
    *,
    label: str | None = None,
    features: Sequence[str] | None = None,
    shape: Sequence[int] | None = None,
    classes: ClassesOption = None,
    task: Task | None = None,
    shard: Shard | None = None,
) -> Dataset[Any, Any]:
    """A dataset from a Parquet file, or a folder of them: one example per row.

    Only the feature and label columns are read, a record batch at a time, into one
    float32 array sized from the files' metadata. A folder may hold hive partitions
    (`year=2024/part-0.parquet`): each `key=value` becomes a column, which can be the
    label or a feature. Feature columns are numbers (integers, floats, booleans,
    decimals) or fixed-size lists of numbers (a vector per row); no value may be null,
    NaN or infinite. The label is read as `csv` reads it: integers are class ids
    (`0 <= id < classes`), text is class names (sorted, they become ids 0, 1, ...), and
    floats are targets of shape `(1,)`; `classes` and `task` override. The path may be
    a URL (`s3://`, `gs://`, `memory://`, ...) of an installed fsspec filesystem.

    Args:
        path: The file, or a folder of files.
        label: The label column; by default the last column (a folder's partition
            keys come after the files' columns).
        features: The feature columns in order; by default every column but the label.
        shape: The shape of one example's features, e.g. `[8, 8, 1]` for 64 numbers; by
            default `(number of features,)`, or a single list column's own shape.
        classes: The number of classes, or the class names in id order.
        task: `"classify"` or `"regress"`; by default inferred from the label's type.
        shard: `(index, count)`: only this process's part of the examples, exactly
            the whole dataset's `.shard(index, count)`; only the row groups (Parquet)
            or files (Arrow) overlapping its rows are read, and only its rows converted.
            The label column is read whole (the class count is the whole data's). Never
            a spec option: `typednn train` sets it per process.

    Returns:
        Features float32 `(examples, *shape)`; targets int32 class ids `(examples,)`,
        or float32 `(examples, 1)`.

    Raises:
        TypednnError: naming the file and column: an unknown column, a feature column
            that is text or nested (with its Arrow type), a null (with its row), a
            class id out of range, or a file pyarrow cannot read; a bad `shard`.

    Example:
        >>> import tempfile
        >>> import pyarrow as pa, pyarrow.parquet as pq
        >>> tiny_file = tempfile.mkdtemp() + "/tiny.parquet"
        >>> pq.write_table(pa.table({"h": [1.0, 0.5], "w": [2.5, 1.5], "kind": ["dog", "cat"]}), tiny_file)
        >>> data = parquet(tiny_file)
        >>> data.features.tolist(), data.targets.tolist(), data.class_names
        ([[1.0, 2.5], [0.5, 1.5]], [1, 0], ('cat', 'dog'))
    """
    return _load(open_table(path, "parquet"), label, features, shape, classes, task, shard)


def parquet_schema(
    path: FilePath,
    *,
    label: str | None,
    features: Sequence[str] | None,
    shape: Sequence[int] | None,
    classes: ClassesOption,
    task: Task | None,
    shard: Shard | None = None,
) -> Schema:
    """What `parquet` gives, from the files' schema and metadata (the row count).

    The class count and names, when `classes` does not give them, take a read of the
    label column alone.
    """
    return _schema(open_table(path, "parquet"), label, features, shape, classes, task, shard)


def arrow(
    path: FilePath,
    *,
    label: str | None = None,
    features: Sequence[str] | None = None,
    shape: Sequence[int] | None = None,
    classes: ClassesOption = None,
    task: Task | None = None,
    shard: Shard | None = None,
) -> Dataset[Any, Any]:
    """A dataset from an Arrow IPC file (Feather v2, `.arrow`, `.feather`), or a folder of them.

    Read as `parquet` reads a Parquet file: the same options, columns and checks.

    Args:
        path: The file, or a folder of files.
        label: The label column; by default the last column.
        features: The feature columns in order; by default every column but the label.
        shape: The shape of one example's features; by default `(number of features,)`.
        classes: The number of classes, or the class names in id order.
        task: `"classify"` or `"regress"`; by default inferred from the label's type.
        shard: `(index, count)`: only this process's part of the examples, exactly
            the whole dataset's `.shard(index, count)`; only the row groups (Parquet)
            or files (Arrow) overlapping its rows are read, and only its rows converted.
            The label column is read whole (the class count is the whole data's). Never
            a spec option: `typednn train` sets it per process.

    Returns:
        Features float32 `(examples, *shape)`; targets int32 class ids `(examples,)`,
        or float32 `(examples, 1)`.

    Raises:
        TypednnError: as `parquet` does.

    Example:
        >>> import tempfile
        >>> import pyarrow as pa, pyarrow.feather as feather
        >>> tiny_file = tempfile.mkdtemp() + "/tiny.feather"
        >>> feather.write_feather(pa.table({"x": [1, 2, 3], "y": [0, 1, 1]}), tiny_file)
        >>> data = arrow(tiny_file)
        >>> data.features.tolist(), data.targets.tolist(), data.classes
        ([[1.0], [2.0], [3.0]], [0, 1, 1], 2)
    """
    return _load(open_table(path, "arrow"), label, features, shape, classes, task, shard)


def arrow_schema(
    path: FilePath,
    *,
    label: str | None,
    features: Sequence[str] | None,
    shape: Sequence[int] | None,
    classes: ClassesOption,
    task: Task | None,
    shard: Shard | None = None,
) -> Schema:
    """What `arrow` gives, from the files' schema and row count (see `parquet_schema`)."""
    return _schema(open_table(path, "arrow"), label, features, shape, classes, task, shard)


def _load(
    table: Table,
    label: str | None,
    features: Sequence[str] | None,
    shape: Sequence[int] | None,
    classes: ClassesOption,
    task: Task | None,
    shard: Shard | None,
) -> Dataset[Any, Any]:
    part = shard_option(shard)
    plan = plan_table(table, label=label, features=features, shape=shape, task=task)
    found = read_label(plan, classes)
    if part is None:
        x = read_features(plan)
        return Dataset(x, found.values, classes=found.classes, class_names=found.class_names)
    span = rows(part, table.rows)
    x = read_features(plan, span)
    data: Dataset[Any, Any] = Dataset(
        x, rows_of(found.values, span), classes=found.classes, class_names=found.class_names
    )
    return marked(data, part, table.rows)


def _schema(
    table: Table,
    label: str | None,
    features: Sequence[str] | None,
    shape: Sequence[int] | None,
    classes: ClassesOption,
    task: Task | None,
    shard: Shard | None,
) -> Schema:
    part = shard_option(shard)
    plan = plan_table(table, label=label, features=features, shape=shape, task=task)
    examples = table.rows if part is None else len(rows(part, table.rows))
    if plan.label_kind == "values":
        return Schema(table.where, Shape(plan.shape), None, Shape((1,)), examples)
    if classes is not None and (plan.label_kind == "ids" or not isinstance(classes, int)):
        # What the column holds is given: no need to read it (loading checks every row against it).
        names = names_option(classes, table.where)
        return Schema(table.where, Shape(plan.shape), class_count(classes), None, examples, names)
    found = read_label(plan, classes)
    return Schema(table.where, Shape(plan.shape), found.classes, None, examples, found.class_names)
