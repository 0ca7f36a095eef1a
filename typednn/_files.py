"""Durable file writes: a file or folder on disk is either the old one or the new one.

Shared by checkpoints, exports and logs: a crash (even SIGKILL or a power cut) at any
moment never leaves a half-written file under its final name.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (new names, renames) to disk."""
    if os.name == "nt":  # Windows cannot open a folder; its renames need no folder fsync
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_synced(path: Path, data: bytes) -> None:
    """Create or truncate `path`, write `data`, and flush it to disk before returning.

    On its own this is not atomic: use it for files no reader sees until a rename
    publishes them (`write_atomic`, or a folder moved into place).
    """
    with open(path, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a mix.

    The bytes go to a temporary file in the same folder, which is fsynced and then
    renamed over `path`; the folder is fsynced too, so the rename survives a crash.

    Args:
        path: The file to create or replace.
        data: Its new content.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(descriptor)
    try:
        write_synced(Path(temporary), data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
