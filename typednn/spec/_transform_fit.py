"""A spec's transforms fitted: the table file read raw, split as `data.split` says, fitted on the training rows.

`typednn check`, `typednn train` and `typednn data inspect` all go through `prepare`,
so the widths `check` shows are those training uses: the vocabularies come from the
same training rows (the same seed chooses them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .._errors import TypednnError
from .._shapes import Shape
from ..data._csv_plan import head
from ..data._dataset import Dataset
from ..data._paths import is_url
from ..data._raw_table import Table, table
from ..data._raw_table_read import arrow_names
from ..data._schema import Schema
from ..data._show import names, quoted, suggest
from ..data.transforms import Columns, Transform
from ..data.transforms._category import Hashing, _Vocabulary
from ..data.transforms._text import Tokenize
from ._transform import SECTION, table_options

if TYPE_CHECKING:
    from ._load import Spec

T = TypeVar("T")


@dataclass(frozen=True)
class TransformedSchema(Schema):
    """The schema of a spec's data after its transforms, with how wide each column became.

    Attributes:
        columns: One line per column, in feature order: `thal: one_hot -> 4 (3 categories + 1 oov)`.
        fitted_rows: How many training rows the transforms were fitted on.
    """

    columns: tuple[str, ...] = ()
    fitted_rows: int = 0

    def lines(self) -> list[str]:
        """What `typednn check` prints under its summary: each column's width, then the features'."""
        return [*self.columns, f"features: {self.feature_shape!r}, fitted on the {self.fitted_rows} training rows"]


@dataclass(frozen=True)
class Prepared:
    """A spec's raw table split as it says, and its transforms fitted on the training part.

    Attributes:
        schema: The data's schema after the transforms.
        columns: The fitted transforms (what the exported model keeps).
        raw: The whole table, as read.
        rows: The training rows, raw (what the transforms were fitted on).
        train: The training examples, transformed.
        validation: The validation examples, transformed, if the spec holds some out.
        test: The test examples, transformed, if the spec holds some out.
    """

    schema: TransformedSchema
    columns: Columns
    raw: Table
    rows: Table
    train: Dataset[Any, Any]
    validation: Dataset[Any, Any] | None
    test: Dataset[Any, Any] | None


def read_table(spec: Spec) -> tuple[Table, str]:
    """The spec's table file (csv, parquet, arrow, jsonl): every column raw, the label typed; and the label's name.

    The label is the column the source names, else the last one (as csv and parquet read it).

    Raises:
        TypednnError: at the data source, for a file that cannot be read.
    """
    assert spec.data is not None
    options = table_options(spec.document, spec.data.source)
    given = options.pop("path")
    path: str | Path = given if is_url(given) else spec.path.parent / Path(given).expanduser()
    where = spec.where("data", "source")
    if options.get("label") is None and options["format"] == "csv":
        found = _located(
            where, lambda: head(Path(path), header=True, delimiter=options["delimiter"], encoding=options["encoding"])
        )
        options["label"] = found[1][-1]
    elif options.get("label") is None:
        options["label"] = _located(where, lambda: arrow_names(path, options["format"]))[-1]
    return _located(where, lambda: table(path, **options)), str(options["label"])


def prepare(spec: Spec, fitted: Columns | None = None) -> Prepared:
    """Read the spec's table file raw, split it, and fit its transforms on the training rows.

    Args:
        spec: The spec, with a `data.transform` section.
        fitted: Transforms fitted already (a trained model's, from its export), applied
            instead of fitting the spec's: `typednn evaluate` measures the model on the
            features it was trained on, whatever the data file holds now.

    Raises:
        TypednnError: at the transform section's column for a column the file lacks (or the
            label), at the data source for a file that cannot be read, at the transform
            section for a cell a transform cannot take (with the data file's line and column).
    """
    section = spec.data
    unfitted = spec.transform()
    assert section is not None and unfitted is not None
    raw, label = read_table(spec)
    for name in unfitted.names:
        at = spec.document.where((*SECTION, name), key=True)
        if name == label:
            raise TypednnError(
                f"{at}: data.transform: {quoted(name)} is the label column, not a feature",
                hint="drop it from data.transform, or name another label column in the source",
            )
        if name not in raw.names:
            raise TypednnError(
                f"{at}: data.transform: the data has no column {quoted(name)}{suggest(name, list(raw.names))}",
                hint=f"the feature columns are {names(raw.names)}",
            )
    split = section.split
    train, validation, test = _located(
        spec.where("data", "split"),
        lambda: raw.partition(validation=split.validation, test=split.test, seed=section.seed),
    )
    if fitted is None:
        # Column by column, so that a bad cell is reported at its column's entry in the spec.
        fitted = Columns({name: _fit(spec, name, steps, train) for name, steps in unfitted.steps.items()})
    _check_token_input(spec, fitted)
    # Applied here, so `check` finds what training would fail on: a text cell in a column taken
    # as it is, a category unseen in training under oov=0 in the validation rows.
    data, held, tested = (_apply(spec, fitted, part) for part in (train, validation, test))
    assert data is not None
    source = Path(str(table_options(spec.document, section.source)["path"])).name
    schema = TransformedSchema(
        f"{source} through data.transform",
        Shape((fitted.output_width,), tokens=fitted.dtype == "int32"),  # token ids meet an int32 input
        classes=raw.classes,
        target_shape=None if raw.classes is not None else Shape((1,)),
        examples=len(raw),
        class_names=raw.class_names,
        columns=tuple(describe(name, steps) for name, steps in fitted.steps.items()),
        fitted_rows=len(train),
    )
    return Prepared(schema, fitted, raw, train, data, held, tested)


def describe(name: str, steps: tuple[Transform, ...]) -> str:
    """One column's line: `chol: clip -> log -> standardize -> 1`, `thal: one_hot -> 4 (3 categories + 1 oov)`.

    A text column: `review: tokens -> 32 int32 ids (1,234 words + 1 oov + padding 0)`.
    """
    width = 1
    for step in steps:
        width = step.output_width(width)
    chain = " -> ".join(step.kind for step in steps) or "as it is"
    last = steps[-1] if steps else None
    note = ""
    if isinstance(last, _Vocabulary) and last.vocabulary is not None:
        counted = f"{len(last.vocabulary)} categor{'y' if len(last.vocabulary) == 1 else 'ies'} + {last.oov} oov"
        note = f" (an index: {counted})" if last.kind == "lookup" else f" ({counted})"
    elif isinstance(last, Tokenize) and last.vocabulary is not None:
        unit = "character" if last.split == "character" else "word"
        words = f"{len(last.vocabulary):,} {unit}{'' if len(last.vocabulary) == 1 else 's'}"
        note = f" int32 ids ({words} + {last.oov} oov + padding 0)"
    elif isinstance(last, Hashing):
        note = f" ({last.bins} bins{', one-hot' if last.one_hot else ''})"
    return f"{name}: {chain} -> {width}{note}"


def _check_token_input(spec: Spec, fitted: Columns) -> None:
    """Token ids go to an int32 input: checked before training, not when the trained model is saved."""
    inputs = spec.model.graph.inputs
    if fitted.dtype == "int32" and len(inputs) == 1 and not inputs[0].shape.tokens:
        raise TypednnError(
            f"{spec.where(*SECTION)}: data.transform makes int32 token ids (tokens()), but the model's input"
            f" takes float32 values {inputs[0].shape!r}",
            hint="declare the input as token ids: `dtype: int32` beside `input:`, then an embedding layer",
        )


def _fit(spec: Spec, name: str, steps: tuple[Transform, ...], rows: Table) -> tuple[Transform, ...]:
    """One column's steps fitted on the training rows; a bad cell is reported at the column's entry."""
    where = spec.where(*SECTION, name)
    return _located(where, lambda: Columns({name: steps}).fit(rows).steps[name])


def _apply(spec: Spec, fitted: Columns, rows: Table | None) -> Dataset[Any, Any] | None:
    """The examples of some rows through the fitted transforms (None for no rows)."""
    if rows is None:
        return None
    return _located(spec.where(*SECTION), lambda: fitted(rows))


def _located(where: str, work: Callable[[], T]) -> T:
    """`work()`, its TypednnError prefixed with the spec position it concerns (as `_load.in_spec`)."""
    try:
        return work()
    except TypednnError as error:
        raise TypednnError(f"{where}: {error.message}", hint=error.hint) from None
