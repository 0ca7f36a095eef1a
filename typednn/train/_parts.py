"""Per-process parts of the data: each process of a job feeds its own rows only.

In a multi-process job, `fit(data.shard(process_index, process_count))` (or a source
read with `shard=`) gives each process its own rows. Every process agrees once on how
many rows each holds (`agree`, one small collective), and then, without talking again:

- its local order is a permutation of its own rows, seeded by (seed, epoch, process
  index): a pure function of them, so a resumed run sees the same batches;
- each global batch takes from each process as many examples as its devices hold
  (`Placement.process_columns`), so a process's local batch is its block of columns;
- an epoch has as many steps as the process with the most batches needs; the others
  pad their last batches with weight-0 examples, as a ragged last batch is padded, so
  every example is used once per epoch and the loss and metrics stay exact.

Every process builds the same global padding (`weights`) from the agreed row counts:
whether a chunk holds padding, and how many real examples it holds, are the job's, not
one process's, so every process compiles the same program and counts the same examples.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import TypednnError
from ..data import Dataset
from ..distributed import Placement, collective_failures, process_count, process_index
from ..distributed._runtime import each_process
from ._feed import Chunk, Feed, Sharded, feed_for

Array = np.ndarray[Any, Any]

_HINT_SHARD = (
    "give each process its own part: data.shard(tn.distributed.process_index(), tn.distributed.process_count()),"
    " or read it with shard=(process_index, process_count)"
)


@dataclass(frozen=True)
class Parts:
    """How a dataset is split over a job's processes: each one's row count, and which is this one.

    Attributes:
        rows: Each process's number of examples, by process index.
        index: This process's index.
    """

    rows: tuple[int, ...]
    index: int

    @property
    def total(self) -> int:
        """The job's examples: every process's together."""
        return sum(self.rows)

    @property
    def mine(self) -> int:
        """This process's examples."""
        return self.rows[self.index]

    def steps(self, columns: Mapping[int, slice]) -> int:
        """Steps per epoch: the most any process needs for its rows, a block of `columns` a batch.

        Example:
            >>> Parts((5, 3), 0).steps({0: slice(0, 2), 1: slice(2, 4)})
            3
        """
        return max(math.ceil(rows / _width(columns[p])) for p, rows in enumerate(self.rows))

    def order(self, *, seed: int, epoch: int, shuffle: bool) -> Array:
        """This process's order of its own rows in `epoch`: seeded by (seed, epoch, process index), or as stored.

        Example:
            >>> Parts((5, 3), 1).order(seed=0, epoch=0, shuffle=False).tolist()
            [0, 1, 2]
        """
        if not shuffle:
            return np.arange(self.mine)
        return np.random.default_rng([seed, epoch, self.index]).permutation(self.mine)

    def chunks(
        self,
        order: Array,
        *,
        columns: Mapping[int, slice],
        batch_size: int,
        steps_per_chunk: int,
        sample_weights: Array | None = None,
    ) -> Iterator[Chunk]:
        """An epoch's chunks laid out as global batches, `(steps, batch_size)`.

        This process's block of columns holds `order` (indices into its own rows) and its
        sample weights; every column's `weights` say which examples are real, the same in
        every process. Other processes' indices are left 0: this process never reads them.

        Example:
            >>> parts = Parts((3, 1), 0)
            >>> [chunk] = parts.chunks(np.array([2, 0, 1]), columns={0: slice(0, 2), 1: slice(2, 4)},
            ...                        batch_size=4, steps_per_chunk=8)
            >>> chunk.index.tolist(), chunk.weights.tolist(), chunk.examples
            ([[2, 0, 0, 0], [1, 0, 0, 0]], [[1.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]], 4)
        """
        steps = self.steps(columns)
        index = np.zeros((steps, batch_size), np.int32)
        weights = np.zeros((steps, batch_size), np.float32)
        for process, rows in enumerate(self.rows):
            block = columns[process]
            real = np.zeros(steps * _width(block), np.float32)
            real[:rows] = 1.0
            weights[:, block] = real.reshape(steps, -1)
        block = columns[self.index]
        local = np.zeros(steps * _width(block), np.int32)
        local[: len(order)] = order
        index[:, block] = local.reshape(steps, -1)
        sample = None
        if sample_weights is not None:
            sample = np.zeros((steps, batch_size), np.float32)
            mine = np.zeros(steps * _width(block), np.float32)
            mine[: len(order)] = sample_weights[order]
            sample[:, block] = mine.reshape(steps, -1)
        for first in range(0, steps, steps_per_chunk):
            part = slice(first, first + steps_per_chunk)
            yield Chunk(first, index[part], weights[part], None if sample is None else sample[part])


def _width(block: slice) -> int:
    return int(block.stop) - int(block.start)


def spans_processes(placement: Placement | None) -> bool:
    """Whether a trainer's mesh holds devices of several processes (a multi-process job trains on it)."""
    if placement is None or process_count() == 1:
        return False
    return len({device.process_index for device in placement.mesh.devices.flat}) > 1


def agree(data: Dataset[Any, Any], placement: Placement | None, *, what: str, method: str) -> Parts | None:
    """How the job's processes hold `data`: their parts (`Dataset.part`), or None when each holds it whole.

    On a mesh spanning several processes every process must call it (one small
    collective), so that each refuses the same mistake rather than waiting for the
    others. Elsewhere a part is just a dataset, and it returns None.

    Raises:
        TypednnError: when some processes pass parts and others the whole, or a
            process's part is not its own (`index == process_index()`, `count ==
            process_count()`); every process raises it.
    """
    if not spans_processes(placement):
        return None
    part = data.part
    given = (-1, -1) if part is None else (part.index, part.count)
    table = each_process([*given, len(data)])
    count = len(table)
    parts = table[:, 0] >= 0
    if not parts.any():
        return None
    if not parts.all():
        whole = [int(p) for p in np.flatnonzero(~parts)]
        raise TypednnError(
            f"{method}: processes {[int(p) for p in np.flatnonzero(parts)]} pass their part of the {what},"
            f" but process(es) {whole} pass all of it",
            hint="pass every process its own part (data.shard(tn.distributed.process_index(),"
            " tn.distributed.process_count())), or every process the whole dataset",
        )
    for process, (index, parts_count, _) in enumerate(table.tolist()):
        if (index, parts_count) != (process, count):
            raise TypednnError(
                f"{method}: process {process} of {count} is given part {index} of {parts_count} of the {what},"
                f" not part {process} of {count}",
                hint=_HINT_SHARD,
            )
    empty = [int(p) for p in np.flatnonzero(table[:, 2] == 0)]
    if empty:
        raise TypednnError(
            f"{method}: the part of the {what} given to process(es) {empty} of {count} holds no examples",
            hint="every process needs at least one example: use fewer processes, or more data",
        )
    return Parts(tuple(int(n) for n in table[:, 2]), process_index())


class PartsFed(Sharded):
    """This process's own rows (`Parts`) fed to a mesh: its block of columns of each global batch.

    Each chunk is laid out as global batches (`Parts.chunks`); as `Sharded`, the feed
    reads this process's columns of it, one chunk ahead, and assembles the global arrays.
    """

    def __init__(self, data: Dataset[Any, Any], placement: Placement, parts: Parts) -> None:
        super().__init__(data, placement)
        self.parts = parts

    def stream(
        self,
        *,
        batch_size: int,
        steps_per_chunk: int,
        seed: int = 0,
        epoch: int = 0,
        shuffle: bool = False,
        sample_weights: Array | None = None,
    ) -> Iterator[Chunk]:
        """One epoch's chunks of this process's rows, in their order for `epoch` (see `Parts.order`)."""
        order = self.parts.order(seed=seed, epoch=epoch, shuffle=shuffle)
        return self.parts.chunks(
            order,
            columns=self.placement.process_columns(batch_size),
            batch_size=batch_size,
            steps_per_chunk=steps_per_chunk,
            sample_weights=sample_weights,
        )


def feed_of(
    data: Dataset[Any, Any], device_limit: int | None, placement: Placement | None, parts: Parts | None
) -> Feed:
    """The feed of this process's parts when the job agreed on some (`agree`), else `feed_for`'s."""
    if parts is not None and placement is not None:
        return PartsFed(data, placement, parts)
    return feed_for(data, device_limit, placement)


def examples_in(feed: Feed, examples: int) -> int:
    """The examples a feed gives the job: every process's rows for parts, else `examples` (its dataset's)."""
    return feed.parts.total if isinstance(feed, PartsFed) else examples


def agree_fit(
    data: Dataset[Any, Any], validation: Dataset[Any, Any] | None, placement: Placement | None
) -> tuple[Parts | None, Parts | None]:
    """How a multi-process job holds `fit`'s training and validation data (see `agree`); every process calls it."""
    with collective_failures():
        parts = agree(data, placement, what="data", method="Trainer.fit")
        held = (
            None if validation is None else agree(validation, placement, what="validation data", method="Trainer.fit")
        )
    return parts, held
