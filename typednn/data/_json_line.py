"""One line of a JSON Lines file, parsed with bounds: nesting, integer digits, line length.

`json.loads` recurses once per nesting level (deep `[[[[...` ends in RecursionError, as
would typednn's own walk of the value), converts integers of any length (past 4300
digits Python refuses, with ValueError; far fewer overflow float32). So a line's nesting
is measured before it is parsed, by a scan of its brackets outside strings, and
integers longer than `MAX_INT_DIGITS` are refused while parsing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

import numpy as np

from .._errors import TypednnError
from .._reading import MiB, size

MAX_DEPTH: Final = 64
"""The deepest nesting of a line's lists and objects (an image is 3 or 4 deep)."""
MAX_INT_DIGITS: Final = 100
"""The most digits of an integer: larger ones are beyond float32 (about 10**38) anyway."""
LINE_LIMIT: Final = 64 * MiB
"""The longest line, in bytes."""

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_OPENING = np.frombuffer(b"[{", np.uint8)


class _TooLongError(Exception):
    """An integer with too many digits (raised from inside `json.loads`)."""


def too_deep(raw: bytes) -> int | None:
    """How deeply a line's lists and objects nest, when deeper than `MAX_DEPTH` (else None).

    Brackets inside strings do not count.

    Example:
        >>> too_deep(b'{"x": [[1, 2], [3]], "y": "[[["}') is None, too_deep(b"[" * 70 + b"]" * 70)
        (True, 70)
    """
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return None  # so few brackets cannot nest deeper: the scan is skipped
    brackets = np.frombuffer(_NOT_BRACKET.sub(b"", _STRING.sub(b"", raw)), np.uint8)
    if not len(brackets):
        return None
    # The running count of opened minus closed brackets, in C: lines may be megabytes.
    deepest = int(np.cumsum(np.where(np.isin(brackets, _OPENING), 1, -1)).max())
    return deepest if deepest > MAX_DEPTH else None


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _TooLongError(len(digits.lstrip("-")))
    return int(digits)


def lines(file: IO[bytes], path: Path | str) -> Iterator[tuple[int, bytes]]:
    """Each line with its number (from 1), each at most `LINE_LIMIT` bytes.

    Raises:
        TypednnError: for a longer line.
    """
    number = 0
    while raw := file.readline(LINE_LIMIT + 1):
        number += 1
        if len(raw) > LINE_LIMIT:
            raise TypednnError(
                f"{path}:{number}: a line longer than {size(LINE_LIMIT)}",
                hint="is this a JSON Lines file? It holds one example per line",
            )
        yield number, raw


def parse(raw: bytes, path: Path | str, line: int) -> Any:
    """The JSON value of one line.

    Raises:
        TypednnError: located (`file:line`, with the column where JSON says), for text
            that is not UTF-8, invalid JSON, nesting deeper than `MAX_DEPTH`, or an
            integer of more than `MAX_INT_DIGITS` digits.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TypednnError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[error.start]:02x})", hint="save it as UTF-8"
        ) from None
    nesting = too_deep(raw)
    if nesting is not None:
        raise TypednnError(
            f"{path}:{line}: lists or objects nested {nesting:,} deep, more than the {MAX_DEPTH} typednn reads",
            hint="give features as a list of numbers, or lists nested one level per axis",
        )
    try:
        return json.loads(text, parse_int=_integer)
    except _TooLongError as error:
        raise TypednnError(
            f"{path}:{line}: an integer of {error.args[0]:,} digits; typednn reads at most {MAX_INT_DIGITS}",
            hint="numbers beyond float32's range (about 3.4e38) cannot be features or targets",
        ) from None
    except json.JSONDecodeError as error:
        # Its message names what was expected ("Expecting ','"), never the text.
        raise TypednnError(f"{path}:{line}:{error.colno}: invalid JSON: {error.msg}") from None
    except RecursionError:  # the scan above keeps lines far from the limit; kept as a backstop
        raise TypednnError(f"{path}:{line}: lists or objects nested too deep") from None
