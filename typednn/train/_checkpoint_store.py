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
3. `typednn._files.swap_directory` renames an existing `step_N/` to
   `step_N.typednn-trash/`, the new folder to `step_N/`, and deletes the trash (the
   one folder swap exports use too).

A complete `step_N.typednn-tmp/` with no `step_N/` beside it can only come from a
crash between the two renames of step 3: it is the checkpoint, and the next `save`
moves it into place (`typednn._files.recover`, forward). Any other leftover (orbax temporaries, staging folders without
a manifest, trash) is ignored by `steps` and removed by the next `save`.

One job writes a directory at a time; readers may run while nothing is saving. In a
multi-process job every process calls `save` and `restore` with its global arrays:
orbax writes and reads each process's shards (the directory must be on a filesystem
every process sees), and process 0 alone does the store's own steps (recovering
leftovers, the manifest, the renames, pruning), with barriers between them.
Loading never unpickles: orbax's `StandardCheckpointHandler` reads arrays through
TensorStore and its metadata as JSON, and the manifest is JSON.
"""

from __future__ import annotations

import contextlib
import glob
import math
import os
import pathlib
import re
import shutil
import stat
from typing import Any, Literal

import jax
import numpy as np

from .._errors import TypednnError
from .._files import STAGING_SUFFIX, TRASH_SUFFIX, fsync_dir, real_directory, recover, staging_path, swap_directory
from ..distributed import barrier, is_chief
from ._checkpoint_manifest import (
    MANIFEST,
    check_like,
    leaf_specs,
    new_manifest,
    recorded_metric,
    seal,
    verified_manifest,
)
from ._checkpoint_manifest import CheckpointError as CheckpointError  # re-exported by typednn.train
from ._checkpoint_orbax import culprit, describe, quiet_failures, settle, write_failure
from ._checkpoint_orbax import orbax as _orbax

_STEP_DIR = re.compile(r"step_(\d{8,})")
# Suffixes of the store's own transient folders; orbax adds ".orbax-checkpoint-tmp".
_STAGING = STAGING_SUFFIX
_TRASH = TRASH_SUFFIX
_LEFTOVER = re.compile(_STEP_DIR.pattern + r"(\.typednn-|\.orbax-checkpoint-tmp).*")


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
        return self.directory / _step_name(step)

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
            # A symlink is never the store's: following it would read, and prune, elsewhere.
            if not match or not entry.is_dir(follow_symlinks=False):
                continue
            if not os.path.isfile(os.path.join(entry.path, MANIFEST)):
                continue
            step = int(match.group(1))
            if name != _step_name(step):
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
                array, or `meta` holds something JSON cannot store; or if the disk is
                full or read-only (naming the file, and the space the checkpoint needs).
                The checkpoints saved before stay whole.
        """
        if isinstance(step, bool) or not isinstance(step, int | np.integer) or step < 0:
            raise TypednnError(
                f"CheckpointStore.save: step must be an int >= 0, got {step!r}",
                hint="pass the global optimizer step",
            )
        step = int(step)
        leaves = leaf_specs(state, where="CheckpointStore.save: state")
        manifest = new_manifest(step, meta, leaves)
        final = self._step_path(step)
        try:
            self._write(step, state, manifest, final)
        except Exception as error:
            failure = write_failure(error)
            if failure is None:
                raise
        else:
            return final
        # Raised here, not in the `except`, so that orbax's exception is not kept as the
        # context of ours: `settle` can then free what it holds.
        settle()
        if is_chief():
            _discard_partial(final)  # frees the space a partial copy takes; the old checkpoints stay
        arrays = sum(math.prod(shape) * np.dtype(dtype).itemsize for _, shape, dtype in leaves)
        raise failure.error(step, arrays=arrays, last=self._newest_size(), fallback=self.directory)

    def _write(self, step: int, state: Any, manifest: dict[str, Any], final: pathlib.Path) -> None:
        """The steps of `save` (see the module docstring)."""
        staging = staging_path(final)
        chief = is_chief()
        if chief:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._recover()
        barrier(f"typednn-checkpoint-{step}-begin")
        ocp = _orbax()
        checkpointer = ocp.Checkpointer(ocp.StandardCheckpointHandler())
        with quiet_failures(lambda error: write_failure(error) is not None):
            try:
                checkpointer.save(staging, args=ocp.args.StandardSave(state))
            finally:
                checkpointer.close()
        if chief:
            seal(staging, manifest)
            # The old checkpoint of this step goes only once the new one is complete; if a
            # crash strikes between the two renames, the staging folder is the checkpoint.
            swap_directory(staging, final, ours=real_directory)
            self._prune(just_saved=step)
        barrier(f"typednn-checkpoint-{step}-end")

    def _newest_size(self) -> int:
        """The bytes the newest complete checkpoint takes on disk (0 if none, or unreadable)."""
        complete = self._complete()
        if not complete:
            return 0
        total = 0
        with contextlib.suppress(OSError):
            for path in complete[max(complete)].rglob("*"):
                status = path.lstat()
                total += max(status.st_size, status.st_blocks * 512) if stat.S_ISREG(status.st_mode) else 0
        return total

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
                # Forward, never back: pruning also moves a checkpoint to the trash name.
                recover(path.with_name(entry.name.removesuffix(_STAGING)), ours=_never, complete=_sealed)
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
            scored = [
                (value, step) for step in steps if (value := recorded_metric(complete[step], self.monitor)) is not None
            ]
            # Ties go to the earlier step: a later checkpoint must improve to displace it.
            scored.sort(key=lambda vs: (vs[0] if self.mode == "min" else -vs[0], vs[1]))
            kept.update(step for _, step in scored[: self.keep_best])
        for step in steps:
            if step not in kept:
                _remove(complete[step])
        fsync_dir(self.directory)

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
        complete = self._complete()
        for step in sorted(complete, reverse=True):
            if before is not None and step >= before:
                continue
            try:
                verified_manifest(complete[step], step=step)
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
            CheckpointError: If the checkpoint does not verify (see `verify`), orbax
                cannot read it, or `like` differs from the saved state; it names the
                file, or the first leaf that differs.
        """
        folder, manifest = self._verified(step)
        check_like(leaf_specs(like, where="CheckpointStore.restore: like"), manifest, folder=folder, step=step)
        default = jax.sharding.SingleDeviceSharding(jax.devices()[0])
        target = jax.tree.map(lambda leaf: _abstract(leaf, default), like)
        ocp = _orbax()
        checkpointer = ocp.Checkpointer(ocp.StandardCheckpointHandler())
        # Files that verify were still written by anyone who recomputed the hashes. orbax
        # and TensorStore fail on such files with any exception, so any is the file's fault.
        reading = "metadata"
        try:
            with quiet_failures(lambda error: True):  # each failure becomes a CheckpointError
                try:
                    checkpointer.metadata(folder)
                    reading = "arrays"
                    state = checkpointer.restore(folder, args=ocp.args.StandardRestore(target))
                finally:
                    checkpointer.close()
        except Exception as error:
            if reading == "metadata":
                failure = f"{folder / '_METADATA'}: orbax cannot read it ({describe(error)})"
            else:
                failure = f"{culprit(error, folder)}: orbax cannot read its arrays ({describe(error)})"
        else:
            return state, manifest["meta"]
        # Raised out here, not in the `except`, so that orbax's exception can be freed (see `settle`).
        settle()
        raise self.damaged(step, failure)

    def damaged(self, step: int, what: str) -> CheckpointError:
        """The error for a checkpoint whose files verify and still cannot be used: they were altered.

        Args:
            step: The checkpoint.
            what: The file and what is wrong with it.
        """
        good = self.newest_good(before=step)
        return CheckpointError(
            f"checkpoint step {step}: {what}, although its files match the manifest: it was altered"
            " and its hashes recomputed",
            hint=self._older_hint(step, good),
            damaged=True,
            good=good,
        )

    def _verified(self, step: int) -> tuple[pathlib.Path, dict[str, Any]]:
        """The folder of `step` and its manifest, once its files verify; an error's hint names an older good step."""
        complete = self._complete()
        try:
            if step not in complete:
                raise CheckpointError(
                    f"no checkpoint for step {step} in {self.directory} (complete steps: {sorted(complete)})"
                )
            return complete[step], verified_manifest(complete[step], step=step)
        except CheckpointError as error:
            good = self.newest_good(before=step)
            raise CheckpointError(
                error.message, hint=self._older_hint(step, good), damaged=step in complete, good=good
            ) from None

    def _older_hint(self, step: int, good: int | None) -> str:
        if good is None:
            return f"no checkpoint older than step {step} verifies either; start afresh or use another directory"
        return f"step {good} still loads: store.restore({good}, like)"


def _never(folder: pathlib.Path) -> bool:
    return False


def _sealed(folder: pathlib.Path) -> bool:
    """Whether a staging folder holds a whole checkpoint: its manifest is written last."""
    return os.path.isfile(folder / MANIFEST)


def _step_name(step: int) -> str:
    return f"step_{step:08d}"


def _abstract(leaf: Any, default: jax.sharding.Sharding) -> jax.ShapeDtypeStruct:
    """What orbax restores a leaf as: its shape, dtype, and sharding (its own, else `default`).

    An explicit sharding makes orbax return jax arrays even for leaves saved from numpy,
    and never look for the devices the checkpoint was saved from.
    """
    sharding = getattr(leaf, "sharding", None)
    if not isinstance(sharding, jax.sharding.Sharding):
        sharding = default
    # jax leaves ShapeDtypeStruct.__init__ unannotated.
    return jax.ShapeDtypeStruct(leaf.shape, leaf.dtype, sharding=sharding)


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


def _discard_partial(final: pathlib.Path) -> None:
    """Removes what a failed save of `final` left, unless it is a complete checkpoint (best effort)."""
    staging = staging_path(final)
    for entry in final.parent.glob(glob.escape(staging.name) + "*"):
        complete = entry == staging and (staging / MANIFEST).is_file()
        if not complete and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
