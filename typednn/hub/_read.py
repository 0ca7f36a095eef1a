"""Reading a model's documents from a registry, each verified against the address that names it.

The tag names the manifest's sha256; the manifest names the card's (and every file's)
sha256 and size. Nothing read here is used before its digest matches.
"""

from __future__ import annotations

import hashlib
import json

from .._errors import TypednnError
from ..export import _json
from . import _card, _manifest
from ._manifest import Entry, Manifest
from ._reference import Reference, check
from ._registry import INDEX, Store, blob_path, list_tags, read, tag_path

INDEX_FORMAT = "typednn-hub-index"
INDEX_LIMIT = 16 << 20
"""The largest index.json: some ten thousand model names."""
_TAMPERED = "the registry's file was tampered with or damaged; push the model again, or ask the registry's owner"


def read_tag(store: Store, reference: Reference) -> str | None:
    """The sha256 of the manifest that `reference` names, None if the registry has no such tag."""
    path = tag_path(reference.name, reference.tag)
    data = read(store, path, limit=_manifest.TAG_LIMIT)
    return None if data is None else _manifest.parse_tag(data, source=store.where(path))


def read_manifest(store: Store, reference: Reference) -> tuple[str, bytes, Manifest]:
    """The manifest `reference` names: its sha256, its bytes and its content.

    Raises:
        TypednnError: if the registry has no such tag, or the manifest is missing,
            too large, tampered with or malformed.
    """
    digest = read_tag(store, reference)
    if digest is None:
        raise TypednnError(
            f"{store.where(tag_path(reference.name, reference.tag))}: no model {reference} in the registry",
            hint=f"check the name and tag; `typednn hub list --registry {store.key}` lists them",
        )
    data = read_verified(store, Entry(digest, -1), limit=_manifest.MANIFEST_LIMIT, what=f"the manifest of {reference}")
    return digest, data, _manifest.parse(data, source=store.where(blob_path(digest)), reference=reference)


def read_card(store: Store, reference: Reference, manifest: Manifest) -> tuple[bytes, _card.ModelCard]:
    """The model card a manifest names: its bytes, verified, and its content."""
    data = read_verified(store, manifest.card, limit=_card.CARD_LIMIT, what=f"the model card of {reference}")
    return data, _card.parse(data, source=store.where(blob_path(manifest.card.sha256)), reference=reference)


def read_verified(store: Store, entry: Entry, *, limit: int, what: str) -> bytes:
    """A small blob in memory, checked against its size (if known, >= 0) and its sha256."""
    path = blob_path(entry.sha256)
    where = store.where(path)
    if entry.size > limit:
        raise TypednnError(f"{where}: {what} is stated as {entry.size} bytes, more than {limit}", hint=_TAMPERED)
    try:
        data = read(store, path, limit=limit if entry.size < 0 else entry.size)
    except TypednnError as error:  # say which document it was
        raise TypednnError(f"{error.message} ({what})", hint=error.hint) from None
    if data is None:
        raise TypednnError(f"{where}: {what} is missing from the registry", hint="the registry is incomplete")
    if entry.size >= 0 and len(data) != entry.size:
        raise TypednnError(f"{where}: {what} is truncated: {len(data)} of {entry.size} bytes", hint=_TAMPERED)
    actual = hashlib.sha256(data).hexdigest()
    if actual != entry.sha256:
        raise TypednnError(f"{where}: sha256 mismatch in {what}: expected {entry.sha256}, got {actual}", hint=_TAMPERED)
    return data


def index_bytes(store: Store) -> bytes:
    """index.json for a registry's current tags (what `list` reads over HTTP)."""
    document = {"format": INDEX_FORMAT, "version": 1, "models": list_tags(store)}
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def read_index(store: Store) -> dict[str, list[str]]:
    """Every model and its tags, from index.json (a registry that cannot list its folders).

    Raises:
        TypednnError: if it is missing, too large or malformed.
    """
    where = store.where(INDEX)
    data = read(store, INDEX, limit=INDEX_LIMIT)
    if data is None:
        raise TypednnError(f"{where}: no such file; is this a typednn registry?", hint="push a model to it first")
    document = _json.loads(data, source=where)
    models = document.get("models") if isinstance(document, dict) else None
    if not isinstance(document, dict) or document.get("format") != INDEX_FORMAT or not isinstance(models, dict):
        raise TypednnError(f"{where}: not a typednn registry index", hint="push a model to the registry again")
    for name, tags in models.items():
        check(name, "NAME", where)
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise TypednnError(f"{where}: the tags of {name!r} must be a list of text", hint="push a model again")
        for tag in tags:
            check(tag, "TAG", where)
    return models
