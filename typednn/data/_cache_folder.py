"""The CSV cache's folder: typednn writes, and ever deletes, only what it marked as its own.

The `cache=` option may name any folder, so the folder is claimed before anything is
written there: typednn uses a folder that it created, or an empty one, and leaves a
marker file (`.typednn-cache`) in it; a folder holding anything else, without that
marker, is refused (unless all it holds is named as typednn names its entries: an
earlier version's cache). Inside its folder typednn deletes only folders named as its own
(`csv-<key>`, `.csv-<key>.<random>.tmp`) that hold its entry marker, the first file it
writes into each; never an entry that is a symbolic link, and never by following one.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from .._errors import TypednnError

MARKER: Final = ".typednn-cache"
"""In the cache folder: typednn claimed it, and may delete its entries there."""
ENTRY_MARKER: Final = ".typednn-entry"
"""The first file typednn writes into every folder it builds (kept once the folder is an entry)."""
STALE_SECONDS: Final = 24 * 3600
"""A temporary folder untouched this long was left by a crash."""

ENTRY: Final = re.compile(r"csv-[0-9a-f]{32}")
TEMPORARY: Final = re.compile(r"\.csv-[0-9a-f]{32}\.[A-Za-z0-9_.]+\.tmp")
_MARKER_TEXT = b"typednn's CSV cache: typednn converts CSV files into the csv-* folders here, and deletes them.\n"


def note(message: str) -> None:
    """Tell the user something that does not stop the command (a damaged entry rebuilt)."""
    print(f"typednn: note: {message}", file=sys.stderr)


def _regular(path: Path) -> bool:
    """Whether `path` is a regular file itself (a symbolic link is not)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _named_ours(name: str) -> bool:
    return bool(ENTRY.fullmatch(name) or TEMPORARY.fullmatch(name))


def _refused(cache: Path) -> TypednnError:
    return TypednnError(
        f"{cache}: the cache folder holds files typednn did not create",
        hint="give an empty folder, or one typednn made (it deletes its old entries there,"
        " so it writes only into a folder of its own)",
    )


def check_owned(cache: Path) -> bool:
    """Whether typednn has claimed `cache` (False: it does not exist, or is empty).

    Raises:
        TypednnError: for a folder holding other files, or a path that is not a folder.
    """
    if not cache.exists():
        return False
    if not cache.is_dir():
        raise TypednnError(f"{cache}: the cache folder is not a folder", hint="give a folder for cache=")
    if _regular(cache / MARKER):
        return True
    try:
        # Folders named as typednn names its entries are an earlier version's cache (before
        # the marker): the folder is taken, though those entries, unmarked, are never deleted.
        others = [name for name in os.listdir(cache) if name != MARKER and not _named_ours(name)]
    except OSError as error:
        raise TypednnError(f"{cache}: the cache folder cannot be read: {error.strerror}") from None
    # Another process may have claimed it since the marker was looked for.
    if others and not _regular(cache / MARKER):
        raise _refused(cache)
    return False


def claim(cache: Path) -> None:
    """Create (or take, if empty) the cache folder and mark it as typednn's.

    Raises:
        TypednnError: for a folder holding other files, or one that cannot be written.
    """
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise TypednnError(f"{cache}: the cache folder is not a folder", hint="give a folder for cache=") from None
    except OSError as error:
        raise TypednnError(f"{cache}: cannot create the cache folder: {error.strerror}") from None
    if check_owned(cache):
        return
    try:
        # O_NOFOLLOW: a link planted under the marker's name is not written through.
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(cache / MARKER, flags, 0o644)
        with os.fdopen(descriptor, "wb") as file:
            file.write(_MARKER_TEXT)
    except OSError as error:
        raise TypednnError(f"{cache}: cannot write in the cache folder: {error.strerror}") from None


def ours(folder: Path) -> bool:
    """Whether `folder` is a folder typednn built: a real folder (not a link) holding its marker."""
    try:
        return stat.S_ISDIR(os.lstat(folder).st_mode) and _regular(folder / ENTRY_MARKER)
    except OSError:
        return False


def temporary(cache: Path, entry: str) -> Path:
    """A new temporary folder for building `entry`, its marker written first."""
    folder = Path(tempfile.mkdtemp(dir=cache, prefix=f".{entry}.", suffix=".tmp"))
    (folder / ENTRY_MARKER).write_bytes(b"")
    return folder


def delete(folder: Path) -> None:
    """Delete a folder typednn built; anything else (a link, a folder without the marker) stays."""
    if ours(folder):
        # rmtree never follows links inside (on this platform it works on open descriptors).
        shutil.rmtree(folder, ignore_errors=True)


def remove(folder: Path) -> None:
    """Remove an entry so that no reader sees it half-deleted: rename it away first."""
    if not ours(folder):
        return
    doomed = folder.with_name(f".{folder.name}.{os.getpid()}.removed.tmp")
    try:
        folder.rename(doomed)
    except OSError:
        return  # someone else removed or replaced it
    delete(doomed)


def _newest(folder: Path) -> float:
    """The latest modification time of the folder and its files (links not followed)."""
    newest = os.lstat(folder).st_mtime
    with os.scandir(folder) as entries:
        for entry in entries:
            newest = max(newest, entry.stat(follow_symlinks=False).st_mtime)
    return newest


def sweep(cache: Path, keep: str, replaced: Callable[[Path], bool]) -> None:
    """Delete typednn's stale temporary folders, and its entries that `replaced` says are old.

    Args:
        cache: The claimed cache folder.
        keep: The entry being built, never removed.
        replaced: Whether an entry (one of typednn's) holds an older version of the file.
    """
    now = time.time()
    for item in cache.iterdir():
        if not ours(item):
            continue
        try:
            if TEMPORARY.fullmatch(item.name) and now - _newest(item) > STALE_SECONDS:
                delete(item)
            elif ENTRY.fullmatch(item.name) and item.name != keep and replaced(item):
                remove(item)
        except OSError:
            continue  # removed meanwhile by another process
