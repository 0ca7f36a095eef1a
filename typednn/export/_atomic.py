"""Replacing an export's directory atomically, and recovering from a crash in the middle.

For a target `models/net`, `replace_directory` writes every file into the staging folder
`models/net.typednn-tmp`, fsyncs each file and the folder, and hands it to
`typednn._files.swap_directory`, which renames `net` to `net.typednn-trash`, the staging
folder to `net`, and deletes the trash, fsyncing `models` in between. A crash at any
point leaves a complete export: the old one, or the new one; where it struck between
the two renames, `recover` (called by `load` and `save`) moves the old one back, as if
the interrupted save never started.

Exports written by typednn before the swap was shared with checkpoints used hidden
names, `models/.net.typednn-new` and `models/.net.typednn-old`: `recover` still moves
such an old version back, and `save` deletes such debris.

Whatever sits under those names may also be someone else's (an export is often a
downloaded folder): a folder is moved or deleted only if it holds nothing but regular
files under the names typednn writes, and nothing is followed through a symlink.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Mapping
from pathlib import Path

from .._files import clear, fsync_dir, move_back, real_directory, staging_path, swap_directory, write_synced
from .._files import recover as recover_directory


def _legacy(target: Path, suffix: str) -> Path:
    """The hidden names of earlier versions: `.net.typednn-new` (staging), `.net.typednn-old` (trash)."""
    return target.with_name(f".{target.name}.typednn-{suffix}")


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
        return real_directory(folder) and not foreign_entries(folder, names)
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
    if recover_directory(target, ours=lambda folder: _ours(folder, names)):
        return
    old = _legacy(target, "old")
    if not os.path.lexists(target) and _ours(old, names):
        move_back(old, target)


def replace_directory(target: Path, files: Mapping[str, bytes]) -> None:
    """Make `target` a directory holding exactly `files`, atomically (see the module docstring).

    The caller has called `recover` and checked that `target` may be replaced.

    Raises:
        TypednnError: if a folder under one of the temporary names is not typednn's.
    """

    def ours(folder: Path) -> bool:
        return _ours(folder, files)

    new = staging_path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for debris in (new, _legacy(target, "new"), _legacy(target, "old")):  # of an earlier crash
        clear(debris, ours=ours)
    try:
        new.mkdir()
        for name, data in files.items():
            write_synced(new / name, data)
        fsync_dir(new)
        swap_directory(new, target, ours=ours)
    except BaseException:
        # An error (not a crash) removes its copy now rather than at the next save.
        if os.path.lexists(new):
            clear(new, ours=ours)
        raise
