"""Durable file writes: a file or folder on disk is either the old one or the new one.

Shared by checkpoints, exports and logs: a crash (even SIGKILL or a power cut) at any
moment never leaves a half-written file under its final name.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

from ._errors import TypednnError

WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)
"""Why a write fails that a user can fix: no space, over quota, read-only, no permission."""
NO_SPACE_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


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


def _create_temporary(path: Path) -> Path:
    """Create an empty, new file beside `path` with the mode `open(path, "w")` would give it.

    Not `tempfile.mkstemp`: it creates files `0600`, and the rename would publish the
    metrics, plots and exports of a run unreadable by the rest of a team on shared
    storage. `0666` less the umask is what any other program's new file gets (`0644`
    under the usual umask 022); `O_EXCL` keeps the name ours alone.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(temporary, flags, 0o666))
        except FileExistsError:
            continue
        return temporary
    raise FileExistsError(errno.EEXIST, "no unused temporary name", str(path.parent))


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a mix.

    The bytes go to a temporary file in the same folder, which is fsynced and then
    renamed over `path`; the folder is fsynced too, so the rename survives a crash.

    Args:
        path: The file to create or replace.
        data: Its new content.
    """
    temporary = _create_temporary(path)
    try:
        write_synced(temporary, data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


# -- replacing a folder ----------------------------------------------------------------------------
#
# `swap_directory(new, final)` moves a complete folder into place in two renames within one
# parent, fsynced in order, so a crash (kill -9, power loss) at any step leaves something
# `recover` makes whole:
#
# 1. `new` is written and fsynced by the caller (usually at `staging_path(final)`);
#    a crash here: `final` is untouched, `new` is debris;
# 2. `final`, if any, is renamed to `trash_path(final)`; a crash here: `final` is missing,
#    and the trash (the old version) and `new` (the new one) are both whole;
# 3. `new` is renamed to `final`; a crash here: `final` is the new version, the trash debris;
# 4. the trash is deleted.
#
# `recover(final)` finishes a swap cut between 2 and 3: forward, if the caller can tell that the
# staging folder is complete (a checkpoint's manifest is written last), else back to the old
# version. What it moves or deletes must be the caller's (`ours`): a folder under these names
# may be someone else's, and nothing is followed through a symlink. The names are fixed so that
# recovery needs no guessing: one writer per folder at a time.

STAGING_SUFFIX = ".typednn-tmp"
"""Added to a folder's name where its next version is written."""
TRASH_SUFFIX = ".typednn-trash"
"""Added to a folder's name where its previous version waits to be deleted."""

Check = Callable[[Path], bool]


def staging_path(final: Path) -> Path:
    """Where the next version of `final` is written before `swap_directory` moves it in."""
    return final.with_name(final.name + STAGING_SUFFIX)


def trash_path(final: Path) -> Path:
    """Where the previous version of `final` waits while the new one moves in."""
    return final.with_name(final.name + TRASH_SUFFIX)


def real_directory(path: Path) -> bool:
    """Whether `path` is a folder itself, not a symlink to one (nor anything else)."""
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except OSError:
        return False


def swap_directory(new: Path, final: Path, *, ours: Check) -> None:
    """Replace `final` (if any) by the complete folder `new`, so that a crash loses neither.

    See the steps above. An error (not a crash) between the renames puts the old version back.

    Args:
        new: The new version, written and fsynced, in `final`'s parent folder.
        final: The folder's name.
        ours: Whether a folder under the trash name is the caller's to delete.

    Raises:
        TypednnError: if something not the caller's sits under the trash name.
        OSError: if a rename fails (the old version is back in place).
    """
    trash = trash_path(final)
    clear(trash, ours=ours)  # debris of a crash during step 4
    try:
        if os.path.lexists(final):
            os.rename(final, trash)
            fsync_dir(final.parent)
        os.rename(new, final)
        fsync_dir(final.parent)
    except BaseException:
        if not os.path.lexists(final) and os.path.lexists(trash):
            os.rename(trash, final)
            fsync_dir(final.parent)
        raise
    clear(trash, ours=ours)


def recover(final: Path, *, ours: Check, complete: Check | None = None) -> bool:
    """Finish a `swap_directory` that a crash cut between its two renames.

    Args:
        final: The folder's name.
        ours: Whether a folder under the trash name is the caller's old version, to move back.
        complete: Whether the folder under the staging name is a whole new version, to move
            forward; by default it never is, and the old version comes back.

    Returns:
        Whether a folder was moved to `final`.

    Raises:
        TypednnError: if the folder to move cannot be moved (a read-only parent).
    """
    if os.path.lexists(final):
        return False  # the swap finished, or never began: what is left is debris
    staging, trash = staging_path(final), trash_path(final)
    if complete is not None and real_directory(staging) and complete(staging):
        found = staging
    elif real_directory(trash) and ours(trash):
        found = trash
    else:
        return False
    move_back(found, final)
    return True


def move_back(found: Path, final: Path) -> None:
    """Rename a whole version left by an interrupted swap to its folder's name.

    Raises:
        TypednnError: if it cannot be renamed (a read-only parent).
    """
    try:
        os.rename(found, final)
        fsync_dir(final.parent)
    except OSError as error:
        raise TypednnError(
            f"{final}: a save was interrupted, and the version at {found} cannot be moved back: {error.strerror}",
            hint=f"rename {found} to {final}",
        ) from None


def clear(path: Path, *, ours: Check) -> None:
    """Delete a folder left under one of typednn's temporary names; refuse anything else there.

    Raises:
        TypednnError: if `path` is not the caller's (a symlink, a file, another's folder).
    """
    if not os.path.lexists(path):
        return
    if not (real_directory(path) and ours(path)):
        raise TypednnError(
            f"{path}: holds something typednn did not write, under the name it uses for its temporary copy;"
            " refusing to delete it",
            hint=f"move {path} away, then save again",
        )
    shutil.rmtree(path)  # never follows a symlink inside
    fsync_dir(path.parent)
