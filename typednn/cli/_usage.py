"""Errors in how the command was called, rather than in the files it reads."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._errors import TypednnError


class UsageError(TypednnError):
    """A bad command line: the CLI exits 2 for it."""


def existing(value: str) -> Path:
    """An argparse type: a path that exists."""
    path = Path(value)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{value}: no such file or directory")
    return path
