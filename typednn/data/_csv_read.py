"""The fast CSV reader: pyarrow parses (multithreaded), typednn types and checks each block.

pyarrow converts the chosen columns straight to their types (features float32, the label
int64, text or float32) and skips the others. Each block of rows becomes NumPy arrays
here, checked for what pyarrow lets through (empty cells, non-finite numbers, class ids
out of range). Anything wrong, whether pyarrow refuses the file or a check fails, is
reported by `_csv_diagnose.diagnose`, which re-reads the file to name the first bad row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from .._errors import TypednnError
from ._csv_diagnose import diagnose
from ._csv_plan import Plan
from ._csv_text import open_csv
from ._show import names as listed
from ._targets import MAX_CLASSES, Targets

Array = np.ndarray[Any, Any]
LABEL_TYPES = {"ids": pa.int64(), "names": pa.string(), "values": pa.float32()}
LABEL_DTYPES = {"ids": np.int32, "names": np.int32, "values": np.float32}
DEFAULT_BLOCK = 1 << 20
"""pyarrow's block size when none is given."""


class BlockError(Exception):
    """A block holds something the plan does not allow; `diagnose` finds where."""


def arrow_options(plan: Plan, *, block_size: int | None, label_only: bool = False) -> dict[str, Any]:
    """The read, parse and convert options of pyarrow's readers for the plan, as keywords."""
    types = {name: pa.float32() for name in plan.feature_names}
    if plan.label_name is not None:
        types[plan.label_name] = LABEL_TYPES[plan.kind]
    if label_only:
        types = {name: types[name] for name in plan.read_columns[-1:]}
    return column_options(plan, types, block_size=block_size)


def column_options(plan: Plan, types: dict[str, Any], *, block_size: int | None) -> dict[str, Any]:
    """The options of pyarrow's readers for the file `plan` describes, converting `types`' columns in order."""
    columns = list(types)
    # A block must hold whole rows (and the header, skipped): room for rows four times
    # the widest the sample saw, which pyarrow's default (1 MiB) lacks for wide files.
    least = 4 * plan.widest
    if least > (block_size or DEFAULT_BLOCK):
        block_size = least
    read = pcsv.ReadOptions(
        column_names=list(plan.columns),
        skip_rows=plan.header_lines,
        encoding=plan.encoding,
        **({} if block_size is None else {"block_size": block_size}),
    )
    convert = pcsv.ConvertOptions(
        column_types={name: types[name] for name in columns},
        include_columns=columns,
        # Only an empty cell is missing (then reported); "NA" or "null" is not a number.
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    parse = pcsv.ParseOptions(delimiter=plan.delimiter)
    return {"read_options": read, "parse_options": parse, "convert_options": convert}


class Labels:
    """Types the label column block by block, keeping what the whole file decides.

    Class names get ids in the order they are first seen; `finish` gives the permutation
    to their sorted order, applied once all blocks are read.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.top = -1
        self.names: list[str] = list(plan.class_names or ())
        self.position = {name: index for index, name in enumerate(self.names)}

    def block(self, column: Any) -> Array:
        """One block's targets: int32 ids, or float32 values of shape `(rows, 1)`."""
        if column.null_count:
            raise BlockError("an empty label")
        kind, limit = self.plan.kind, self.plan.classes
        if kind == "values":
            values = np.asarray(column).reshape(-1, 1)
            if not np.isfinite(values).all():
                raise BlockError("a non-finite target")
            return values
        if kind == "ids":
            ids = np.asarray(column)
            if len(ids):
                low, high = int(ids.min()), int(ids.max())
                if low < 0 or high >= (limit if limit is not None else MAX_CLASSES):
                    raise BlockError("a class id out of range")
                self.top = max(self.top, high)
            return ids.astype(np.int32)
        if self.plan.class_names is None:
            for name in pc.unique(column).to_pylist():
                if name not in self.position:
                    self.position[name] = len(self.names)
                    self.names.append(name)
        ids = pc.index_in(column, value_set=pa.array(self.names, pa.string()))
        if ids.null_count:
            raise BlockError("an unknown class name")
        return np.asarray(ids).astype(np.int32, copy=False)

    def finish(self) -> tuple[Targets, Array | None]:
        """The class count and names, and the permutation to apply to the ids found (or None).

        Raises:
            TypednnError: when the file names more classes than `classes=` allows.
        """
        plan = self.plan
        if plan.kind == "values":
            return Targets(np.empty(0, np.float32), None), None
        if plan.kind == "ids":
            return Targets(np.empty(0, np.int32), plan.classes if plan.classes is not None else self.top + 1), None
        if plan.class_names is not None:
            return Targets(np.empty(0, np.int32), len(plan.class_names), plan.class_names), None
        names = sorted(self.names)
        if plan.classes is not None and len(names) != plan.classes:
            raise TypednnError(
                f"{plan.path}: the label column {plan.label_name!r} holds {len(names)} class names"
                f" ({listed(names)}), but classes={plan.classes}",
                hint="give the right class count, or list the names: classes=[...]",
            )
        sorted_id = {name: index for index, name in enumerate(names)}
        remap = np.array([sorted_id[name] for name in self.names], np.int32)
        return Targets(np.empty(0, np.int32), plan.classes or len(names), tuple(names)), remap


def features_of(block: Any, plan: Plan) -> Array:
    """One block's features, float32 `(rows, *shape)`, checked."""
    return numbers_of(block, range(len(plan.features)), plan.shape)


def numbers_of(block: Any, columns: Sequence[int], shape: tuple[int, ...]) -> Array:
    """The float32 columns of a block at `columns` (positions in the block), as `(rows, *shape)`, checked."""
    if any(block.column(i).null_count for i in columns):
        raise BlockError("an empty cell")
    features = np.asarray(block.select(list(columns)).to_tensor(row_major=True))
    if not np.isfinite(features).all():
        raise BlockError("a non-finite number")
    return features.reshape(-1, *shape)


@contextmanager
def reading(plan: Plan | Sequence[Plan]) -> Iterator[None]:
    """Turn pyarrow's refusal or a failed check into the error naming the first bad row."""
    try:
        yield
    except (pa.ArrowException, BlockError, UnicodeError) as error:
        raise diagnose(plan, str(error)) from None


def read_arrays(plan: Plan) -> tuple[Array, Targets]:
    """The whole file in memory: features `(examples, *shape)` float32, and typed targets.

    The targets are empty for a file of inputs only.

    Raises:
        TypednnError: naming the first bad row.
    """
    labels = Labels(plan)
    with reading(plan):
        with open_csv(plan.path) as file:
            table = pcsv.read_csv(file, **arrow_options(plan, block_size=None))
        rows = table.num_rows
        features = np.empty((rows, *plan.shape), np.float32)
        targets = np.empty((rows, 1) if plan.kind == "values" else rows, LABEL_DTYPES[plan.kind])
        start = 0
        for batch in table.to_batches():
            stop = start + batch.num_rows
            features[start:stop] = features_of(batch, plan)
            if plan.label is not None:
                targets[start:stop] = labels.block(batch.column(len(plan.features)))
            start = stop
        del table
    if plan.label is None:
        return features, Targets(targets[:0], None)
    found, remap = labels.finish()
    if remap is not None:
        targets = remap[targets]
    return features, Targets(targets, found.classes, found.class_names)


def read_labels(plan: Plan) -> tuple[Targets, int]:
    """Only the label column: the class count and names, and the number of examples.

    pyarrow still splits every row, but converts only the label.

    Raises:
        TypednnError: naming the first bad label.
    """
    labels = Labels(plan)
    with reading(plan):
        with open_csv(plan.path) as file:
            table = pcsv.read_csv(file, **arrow_options(plan, block_size=None, label_only=True))
        for batch in table.to_batches():
            labels.block(batch.column(0))
    found, _ = labels.finish()
    return found, table.num_rows
