"""A spec file's text as data with positions, and the limits both readers (YAML, JSON) keep.

The limits are checked while reading, before anything is built from the text: a hostile
file of a few MiB must not cost seconds, gigabytes or the interpreter's stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._errors import TypednnError
from .._reading import excerpt

Path = tuple[str | int, ...]
"""Where a value sits in the document: keys and list indices from the top."""

DEPTH = 64
"""The deepest a value may sit (collections around it); real specs nest five or six levels."""
VALUES = 100_000
"""The most values a document may hold, aliases expanded; real specs hold a few hundred."""
NUMBER_LENGTH = 100
"""The longest number literal read; longer ones are refused before being converted (Python
refuses ints of more than 4,300 digits, and converting them costs quadratic time)."""

_DEPTH_HINT = "a spec file nests a few levels deep; look for unbalanced brackets"


@dataclass(frozen=True)
class Position:
    """A 1-based line and column."""

    line: int
    column: int


@dataclass(frozen=True)
class Document:
    """A parsed spec file.

    Attributes:
        source: The file's name as the user gave it, for messages.
        value: The plain data: dicts, lists, str, int, float, bool, None.
        values: Where each value starts.
        keys: Where each mapping key starts (an unknown key is reported there).
    """

    source: str
    value: Any
    values: dict[Path, Position] = field(repr=False)
    keys: dict[Path, Position] = field(repr=False)

    def where(self, path: Path, *, key: bool = False) -> str:
        """`file:line:col` of `path`, or of its nearest ancestor the file holds.

        Args:
            path: The value's path.
            key: Point at the key of the last path part rather than its value.
        """
        for depth in range(len(path), -1, -1):
            part = path[:depth]
            found = self.keys.get(part) if key and depth == len(path) else None
            found = found or self.values.get(part)
            if found:
                return f"{self.source}:{found.line}:{found.column}"
        return self.source


def too_deep(where: str) -> TypednnError:
    """The error for a value nested in more than `DEPTH` collections, at `where` (`file:line:col`)."""
    return TypednnError(f"{where}: nested more than {DEPTH} levels deep", hint=_DEPTH_HINT)


def too_many(where: str) -> TypednnError:
    """The error for a document holding more than `VALUES` values."""
    return TypednnError(
        f"{where}: the file holds more than {VALUES:,} values",
        hint="a spec file holds a few hundred; look for aliases that repeat parts, or is this the right file?",
    )


def repeated_key(where: str, key: str) -> TypednnError:
    """The error for a key that appears twice in one mapping."""
    return TypednnError(
        f"{where}: the key {excerpt(key)} appears twice in one mapping",
        hint="remove one of them (YAML would silently keep the last)",
    )


def long_number(where: str, literal: str) -> TypednnError:
    """The error for a number literal longer than `NUMBER_LENGTH` characters."""
    digits = sum(character.isdigit() for character in literal)
    return TypednnError(
        f"{where}: a number of {digits:,} digits; no option takes it",
        hint="quote it if it is meant as text",
    )


def line_and_column(text: str, index: int) -> str:
    """`line:col` (1-based) of the character at `index` of `text`."""
    line = text.count("\n", 0, index) + 1
    return f"{line}:{index - text.rfind(chr(10), 0, index)}"
