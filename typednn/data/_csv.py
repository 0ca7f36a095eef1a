"""CSV files: numeric feature columns and a label column, typed and checked."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._errors import TypednnError
from .._shapes import Shape
from . import _cache
from ._by_name import one_value
from ._csv_part import byte_lines, read_part
from ._csv_plan import Plan, plan
from ._csv_read import read_arrays, read_labels
from ._csv_several import (
    FeaturesOption,
    LabelOption,
    SeveralClasses,
    SeveralPlan,
    ShapeOption,
    TaskOption,
    is_several,
    plan_several,
    several_dataset,
    several_schema,
)
from ._csv_text import downloaded
from ._dataset import Dataset
from ._paths import FilePath, default_cache, is_url, location
from ._schema import Schema
from ._shard import Shard, rows
from ._shard_read import marked, rows_of, shard_option, sharded


def csv(
    path: FilePath,
    *,
    label: LabelOption = None,
    features: FeaturesOption = None,
    shape: ShapeOption = None,
    classes: SeveralClasses = None,
    task: TaskOption = None,
    delimiter: str = ",",
    header: bool = True,
    encoding: str = "utf-8",
    cache: bool | FilePath = False,
    shard: Shard | None = None,
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

    For a model with several inputs or outputs, `features` maps each input name to its
    columns and `label` each output name to its column: the dataset then holds a tuple
    of arrays with those names, which the trainer matches with the model's (a list of
    features is the input named `input`; one label column, the output named as the
    column). Each label column is typed as a single label is, and `shape`, `classes`
    and `task` may be dicts by input or output name. The file is read in one pass;
    `cache=` is not supported then. Every feature column is a number: a text column
    feeding a token input (tokenisation) is not read by this source.

    Args:
        path: The file, or a URL (`https://`, `s3://`, `memory://`, ...: see docs/data.md,
            "Remote files"; an `http(s)://` file is downloaded once per call).
        label: The label column's name (its number, from 1, without a header); by
            default the last column. Or a dict: output name -> its column.
        features: The feature columns in order; by default every column but the label.
            Or a dict: input name -> its columns, e.g. `{"numbers": ["a", "b"], "extra": ["c"]}`.
        shape: The shape of one example's features, e.g. `[8, 8, 1]` for 64 columns;
            by default `(number of features,)`. With inputs by name, a dict of shapes.
        classes: The number of classes, or the class names in id order; with outputs by
            name, one value for all or a dict by output name (those it leaves out: inferred).
        task: `"classify"` or `"regress"`; by default inferred from the label. With
            outputs by name, one value for all or a dict by output name.
        delimiter: The field separator.
        header: Whether the first line names the columns.
        encoding: The text encoding, e.g. `"latin-1"`.
        cache: Convert the file, block by block, into memory-mapped `.npy` files kept in
            this folder (`True`: `$TYPEDNN_CACHE` or `~/.cache/typednn`), and read the
            examples from there: for files larger than memory, and for faster reloads.
            The folder must be one typednn created, or empty: typednn marks it as its
            own and deletes old entries there, so a folder of other files is refused.
            Refused for a URL: entries are keyed by a local file's path, size and time.
        shard: `(index, count)`: only this process's part of the examples, exactly
            `csv(path, ...).shard(index, count)`. The label column is read for every row
            (the class ids and names are the whole file's) and the text scanned for its
            records, but only the part's rows are converted to numbers and kept; with
            `cache=`, the memory-mapped entry is cut to the part's rows (every process
            converts, or finds, the same entry). Inputs or outputs by name (dicts), and
            UTF-16/32 text, are read whole and cut. Never a spec option: `typednn train`
            sets it per process.

    Returns:
        Features float32 `(examples, *shape)`; targets int32 class ids `(examples,)`,
        or float32 `(examples, 1)`.

    Raises:
        TypednnError: naming the file, line, column and the problem, e.g.
            `iris.csv:14:3: row 13, column 'petal_length': expected a number, found 'abc'`;
            or a column used by two inputs (or as a feature and a label), an input of no
            columns, a dict keyed by an unknown output name; a bad `shard`.

    Example:
        >>> from pathlib import Path
        >>> import tempfile
        >>> tiny_file = Path(tempfile.mkdtemp()) / "tiny.csv"
        >>> _ = tiny_file.write_text("height,width,kind\n1.0,2.5,cat\n0.5,1.5,dog\n")
        >>> data = csv(tiny_file)
        >>> data.features.tolist(), data.targets.tolist(), data.class_names
        ([[1.0, 2.5], [0.5, 1.5]], [0, 1], ('cat', 'dog'))
        >>> two = csv(tiny_file, features={"h": ["height"], "w": ["width"]}, label={"kind": "kind"})
        >>> two.feature_shapes, two.feature_names, two.target_names, two.target_class_names
        (((1,), (1,)), ('h', 'w'), ('kind',), (('cat', 'dog'),))
    """
    part = shard_option(shard)
    _local_cache(path, cache)
    with downloaded(location(path)):
        if is_several(features, label):
            return sharded(
                several_dataset(
                    _several(path, label, features, shape, classes, task, delimiter, header, encoding, cache)
                ),
                part,
            )
        chosen = _plan(path, label, features, shape, classes, task, delimiter, header, encoding)
        if cache is not False:
            whole = _cache.cached(chosen, default_cache() if cache is True else Path(cache))
            return whole if part is None else _cut(whole, part)
        if part is not None and chosen.label is not None and byte_lines(chosen.encoding):
            return read_part(chosen, part)
        x, found = read_arrays(chosen)
    return sharded(Dataset(x, found.values, classes=found.classes, class_names=found.class_names), part)


def _cut(whole: Dataset[Any, Any], shard: Shard) -> Dataset[Any, Any]:
    """The part `shard` of a memory-mapped cache entry's dataset: views of its rows alone."""
    span = rows(shard, len(whole))
    part: Dataset[Any, Any] = Dataset(
        rows_of(whole.features, span),
        rows_of(whole.targets, span),
        classes=whole.classes,
        class_names=whole.class_names,
    )
    return marked(part, shard, len(whole))


def csv_schema(
    path: FilePath,
    *,
    label: LabelOption,
    features: FeaturesOption,
    shape: ShapeOption,
    classes: SeveralClasses,
    task: TaskOption,
    delimiter: str,
    header: bool,
    encoding: str,
    cache: bool | FilePath,
    shard: Shard | None = None,
) -> Schema:
    """What `csv` gives with these options, without reading every column.

    It reads the header and first rows, and, for the class count when `classes` is not
    given, the label column alone; or the cache entry when the file is converted already.
    With `shard`, the example count (when known) is the part's.
    """
    part = shard_option(shard)
    if part is not None:
        whole = csv_schema(
            path,
            label=label,
            features=features,
            shape=shape,
            classes=classes,
            task=task,
            delimiter=delimiter,
            header=header,
            encoding=encoding,
            cache=cache,
        )
        if whole.examples is None:
            return whole
        return dataclasses.replace(whole, examples=len(rows(part, whole.examples)))
    _local_cache(path, cache)
    with downloaded(location(path)):
        if is_several(features, label):
            return several_schema(
                _several(path, label, features, shape, classes, task, delimiter, header, encoding, cache)
            )
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


def _local_cache(path: FilePath, cache: bool | FilePath) -> None:
    """Refuse `cache=` for a URL: a cache entry is keyed by a local file's identity (path, size, time)."""
    if cache is not False and is_url(path):
        raise TypednnError(
            f"{path}: cache= converts local files only: a cache entry is keyed by the file's path,"
            " size and modification time",
            hint="download the file and pass its local path, or leave cache= out (the file is read into memory)",
        )


def _several(
    path: FilePath,
    label: LabelOption,
    features: FeaturesOption,
    shape: ShapeOption,
    classes: SeveralClasses,
    task: TaskOption,
    delimiter: str,
    header: bool,
    encoding: str,
    cache: bool | FilePath,
) -> SeveralPlan:
    if cache is not False:
        raise TypednnError(
            f"{path}: cache= does not yet convert a file read into several inputs or outputs",
            hint="leave cache= out: the file is read into memory",
        )
    return plan_several(
        location(path),
        features=features,
        label=label,
        shape=shape,
        classes=classes,
        task=task,
        delimiter=delimiter,
        header=header,
        encoding=encoding,
    )


def _plan(
    path: FilePath,
    label: LabelOption,
    features: FeaturesOption,
    shape: ShapeOption,
    classes: SeveralClasses,
    task: TaskOption,
    delimiter: str,
    header: bool,
    encoding: str,
) -> Plan:
    if isinstance(label, Mapping) or isinstance(features, Mapping):
        raise AssertionError("read by plan_several")  # `csv` and `csv_schema` send these there
    return plan(
        location(path),
        label=label,
        features=features,
        shape=one_value(shape, "shape", path),
        classes=one_value(classes, "classes", path),
        task=one_value(task, "task", path),
        delimiter=delimiter,
        header=header,
        encoding=encoding,
    )
