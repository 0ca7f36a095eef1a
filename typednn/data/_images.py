"""Image folders: one sub-folder per class, decoded with Pillow.

An image file may be hostile: a small file can declare a huge image (a decompression
bomb), and a damaged one can make Pillow's decoders raise nearly anything. So each file
is opened as a regular file only, its size read from its header and refused above
`MAX_PIXELS` before a pixel is decoded, and any failure while decoding is reported as
an unreadable image naming the file.
"""

from __future__ import annotations

import contextlib
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
from PIL import Image, UnidentifiedImageError

from .._errors import TypednnError
from .._reading import GiB
from .._shapes import Shape
from ._dataset import Dataset
from ._paths import FilePath, Location, location, open_binary
from ._remote import list_folder
from ._schema import Schema
from ._shard import Shard, rows
from ._shard_read import marked, shard_option

Array = np.ndarray[Any, Any]
EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm"})
MAX_PIXELS: Final = 64 * 1024 * 1024
"""The largest image read, in pixels (64 Mpx, e.g. 8192 x 8192): larger ones are refused
before decoding, as decompression bombs would be. Pillow's own limit, 89 Mpx, only warns."""
FILE_LIMIT: Final = 1 * GiB
"""The largest image file read."""
_LAYOUT = "put the images in one sub-folder per class: path/cat/1.png, path/dog/2.png, ..."
_REPLACE = "remove or replace the file"
_PER_TASK = 32
"""Images decoded per thread task: handing one small image at a time to the pool costs as much as decoding it."""


def _listing(root: Location) -> tuple[list[str], list[tuple[Location, int]]]:
    """The class names (sorted folder names) and every image with its class id, in order.

    Hidden entries and files with other extensions are skipped.
    """
    classes = _entries(root)
    names = sorted(name for name, folder in classes if folder and not name.startswith("."))
    if not names:
        raise TypednnError(f"{root}: no class folders", hint=_LAYOUT)
    files: list[tuple[Location, int]] = []
    for label, name in enumerate(names):
        folder = _join(root, name)
        found = sorted(
            _join(folder, entry)
            for entry, sub in _entries(folder, len(classes) + len(files))
            if not sub and not entry.startswith(".") and Path(entry).suffix.lower() in EXTENSIONS
        )
        if not found:
            raise TypednnError(
                f"{folder}: no images in the folder of class {name!r}",
                hint=f"add images ({', '.join(sorted(EXTENSIONS))}) or remove the folder",
            )
        files.extend((file, label) for file in found)
    return names, files


def _entries(folder: Location, listed: int = 0) -> list[tuple[str, bool]]:
    """A folder's entries, `(name, is a folder)`: a local folder, or a URL's (see `list_folder`)."""
    if isinstance(folder, str):
        return list_folder(folder, what="image folder", listed=listed)
    if not folder.is_dir():
        raise TypednnError(f"{folder}: no such folder", hint=_LAYOUT)
    return [(entry.name, entry.is_dir()) for entry in folder.iterdir() if entry.is_dir() or entry.is_file()]


def _join(folder: Location, name: str) -> Location:
    """`folder/name`; a URL stays text, as the user wrote it (fsspec's own names drop the scheme)."""
    return f"{folder.rstrip('/')}/{name}" if isinstance(folder, str) else folder / name


@contextlib.contextmanager
def _bombs_checked_here() -> Iterator[None]:
    """Silence Pillow's decompression-bomb warning: `_open` refuses such images itself.

    Warning filters are process-wide, so this is entered once, around the decoding threads.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def _unreadable(file: Location, error: BaseException) -> TypednnError:
    # Pillow's messages say what is wrong ("broken PNG file"), at times with a header value: cut short.
    reason = re.sub(r"\s+", " ", f"{type(error).__name__}: {error}")
    reason = reason if len(reason) <= 100 else reason[:100] + "…"
    return TypednnError(f"{file}: not a readable image ({reason})", hint=_REPLACE)


def _too_large(file: Location, pixels: str) -> TypednnError:
    return TypednnError(
        f"{file}: the image is {pixels} pixels, more than the {MAX_PIXELS:,} typednn decodes",
        hint="scale it down, or remove it: an image this large may be a decompression bomb",
    )


@contextlib.contextmanager
def _open(file: Location) -> Iterator[Image.Image]:
    """The image, its header read and its size checked; no pixel decoded yet."""
    with open_binary(file, what="image file", limit=FILE_LIMIT) as raw:
        try:
            image = Image.open(raw)
        except Image.DecompressionBombError as error:
            found = re.search(r"\((\d+) pixels\)", str(error))
            raise _too_large(file, f"{int(found[1]):,}" if found else "too many") from None
        except UnidentifiedImageError:
            raise TypednnError(f"{file}: not a readable image (no format Pillow reads)", hint=_REPLACE) from None
        except Exception as error:  # Pillow's format probes raise many kinds on garbage
            raise _unreadable(file, error) from None
        with image:
            if image.width < 1 or image.height < 1:
                raise TypednnError(f"{file}: the image is {image.width}x{image.height}: no pixels", hint=_REPLACE)
            if image.width * image.height > MAX_PIXELS:
                raise _too_large(file, f"{image.width}x{image.height} = {image.width * image.height:,}")
            yield image


def _size(size: Sequence[int] | None) -> tuple[int, int] | None:
    if size is None:
        return None
    if len(size) != 2 or any(int(d) < 1 for d in size):
        raise TypednnError(f"size={list(size)} is not [height, width]", hint="e.g. size=[28, 28]")
    if int(size[0]) * int(size[1]) > MAX_PIXELS:
        raise TypednnError(f"size={list(size)} is more than the {MAX_PIXELS:,} pixels typednn decodes")
    return int(size[0]), int(size[1])


def _channels(channels: int) -> str:
    if channels not in (1, 3):
        raise TypednnError(f"channels={channels}: images load as 1 channel (grey) or 3 (RGB)")
    return "L" if channels == 1 else "RGB"


def _pixels(file: Location, mode: str, size: tuple[int, int] | None, first: tuple[Location, tuple[int, int]]) -> Array:
    """One image as float32 `(height, width, channels)` in 0..1."""
    with _open(file) as opened:
        if size is None and (opened.height, opened.width) != first[1]:
            raise TypednnError(
                f"{file}: {opened.height}x{opened.width} pixels, but {first[0]} has {first[1][0]}x{first[1][1]}",
                hint="give size=[height, width] to resize every image to one size",
            )
        try:
            image = opened.convert(mode)  # decodes: a truncated or damaged file fails here
            if size is not None and (image.height, image.width) != size:
                image = image.resize((size[1], size[0]), Image.Resampling.BILINEAR)
        except Exception as error:  # Pillow's decoders raise OSError, SyntaxError, struct.error, ...
            raise _unreadable(file, error) from None
    return np.asarray(image, dtype=np.float32).reshape(image.height, image.width, -1) / 255.0


def images(
    path: FilePath,
    *,
    size: Sequence[int] | None = None,
    channels: Literal[1, 3] = 1,
    shard: Shard | None = None,
) -> Dataset[Any, Any]:
    """A dataset from a folder of images, one sub-folder per class (`path/cat/1.png`, ...).

    The class names are the sorted folder names, and a class's id its index among them.
    Images (PNG, JPEG, BMP, GIF, TIFF, WebP, ...) are decoded with Pillow, on several
    threads, into pixels scaled to 0..1. An image of more than 64 Mpx (`MAX_PIXELS`)
    is refused before it is decoded.

    `path` may be a URL of a filesystem fsspec lists (`s3://`, `gs://`, `memory://`):
    its class folders and images are listed (at most 10,000,000 entries), and each image
    is read through the filesystem. An `http(s)://` folder cannot be listed.

    Args:
        path: The folder holding the class folders.
        size: `[height, width]` to resize every image to; by default the first image's
            size, which every image must then have.
        channels: 1 (grey) or 3 (RGB).
        shard: `(index, count)`: only this process's part of the examples, exactly
            `images(path, ...).shard(index, count)`: every folder is listed (the class
            names are all of them) and the first image's header read (it fixes the
            size), but only the part's range of the sorted files is decoded. Never a
            spec option: `typednn train` sets it per process.

    Returns:
        Features float32 `(examples, height, width, channels)`, class ids int32.

    Raises:
        TypednnError: naming the file that is unreadable or of another size, or the
            folder that is empty; a bad `shard`.
    """
    root = location(path)
    part = shard_option(shard)
    mode, wanted = _channels(channels), _size(size)
    names, every = _listing(root)
    span = range(len(every)) if part is None else rows(part, len(every))
    files = every[span.start : span.stop]
    with _bombs_checked_here():
        # The first image of all (not of this part) fixes the size, as for the whole folder.
        with _open(every[0][0]) as image:
            first = (every[0][0], (image.height, image.width))
        height, width = wanted or first[1]
        pixels = np.empty((len(files), height, width, channels), np.float32)

        def decode(start: int) -> None:
            for index in range(start, min(start + _PER_TASK, len(files))):
                pixels[index] = _pixels(files[index][0], mode, wanted, first)

        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:  # Pillow decodes without the GIL
            # Results in order: a failure raises for the first bad file, as a serial loop would.
            for _ in pool.map(decode, range(0, len(files), _PER_TASK)):
                pass
    labels = np.array([label for _, label in files], np.int32)
    data: Dataset[Any, Any] = Dataset(pixels, labels, classes=len(names), class_names=names)
    return data if part is None else marked(data, part, len(every))


def images_schema(
    path: FilePath, *, size: Sequence[int] | None, channels: Literal[1, 3], shard: Shard | None = None
) -> Schema:
    """What `images` gives: from the folder listing and the first image's header (the part's count with `shard`)."""
    part = shard_option(shard)
    _channels(channels)
    wanted = _size(size)
    names, files = _listing(location(path))
    with _bombs_checked_here(), _open(files[0][0]) as image:
        height, width = wanted or (image.height, image.width)
    examples = len(files) if part is None else len(rows(part, len(files)))
    return Schema(str(path), Shape((height, width, channels)), len(names), None, examples, tuple(names))
