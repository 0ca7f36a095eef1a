"""Small helpers for the messages of file loaders: values as the file shows them, suggestions."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping

from .._errors import TypednnError


def show(value: object) -> str:
    """A value as the file shows it, shortened."""
    text = json.dumps(value, default=repr)
    return text if len(text) <= 60 else text[:57] + "..."


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """`; did you mean 'units'?` for the closest choice, or nothing."""
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
