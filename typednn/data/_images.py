"""Image folders: one sub-folder per class, decoded with Pillow."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from .._errors import TypednnError
from .._shapes import Shape
from ._dataset import Dataset
from ._paths import FilePath
from ._schema import Schema

Array = np.ndarray[Any, Any]
EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm"})
_LAYOUT = "put the images in one sub-folder per class: path/cat/1.png, path/dog/2.png, ..."


def _listing(root: Path) -> tuple[list[str], list[tuple[Path, int]]]:
    """The class names (sorted folder names) and every image with its class id, in order.

    Hidden entries and files with other extensions are skipped.
    """
    if not root.is_dir():
        raise TypednnError(f"{root}: no such folder", hint=_LAYOUT)
    names = sorted(entry.name for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith("."))
    if not names:
        raise TypednnError(f"{root}: no class folders", hint=_LAYOUT)
    files: list[tuple[Path, int]] = []
    for label, name in enumerate(names):
        found = sorted(
            entry
            for entry in (root / name).iterdir()
            if entry.is_file() and not entry.name.startswith(".") and entry.suffix.lower() in EXTENSIONS
        )
        if not found:
            raise TypednnError(
                f"{root / name}: no images in the folder of class {name!r}",
                hint=f"add images ({', '.join(sorted(EXTENSIONS))}) or remove the folder",
            )
        files.extend((file, label) for file in found)
    return names, files


def _open(file: Path) -> Image.Image:
    try:
        image = Image.open(file)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise TypednnError(f"{file}: not a readable image ({error})", hint="remove or replace the file") from None
    return image


def _size(size: Sequence[int] | None) -> tuple[int, int] | None:
    if size is None:
        return None
    if len(size) != 2 or any(int(d) < 1 for d in size):
        raise TypednnError(f"size={list(size)} is not [height, width]", hint="e.g. size=[28, 28]")
    return int(size[0]), int(size[1])


def _channels(channels: int) -> str:
    if channels not in (1, 3):
        raise TypednnError(f"channels={channels}: images load as 1 channel (grey) or 3 (RGB)")
    return "L" if channels == 1 else "RGB"


def _pixels(file: Path, mode: str, size: tuple[int, int] | None, first: tuple[Path, tuple[int, int]]) -> Array:
    """One image as float32 `(height, width, channels)` in 0..1."""
    with _open(file) as opened:
        try:
            image = opened.convert(mode)  # decodes: a truncated file fails here
        except (OSError, ValueError) as error:
            raise TypednnError(f"{file}: not a readable image ({error})", hint="remove or replace the file") from None
    if size is not None and (image.height, image.width) != size:
        image = image.resize((size[1], size[0]), Image.Resampling.BILINEAR)
    elif size is None and (image.height, image.width) != first[1]:
        raise TypednnError(
            f"{file}: {image.height}x{image.width} pixels, but {first[0]} has {first[1][0]}x{first[1][1]}",
            hint="give size=[height, width] to resize every image to one size",
        )
    return np.asarray(image, dtype=np.float32).reshape(image.height, image.width, -1) / 255.0


def images(path: FilePath, *, size: Sequence[int] | None = None, channels: Literal[1, 3] = 1) -> Dataset[Any, Any]:
    """A dataset from a folder of images, one sub-folder per class (`path/cat/1.png`, ...).

    The class names are the sorted folder names, and a class's id its index among them.
    Images (PNG, JPEG, BMP, GIF, TIFF, WebP, ...) are decoded with Pillow, on several
    threads, into pixels scaled to 0..1.

    Args:
        path: The folder holding the class folders.
        size: `[height, width]` to resize every image to; by default the first image's
            size, which every image must then have.
        channels: 1 (grey) or 3 (RGB).

    Returns:
        Features float32 `(examples, height, width, channels)`, class ids int32.

    Raises:
        TypednnError: naming the file that is unreadable or of another size, or the
            folder that is empty.
    """
    root = Path(path)
    mode, wanted = _channels(channels), _size(size)
    names, files = _listing(root)
    with _open(files[0][0]) as image:
        first = (files[0][0], (image.height, image.width))
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:  # Pillow decodes without the GIL
        pixels = list(pool.map(lambda item: _pixels(item[0], mode, wanted, first), files))
    labels = np.array([label for _, label in files], np.int32)
    return Dataset(np.stack(pixels), labels, classes=len(names), class_names=names)


def images_schema(path: FilePath, *, size: Sequence[int] | None, channels: Literal[1, 3]) -> Schema:
    """What `images` gives: from the folder listing and the first image's header."""
    _channels(channels)
    wanted = _size(size)
    names, files = _listing(Path(path))
    with _open(files[0][0]) as image:
        height, width = wanted or (image.height, image.width)
    return Schema(str(path), Shape((height, width, channels)), len(names), None, len(files), tuple(names))
