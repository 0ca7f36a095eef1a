"""A typed face on tensorboardX: the one module that imports it.

tensorboardX (and the protobuf runtime it builds on) ships no type information, so
its imports are `Any` here, each with a narrow ignore, and the rest of typednn sees
only the typed functions below. It writes the events: file naming, the file-version
record, TFRecord framing with its CRC32C, and the `Event`/`Summary`/histogram/hparams
protobufs.

Events go through tensorboardX's synchronous `EventsWriter` rather than
`SummaryWriter`, whose background thread writes from a queue: there, `flush()` can
return before an epoch's events reach the file, and a TensorBoard reading the folder
mid-run (or a resumed run rewriting it) would miss them.
"""

from __future__ import annotations

import itertools
import os
import struct
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
from google.protobuf.message import DecodeError as DecodeError
from tensorboardX.crc32c import crc32c as _crc32c
from tensorboardX.event_file_writer import EventsWriter
from tensorboardX.proto.event_pb2 import Event
from tensorboardX.proto.summary_pb2 import Summary
from tensorboardX.record_writer import masked_crc32c
from tensorboardX.summary import hparams, make_histogram

HParam: TypeAlias = str | bool | int | float
"""A hyperparameter value as TensorBoard's hparams plugin shows it."""

EventProto: TypeAlias = Any
"""A decoded tensorboardX `Event` protobuf (untyped)."""


_BUCKETS = 30
"""Equal-width buckets from the least to the greatest value, as TensorFlow 2's
`tf.summary.histogram` makes them (TensorBoard re-bins to about that many anyway):
one linear pass, where TensorFlow 1's ~1,500 exponential buckets need a sort, 0.4 s
an epoch for a million parameters."""

_file_numbers = itertools.count()


def crc32c(data: bytes) -> int:
    """The CRC-32C (Castagnoli) checksum of `data`, as TFRecord files use it.

    Example:
        >>> hex(crc32c(b"123456789"))
        '0xe3069283'
    """
    return int(_crc32c(data))


def masked_crc(data: bytes) -> bytes:
    """The masked CRC-32C of `data`, packed as a TFRecord holds it (little-endian uint32)."""
    return struct.pack("<I", masked_crc32c(data))


def parse_event(data: bytes) -> EventProto:
    """Decode one record's data as an `Event`.

    Raises:
        DecodeError: If it is not one.
    """
    return Event.FromString(data)


class EventWriter:
    """Append events to a new TensorBoard event file in `folder`.

    The file is `events.out.tfevents.<time>.<host>.<pid>.<n>.v2` (the process and a
    counter keep two writers of one second apart), and its first record names the
    format version, as TensorFlow's writer does.

    Args:
        folder: Where the file goes; created if missing.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     writer = EventWriter(folder)
        ...     writer.add_scalars(3, {"epoch_loss": 0.25})
        ...     writer.close()
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        # Absolute: tensorboardX sends a path that starts with `gs:` or `s3:` to the cloud.
        folder = Path(folder).absolute()
        folder.mkdir(parents=True, exist_ok=True)
        self._writer = EventsWriter(str(folder / "events"), f".{os.getpid()}.{next(_file_numbers)}.v2")
        self._pending = True  # the version record

    def _add(self, step: int, values: list[Any], wall_time: float | None) -> None:
        event = Event(wall_time=time.time() if wall_time is None else wall_time, step=step)
        event.summary.value.extend(values)
        self._writer.write_event(event)
        self._pending = True

    def add_scalars(self, step: int, scalars: Mapping[str, float], *, wall_time: float | None = None) -> None:
        """Add one event holding `scalars` (tag to value, stored as float32) at `step`.

        NaN and infinities are kept; a finite value past float32's range becomes infinity.
        """
        values = [Summary.Value(tag=tag, simple_value=float(value)) for tag, value in scalars.items()]
        self._add(step, values, wall_time)

    def add_histograms(self, step: int, histograms: Mapping[str, np.ndarray[Any, Any]]) -> None:
        """Add one event holding a histogram of each array's finite values (tag to array) at `step`.

        An array with no finite value is left out: TensorBoard cannot bin NaN.
        """
        values = []
        for tag, array in histograms.items():
            finite = np.asarray(array, np.float64).reshape(-1)
            finite = finite[np.isfinite(finite)]
            if finite.size:
                values.append(Summary.Value(tag=tag, histo=make_histogram(finite, _BUCKETS)))
        if values:
            self._add(step, values, None)

    def add_session_start(self, values: Mapping[str, HParam]) -> None:
        """Add the hparams plugin's session start: this folder is one run with hyperparameters `values`.

        No experiment summary is written: TensorBoard then lists the hyperparameters of
        every session it finds, and their metrics from the scalars in the session's
        folder and its subfolders (`train/epoch_loss`, `validation/epoch_loss`...).
        """
        _, start, _ = hparams(dict(values), {})
        self._add(0, list(start.value), None)

    def add_session_end(self) -> None:
        """Add the hparams plugin's session end (status: success)."""
        _, _, end = hparams({}, {})
        self._add(0, list(end.value), None)

    def flush(self) -> None:
        """Push what was added to disk, so that a running TensorBoard sees it.

        tensorboardX's flush also syncs the file (an fsync, milliseconds on some disks):
        a writer with nothing new skips it.
        """
        if self._pending:
            self._writer.flush()
            self._pending = False

    def close(self) -> None:
        """Flush and close the file."""
        self._writer.close()
