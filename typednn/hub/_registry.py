"""Where models are pushed and pulled: a local folder, any fsspec URL, or `http(s)://` (read-only).

A registry's layout, the same on every backend::

    typednn-registry.json    the marker: this folder is a typednn registry (written by the first push)
    index.json               every NAME and its tags, rebuilt by each push (for `list` over HTTP)
    tags/NAME/TAG            one line, `sha256:<hex>`: the address of the model's manifest
    blobs/sha256/<hex>       manifests, model cards and export files, by content

Paths inside a registry are built only from checked names (`_reference`) and hex
digests, never from what a registry sends. A `Store` reads a file into a sink in chunks
and stops past a bound, so a hostile or broken server can neither fill the disk nor
hand over more than the manifest states.

A local registry is written only inside a folder that is new, empty or marked as a
registry (`MARKER`), never through a symbolic link met inside it: a push never
overwrites a user's own `index.json` or writes outside the registry.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from .._errors import TypednnError
from .._files import fsync_dir, write_atomic
from .._reading import open_regular, size
from ._reference import check

ENV = "TYPEDNN_HUB"
"""The environment variable naming the default registry."""
CHUNK = 1 << 20
INDEX = "index.json"
MARKER = "typednn-registry.json"
"""The file that marks a folder as a typednn registry: a push writes it, and writes nowhere unmarked."""
MARKER_DATA = b'{"format": "typednn-hub-registry", "version": 1}\n'
_INDEX_FORMAT = b'"typednn-hub-index"'
_MARKER_HINT = "name a new or empty folder for a registry, or one a typednn push created"

Sink = Callable[[bytes], object]


def blob_path(digest: str) -> str:
    return f"blobs/sha256/{digest}"


def tag_path(name: str, tag: str) -> str:
    return f"tags/{name}/{tag}"


class Store(Protocol):
    """One registry's files, by path relative to its root."""

    key: str
    """The registry's identity (an absolute path or a URL), for the cache's folder names."""
    writable: bool

    def where(self, path: str) -> str:
        """A file's full path or URL, for messages."""

    def read_into(self, path: str, sink: Sink, *, limit: int) -> bool:
        """Stream a file into `sink`, raising past `limit` bytes; False if it does not exist."""

    def prepare(self) -> None:
        """Get ready to push: create a local registry's folder; refuse a read-only registry."""

    def write(self, path: str, data: bytes | Path, *, sha256: str | None = None) -> None:
        """Create or replace a file with bytes or a local file's content (checked against `sha256` if given)."""

    def exists(self, path: str) -> bool:
        """Whether a file exists."""

    def names(self, path: str) -> list[str]:
        """The entries of a folder (empty if it does not exist)."""


def read(store: Store, path: str, *, limit: int) -> bytes | None:
    """A whole (small) file of a registry, None if it does not exist."""
    parts: list[bytes] = []
    return b"".join(parts) if store.read_into(path, parts.append, limit=limit) else None


def copy_bounded(file: BinaryIO, sink: Sink, *, limit: int, where: str) -> None:
    """Copy `file` into `sink` in chunks, refusing (by name) a file past `limit` bytes."""
    count = 0
    while chunk := file.read(min(CHUNK, limit + 1 - count)):
        count += len(chunk)
        if count > limit:
            raise too_large(where, limit)
        sink(chunk)


def too_large(where: str, limit: int) -> TypednnError:
    return TypednnError(
        f"{where}: larger than the {size(limit)} expected; stopped reading",
        hint="the registry holds a corrupted or tampered file, or the wrong one; push the model again",
    )


class LocalStore:
    """A registry in a local folder (a path, or a `file://` URL)."""

    writable = True

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root.expanduser()))
        self.key = f"file://{self.root}"

    def where(self, path: str) -> str:
        return str(self.root / path)

    def read_into(self, path: str, sink: Sink, *, limit: int) -> bool:
        if not os.path.lexists(self.root / path):
            if not self.root.is_dir():
                raise TypednnError(
                    f"registry {self.root}: no such folder", hint=f"name an existing registry folder or URL ({ENV})"
                )
            return False
        with open_regular(self.root / path, what="registry file") as file:
            copy_bounded(file, sink, limit=limit, where=self.where(path))
        return True

    def prepare(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # a file in the way, a read-only or full disk
            raise self._unwritable(self.root, error) from None
        self.check_marked(writing=True)

    def check_marked(self, *, writing: bool = False) -> None:
        """Refuse a folder that holds files but no `MARKER`: it is not a typednn registry.

        A registry pushed before the marker existed (its `index.json` is typednn's) is
        accepted, and marked when `writing`.
        """
        marker = self.root / MARKER
        if os.path.lexists(marker):
            if not marker.is_file() or marker.is_symlink():
                raise TypednnError(f"registry {self.root}: its {MARKER} is not a plain file", hint=_MARKER_HINT)
            return
        try:
            entries = list(self.root.iterdir()) if self.root.is_dir() else []
        except OSError as error:
            raise TypednnError(f"registry {self.root}: cannot be listed: {error}", hint=_MARKER_HINT) from None
        if entries and not self._typednn_index():
            raise TypednnError(
                f"registry {self.root}: the folder holds files ({', '.join(sorted(e.name for e in entries)[:3])}) "
                f"but no {MARKER}, so it is not a typednn registry; nothing was written",
                hint=_MARKER_HINT,
            )
        if writing:
            self.write(MARKER, MARKER_DATA)

    def _typednn_index(self) -> bool:
        index = self.root / INDEX
        if index.is_symlink() or not index.is_file():
            return False
        try:
            with open(index, "rb") as file:
                head = file.read(4096)
        except OSError:
            return False
        return _INDEX_FORMAT in head

    def _unwritable(self, path: Path, error: OSError) -> TypednnError:
        return TypednnError(
            f"registry {self.root}: cannot write {path}: {error.strerror or error}",
            hint="name a folder you can write, on a disk with room (--registry, $TYPEDNN_HUB)",
        )

    def _folder(self, path: Path) -> None:
        """Create `path`'s folders under the root one by one, refusing a symbolic link among them."""
        current = self.root
        for part in path.relative_to(self.root).parts[:-1]:
            current = current / part
            if current.is_symlink():
                raise TypednnError(
                    f"registry {self.root}: {current} is a symbolic link; typednn never writes through one",
                    hint="the registry was edited; remove the link, or push to a new registry",
                )
            try:
                current.mkdir(exist_ok=True)
            except OSError as error:
                raise self._unwritable(current, error) from None

    def write(self, path: str, data: bytes | Path, *, sha256: str | None = None) -> None:
        target = self.root / path
        self._folder(target)
        try:
            self._write(target, data, sha256)
        except OSError as error:
            raise self._unwritable(target, error) from None

    def _write(self, target: Path, data: bytes | Path, sha256: str | None) -> None:
        if isinstance(data, bytes):
            write_atomic(target, data)
            return
        # A blob is copied under a temporary name and renamed: never half a blob under its address,
        # and hashed while copied: a file changed since it was hashed is never stored under the old hash.
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        digest = hashlib.sha256()
        try:
            with open(data, "rb") as source, open(temporary, "xb") as copy:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    copy.write(chunk)
                copy.flush()
                os.fsync(copy.fileno())
            if sha256 is not None and digest.hexdigest() != sha256:
                raise TypednnError(
                    f"{data}: changed while it was pushed (sha256 {digest.hexdigest()}, not {sha256})",
                    hint="push again once nothing writes to the export",
                )
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        fsync_dir(target.parent)

    def exists(self, path: str) -> bool:
        return (self.root / path).is_file()

    def names(self, path: str) -> list[str]:
        folder = self.root / path
        return sorted(entry.name for entry in folder.iterdir()) if folder.is_dir() else []


class FsspecStore:
    """A registry at an fsspec URL: `s3://`, `gs://`, `hf://`, `memory://`, ..."""

    writable = True

    def __init__(self, url: str) -> None:
        _fsspec(url)  # a clear message where fsspec itself is missing
        from ..data._remote import url_filesystem  # noqa: PLC0415 - it imports fsspec, optional here

        self.fs, root = url_filesystem(url, name="registry")
        self.root: str = str(root).rstrip("/")
        self.key = url.rstrip("/")
        self.url = self.key

    def _path(self, path: str) -> str:
        return f"{self.root}/{path}"

    def where(self, path: str) -> str:
        return f"{self.url}/{path}"

    def read_into(self, path: str, sink: Sink, *, limit: int) -> bool:
        try:
            with self.fs.open(self._path(path), "rb") as file:
                copy_bounded(file, sink, limit=limit, where=self.where(path))
        except FileNotFoundError:
            return False
        except OSError as error:
            raise TypednnError(f"{self.where(path)}: cannot be read: {error}", hint="check the registry URL") from None
        return True

    def prepare(self) -> None:
        pass

    def write(self, path: str, data: bytes | Path, *, sha256: str | None = None) -> None:
        target = self._path(path)
        self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
        # Object stores have no rename: the tag is written last, after every blob it names.
        if isinstance(data, bytes):
            self.fs.pipe_file(target, data)
        else:
            self.fs.put_file(str(data), target)

    def exists(self, path: str) -> bool:
        return bool(self.fs.exists(self._path(path)))

    def names(self, path: str) -> list[str]:
        try:
            entries = self.fs.ls(self._path(path), detail=False)
        except FileNotFoundError:
            return []
        return sorted(str(entry).rstrip("/").rsplit("/", 1)[-1] for entry in entries)


def _fsspec(url: str) -> Any:
    # Imported by name: fsspec is optional and ships no type information.
    try:
        return importlib.import_module("fsspec")
    except ImportError:
        raise TypednnError(
            f"registry {url}: reading this URL needs fsspec, which is not installed",
            hint="pip install fsspec (and the filesystem package for the URL, e.g. s3fs)",
        ) from None


def open_store(registry: str | os.PathLike[str] | None) -> Store:
    """The registry named by `registry`, else by `$TYPEDNN_HUB`.

    Args:
        registry: A folder, a `file://` or `http(s)://` URL, or any fsspec URL.

    Raises:
        TypednnError: if none is named, or its filesystem package is not installed.
    """
    if registry is None:
        registry = os.environ.get(ENV) or None
    if registry is None:
        raise TypednnError(
            "no model registry named",
            hint=f"pass registry= (--registry) a folder or URL, or set {ENV}, e.g. {ENV}=~/models",
        )
    if not isinstance(registry, str):
        return LocalStore(Path(registry))
    scheme, separator, rest = registry.partition("://")
    if not separator:
        return LocalStore(Path(registry))
    if scheme.lower() == "file":
        return LocalStore(Path(rest))
    if scheme.lower() in {"http", "https"}:
        from ._http import HttpStore  # noqa: PLC0415 - urllib only where a URL needs it

        return HttpStore(registry)
    return FsspecStore(registry)


def list_tags(store: Store) -> dict[str, list[str]]:
    """Every model and its tags, from the `tags/` folder (checked names only)."""
    found: dict[str, list[str]] = {}
    for name in store.names("tags"):
        if _valid(name):
            tags = [tag for tag in store.names(f"tags/{name}") if _valid(tag)]
            if tags:
                found[name] = tags
    return found


def _valid(part: str) -> bool:
    # Temporary files (`.v1.1a2b.tmp`) and anything not pushed by typednn are not tags.
    try:
        check(part, "NAME", part)
    except TypednnError:
        return False
    return True
