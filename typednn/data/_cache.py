"""A CSV file converted block by block into memory-mapped `.npy` files, for data larger than memory.

An entry is a folder `csv-<key>/` holding `features.npy`, `targets.npy` and `meta.json`.
The key covers the file (resolved path, size, modification time), how it is read (the
plan) and this format's version, so a changed file or option gives a new entry. An
entry is built in a temporary folder beside it, every file flushed to disk, and only
then renamed into place: a crash leaves a temporary folder (swept later), never a
half-written entry. A bad row stops the conversion with the row's error, leaving nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
import time
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow.csv as pcsv
from numpy.typing import DTypeLike

from .._errors import TypednnError
from .._files import fsync_dir, write_synced
from .._shapes import Shape
from ._csv_plan import Plan
from ._csv_read import LABEL_DTYPES, Labels, arrow_options, features_of, reading
from ._dataset import Dataset
from ._schema import Schema

FORMAT = 1
BLOCK_SIZE = 4 << 20
"""Bytes of CSV per block: memory use while converting is a few times this."""
STALE_SECONDS = 24 * 3600
"""A temporary folder untouched this long was left by a crash."""

Array = np.ndarray[Any, Any]


class NpyWriter:
    """An `.npy` file written block by block; its header, which states the row count, last.

    The header is written first at a fixed length, padded, then rewritten in place once
    the count is known (the `.npy` format allows any padding up to a 64-byte boundary).
    """

    def __init__(self, path: Path, dtype: DTypeLike, row_shape: tuple[int, ...]) -> None:
        self.dtype = np.dtype(dtype)
        self.row_shape = row_shape
        self.rows = 0
        self.length = len(self._header(10**19))
        self.file: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed by close()
        self.file.write(self._header(0))

    def _header(self, rows: int, length: int = 0) -> bytes:
        text = f"{{'descr': {self.dtype.str!r}, 'fortran_order': False, 'shape': {(rows, *self.row_shape)!r}, }}"
        # Magic (6), version (2) and the header's length (2) precede it; the whole is 64-aligned.
        size = length or -(-(10 + len(text) + 1) // 64) * 64
        body = text.ljust(size - 10 - 1) + "\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body.encode("latin-1")

    def write(self, block: Array) -> None:
        self.file.write(np.ascontiguousarray(block, dtype=self.dtype).data)
        self.rows += len(block)

    def close(self) -> None:
        """Write the real header, flush and fsync."""
        self.file.seek(0)
        self.file.write(self._header(self.rows, self.length))
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()


def cache_key(plan: Plan) -> str:
    """The entry's name: what the data is (the file's identity) and how it is read."""
    stat = plan.path.stat()
    identity = {
        "format": FORMAT,
        "path": str(plan.path.resolve()),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "plan": {key: value for key, value in vars(plan).items() if key != "path"},
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _remove(folder: Path) -> None:
    """Remove an entry so that no reader sees it half-deleted: rename it away first."""
    doomed = folder.with_name(f".{folder.name}.{os.getpid()}.removed.tmp")
    try:
        folder.rename(doomed)
    except OSError:
        return  # someone else removed or replaced it
    shutil.rmtree(doomed, ignore_errors=True)


def _sweep(cache: Path, source: str, keep: str) -> None:
    """Remove crash leftovers, and older entries of the same file (it changed since)."""
    now = time.time()
    for item in cache.iterdir():
        if item.name.startswith(".") and item.name.endswith(".tmp"):
            newest = max((p.stat().st_mtime for p in item.rglob("*")), default=item.stat().st_mtime)
            if now - newest > STALE_SECONDS:
                shutil.rmtree(item, ignore_errors=True)
        elif item.name.startswith("csv-") and item.name != keep:
            try:
                meta = json.loads((item / "meta.json").read_text())
            except (OSError, ValueError):
                continue
            if meta.get("source") == source:
                _remove(item)


def _convert(plan: Plan, folder: Path, block_size: int) -> dict[str, Any]:
    """Stream the CSV into `folder/features.npy` and `targets.npy`; returns the metadata."""
    labels = Labels(plan)
    target_row = (1,) if plan.kind == "values" else ()
    features = NpyWriter(folder / "features.npy", np.float32, plan.shape)
    targets = NpyWriter(folder / "targets.npy", LABEL_DTYPES[plan.kind], target_row)
    try:
        with reading(plan), pcsv.open_csv(plan.path, **arrow_options(plan, block_size=block_size)) as reader:
            for batch in reader:
                features.write(features_of(batch, plan))
                targets.write(labels.block(batch.column(len(plan.features))))
    finally:
        features.close()
        targets.close()
    found, remap = labels.finish()
    if remap is not None:
        ids = np.load(folder / "targets.npy", mmap_mode="r+")
        for start in range(0, len(ids), 1 << 20):
            ids[start : start + (1 << 20)] = remap[ids[start : start + (1 << 20)]]
        ids.flush()
        del ids
    return {
        "format": FORMAT,
        "source": str(plan.path.resolve()),
        "examples": features.rows,
        "feature_shape": list(plan.shape),
        "target_shape": list(target_row) if plan.kind == "values" else None,
        "classes": found.classes,
        "class_names": None if found.class_names is None else list(found.class_names),
    }


def _build(plan: Plan, entry: Path, block_size: int) -> None:
    cache = entry.parent
    cache.mkdir(parents=True, exist_ok=True)
    _sweep(cache, str(plan.path.resolve()), entry.name)
    temporary = Path(tempfile.mkdtemp(dir=cache, prefix=f".{entry.name}.", suffix=".tmp"))
    try:
        meta = _convert(plan, temporary, block_size)
        write_synced(temporary / "meta.json", json.dumps(meta, indent=1).encode())
        fsync_dir(temporary)
        try:
            temporary.rename(entry)
        except OSError:
            if not (entry / "meta.json").is_file():
                raise
            shutil.rmtree(temporary)  # another process built the same entry first
        fsync_dir(cache)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _meta(entry: Path) -> dict[str, Any] | None:
    try:
        meta: dict[str, Any] = json.loads((entry / "meta.json").read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise TypednnError(f"{entry}: damaged cache entry ({error})", hint="delete the folder; it is rebuilt") from None
    return meta


def cached_schema(plan: Plan, cache: Path) -> Schema | None:
    """The schema an existing entry records, or None when the file is not converted yet."""
    meta = _meta(cache / f"csv-{cache_key(plan)}")
    if meta is None:
        return None
    target = meta["target_shape"]
    names = meta["class_names"]
    return Schema(
        str(plan.path),
        Shape(tuple(meta["feature_shape"])),
        meta["classes"],
        None if target is None else Shape(tuple(target)),
        meta["examples"],
        None if names is None else tuple(names),
    )


def cached(plan: Plan, cache: Path, *, block_size: int | None = None) -> Dataset[Any, Any]:
    """The file's examples memory-mapped from its cache entry, converting it first if needed.

    Raises:
        TypednnError: naming the first bad row (nothing is cached then), or a damaged entry.
    """
    entry = cache / f"csv-{cache_key(plan)}"
    meta = _meta(entry)
    if meta is None:
        _build(plan, entry, block_size or BLOCK_SIZE)
        meta = _meta(entry)
        assert meta is not None
    features = np.load(entry / "features.npy", mmap_mode="r", allow_pickle=False)
    targets = np.load(entry / "targets.npy", mmap_mode="r", allow_pickle=False)
    if features.shape != (meta["examples"], *meta["feature_shape"]) or len(targets) != meta["examples"]:
        raise TypednnError(f"{entry}: damaged cache entry (its arrays disagree with meta.json)", hint="delete it")
    return Dataset(features, targets, classes=meta["classes"], class_names=meta["class_names"])
