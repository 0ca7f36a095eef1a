"""File options: how a loader's signature marks a path, and where the CSV cache lives.

A parameter annotated `FilePath` is a file or folder: the spec registry (`_sources`) reads
the mark to resolve it against the spec file's folder, and gives it the type `str` in the
option model, since a spec file can only hold text.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Final


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
