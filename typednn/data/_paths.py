"""File options: how a loader's signature marks a path, how sources open it (a path or a URL), and the cache.

A parameter annotated `FilePath` is a file or folder: the spec registry (`_sources`) reads
the mark to resolve it against the spec file's folder, and gives it the type `str` in the
option model, since a spec file can only hold text.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Final

from pyarrow.fs import FSSpecHandler, PyFileSystem

from .._errors import TypednnError
from .._reading import check_regular, open_regular
from ._remote import open_url, reason, url_filesystem


class _PathMark:
    """The mark on `FilePath`: the option names a file or folder."""

    def __repr__(self) -> str:
        return "FilePath"


PATH_MARK: Final = _PathMark()

FilePath = Annotated[str | os.PathLike[str], PATH_MARK]
"""A file or folder: a `str` or `pathlib.Path` in Python, text in a spec file."""


def default_cache() -> Path:
    """Where `cache=True` keeps converted files: `$TYPEDNN_CACHE`, else the user's cache folder.

    The user's cache folder is `$XDG_CACHE_HOME/typednn`, else `~/.cache/typednn`.
    """
    if os.environ.get("TYPEDNN_CACHE"):
        return Path(os.environ["TYPEDNN_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "typednn"


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
"""A scheme of two letters or more, then `://`: `C:/data` (a Windows drive) is a path."""


def is_url(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a URL (`https://...`, `s3://...`, `memory://...`) rather than a local path.

    Example:
        >>> is_url("s3://bucket/data.csv"), is_url("data/d.csv"), is_url("C:/data.csv")
        (True, False, False)
    """
    return isinstance(path, str) and _URL.match(path) is not None


Location = Path | str
"""Where a file is: a local path, or a URL (kept as text: `Path` would fold its `//`)."""


def location(path: str | os.PathLike[str]) -> Location:
    """`path` as a `Path`, or as the text of a URL.

    Example:
        >>> location("memory://data/d.jsonl"), location("data/d.jsonl")
        ('memory://data/d.jsonl', PosixPath('data/d.jsonl'))
    """
    return path if isinstance(path, str) and is_url(path) else Path(path)


def open_binary(path: str | os.PathLike[str], *, what: str, limit: int | None = None) -> BinaryIO:
    """The one place a data source opens a file: a local regular file, or a URL's file.

    Local paths go through `open_regular` (regular files only); URLs through fsspec, or
    the standard library for `http(s)://` (`_remote.open_url`).

    Raises:
        TypednnError: naming the path or URL, for anything that cannot be read.
    """
    if is_url(path):
        return open_url(os.fspath(path), what=what, limit=limit)
    return open_regular(path, what=what, limit=limit)


def arrow_location(path: str | os.PathLike[str], *, what: str) -> tuple[str, Any, str, bool]:
    """Where pyarrow reads a file or folder: `(name for messages, filesystem, path in it, is a folder)`.

    The filesystem is None for a local path (pyarrow's own), else the URL's fsspec
    filesystem wrapped for pyarrow.

    Raises:
        TypednnError: for a missing path, a local path that is neither a folder nor a
            regular file, or a URL whose filesystem is not installed.
    """
    where = os.fspath(path)
    if not is_url(path):
        local = Path(path)
        if local.is_dir():
            return where, None, str(local), True
        check_regular(local, what=what)
        return where, None, str(local), False
    filesystem, inside = url_filesystem(where)
    try:
        folder = bool(filesystem.isdir(inside))
        if not folder and not filesystem.isfile(inside):
            raise TypednnError(f"{where}: no such file", hint=f"check the URL of the {what}")
    except TypednnError:
        raise
    except Exception as error:  # fsspec's backends raise their own errors (OSError, botocore's...)
        raise TypednnError(f"{where}: cannot be read: {reason(error)}", hint=f"check the URL of the {what}") from None
    return where, PyFileSystem(FSSpecHandler(filesystem)), inside, folder
