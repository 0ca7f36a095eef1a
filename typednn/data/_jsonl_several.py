"""JSON Lines keys feeding several model inputs and outputs: `jsonl(features={...}, label={...})`.

One `Reader` per input reads its key (a nested list) or keys (numbers), and one per
output reads its label key, typed as a single label is; all of them in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import TypednnError
from .._shapes import Shape
from ._by_name import INPUT, by_name, check_names, check_used_once
from ._csv_plan import Task
from ._dataset import Dataset
from ._jsonl_read import Reader, read, typed
from ._paths import Location
from ._schema import Schema, Several
from ._targets import ClassesOption

FeaturesOption = str | Sequence[str] | Mapping[str, str | Sequence[str]]
LabelOption = str | Mapping[str, str]
SeveralClasses = ClassesOption | Mapping[str, ClassesOption]
TaskOption = Task | Mapping[str, Task] | None


@dataclass(frozen=True)
class SeveralReaders:
    """How to read a JSON Lines file into several feature and target arrays.

    Attributes:
        inputs: The input names; None for one unnamed input (`features` not a dict).
        outputs: The output names; None for one unnamed output (`label` a key).
        features: One reader per input.
        labels: One reader per output.
    """

    inputs: tuple[str, ...] | None
    outputs: tuple[str, ...] | None
    features: tuple[Reader, ...]
    labels: tuple[Reader, ...]


def several_readers(
    path: Location, *, features: FeaturesOption, label: LabelOption, classes: SeveralClasses, task: TaskOption
) -> SeveralReaders:
    """The readers of each input and output, their options checked.

    Raises:
        TypednnError: for an input of no keys, a key used twice, or options keyed by
            unknown output names.
    """
    where = str(path)
    inputs = check_names(features, "features", where) if isinstance(features, Mapping) else None
    groups: list[str | Sequence[str]] = (
        [features[name] for name in features] if isinstance(features, Mapping) else [features]
    )
    roles = [f"input {name!r}" for name in inputs] if inputs else ["the features"]
    for group, role in zip(groups, roles):
        if not isinstance(group, str) and (not isinstance(group, Sequence) or not group):
            raise TypednnError(
                f"{path}: {role} lists no keys" if group == [] else f"{path}: {role} should be a key or keys",
                hint="give each input a key holding a list, or keys holding numbers: {'a': 'pos', 'b': ['u', 'v']}",
            )
    outputs = check_names(label, "label", where) if isinstance(label, Mapping) else None
    keys = list(label.values()) if isinstance(label, Mapping) else [label]
    label_roles = [f"the label of output {name!r}" for name in outputs] if outputs else ["the label"]
    check_used_once(
        [
            *(
                (key, role)
                for group, role in zip(groups, roles)
                for key in ([group] if isinstance(group, str) else group)
            ),
            *zip(keys, label_roles),
        ],
        what=f"{path}: key",
        hint="use each key once: for one input, or as one output's label",
    )
    names = outputs or tuple(keys)
    per_classes = by_name(classes, names, option_name="classes", role="outputs", where=where)
    per_task = by_name(task, names, option_name="task", role="outputs", where=where)
    return SeveralReaders(
        inputs,
        outputs,
        tuple(Reader(path, group, "", None, None) for group in groups),
        tuple(Reader(path, (), key, option, kind) for key, option, kind in zip(keys, per_classes, per_task)),
    )


def several_dataset(readers: SeveralReaders) -> Dataset[Any, Any]:
    """The dataset: a tuple of arrays (with names) for several inputs or outputs, one array otherwise."""
    rows, values = read(readers.labels[0].path, readers.features, readers.labels)
    xs = [np.array(found, np.float32).reshape(-1, *(r.feature_shape or ())) for found, r in zip(rows, readers.features)]
    ys = [typed(reader, found) for reader, found in zip(readers.labels, values)]
    if readers.outputs is None:
        y = ys[0]
        return Dataset(tuple(xs), y.values, classes=y.classes, class_names=y.class_names, feature_names=readers.inputs)
    return Dataset(
        tuple(xs) if readers.inputs is not None else xs[0],
        tuple(y.values for y in ys),
        classes=tuple(y.classes for y in ys),
        class_names=tuple(y.class_names for y in ys),
        feature_names=readers.inputs,
        target_names=readers.outputs,
    )


def several_schema(readers: SeveralReaders) -> Schema:
    """The schema: the first line's feature shapes, and every line's labels (for the class counts)."""
    _, values = read(readers.labels[0].path, readers.features, readers.labels, every_example=False)
    ys = [typed(reader, found) for reader, found in zip(readers.labels, values)]
    shapes = tuple(Shape(reader.feature_shape or ()) for reader in readers.features)
    targets = tuple(None if y.classes is not None else Shape(r.target_shape) for r, y in zip(readers.labels, ys))
    classes = tuple(y.classes for y in ys)
    # One label key is named by itself: the model's output must be named so in a spec.
    several = Several(
        readers.inputs or (INPUT,),
        shapes,
        readers.outputs or (readers.labels[0].label,),
        targets,
        classes,
    )
    first = ys[0]
    return Schema(
        str(readers.labels[0].path), shapes[0], first.classes, targets[0], len(values[0]), first.class_names, several
    )
