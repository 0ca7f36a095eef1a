"""`pull`, `load`, `show` and `list`: reading models from a registry, through the cache."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._reading import read_regular
from . import _cache
from ._card import CARD_LIMIT, ModelCard, parse
from ._read import read_card, read_index, read_manifest
from ._reference import Reference
from ._reference import parse as parse_reference
from ._registry import LocalStore, list_tags, open_store

if TYPE_CHECKING:
    from ..lower import Params

Registry = str | os.PathLike[str] | None
"""A registry: a folder, an `http(s)://` or fsspec URL; None for `$TYPEDNN_HUB`."""


def pull(reference: str, *, registry: Registry = None, cache: str | os.PathLike[str] | None = None) -> Path:
    """Download a model into the local cache, once, and return its export folder.

    Every file's size and sha256 are checked against the manifest before it is cached;
    a model already in the cache is used without contacting the registry (offline).

    Args:
        reference: `NAME:TAG`.
        registry: A folder, an `http(s)://` or fsspec URL; default `$TYPEDNN_HUB`.
        cache: The cache folder; default `$TYPEDNN_CACHE/hub`, else `~/.cache/typednn/hub`.

    Returns:
        The export folder in the cache, as `tn.load` reads it.

    Raises:
        TypednnError: for a bad reference, an unknown model, a registry that cannot be
            reached, or a file that is missing, truncated, too large or tampered with
            (nothing is cached then).
    """
    name = parse_reference(reference)
    store = open_store(registry)
    folder = _cache.entry(_cache.root(cache), store, name)
    if not _cache.cached(folder):
        _, manifest_data, manifest = read_manifest(store, name)
        card_data, _ = read_card(store, name, manifest)
        documents = {_cache.MANIFEST: manifest_data, _cache.CARD: card_data}
        _cache.download(store, name, manifest, documents, folder)
    return folder / _cache.MODEL


def load(
    reference: str, *, registry: Registry = None, cache: str | os.PathLike[str] | None = None
) -> tuple[Any, Params]:
    """`pull`, then `tn.load`: the model and its parameters.

    Args:
        reference: `NAME:TAG`.
        registry: As for `pull`.
        cache: As for `pull`.

    Returns:
        `(model, params)`, as `tn.load` gives them.

    Raises:
        TypednnError: as `pull` and `tn.load` do.
    """
    from ..export import load as load_export  # noqa: PLC0415 - JAX only where a model is built

    return load_export(pull(reference, registry=registry, cache=cache))


def show(reference: str, *, registry: Registry = None, cache: str | os.PathLike[str] | None = None) -> ModelCard:
    """A model's card: from the cache if it was pulled, else from the registry (no weights read).

    Raises:
        TypednnError: as `pull` does.
    """
    name = parse_reference(reference)
    store = open_store(registry)
    folder = _cache.entry(_cache.root(cache), store, name)
    if _cache.cached(folder):
        path = folder / _cache.CARD
        return parse(read_regular(path, what="model card", limit=CARD_LIMIT), source=str(path), reference=name)
    _, _, manifest = read_manifest(store, name)
    return read_card(store, name, manifest)[1]


def list_models(registry: Registry = None) -> list[str]:
    """Every `NAME:TAG` in a registry, sorted.

    Raises:
        TypednnError: if the registry cannot be read.
    """
    store = open_store(registry)
    if isinstance(store, LocalStore):  # a folder of the user's own files is no registry
        store.check_marked()
    models = list_tags(store) if store.writable else read_index(store)
    return sorted(str(Reference(name, tag)) for name, tags in models.items() for tag in tags)
