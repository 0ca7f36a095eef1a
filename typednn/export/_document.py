"""spec.json: the export's description, written readably and read with full validation.

It reads::

    {
      "format": "typednn-model",
      "version": 1,
      "name": "model",
      "model": {"input": [...], "layers": [...]},        (see _graph_json.py)
      "transform": {"columns": [...]},                   (optional: see typednn/data/transforms/_json.py)
      "weights": {
        "file": "weights.safetensors",
        "sha256": "...",
        "tensors": {"dense/kernel": {"shape": [64, 10], "dtype": "float32"}, ...},
        "dtype": "bfloat16"                              (optional: absent for float32; see _dtype.py)
      }
    }
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import TypednnError
from .._reading import excerpt
from .._words import no_unknown_keys, show
from . import _json
from ._dtype import DEFAULT, ExportDtype, check_dtype
from ._weights import Spec, Table

if TYPE_CHECKING:
    from ..data.transforms import Columns

FORMAT = "typednn-model"
VERSION = 1
SPEC_FILE = "spec.json"
WEIGHTS_FILE = "weights.safetensors"
FILES = (SPEC_FILE, WEIGHTS_FILE)
"""The files `save` writes into an export; nothing else is ever moved or deleted with it."""

_KEYS = ("format", "version", "name", "model", "weights")
_OPTIONAL = ("transform",)
_WEIGHTS_KEYS = ("file", "sha256", "tensors")
_WEIGHTS_OPTIONAL = ("dtype",)
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
        transform: The fitted column transforms that make the model's features from raw
            rows (`tn.save(..., transform=prep)`), or None.
        dtype: The dtype of the floating tensors (`tn.save(..., dtype=)`): "float32",
            "bfloat16" or "float16".
    """

    name: str
    model: object
    weights_file: str
    sha256: str
    tensors: Table
    transform: Columns | None = None
    dtype: ExportDtype = DEFAULT

    def dumps(self) -> bytes:
        """The file's bytes: pretty-printed, keys in a fixed order, so one model gives one text."""
        document = {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "model": self.model,
            **({} if self.transform is None else {"transform": _transform_json(self.transform)}),
            "weights": {
                "file": self.weights_file,
                "sha256": self.sha256,
                "tensors": {
                    name: {"shape": list(spec.shape), "dtype": spec.dtype}
                    for name, spec in sorted(self.tensors.items())
                },
                # Written only when not float32, so that a float32 export is the file it always was.
                **({} if self.dtype == DEFAULT else {"dtype": self.dtype}),
            },
        }
        return (_pretty(document) + "\n").encode()


def _transform_json(columns: Columns) -> object:
    from ..data.transforms import to_json  # noqa: PLC0415 - only an export with transforms reads typednn.data

    return to_json(columns)


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
    document = _json.read(path, what=SPEC_FILE, missing="no such file; this is not a typednn export")
    if not isinstance(document, dict):
        raise TypednnError(f"{path}: not a typednn export: the file holds {show(document)}, not an object")
    if document.get("format") != FORMAT:
        raise TypednnError(
            f"{path}: not a typednn export: its format is {show(document.get('format'))}, not {FORMAT!r}",
            hint="load files written by tn.save",
        )
    if document.get("version") != VERSION:
        raise TypednnError(
            f"{path}: version {show(document.get('version'))} of the typednn-model format is not supported;"
            f" this typednn reads version {VERSION}",
            hint="use the typednn release that wrote it, or a newer one",
        )
    no_unknown_keys(document, (*_KEYS, *_OPTIONAL), str(path))
    for key in _KEYS:
        if key not in document:
            raise TypednnError(f"{path}: {key!r} is missing", hint="the file is incomplete; save the model again")
    name = document["name"]
    if not isinstance(name, str):
        raise TypednnError(f"{path}: name must be a string, not {show(name)}")
    weights = document["weights"]
    if not isinstance(weights, dict):
        raise TypednnError(f"{path}: weights must be an object, not {show(weights)}")
    no_unknown_keys(weights, (*_WEIGHTS_KEYS, *_WEIGHTS_OPTIONAL), f"{path}: weights")
    for key in _WEIGHTS_KEYS:
        if key not in weights:
            raise TypednnError(f"{path}: weights.{key} is missing", hint="the file is incomplete; save the model again")
    file, digest = weights["file"], weights["sha256"]
    _check_file_name(file, path)
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise TypednnError(f"{path}: weights.sha256 must be 64 lowercase hex digits, not {show(digest)}")
    transform = None
    if "transform" in document:
        from ..data.transforms import from_json  # noqa: PLC0415 - only an export with transforms reads typednn.data

        transform = from_json(document["transform"], f"{path}: transform")
    dtype = check_dtype(weights.get("dtype", DEFAULT), f"{path}: weights", hint="was it edited? Save the model again")
    return Document(name, document["model"], file, digest, _tensors(weights["tensors"], path), transform, dtype)


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
                f"{path}: weights.tensors[{excerpt(name, length=60)}] must be {{'shape': [sizes], 'dtype': name}},"
                f" not {show(entry)}"
            )
        tensors[name] = Spec(tuple(shape), dtype)
    return tensors


_NAME_LIMIT = 255
"""The longest file name (in UTF-8 bytes) that common filesystems accept."""


def _check_file_name(file: object, path: Path) -> None:
    """Refuse a weights file name that is not one plain name in spec.json's own directory.

    spec.json comes from whoever sent the export: a name with a separator or `..` would
    read outside the export, a NUL byte or a control character makes the OS call fail
    or the message unreadable, and a leading dot is typednn's own temporary names.
    """
    problem = None
    if not isinstance(file, str) or not file:
        problem = "is not a non-empty string"
    elif "/" in file or "\\" in file:
        problem = "holds a path separator"
    elif file.startswith("."):
        problem = "starts with a dot"
    elif any(unicodedata.category(character).startswith("C") for character in file):
        problem = "holds a NUL byte or another control character"
    elif len(file.encode(errors="surrogatepass")) > _NAME_LIMIT:
        problem = f"is longer than {_NAME_LIMIT} bytes"
    if problem is not None:
        shown = excerpt(file) if isinstance(file, str) else show(file)
        raise TypednnError(
            f"{path}: weights.file must be a file name in the same directory, not {shown}: it {problem}",
            hint=f"an export names its weights file plainly, such as {WEIGHTS_FILE!r}; save the model again",
        )
