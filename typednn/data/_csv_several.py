"""CSV columns feeding several model inputs and outputs: `csv(features={...}, label={...})`.

Each output's label column gets its own `Plan` (read from the one sample of the file's
head), typed exactly as a single label is; every plan lists all the feature columns, in
input order, so `check_row` and `diagnose` judge a row as the single-label reader does.
pyarrow then converts the feature columns and every label column in one pass.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from .._errors import TypednnError
from .._shapes import Shape
from ._by_name import INPUT, by_name, check_names, check_used_once
from ._csv_plan import Plan, Task, column, head, plan
from ._csv_read import LABEL_DTYPES, LABEL_TYPES, Labels, column_options, numbers_of, reading
from ._csv_text import open_csv
from ._dataset import Dataset
from ._paths import Location
from ._schema import Schema, Several
from ._targets import ClassesOption, Targets

Array = np.ndarray[Any, Any]
Columns = Sequence[str | int]
FeaturesOption = Columns | Mapping[str, Columns] | None
LabelOption = str | int | Mapping[str, str | int] | None
ShapeOption = Sequence[int] | Mapping[str, Sequence[int]] | None
SeveralClasses = ClassesOption | Mapping[str, ClassesOption]
TaskOption = Task | Mapping[str, Task] | None
USE_ONCE = "use each column once: for one input, or as one output's label"


def is_several(features: object, label: object) -> bool:
    """Whether the options name inputs or outputs (a dict), rather than one feature array and one label."""
    return isinstance(features, Mapping) or isinstance(label, Mapping)


@dataclass(frozen=True)
class SeveralPlan:
    """How to read a CSV file into several feature and target arrays.

    Attributes:
        inputs: The input names; None for one unnamed input (`features` a list).
        spans: Each input's positions among the feature columns (as read, in input order).
        shapes: Each input's shape of one example.
        outputs: The output names; None for one unnamed output (`label` a column).
        labels: One plan per output, whose label is that output's column.
    """

    inputs: tuple[str, ...] | None
    spans: tuple[tuple[int, ...], ...]
    shapes: tuple[tuple[int, ...], ...]
    outputs: tuple[str, ...] | None
    labels: tuple[Plan, ...]

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.inputs or (INPUT,)

    @property
    def target_names(self) -> tuple[str, ...]:
        # One label column is named by itself: the model's output must be named so in a spec.
        return self.outputs or (str(self.labels[0].label_name),)


def plan_several(
    path: Location,
    *,
    features: FeaturesOption,
    label: LabelOption,
    shape: ShapeOption,
    classes: SeveralClasses,
    task: TaskOption,
    delimiter: str,
    header: bool,
    encoding: str,
) -> SeveralPlan:
    """Read the header and the first rows once, and plan each input and each output.

    Raises:
        TypednnError: for an unknown column (with the closest name), a column used
            twice, an input with no columns, a shape that does not fit, options keyed
            by unknown names, or a bad row among the first rows.
    """
    read = head(path, header=header, delimiter=delimiter, encoding=encoding)
    columns = read[1]
    positions = {name: index for index, name in enumerate(columns)}
    outputs = check_names(label, "label", str(path)) if isinstance(label, Mapping) else None
    wanted: Sequence[str | int | None] = list(label.values()) if isinstance(label, Mapping) else [label]
    label_roles = [f"label of output {name!r}" for name in outputs] if outputs else ["label"]
    label_columns = [
        columns[-1] if wanted_column is None else columns[column(positions, columns, wanted_column, role, path)]
        for wanted_column, role in zip(wanted, label_roles)
    ]
    inputs = check_names(features, "features", str(path)) if isinstance(features, Mapping) else None
    groups: list[list[str | int]]
    if isinstance(features, Mapping):
        groups = [_group(features[name], f"input {name!r}", path) for name in features]
    elif features is not None:
        groups = [_group(features, "features", path)]
    else:  # every column but the labels, as for one label
        labelled = set(label_columns)
        groups = [[name for name in columns if name not in labelled]]
    roles = [f"input {name!r}" for name in inputs] if inputs else ["features"]
    feature_columns = [
        [columns[column(positions, columns, name, role, path)] for name in group] for group, role in zip(groups, roles)
    ]
    check_used_once(
        [
            *((name, role) for names, role in zip(feature_columns, roles) for name in names),
            *((name, f"the {role}") for name, role in zip(label_columns, label_roles)),
        ],
        what=f"{path}: column",
        hint=USE_ONCE,
    )
    every = [name for names in feature_columns for name in names]
    if not every:
        raise TypednnError(f"{path}: no feature columns besides the labels", hint="list them in features=")
    shapes = _shapes(path, shape, inputs, [len(names) for names in feature_columns])
    names = outputs or ("the label",)
    per_classes = by_name(classes, names, option_name="classes", role="outputs", where=str(path))
    per_task = by_name(task, names, option_name="task", role="outputs", where=str(path))
    labels = tuple(
        plan(
            path,
            label=name,
            features=every,
            shape=None,
            classes=option,
            task=kind,
            delimiter=delimiter,
            header=header,
            encoding=encoding,
            read=read,
        )
        for name, option, kind in zip(label_columns, per_classes, per_task)
    )
    starts = np.cumsum([0, *(len(names) for names in feature_columns)]).tolist()
    spans = tuple(tuple(range(start, start + len(names))) for start, names in zip(starts, feature_columns))
    return SeveralPlan(inputs, spans, shapes, outputs, labels)


def _group(value: object, what: str, path: Location) -> list[str | int]:
    """One input's columns: a list (or one column name), not empty."""
    group = [value] if isinstance(value, str | int) else list(value) if isinstance(value, Sequence) else None
    if not group:
        raise TypednnError(
            f"{path}: {what} lists no columns" if group == [] else f"{path}: {what} should list columns, not {value!r}",
            hint="give each input one or more columns, e.g. features={'numbers': ['a', 'b'], 'extra': ['c']}",
        )
    return group


def _shapes(
    path: Location, shape: ShapeOption, inputs: tuple[str, ...] | None, counts: list[int]
) -> tuple[tuple[int, ...], ...]:
    """Each input's example shape: as `shape=` gives it (a dict by input name), or flat."""
    if isinstance(shape, Mapping) and inputs is None:
        raise TypednnError(f"{path}: shape= is a dict, but features= names no inputs", hint="give one shape: [8, 8, 1]")
    if shape is not None and not isinstance(shape, Mapping) and inputs is not None:
        raise TypednnError(
            f"{path}: shape={list(shape)} is one shape, but features= names {len(inputs)} inputs",
            hint="give a shape per input by name: shape={'numbers': [2, 2]}",
        )
    given = by_name(shape, inputs or (INPUT,), option_name="shape", role="inputs", where=str(path))
    found = []
    for name, option, count in zip([f"input {n!r}" for n in inputs] if inputs else ["the features"], given, counts):
        sizes: object = option  # callers without mypy pass anything
        if sizes is not None and (
            isinstance(sizes, (str, bytes, Mapping))
            or not isinstance(sizes, Sequence)
            or not all(isinstance(d, int) and not isinstance(d, bool) for d in sizes)
        ):
            raise TypednnError(
                f"{path}: the shape of {name} must be a list of ints, not {sizes!r}",
                hint="e.g. shape={'numbers': [2, 2]}",
            )
        example = (count,) if option is None else tuple(int(d) for d in option)
        if math.prod(example) != count or any(d < 1 for d in example):
            raise TypednnError(
                f"{path}: shape {list(example)} of {name} holds {math.prod(example)} values per example,"
                f" but it has {count} columns",
                hint="give a shape whose sizes multiply to the number of the input's columns",
            )
        found.append(example)
    return tuple(found)


def _labels_table(chosen: SeveralPlan, outputs: Sequence[Plan], *, with_features: bool) -> Any:
    """One pyarrow pass over the file: the feature columns (if asked) and `outputs`' label columns."""
    base = chosen.labels[0]
    types: dict[str, Any] = dict.fromkeys(base.feature_names, pa.float32()) if with_features else {}
    types.update({str(p.label_name): LABEL_TYPES[p.kind] for p in outputs})
    with open_csv(base.path) as file:
        return pcsv.read_csv(file, **column_options(base, types, block_size=None))


def read_several(chosen: SeveralPlan) -> tuple[list[Array], list[Targets]]:
    """The whole file in memory: each input's features float32 `(examples, *shape)`, each output's targets.

    Raises:
        TypednnError: naming the first bad row.
    """
    labels = [Labels(p) for p in chosen.labels]
    count = len(chosen.labels[0].features)
    with reading(chosen.labels):
        table = _labels_table(chosen, chosen.labels, with_features=True)
        rows = table.num_rows
        xs = [np.empty((rows, *shape), np.float32) for shape in chosen.shapes]
        ys = [np.empty((rows, 1) if p.kind == "values" else rows, LABEL_DTYPES[p.kind]) for p in chosen.labels]
        start = 0
        for batch in table.to_batches():
            stop = start + batch.num_rows
            for x, span, shape in zip(xs, chosen.spans, chosen.shapes):
                x[start:stop] = numbers_of(batch, span, shape)
            for index, (y, typed) in enumerate(zip(ys, labels)):
                y[start:stop] = typed.block(batch.column(count + index))
            start = stop
        del table
    targets = []
    for y, typed in zip(ys, labels):
        found, remap = typed.finish()
        targets.append(Targets(y if remap is None else remap[y], found.classes, found.class_names))
    return xs, targets


def several_dataset(chosen: SeveralPlan) -> Dataset[Any, Any]:
    """The dataset: a tuple of arrays (with names) for several inputs or outputs, one array otherwise."""
    xs, ys = read_several(chosen)
    classes = tuple(y.classes for y in ys)
    class_names = tuple(y.class_names for y in ys)
    if chosen.outputs is None:
        return Dataset(
            tuple(xs), ys[0].values, classes=classes[0], class_names=class_names[0], feature_names=chosen.inputs
        )
    return Dataset(
        tuple(xs) if chosen.inputs is not None else xs[0],
        tuple(y.values for y in ys),
        classes=classes,
        class_names=class_names,
        feature_names=chosen.inputs,
        target_names=chosen.outputs,
    )


def several_schema(chosen: SeveralPlan) -> Schema:
    """The schema, from the head; the label columns whose class count is inferred are read in one pass."""
    unknown = [p for p in chosen.labels if p.kind != "values" and p.classes is None]
    examples = None
    found: dict[int, Targets] = {}
    if unknown:
        labels = [Labels(p) for p in unknown]
        with reading(chosen.labels):
            table = _labels_table(chosen, unknown, with_features=False)
            for batch in table.to_batches():
                for index, typed in enumerate(labels):
                    typed.block(batch.column(index))
        examples = table.num_rows
        found = {id(p): typed.finish()[0] for p, typed in zip(unknown, labels)}
    classes: list[int | None] = []
    names: list[tuple[str, ...] | None] = []
    for p in chosen.labels:
        known = found.get(id(p))
        classes.append(known.classes if known else p.classes)
        names.append(known.class_names if known else p.class_names)
    targets = tuple(Shape((1,)) if p.kind == "values" else None for p in chosen.labels)
    shapes = tuple(Shape(s) for s in chosen.shapes)
    several = Several(chosen.feature_names, shapes, chosen.target_names, targets, tuple(classes))
    source = str(chosen.labels[0].path)
    return Schema(source, shapes[0], classes[0], targets[0], examples, names[0], several)
