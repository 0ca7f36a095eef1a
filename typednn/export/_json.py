"""JSON that an export holds, read with bounds: size, nesting, and number length.

spec.json comes from whoever sent the export. Python's `json` raises RecursionError on
deeply nested arrays, ValueError on integers of more than 4,300 digits, and keeps the
last of two equal keys silently; a nesting the decoder accepts may still break code
that walks the value recursively later (messages dump it with `json.dumps`). `loads`
turns each of these into a located `TypednnError` and bounds the nesting well below
the interpreter's recursion limit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .._errors import TypednnError
from .._reading import DOCUMENT_LIMIT, excerpt, read_regular

MAX_DEPTH = 64
"""How deeply an export's JSON may nest; typednn writes fewer than ten levels."""


def read(path: Path, *, what: str, missing: str, limit: int = DOCUMENT_LIMIT) -> object:
    """The JSON value of a regular file of at most `limit` bytes.

    Args:
        path: The file.
        what: What it is, for messages ("spec.json").
        missing: The message for a missing file (after `path: `).
        limit: The largest size accepted.

    Raises:
        TypednnError: naming the file (and line and column for invalid JSON) if it is
            missing, not a regular file, too large, not UTF-8, not JSON, nested too
            deeply, or holds a number Python cannot read or a key twice in one object.
    """
    if not path.exists() and not path.is_symlink():
        raise TypednnError(f"{path}: {missing}", hint="pass the directory that tn.save wrote")
    return loads(read_regular(path, what=what, limit=limit), source=str(path))


def loads(data: bytes, *, source: str) -> object:
    """`data` as JSON, under the bounds of the module docstring (see `read`)."""
    try:
        text = data.decode()
    except UnicodeDecodeError as error:
        raise TypednnError(f"{source}: not UTF-8 text (byte {error.start})", hint="the file is corrupted") from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as error:
        raise TypednnError(f"{source}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from None
    except _DuplicateKeyError as error:
        raise TypednnError(
            f"{source}: the key {excerpt(error.args[0])} appears twice in one object", hint="keep one of them"
        ) from None
    except RecursionError:
        raise _too_deep(source) from None
    except ValueError as error:  # an int of more than 4,300 digits (int_max_str_digits)
        raise TypednnError(
            f"{source}: holds a number Python cannot read: {str(error).split(':')[0]}",
            hint="the file is corrupted or was not written by typednn",
        ) from None
    if _depth(value) > MAX_DEPTH:
        raise _too_deep(source)
    return value


def _too_deep(source: str) -> TypednnError:
    return TypednnError(
        f"{source}: nested more than {MAX_DEPTH} levels deep",
        hint="the file is corrupted or was not written by typednn",
    )


def _depth(value: object) -> int:
    """The nesting depth of a parsed JSON value, without recursion (the value may be deep)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        children: Any = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


class _DuplicateKeyError(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; a hand-edited file may mean the first.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result
