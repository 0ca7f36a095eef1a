"""Event files of an earlier run in a TensorBoard folder: dropping what a new run writes again.

An event file is a TFRecord file: each record is the length (uint64), the masked
CRC32C of those 8 bytes, the data (an `Event` protobuf), and the masked CRC32C of the
data, all little-endian. tensorboardX writes them; this module only reads them and
rewrites one without some of its records, when a run starts over part of the steps
an earlier run logged.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from pathlib import Path

from .._errors import TypednnError
from .._files import write_atomic
from ._tensorboardx import DecodeError, EventProto, masked_crc, parse_event

EPOCH_TAGS = ("epoch_", "update_ratio/", "weights/", "updates/")
"""The prefixes of the tags the TensorBoard callback writes at step = epoch."""
BATCH_TAGS = ("batch_",)
"""The prefixes of the tags it writes at step = optimizer steps done."""
HPARAMS_TAGS = ("_hparams_/",)
"""The hparams plugin's tags: one session per run folder, written afresh by each `fit`."""


def _record(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    return length + masked_crc(length) + data + masked_crc(data)


def _records(path: Path) -> Iterator[bytes]:
    """The records of a TFRecord file; a last record cut short by a crash is left out."""
    content = path.read_bytes()
    offset = 0
    while offset + 12 <= len(content):
        length_bytes = content[offset : offset + 8]
        (length,) = struct.unpack("<Q", length_bytes)
        end = offset + 12 + length + 4
        if content[offset + 8 : offset + 12] != masked_crc(length_bytes) or (
            end <= len(content) and content[end - 4 : end] != masked_crc(content[offset + 12 : end - 4])
        ):
            raise TypednnError(
                f"{path}: the TFRecord at byte {offset} fails its CRC32C check",
                hint="the event file is corrupt; move it out of the log folder, then run again",
            )
        if end > len(content):
            return
        yield content[offset + 12 : end - 4]
        offset = end


def drop_events(folder: Path, redone: Callable[[EventProto], bool]) -> None:
    """Rewrite the event files in `folder` without the events `redone` picks.

    Other events are kept; a file left with nothing but its version record is
    removed; a file with nothing to drop is not touched.

    Raises:
        TypednnError: If a file fails its checksums or holds a record that is no event.
    """
    for path in sorted(folder.glob("events.out.tfevents.*")):
        records = list(_records(path))
        try:
            events = [parse_event(record) for record in records]
        except DecodeError as error:
            raise TypednnError(
                f"{path}: a record is not an Event protobuf ({error})",
                hint="move the file out of the log folder, then run again",
            ) from error
        kept = [record for record, event in zip(records, events) if not redone(event)]
        if len(kept) == len(records):
            continue
        kept_events = [parse_event(record) for record in kept]
        if all(event.WhichOneof("what") in (None, "file_version") for event in kept_events):
            path.unlink()
        else:
            write_atomic(path, b"".join(_record(record) for record in kept))


def tags(event: EventProto) -> list[str]:
    """The tags of an event's summary values (none for other events)."""
    if event.WhichOneof("what") != "summary":
        return []
    return [str(value.tag) for value in event.summary.value]


def redone_by(*, epoch: int, step: int) -> Callable[[EventProto], bool]:
    """Pick the events a run starting at `epoch` (after `step` optimizer steps) writes again.

    Those are the per-epoch tags of epochs from `epoch` on, the per-step ones after
    step `step`, and the hparams session of the earlier run.
    """

    def redone(event: EventProto) -> bool:
        return any(
            (tag.startswith(EPOCH_TAGS) and event.step >= epoch)
            or (tag.startswith(BATCH_TAGS) and event.step > step)
            or tag.startswith(HPARAMS_TAGS)
            for tag in tags(event)
        )

    return redone
