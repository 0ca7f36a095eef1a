"""Small helpers for messages: values as a file or message shows them, suggestions, lists."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Generator, Iterable, Mapping

from ._errors import TypednnError


def show(value: object) -> str:
    """A value as a JSON or YAML file shows it, shortened: `"abc"`, `[1, 2]`.

    >>> show("abc"), show([1, 2])
    ('"abc"', '[1, 2]')
    """
    text = json.dumps(value, default=repr)
    return text if len(text) <= 60 else text[:57] + "..."


def shown(value: object) -> str:
    """A value as a message quotes it (Python's repr), shortened: `'abc'`, `2.5`.

    >>> shown("abc"), shown(2.5), shown("x" * 80)[-6:]
    ("'abc'", '2.5', 'xxx...')
    """
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def given(value: object) -> str:
    """What a message says was given in place of what was expected: `3 (an int)`, `the path 'x.csv'`.

    >>> given(3), given("data.csv"), given((1.0, "a")), given(object())
    ('3 (an int)', "the string 'data.csv'", 'a tuple of 2 items (float, str)', 'a value of type object')
    """
    kind = type(value).__name__
    if isinstance(value, str):
        return f"the string {shown(value)}"
    if isinstance(value, os.PathLike):
        return f"the path {shown(os.fspath(value))}"
    if isinstance(value, (bool, int, float)):
        return f"{shown(value)} ({'an' if kind == 'int' else 'a'} {kind})"
    if isinstance(value, (tuple, list)):
        items = ", ".join(type(item).__name__ for item in value[:4]) + (", ..." if len(value) > 4 else "")
        return f"a {kind} of {len(value)} items ({items})"
    return "a generator" if isinstance(value, Generator) else f"a value of type {kind}"


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """`; did you mean 'units'?` for the closest choice, or nothing.

    >>> did_you_mean("lable", ["x", "label"])
    "; did you mean 'label'?"
    """
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def no_unknown_keys(mapping: Mapping[str, object], known: Iterable[str], where: str) -> None:
    """Refuse a key that is not among `known`.

    Raises:
        TypednnError: naming the key, with a suggestion.
    """
    known = list(known)
    for key in mapping:
        if key not in known:
            raise TypednnError(
                f"{where}: unknown key {key!r}{did_you_mean(key, known)}", hint=f"the keys are {', '.join(known)}"
            )


def listed(names: Iterable[str], *, most: int = 8) -> str:
    """Names for a hint, the first `most` of them: `'a', 'b', ... (12 in all)`.

    >>> listed(["a", "b"]), listed("abcde", most=2)
    ("'a', 'b'", "'a', 'b', ... (5 in all)")
    """
    items = list(names)
    head = ", ".join(repr(name) for name in items[:most])
    return head if len(items) <= most else f"{head}, ... ({len(items)} in all)"
