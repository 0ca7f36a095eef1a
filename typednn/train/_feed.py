"""Feeding batches: the order of examples, chunks of steps, data on device or prefetched.

An epoch's order is a pure function of (seed, epoch), so a resumed run sees the same
batches as an uninterrupted one. The last batch of an epoch may be ragged: it is padded
to the batch size with weight 0, so every step has one shape and one compiled program.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from ..data import Dataset
from ..distributed import Placement

Array = np.ndarray[Any, Any]
# Without a known device memory size, datasets up to this size are kept on device.
DEFAULT_DEVICE_BYTES = 2 << 30


@dataclass(frozen=True)
class Chunk:
    """A few steps' batches: example indices and weights of shape `(steps, batch)`.

    `weights` is 1 for a real example and 0 for padding; `sample` (with `fit`'s
    sample or class weights only) each example's own weight in the loss, 0 for padding.
    """

    first_step: int  # within the epoch
    index: Array
    weights: Array
    sample: Array | None = None

    @property
    def examples(self) -> int:
        return int(self.weights.sum())

    @property
    def batch_weights(self) -> Array | tuple[Array, Array]:
        """What the compiled steps take as weights: `weights`, or `(weights, sample)` (see `_inference.unpack_weights`).

        Without sample weights the steps compile exactly as before: nothing to multiply.
        """
        return self.weights if self.sample is None else (self.weights, self.sample)


def epoch_order(examples: int, *, seed: int, epoch: int, shuffle: bool) -> Array:
    """The order of the examples in `epoch`: a seeded permutation, or as stored."""
    if not shuffle:
        return np.arange(examples)
    return np.random.default_rng([seed, epoch]).permutation(examples)


def chunks(
    order: Array,
    *,
    batch_size: int,
    steps_per_chunk: int,
    sample_weights: Array | None = None,
    tail_by_step: bool = False,
) -> Iterator[Chunk]:
    """Split an epoch's order into chunks of at most `steps_per_chunk` batches.

    `sample_weights` (one per example of the dataset, in its order) go with each example.
    With `tail_by_step`, the steps after the last whole chunk of full batches (the
    remainder, and a ragged last batch) come one per chunk: every chunk is then either
    `steps_per_chunk` full batches or one batch (see `_widening`).
    """
    steps = math.ceil(len(order) / batch_size)
    padded = np.zeros(steps * batch_size, np.int32)
    padded[: len(order)] = order
    weights = np.zeros(steps * batch_size, np.float32)
    weights[: len(order)] = 1.0
    index, weights = padded.reshape(steps, batch_size), weights.reshape(steps, batch_size)
    sample = None
    if sample_weights is not None:
        sample = np.zeros(steps * batch_size, np.float32)
        sample[: len(order)] = sample_weights[order]
        sample = sample.reshape(steps, batch_size)
    for first, length in spans(steps, steps_per_chunk, tail_by_step=tail_by_step, ragged=len(order) % batch_size > 0):
        part = slice(first, first + length)
        yield Chunk(first, index[part], weights[part], None if sample is None else sample[part])


def spans(steps: int, per_chunk: int, *, tail_by_step: bool = False, ragged: bool = False) -> list[tuple[int, int]]:
    """`(first step, steps)` of each chunk of an epoch of `steps` (see `chunks`).

    Example:
        >>> spans(19, 8), spans(19, 8, tail_by_step=True), spans(16, 8, tail_by_step=True, ragged=True)[-2:]
        ([(0, 8), (8, 8), (16, 3)], [(0, 8), (8, 8), (16, 1), (17, 1), (18, 1)], [(14, 1), (15, 1)])
    """
    if not tail_by_step:
        return [(first, min(per_chunk, steps - first)) for first in range(0, steps, per_chunk)]
    whole = (steps - ragged) // per_chunk * per_chunk
    return [(first, per_chunk) for first in range(0, whole, per_chunk)] + [(first, 1) for first in range(whole, steps)]


def steps_per_chunk(steps: int, requested: int | None, *, loops_ok: bool = True) -> int:
    """Steps per dispatch: as requested, else a whole short epoch or chunks of 32.

    Long chunks amortise the dispatch; short ones let the progress bar and the NaN check
    see results sooner. A short remainder chunk compiles once more, so epochs up to 64
    steps run in one dispatch. Without `loops_ok` (convolutions on CPU, see
    `_inference.scan`) a chunk is unrolled, each step compiled again: one step per
    dispatch, which `_widening` widens to 8 after the first epoch of a long fit.
    """
    if requested is not None:
        return max(1, min(requested, steps))
    if not loops_ok:
        return 1
    return steps if steps <= 64 else 32


def fits_on_device(data: Dataset[Any, Any], limit: int | None) -> bool:
    """Whether to keep the whole dataset on device.

    It does when it takes at most `limit` bytes: by default a quarter of the device's
    memory when the device reports it (GPU, TPU), else 2 GiB. A dataset read from a
    memory-mapped file never is: it may not fit in host memory, so it is read per chunk.
    """
    if data.file_backed:
        return False
    if limit is None:
        stats = jax.devices()[0].memory_stats() or {}
        limit = int(stats["bytes_limit"]) // 4 if "bytes_limit" in stats else DEFAULT_DEVICE_BYTES
    return data.nbytes <= limit


class Feed:
    """Where a dataset's batches come from: the device, or the host one chunk ahead.

    `chunks` gives each chunk with the arrays the compiled step reads its batches from:
    `(features, targets, index, weights)` on device (`on_device`), else `(x, y, weights)`;
    `weights` is `Chunk.batch_weights`.
    """

    on_device: bool

    def chunks(self, stream: Iterator[Chunk]) -> Iterator[tuple[Chunk, tuple[Any, ...]]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the feed holds."""


class OnDevice(Feed):
    """The whole dataset copied to the device once; each chunk sends only indices."""

    on_device = True

    def __init__(self, data: Dataset[Any, Any]) -> None:
        self.features = jax.device_put(data.features)
        self.targets = jax.device_put(data.targets)

    def chunks(self, stream: Iterator[Chunk]) -> Iterator[tuple[Chunk, tuple[Any, ...]]]:
        return ((chunk, (self.features, self.targets, chunk.index, chunk.batch_weights)) for chunk in stream)


class Prefetched(Feed):
    """A dataset too large for the device, fed one chunk ahead.

    A host thread gathers each chunk's batches and copies them to the device while the
    previous chunk computes.
    """

    on_device = False

    def __init__(self, data: Dataset[Any, Any]) -> None:
        self.data = data
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="typednn-prefetch")

    def _load(self, chunk: Chunk) -> tuple[Any, ...]:
        features, targets = self.data.take(chunk.index)
        return jax.device_put(features), jax.device_put(targets), chunk.batch_weights

    def chunks(self, stream: Iterator[Chunk]) -> Iterator[tuple[Chunk, tuple[Any, ...]]]:
        pending: tuple[Chunk, Future[tuple[Any, ...]]] | None = None
        for chunk in stream:
            submitted = (chunk, self.pool.submit(self._load, chunk))
            if pending is not None:
                yield pending[0], pending[1].result()
            pending = submitted
        if pending is not None:
            yield pending[0], pending[1].result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class Sharded(Prefetched):
    """Batches split over a mesh's devices: each process reads only its examples of each batch.

    Every process walks the same global order; of each batch it gathers the columns
    its devices hold (`Placement.local_columns`), one chunk ahead, and the global
    arrays are assembled from every process's part without copying between them.
    """

    def __init__(self, data: Dataset[Any, Any], placement: Placement) -> None:
        super().__init__(data)
        self.placement = placement
        self._columns: dict[int, slice] = {}  # by batch size: the same for every chunk

    def _load(self, chunk: Chunk) -> tuple[Any, ...]:
        batch_size = chunk.index.shape[1]
        if batch_size not in self._columns:
            self._columns[batch_size] = self.placement.local_columns(batch_size)
        columns = self._columns[batch_size]
        features, targets = self.data.take(chunk.index[:, columns])
        weights = jax.tree.map(lambda w: w[:, columns], chunk.batch_weights)
        arrays = (features, targets, weights)  # features, targets, weights: arrays or tuples
        placed: tuple[Any, ...] = jax.tree.map(lambda array: self.placement.global_batch(array, batch_size), arrays)
        return placed


def feed_for(data: Dataset[Any, Any], device_limit: int | None, placement: Placement | None = None) -> Feed:
    """Split batches over a placement's mesh; else keep the dataset on device when it fits, else prefetch."""
    if placement is not None:
        return Sharded(data, placement)
    return OnDevice(data) if fits_on_device(data, device_limit) else Prefetched(data)
