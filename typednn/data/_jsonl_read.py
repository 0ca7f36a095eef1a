"""Reading JSON Lines files: each line's features and label, typed as the first line fixes.

Each line is parsed with bounds (`_json_line`), and messages quote the file's values and
keys only through `_show`, cut short.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

import numpy as np

from .._errors import TypednnError
from .._words import listed
from ._csv_plan import FLOAT32_OVERFLOW, Task
from ._json_line import lines, parse
from ._paths import Location, open_binary
from ._show import names as read_names
from ._show import quoted, suggest
from ._targets import MAX_CLASSES, ClassesOption, Targets, class_count, names_option

Array = np.ndarray[Any, Any]


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shape_of(value: object) -> tuple[int, ...]:
    """The shape a nested list claims, read along its first elements."""
    shape: list[int] = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0] if value else None
    return tuple(shape)


def _flatten(value: object, shape: tuple[int, ...], at: str, out: list[float]) -> str | None:
    """Append the numbers of a nested list of `shape` to `out`; or say where it is not one."""
    if not shape:
        if not _is_number(value):
            return f"{at} is {quoted(value)}, not a number"
        # Integers are floats from here on; those past float32's range would be infinite.
        if not (math.isfinite(value) and abs(value) < FLOAT32_OVERFLOW):
            return f"{at} is {quoted(value)}, not a finite float32 number"
        out.append(float(value))
        return None
    if not isinstance(value, list) or len(value) != shape[0]:
        found = f"a list of {len(value)}" if isinstance(value, list) else quoted(value)
        return f"{at} should be a list of {shape[0]}, found {found}"
    for index, item in enumerate(value):
        problem = _flatten(item, shape[1:], f"{at}[{index}]", out)
        if problem:
            return problem
    return None


@dataclass
class Reader:
    """Reads examples line by line; the first example fixes the shapes and the label's type.

    A reader serves an input (`example` reads its `features`), an output (`target` reads
    its `label`), or both: `jsonl` with several inputs or outputs has one per each.
    """

    path: Location
    features: str | Sequence[str]
    label: str
    classes: ClassesOption
    task: Task | None
    feature_shape: tuple[int, ...] | None = None
    label_kind: str | None = None
    target_shape: tuple[int, ...] = ()

    def fail(self, line: int, what: str, hint: str | None = None) -> TypednnError:
        return TypednnError(f"{self.path}:{line}: {what}", hint=hint)

    def field(self, record: dict[str, Any], key: str, line: int) -> Any:
        if key not in record:
            raise self.fail(line, f"no key {key!r}{suggest(key, list(record))}", f"the line has {read_names(record)}")
        return record[key]

    def example(self, record: dict[str, Any], line: int) -> list[float]:
        numbers: list[float] = []
        if isinstance(self.features, str):
            value = self.field(record, self.features, line)
            if self.feature_shape is None:
                self.feature_shape = _shape_of(value) or (1,)
                if 0 in self.feature_shape:
                    raise self.fail(line, f"key {self.features!r} holds an empty list", "give every example numbers")
                if not isinstance(value, list):
                    value = [value]
            elif self.feature_shape == (1,) and not isinstance(value, list):
                value = [value]
            problem = _flatten(value, self.feature_shape, f"key {self.features!r}", numbers)
            if problem:
                raise self.fail(line, problem, f"every line's {self.features!r} has shape {self.feature_shape}")
            return numbers
        self.feature_shape = (len(self.features),)
        for key in self.features:
            problem = _flatten(self.field(record, key, line), (), f"key {key!r}", numbers)
            if problem:
                raise self.fail(line, problem)
        return numbers

    def kind(self, value: object) -> str:
        """How to read every label, from the first: `values`, `names` or `ids`."""
        if self.task == "regress":
            return "values"
        if isinstance(value, str):
            return "names"
        if self.task == "classify" or self.classes is not None:
            return "ids"
        return "values" if isinstance(value, list | float) else "ids"

    def target(self, record: dict[str, Any], line: int) -> Any:
        value = self.field(record, self.label, line)
        if self.label_kind is None:
            self.label_kind = self.kind(value)
            if self.label_kind == "values":
                self.target_shape = _shape_of(value) or (1,)
                if 0 in self.target_shape:
                    raise self.fail(line, f"key {self.label!r} holds an empty list", "give every example a target")
        at = f"key {self.label!r}"
        if self.label_kind == "values":
            numbers: list[float] = []
            problem = _flatten(value if isinstance(value, list) else [value], self.target_shape, at, numbers)
            if problem:
                raise self.fail(line, problem, f"the targets are numbers of shape {self.target_shape}")
            return numbers
        if self.label_kind == "names":
            names = names_option(self.classes, str(self.path))
            if not isinstance(value, str) or (names is not None and value not in names):
                hint = "the labels are class names" if names is None else f"the classes are {listed(names)}"
                raise self.fail(line, f"{at} is {quoted(value)}, not a class name{suggest(value, names or ())}", hint)
            return value
        limit = class_count(self.classes)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(
                line,
                f"{at} is {quoted(value)}, not a whole-number class id",
                "the labels are class ids, as the first line's is; pass task='regress' for numeric targets",
            )
        if value < 0 or value >= (limit or MAX_CLASSES):
            allowed = (
                "class ids count from 0"
                if value < 0
                else f"classes={limit} allows 0..{limit - 1}"
                if limit
                else f"class ids are below {MAX_CLASSES:,}"
            )
            raise self.fail(line, f"{at} is class id {quoted(value)}, out of range", allowed)
        return value


def count_examples(path: Location) -> int:
    """The examples (non-blank lines) of a JSON Lines file, counted without parsing them.

    Raises:
        TypednnError: for a line longer than the limit.
    """
    with open_binary(path, what="JSON Lines file") as file:
        return sum(1 for _, raw in lines(file, path) if raw.strip())


def read(
    path: Location,
    inputs: Sequence[Reader],
    outputs: Sequence[Reader],
    *,
    every_example: bool = True,
    keep: range | None = None,
) -> tuple[list[list[list[float]]], list[list[Any]]]:
    """Every line's features per input reader, and label per output reader, in one pass.

    Without `every_example`, only the first line's features are read (for their shape).
    With `keep` (one process's part), only those examples' features are converted and
    kept; every label is read (the class names are the whole file's), and the first
    line's features still fix the shape. One reader may serve as both an input and an
    output (one features key and one label).

    Raises:
        TypednnError: at the line of a problem, or for a file of no lines.
    """
    rows: list[list[list[float]]] = [[] for _ in inputs]
    targets: list[list[Any]] = [[] for _ in outputs]
    count = 0
    with open_binary(path, what="JSON Lines file") as file:
        for line, raw in lines(file, path):
            if not raw.strip():
                continue
            record = parse(raw, path, line)
            if not isinstance(record, dict):
                raise outputs[0].fail(
                    line, f"expected a JSON object ({{...}}), found {quoted(record)}", "one object per line"
                )
            wanted = every_example and (keep is None or count in keep)
            if wanted or not count:
                for found, reader in zip(rows, inputs):
                    numbers = reader.example(record, line)
                    if wanted or not every_example:
                        found.append(numbers)
            for values, reader in zip(targets, outputs):
                values.append(reader.target(record, line))
            count += 1
    if not count:
        raise TypednnError(f"{path}: no examples: the file holds no JSON lines")
    return rows, targets


def typed(reader: Reader, values: list[Any]) -> Targets:
    """The labels one reader read, typed: class ids (with the class count and names) or values."""
    if reader.label_kind == "values":
        return Targets(np.array(values, np.float32).reshape(-1, *reader.target_shape), None)
    if reader.label_kind == "ids":
        ids = np.array(values, np.int32)
        names = names_option(reader.classes, str(reader.path))
        return Targets(ids, class_count(reader.classes) or int(ids.max()) + 1, names)
    given = names_option(reader.classes, str(reader.path))
    names = given or tuple(sorted(set(values)))
    limit = class_count(reader.classes)
    if limit is not None and len(names) != limit:
        raise TypednnError(
            f"{reader.path}: {len(names)} class names ({read_names(names)}), but classes={limit}",
            hint="give the right class count, or list the names: classes=[...]",
        )
    position = {name: index for index, name in enumerate(names)}
    return Targets(np.array([position[v] for v in values], np.int32), limit or len(names), names)
