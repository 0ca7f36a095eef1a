"""spec.json: the export's description, written readably and read with full validation.

It reads::

    {
      "format": "typednn-model",
      "version": 1,
      "name": "model",
      "model": {"input": [...], "layers": [...]},        (see _graph_json.py)
      "weights": {
        "file": "weights.safetensors",
        "sha256": "...",
        "tensors": {"dense/kernel": {"shape": [64, 10], "dtype": "float32"}, ...}
      }
    }
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import TypednnError
from .._words import no_unknown_keys, show
from ._weights import Spec, Table

FORMAT = "typednn-model"
VERSION = 1
SPEC_FILE = "spec.json"
WEIGHTS_FILE = "weights.safetensors"

_KEYS = ("format", "version", "name", "model", "weights")
_WEIGHTS_KEYS = ("file", "sha256", "tensors")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Document:
    """What spec.json says, checked for form (the model section is checked when built).

    Attributes:
        name: The model's name.
        model: The model section, as parsed.
        weights_file: The weights file's name, in the same directory.
        sha256: The weights file's sha256, as hex.
        tensors: The tensors the weights file holds.
    """

    name: str
    model: object
    weights_file: str
    sha256: str
    tensors: Table

    def dumps(self) -> bytes:
        """The file's bytes: pretty-printed, keys in a fixed order, so one model gives one text."""
        document = {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "model": self.model,
            "weights": {
                "file": self.weights_file,
                "sha256": self.sha256,
                "tensors": {
                    name: {"shape": list(spec.shape), "dtype": spec.dtype}
                    for name, spec in sorted(self.tensors.items())
                },
            },
        }
        return (_pretty(document) + "\n").encode()


def _pretty(value: Any, indent: str = "") -> str:
    """JSON with one layer, tensor or size list per line (as a spec file reads)."""
    flat = json.dumps(value, ensure_ascii=False)
    depth = _depth(value)
    # A layer entry, {kind: {options}}, stays on one line when it fits.
    entry = isinstance(value, dict) and len(value) == 1 and depth == 3 and len(indent) + len(flat) <= 100
    if depth <= 2 or entry:
        return flat
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(key, ensure_ascii=False)}: {_pretty(item, inner)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    assert isinstance(value, list)
    return "[\n" + ",\n".join(inner + _pretty(item, inner) for item in value) + f"\n{indent}]"


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def read(path: Path) -> Document:
    """Read and check spec.json.

    Raises:
        TypednnError: naming the file (and line and column for invalid JSON) if it is
            missing, not JSON, not a typednn export, of another version, or malformed.
    """
    try:
        text = path.read_bytes().decode()
    except FileNotFoundError:
        raise TypednnError(
            f"{path}: no such file; this is not a typednn export",
            hint="pass the directory that model.save wrote",
        ) from None
    except UnicodeDecodeError as error:
        raise TypednnError(f"{path}: not UTF-8 text (byte {error.start})", hint="the file is corrupted") from None
    except OSError as error:
        raise TypednnError(f"{path}: cannot be read: {error.strerror}") from None
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as error:
        raise TypednnError(f"{path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from None
    except _DuplicateKeyError as error:
        raise TypednnError(f"{path}: the key {error.args[0]!r} appears twice in one object") from None
    if not isinstance(document, dict):
        raise TypednnError(f"{path}: not a typednn export: the file holds {show(document)}, not an object")
    if document.get("format") != FORMAT:
        raise TypednnError(
            f"{path}: not a typednn export: its format is {show(document.get('format'))}, not {FORMAT!r}",
            hint="load files written by model.save",
        )
    if document.get("version") != VERSION:
        raise TypednnError(
            f"{path}: version {show(document.get('version'))} of the typednn-model format is not supported;"
            f" this typednn reads version {VERSION}",
            hint="use the typednn release that wrote it, or a newer one",
        )
    no_unknown_keys(document, _KEYS, str(path))
    for key in _KEYS:
        if key not in document:
            raise TypednnError(f"{path}: {key!r} is missing", hint="the file is incomplete; save the model again")
    name = document["name"]
    if not isinstance(name, str):
        raise TypednnError(f"{path}: name must be a string, not {show(name)}")
    weights = document["weights"]
    if not isinstance(weights, dict):
        raise TypednnError(f"{path}: weights must be an object, not {show(weights)}")
    no_unknown_keys(weights, _WEIGHTS_KEYS, f"{path}: weights")
    for key in _WEIGHTS_KEYS:
        if key not in weights:
            raise TypednnError(f"{path}: weights.{key} is missing", hint="the file is incomplete; save the model again")
    file, digest = weights["file"], weights["sha256"]
    # Only a plain name: spec.json must not point outside its directory.
    if not isinstance(file, str) or not file or Path(file).name != file or file.startswith("."):
        raise TypednnError(f"{path}: weights.file must be a file name in the same directory, not {show(file)}")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise TypednnError(f"{path}: weights.sha256 must be 64 lowercase hex digits, not {show(digest)}")
    return Document(name, document["model"], file, digest, _tensors(weights["tensors"], path))


def _tensors(value: object, path: Path) -> Table:
    if not isinstance(value, dict):
        raise TypednnError(f"{path}: weights.tensors must be an object, not {show(value)}")
    tensors: Table = {}
    for name, entry in value.items():
        shape = entry.get("shape") if isinstance(entry, dict) else None
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        if (
            not isinstance(entry, dict)
            or set(entry) != {"shape", "dtype"}
            or not isinstance(shape, list)
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
            or not isinstance(dtype, str)
        ):
            raise TypednnError(
                f"{path}: weights.tensors[{name!r}] must be {{'shape': [sizes], 'dtype': name}}, not {show(entry)}"
            )
        tensors[name] = Spec(tuple(shape), dtype)
    return tensors


class _DuplicateKeyError(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; a hand-edited file may mean the first.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result
