"""Spec text in YAML: plain values with positions, read by PyYAML's safe loader.

PyYAML's safe composer gives a node tree with positions; the values are built from it
with the safe constructor, so nothing in a spec file can create an object or run code.

The composer recurses once per level of nesting (libyaml's, through C: 30,000 `[` end in
a segfault) and holds every node (a 4 MiB flow list takes gigabytes). So the parser's
events, which come one at a time from a state machine, are scanned first: a document
nested too deeply or holding too many values is refused before anything is composed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .._errors import TypednnError
from .._reading import excerpt
from ._text_document import (
    DEPTH,
    NUMBER_LENGTH,
    VALUES,
    Document,
    Path,
    Position,
    line_and_column,
    long_number,
    repeated_key,
    too_deep,
    too_many,
)

# libyaml's parser where PyYAML has it (the wheels do): the same nodes, ten times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_NODES = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)
_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
_SYNTAX_HINT = "check the indentation and the brackets or quotes opened above this point"
_PROBLEM_LENGTH = 160  # PyYAML's messages quote anchors and tags, which may be megabytes long


def parse_yaml(text: str, *, source: str) -> Document:
    """Read a spec's YAML text (see `typednn.spec._text.parse`)."""
    try:
        _scan(text, source)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = _where(source, mark) if mark else f"{source}:1:1"
        problem = error.problem or error.context or "cannot be read"
        context = f" ({error.context})" if error.context and error.problem else ""
        raise TypednnError(f"{where}: invalid YAML: {_short(problem + context)}", hint=_SYNTAX_HINT) from None
    except yaml.reader.ReaderError as error:
        # libyaml gives the offset in UTF-8 bytes, PyYAML's own reader in characters.
        index = error.position
        if _Loader is not yaml.SafeLoader:
            index = len(text.encode()[:index].decode(errors="ignore"))
        raise TypednnError(
            f"{source}:{line_and_column(text, index)}: invalid YAML: the character {excerpt(chr(error.character))} "
            "is not allowed here",
            hint="remove it; control characters may appear only escaped, in double-quoted strings",
        ) from None
    except UnicodeEncodeError as error:
        # A lone surrogate (text that did not come from a file): libyaml takes UTF-8.
        raise TypednnError(
            f"{source}:{line_and_column(text, error.start)}: invalid YAML: a lone surrogate character",
            hint="remove it",
        ) from None
    except yaml.YAMLError as error:
        raise TypednnError(f"{source}:1:1: invalid YAML: {_short(str(error))}", hint=_SYNTAX_HINT) from None
    values: dict[Path, Position] = {}
    keys: dict[Path, Position] = {}
    try:
        value = None if node is None else _build(node, (), loader, values, keys, source)
    except RecursionError:
        # Not expected past `_scan`'s limits; a located error all the same.
        raise TypednnError(f"{source}:1:1: nested too deeply to read") from None
    return Document(source, value, values, keys)


@dataclass
class _Open:
    """A collection whose end event has not come yet."""

    mapping: bool
    anchor: str | None
    counted: int  # values counted when it opened, itself included
    key_next: bool = True  # in a mapping, whether the next node is a key


def _scan(text: str, source: str) -> None:
    """Refuse a document nested more than `DEPTH` levels or holding more than `VALUES` values.

    Values are counted as `_build` counts them (mapping keys apart) with aliases expanded,
    which bounds the "billion laughs" and merge keys repeating a large part too.
    """
    loader = _Loader(text)
    try:
        opened: list[_Open] = []
        sizes: dict[str, int] = {}  # anchor -> values under it, itself included
        counted = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, _NODES):
                parent = opened[-1] if opened else None
                # A name of a mapping's key is not a value (neither `_build` nor `where` counts it).
                name = parent is not None and parent.mapping and parent.key_next and isinstance(event, yaml.ScalarEvent)
                if len(opened) > DEPTH and not name:
                    raise too_deep(_where(source, event.start_mark))
                if isinstance(event, yaml.AliasEvent):
                    counted += sizes.get(event.anchor or "", 1)
                elif not name:
                    counted += 1
                if counted > VALUES:
                    raise too_many(_where(source, event.start_mark))
                if isinstance(event, _OPENS):
                    opened.append(_Open(isinstance(event, yaml.MappingStartEvent), event.anchor, counted))
                    continue
                if isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, _CLOSES):
                done = opened.pop()
                if done.anchor is not None:
                    sizes[done.anchor] = counted - done.counted + 1
            else:
                continue
            if opened and opened[-1].mapping:
                opened[-1].key_next = not opened[-1].key_next
    finally:
        loader.dispose()


def _where(source: str, mark: Any) -> str:
    return f"{source}:{mark.line + 1}:{mark.column + 1}"


def _short(problem: str) -> str:
    return problem if len(problem) <= _PROBLEM_LENGTH else problem[:_PROBLEM_LENGTH] + "…"


def _position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _at(node: yaml.Node) -> str:
    position = _position(node)
    return f"{position.line}:{position.column}"


def _build(
    node: yaml.Node,
    path: Path,
    loader: Any,
    values: dict[Path, Position],
    keys: dict[Path, Position],
    source: str,
) -> Any:
    values[path] = _position(node)
    # `_scan` bounds both, but aliases can still nest a part inside itself (`&a [*a]`).
    if len(path) > DEPTH:
        raise too_deep(f"{source}:{_at(node)}")
    if len(values) > VALUES:
        raise too_many(f"{source}:{_at(node)}")
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
        raise TypednnError(
            f"{source}:{_at(node)}: the tag {excerpt(node.tag)} is not allowed; a spec file holds plain data",
            hint="remove the tag",
        )
    if isinstance(node, yaml.MappingNode):
        _merge(node, loader, source)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, loader, source)
            if not isinstance(key, str):  # a number, bool or null: short (long numbers are refused)
                raise TypednnError(
                    f"{source}:{_at(key_node)}: a key must be a name, not {key!r}",
                    hint="quote it if it is meant as text",
                )
            if key in result:
                raise repeated_key(f"{source}:{_at(key_node)}", key)
            keys[(*path, key)] = _position(key_node)
            result[key] = _build(value_node, (*path, key), loader, values, keys, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, index), loader, values, keys, source) for index, item in enumerate(node.value)]
    return _scalar(node, loader, source)


def _merge(node: yaml.MappingNode, loader: Any, source: str) -> None:
    """Apply YAML merge keys (`<<: *base`) to a mapping node."""
    try:
        loader.flatten_mapping(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark or node.start_mark
        raise TypednnError(
            f"{_where(source, mark)}: invalid YAML merge: {_short(error.problem or 'cannot be merged')}",
            hint="`<<` merges a mapping or a list of mappings (`<<: *base`); quote it if it is meant as a key",
        ) from None


def _scalar(node: yaml.Node, loader: Any, source: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise TypednnError(f"{source}:{_at(node)}: a key must be a name, not a list or mapping")
    if node.tag in _NUMBER_TAGS and len(node.value) > NUMBER_LENGTH:
        raise long_number(f"{source}:{_at(node)}", node.value)
    try:
        value = loader.construct_object(node)
    except yaml.MarkedYAMLError as error:
        raise TypednnError(
            f"{source}:{_at(node)}: {_short(error.problem or 'cannot be read')}; a spec file holds plain data",
            hint="remove the tag",
        ) from None
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        # The safe constructor's conversions raise plain exceptions for values that match a
        # type's pattern but not its range (`2001-13-45`) or carry an explicit tag (`!!int x`).
        # Only the standard tags have constructors (others raise above), so the name is short.
        kind = node.tag.rpartition(":")[2]
        raise TypednnError(
            f"{source}:{_at(node)}: {excerpt(node.value)} cannot be read as {kind}",
            hint="quote it to make it text, or remove its tag",
        ) from None
    if not isinstance(value, (str, int, float, bool)) and value is not None:
        # Timestamps, binary: valid YAML, but no spec option takes them.
        raise TypednnError(
            f"{source}:{_at(node)}: {excerpt(node.value)} reads as a {type(value).__name__}, which no option takes",
            hint="quote it to make it text",
        )
    return value
