"""Values read from a data file, as messages quote them: short and escaped, never whole.

A data path may name any file (`/proc/self/environ`, a key file), and a message that
quoted a whole header line or cell would print it. So messages quote a file's values
only through these helpers, which cut each to `excerpt`'s 24 characters.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._html import table
from .._reading import excerpt, size

if TYPE_CHECKING:
    from ._dataset import Dataset

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


def dataset_html(data: Dataset[Any, Any]) -> str:
    """A dataset's arrays as an HTML table, for Jupyter: each one's name, shape, dtype and classes.

    Class names come from the data file, so they are cut as messages cut them (`names`);
    `table` escapes every cell.
    """
    # No example: each array's dtype, without reading a memory-mapped file.
    x, y = data.take(np.zeros(0, dtype=np.int64))
    xs, ys = (x if several else (x,) for x, several in ((x, data.several[0]), (y, data.several[1])))
    feature_names = data.feature_names or tuple(str(i) for i in range(len(xs)))
    target_names = data.target_names or tuple(str(i) for i in range(len(ys)))
    rows: list[tuple[str, str, str, str, str]] = []
    for name, array, shape in zip(feature_names, xs, data.feature_shapes):
        rows.append(("features", name if len(xs) > 1 else "", repr(shape), str(array.dtype), ""))
    for n, (name, array, shape) in enumerate(zip(target_names, ys, data.target_shapes)):
        classes, class_names = data.target_classes[n], data.target_class_names[n]
        kind = "" if classes is None else f"{classes:,} classes" + (f": {names(class_names)}" if class_names else "")
        rows.append(
            (
                "targets",
                name if len(ys) > 1 else "",
                "class ids" if shape is None else repr(shape),
                str(array.dtype),
                kind,
            )
        )
    where = "read from a memory-mapped file" if data.file_backed else "in memory"
    caption = f"Dataset: {len(data):,} examples, {size(data.nbytes)} {where}"
    return table(["", "name", "shape (one example)", "dtype", "classes"], rows, caption=caption)
