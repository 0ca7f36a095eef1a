"""Reading files a user (or anyone who sent them a file) names: regular files only, size-capped.

A path in a spec, an export or a checkpoint may point anywhere: at `/dev/zero` (endless),
a FIFO (blocks forever), `/proc/self/environ` (secrets), a directory. Every reader goes
through `open_regular`, which opens without blocking, checks on the open descriptor (so
a swap after the check changes nothing) that it is a regular file, and refuses one over
the cap of its kind before reading a byte. Messages about such files never quote their
content beyond `excerpt` of the one offending value.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO, Final

from ._errors import TypednnError

KiB: Final = 1 << 10
MiB: Final = 1 << 20
GiB: Final = 1 << 30

SPEC_LIMIT: Final = 4 * MiB
"""A spec file: a few KiB in practice; a model's graph of ten thousand layers fits."""
DOCUMENT_LIMIT: Final = 64 * MiB
"""JSON that typednn writes itself (an export's spec.json, a checkpoint's manifest)."""

_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
}


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def open_regular(path: str | os.PathLike[str], *, what: str, limit: int | None = None) -> BinaryIO:
    """Open a regular file for reading in binary mode.

    Args:
        path: The file.
        what: What it is, for messages ("spec file", "weights file").
        limit: The largest size accepted, in bytes; None for no cap.

    Raises:
        TypednnError: for a missing file, anything but a regular file (a device, a FIFO,
            a directory), a file over `limit`, or one the OS refuses to open.

    Example:
        >>> open_regular("/dev/zero", what="spec file")
        Traceback (most recent call last):
        ...
        typednn._errors.TypednnError: /dev/zero: the spec file is a character device, not a regular file
          hint: give the path of a regular file
    """
    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise TypednnError(f"{path}: no such file", hint=f"check the path of the {what}") from None
    except IsADirectoryError:
        raise TypednnError(f"{path}: the {what} is a directory, not a file") from None
    except OSError as error:
        raise TypednnError(f"{path}: the {what} cannot be opened: {error.strerror}") from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise TypednnError(
                f"{path}: the {what} is {_kind(status.st_mode)}, not a regular file",
                hint="give the path of a regular file",
            )
        if limit is not None and status.st_size > limit:
            raise TypednnError(
                f"{path}: the {what} is {size(status.st_size)}, more than the {size(limit)} a {what} may be",
                hint=f"is this the right file? A {what} is far smaller",
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular(path: str | os.PathLike[str], *, what: str, limit: int | None) -> bytes:
    """The whole content of a regular file, refused past `limit` bytes (see `open_regular`).

    The cap is enforced while reading too, for a file that grows after it was opened.
    """
    with open_regular(path, what=what, limit=limit) as file:
        data = file.read() if limit is None else file.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise TypednnError(f"{path}: the {what} grew past {size(limit)} while it was read")
    return data


def check_regular(path: str | os.PathLike[str], *, what: str) -> Path:
    """`path`, after checking that it is a regular file (for readers that open it themselves)."""
    open_regular(path, what=what).close()
    return Path(path)


def excerpt(value: object, *, length: int = 24) -> str:
    r"""A short, escaped quotation of a value read from a file, for messages.

    Example:
        >>> excerpt("abc")
        "'abc'"
        >>> excerpt("x" * 40 + "\n")
        "'xxxxxxxxxxxxxxxxxxxxxxxx…' (41 characters)"
        >>> excerpt(-2), excerpt(10**30), excerpt(2.5)
        ('-2', 'a number of about 30 digits', '2.5')
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        # str() of an int of more than 4,300 digits raises; the size is what matters.
        return f"a number of about {int(value.bit_length() * 0.30103):,} digits"
    if not isinstance(value, str):
        value = repr(value)
        return value if len(value) <= length else f"{value[:length]}… ({len(value):,} characters)"
    text = value
    if len(text) <= length:
        return ascii(text) if not text.isprintable() else repr(text)
    shown = text[:length]
    return f"{ascii(shown)[:-1] if not shown.isprintable() else repr(shown)[:-1]}…' ({len(text):,} characters)"


def size(count: int) -> str:
    """A byte count for people, up to exbibytes.

    Example:
        >>> size(512), size(3 << 20), size(4 * 10**12)
        ('512 bytes', '3.0 MiB', '3.6 TiB')
    """
    for unit, power in (("EiB", 60), ("PiB", 50), ("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if count >= 1 << power:
            return f"{count / (1 << power):,.1f} {unit}"
    return f"{count} bytes"
