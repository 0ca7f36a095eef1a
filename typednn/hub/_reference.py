"""`NAME:TAG`: how a model in a registry is named, checked before it names any path.

A name and a tag become folder and file names, in the registry and in the local cache,
so both are held to a small alphabet: letters, digits, `.`, `_` and `-`, not starting
with `.` or `-` (no `..`, no hidden file, nothing a shell reads as an option).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .._errors import TypednnError
from .._reading import excerpt

MAX_LENGTH = 128
"""The longest name or tag: a file name, with room to spare on every filesystem."""
_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_HINT = "name a model NAME:TAG, e.g. mnist-mlp:v1; each part of letters, digits, '.', '_' and '-'"


@dataclass(frozen=True)
class Reference:
    """A model's name and tag in a registry.

    Attributes:
        name: The model's name, e.g. `mnist-mlp`.
        tag: Its version, e.g. `v1`.
    """

    name: str
    tag: str

    def __str__(self) -> str:
        return f"{self.name}:{self.tag}"


def parse(text: str) -> Reference:
    """The reference that `text` spells, `NAME:TAG`.

    Raises:
        TypednnError: if there is no `:` or one part is empty, too long, or holds a
            character outside `[A-Za-z0-9._-]` (or starts with `.` or `-`).

    Example:
        >>> parse("mnist-mlp:v1")
        Reference(name='mnist-mlp', tag='v1')
        >>> parse("../etc:passwd")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        typednn._errors.TypednnError: model reference '../etc:passwd': the NAME '../etc' holds '/'; expected ...
          hint: name a model NAME:TAG, e.g. mnist-mlp:v1; each part of letters, digits, '.', '_' and '-'
    """
    if not isinstance(text, str):
        raise TypednnError(f"a model reference is text NAME:TAG, not {type(text).__name__}", hint=_HINT)
    name, colon, tag = text.partition(":")
    if not colon:
        raise TypednnError(f"model reference {excerpt(text)}: no ':TAG'; expected NAME:TAG", hint=_HINT)
    check(name, "NAME", text)
    check(tag, "TAG", text)
    return Reference(name, tag)


def check(part: str, what: str, text: str) -> None:
    """Refuse a name or tag outside the alphabet (see the module docstring).

    Args:
        part: The name or tag.
        what: "NAME" or "TAG", for the message.
        text: The whole reference (or the file it came from), for the message.
    """
    where = f"model reference {excerpt(text, length=48)}: the {what} {excerpt(part)}"
    if not part:
        raise TypednnError(f"{where} is empty", hint=_HINT)
    if len(part) > MAX_LENGTH:
        raise TypednnError(f"{where} is {len(part)} characters long, more than {MAX_LENGTH}", hint=_HINT)
    if _PART.fullmatch(part):
        return
    bad = [c for c in part if not (c.isascii() and (c.isalnum() or c in "._-"))]
    problem = f"holds {bad[0]!r}" if bad else f"starts with {part[0]!r}"
    raise TypednnError(
        f"{where} {problem}; expected letters, digits, '.', '_' and '-', not starting with '.' or '-'", hint=_HINT
    )
