"""Spec text in JSON: plain values with the position of each, read without recursion.

JSON is read as JSON (YAML 1.1 would read `1e-3` as text and refuse escaped surrogate
pairs), with Python's `json` semantics for strings and numbers, but by a loop over an
explicit stack: `json` itself recurses per level (RecursionError on deep nesting) and
keeps no positions. Depth, the number of values and the length of number literals are
checked as each is read, so a hostile file is refused before it is built.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NoReturn

from .._errors import TypednnError
from ._text_document import (
    DEPTH,
    NUMBER_LENGTH,
    VALUES,
    Document,
    Path,
    Position,
    long_number,
    repeated_key,
    too_deep,
    too_many,
)

# The C string scanner `json` uses: escapes, surrogate pairs, control characters refused.
_scan_string: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]  # public, but not in typeshed
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_SURROGATE = re.compile("[\ud800-\udfff]")
_TRAILING_AT = re.compile(r"( starting)? at$")
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_BOM = "\ufeff"


def parse_json(text: str, *, source: str) -> Document:
    r"""Read a spec's JSON text (see `typednn.spec._text.parse`).

    Example:
        >>> doc = parse_json('{"a": [1e-3, "\\ud83d\\ude00"]}', source="s.json")
        >>> doc.value, doc.where(("a", 1))
        ({'a': [0.001, '😀']}, 's.json:1:14')
    """
    return _Reader(text, source).document()


class _Reader:
    """One pass over the text; `position` counts lines incrementally, as indices only grow."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        # A byte order mark is invisible in editors: skipped, and not counted as a column.
        self.start = 1 if text.startswith(_BOM) else 0
        self.line, self.line_start, self.seen = 1, self.start, self.start
        self.values: dict[Path, Position] = {}
        self.keys: dict[Path, Position] = {}

    def document(self) -> Document:
        text = self.text
        opened: list[tuple[Path, dict[str, Any] | list[Any]]] = []  # containers not closed yet
        root: Any = None
        path: Path = ()  # where the next value goes
        index = self.skip(self.start)
        while True:
            index, value, is_container = self.value(index, path, depth=len(opened))
            if opened:
                container = opened[-1][1]
                if isinstance(container, dict):
                    container[str(path[-1])] = value
                else:
                    container.append(value)
            else:
                root = value
            if is_container:
                opened.append((path, value))
                index = self.skip(index)
                closing = "}" if isinstance(value, dict) else "]"
                if not text.startswith(closing, index):
                    path, index = self.entry(index, path, value)
                    continue
                opened.pop()
                index += 1
            # After a value: close what ends here, then go on with the next entry, if any.
            while True:
                index = self.skip(index)
                if not opened:
                    if index < len(text):
                        self.fail(index, "Extra data")
                    return Document(self.source, root, self.values, self.keys)
                parent, container = opened[-1]
                char = text[index : index + 1]
                if char == ",":
                    path, index = self.entry(self.skip(index + 1), parent, container)
                    break
                if char != ("}" if isinstance(container, dict) else "]"):
                    self.fail(index, "Expecting ',' delimiter")
                opened.pop()
                index += 1

    def value(self, index: int, path: Path, *, depth: int) -> tuple[int, Any, bool]:
        """The value at `index`: (the index after it, the value, whether it is a container).

        A container comes back empty; `document` reads its entries.
        """
        text = self.text
        char = text[index : index + 1]
        if depth > DEPTH:
            raise too_deep(self.where(index))
        self.values[path] = self.position(index)
        if len(self.values) > VALUES:
            raise too_many(self.where(index))
        if char == "{":
            return index + 1, {}, True
        if char == "[":
            return index + 1, [], True
        if char == '"':
            string, end = self.string(index)
            return end, string, False
        number = _NUMBER.match(text, index)
        if number:
            literal = number.group()
            if len(literal) > NUMBER_LENGTH:
                raise long_number(self.where(index), literal)
            parsed = float(literal) if number.group(1) or number.group(2) else int(literal)
            return number.end(), parsed, False
        for word, literal_value in _LITERALS.items():
            if text.startswith(word, index):
                return index + len(word), literal_value, False
        self.fail(index, "Expecting value")

    def entry(self, index: int, parent: Path, container: dict[str, Any] | list[Any]) -> tuple[Path, int]:
        """The path of the next entry of `container` and the index of its value."""
        if isinstance(container, list):
            return (*parent, len(container)), index
        if not self.text.startswith('"', index):
            self.fail(index, "Expecting property name enclosed in double quotes")
        key, end = self.string(index)
        if key in container:
            raise repeated_key(self.where(index), key)
        self.keys[(*parent, key)] = self.position(index)
        end = self.skip(end)
        if not self.text.startswith(":", end):
            self.fail(end, "Expecting ':' delimiter")
        return (*parent, key), self.skip(end + 1)

    def string(self, index: int) -> tuple[str, int]:
        """The string whose opening quote is at `index`, and the index after it."""
        try:
            string, end = _scan_string(self.text, index + 1, True)
        except json.JSONDecodeError as error:
            # `json` words these to be followed by its own position, which the message has already.
            self.fail(error.pos, _TRAILING_AT.sub("", error.msg))
        if _SURROGATE.search(string):
            # `json` keeps a lone `\udXXX` escape as is; no text holds one.
            self.fail(index, "a lone surrogate escape (\\ud800-\\udfff) in a string")
        return string, end

    def skip(self, index: int) -> int:
        match = _WHITESPACE.match(self.text, index)
        return match.end() if match else index

    def position(self, index: int) -> Position:
        if index < self.seen:  # only for an error behind the last value: count again
            self.line, self.line_start, self.seen = 1, self.start, self.start
        newlines = self.text.count("\n", self.seen, index)
        if newlines:
            self.line += newlines
            self.line_start = self.text.rfind("\n", self.seen, index) + 1
        self.seen = index
        return Position(self.line, index - self.line_start + 1)

    def where(self, index: int) -> str:
        position = self.position(index)
        return f"{self.source}:{position.line}:{position.column}"

    def fail(self, index: int, problem: str) -> NoReturn:
        raise TypednnError(
            f"{self.where(index)}: invalid JSON: {problem}",
            hint="check the brackets, commas and quotes around this point",
        )
