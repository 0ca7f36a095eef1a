"""A checkpoint's manifest, `typednn-checkpoint.json`: what the folder holds, and proof that it is whole.

The manifest records the step, the caller's meta, every saved leaf's path, shape and
dtype, and the size and sha256 of every file orbax wrote; its own sha256 covers the rest
of it (the meta and leaf list, which no file hash does). It is JSON: reading it never
executes anything.

The hashes catch damage, not tampering: anyone can edit a file and recompute them. So
the manifest is also read as hostile input: its size and nesting are bounded, every
field is checked before use, every path it lists must stay inside its folder and name
a regular file (never a FIFO, which would block, or a device, which never ends), and
the folder may hold no symlink or special file for orbax to stumble on.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pathlib
import posixpath
import re
import stat
from typing import Any

import jax
import numpy as np

from .._errors import TypednnError
from .._files import fsync_dir, write_atomic
from .._reading import DOCUMENT_LIMIT, excerpt, open_regular, read_regular

MANIFEST = "typednn-checkpoint.json"
_FORMAT = "typednn-checkpoint"
_VERSION = 1
_MAX_DEPTH = 64
"""How deeply a manifest (its meta, really) may nest: typednn's own nests four levels."""
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ORBAX_JSON = ("_METADATA", "_CHECKPOINT_METADATA", "_sharding")
"""orbax's JSON files at the top of a checkpoint (besides `array_metadatas/*`)."""

Leaf = tuple[str, tuple[int, ...], str]
"""A saved leaf's `(path, shape, dtype)`."""


class CheckpointError(TypednnError):
    """A checkpoint is damaged, missing, or does not match the state it is loaded into.

    Args:
        message: What is wrong, naming the checkpoint and the file.
        hint: How to fix it.
        damaged: Whether the checkpoint itself is at fault (damaged or tampered with),
            rather than the state it is loaded into.
        good: For a damaged checkpoint, the newest older step that still verifies.
    """

    def __init__(self, message: str, *, hint: str | None = None, damaged: bool = False, good: int | None = None):
        super().__init__(message, hint=hint)
        self.damaged = damaged
        self.good = good


def leaf_specs(tree: Any, *, where: str) -> list[Leaf]:
    """`(path, shape, dtype)` of each leaf, paths like `opt_state/inner_state/0/mu/dense/kernel`.

    Raises:
        TypednnError: If a leaf is not an array.
    """
    specs = []
    for key_path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        path = jax.tree_util.keystr(key_path, simple=True, separator="/")
        if not hasattr(leaf, "shape") or not hasattr(leaf, "dtype"):
            raise TypednnError(
                f"{where}: leaf {path!r} is a {type(leaf).__name__}, expected a jax or numpy array",
                hint="wrap Python numbers with jnp.asarray(...) so their dtype is explicit",
            )
        specs.append((path, tuple(int(d) for d in leaf.shape), str(np.dtype(leaf.dtype))))
    return specs


def new_manifest(step: int, meta: dict[str, Any], leaves: list[Leaf]) -> dict[str, Any]:
    """The manifest of a checkpoint about to be written, as it will read back from JSON.

    Raises:
        TypednnError: If `meta` holds something JSON cannot store.
    """
    body = {
        "format": _FORMAT,
        "version": _VERSION,
        "step": step,
        "meta": meta,
        "leaves": [{"path": path, "shape": list(shape), "dtype": dtype} for path, shape, dtype in leaves],
    }
    if _depth(body) > _MAX_DEPTH:
        raise TypednnError(
            f"CheckpointStore.save: meta nests more than {_MAX_DEPTH} levels deep; it could not be read back",
            hint="keep meta to a few levels of dicts and lists",
        )
    # Round-tripped now so that the hash written is the hash of what will be read.
    try:
        text = json.dumps(body, default=_json_default)
    except (TypeError, ValueError) as error:
        raise TypednnError(
            f"CheckpointStore.save: meta cannot be stored as JSON: {error}",
            hint="meta may hold dicts, lists, str, int, float, bool, None, and numpy/jax scalars",
        ) from None
    result: dict[str, Any] = json.loads(text)
    return result


def seal(folder: pathlib.Path, manifest: dict[str, Any]) -> None:
    """Hashes and fsyncs every file under `folder`, then writes the manifest there atomically."""
    files = {}
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            path = pathlib.Path(dirpath, name)
            size, digest = _hash_file(path, sync=True)  # one read: the hash and the flush
            files[path.relative_to(folder).as_posix()] = {"size": size, "sha256": digest}
        fsync_dir(pathlib.Path(dirpath))
    body = {**manifest, "files": files}
    write_atomic(
        folder / MANIFEST, json.dumps({**body, "sha256": _canonical_sha256(body)}, indent=1, sort_keys=True).encode()
    )


def verified_manifest(folder: pathlib.Path, *, step: int) -> dict[str, Any]:
    """Reads the manifest of `step`, checks every field, and re-hashes the files it lists.

    Raises:
        CheckpointError: If the manifest or one of the files is missing, truncated,
            changed, not a regular file or outside `folder`, or the manifest is
            malformed; it names the file.
    """
    _check_tree(folder, step=step)  # first: the manifest itself may be a symlink or a FIFO
    manifest = _read(folder, step=step)
    for relative, expected in manifest["files"].items():
        path = folder / relative
        where = f"checkpoint step {step}: {path}"
        try:
            size, digest = _hash_file(path)
        except FileNotFoundError:
            raise CheckpointError(f"{where} is missing (expected {expected['size']} bytes)") from None
        except TypednnError as error:  # not a regular file
            raise CheckpointError(
                f"checkpoint step {step}: {error.message}", hint="a checkpoint holds only regular files"
            ) from None
        if size != expected["size"]:
            raise CheckpointError(f"{where} has {size} bytes, expected {expected['size']} (truncated or rewritten)")
        if digest != expected["sha256"]:
            raise CheckpointError(
                f"{where} is corrupt: sha256 {digest[:12]}..., expected {expected['sha256'][:12]}... "
                f"({size} bytes, as expected)"
            )
        # orbax parses these with plain json.loads: bound them first (see _loads).
        orbax_json = relative in _ORBAX_JSON or relative.startswith("array_metadatas/")
        if orbax_json and not isinstance(
            _loads(_read_file(path, where=where, what="orbax metadata"), where=where), dict
        ):
            raise CheckpointError(f"{where} is not orbax's metadata: it holds no JSON object")
    return manifest


def recorded_metric(folder: pathlib.Path, metric: str) -> float | None:
    """A metric from the meta in a checkpoint's manifest (unverified), or None if absent, not finite or unreadable."""
    try:
        manifest = _loads(_read_file(folder / MANIFEST, where=str(folder)), where=str(folder))
        unverified: Any = manifest  # any shape at all: every failure below means "absent"
        value = unverified["meta"]["metrics"][metric]
    except (TypednnError, KeyError, TypeError, IndexError):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def recorded_precision(folder: pathlib.Path) -> str | None:
    """The precision a checkpoint's run trained in (unverified): "float32" if it records none, None if unreadable.

    Read before the state, whose structure differs with the precision (float16's loss
    scale), so that resuming in another precision says so rather than naming a leaf.
    """
    try:
        manifest = _loads(_read_file(folder / MANIFEST, where=str(folder)), where=str(folder))
        unverified: Any = manifest
        value = unverified["meta"].get("precision", "float32")
    except (TypednnError, KeyError, TypeError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def check_like(like: list[Leaf], manifest: dict[str, Any], *, folder: pathlib.Path, step: int) -> None:
    """Raises `CheckpointError` if `like` and the saved state differ in a leaf's path, shape or dtype."""
    saved = manifest["leaves"]
    saved_specs = {leaf["path"]: (tuple(leaf["shape"]), leaf["dtype"]) for leaf in saved}
    like_paths = {path for path, _, _ in like}
    problems = []
    for path, shape, dtype in like:
        if path not in saved_specs:
            problems.append((path, f"not in the checkpoint, expected {shape} {dtype}"))
        elif saved_specs[path] != (shape, dtype):
            saved_shape, saved_dtype = saved_specs[path]
            problems.append((path, f"saved {saved_shape} {saved_dtype}, expected {shape} {dtype}"))
    for leaf in saved:
        if leaf["path"] not in like_paths:
            problems.append((leaf["path"], f"saved {tuple(leaf['shape'])} {leaf['dtype']}, missing from `like`"))
    if not problems:
        return
    # The shallowest leaf first: a kernel's optimizer moments (opt_state/0/mu/dense/kernel)
    # differ because the kernel (params/dense/kernel) does, so the kernel is the news.
    problems.sort(key=lambda problem: problem[0].count("/"))
    path, what = problems[0]
    others = [other for other, _ in problems[1:]]
    more = f" (and {len(others)} more: {', '.join(others[:3])}{', ...' if len(others) > 3 else ''})" if others else ""
    raise CheckpointError(
        f"checkpoint step {step} ({folder}) does not match `like`: {path}: {what}{more}",
        hint="build `like` from the same model and optimizer as the saved run (same layers, sizes, dtypes)",
    )


def _json_default(value: Any) -> Any:
    """Turns numpy and jax scalars (e.g. metrics) into Python numbers."""
    if getattr(value, "shape", None) == () and hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _canonical_sha256(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _read(folder: pathlib.Path, *, step: int) -> dict[str, Any]:
    """The manifest of `folder`, every field checked (see `_check_fields`), with its own hash."""
    path = folder / MANIFEST
    where = f"checkpoint step {step}: {path}"
    data = _loads(_read_file(path, where=where), where=where)
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise CheckpointError(f'{where} is not a typednn checkpoint manifest (no "format": "{_FORMAT}")')
    if data.get("version") != _VERSION:
        raise CheckpointError(
            f"{where} has format version {_shown(data.get('version'))}, expected {_VERSION}",
            hint="load it with the typednn version that wrote it",
        )
    recorded = data.pop("sha256", None)
    actual = _canonical_sha256(data)
    if recorded != actual:
        raise CheckpointError(
            f"{where} is corrupt: its contents hash to sha256 {actual[:12]}..., expected {str(recorded)[:12]}..."
        )
    if data.get("step") != step or not _natural(data.get("step")):  # 10.0 == 10, True == 1
        raise CheckpointError(
            f"{where} records step {_shown(data.get('step'))}, expected {step} (a folder was renamed?)"
        )
    _check_fields(data, folder, where=where)
    return data


def _check_fields(data: dict[str, Any], folder: pathlib.Path, *, where: str) -> None:
    """Refuses a manifest whose fields have the wrong types or ranges, or whose paths leave `folder`."""
    for key, kind in (("meta", dict), ("leaves", list), ("files", dict)):
        if not isinstance(data.get(key), kind):
            raise CheckpointError(f"{where}: {key!r} must be a JSON {_WORDS[kind]}, not {_given(data.get(key))}")
    for index, leaf in enumerate(data["leaves"]):
        if not (
            isinstance(leaf, dict)
            and set(leaf) == {"path", "shape", "dtype"}
            and isinstance(leaf["path"], str)
            and isinstance(leaf["dtype"], str)
            and isinstance(leaf["shape"], list)
            and all(_natural(size) for size in leaf["shape"])
        ):
            raise CheckpointError(
                f"{where}: leaves[{index}] must be {{'path': str, 'shape': [int >= 0, ...], 'dtype': str}},"
                f" not {_given(leaf)}"
            )
    root = folder.resolve()
    for relative, entry in data["files"].items():
        problem = _path_problem(relative, root)
        if problem is not None:
            raise CheckpointError(
                f"{where}: lists the file {excerpt(relative, length=80)}, which {problem}",
                hint="a checkpoint lists only files inside its own folder; this manifest was edited",
            )
        if not (
            isinstance(entry, dict)
            and set(entry) == {"size", "sha256"}
            and _natural(entry["size"])
            and isinstance(entry["sha256"], str)
            and _SHA256.fullmatch(entry["sha256"])
        ):
            raise CheckpointError(
                f"{where}: files[{excerpt(relative, length=80)}] must be {{'size': int >= 0, 'sha256': 64 hex digits}},"
                f" not {_given(entry)}"
            )


def _path_problem(relative: str, root: pathlib.Path) -> str | None:
    """Why a manifest's file path is not a plain relative path inside `root` (resolved), or None."""
    if not relative or "\0" in relative:
        return "is empty or holds a NUL byte"
    if relative.startswith(("/", "../")) or relative in (".", "..") or posixpath.normpath(relative) != relative:
        return "is not a normalized relative path (no leading '/', no '..', '.' or '//')"
    if relative == MANIFEST:
        return "is the manifest itself"
    # Resolving follows symlinks along the way: one that leads out of the folder is caught here.
    if not (root / relative).resolve().is_relative_to(root):
        return f"leads outside the checkpoint folder {root}"
    return None


def _check_tree(folder: pathlib.Path, *, step: int) -> None:
    """Refuses a checkpoint folder holding a symlink or a special file (orbax writes neither)."""
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = pathlib.Path(dirpath, name)
            mode = path.lstat().st_mode
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                kind = "a symlink" if stat.S_ISLNK(mode) else "a FIFO, socket or device"
                raise CheckpointError(
                    f"checkpoint step {step}: {path} is {kind}, which a checkpoint never holds",
                    hint="the folder was tampered with; remove the entry or the whole checkpoint",
                )


def _read_file(path: pathlib.Path, *, where: str, what: str = "checkpoint manifest") -> bytes:
    """A JSON file of the checkpoint, as bytes: a regular file of at most DOCUMENT_LIMIT."""
    if not os.path.lexists(path):
        raise CheckpointError(f"{where} is missing")
    try:
        return read_regular(path, what=what, limit=DOCUMENT_LIMIT)
    except CheckpointError:
        raise
    except TypednnError as error:
        raise CheckpointError(f"{where}: {error.message.removeprefix(f'{path}: ')}") from None


def _loads(data: bytes, *, where: str) -> object:
    """JSON with its nesting bounded.

    json raises RecursionError past ~1000 levels and ValueError on an int of more than
    4,300 digits, and code that walks a value recursively fails far sooner: each
    becomes a CheckpointError naming the file.
    """
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{where} is not valid JSON ({error})") from None
    except RecursionError:
        raise CheckpointError(f"{where} nests more than {_MAX_DEPTH} levels deep") from None
    except ValueError as error:
        raise CheckpointError(f"{where} holds a number Python cannot read ({str(error).split(':')[0]})") from None
    if _depth(value) > _MAX_DEPTH:
        raise CheckpointError(f"{where} nests more than {_MAX_DEPTH} levels deep")
    return value


def _depth(value: object) -> int:
    """The nesting depth of a JSON value, without recursion (the value may be deep)."""
    deepest, stack = 0, [(value, 0)]
    while stack and deepest <= _MAX_DEPTH:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level + 1)
            stack.extend((child, level + 1) for child in children)
    return deepest


_WORDS = {dict: "object", list: "array"}


def _natural(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _shown(value: object) -> str:
    return excerpt(json.dumps(value))


def _given(value: object) -> str:
    """What a manifest holds in place of what it should, without quoting more than an excerpt."""
    if isinstance(value, dict | list):
        return f"a JSON {_WORDS[type(value)]} of {len(value)} items"
    return f"{_shown(value)} ({type(value).__name__})"


def _hash_file(path: pathlib.Path, *, sync: bool = False) -> tuple[int, str]:
    """Size and sha256 of a file; one that is not regular (a FIFO, a device) is refused unread.

    Raises:
        FileNotFoundError: If there is no such file.
        TypednnError: If it is not a regular file.
    """
    if not os.path.lexists(path):
        raise FileNotFoundError(path)
    with open_regular(path, what="checkpoint file") as file:
        hasher = hashlib.sha256()
        while chunk := file.read(1 << 20):
            hasher.update(chunk)
        digest = hasher.hexdigest()
        if sync:
            os.fsync(file.fileno())
        return os.fstat(file.fileno()).st_size, digest
