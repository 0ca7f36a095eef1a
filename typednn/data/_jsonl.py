"""JSON Lines files: one JSON object per line, its features under a key or several keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._shapes import Shape
from ._by_name import one_value
from ._dataset import Dataset
from ._jsonl_read import Reader, count_examples, read, typed
from ._jsonl_several import (
    FeaturesOption,
    LabelOption,
    SeveralClasses,
    SeveralReaders,
    TaskOption,
    several_dataset,
    several_readers,
    several_schema,
)
from ._paths import FilePath, location
from ._schema import Schema
from ._shard import Shard, rows
from ._shard_read import marked, rows_of, shard_option, sharded


def jsonl(
    path: FilePath,
    *,
    features: FeaturesOption = "x",
    label: LabelOption = "y",
    classes: SeveralClasses = None,
    task: TaskOption = None,
    shard: Shard | None = None,
) -> Dataset[Any, Any]:
    r"""A dataset from a JSON Lines file: one object per line, e.g. `{"x": [[0, 1], [1, 0]], "y": 1}`.

    The first line fixes the feature shape and how the label is read: a whole number is
    a class id, text a class name (sorted names become ids), any other number or a
    (nested) list of numbers a target; `classes` and `task` override as in `csv`. A line
    nests lists and objects at most 64 deep, and its integers have at most 100 digits.

    For a model with several inputs or outputs, `features` maps each input name to its
    key (or keys) and `label` each output name to its key: the dataset then holds a
    tuple of arrays with those names, which the trainer matches with the model's (one
    features key is the input named `input`; one label key, the output named as the
    key). Each label is typed as a single label is, and `classes` and `task` may be
    dicts by output name. The file is read in one pass. Features are numbers: text
    feeding a token input (tokenisation) is not read by this source.

    Args:
        path: The file (UTF-8), or a URL of an installed fsspec filesystem (`s3://...`, `https://...`).
        features: The key holding each example's features, a number or a nested list
            of numbers of one shape for every line; or several keys each holding a number.
            Or a dict: input name -> such a key or keys, e.g. `{"image": "pixels", "meta": ["u", "v"]}`.
        label: The key holding the label; or a dict: output name -> its key.
        classes: The number of classes, or the class names in id order; with outputs by
            name, one value for all or a dict by output name (those it leaves out: inferred).
        task: `"classify"` or `"regress"`; by default inferred from the first label. With
            outputs by name, one value for all or a dict by output name.
        shard: `(index, count)`: only this process's part of the examples, exactly
            `jsonl(path, ...).shard(index, count)`. The lines are counted first (a scan
            of the text); every line is parsed for its label (the class names are the
            whole file's), but only the part's features are converted and kept. Inputs
            or outputs by name (dicts) are read whole and cut. Never a spec option:
            `typednn train` sets it per process.

    Raises:
        TypednnError: naming the line (and key) of invalid JSON, a missing key, a ragged
            or non-numeric list, or a label of the wrong type or out of range; or a key
            used by two inputs (or as a feature and a label), an input of no keys, a dict
            keyed by an unknown output name.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> tiny_file = Path(tempfile.mkdtemp()) / "tiny.jsonl"
        >>> _ = tiny_file.write_text('{"x": [1, 2], "y": "cat"}\n{"x": [3, 4], "y": "dog"}\n')
        >>> data = jsonl(tiny_file)
        >>> data.features.shape, data.targets.tolist(), data.class_names
        ((2, 2), [0, 1], ('cat', 'dog'))
        >>> two = jsonl(tiny_file, features={"a": "x"}, label={"kind": "y"})
        >>> two.feature_shapes, two.feature_names, two.target_names, two.target_classes
        (((2,),), ('a',), ('kind',), (2,))
    """
    part = shard_option(shard)
    if isinstance(features, Mapping) or isinstance(label, Mapping):
        return sharded(several_dataset(_several(path, features, label, classes, task)), part)
    reader = Reader(location(path), features, label, one_value(classes, "classes", path), one_value(task, "task", path))
    span = None if part is None else rows(part, count_examples(reader.path))
    (examples,), (values,) = read(reader.path, [reader], [reader], keep=span)
    assert reader.feature_shape is not None
    found = typed(reader, values)
    x = np.array(examples, np.float32).reshape(-1, *reader.feature_shape)
    if part is None or span is None:
        return Dataset(x, found.values, classes=found.classes, class_names=found.class_names)
    data: Dataset[Any, Any] = Dataset(
        x, rows_of(found.values, span), classes=found.classes, class_names=found.class_names
    )
    return marked(data, part, len(values))


def jsonl_schema(
    path: FilePath,
    *,
    features: FeaturesOption,
    label: LabelOption,
    classes: SeveralClasses,
    task: TaskOption,
    shard: Shard | None = None,
) -> Schema:
    """What `jsonl` gives: the first line's shapes, and every line's label (for the class count).

    With `shard`, the example count is the part's.
    """
    part = shard_option(shard)
    if part is not None:
        whole = jsonl_schema(path, features=features, label=label, classes=classes, task=task)
        return dataclasses.replace(whole, examples=len(rows(part, whole.examples or 0)))
    if isinstance(features, Mapping) or isinstance(label, Mapping):
        return several_schema(_several(path, features, label, classes, task))
    reader = Reader(location(path), features, label, one_value(classes, "classes", path), one_value(task, "task", path))
    _, (values,) = read(reader.path, [reader], [reader], every_example=False)
    found = typed(reader, values)
    target = None if found.classes is not None else Shape(reader.target_shape)
    return Schema(str(path), Shape(reader.feature_shape or ()), found.classes, target, len(values), found.class_names)


def _several(
    path: FilePath, features: FeaturesOption, label: LabelOption, classes: SeveralClasses, task: TaskOption
) -> SeveralReaders:
    return several_readers(location(path), features=features, label=label, classes=classes, task=task)
