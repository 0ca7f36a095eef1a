"""CSV files: numeric feature columns and a label column, typed and checked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._shapes import Shape
from . import _cache
from ._csv_plan import Plan, Task, plan
from ._csv_read import read_arrays, read_labels
from ._dataset import Dataset
from ._paths import FilePath, default_cache
from ._schema import Schema
from ._targets import ClassesOption


def csv(
    path: FilePath,
    *,
    label: str | int | None = None,
    features: Sequence[str | int] | None = None,
    shape: Sequence[int] | None = None,
    classes: ClassesOption = None,
    task: Task | None = None,
    delimiter: str = ",",
    header: bool = True,
    encoding: str = "utf-8",
    cache: bool | FilePath = False,
) -> Dataset[Any, Any]:
    r"""A dataset from a CSV file: one example per row.

    pyarrow parses the file on every core; typednn types and checks it. Feature cells
    must be finite numbers and no cell may be empty. A file has at most 1,000,000
    columns, and lines of at most 64 Mi characters. How the label is read:

    - `classes=[names]`: class names, each mapped to its position in the list;
    - `task="regress"`: numeric targets, float32 of shape `(1,)`;
    - otherwise, as the first 1000 rows show (fewer, in a file of over 1000 columns):
      whole numbers are class ids (`0 <= id < classes`; `classes` defaults to the
      largest id + 1), text is class names (sorted, they become ids 0, 1, ...;
      `Dataset.class_names` keeps them), and other numbers are targets
      (`task="classify"` refuses them instead).

    Args:
        path: The file.
        label: The label column's name (its number, from 1, without a header); by
            default the last column.
        features: The feature columns in order; by default every column but the label.
        shape: The shape of one example's features, e.g. `[8, 8, 1]` for 64 columns;
            by default `(number of features,)`.
        classes: The number of classes, or the class names in id order.
        task: `"classify"` or `"regress"`; by default inferred from the label.
        delimiter: The field separator.
        header: Whether the first line names the columns.
        encoding: The text encoding, e.g. `"latin-1"`.
        cache: Convert the file, block by block, into memory-mapped `.npy` files kept in
            this folder (`True`: `$TYPEDNN_CACHE` or `~/.cache/typednn`), and read the
            examples from there: for files larger than memory, and for faster reloads.
            The folder must be one typednn created, or empty: typednn marks it as its
            own and deletes old entries there, so a folder of other files is refused.

    Returns:
        Features float32 `(examples, *shape)`; targets int32 class ids `(examples,)`,
        or float32 `(examples, 1)`.

    Raises:
        TypednnError: naming the file, line, column and the problem, e.g.
            `iris.csv:14:3: row 13, column 'petal_length': expected a number, found 'abc'`.

    Example:
        >>> from pathlib import Path
        >>> import tempfile
        >>> tiny_file = Path(tempfile.mkdtemp()) / "tiny.csv"
        >>> _ = tiny_file.write_text("height,width,kind\n1.0,2.5,cat\n0.5,1.5,dog\n")
        >>> data = csv(tiny_file)
        >>> data.features.tolist(), data.targets.tolist(), data.class_names
        ([[1.0, 2.5], [0.5, 1.5]], [0, 1], ('cat', 'dog'))
    """
    chosen = _plan(path, label, features, shape, classes, task, delimiter, header, encoding)
    if cache is not False:
        return _cache.cached(chosen, default_cache() if cache is True else Path(cache))
    x, found = read_arrays(chosen)
    return Dataset(x, found.values, classes=found.classes, class_names=found.class_names)


def csv_schema(
    path: FilePath,
    *,
    label: str | int | None,
    features: Sequence[str | int] | None,
    shape: Sequence[int] | None,
    classes: ClassesOption,
    task: Task | None,
    delimiter: str,
    header: bool,
    encoding: str,
    cache: bool | FilePath,
) -> Schema:
    """What `csv` gives with these options, without reading every column.

    It reads the header and first rows, and, for the class count when `classes` is not
    given, the label column alone; or the cache entry when the file is converted already.
    """
    chosen = _plan(path, label, features, shape, classes, task, delimiter, header, encoding)
    if cache is not False:
        known = _cache.cached_schema(chosen, default_cache() if cache is True else Path(cache))
        if known is not None:
            return known
    source = str(chosen.path)
    if chosen.kind == "values":
        return Schema(source, Shape(chosen.shape), None, Shape((1,)), None)
    if chosen.classes is not None:
        return Schema(source, Shape(chosen.shape), chosen.classes, None, None, chosen.class_names)
    found, examples = read_labels(chosen)
    return Schema(source, Shape(chosen.shape), found.classes, None, examples, found.class_names)


def _plan(
    path: FilePath,
    label: str | int | None,
    features: Sequence[str | int] | None,
    shape: Sequence[int] | None,
    classes: ClassesOption,
    task: Task | None,
    delimiter: str,
    header: bool,
    encoding: str,
) -> Plan:
    return plan(
        Path(path),
        label=label,
        features=features,
        shape=shape,
        classes=classes,
        task=task,
        delimiter=delimiter,
        header=header,
        encoding=encoding,
    )
