"""Splitting examples: into training, validation and test rows, and into one part per process.

In a multi-process job every process reads only its own rows (`tn.data.npy(path,
shard=(process_index, process_count))`, or `dataset.shard(index, count)`): the rows
`[index * total // count, (index + 1) * total // count)` of the source's `total`. The
parts are near-equal and disjoint, and together they are the whole source.

A part remembers where its rows lie (`Part`), so that splitting it (`partition`,
`split`) splits the whole source as a single process would, seed for seed, and keeps
this process's rows of each side: the validation and test rows of a multi-process run
are those of a one-process run, never rows another process trains on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import TypednnError

Array = np.ndarray[Any, Any]
Shard = tuple[int, int]
"""`(index, count)`: the part of `count` near-equal contiguous parts, from 0."""


@dataclass(frozen=True)
class Part:
    """Which process's part a dataset is, and, while it is a range of its source, where.

    Attributes:
        index: This part's number, from 0 (the process's index in its job).
        count: How many parts the source is read in (the job's process count).
        start: The source row of this part's first example; None once the part is split.
        total: The source's row count; None once the part is split.
    """

    index: int
    count: int
    start: int | None = None
    total: int | None = None

    def split(self) -> Part:
        """The part after a split: still this process's rows, no longer a range of the source."""
        return Part(self.index, self.count)


def checked(shard: object, what: str = "shard") -> Shard:
    """`shard` as `(index, count)`, checked.

    Raises:
        TypednnError: unless it is two whole numbers with `0 <= index < count`.

    Example:
        >>> checked((1, 4))
        (1, 4)
    """
    if (
        not isinstance(shard, tuple | list)
        or len(shard) != 2
        or not all(isinstance(n, int | np.integer) and not isinstance(n, bool) for n in shard)
        or not 0 <= shard[0] < shard[1]
    ):
        raise TypednnError(
            f"{what}={shard!r} is not (index, count) with 0 <= index < count",
            hint="e.g. shard=(tn.distributed.process_index(), tn.distributed.process_count())",
        )
    return int(shard[0]), int(shard[1])


def rows(shard: Shard, total: int) -> range:
    """The source rows of one part: `[index * total // count, (index + 1) * total // count)`.

    Example:
        >>> [rows((i, 3), 10) for i in range(3)]
        [range(0, 3), range(3, 6), range(6, 10)]
    """
    index, count = shard
    return range(index * total // count, (index + 1) * total // count)


def local(part: Part, length: int, global_rows: Array) -> Array:
    """The positions in a part of `length` examples of the source rows among `global_rows`, in their order."""
    assert part.start is not None
    mine = (global_rows >= part.start) & (global_rows < part.start + length)
    return global_rows[mine] - part.start


def split_rows(total: int, *, validation: float, test: float, seed: int | None) -> tuple[Array, Array, Array]:
    """The rows `0 .. total-1` of the training, validation and test parts (`Dataset.partition`'s rule).

    Raises:
        TypednnError: if a share or the seed is out of range, the shares leave nothing
            to train on, or a part would be empty.
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise TypednnError(
            f"partition: seed must be a whole number of at least 0, or None, not {seed!r}",
            hint="e.g. seed=0; None keeps the examples' order",
        )
    shares = {"validation": validation, "test": test}
    for name, share in shares.items():
        if not 0 <= share < 1:
            raise TypednnError(
                f"{name}={share} is not a share of the examples", hint="give a number from 0 up to (not) 1"
            )
    if validation + test >= 1:
        raise TypednnError(
            f"validation={validation} and test={test} hold out {validation + test:g} of the examples,"
            " leaving none to train on",
            hint="keep the shares' sum below 1, e.g. validation=0.1, test=0.1",
        )
    sizes = {name: round(total * share) for name, share in shares.items()}
    for name, share in shares.items():
        if share > 0 and sizes[name] == 0:
            raise TypednnError(
                f"{name}={share} of {total} examples is less than one example",
                hint=f"hold out a larger share, or leave {name} out",
            )
    kept = total - sizes["validation"] - sizes["test"]
    if kept < 1:
        raise TypednnError(
            f"holding out {sizes['validation']} + {sizes['test']} of {total} examples leaves none to train on",
            hint="hold out smaller shares",
        )
    order = np.arange(total) if seed is None else np.random.default_rng(seed).permutation(total)
    train, held, tested = np.split(order, np.cumsum([kept, sizes["validation"]]))
    return train, held, tested
