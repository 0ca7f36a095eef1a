"""A CSV file as text: opened as a regular file only, decoded, split into records, with bounds.

The standard library's `csv` module reads the header, the sample rows and, after pyarrow
refuses a file, every row again to name the first bad one. Here it reads a text stream
that refuses what no CSV file holds and what would take unbounded time or memory: a
line longer than `LINE_LIMIT`, a record of more than `MAX_COLUMNS` fields, text in
another encoding (a UTF-16 byte-order mark, NUL bytes in UTF-8 text).
"""

from __future__ import annotations

import codecs
import contextvars
import csv
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Final, TextIO

from .._errors import TypednnError
from .._reading import MiB, open_regular
from ._paths import Location, is_url, open_binary
from ._remote import http_into, is_http

MAX_COLUMNS: Final = 1_000_000
"""The most columns a CSV file may have (a 1000 x 1000 image, flattened, is one row)."""
LINE_LIMIT: Final = 64 * MiB
"""The longest line, in characters: a million columns of 60-character numbers fit."""
WHAT: Final = "CSV file"

_ENCODING_HINT = "save the file as UTF-8, or pass its encoding, e.g. encoding='latin-1'"
_BOMS = (
    # Longest first: UTF-32's little-endian mark begins with UTF-16's.
    (codecs.BOM_UTF32_LE, "UTF-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "UTF-32", "utf-32"),
    (codecs.BOM_UTF16_LE, "UTF-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "UTF-16", "utf-16"),
)
_SNIFF = 4096


def encoding_name(encoding: str) -> str:
    """An encoding as messages name it: `UTF-8`, `latin-1`."""
    return "UTF-8" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding


def check_encoding(encoding: str) -> None:
    """Refuse an unknown encoding, or a codec that is not a text encoding (`rot13`, `base64`).

    Raises:
        TypednnError: naming the encoding.
    """
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise TypednnError(f"encoding={encoding!r} is not a known text encoding", hint="e.g. 'utf-8'") from None
    # Transforms such as rot13 look up fine, but open() refuses them.
    if not getattr(info, "_is_text_encoding", True):
        raise TypednnError(f"encoding={encoding!r} is a transform, not a text encoding", hint="e.g. 'utf-8'")


_DOWNLOADS: contextvars.ContextVar[dict[str, Path] | None] = contextvars.ContextVar("csv_downloads", default=None)
"""The local copies of `http(s)://` CSV files that `downloaded` holds, by URL."""


@contextmanager
def downloaded(path: Location) -> Iterator[None]:
    """Within this block, an `http(s)://` CSV file is downloaded once, not at each pass.

    A CSV file is read several times (the head, the rows, the label column, the re-scan
    naming a bad row); over HTTP each pass would download it again, so it is copied into
    a temporary file, deleted at the end of the block. Other paths are left as they are:
    fsspec's files read the bytes each pass needs (the head only: its first blocks).

    Raises:
        TypednnError: naming the URL, when the download fails.
    """
    known = _DOWNLOADS.get() or {}
    if not isinstance(path, str) or not is_http(path) or path in known:
        yield
        return
    descriptor, name = tempfile.mkstemp(prefix="typednn-", suffix=".csv")
    try:
        with os.fdopen(descriptor, "wb") as file:
            http_into(file, path, what=WHAT, limit=None)
        token = _DOWNLOADS.set({**known, path: Path(name)})
        try:
            yield
        finally:
            _DOWNLOADS.reset(token)
    finally:
        os.unlink(name)


def open_csv(path: Location) -> BinaryIO:
    """The CSV file's bytes: a local regular file, a URL's file, or the copy `downloaded` made.

    Raises:
        TypednnError: naming the path or URL, for anything that cannot be read.
    """
    local = (_DOWNLOADS.get() or {}).get(path) if isinstance(path, str) and is_url(path) else None
    return open_regular(local, what=WHAT) if local is not None else open_binary(path, what=WHAT)


def _sniff(path: Location, head: bytes, encoding: str) -> None:
    """Refuse UTF-16 or UTF-32 text read as UTF-8, which would decode into NUL-riddled junk."""
    if codecs.lookup(encoding).name != "utf-8":
        return
    for mark, name, codec in _BOMS:
        if head.startswith(mark):
            raise TypednnError(
                f"{path}: the file is {name} text (it starts with a {name} byte-order mark), not UTF-8",
                hint=f"save it as UTF-8, or pass encoding={codec!r}",
            )
    nul = head.find(b"\x00")
    if nul >= 0:
        raise TypednnError(
            f"{path}: not UTF-8 text: a NUL byte at byte {nul:,} (binary data, or UTF-16 text)",
            hint="save it as UTF-8, or pass its encoding, e.g. encoding='utf-16-le'",
        )


def open_text(path: Location, encoding: str) -> TextIO:
    """The file as text, bytes the encoding cannot decode becoming lone surrogates.

    So `check_row` can name the cell that holds them, rather than failing mid-file.

    Raises:
        TypednnError: for anything but a regular file, or UTF-16/32 text read as UTF-8.
    """
    binary = open_csv(path)
    try:
        _sniff(path, binary.read(_SNIFF), encoding)
        binary.seek(0)
    except BaseException:
        binary.close()
        raise
    codec = codecs.lookup(encoding).name
    # utf-8-sig drops a byte-order mark, as pyarrow does.
    return io.TextIOWrapper(
        binary,
        encoding="utf-8-sig" if codec == "utf-8" else encoding,
        errors="surrogateescape",
        newline="",
    )


class _Lines:
    """The lines `csv.reader` reads, bounded.

    Each is at most `LINE_LIMIT` characters, and the lines of one record hold at most
    `MAX_COLUMNS` delimiters (its fields, or more: quoted delimiters count too).
    """

    def __init__(self, text: TextIO, path: Location, delimiter: str) -> None:
        self.text, self.path, self.delimiter = text, path, delimiter
        self.count = 0
        self.delimiters = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        try:
            line = self.text.readline(LINE_LIMIT + 1)
        except UnicodeError as error:
            # Only codecs such as UTF-16 raise despite surrogateescape; they decode a block
            # ahead of the line, so the line is approximate.
            # The codecs' reasons name the problem, never the text ("truncated data").
            detail = str(error)
            if isinstance(error, UnicodeDecodeError) and error.start < len(error.object):
                detail = f"byte 0x{error.object[error.start]:02x}: {error.reason}"
            name = encoding_name(self.text.encoding)
            raise TypednnError(
                f"{self.path}:{self.count + 1}: not {name} text ({detail}), at or after this line", hint=_ENCODING_HINT
            ) from None
        if not line:
            raise StopIteration
        self.count += 1
        if len(line) > LINE_LIMIT:
            raise TypednnError(
                f"{self.path}:{self.count}: a line longer than {LINE_LIMIT:,} characters",
                hint="is this a CSV file? Its lines are rows of values",
            )
        self.delimiters += line.count(self.delimiter)
        if self.delimiters >= MAX_COLUMNS:
            raise TypednnError(
                f"{self.path}:{self.count}: more than {MAX_COLUMNS:,} columns (fields) in one row",
                hint=f"typednn reads at most {MAX_COLUMNS:,} columns; is the delimiter right?",
            )
        return line


def records(text: TextIO, path: Location, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank record with the line it starts on (pyarrow skips blank lines too).

    Raises:
        TypednnError: for a record `csv` cannot split, or one past the bounds above.
    """
    lines = _Lines(text, path, delimiter)
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    end = 0
    while True:
        lines.delimiters = 0
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            # Its messages name the problem ("field larger than field limit"), never the text.
            raise TypednnError(f"{path}:{reader.line_num}: not readable as CSV: {error}") from None
        line, end = end + 1, reader.line_num
        if fields:
            yield line, fields


def undecodable(value: str) -> int | None:
    """The first byte the encoding could not decode, or None."""
    if value.isascii():
        return None
    for char in value:
        if "\udc80" <= char <= "\udcff":
            return ord(char) - 0xDC00
    return None
