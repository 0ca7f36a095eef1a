"""A registry's documents: the tag file, the manifest, and the index, written and read back.

A tag file (`tags/NAME/TAG`) holds one line, `sha256:<hex>`: the address of the model's
manifest, itself a blob. The manifest lists every file of the export with its size and
sha256, and the model card's; each is a blob at `blobs/sha256/<hex>`::

    {
      "format": "typednn-hub-manifest",
      "version": 1,
      "name": "mnist-mlp",
      "tag": "v1",
      "card": {"sha256": "...", "size": 1234},
      "files": {"spec.json": {"sha256": "...", "size": 2345}, "weights.safetensors": {...}}
    }

Whatever a registry serves is read as hostile: the sizes are bounded, every digest is 64
hex digits, and every file name is one plain name (no separator, no `..`, nothing
absolute), so a manifest can name no path outside the folder it is unpacked into.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .._errors import TypednnError
from .._reading import GiB, excerpt, size
from ..export import _json
from ..export._document import FILES
from ._reference import Reference

FORMAT = "typednn-hub-manifest"
VERSION = 1
TAG_LIMIT = 256
"""The largest tag file: one line, `sha256:` and 64 hex digits."""
MANIFEST_LIMIT = 1 << 20
"""The largest manifest: a few hundred bytes in practice."""
FILE_LIMIT = 256 * GiB
"""The largest file a manifest may state; bounds a download whatever a registry claims."""
MAX_FILES = 64
"""The most files a manifest may list; an export holds two."""
TOTAL_LIMIT = FILE_LIMIT
"""The most bytes the files of one manifest may add up to."""

_DIGEST = re.compile(r"[0-9a-f]{64}")
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_CORRUPT = "the registry holds a corrupted or tampered model; push it again, or ask its owner"


@dataclass(frozen=True)
class Entry:
    """A blob: its sha256 (hex) and size in bytes."""

    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What a tag points at: the export's files and the model card, by content.

    Attributes:
        reference: The model's name and tag, as pushed.
        card: The model card's blob.
        files: The export's files, by name.
    """

    reference: Reference
    card: Entry
    files: Mapping[str, Entry]

    def dumps(self) -> bytes:
        """The manifest's bytes: keys in a fixed order, so one model gives one address."""
        document = {
            "format": FORMAT,
            "version": VERSION,
            "name": self.reference.name,
            "tag": self.reference.tag,
            "card": _entry_dict(self.card),
            "files": {name: _entry_dict(entry) for name, entry in sorted(self.files.items())},
        }
        return (json.dumps(document, indent=2) + "\n").encode()


def _entry_dict(entry: Entry) -> dict[str, object]:
    return {"sha256": entry.sha256, "size": entry.size}


def tag_line(digest: str) -> bytes:
    """A tag file's content: the manifest's address."""
    return f"sha256:{digest}\n".encode()


def parse_tag(data: bytes, *, source: str) -> str:
    """The manifest's sha256 that a tag file names.

    Raises:
        TypednnError: if it is not one line `sha256:<64 hex digits>`.
    """
    text = data.decode("ascii", errors="replace").strip()
    digest = text.removeprefix("sha256:")
    if not text.startswith("sha256:") or not _DIGEST.fullmatch(digest):
        raise TypednnError(
            f"{source}: expected one line 'sha256:<64 hex digits>', found {excerpt(text)}", hint=_CORRUPT
        )
    return digest


def parse(data: bytes, *, source: str, reference: Reference) -> Manifest:
    """A manifest read from a registry, checked throughout (see the module docstring).

    Args:
        data: Its bytes, already checked against the tag's sha256 and `MANIFEST_LIMIT`.
        source: Where it came from, for messages.
        reference: The reference pulled: the manifest must name the same one.

    Raises:
        TypednnError: naming the key or file that is wrong.
    """
    document = _json.loads(data, source=source)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TypednnError(f'{source}: not a typednn hub manifest (no "format": "{FORMAT}")', hint=_CORRUPT)
    if document.get("version") != VERSION:
        raise TypednnError(
            f"{source}: manifest version {excerpt(document.get('version'))}; this typednn reads version {VERSION}",
            hint="upgrade typednn to pull this model",
        )
    unknown = sorted(set(document) - {"format", "version", "name", "tag", "card", "files"})
    if unknown:
        raise TypednnError(f"{source}: unknown key {excerpt(unknown[0])} in the manifest", hint=_CORRUPT)
    named = (document.get("name"), document.get("tag"))
    if named != (reference.name, reference.tag):
        raise TypednnError(
            f"{source}: the manifest is for {excerpt(named[0])}:{excerpt(named[1])}, not {reference}",
            hint=_CORRUPT,
        )
    card = _entry(document.get("card"), f'{source}: "card"')
    files = document.get("files")
    if not isinstance(files, dict) or not files:
        raise TypednnError(f'{source}: "files" must be an object naming at least one file', hint=_CORRUPT)
    if len(files) > MAX_FILES:
        raise TypednnError(f'{source}: "files" lists {len(files)} files, more than {MAX_FILES}', hint=_CORRUPT)
    for name in files:
        check_file_name(name, source=source)
    entries = {name: _entry(value, f"{source}: file {name!r}") for name, value in files.items()}
    extra, missing = sorted(set(entries) - set(FILES)), sorted(set(FILES) - set(entries))
    if extra or missing:
        # Only an export's files are ever cached: no script, nothing `tn.load` would not read.
        found = f"it also lists {excerpt(extra[0])}" if extra else f"it lacks {missing[0]}"
        raise TypednnError(
            f'{source}: "files" must list exactly the files of a typednn export ({", ".join(FILES)}), but {found}',
            hint=_CORRUPT,
        )
    total = sum(entry.size for entry in entries.values())
    if total > TOTAL_LIMIT:
        raise TypednnError(
            f'{source}: "files" add up to {size(total)}, more than the {size(TOTAL_LIMIT)} accepted', hint=_CORRUPT
        )
    return Manifest(reference, card, entries)


def check_file_name(name: str, *, source: str) -> None:
    """Refuse a file name that is not one plain name: a separator, `..`, an absolute path.

    Raises:
        TypednnError: naming the file.
    """
    if _FILE_NAME.fullmatch(name):
        return
    if "/" in name or "\\" in name:
        problem = "holds a path separator" + (" (an absolute path)" if name[:1] in "/\\" else "")
    elif name in {"", ".", ".."}:
        problem = "is not a file name"
    else:
        problem = "holds a character outside [A-Za-z0-9._-] or starts with '.' or '-'"
    raise TypednnError(
        f"{source}: the file name {excerpt(name)} {problem}; expected one plain file name",
        hint=f"refusing to write outside the model's folder; {_CORRUPT}",
    )


def _entry(value: object, where: str) -> Entry:
    if not isinstance(value, dict) or set(value) != {"sha256", "size"}:
        raise TypednnError(f'{where}: expected {{"sha256": ..., "size": ...}}, found {excerpt(value)}', hint=_CORRUPT)
    digest, length = value["sha256"], value["size"]
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise TypednnError(f'{where}: "sha256" must be 64 lowercase hex digits, found {excerpt(digest)}', hint=_CORRUPT)
    if not isinstance(length, int) or isinstance(length, bool) or not 0 <= length <= FILE_LIMIT:
        raise TypednnError(
            f'{where}: "size" must be a whole number from 0 to {size(FILE_LIMIT)}, found {excerpt(length)}',
            hint=_CORRUPT,
        )
    return Entry(digest, length)
