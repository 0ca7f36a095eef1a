"""Replacing a directory atomically, and recovering from a crash in the middle.

For a target `models/net`, `replace_directory` does:

1. write every file into `models/.net.typednn-new`; fsync each file and that folder;
2. if `models/net` exists, rename it to `models/.net.typednn-old`; fsync `models`;
3. rename `.net.typednn-new` to `net`; fsync `models`;
4. delete `.net.typednn-old`.

Renames within one folder are atomic, and the fsyncs order the steps on disk, so a
crash (kill -9, power loss) at any point leaves a complete export:

- during 1: `net` is untouched (the old export, or none); `.net.typednn-new` is debris;
- between 2 and 3: `net` is missing and `.net.typednn-old` is the old export, whole:
  `recover` renames it back, as if the interrupted save never started;
- during 4: `net` is the new export; what is left of `.net.typednn-old` is debris.

`load` calls `recover`; `save` calls it and deletes the debris before it writes. The
names are fixed so that recovery needs no guessing, which means one writer per
directory at a time (a second concurrent save may fail, or its files be caught by the
sha256 check on load; neither goes unnoticed).

Whatever sits under those names may also be someone else's (an export is often a
downloaded folder): a folder is moved or deleted only if it holds nothing but regular
files under the names typednn writes, and nothing is followed through a symlink.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Collection, Mapping
from pathlib import Path

from .._errors import TypednnError
from .._files import fsync_dir, write_synced


def new_sibling(target: Path) -> Path:
    """Where the next version of `target` is written before it is moved into place."""
    return target.with_name(f".{target.name}.typednn-new")


def old_sibling(target: Path) -> Path:
    """Where the previous version of `target` waits while the new one is moved in."""
    return target.with_name(f".{target.name}.typednn-old")


def foreign_entries(folder: Path, names: Collection[str]) -> list[str]:
    """The entries of `folder` that typednn did not write: any but regular files named in `names`.

    A symlink counts as foreign even under one of the names: typednn writes none.
    """
    foreign = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name not in names or not stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
                foreign.append(entry.name)
    return sorted(foreign)


def _ours(folder: Path, names: Collection[str]) -> bool:
    """Whether `folder` is a real folder (no symlink) holding only files typednn writes."""
    try:
        return stat.S_ISDIR(folder.lstat().st_mode) and not foreign_entries(folder, names)
    except OSError:
        return False


def recover(target: Path, names: Collection[str]) -> None:
    """Undo a save interrupted between its two renames (see the module docstring).

    Args:
        target: The export's directory.
        names: The files an export holds; a folder holding anything else is left alone.

    Raises:
        TypednnError: if the previous export cannot be moved back (a read-only folder).
    """
    old = old_sibling(target)
    if os.path.lexists(target) or not _ours(old, names):
        return
    try:
        os.rename(old, target)
        fsync_dir(target.parent)
    except OSError as error:
        raise TypednnError(
            f"{target}: a save was interrupted, and the previous export at {old} cannot be moved back:"
            f" {error.strerror}",
            hint=f"rename {old} to {target}",
        ) from None


def replace_directory(target: Path, files: Mapping[str, bytes]) -> None:
    """Make `target` a directory holding exactly `files`, atomically (see the module docstring).

    The caller has called `recover` and checked that `target` may be replaced.
    """
    new, old = new_sibling(target), old_sibling(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove(new, files)  # debris of an earlier crash
    _remove(old, files)
    try:
        new.mkdir()
        for name, data in files.items():
            write_synced(new / name, data)
        fsync_dir(new)
        if os.path.lexists(target):
            os.rename(target, old)
            fsync_dir(target.parent)
        os.rename(new, target)
        fsync_dir(target.parent)
    except BaseException:
        # An error (not a crash) undoes its steps now rather than at the next save.
        recover(target, files)
        _remove(new, files)
        raise
    _remove(old, files)


def _remove(path: Path, names: Collection[str]) -> None:
    """Delete a folder typednn wrote under one of its temporary names; refuse anything else there."""
    if not os.path.lexists(path):
        return
    if not _ours(path, names):
        raise TypednnError(
            f"{path}: holds something typednn did not write, under the name it uses for its temporary copy;"
            " refusing to delete it",
            hint=f"move {path} away, then save again",
        )
    shutil.rmtree(path)
