"""A CSV file converted block by block into memory-mapped `.npy` files, for data larger than memory.

An entry is a folder `csv-<key>/` holding `features.npy`, `targets.npy` and `meta.json`.
The key covers the file (resolved path, size, modification time), how it is read (the
plan) and this format's version, so a changed file or option gives a new entry. An
entry is built in a temporary folder beside it, every file flushed to disk, and only
then renamed into place: a crash leaves a temporary folder (swept later), never a
half-written entry. A bad row stops the conversion with the row's error, leaving nothing.

The folder is claimed and swept as `_cache_folder` says: only what typednn marked as its
own is ever deleted. An entry that cannot be read back (a `meta.json` of another form,
arrays that are not `.npy` or disagree with it) is stale: it is rebuilt, with a note.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow.csv as pcsv
from numpy.typing import DTypeLike
from pydantic import BaseModel, ConfigDict, ValidationError

from .._errors import TypednnError
from .._files import fsync_dir, write_synced
from .._reading import DOCUMENT_LIMIT, open_regular, read_regular
from .._shapes import Shape
from . import _cache_folder as folders
from ._csv_plan import Plan
from ._csv_read import LABEL_DTYPES, Labels, arrow_options, features_of, reading
from ._csv_text import WHAT
from ._dataset import Dataset
from ._npy import Header, load_npy, read_header
from ._schema import Schema

FORMAT = 1
BLOCK_SIZE = 4 << 20
"""Bytes of CSV per block: memory use while converting is a few times this."""

Array = np.ndarray[Any, Any]
_META = "cache entry's meta.json"


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


def _local(plan: Plan) -> Path:
    """The plan's file, a local path: `csv` refuses `cache=` for a URL before planning."""
    if not isinstance(plan.path, Path):
        raise AssertionError(f"{plan.path}: a URL reached the cache")
    return plan.path


def cache_key(plan: Plan) -> str:
    """The entry's name: what the data is (the file's identity) and how it is read."""
    status = _local(plan).stat()
    identity = {
        "format": FORMAT,
        "path": str(_local(plan).resolve()),
        "size": status.st_size,
        "mtime_ns": status.st_mtime_ns,
        # `widest` only sizes pyarrow's blocks: it changes nothing that is read.
        "plan": {key: value for key, value in vars(plan).items() if key not in ("path", "widest")},
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _convert(plan: Plan, folder: Path, block_size: int) -> dict[str, Any]:
    """Stream the CSV into `folder/features.npy` and `targets.npy`; returns the metadata."""
    labels = Labels(plan)
    target_row = (1,) if plan.kind == "values" else ()
    features = NpyWriter(folder / "features.npy", np.float32, plan.shape)
    targets = NpyWriter(folder / "targets.npy", LABEL_DTYPES[plan.kind], target_row)
    try:
        with (
            reading(plan),
            open_regular(plan.path, what=WHAT) as file,
            pcsv.open_csv(file, **arrow_options(plan, block_size=block_size)) as reader,
        ):
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
        "source": str(_local(plan).resolve()),
        "examples": features.rows,
        "feature_shape": list(plan.shape),
        "target_shape": list(target_row) if plan.kind == "values" else None,
        "classes": found.classes,
        "class_names": None if found.class_names is None else list(found.class_names),
    }


def _same_source(source: str) -> Callable[[Path], bool]:
    def replaced(entry: Path) -> bool:
        try:
            meta = Meta.model_validate_json(read_regular(entry / "meta.json", what=_META, limit=DOCUMENT_LIMIT))
        except (TypednnError, ValidationError):
            return False  # unreadable: left alone here, rebuilt when its own file is read
        return meta.source == source

    return replaced


def _build(plan: Plan, entry: Path, block_size: int) -> None:
    cache = entry.parent
    folders.claim(cache)
    try:
        folders.sweep(cache, entry.name, _same_source(str(_local(plan).resolve())))
        temporary = folders.temporary(cache, entry.name)
    except OSError as error:
        raise TypednnError(f"{cache}: cannot write in the cache folder: {error.strerror}") from None
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
    except OSError as error:
        shutil.rmtree(temporary, ignore_errors=True)
        # A full disk or a read-only folder: say which, rather than a traceback.
        raise TypednnError(
            f"{error.filename or cache}: cannot write the cache entry: {error.strerror}",
            hint="free some space, or give another folder with cache=",
        ) from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


class Meta(BaseModel):
    """An entry's `meta.json`, as `_convert` writes it."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    format: int
    source: str
    examples: int
    feature_shape: list[int]
    target_shape: list[int] | None
    classes: int | None
    class_names: list[str] | None


@dataclass(frozen=True)
class Entry:
    """A readable entry: its metadata, and its arrays' checked headers."""

    meta: Meta
    features: Header
    targets: Header


class DamagedEntryError(Exception):
    """An entry that cannot be read back; the message says what is wrong."""


def _array(entry: Path, name: str, dtype: DTypeLike, shape: tuple[int, ...]) -> Header:
    try:
        with open_regular(entry / name, what="cache file") as file:
            header = read_header(file, name, os.fstat(file.fileno()).st_size)
    except TypednnError as error:
        raise DamagedEntryError(error.message) from None
    if header.dtype != np.dtype(dtype) or header.shape != shape or header.fortran:
        raise DamagedEntryError(f"{name} holds {header.dtype} {header.shape}, not {np.dtype(dtype)} {shape}")
    return header


def _read_entry(entry: Path, plan: Plan) -> Entry:
    """The entry, checked against the plan that names it.

    Raises:
        DamagedEntryError: for anything that is not as `_build` writes it.
    """
    try:
        text = read_regular(entry / "meta.json", what=_META, limit=DOCUMENT_LIMIT)
        meta = Meta.model_validate_json(text)
    except TypednnError as error:
        raise DamagedEntryError(error.message) from None
    except ValidationError as error:
        raise DamagedEntryError(f"meta.json is not as typednn writes it ({error.error_count()} problems)") from None
    values = plan.kind == "values"
    expected = {
        "format": FORMAT,
        "feature_shape": list(plan.shape),
        "target_shape": [1] if values else None,
    }
    wrong = [key for key, value in expected.items() if getattr(meta, key) != value]
    if meta.examples < 0 or (meta.classes is None) != values or (meta.classes is not None and meta.classes < 1):
        wrong.append("examples or classes")
    if meta.class_names is not None and len(meta.class_names) != meta.classes:
        wrong.append("class_names")
    if wrong:
        raise DamagedEntryError(f"meta.json's {', '.join(wrong)} disagree with the file's plan")
    target_row = (1,) if values else ()
    return Entry(
        meta,
        _array(entry, "features.npy", np.float32, (meta.examples, *plan.shape)),
        _array(entry, "targets.npy", LABEL_DTYPES[plan.kind], (meta.examples, *target_row)),
    )


def _lookup(plan: Plan, cache: Path, *, then: str) -> tuple[Path, Entry | None]:
    """The entry's folder, and the entry if it is there and readable (else a note says why).

    Raises:
        TypednnError: for a cache folder typednn does not own, or an entry that is a link.
    """
    entry = cache / f"csv-{cache_key(plan)}"
    if not folders.check_owned(cache):
        return entry, None
    try:
        mode = os.lstat(entry).st_mode
    except FileNotFoundError:
        return entry, None
    if not stat.S_ISDIR(mode) or not folders.ours(entry):
        raise TypednnError(
            f"{entry}: typednn did not build this cache entry (it is a link, a file, or lacks typednn's marker)",
            hint="delete it; typednn then converts the file again",
        )
    try:
        return entry, _read_entry(entry, plan)
    except DamagedEntryError as damage:
        folders.note(f"{entry}: damaged cache entry ({damage}); {then}")
        return entry, None


def cached_schema(plan: Plan, cache: Path) -> Schema | None:
    """The schema an existing entry records, or None when the file is not converted yet."""
    _, found = _lookup(plan, cache, then="it is rebuilt when the data is loaded")
    if found is None:
        return None
    meta = found.meta
    return Schema(
        str(plan.path),
        Shape(tuple(meta.feature_shape)),
        meta.classes,
        None if meta.target_shape is None else Shape(tuple(meta.target_shape)),
        meta.examples,
        None if meta.class_names is None else tuple(meta.class_names),
    )


def _arrays(entry: Path, found: Entry) -> tuple[Array, Array]:
    """The entry's arrays, memory-mapped, with every class id checked to be in range.

    Raises:
        DamagedEntryError: for arrays that changed since their headers were read, or ids out of range.
    """
    try:
        features = load_npy(entry / "features.npy", what="cache file")
        targets = load_npy(entry / "targets.npy", what="cache file")
    except TypednnError as error:
        raise DamagedEntryError(error.message) from None
    if features.shape != found.features.shape or targets.shape != found.targets.shape:
        raise DamagedEntryError("its arrays changed while they were read")
    classes = found.meta.classes
    if classes is not None:
        # In chunks: the file may be larger than memory. Ids out of range would index
        # past the model's scores.
        for start in range(0, len(targets), 1 << 22):
            chunk = targets[start : start + (1 << 22)]
            if len(chunk) and (int(chunk.min()) < 0 or int(chunk.max()) >= classes):
                raise DamagedEntryError(f"targets.npy holds class ids outside 0..{classes - 1}")
    return features, targets


def cached(plan: Plan, cache: Path, *, block_size: int | None = None) -> Dataset[Any, Any]:
    """The file's examples memory-mapped from its cache entry, converting it first if needed.

    A damaged entry is rebuilt (a note on stderr says so).

    Raises:
        TypednnError: naming the first bad row (nothing is cached then), a cache folder
            typednn does not own, or an entry it cannot write.
    """
    entry, found = _lookup(plan, cache, then="rebuilding it")
    if found is not None:
        try:
            features, targets = _arrays(entry, found)
            return Dataset(features, targets, classes=found.meta.classes, class_names=found.meta.class_names)
        except DamagedEntryError as damage:
            folders.note(f"{entry}: damaged cache entry ({damage}); rebuilding it")
    folders.remove(entry)  # a damaged entry, if any: only ever one of typednn's
    _build(plan, entry, block_size or BLOCK_SIZE)
    try:
        found = _read_entry(entry, plan)
        features, targets = _arrays(entry, found)
    except DamagedEntryError as damage:
        raise TypednnError(f"{entry}: the cache entry just built cannot be read back ({damage})") from None
    return Dataset(features, targets, classes=found.meta.classes, class_names=found.meta.class_names)
