"""A run directory's ownership: typednn replaces only what it wrote, and one run uses it at a time.

A directory becomes a run directory when typednn creates it (or finds it empty) and
writes the marker `.typednn-run` into it first; a run of an earlier version, without
the marker, is recognised by holding a `checkpoints/` folder and nothing but a run's
entries. Only such a directory is ever resumed
or overwritten, and `--overwrite` removes only the entries a run writes (by name; the
user's own files beside them stay), never through a symbolic link. While a run trains,
its process holds an advisory lock on `.typednn-run.lock`, which names the holder, so
a second run on the same directory is refused instead of interleaving with the first.
The kernel drops the lock when the process dies, however it dies.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .._errors import TypednnError
from .._files import write_atomic
from ._schema import path_problem

MARKER = ".typednn-run"
LOCK = ".typednn-run.lock"
CHECKPOINTS = "checkpoints"
MODEL = "model"
METRICS = "metrics.csv"
PLOT = "training.png"
TEST_METRICS = "test_metrics.json"
TENSORBOARD = "tensorboard"
SPEC_COPIES = ("spec.yaml", "spec.yml", "spec.json")
ENTRIES = (*SPEC_COPIES, CHECKPOINTS, METRICS, PLOT, MODEL, TEST_METRICS, TENSORBOARD)
"""What a run writes; `--overwrite` removes these names and nothing else."""

_MARKER_TEXT = json.dumps({"format": "typednn-run", "version": 1}) + "\n"
_NEW = "pass --out with a new or empty directory"


@dataclass(frozen=True)
class State:
    """What a run directory holds before a run starts.

    Attributes:
        earlier: It holds an earlier typednn run.
        checkpoint: That run wrote at least one checkpoint folder.
    """

    earlier: bool
    checkpoint: bool


def examine(directory: Path, *, resume: bool, overwrite: bool) -> State:
    """Check that a run may use `directory`, changing nothing.

    Raises:
        TypednnError: for a file, a directory that holds files typednn did not write
            (whatever the options), an earlier run without --resume or --overwrite,
            or --overwrite through a symbolic link.
    """
    if (problem := path_problem(str(directory), what="the run directory")) is not None:
        raise TypednnError(problem, hint="pass a shorter --out")
    if os.path.lexists(directory) and not directory.is_dir():
        raise TypednnError(f"{directory}: a file, not a run directory", hint="pass another --out")
    if overwrite and directory.is_symlink():
        raise TypednnError(
            f"{directory}: a symbolic link; --overwrite never deletes through one",
            hint=f"pass the directory it points to ({os.path.realpath(directory)}) as --out",
        )
    if not (directory.is_dir() and _entries(directory)):
        return State(earlier=False, checkpoint=False)
    marker = directory / MARKER
    if not (marker.is_file() and not marker.is_symlink()) and not _earlier_version(directory):
        raise TypednnError(
            f"{directory}: holds files that typednn did not write (no {MARKER} marker), which it never replaces",
            hint=_NEW,
        )
    if not resume and not overwrite:
        raise TypednnError(
            f"{directory}: holds an earlier run",
            hint="pass --resume to continue it, --overwrite to start afresh, or --out for another directory",
        )
    if overwrite:
        linked = [name for name in ENTRIES if (directory / name).is_symlink()]
        if linked:
            raise TypednnError(
                f"{directory / linked[0]}: a symbolic link where the run keeps its {linked[0]};"
                " --overwrite never deletes through one",
                hint="remove the link yourself, or " + _NEW,
            )
    checkpoints = directory / CHECKPOINTS
    checkpoint = checkpoints.is_dir() and any(name.startswith("step_") for name in _entries(checkpoints))
    return State(earlier=True, checkpoint=checkpoint)


def _earlier_version(directory: Path) -> bool:
    """Whether `directory` is an unmarked run of an earlier typednn: checkpoints, and only a run's entries."""
    checkpoints = directory / CHECKPOINTS
    return checkpoints.is_dir() and not checkpoints.is_symlink() and set(_entries(directory)) <= {*ENTRIES, LOCK}


def _entries(directory: Path) -> list[str]:
    with os.scandir(directory) as entries:
        return [entry.name for entry in entries]


@contextlib.contextmanager
def claimed(directory: Path, *, overwrite: bool) -> Iterator[None]:
    """Make `directory` a run directory and hold its lock until the block ends.

    With `overwrite`, the earlier run's entries are removed once the lock is held.

    Raises:
        TypednnError: when another process holds the lock (naming its pid and host).
    """
    directory.mkdir(parents=True, exist_ok=True)
    marker = directory / MARKER
    if not os.path.lexists(marker):
        write_atomic(marker, _MARKER_TEXT.encode())
    with _locked(directory / LOCK):
        if overwrite:
            for name in ENTRIES:
                _remove(directory / name)
        yield


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl  # noqa: PLC0415 - POSIX only; Windows runs unlocked
    except ImportError:
        yield
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(descriptor, "r+") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TypednnError(
                f"{path.parent}: in use by another run ({_holder(file)})",
                hint="wait for it to finish, or pass --out with another directory",
            ) from None
        file.seek(0)
        file.truncate()
        file.write(f"pid {os.getpid()} on host {socket.gethostname()}\n")
        file.flush()
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def _holder(file: IO[str]) -> str:
    text = file.read(200).strip()
    return text if text.startswith("pid ") and text.isprintable() else "holder unknown"


def _remove(path: Path) -> None:
    """Remove a run's entry; a folder without following links inside it."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        pass
