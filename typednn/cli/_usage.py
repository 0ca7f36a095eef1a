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


def positive(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value
