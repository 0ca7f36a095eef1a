"""NumPy's `.npy` format, read without trusting the file: alone, or as a member of a `.npz`.

`np.load` trusts a file's header: a negative or huge shape, a header of garbage, an empty
file or an archive member that is not `.npy` end in NumPy's own exceptions, or in an
allocation of whatever size the header claims. Here the header is parsed by NumPy's
parser, then checked (whole-number sizes >= 0, no Python objects, no empty dtype, and
data bytes that the file really holds) before an array is mapped or allocated. Every
failure is a `TypednnError` naming the file (and member); none quotes the header.
"""

from __future__ import annotations

import math
import os
import zipfile
from dataclasses import dataclass
from typing import IO, Any, Final, Literal

import numpy as np

from .._errors import TypednnError
from .._reading import excerpt, open_regular, size
from ._paths import Location, open_binary
from ._show import quoted

Array = np.ndarray[Any, Any]
SAVE_HINT: Final = "save numeric arrays, e.g. np.savez(path, x=features.astype(np.float32), y=labels)"
MAX_HEADER: Final = 10_000
"""The longest header NumPy itself reads without `allow_pickle` (its default)."""
_READ_BLOCK = 16 << 20


@dataclass(frozen=True)
class Header:
    """What a `.npy` header says, checked: the shape, dtype, order and where the data starts."""

    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    fortran: bool
    offset: int

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def not_npy(where: str, why: str) -> TypednnError:
    """The error for data that is not a readable `.npy` array."""
    return TypednnError(f"{where}: not a NumPy .npy array: {why}", hint=SAVE_HINT)


def read_header(file: IO[bytes], where: str, available: int) -> Header:
    """The checked header of the `.npy` data at the file's position, holding `available` bytes.

    Raises:
        TypednnError: for a header that is not `.npy`, Python objects, a shape with a
            negative or non-integer size, or fewer data bytes than the shape needs.
    """
    if available == 0:
        raise not_npy(where, "it is empty (0 bytes)")
    start = file.tell()
    try:
        version = np.lib.format.read_magic(file)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(file, max_header_size=MAX_HEADER)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(file, max_header_size=MAX_HEADER)
        else:
            raise not_npy(where, f"format version {version[0]}.{version[1]}, which typednn does not read")
    except TypednnError:
        raise
    except Exception:  # NumPy's parser of a hostile header raises ValueError, SyntaxError, ...
        # Its messages may quote the header, so none is shown: the file is not .npy.
        raise not_npy(where, "no valid .npy header") from None
    if dtype.hasobject:
        raise TypednnError(
            f"{where} holds Python objects (dtype object); loading them would run code from the file", hint=SAVE_HINT
        )
    if not all(type(d) is int and d >= 0 for d in shape):
        raise not_npy(where, f"the header's shape {excerpt(repr(shape))} is not sizes >= 0")
    if dtype.itemsize == 0 or dtype.subdtype is not None:
        raise not_npy(where, f"dtype {excerpt(str(dtype))} is not one value per element")
    header = Header(tuple(shape), dtype, bool(fortran), file.tell() - start)
    if header.nbytes > available - header.offset:
        raise not_npy(
            where,
            f"its shape {header.shape} of {dtype} needs {size(header.nbytes)} of data,"
            f" but the file holds {size(max(available - header.offset, 0))}: truncated?",
        )
    return header


def _order(header: Header) -> Literal["C", "F"]:
    return "F" if header.fortran else "C"


def read_data(file: IO[bytes], header: Header, where: str) -> Array:
    """The array whose data follows the header at the file's position, read into memory."""
    count = math.prod(header.shape)
    try:
        flat = np.empty(count, header.dtype)
    except MemoryError:
        raise TypednnError(f"{where}: {size(header.nbytes)} of data do not fit in memory") from None
    view, done = flat.view(np.uint8).data, 0
    while done < header.nbytes:
        got = file.readinto(view[done : done + _READ_BLOCK])  # type: ignore[attr-defined]  # files and zip members have it; typing.IO omits it
        if not got:
            raise not_npy(where, f"the data ends after {size(done)} of {size(header.nbytes)}")
        done += got
    array: Array = flat.reshape(header.shape, order=_order(header))
    return array


def load_npy(path: Location, *, what: str = ".npy file", mmap: bool = True) -> Array:
    """A `.npy` file's array: memory-mapped (read-only) unless `mmap` is False or it holds no data.

    A URL's file (text `path`) cannot be mapped: its array is read into memory, no more
    bytes than the file holds (the header's shape is checked against its size first).

    Raises:
        TypednnError: for anything but a regular file, or not a readable array (see `read_header`).
    """
    if isinstance(path, str):
        with open_binary(path, what=what) as remote:
            available = remote.seek(0, os.SEEK_END)
            remote.seek(0)
            return read_data(remote, read_header(remote, path, available), path)
    with open_regular(path, what=what) as file:
        header = read_header(file, str(path), os.fstat(file.fileno()).st_size)
        if not mmap or header.nbytes == 0:  # mmap cannot map zero bytes
            return read_data(file, header, str(path))
        # np.memmap maps the open descriptor: the file checked above is the one mapped.
        mapped: Array = np.memmap(
            file, header.dtype, mode="r", offset=header.offset, shape=header.shape, order=_order(header)
        )
        return mapped


class Archive:
    """A `.npz` archive (a zip of `.npy` files) opened as a regular file, its members read checked."""

    def __init__(self, path: Location) -> None:
        self.path = path
        # A URL's archive is read through its filesystem: zipfile seeks to the members it reads.
        self.file = open_binary(path, what=".npz file")
        try:
            self.zip = zipfile.ZipFile(self.file)
            self.members = {
                info.filename.removesuffix(".npy"): info for info in self.zip.infolist() if not info.is_dir()
            }
        except Exception:  # zipfile raises BadZipFile, ValueError, EOFError, ... on garbage
            self.file.close()
            raise TypednnError(f"{path}: not a NumPy .npy or .npz file", hint=SAVE_HINT) from None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zip.close()
        self.file.close()

    @property
    def files(self) -> list[str]:
        """The members' names, as `np.load(...).files` gives them (without `.npy`)."""
        return list(self.members)

    def _read(self, key: str, *, data: bool) -> tuple[Header, Array | None]:
        where = f"{self.path}: array {key!r}"
        info = self.members[key]
        if not info.filename.endswith(".npy"):
            raise TypednnError(f"{where}: the member {quoted(info.filename)} is not a .npy file", hint=SAVE_HINT)
        try:
            with self.zip.open(info) as member:
                header = read_header(member, where, info.file_size)
                return header, read_data(member, header, where) if data else None
        except TypednnError:
            raise
        except Exception as error:  # zipfile and zlib raise many kinds on a damaged member
            # Their messages (bad CRC, invalid stored block lengths) say what, never the data.
            raise TypednnError(
                f"{where}: the archive's member is damaged ({type(error).__name__}: {error})"[:300], hint=SAVE_HINT
            ) from None

    def header(self, key: str) -> Header:
        """A member's checked header (its data is not read)."""
        return self._read(key, data=False)[0]

    def mapped(self, key: str) -> Array | None:
        """A member stored uncompressed in a local archive, memory-mapped (read-only); else None.

        `np.savez` stores members uncompressed: the `.npy` data lies in the archive as is,
        so a part of its rows is read without the others (`npz(..., shard=...)`). A
        compressed member, a URL's archive or an empty array gives None: read it whole.

        Raises:
            TypednnError: as `header` does, or for a member that runs past the archive's end.
        """
        info = self.members[key]
        if isinstance(self.path, str) or info.compress_type != zipfile.ZIP_STORED or not info.filename.endswith(".npy"):
            return None
        where = f"{self.path}: array {key!r}"
        # The member's data follows its local header, whose name and extra field may differ
        # in length from the central directory's: read the local header's own lengths.
        self.file.seek(info.header_offset)
        local = self.file.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            return None
        name, extra = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
        start = info.header_offset + 30 + name + extra
        end = os.fstat(self.file.fileno()).st_size
        if start + info.file_size > end:
            raise not_npy(where, f"the member runs past the archive's end ({size(end)})")
        self.file.seek(start)
        header = read_header(self.file, where, info.file_size)
        if header.nbytes == 0:
            return None
        mapped: Array = np.memmap(
            self.file, header.dtype, mode="r", offset=start + header.offset, shape=header.shape, order=_order(header)
        )
        return mapped

    def array(self, key: str) -> Array:
        """A member's array, read into memory."""
        array = self._read(key, data=True)[1]
        assert array is not None
        return array
