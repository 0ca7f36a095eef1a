"""The local cache of pulled models: downloaded once, verified, then used offline.

Its layout, under `$TYPEDNN_CACHE/hub` (default `~/.cache/typednn/hub`)::

    <registry>/NAME/TAG/model/          the export, as `tn.load` reads it
    <registry>/NAME/TAG/card.json       the model card
    <registry>/NAME/TAG/manifest.json   what the tag named when it was pulled

`<registry>` is a short hash of the registry's path or URL, so two registries holding a
`NAME:TAG` each never share a folder. A pull downloads into a staging folder beside its
final one (`.TAG.<random>.tmp`), each file to a temporary name that is renamed only
once its size and sha256 match the manifest; the whole folder is then renamed to `TAG`.
So a cached `TAG` folder is always complete and verified: a failed or interrupted pull
leaves no file under a name that is used, and its staging folder is removed. A pull
killed outright leaves its staging folder behind: the next pull of that tag removes
those older than `STALE_SECONDS`. A `TAG` folder in the way that is not complete is
moved aside only if a pull made it (it holds `manifest.json`); any other is named.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

from .._errors import TypednnError
from .._files import fsync_dir, write_synced
from ..data._paths import default_cache
from ._manifest import Entry, Manifest
from ._reference import Reference
from ._registry import Store, blob_path

MODEL = "model"
CARD = "card.json"
MANIFEST = "manifest.json"
STALE_SECONDS = 3600.0
"""How old a staging folder (`.TAG.<hex>.tmp`) must be to be another, killed pull's."""
_CACHE_HINT = "check the cache folder (--cache, $TYPEDNN_CACHE): that it is a folder you can write, on a disk with room"


def root(cache: str | os.PathLike[str] | None) -> Path:
    """The hub's cache folder: `cache`, else `$TYPEDNN_CACHE/hub`, else `~/.cache/typednn/hub`."""
    return Path(cache).expanduser() if cache is not None else default_cache() / "hub"


def entry(cache: Path, store: Store, reference: Reference) -> Path:
    """The folder of one pulled model (see the module docstring)."""
    registry = hashlib.sha256(store.key.encode()).hexdigest()[:16]
    return cache / registry / reference.name / reference.tag


def cached(folder: Path) -> bool:
    """Whether a model was pulled to `folder`: only a complete pull is ever renamed there."""
    return (folder / MODEL).is_dir() and (folder / CARD).is_file()


def download(
    store: Store, reference: Reference, manifest: Manifest, documents: Mapping[str, bytes], folder: Path
) -> None:
    """Download and verify every file of `manifest`, then publish them at `folder` at once.

    Args:
        store: The registry.
        reference: The model pulled.
        manifest: What its tag names (already verified against the tag).
        documents: Small files already verified in memory (card.json, manifest.json).
        folder: The model's folder in the cache.

    Raises:
        TypednnError: naming the file that is missing, truncated, too large or tampered
            with; nothing is left in the cache then.
    """
    try:
        _make_folder(folder.parent)
        _clean_stale(folder)
        _clear_incomplete(folder)
        staging = folder.with_name(f".{folder.name}.{secrets.token_hex(4)}.tmp")
        try:
            (staging / MODEL).mkdir(parents=True)
            for name, blob in sorted(manifest.files.items()):
                fetch(store, blob, staging / MODEL / name, what=f"{reference}: {name}")
            for name, data in documents.items():
                write_synced(staging / name, data)
            fsync_dir(staging / MODEL)
            fsync_dir(staging)
            try:
                os.rename(staging, folder)
            except OSError:
                if not cached(folder):  # not another pull of the same model that finished first
                    raise
            fsync_dir(folder.parent)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as error:  # a full disk, a read-only folder, a file where a folder belongs
        raise TypednnError(
            f"{reference}: cannot write the cache at {error.filename or folder}: {error.strerror or error}",
            hint=_CACHE_HINT,
        ) from None


def _make_folder(folder: Path) -> None:
    """`mkdir -p`, naming a file found where a folder belongs."""
    for parent in (*reversed(folder.parents), folder):
        if os.path.lexists(parent) and not parent.is_dir():
            raise TypednnError(f"cache {parent}: a file, where a folder belongs", hint=_CACHE_HINT)
    folder.mkdir(parents=True, exist_ok=True)


def _clean_stale(folder: Path) -> None:
    """Remove the staging folders of this tag that a killed pull left (by name, old, never through a link)."""
    pattern = re.compile(rf"\.{re.escape(folder.name)}\.[0-9a-f]{{8}}\.tmp")
    now = time.time()
    for path in folder.parent.iterdir():
        if not pattern.fullmatch(path.name):
            continue
        status = path.lstat()
        if path.is_symlink() or not path.is_dir() or now - status.st_mtime < STALE_SECONDS:
            continue  # a live pull's, or not ours
        shutil.rmtree(path, ignore_errors=True)  # rmtree never follows a link inside


def _clear_incomplete(folder: Path) -> None:
    """Move aside an incomplete `TAG` folder that a pull made; refuse, naming it, any other."""
    if not os.path.lexists(folder) or cached(folder):
        return
    ours = folder.is_dir() and not folder.is_symlink() and (folder / MANIFEST).is_file()
    if not ours:
        raise TypednnError(
            f"cache {folder}: is in the way of the pull, and is not a model typednn pulled",
            hint="move or remove it, or pull into another cache (--cache)",
        )
    aside = folder.with_name(f".{folder.name}.{secrets.token_hex(4)}.tmp")
    os.rename(folder, aside)
    shutil.rmtree(aside, ignore_errors=True)


def fetch(store: Store, blob: Entry, target: Path, *, what: str) -> None:
    """One blob to `target`, through a temporary file renamed only once it is verified."""
    where = store.where(blob_path(blob.sha256))
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    digest = hashlib.sha256()
    count = 0
    try:
        with open(temporary, "xb") as file:

            def sink(chunk: bytes) -> None:
                nonlocal count
                digest.update(chunk)
                count += len(chunk)
                file.write(chunk)

            try:
                found = store.read_into(blob_path(blob.sha256), sink, limit=blob.size)
            except TypednnError as error:  # say which of the model's files it was
                raise TypednnError(f"{error.message} ({what})", hint=error.hint) from None
            if not found:
                raise TypednnError(
                    f"{where}: missing from the registry ({what})",
                    hint="the registry is incomplete; push the model again",
                )
            if count != blob.size:
                raise TypednnError(
                    f"{where}: truncated ({what}): {count} bytes of the {blob.size} the manifest states",
                    hint="the download was cut short or the file is damaged; pull again",
                )
            if digest.hexdigest() != blob.sha256:
                raise TypednnError(
                    f"{where}: sha256 mismatch ({what}): expected {blob.sha256}, got {digest.hexdigest()}",
                    hint="the file was tampered with or damaged; nothing was cached. Ask the registry's owner",
                )
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
