"""JAX's persistent compilation cache, on by default: a second run of a model starts training at once.

The first `Trainer` of a process points JAX's cache (`jax_compilation_cache_dir`) at
`$TYPEDNN_CACHE/jax`, else `~/.cache/typednn/jax` (the folder `tn.data`'s `cache=True`
and the hub use), and lowers the compile time above which a program is kept to
`MIN_COMPILE_SECONDS`: JAX's default (1 s) would skip most train steps on a GPU. A later
run that compiles the same program (same model, batch, optimizer, devices and JAX
version) then reads the executable back instead of compiling it.

It is decided once per process and changes nothing when:

- `TYPEDNN_COMPILATION_CACHE` is `0` (or `false`, `off`, `no`);
- the user configured a cache of their own (`jax_compilation_cache_dir`, or
  `JAX_COMPILATION_CACHE_DIR`), or turned JAX's off (`jax_enable_compilation_cache`);
- the folder cannot be made or written, or other users could write it (a cached
  executable is code that runs in this process): one warning, and training goes on
  without the cache.

JAX writes only inside the folder; it is never pruned (delete it at any time).
"""

from __future__ import annotations

import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import jax

from ..data._paths import default_cache

ENV: Final = "TYPEDNN_COMPILATION_CACHE"
"""`0`, `false`, `off` or `no` turns the cache off; anything else (or unset) leaves it on."""
OFF: Final = frozenset({"0", "false", "off", "no"})
MIN_COMPILE_SECONDS: Final = 0.2
"""Programs that compile faster are not kept: reading one back costs about as much."""
_JAX_DEFAULT_MIN_SECONDS: Final = 1.0


class CompilationCacheWarning(UserWarning):
    """The compilation cache's folder cannot be used; training goes on, compiling as usual."""


@dataclass
class _Decision:
    """Whether this process decided yet, and the folder it chose (None: no cache of typednn's)."""

    made: bool = False
    folder: Path | None = None


_decision = _Decision()


def _setting(name: str) -> object:
    """A JAX setting by name (`jax.config` declares none of them to type checkers)."""
    value: object = getattr(jax.config, name)
    return value


def folder() -> Path:
    """Where typednn keeps compiled programs: `$TYPEDNN_CACHE/jax`, else `~/.cache/typednn/jax`."""
    return default_cache() / "jax"


def enable() -> Path | None:
    """Turn JAX's persistent compilation cache on, once per process, unless the user said otherwise.

    Returns:
        The folder in use when typednn set it, else None (off, configured by the user,
        or unusable).
    """
    if _decision.made:
        return _decision.folder
    _decision.made = True
    if os.environ.get(ENV, "").strip().lower() in OFF:
        return None
    if _setting("jax_compilation_cache_dir") is not None or not _setting("jax_enable_compilation_cache"):
        return None  # the user's own settings stand
    path = folder()
    problem = _unusable(path)
    if problem is not None:
        warnings.warn(
            f"{path}: not used as the compilation cache: {problem}; training compiles every program afresh"
            f" (set {ENV}=0 to silence this, or point $TYPEDNN_CACHE at a folder of your own)",
            CompilationCacheWarning,
            stacklevel=3,
        )
        return None
    jax.config.update("jax_compilation_cache_dir", str(path))
    if _setting("jax_persistent_cache_min_compile_time_secs") == _JAX_DEFAULT_MIN_SECONDS:
        jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECONDS)
    _decision.folder = path
    return path


def _unusable(path: Path) -> str | None:
    """Why `path` cannot hold the cache (made here, private to the user, when missing); None when it can."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
    except OSError as error:
        return f"cannot make it ({error.strerror})"
    if not stat.S_ISDIR(info.st_mode):
        return "not a folder"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return "owned by another user"
    # JAX runs what it reads from the cache: a folder others can write is not to be trusted.
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "other users can write it"
    if not os.access(path, os.W_OK | os.X_OK):
        return "it is not writable"
    return None
