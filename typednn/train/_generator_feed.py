"""Feeding batches from Python: a generator or iterable of `(x, y)` batches, drawn ahead on a thread.

Keras's `fit(generator)`: with `steps_per_epoch`, an epoch is that many batches drawn
from one iterator for the whole run; without it, each epoch is one pass over a
re-iterable (a list, an object whose `__iter__` starts anew). A host thread pulls the
batches, checks them (`BatchCheck`), stacks a chunk of steps and copies it to the
device, at most `AHEAD` chunks before the step that needs them, so the device does not
wait on Python while the generator keeps up. The chunks are cut where a dataset's are
(`_feed.chunks`), so the compiled steps are the same programs.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from .._errors import TypednnError
from ._batch_check import Batch, BatchCheck
from ._feed import Chunk, Feed

AHEAD = 2
"""Chunks made ready before the step that takes them: enough to hide a generator's jitter."""


@dataclass(frozen=True)
class EpochEnd:
    """The batches of an epoch are done: `steps` of them; `ran_out` when fewer than `steps_per_epoch`."""

    steps: int
    ran_out: bool


@dataclass(frozen=True)
class _Failed:
    error: BaseException


def generator_error(error: Exception, where: str, method: str) -> TypednnError:
    """The error `fit` raises for an exception of the user's generator, which it chains as the cause."""
    failure = TypednnError(
        f"{method}: your batch generator raised {type(error).__name__} at {where}: {error}",
        hint="the error is in the code that makes the batches: see its traceback above (the cause)",
    )
    failure.__cause__ = error
    return failure


class FromPython(Feed):
    """Batches from a Python iterable, checked and copied to the device on a host thread, `AHEAD` chunks ahead.

    Args:
        source: The iterable `fit` was given.
        started: The iterator the first batch came from (its rest is the first epoch's).
        first: The first batch, already checked.
        check: Checks and pads the later batches.
        epochs: Epochs to feed.
        steps_per_epoch: Batches per epoch, all from `started`; None for one pass of `source` per epoch.
        per_chunk: Batches per chunk (steps per dispatch).
        first_epoch: The number of the first epoch fed (above 0 when resumed), for messages.
        method: Who asks, for messages.
    """

    on_device = False

    def __init__(
        self,
        source: Iterable[Any],
        started: Iterator[Any],
        first: Batch,
        check: BatchCheck,
        *,
        epochs: int,
        steps_per_epoch: int | None,
        per_chunk: int,
        first_epoch: int = 0,
        method: str = "Trainer.fit",
    ) -> None:
        self.source = source
        self.started = started
        self.first: Batch | None = first
        self.check = check
        self.epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.per_chunk = per_chunk
        self.first_epoch = first_epoch
        self.method = method
        self.ended: EpochEnd | None = None  # the last epoch's end, once `epoch` has given all its chunks
        self._queue: queue.Queue[tuple[Chunk, tuple[Any, ...]] | EpochEnd | _Failed] = queue.Queue(AHEAD)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="typednn-batches", daemon=True)

    def epoch(self) -> Iterator[tuple[Chunk, tuple[Any, ...]]]:
        """The next epoch's chunks with their device arrays `(x, y, weights)`; `ended` says how it ended."""
        if not self._thread.is_alive() and self._thread.ident is None:
            self._thread.start()
        while True:
            item = self._queue.get()
            if isinstance(item, EpochEnd):
                self.ended = item
                return
            if isinstance(item, _Failed):
                self._stop.set()
                raise item.error
            yield item

    def close(self) -> None:
        """Stop drawing batches: the thread ends at its next batch (one stuck in user code is left, a daemon)."""
        self._stop.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        if self._thread.ident is not None:
            self._thread.join(timeout=5)

    def _put(self, item: tuple[Chunk, tuple[Any, ...]] | EpochEnd | _Failed) -> bool:
        """Queue `item` once there is room; False when the feed was closed meanwhile."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            for epoch in range(self.epochs):
                if not self._produce_epoch(epoch):
                    return
        except BaseException as error:  # raised again on the training thread, where fit can report it
            self._put(_Failed(error))

    def _produce_epoch(self, epoch: int) -> bool:
        """One epoch's chunks, then its `EpochEnd`; False when feeding stops (ran out, failed or closed)."""
        # One iterator for the run with steps_per_epoch (Keras's); else a pass of the source per epoch.
        batches = self.started if self.steps_per_epoch is not None or epoch == 0 else iter(self.source)
        if self.first is not None:  # the first epoch starts with the batch `fit` checked
            batches, self.first = itertools.chain([self.first], batches), None
        steps, pending = 0, []
        while self.steps_per_epoch is None or steps < self.steps_per_epoch:
            where = f"batch {steps + 1} of epoch {self.first_epoch + epoch + 1}"
            try:
                raw = next(batches)
            except StopIteration:
                break
            except Exception as error:  # the user's code: reported with its own traceback chained
                self._put(_Failed(generator_error(error, where, self.method)))
                return False
            pending.append(raw if isinstance(raw, Batch) else self.check(raw, where))
            steps += 1
            if len(pending) == self.per_chunk and not self._put(self._chunk(steps - len(pending), pending)):
                return False
            pending = pending if len(pending) < self.per_chunk else []
        if pending and not self._put(self._chunk(steps - len(pending), pending)):
            return False
        ran_out = steps == 0 or (self.steps_per_epoch is not None and steps < self.steps_per_epoch)
        return self._put(EpochEnd(steps, ran_out)) and not ran_out

    def _chunk(self, first_step: int, batches: list[Batch]) -> tuple[Chunk, tuple[Any, ...]]:
        """`batches` stacked into a chunk of steps, `(steps, batch, ...)`, copied to the device."""
        real = np.stack([b.real for b in batches])
        sample = None if batches[0].sample is None else np.stack([b.sample for b in batches if b.sample is not None])
        index = np.zeros(real.shape, np.int32)  # only its shape counts: the batches are given, not gathered
        chunk = Chunk(first_step, index, real, sample)
        x, y = jax.tree.map(lambda *arrays: np.stack(arrays), *[(b.x, b.y) for b in batches])
        return chunk, (jax.device_put(x), jax.device_put(y), chunk.batch_weights)
