"""Values read from a data file, as messages quote them: short and escaped, never whole.

A data path may name any file (`/proc/self/environ`, a key file), and a message that
quoted a whole header line or cell would print it. So messages quote a file's values
only through these helpers, which cut each to `excerpt`'s 24 characters.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from .._reading import excerpt

SUGGEST_AMONG = 10_000
"""Suggestions ("did you mean") search at most this many names: difflib is slow on a million."""


def quoted(value: object) -> str:
    """A cell or JSON value for a message: `'abc'`, `2.5`, `[1, 2]`, cut to 24 characters.

    Example:
        >>> quoted("abc"), quoted(2.5), quoted(True), quoted("x" * 30)
        ("'abc'", '2.5', 'True', "'xxxxxxxxxxxxxxxxxxxxxxxx…' (30 characters)")
    """
    if isinstance(value, str):
        return excerpt(value)
    # Other JSON values (numbers, lists, objects) read as Python shows them, unquoted.
    text = ascii(value)
    return text if len(text) <= 24 else f"{text[:24]}… ({len(text):,} characters)"


def names(items: Iterable[object], *, most: int = 8) -> str:
    """Names read from a file, for a hint: `'a', 'b', ... (12 in all)`, each cut short.

    Example:
        >>> names(["a", "b"]), names("abcde", most=2)
        ("'a', 'b'", "'a', 'b', ... (5 in all)")
    """
    listed: list[str] = []
    count = 0
    for count, item in enumerate(items, start=1):
        if count <= most:
            listed.append(quoted(str(item)))
    head = ", ".join(listed)
    return head if count <= most else f"{head}, ... ({count:,} in all)"


def suggest(word: object, choices: Sequence[str]) -> str:
    """`; did you mean 'label'?` for the closest of names read from a file, or nothing.

    Example:
        >>> suggest("lable", ["x", "label"])
        "; did you mean 'label'?"
    """
    if len(choices) > SUGGEST_AMONG:
        return ""
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"; did you mean {quoted(close[0])}?" if close else ""
