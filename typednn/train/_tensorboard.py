"""TensorBoard scalars without TensorFlow: a minimal event-file writer and the callback.

An event file is a TFRecord file: each record is the length (uint64), the masked
CRC32C of those 8 bytes, the data, and the masked CRC32C of the data, all
little-endian. Each record's data is an `Event` protobuf, encoded here by hand: only
the few fields scalars need (wall_time=1 double, step=2 int64, file_version=3
string, summary=5 holding Summary.value=1 {tag=1 string, simple_value=2 float}).
"""

from __future__ import annotations

import itertools
import math
import os
import socket
import struct
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, Literal

from .._errors import TypednnError
from .._files import write_atomic
from ._callback import Callback, Run, Steps


def _crc32c_table() -> tuple[int, ...]:
    # The reflected Castagnoli polynomial, as TFRecord uses (not zlib's CRC-32).
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC32C_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """The CRC-32C (Castagnoli) checksum of `data`.

    Example:
        >>> hex(crc32c(b"123456789"))
        '0xe3069283'
    """
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC32C_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> bytes:
    # TFRecord masks the checksum so that a CRC of data that holds CRCs stays strong.
    crc = crc32c(data)
    return struct.pack("<I", (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


def _record(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    return length + _masked_crc(length) + data + _masked_crc(data)


def _records(path: Path) -> Iterator[bytes]:
    """The records of a TFRecord file; a last record cut short by a crash is left out."""
    content = path.read_bytes()
    offset = 0
    while offset + 12 <= len(content):
        length_bytes = content[offset : offset + 8]
        (length,) = struct.unpack("<Q", length_bytes)
        end = offset + 12 + length + 4
        if content[offset + 8 : offset + 12] != _masked_crc(length_bytes) or (
            end <= len(content) and content[end - 4 : end] != _masked_crc(content[offset + 12 : end - 4])
        ):
            raise TypednnError(
                f"{path}: the TFRecord at byte {offset} fails its CRC32C check",
                hint="the event file is corrupt; move it out of the log folder, then run again",
            )
        if end > len(content):
            return
        yield content[offset + 12 : end - 4]
        offset = end


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number: int, wire_type: int, payload: bytes) -> bytes:
    """One protobuf field: its key, then the payload (length-prefixed for wire type 2)."""
    key = _varint(number << 3 | wire_type)
    return key + (_varint(len(payload)) + payload if wire_type == 2 else payload)


def _event(wall_time: float, step: int, scalars: Mapping[str, float], *, file_version: str | None = None) -> bytes:
    event = _field(1, 1, struct.pack("<d", wall_time)) + _field(2, 0, _varint(step))
    if file_version is not None:
        event += _field(3, 2, file_version.encode())
    if scalars:
        values = (
            _field(1, 2, _field(1, 2, tag.encode()) + _field(2, 5, _float32(value))) for tag, value in scalars.items()
        )
        event += _field(5, 2, b"".join(values))
    return event


def _float32(value: float) -> bytes:
    try:
        return struct.pack("<f", value)
    except OverflowError:
        # struct refuses a finite float that float32 cannot hold; a float32 cast gives infinity.
        return struct.pack("<f", math.copysign(math.inf, value))


def _read_varint(data: bytes, offset: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, offset


def _fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """The (field number, value) pairs of a protobuf message: ints for varints, else bytes."""
    offset = 0
    while offset < len(data):
        key, offset = _read_varint(data, offset)
        wire_type = key & 7
        if wire_type == 0:
            value, offset = _read_varint(data, offset)
            yield key >> 3, value
            continue
        if wire_type == 2:
            size, offset = _read_varint(data, offset)
        elif wire_type in (1, 5):
            size = 8 if wire_type == 1 else 4
        else:
            raise ValueError(f"protobuf wire type {wire_type} is not used by Event")
        yield key >> 3, data[offset : offset + size]
        offset += size


def _step_and_tags(event: bytes) -> tuple[int, list[str]]:
    """An encoded Event's step and the tags of its summary values."""
    step, tags = 0, []
    for number, value in _fields(event):
        if number == 2 and isinstance(value, int):
            step = value
        elif number == 5 and isinstance(value, bytes):
            for summary_value in (v for n, v in _fields(value) if n == 1 and isinstance(v, bytes)):
                tags += [v.decode() for n, v in _fields(summary_value) if n == 1 and isinstance(v, bytes)]
    return step, tags


_file_numbers = itertools.count()


class EventFileWriter:
    """Append scalar summaries to a new TensorBoard event file in `folder`.

    The file is `events.out.tfevents.<time>.<host>.<pid>.<n>.v2`, and its first
    record names the format version, as TensorFlow's writer does.

    Args:
        folder: Where the file goes; created if missing.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     writer = EventFileWriter(folder)
        ...     writer.add_scalars(3, {"epoch_loss": 0.25})
        ...     writer.close()
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        now = time.time()
        name = f"events.out.tfevents.{int(now)}.{socket.gethostname()}.{os.getpid()}.{next(_file_numbers)}.v2"
        self.path = folder / name
        self._file: BinaryIO = self.path.open("xb")
        self._file.write(_record(_event(now, 0, {}, file_version="brain.Event:2")))

    def add_scalars(self, step: int, scalars: Mapping[str, float], *, wall_time: float | None = None) -> None:
        """Add one event holding `scalars` (tag to value, stored as float32) at `step`."""
        self._file.write(_record(_event(time.time() if wall_time is None else wall_time, step, scalars)))

    def flush(self) -> None:
        """Push what was added to the OS, so that a running TensorBoard sees it."""
        self._file.flush()

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()


def _drop_redone(folder: Path, *, epoch: int, step: int) -> None:
    """Rewrite the event files in `folder` without the scalars a run starting at `epoch` redoes.

    Those are the `epoch_*` scalars of epochs from `epoch` on and the `batch_*` ones
    after optimizer step `step`. Other events are kept; a file left with nothing but
    its version record is removed; a file with nothing to drop is not touched.
    """
    for path in sorted(folder.glob("events.out.tfevents.*")):
        records = list(_records(path))
        try:
            kept = [record for record in records if not _redone(record, epoch=epoch, step=step)]
        except (ValueError, IndexError) as error:
            raise TypednnError(
                f"{path}: a record is not an Event protobuf ({error})",
                hint="move the file out of the log folder, then run again",
            ) from error
        if len(kept) == len(records):
            continue
        # Kept records were parsed above, so reading their fields again cannot fail.
        if all({number for number, _ in _fields(record)} <= {1, 2, 3} for record in kept):
            path.unlink()
        else:
            write_atomic(path, b"".join(_record(record) for record in kept))


def _redone(event: bytes, *, epoch: int, step: int) -> bool:
    event_step, tags = _step_and_tags(event)
    return any(
        (tag.startswith("epoch_") and event_step >= epoch) or (tag.startswith("batch_") and event_step > step)
        for tag in tags
    )


class TensorBoard(Callback):
    """Log the epoch metrics (and, if asked, each step's loss) as TensorBoard scalars.

    As Keras does, `log_dir/train/` gets `epoch_loss`, `epoch_accuracy`, ... (and
    `epoch_learning_rate` when the logs hold it) at step = epoch, and
    `log_dir/validation/` gets the `val_` metrics with the prefix stripped, so
    TensorBoard draws both runs on one chart. With an int `update_freq`, `batch_loss`
    (that step's own loss, not a running mean) goes to `train/` every `update_freq`
    optimizer steps, at step = steps done. Files are flushed at each epoch's end.

    The folder describes one run, as CSVLogger's file does: each `fit` adds new event
    files, and first removes from the existing ones the scalars it will write again:
    all of them for a fresh run, those of the redone epochs (and their steps) for a
    resumed one. No TensorFlow is needed; only the chief process writes.

    Args:
        log_dir: The folder to give `tensorboard --logdir`.
        update_freq: `"epoch"`, or write `batch_loss` every this many steps.

    Raises:
        TypednnError: If `update_freq` is neither `"epoch"` nor a positive int, or an
            existing event file is corrupt.

    Example:
        >>> import typednn as tn
        >>> board = tn.callbacks.TensorBoard("runs/mnist", update_freq=100)
        >>> history = trainer.fit(data, epochs=10, callbacks=[board])  # doctest: +SKIP
        >>> # then: tensorboard --logdir runs/mnist
    """

    def __init__(self, log_dir: str | os.PathLike[str], *, update_freq: Literal["epoch"] | int = "epoch") -> None:
        steps = isinstance(update_freq, int) and not isinstance(update_freq, bool) and update_freq >= 1
        if update_freq != "epoch" and not steps:
            raise TypednnError(
                f"TensorBoard update_freq must be 'epoch' or a positive number of steps, got {update_freq!r}",
                hint="use update_freq='epoch' for epoch scalars only, or e.g. update_freq=100",
            )
        self.log_dir = Path(log_dir)
        self.update_freq = update_freq
        self._writers: dict[str, EventFileWriter] = {}

    def on_train_begin(self, run: Run) -> None:
        if not run.is_chief:
            return
        for name in ("train", "validation"):
            if (self.log_dir / name).is_dir():
                _drop_redone(self.log_dir / name, epoch=run.initial_epoch, step=run.initial_epoch * run.steps_per_epoch)

    def on_steps_end(self, run: Run, steps: Steps) -> None:
        if not run.is_chief or self.update_freq == "epoch":
            return
        for done, loss in enumerate(steps.losses.tolist(), start=steps.first_step + 1):
            if done % self.update_freq == 0:
                self._writer("train").add_scalars(done, {"batch_loss": loss})

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        if not run.is_chief:
            return
        train = {f"epoch_{key}": value for key, value in logs.items() if not key.startswith("val_")}
        validation = {f"epoch_{key[4:]}": value for key, value in logs.items() if key.startswith("val_")}
        for name, scalars in (("train", train), ("validation", validation)):
            if scalars:
                self._writer(name).add_scalars(epoch, scalars)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, run: Run) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()

    def _writer(self, name: str) -> EventFileWriter:
        if name not in self._writers:
            self._writers[name] = EventFileWriter(self.log_dir / name)
        return self._writers[name]
