"""`push`: an export folder into a registry, by content, under `NAME:TAG`.

Blobs go first, the manifest next, the tag last: a reader who sees a tag finds every
file it names. A tag is never moved silently: pushing the same model again changes
nothing, a different one under a used tag is refused unless `force=True`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .._errors import TypednnError
from .._reading import DOCUMENT_LIMIT, open_regular, read_regular
from ..export import _json
from ..export._document import FILES, SPEC_FILE
from . import _card
from ._card import Card
from ._manifest import Entry, Manifest, tag_line
from ._read import index_bytes, read_card, read_manifest, read_tag
from ._reference import Reference
from ._reference import parse as parse_reference
from ._registry import INDEX, Store, blob_path, open_store, tag_path


@dataclass(frozen=True)
class Pushed:
    """What `push` did.

    Attributes:
        reference: The model's `NAME:TAG`.
        manifest: The manifest's address, `sha256:<hex>`; the tag names it.
        changed: False if the tag already held this model (nothing was written).
    """

    reference: Reference
    manifest: str
    changed: bool


def push(
    export_dir: str | os.PathLike[str],
    reference: str,
    *,
    registry: str | os.PathLike[str] | None = None,
    card: Card | None = None,
    force: bool = False,
) -> Pushed:
    """Upload an export (what `tn.save` wrote) with its model card, as `NAME:TAG`.

    The export is loaded first, so a broken one is never pushed. Each file is stored
    by its sha256 (`blobs/sha256/<hex>`), listed with its size in a manifest, and the tag
    names the manifest. The card holds `card`'s metrics, data and text, the export's
    spec.json, the typednn version and the time.

    Args:
        export_dir: The export's folder.
        reference: `NAME:TAG`.
        registry: A folder or a writable fsspec URL; default `$TYPEDNN_HUB`.
        card: What to say about the model.
        force: Move a tag that names a different model (its old files stay).

    Returns:
        The reference, the manifest's address, and whether anything changed.

    Raises:
        TypednnError: for a bad reference or export, a read-only registry, or a tag that
            already names a different model (without `force`).
    """
    from ..export import load  # noqa: PLC0415 - JAX only where a model is built

    name = parse_reference(reference)
    store = open_store(registry)
    store.prepare()
    folder = Path(export_dir)
    load(folder)
    spec_path = folder / SPEC_FILE
    spec = _json.loads(read_regular(spec_path, what=SPEC_FILE, limit=DOCUMENT_LIMIT), source=str(spec_path))
    if not isinstance(spec, dict):  # load read it a moment ago: the folder changed meanwhile
        raise TypednnError(f"{spec_path}: not a JSON object", hint="save the model again")
    files = {file: _hash(folder / file) for file in FILES}
    card = card or Card()
    if (same := _same(store, name, files, card, force=force)) is not None:
        return Pushed(name, f"sha256:{same}", changed=False)
    for file, entry in files.items():
        if not _intact(store, entry):
            store.write(blob_path(entry.sha256), folder / file, sha256=entry.sha256)
    card_data = _card.dumps(name, card, spec)
    card_entry = Entry(hashlib.sha256(card_data).hexdigest(), len(card_data))
    store.write(blob_path(card_entry.sha256), card_data)
    manifest = Manifest(name, card_entry, files).dumps()
    digest = hashlib.sha256(manifest).hexdigest()
    store.write(blob_path(digest), manifest)
    store.write(tag_path(name.name, name.tag), tag_line(digest))
    store.write(INDEX, index_bytes(store))
    return Pushed(name, f"sha256:{digest}", changed=True)


def _same(store: Store, name: Reference, files: dict[str, Entry], card: Card, *, force: bool) -> str | None:
    """The manifest's sha256 if the tag already holds this model; raise if it holds another."""
    if read_tag(store, name) is None:
        return None
    try:
        digest, _, manifest = read_manifest(store, name)
        old = read_card(store, name, manifest)[1].card
    except TypednnError:
        if force:  # a damaged tag is what --force is for
            return None
        raise
    if manifest.files == files and old == card:
        return digest
    if force:
        return None
    what = "files" if manifest.files != files else "model card"
    raise TypednnError(
        f"{store.where(tag_path(name.name, name.tag))}: {name} already names a different model (its {what} differ);"
        " a tag is never moved silently",
        hint="push under a new tag, or pass force=True (`--force`) to move this one",
    )


def _intact(store: Store, entry: Entry) -> bool:
    """Whether the registry holds this blob whole: a damaged one (wrong size or sha256) is written again."""
    if not store.exists(blob_path(entry.sha256)):
        return False
    digest = hashlib.sha256()
    count = 0

    def sink(chunk: bytes) -> None:
        nonlocal count
        digest.update(chunk)
        count += len(chunk)

    try:
        found = store.read_into(blob_path(entry.sha256), sink, limit=entry.size)
    except TypednnError:  # longer than it should be, or not a regular file: replaced
        return False
    return found and count == entry.size and digest.hexdigest() == entry.sha256


def _hash(path: Path) -> Entry:
    """A file's sha256 and size, read in chunks."""
    digest = hashlib.sha256()
    count = 0
    with open_regular(path, what="export file") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
            count += len(chunk)
    return Entry(digest.hexdigest(), count)
