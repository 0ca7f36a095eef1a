"""A checkpoint's manifest, `typednn-checkpoint.json`: what the folder holds, and proof that it is whole.

The manifest records the step, the caller's meta, every saved leaf's path, shape and
dtype, and the size and sha256 of every file orbax wrote; its own sha256 covers the rest
of it (the meta and leaf list, which no file hash does). It is JSON: reading it never
executes anything.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pathlib
from typing import Any

import jax
import numpy as np

from .._errors import TypednnError
from .._files import fsync_dir, write_atomic

MANIFEST = "typednn-checkpoint.json"
_FORMAT = "typednn-checkpoint"
_VERSION = 1

Leaf = tuple[str, tuple[int, ...], str]
"""A saved leaf's `(path, shape, dtype)`."""


class CheckpointError(TypednnError):
    """A checkpoint is damaged, missing, or does not match the state it is loaded into."""


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
    """Reads the manifest of `step` and re-hashes the files it lists.

    Raises:
        CheckpointError: If the manifest or one of the files is missing, truncated or
            changed; it names the file.
    """
    manifest = _read(folder / MANIFEST, step=step)
    for relative, expected in manifest["files"].items():
        path = folder / relative
        where = f"checkpoint step {step}: {path}"
        try:
            size, digest = _hash_file(path)
        except FileNotFoundError:
            raise CheckpointError(f"{where} is missing (expected {expected['size']} bytes)") from None
        if size != expected["size"]:
            raise CheckpointError(f"{where} has {size} bytes, expected {expected['size']} (truncated or rewritten)")
        if digest != expected["sha256"]:
            raise CheckpointError(
                f"{where} is corrupt: sha256 {digest[:12]}..., expected {expected['sha256'][:12]}... "
                f"({size} bytes, as expected)"
            )
    return manifest


def recorded_metric(folder: pathlib.Path, metric: str) -> float | None:
    """A metric from the meta in a checkpoint's manifest (unverified), or None if absent, not finite or unreadable."""
    try:
        manifest = json.loads((folder / MANIFEST).read_bytes())
        value = manifest["meta"]["metrics"][metric]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


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


def _read(path: pathlib.Path, *, step: int) -> dict[str, Any]:
    where = f"checkpoint step {step}: {path}"
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise CheckpointError(f"{where} is missing") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{where} is not valid JSON ({error})") from None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise CheckpointError(f'{where} is not a typednn checkpoint manifest (no "format": "{_FORMAT}")')
    if data.get("version") != _VERSION:
        raise CheckpointError(
            f"{where} has format version {data.get('version')!r}, expected {_VERSION}",
            hint="load it with the typednn version that wrote it",
        )
    recorded = data.pop("sha256", None)
    actual = _canonical_sha256(data)
    if recorded != actual:
        raise CheckpointError(
            f"{where} is corrupt: its contents hash to sha256 {actual[:12]}..., expected {str(recorded)[:12]}..."
        )
    if data.get("step") != step:
        raise CheckpointError(f"{where} records step {data.get('step')!r}, expected {step} (a folder was renamed?)")
    return data


def _hash_file(path: pathlib.Path, *, sync: bool = False) -> tuple[int, str]:
    with open(path, "rb") as file:
        digest = hashlib.file_digest(file, "sha256").hexdigest()
        if sync:
            os.fsync(file.fileno())
        return os.fstat(file.fileno()).st_size, digest
