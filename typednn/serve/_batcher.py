"""Dynamic batching: concurrent requests gathered into one run of the model.

A batch opens with the first request to wait and closes when it holds `max_batch`
examples, or `max_wait` seconds after that request; or at once when the server holds no
request but the batch's own (a lone client never waits for company that is not
coming). It then runs on a single worker thread, and each request gets its own rows back. A request
of more than `max_batch` examples is split into parts of at most `max_batch`, which may
share batches with others. Requests whose examples differ in shape (a named axis, such
as a sequence length) never share a batch.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]
Run = Callable[[tuple[Array, ...]], tuple[Array, ...]]


@dataclass
class _Part:
    """Up to `max_batch` examples of one request, and where its outputs go."""

    xs: tuple[Array, ...]
    done: asyncio.Future[tuple[Array, ...]]
    rows: int = field(init=False)
    key: tuple[tuple[int, ...], ...] = field(init=False)

    def __post_init__(self) -> None:
        self.rows = len(self.xs[0])
        self.key = tuple(x.shape[1:] for x in self.xs)


class Batcher:
    """Runs requests' examples in shared batches, on one worker thread.

    Args:
        run: The model on one batch: one array per input in, one per output out.
        max_batch: The most examples per batch.
        max_wait: Seconds a batch waits for more requests after its first.
        on_batch: Called with each batch's example count (for metrics).
        active: How many requests the server is answering now (read, waiting or written);
            None to wait `max_wait` for every batch.
    """

    def __init__(
        self,
        run: Run,
        *,
        max_batch: int,
        max_wait: float,
        on_batch: Callable[[int], None],
        active: Callable[[], int] | None = None,
    ) -> None:
        self._run = run
        self._max_batch = max_batch
        self._max_wait = max_wait
        self._on_batch = on_batch
        self._active = active
        self._queue: asyncio.Queue[_Part | None] = asyncio.Queue()
        self._held: deque[_Part] = deque()  # parts that did not fit a batch (its shape, its room): they go first
        # One thread: batches run one after another, while the event loop gathers the next.
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="typednn-batch")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        """Run what is queued, then stop (the server has stopped taking requests)."""
        if self._task is not None:
            await self._queue.put(None)
            await self._task
        self._pool.shutdown(wait=True)

    async def submit(self, xs: tuple[Array, ...]) -> tuple[Array, ...]:
        """The outputs for one request's examples (one array per input), one array per output."""
        loop = asyncio.get_running_loop()
        parts = [
            _Part(tuple(x[start : start + self._max_batch] for x in xs), loop.create_future())
            for start in range(0, len(xs[0]), self._max_batch)
        ]
        for part in parts:
            self._queue.put_nowait(part)
        found = [await part.done for part in parts]
        if len(found) == 1:
            return found[0]
        return tuple(np.concatenate(pieces) for pieces in zip(*found))

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        stopping = False
        while self._held or not stopping:
            if self._held:
                first = self._held.popleft()
            else:
                waited = await self._queue.get()
                if waited is None:
                    break
                first = waited
            batch, rows = [first], first.rows
            kept: deque[_Part] = deque()
            for part in self._held:  # held back earlier: they have waited longest
                if part.key == first.key and rows + part.rows <= self._max_batch:
                    batch.append(part)
                    rows += part.rows
                else:
                    kept.append(part)
            self._held = kept
            deadline = loop.time() + self._max_wait
            while rows < self._max_batch:
                try:
                    got = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    remaining = deadline - loop.time()
                    alone = self._active is not None and self._active() <= len(batch)
                    if remaining <= 0 or stopping or alone:
                        break
                    try:
                        got = await asyncio.wait_for(self._queue.get(), remaining)
                    except TimeoutError:
                        break
                if got is None:  # stop once what is queued and held has run
                    stopping = True
                    continue
                if got.key != first.key or rows + got.rows > self._max_batch:
                    self._held.append(got)  # it opens a later batch
                    if got.key == first.key:
                        break  # this one is full
                    continue
                batch.append(got)
                rows += got.rows
            await self._run_batch(loop, batch, rows)

    async def _run_batch(self, loop: asyncio.AbstractEventLoop, batch: list[_Part], rows: int) -> None:
        xs = tuple(np.concatenate(inputs) if len(batch) > 1 else inputs[0] for inputs in zip(*(p.xs for p in batch)))
        self._on_batch(rows)
        try:
            outputs = await loop.run_in_executor(self._pool, self._run, xs)
        except Exception as error:  # every request of the batch gets the failure (the app logs it once each)
            for part in batch:
                if not part.done.done():
                    part.done.set_exception(error)
            return
        start = 0
        for part in batch:
            if not part.done.done():  # its client may have gone
                part.done.set_result(tuple(y[start : start + part.rows] for y in outputs))
            start += part.rows
