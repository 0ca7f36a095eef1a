"""YAML and JSON spec text as plain values, with the line and column of every part.

PyYAML's safe composer gives a node tree with positions; the values are built from it
with the safe constructor, so nothing in a spec file can create an object or run code.
JSON is read by the same composer after `json` has checked it (JSON's own messages are
better for its syntax), so both kinds of files get positions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from .._errors import TypednnError

# libyaml's parser where PyYAML has it (the wheels do): the same nodes, ten times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")

Path = tuple[str | int, ...]
"""Where a value sits in the document: keys and list indices from the top."""


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


def parse(text: str, *, source: str, json_syntax: bool = False) -> Document:
    r"""Read a spec's text.

    Args:
        text: The file's contents.
        source: The file's name, for messages.
        json_syntax: Check the text as JSON (a `.json` file) before reading it.

    Raises:
        TypednnError: at the line and column of a syntax error or a repeated key.

    Example:
        >>> doc = parse("model:\n  input: [4]\n", source="s.yaml")
        >>> doc.value, doc.where(("model", "input", 0))
        ({'model': {'input': [4]}}, 's.yaml:2:11')
    """
    if json_syntax:
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            raise TypednnError(
                f"{source}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}",
                hint="check the brackets, commas and quotes around this point",
            ) from None
        # Valid JSON holds tabs only as whitespace (a tab in a string must be escaped),
        # which YAML refuses in some places; a space keeps every column where it is.
        text = text.replace("\t", " ")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = error.problem or error.context or "cannot be read"
        raise TypednnError(
            f"{where}: invalid YAML: {problem}" + (f" ({error.context})" if error.context and error.problem else ""),
            hint="check the indentation and the brackets or quotes opened above this point",
        ) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        column = error.position - text.rfind("\n", 0, error.position)
        raise TypednnError(
            f"{source}:{line}:{column}: invalid YAML: the character {chr(error.character)!r} is not allowed here",
            hint="remove it; control characters may appear only escaped, in double-quoted strings",
        ) from None
    except yaml.YAMLError as error:
        raise TypednnError(f"{source}: invalid YAML: {error}") from None
    except RecursionError:
        raise TypednnError(f"{source}: nested too deeply to read", hint=_DEPTH_HINT) from None
    finally:
        loader.dispose()
    values: dict[Path, Position] = {}
    keys: dict[Path, Position] = {}
    value = None if node is None else _build(node, (), loader, values, keys, source)
    return Document(source, value, values, keys)


_DEPTH = 64
_VALUES = 100_000
_DEPTH_HINT = "a spec file nests a few levels deep; look for unbalanced brackets"


def _position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _build(
    node: yaml.Node,
    path: Path,
    loader: Any,
    values: dict[Path, Position],
    keys: dict[Path, Position],
    source: str,
) -> Any:
    values[path] = _position(node)
    if len(path) > _DEPTH:
        raise TypednnError(f"{source}:{_at(node)}: nested more than {_DEPTH} levels deep", hint=_DEPTH_HINT)
    if len(values) > _VALUES:
        # Aliases can repeat a part exponentially ("billion laughs"); no spec is that big.
        raise TypednnError(f"{source}: holds more than {_VALUES:,} values", hint="look for aliases that repeat parts")
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
        raise TypednnError(
            f"{source}:{_at(node)}: the tag {node.tag!r} is not allowed; a spec file holds plain data",
            hint="remove the tag",
        )
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # YAML merge keys (`<<: *base`)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, loader, source)
            if not isinstance(key, str):
                raise TypednnError(
                    f"{source}:{_at(key_node)}: a key must be a name, not {key!r}",
                    hint="quote it if it is meant as text",
                )
            if key in result:
                raise TypednnError(
                    f"{source}:{_at(key_node)}: the key {key!r} appears twice in one mapping",
                    hint="remove one of them (YAML would silently keep the last)",
                )
            keys[(*path, key)] = _position(key_node)
            result[key] = _build(value_node, (*path, key), loader, values, keys, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, index), loader, values, keys, source) for index, item in enumerate(node.value)]
    return _scalar(node, loader, source)


def _scalar(node: yaml.Node, loader: Any, source: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise TypednnError(f"{source}:{_at(node)}: a key must be a name, not a list or mapping")
    try:
        value = loader.construct_object(node)
    except yaml.MarkedYAMLError as error:
        raise TypednnError(
            f"{source}:{_at(node)}: {error.problem}; a spec file holds plain data", hint="remove the tag"
        ) from None
    if not isinstance(value, (str, int, float, bool)) and value is not None:
        # Timestamps, binary: valid YAML, but no spec option takes them.
        raise TypednnError(
            f"{source}:{_at(node)}: {node.value!r} reads as a {type(value).__name__}, which no option takes",
            hint="quote it to make it text",
        )
    return value


def _at(node: yaml.Node) -> str:
    position = _position(node)
    return f"{position.line}:{position.column}"
