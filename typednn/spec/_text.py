"""YAML and JSON spec text as plain values, with the line and column of every part.

YAML is read by PyYAML's safe loader (`_text_yaml`), JSON by a JSON reader of its own
(`_text_json`); both give the same `Document` and keep the same limits on depth, values
and number length (`_text_document`), checked while reading.
"""

from __future__ import annotations

from pathlib import Path as FilePath

from .._errors import TypednnError
from .._reading import SPEC_LIMIT, read_regular
from ._text_document import Document as Document
from ._text_document import Path as Path
from ._text_document import Position as Position
from ._text_json import parse_json
from ._text_yaml import parse_yaml


def parse(text: str, *, source: str, json_syntax: bool = False) -> Document:
    r"""Read a spec's text.

    Args:
        text: The file's contents.
        source: The file's name, for messages.
        json_syntax: Read the text as JSON (a `.json` file) rather than YAML.

    Raises:
        TypednnError: at the line and column of a syntax error, a repeated key, a value
            nested too deeply, one past the most values a file may hold, a number too
            long to read, or a value no option takes (a YAML timestamp).

    Example:
        >>> doc = parse("model:\n  input: [4]\n", source="s.yaml")
        >>> doc.value, doc.where(("model", "input", 0))
        ({'model': {'input': [4]}}, 's.yaml:2:11')
    """
    return parse_json(text, source=source) if json_syntax else parse_yaml(text, source=source)


def read_document(file: FilePath) -> Document:
    """Read a spec file: a regular file of at most `SPEC_LIMIT` bytes, UTF-8, JSON for `.json`, else YAML.

    Raises:
        TypednnError: for a file that is missing, not a regular file (a device, a FIFO, a
            directory) or too large, for bytes that are not UTF-8 (at their line and
            column), and for anything `parse` refuses.
    """
    data = read_regular(file, what="spec file", limit=SPEC_LIMIT)
    try:
        text = data.decode()
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        line_start = data.rfind(b"\n", 0, error.start) + 1
        column = len(data[line_start : error.start].decode(errors="replace")) + 1
        raise TypednnError(
            f"{file}:{line}:{column}: not UTF-8 text (byte {error.start})", hint="save it as UTF-8"
        ) from None
    return parse(text, source=str(file), json_syntax=file.suffix == ".json")
