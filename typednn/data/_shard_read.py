"""What every file source shares to read one process's part of its rows (`shard=`).

A source read with `shard=(index, count)` gives exactly `whole.shard(index, count)`: the
rows `_shard.rows(shard, total)`, the same values, the class count and names of the
whole source, and `part` set. Each source reads as little of the other rows as its
format allows; these helpers check the argument, cut arrays to the part's rows and mark
the dataset.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._dataset import Dataset, on_disk
from ._shard import Part, Shard, checked, rows

Array = np.ndarray[Any, Any]


def shard_option(shard: object) -> Shard | None:
    """`shard=` checked: None (the whole source), or `(index, count)`.

    Raises:
        TypednnError: unless it is None or two whole numbers with `0 <= index < count`.
    """
    return None if shard is None else checked(shard)


def rows_of(array: Array, span: range) -> Array:
    """The rows `span` of `array`: a view of a memory-mapped file (nothing else is read), else a copy of them alone.

    A copy, so that the part's arrays do not keep the whole source's alive.
    """
    cut = array[span.start : span.stop]
    return cut if on_disk(array) else np.array(cut)


def marked(data: Dataset[Any, Any], shard: Shard, total: int) -> Dataset[Any, Any]:
    """`data`, which holds the rows of `shard` of a source of `total` rows, marked as that part."""
    data.part = Part(*shard, rows(shard, total).start, total)
    return data


def sharded(data: Dataset[Any, Any], shard: Shard | None) -> Dataset[Any, Any]:
    """`data.shard(*shard)` (or `data` for None): for the rare layouts a source reads whole, then cuts."""
    return data if shard is None else data.shard(*shard)
