"""Checkpoints for resuming training: orbax writes the arrays, a manifest proves them whole.

A checkpoint is the folder `directory/step_00000123/`. orbax-checkpoint writes the
state into it, and then the store adds `typednn-checkpoint.json`: the step, the
caller's meta, every saved leaf's path, shape and dtype, and the size and sha256 of
every file orbax wrote. A folder counts as a checkpoint only once its manifest is in
place, and the manifest is written last, so a crash at any moment leaves either the
old checkpoint or the new one, never half of one. `verify` re-hashes the files, so a
truncated, bit-flipped or missing file is caught before orbax reads it.

Crash safety comes from one order of operations in `save`:

1. orbax writes `step_N.typednn-tmp/` (itself through its own temporary folder and
   a rename);
2. the store hashes and fsyncs every file, then writes the manifest atomically;
3. an existing `step_N/` is renamed to `step_N.typednn-trash/`, the new folder is
   renamed to `step_N/`, and the trash is deleted.

A complete `step_N.typednn-tmp/` with no `step_N/` beside it can only come from a
crash between the two renames of step 3: it is the checkpoint, and the next `save`
moves it into place. Any other leftover (orbax temporaries, staging folders without
a manifest, trash) is ignored by `steps` and removed by the next `save`.

One process writes a directory at a time; readers may run while nothing is saving.
Loading never unpickles: orbax's `StandardCheckpointHandler` reads arrays through
TensorStore and its metadata as JSON, and the manifest is JSON.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import pathlib
import re
import shutil
from collections.abc import Iterator
from typing import Any, Literal

import jax
import numpy as np

from .._errors import TypednnError
from .._files import fsync_dir, write_atomic

MANIFEST = "typednn-checkpoint.json"
_FORMAT = "typednn-checkpoint"
_VERSION = 1
_STEP_DIR = re.compile(r"step_(\d{8,})")
# Suffixes of the store's own transient folders; orbax adds ".orbax-checkpoint-tmp".
_STAGING = ".typednn-tmp"
_TRASH = ".typednn-trash"
_LEFTOVER = re.compile(r"step_\d{8,}(\.typednn-|\.orbax-checkpoint-tmp).*")


class CheckpointError(TypednnError):
    """A checkpoint is damaged, missing, or does not match the state it is loaded into."""


class _OrbaxInfoFilter(logging.Filter):
    """Drops orbax's INFO/DEBUG records (about 30 lines per save) and keeps its warnings and errors.

    orbax logs through absl, i.e. the "absl" logger that every absl user shares, so the
    filter looks at where a record comes from rather than muting the logger.
    """

    def __init__(self, package_dir: str) -> None:
        super().__init__()
        self._package_dir = package_dir

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not record.pathname.startswith(self._package_dir)


def _orbax() -> Any:
    """Imports orbax-checkpoint on first use: it costs ~0.4 s, which runs without checkpoints should not pay.

    Returns `Any`: orbax ships no type information (no py.typed).
    """
    import orbax.checkpoint as ocp  # type: ignore[import-untyped]  # noqa: PLC0415 - see the docstring

    absl_logger = logging.getLogger("absl")
    if not any(isinstance(f, _OrbaxInfoFilter) for f in absl_logger.filters):
        absl_logger.addFilter(_OrbaxInfoFilter(os.path.dirname(os.path.dirname(ocp.__file__))))
    return ocp


class CheckpointStore:
    """Saves, lists, verifies and restores training checkpoints in one directory.

    Args:
        directory: Where the `step_XXXXXXXX/` folders live; created on the first save.
        keep: How many of the newest checkpoints to keep (at least 1).
        keep_best: How many of the best checkpoints by `meta["metrics"][monitor]`
            to keep as well; checkpoints without that metric count only as recent ones.
        monitor: The metric that ranks checkpoints for `keep_best`.
        mode: `"min"` if a lower `monitor` is better, `"max"` if a higher one is.

    Raises:
        TypednnError: If `keep` < 1, `keep_best` < 0 or `mode` is not "min"/"max".

    Example:
        >>> import tempfile, numpy as np
        >>> store = CheckpointStore(tempfile.mkdtemp(), keep=2)
        >>> state = {"params": {"dense": {"kernel": np.ones((4, 3), np.float32)}}}
        >>> for step in (100, 200, 300):
        ...     _ = store.save(step, state, {"epoch": step // 100, "metrics": {"val_loss": 1.0 / step}})
        >>> store.steps()
        [200, 300]
        >>> restored, meta = store.restore(300, state)
        >>> restored["params"]["dense"]["kernel"].shape, meta["epoch"]
        ((4, 3), 3)
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        keep: int = 3,
        keep_best: int = 1,
        monitor: str = "val_loss",
        mode: Literal["min", "max"] = "min",
    ) -> None:
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise TypednnError(
                f"CheckpointStore(keep={keep!r}): keep must be an int >= 1",
                hint="keep=1 keeps only the newest checkpoint; the one just saved is always kept",
            )
        if isinstance(keep_best, bool) or not isinstance(keep_best, int) or keep_best < 0:
            raise TypednnError(
                f"CheckpointStore(keep_best={keep_best!r}): keep_best must be an int >= 0",
                hint="keep_best=0 keeps checkpoints by recency only",
            )
        if mode not in ("min", "max"):
            raise TypednnError(
                f"CheckpointStore(mode={mode!r}): mode must be 'min' or 'max'",
                hint=f"'min' if a lower {monitor!r} is better (a loss), 'max' if higher is (an accuracy)",
            )
        self.directory = pathlib.Path(directory).absolute()  # orbax needs absolute paths
        self.keep = keep
        self.keep_best = keep_best
        self.monitor = monitor
        self.mode = mode

    def __repr__(self) -> str:
        return (
            f"CheckpointStore({str(self.directory)!r}, keep={self.keep}, keep_best={self.keep_best}, "
            f"monitor={self.monitor!r}, mode={self.mode!r})"
        )

    # -- listing -------------------------------------------------------------------

    def _step_path(self, step: int) -> pathlib.Path:
        return self.directory / f"step_{step:08d}"

    def _complete(self) -> dict[int, pathlib.Path]:
        """Each step that has a complete folder, and that folder."""
        found: dict[int, pathlib.Path] = {}
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:
            return found
        for entry in entries:
            name = entry.name.removesuffix(_STAGING)
            match = _STEP_DIR.fullmatch(name)
            if not match or not os.path.isfile(os.path.join(entry.path, MANIFEST)):
                continue
            step = int(match.group(1))
            if name != f"step_{step:08d}":
                continue
            # A complete staging folder is the checkpoint only when the final name is
            # free: a crash struck between the two renames that replace a step.
            if entry.name == name or step not in found:
                found[step] = pathlib.Path(entry.path)
        return found

    def steps(self) -> list[int]:
        """The steps of the complete checkpoints, ascending (not yet verified: see `verify`)."""
        return sorted(self._complete())

    def latest(self) -> int | None:
        """The newest complete checkpoint's step, or None if there is none."""
        steps = self.steps()
        return steps[-1] if steps else None

    # -- saving --------------------------------------------------------------------

    def save(self, step: int, state: Any, meta: dict[str, Any]) -> pathlib.Path:
        """Writes a checkpoint for `step`, replacing any checkpoint of that step, then prunes old ones.

        Args:
            step: The global step (an int >= 0); it names the folder.
            state: A pytree of jax or numpy arrays, e.g. `{"params": ..., "opt_state": ...}`.
            meta: JSON-able data saved beside the arrays (numpy and jax scalars become
                Python numbers), e.g. `{"epoch": 3, "metrics": {"val_loss": 0.31}}`.

        Returns:
            The checkpoint's folder.

        Raises:
            TypednnError: If `step` is not an int >= 0, a leaf of `state` is not an
                array, or `meta` holds something JSON cannot store.
        """
        if isinstance(step, bool) or not isinstance(step, int | np.integer) or step < 0:
            raise TypednnError(
                f"CheckpointStore.save: step must be an int >= 0, got {step!r}",
                hint="pass the global optimizer step",
            )
        step = int(step)
        leaves = _leaf_specs(state, where="CheckpointStore.save: state")
        body = _json_roundtrip(
            {
                "format": _FORMAT,
                "version": _VERSION,
                "step": step,
                "meta": meta,
                "leaves": [{"path": path, "shape": list(shape), "dtype": dtype} for path, shape, dtype in leaves],
            }
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        self._recover()
        final = self._step_path(step)
        staging = final.with_name(final.name + _STAGING)
        ocp = _orbax()
        checkpointer = ocp.Checkpointer(ocp.StandardCheckpointHandler())
        try:
            checkpointer.save(staging, args=ocp.args.StandardSave(state))
        finally:
            checkpointer.close()
        body["files"] = _hash_and_sync(staging)
        write_atomic(staging / MANIFEST, _dump_manifest(body))
        # The old checkpoint of this step goes only once the new one is complete; if a
        # crash strikes between these two renames, the staging folder is the checkpoint.
        trash = _to_trash(final) if final.exists() else None
        os.replace(staging, final)
        fsync_dir(self.directory)
        if trash is not None:
            shutil.rmtree(trash)
        self._prune(just_saved=step)
        return final

    def _recover(self) -> None:
        """Finishes a replace that a crash interrupted and removes every other leftover."""
        # A folder under a final name without a manifest was never a checkpoint in
        # this format (the manifest is written before the folder gets its name).
        for entry in list(os.scandir(self.directory)):
            match = _STEP_DIR.fullmatch(entry.name)
            if match and entry.is_dir(follow_symlinks=False) and not os.path.isfile(os.path.join(entry.path, MANIFEST)):
                shutil.rmtree(entry.path)
        complete = self._complete()
        for entry in list(os.scandir(self.directory)):
            if not _LEFTOVER.fullmatch(entry.name):
                continue
            path = pathlib.Path(entry.path)
            if entry.name.endswith(_STAGING) and path in complete.values():
                os.replace(path, path.with_name(entry.name.removesuffix(_STAGING)))
            elif entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
        fsync_dir(self.directory)

    def _prune(self, *, just_saved: int) -> None:
        """Keeps the newest `keep`, the best `keep_best` and the checkpoint just saved."""
        complete = self._complete()
        steps = sorted(complete)
        kept = {just_saved, *steps[-self.keep :]}
        if self.keep_best:
            scored = [(value, step) for step in steps if (value := self._metric(complete[step])) is not None]
            # Ties go to the earlier step: a later checkpoint must improve to displace it.
            scored.sort(key=lambda vs: (vs[0] if self.mode == "min" else -vs[0], vs[1]))
            kept.update(step for _, step in scored[: self.keep_best])
        for step in steps:
            if step not in kept:
                _remove(complete[step])
        fsync_dir(self.directory)

    def _metric(self, folder: pathlib.Path) -> float | None:
        """The monitored metric recorded in a manifest, or None if absent, not finite or unreadable."""
        try:
            manifest = json.loads((folder / MANIFEST).read_bytes())
            value = manifest["meta"]["metrics"][self.monitor]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return None
        return float(value)

    # -- verifying and restoring ---------------------------------------------------

    def verify(self, step: int) -> None:
        """Re-hashes every file of a checkpoint against its manifest.

        Args:
            step: The checkpoint to check.

        Raises:
            CheckpointError: If the checkpoint or one of its files is missing, truncated
                or changed, or the manifest is damaged; it names the file, and its hint
                names the newest older step that still verifies.
        """
        self._verified(step)

    def newest_good(self, *, before: int | None = None) -> int | None:
        """The newest step that verifies, optionally only among steps older than `before`.

        Args:
            before: Only consider steps < `before`.

        Returns:
            The step, or None if no checkpoint (older than `before`) verifies.
        """
        for step in reversed(self.steps()):
            if before is not None and step >= before:
                continue
            try:
                self._check(step)
            except CheckpointError:
                continue
            return step
        return None

    def restore(self, step: int, like: Any) -> tuple[Any, dict[str, Any]]:
        """Verifies a checkpoint, then loads it in the structure of `like`.

        Args:
            step: The checkpoint to load.
            like: A pytree with the saved state's structure, shapes and dtypes (the
                current state, or `jax.ShapeDtypeStruct`s): optax's NamedTuples come
                back as NamedTuples. Leaves that are jax arrays give their sharding.

        Returns:
            The state, with jax arrays as leaves, and the meta saved with it.

        Raises:
            CheckpointError: If the checkpoint does not verify (see `verify`), or
                `like` differs from the saved state; it names the first leaf that differs.
        """
        folder, manifest = self._verified(step)
        leaves = _leaf_specs(like, where="CheckpointStore.restore: like")
        _check_like(leaves, manifest["leaves"], folder=folder, step=step)
        default = jax.sharding.SingleDeviceSharding(jax.devices()[0])
        target = jax.tree.map(lambda leaf: _abstract(leaf, default), like)
        ocp = _orbax()
        checkpointer = ocp.Checkpointer(ocp.StandardCheckpointHandler())
        try:
            state = checkpointer.restore(folder, args=ocp.args.StandardRestore(target))
        except ValueError as error:  # TensorStore's error for data it cannot decode
            raise CheckpointError(
                f"checkpoint step {step} at {folder}: orbax could not read it although its files verify: {error}",
                hint=self._older_hint(step),
            ) from error
        finally:
            checkpointer.close()
        return state, manifest["meta"]

    def _verified(self, step: int) -> tuple[pathlib.Path, dict[str, Any]]:
        """`_check`, with a hint that names the newest older good step."""
        try:
            return self._check(step)
        except CheckpointError as error:
            raise CheckpointError(error.message, hint=self._older_hint(step)) from None

    def _older_hint(self, step: int) -> str:
        good = self.newest_good(before=step)
        if good is None:
            return f"no checkpoint older than step {step} verifies either; start afresh or use another directory"
        return f"step {good} still loads: store.restore({good}, like)"

    def _check(self, step: int) -> tuple[pathlib.Path, dict[str, Any]]:
        """Reads the manifest of `step` and re-hashes its files; returns the folder and the manifest."""
        folder = self._complete().get(step)
        if folder is None:
            raise CheckpointError(
                f"no checkpoint for step {step} in {self.directory} (complete steps: {self.steps()})",
            )
        manifest = _read_manifest(folder / MANIFEST, step=step)
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
        return folder, manifest


# -- helpers ---------------------------------------------------------------------------


def _leaf_specs(tree: Any, *, where: str) -> list[tuple[str, tuple[int, ...], str]]:
    """`(path, shape, dtype)` of each leaf, paths like `opt_state/inner_state/0/mu/dense/kernel`."""
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


def _abstract(leaf: Any, default: jax.sharding.Sharding) -> jax.ShapeDtypeStruct:
    """What orbax restores a leaf as: its shape, dtype, and sharding (its own, else `default`).

    An explicit sharding makes orbax return jax arrays even for leaves saved from numpy,
    and never look for the devices the checkpoint was saved from.
    """
    sharding = getattr(leaf, "sharding", None)
    if not isinstance(sharding, jax.sharding.Sharding):
        sharding = default
    return jax.ShapeDtypeStruct(leaf.shape, leaf.dtype, sharding=sharding)  # type: ignore[no-untyped-call]


def _check_like(
    like: list[tuple[str, tuple[int, ...], str]], saved: list[dict[str, Any]], *, folder: pathlib.Path, step: int
) -> None:
    """Raises if `like` and the saved state differ in a leaf's path, shape or dtype."""
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


def _json_roundtrip(body: dict[str, Any]) -> dict[str, Any]:
    """The body as it will read back from JSON, so its hash is computed on what is stored."""
    try:
        text = json.dumps(body, default=_json_default)
    except (TypeError, ValueError) as error:
        raise TypednnError(
            f"CheckpointStore.save: meta cannot be stored as JSON: {error}",
            hint="meta may hold dicts, lists, str, int, float, bool, None, and numpy/jax scalars",
        ) from None
    result: dict[str, Any] = json.loads(text)
    return result


def _canonical_sha256(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _dump_manifest(body: dict[str, Any]) -> bytes:
    # The manifest's own hash covers the meta and leaf list, which no file hash does.
    return json.dumps({**body, "sha256": _canonical_sha256(body)}, indent=1, sort_keys=True).encode()


def _read_manifest(path: pathlib.Path, *, step: int) -> dict[str, Any]:
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


def _walk_files(root: pathlib.Path) -> Iterator[pathlib.Path]:
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            yield pathlib.Path(dirpath, name)


def _hash_file(path: pathlib.Path, *, sync: bool = False) -> tuple[int, str]:
    with open(path, "rb") as file:
        digest = hashlib.file_digest(file, "sha256").hexdigest()
        if sync:
            os.fsync(file.fileno())
        return os.fstat(file.fileno()).st_size, digest


def _hash_and_sync(root: pathlib.Path) -> dict[str, dict[str, Any]]:
    """Hashes every file under `root` and flushes it (and its folders) to disk, in one read."""
    files = {}
    for path in sorted(_walk_files(root)):
        size, digest = _hash_file(path, sync=True)
        files[path.relative_to(root).as_posix()] = {"size": size, "sha256": digest}
    for dirpath, _, _ in os.walk(root):
        fsync_dir(pathlib.Path(dirpath))
    return files


def _to_trash(folder: pathlib.Path) -> pathlib.Path:
    """Renames a checkpoint folder so that it stops counting at once; deleting it may then take its time."""
    trash = folder.with_name(folder.name.removesuffix(_STAGING) + _TRASH)
    if trash.exists():
        shutil.rmtree(trash)
    os.replace(folder, trash)
    fsync_dir(folder.parent)
    return trash


def _remove(folder: pathlib.Path) -> None:
    shutil.rmtree(_to_trash(folder))
