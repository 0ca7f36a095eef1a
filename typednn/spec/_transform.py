"""A spec's `data.transform` section, read: each column's transforms, and the csv options they allow.

::

    data:
      source: {csv: {path: heart.csv, label: target}}
      transform:
        age: standardize                                   # one transform
        chol: [{clip: {low: 0, high: 600}}, log, standardize]  # several, in order
        thal: {one_hot: {max_tokens: 10}}                  # with options
        ca: {hashing: 8}                                   # the one option a kind requires
        sex: null                                          # a number taken as it is
      split: {validation: 0.2}

Each entry is written as a layer is, and its options are the constructor's parameters
(`tn.data.transforms.one_hot(*, max_tokens, oov)`): `typednn.data.transforms._kinds`
lists the kinds, `_schema.transform_kinds` derives their options models, so nothing
is stated twice.

The source stays `csv` (or `parquet`, `arrow`, `jsonl`: `table` reads those too, their
columns typed as stored): with a transform section, the file's columns are read raw
(`tn.data.table`: text kept, for the categorical transforms) rather than as numeric
features, and the transform section, not `features`, says which columns the model
reads. One name for one kind of file, whatever the preprocessing: a `table` source
would read the same files with a subset of csv's options, and `SOURCES` holds loaders
that make a `Dataset`, which raw columns are not until the transforms are fitted.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from .._errors import TypednnError, all_errors
from ..data._csv import csv
from ..data._jsonl import jsonl
from ..data._parquet import arrow, parquet
from ..data._paths import is_url
from ..data._raw_table import table
from ..data.transforms import Columns, Transform
from ..data.transforms._kinds import CONSTRUCTORS
from ._schema import source_kinds, transform_kinds
from ._text import Document, Path

SECTION: Path = ("data", "transform")

_TABLE = frozenset(inspect.signature(table).parameters)
"""The csv options a raw read takes (path, label, classes, task, delimiter, encoding)."""
_NOT_WITH = {
    "features": "the transform section lists the columns the model reads, in order",
    "shape": "the transforms decide the features' shape",
    "header": "the transform section names columns, so the file needs its header line",
    "cache": "a raw read is not cached; leave cache out",
}
"""The csv options a raw read cannot take, with why (a hint)."""
_READERS: dict[str, Callable[..., object]] = {"csv": csv, "parquet": parquet, "arrow": arrow, "jsonl": jsonl}
"""The sources a transform section reads raw (`tn.data.table`), by the loader whose options they take."""


def transform_columns(document: Document, section: Mapping[str, object]) -> Columns:
    """The `Columns` a transform section describes (not fitted yet).

    Args:
        document: The spec file, for positions.
        section: `data.transform`, validated as a mapping by column name.

    Raises:
        TypednnError: every problem of the section, each at its `file:line:col`: an unknown
            transform or option (with "did you mean"), a value of the wrong type, options
            the constructor refuses, a categorical transform after another step.
    """
    if not section:
        raise TypednnError(
            f"{document.where(SECTION)}: data.transform lists no column",
            hint="give each column the model reads its transforms, e.g. transform: {age: standardize}",
        )
    errors: list[TypednnError] = []
    steps: dict[str, list[Transform]] = {}
    for name, value in section.items():
        entries = value if isinstance(value, list) else [] if value is None else [value]
        paths = [(*SECTION, name, i) for i in range(len(entries))] if isinstance(value, list) else [(*SECTION, name)]
        made: list[Transform] = []
        for entry, path in zip(entries, paths):
            try:
                step = _step(document, entry, path)
            except TypednnError as error:
                errors.append(error)
                continue
            if step.categorical and made:
                errors.append(
                    TypednnError(
                        f"{document.where(path)}: data.transform.{name}: {step.kind} reads a raw column, so it"
                        f" comes first, not after {made[-1].kind}",
                        hint=f"put {step.kind} first in the column's list",
                    )
                )
            made.append(step)
        steps[name] = made
    if errors:
        raise all_errors(errors)
    try:
        return Columns(steps)
    except TypednnError as error:  # across columns (text mixed with numbers) or after tokens: at the section
        raise TypednnError(f"{document.where(SECTION)}: data.transform: {error.message}", hint=error.hint) from None


def _step(document: Document, entry: object, path: Path) -> Transform:
    """One transform from its entry (`log`, `{hashing: 8}`, `{clip: {low: 0, high: 1}}`)."""
    kind, options = transform_kinds().parse(entry, document, path)
    inner = (*path, next(iter(entry))) if isinstance(entry, dict) and len(entry) == 1 else path
    try:
        return CONSTRUCTORS[kind](**options.model_dump())
    except TypednnError as error:
        dotted = ".".join(str(part) for part in (*path, kind) if isinstance(part, str))
        raise TypednnError(f"{document.where(inner)}: {dotted}: {error.message}", hint=error.hint) from None


def section_errors(document: Document, section: Mapping[str, object], source: object) -> list[TypednnError]:
    """What is wrong with a transform section and the source it reads, for `read` to report.

    Args:
        document: The spec file.
        section: `data.transform`.
        source: `data.source`, or None when it has errors of its own (reported already).
    """
    errors = []
    try:
        transform_columns(document, section)
    except TypednnError as error:
        errors.append(error)
    try:
        source_kinds().parse(source, document, ("data", "source"))
    except TypednnError:
        return errors  # the source's own error is reported by `read`
    try:
        table_options(document, source)
    except TypednnError as error:
        errors.append(error)
    return errors


def table_options(document: Document, source: object) -> dict[str, Any]:
    """The source's options that read its file raw (`tn.data.table`'s parameters, `format` its kind).

    Args:
        document: The spec file.
        source: `data.source`.

    Raises:
        TypednnError: at the source for a source that is not csv, parquet, arrow or jsonl, at
            the option for one a raw read cannot take (features, shape, header, cache, a dict
            per output, a csv file's URL).
    """
    kind, options = source_kinds().parse(source, document, ("data", "source"))
    if kind not in _READERS:
        raise TypednnError(
            f"{document.where(SECTION, key=True)}: data.transform reads a table file's columns raw, so the source"
            f" is csv, parquet, arrow or jsonl, not {kind}",
            hint="e.g. source: {csv: {path: heart.csv, label: target}}; other sources give features already",
        )
    defaults = inspect.signature(_READERS[kind]).parameters
    given = dict(options)
    for name, value in given.items():
        at = ("data", "source", kind, name)
        why = _NOT_WITH.get(name)
        if why is not None and value != defaults[name].default:
            raise TypednnError(f"{document.where(at)}: data.source.{kind}.{name}: not with data.transform", hint=why)
        if name in ("label", "classes", "task") and isinstance(value, dict):
            raise TypednnError(
                f"{document.where(at)}: data.source.{kind}.{name}: a dict by output is not with data.transform",
                hint="transforms make the features of a model with one input and one output",
            )
        if name == "label" and isinstance(value, int):
            raise TypednnError(
                f"{document.where(at)}: data.source.{kind}.label: a column number is not with data.transform",
                hint="name the label column as the file's header does",
            )
    # pyarrow.dataset and the JSON Lines reader read URLs; a raw CSV read (its line numbers) is local.
    if kind == "csv" and is_url(given["path"]):
        raise TypednnError(
            f"{document.where(('data', 'source', 'csv', 'path'))}: data.source.csv.path: transforms read a local"
            " file, not a URL",
            hint="download the file, or drop data.transform",
        )
    return {name: value for name, value in given.items() if name in _TABLE} | {"format": kind}
