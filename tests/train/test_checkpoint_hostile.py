"""Hostile checkpoints: tampered manifests and orbax files, special files, and disks that refuse writes.

A checkpoint's hashes catch damage, not tampering: whoever edits a file can recompute
them (`reseal` does, with no secret). Each test alters a copy of a real run's
checkpoints that way and expects a CheckpointError naming the checkpoint and the file,
in bounded time, with nothing outside the run read or changed; the hint names the
newest checkpoint that still verifies.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn
from typednn.train import CheckpointError
from typednn.train import _checkpoint_manifest as manifest_module
from typednn.train._checkpoint_manifest import MANIFEST
from typednn.train._checkpoint_store import CheckpointStore

ROOT = Path(__file__).resolve().parents[2]
NEWEST, OLDER = "step_00000010", "step_00000005"


def small_trainer() -> tn.Trainer[Any, Any]:
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(3))
    return tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), seed=0)


def small_data() -> tn.data.Dataset[Any, Any]:
    rng = np.random.default_rng(0)
    return tn.data.from_arrays(rng.normal(size=(40, 4)), rng.integers(0, 3, 40), classes=3)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Checkpoints of a two-epoch run: steps 5 and 10."""
    directory = tmp_path_factory.mktemp("trained") / "checkpoints"
    small_trainer().fit(small_data(), epochs=2, batch_size=8, callbacks=[tn.callbacks.Checkpoint(directory)], verbose=0)
    assert sorted(os.listdir(directory)) == [OLDER, NEWEST]
    return directory


@pytest.fixture
def run(trained: Path, tmp_path: Path) -> Path:
    """A copy of the checkpoints, inside `tmp_path/run` (beside it: `tmp_path/outside`, a canary)."""
    copy = tmp_path / "run" / "checkpoints"
    shutil.copytree(trained, copy)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("not for a checkpoint to read")
    return copy


def reseal(folder: Path, edit: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Recompute a checkpoint's hashes after tampering, as anyone can: the files' and the manifest's own."""
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest.pop("sha256")
    for relative in manifest["files"]:
        path = folder / relative
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            manifest["files"][relative] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if edit is not None:
        edit(manifest)
    canonical = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    manifest["sha256"] = hashlib.sha256(canonical).hexdigest()
    (folder / MANIFEST).write_text(json.dumps(manifest))


def data_file(folder: Path) -> Path:
    """The biggest file of array data (orbax reads them from `d/` folders)."""
    return max(folder.glob("d/*"), key=lambda p: (p.stat().st_size, p.name))


def truncate_data(folder: Path) -> None:
    """Cut every file of array data to 10 bytes, and recompute the hashes."""
    for path in folder.rglob("*"):
        if path.parent.name == "d":
            path.write_bytes(path.read_bytes()[:10])
    reseal(folder)


def snapshot(folder: Path) -> dict[str, tuple[int, int, float]]:
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            status = os.lstat(os.path.join(root, name))
            found[os.path.relpath(os.path.join(root, name), folder)] = (status.st_mode, status.st_size, status.st_mtime)
    return found


def bounded(call: Callable[[], object], seconds: float = 60) -> BaseException | None:
    """Run `call` in a thread; fail if it has not ended within `seconds` (a hang); return what it raised."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert outcome, f"still running after {seconds} s"
    return outcome[0]


def resume_error(run: Path) -> CheckpointError:
    """What `fit(resume=True)` raises on these checkpoints, within the time bound."""

    def resume() -> None:
        small_trainer().fit(
            small_data(), epochs=3, batch_size=8, callbacks=[tn.callbacks.Checkpoint(run)], resume=True, verbose=0
        )

    error = bounded(resume)
    assert isinstance(error, CheckpointError), repr(error)
    return error


def assert_names_newest_and_older_good(error: CheckpointError, run: Path, file: str) -> None:
    assert error.message.startswith("checkpoint step 10: "), error.message
    assert str(run / NEWEST / file) in error.message, error.message
    assert error.hint is not None
    assert error.hint.startswith(f"step 5 still loads: move {NEWEST} out of {run}"), error.hint


# ---------------------------------------------------------------------------- manifest paths


@pytest.mark.parametrize(
    "entry",
    ["../../../../dev/zero", "../../outside/secret.txt", "/etc/hostname", "d/../../" + OLDER + "/_METADATA", "."],
)
def test_a_manifest_path_leaving_the_folder_is_refused_unread(entry: str, run: Path, tmp_path: Path) -> None:
    folder = run / NEWEST
    reseal(folder, lambda m: m["files"].update({entry: {"size": 0, "sha256": "0" * 64}}))
    before = snapshot(tmp_path)
    error = resume_error(run)
    assert f"lists the file {entry!r}, which " in error.message
    assert_names_newest_and_older_good(error, run, MANIFEST)
    assert snapshot(tmp_path) == before


def test_a_symlink_escaping_the_folder_is_refused(run: Path, tmp_path: Path) -> None:
    folder = run / NEWEST
    victim = data_file(folder)
    victim.unlink()
    victim.symlink_to(tmp_path / "outside" / "secret.txt")
    reseal(folder)
    error = resume_error(run)
    assert f"{victim} is a symlink, which a checkpoint never holds" in error.message
    assert_names_newest_and_older_good(error, run, str(victim.relative_to(folder)))


def test_a_symlinked_folder_inside_is_refused(run: Path, tmp_path: Path) -> None:
    folder = run / NEWEST
    shutil.move(folder / "d", tmp_path / "outside" / "d")
    (folder / "d").symlink_to(tmp_path / "outside" / "d")
    error = resume_error(run)
    assert f"{folder / 'd'} is a symlink" in error.message


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_special_files_never_block_or_stream(kind: str, run: Path) -> None:
    folder = run / NEWEST
    victim = data_file(folder)
    victim.unlink()
    if kind == "fifo":
        os.mkfifo(victim)
    else:
        victim.symlink_to("/dev/zero")
    error = resume_error(run)
    assert str(victim) in error.message
    assert_names_newest_and_older_good(error, run, str(victim.relative_to(folder)))


def test_a_manifest_that_is_a_symlink_or_huge_is_refused(run: Path, tmp_path: Path) -> None:
    manifest = run / NEWEST / MANIFEST
    (tmp_path / "outside" / MANIFEST).write_bytes(manifest.read_bytes())
    manifest.unlink()
    manifest.symlink_to(tmp_path / "outside" / MANIFEST)
    assert f"{manifest} is a symlink" in resume_error(run).message
    manifest.unlink()
    with open(manifest, "wb") as file:
        file.truncate(65 * 2**20)  # sparse: no disk used
    message = resume_error(run).message
    assert "more than the 64.0 MiB a checkpoint manifest may be" in message and str(manifest) in message


# ---------------------------------------------------------------------------- manifest fields


def _set(path: tuple[Any, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        target = manifest
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda manifest: manifest.pop(key)


def _first_file(manifest: dict[str, Any]) -> str:
    first: str = sorted(manifest["files"])[0]
    return first


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set(("files",), []), "'files' must be a JSON object, not a JSON array of 0 items"),
        (_delete("files"), "'files' must be a JSON object, not 'null'"),
        (_delete("leaves"), "'leaves' must be a JSON array"),
        (_set(("meta",), [1]), "'meta' must be a JSON object"),
        (_set(("leaves", 0, "shape"), [-1]), "leaves[0] must be {'path': str, 'shape': [int >= 0, ...]"),
        (_set(("leaves", 0), "x"), "leaves[0] must be"),
        (_set(("step",), "10"), "records step '\"10\"', expected 10"),
        (_set(("step",), True), "records step 'true', expected 10"),
        (
            lambda m: m["files"].update({_first_file(m): {"size": "12", "sha256": "0" * 64}}),
            "must be {'size': int >= 0, 'sha256': 64 hex digits}, not a JSON object of 2 items",
        ),
        (lambda m: m["files"].update({_first_file(m): 5}), "not '5' (int)"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_every_manifest_field_is_checked(edit: Callable[[dict[str, Any]], None], message: str, run: Path) -> None:
    reseal(run / NEWEST, edit)
    error = resume_error(run)
    assert message in error.message, error.message
    assert_names_newest_and_older_good(error, run, MANIFEST)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000, "nests more than 64 levels deep"),
        ('{"format": "typednn-checkpoint", "meta": ' + "[" * 70 + "]" * 70 + "}", "nests more than 64 levels deep"),
        ('{"format": "typednn-checkpoint", "step": ' + "1" * 5000 + "}", "holds a number Python cannot read"),
        ("\xff\xfe{}", "is not valid JSON"),
    ],
    ids=["deep", "deep-meta", "huge-int", "not-utf8"],
)
def test_hostile_json_in_the_manifest(text: str, message: str, run: Path) -> None:
    (run / NEWEST / MANIFEST).write_bytes(text.encode("latin-1"))
    error = resume_error(run)
    assert message in error.message
    assert_names_newest_and_older_good(error, run, MANIFEST)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set(("meta", "epoch"), "two"), "meta.epoch is '\"two\"', not an int >= 0"),
        (_set(("meta", "step"), 99), "meta.step is 99, not the checkpoint's step 10"),
        (_set(("meta", "history"), {"loss": 1}), "meta.history is not a list of {metric: number} objects"),
        (_set(("meta", "history"), [{"loss": "low"}]), "meta.history is not a list"),
    ],
)
def test_the_meta_resume_uses_is_checked(edit: Callable[[dict[str, Any]], None], message: str, run: Path) -> None:
    reseal(run / NEWEST, edit)
    error = resume_error(run)
    assert message in error.message
    assert_names_newest_and_older_good(error, run, MANIFEST)


# ---------------------------------------------------------------------------- orbax's files


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000, "nests more than 64 levels deep"),
        ('{"tree_metadata": 5}', "orbax cannot read it"),
        ("{}", "orbax cannot read it (KeyError"),
        ("[1, 2]", "is not orbax's metadata: it holds no JSON object"),
        ('{"tree_metadata": {"x": ' + "9" * 5000 + "}}", "holds a number Python cannot read"),
    ],
    ids=["deep", "wrong-type", "missing-key", "list", "huge-int"],
)
def test_a_tampered_orbax_metadata_names_the_file(text: str, message: str, run: Path) -> None:
    folder = run / NEWEST
    (folder / "_METADATA").write_text(text)
    reseal(folder)
    error = resume_error(run)
    assert message in error.message, error.message
    assert_names_newest_and_older_good(error, run, "_METADATA")


def test_a_truncated_data_file_with_its_hash_recomputed(run: Path) -> None:
    folder = run / NEWEST
    truncate_data(folder)
    error = resume_error(run)
    assert "orbax cannot read its arrays (OUT_OF_RANGE: Requested byte range" in error.message
    assert "although its files match the manifest" in error.message
    assert_names_newest_and_older_good(error, run, "d/")
    assert len(error.message) < 600


def test_when_no_checkpoint_verifies_the_hint_says_so(run: Path) -> None:
    for name in (OLDER, NEWEST):
        (run / name / "_METADATA").write_text("[" * 1000)
        reseal(run / name)
    error = resume_error(run)
    assert error.hint is not None and error.hint.startswith(f"no older checkpoint in {run} verifies either")


def test_the_store_api_names_the_newest_good_step(run: Path) -> None:
    (run / NEWEST / "_METADATA").write_text("{}")
    reseal(run / NEWEST)
    store = CheckpointStore(run)
    like = {"params": small_trainer().params, "opt_state": small_trainer().opt_state}
    error = bounded(lambda: store.restore(10, like))
    assert isinstance(error, CheckpointError) and error.hint == "step 5 still loads: store.restore(5, like)"
    assert store.newest_good() == 10  # its manifest verifies; only orbax can tell
    store.restore(5, like)


# ---------------------------------------------------------------------------- full and read-only disks


def _state(size: int = 51_200) -> dict[str, Any]:
    # Random values: orbax compresses, and zeros would fit anywhere.
    return {"w": np.random.default_rng(0).standard_normal(size).astype(np.float32)}


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, where the machine lets this process mount one (root); else the test is skipped."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _assert_write_error(error: BaseException | None, strerror: str, step: int) -> None:
    assert isinstance(error, tn.TypednnError) and not isinstance(error, CheckpointError), repr(error)
    assert f"cannot write the checkpoint of step {step}: {strerror} (its arrays take " in error.message
    assert error.hint is not None and "(--out)" in error.hint and "kept for resuming" in error.hint


def _assert_only_good(store: CheckpointStore, steps: list[int]) -> None:
    assert store.steps() == steps
    for step in steps:
        store.restore(step, _state())
    leftovers = [name for name in os.listdir(store.directory) if "typednn-tmp" in name or "orbax" in name]
    assert leftovers == [], leftovers


def test_a_full_tmpfs_gives_an_error_and_keeps_the_last_checkpoint(tmpfs: Path) -> None:
    store = CheckpointStore(tmpfs / "checkpoints")
    store.save(1, _state(1000), {})
    free = shutil.disk_usage(tmpfs).free
    (tmpfs / "filler").write_bytes(b"x" * (free - 100_000))
    error = bounded(lambda: store.save(2, _state(), {}))
    _assert_write_error(error, "No space left on device", 2)
    assert "(its arrays take 200.0 KiB, the last checkpoint " in str(error)
    (tmpfs / "filler").unlink()
    store.restore(1, {"w": np.zeros(1000, np.float32)})
    assert store.steps() == [1]
    assert [name for name in os.listdir(store.directory) if name != "step_00000001"] == []


def test_a_read_only_tmpfs_gives_an_error_and_keeps_the_last_checkpoint(tmpfs: Path) -> None:
    store = CheckpointStore(tmpfs / "checkpoints")
    store.save(1, _state(), {})
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    error = bounded(lambda: store.save(2, _state(), {}))
    _assert_write_error(error, "Read-only file system", 2)
    assert str(tmpfs / "checkpoints") in str(error)
    _assert_only_good(store, [1])
    error = bounded(lambda: CheckpointStore(tmpfs / "elsewhere").save(1, _state(), {}))
    _assert_write_error(error, "Read-only file system", 1)


def test_a_read_only_folder_gives_an_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores file modes")
    store = CheckpointStore(tmp_path / "checkpoints")
    store.save(1, _state(), {})
    os.chmod(store.directory, 0o555)
    try:
        error = bounded(lambda: store.save(2, _state(), {}))
    finally:
        os.chmod(store.directory, 0o755)
    _assert_write_error(error, "Permission denied", 2)
    _assert_only_good(store, [1])


def test_no_space_while_writing_the_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = CheckpointStore(tmp_path / "checkpoints")
    store.save(1, _state(), {})

    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(manifest_module, "write_atomic", full)
    error = bounded(lambda: store.save(2, _state(), {}))
    _assert_write_error(error, "No space left on device", 2)
    assert str(error).startswith(f"{store.directory / 'step_00000002.typednn-tmp' / MANIFEST}: ")
    monkeypatch.undo()
    _assert_only_good(store, [1])


def test_no_space_reported_by_tensorstore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import orbax.checkpoint as ocp  # noqa: PLC0415 - imported by the store anyway

    store = CheckpointStore(tmp_path / "checkpoints")
    store.save(1, _state(), {})
    where = store.directory / "step_00000002.typednn-tmp.orbax-checkpoint-tmp" / "d" / "abc"

    def full(self: Any, directory: Any, *args: Any, **kwargs: Any) -> None:
        where.parent.mkdir(parents=True)
        try:
            raise ValueError(
                f'RESOURCE_EXHAUSTED: Error writing "w/0": Failed writing: "{where}": Failed to write 100 bytes'
                " to file 14: No space left on device [os_error_code='28']"
            )
        except ValueError as error:
            raise Exception("Encountered error while writing array") from error

    monkeypatch.setattr(ocp.Checkpointer, "save", full)
    error = bounded(lambda: store.save(2, _state(), {}))
    _assert_write_error(error, "No space left on device", 2)
    assert str(error).startswith(f"{where}: ")
    monkeypatch.undo()
    _assert_only_good(store, [1])


# ---------------------------------------------------------------------------- the command line


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A spec and its run directory, trained for two epochs by `typednn train` (so 2 checkpoints)."""
    folder = tmp_path_factory.mktemp("cli")
    shutil.copy(ROOT / "examples" / "data" / "iris.csv", folder / "iris.csv")
    text = (ROOT / "examples" / "iris.json").read_text().replace("data/iris.csv", "iris.csv")
    spec = folder / "iris.json"
    spec.write_text(text.replace('"epochs": 60', '"epochs": 2'))
    done = _typednn("train", str(spec), "--out", str(folder / "run"), "--quiet")
    assert done.returncode == 0, done.stderr
    return spec, folder / "run"


def _typednn(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *args], capture_output=True, text=True, timeout=120, check=False
    )


def _damage(kind: str, folder: Path) -> None:
    if kind == "dev-zero-entry":
        reseal(folder, lambda m: m["files"].update({"../../../../dev/zero": {"size": 1, "sha256": "0" * 64}}))
    elif kind == "fifo":
        victim = data_file(folder)
        victim.unlink()
        os.mkfifo(victim)
    elif kind == "deep-metadata":
        (folder / "_METADATA").write_text("[" * 100_000)
        reseal(folder)
    else:
        truncate_data(folder)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["dev-zero-entry", "fifo", "deep-metadata", "truncated"])
def test_resume_on_the_command_line_ends_in_one_error_and_exit_1(
    kind: str, cli_run: tuple[Path, Path], tmp_path: Path
) -> None:
    spec, original = cli_run
    run = tmp_path / "run"
    shutil.copytree(original, run)
    checkpoints = run / "checkpoints"
    newest = sorted(os.listdir(checkpoints))[-1]
    _damage(kind, checkpoints / newest)
    before = {path: snapshot(path) for path in (tmp_path, spec.parent)}
    done = _typednn("train", str(spec), "--out", str(run), "--resume", "--quiet")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) <= 2 and f"checkpoint step {int(newest[5:])}: " in lines[0], done.stderr
    assert str(checkpoints / newest) in lines[0]
    assert lines[1].startswith("  hint: step ") and "still loads" in lines[1], done.stderr
    # Nothing outside the run changed; inside it, nothing in the checkpoints (the run's
    # own spec copy and lock file are the run directory's business).
    assert before[spec.parent] == snapshot(spec.parent)
    after = snapshot(tmp_path)
    changed = {name for name in before[tmp_path].keys() | after.keys() if before[tmp_path].get(name) != after.get(name)}
    assert all(name == "run" or (name.startswith("run/") and "checkpoints" not in name) for name in changed), changed


@pytest.mark.slow
def test_a_full_disk_on_the_command_line_ends_in_one_error_and_exit_1(cli_run: tuple[Path, Path], tmpfs: Path) -> None:
    spec, _ = cli_run
    # Room for the run's small files, not for a checkpoint (orbax writes a dozen files).
    (tmpfs / "filler").write_bytes(b"x" * (shutil.disk_usage(tmpfs).free - 40_960))
    before = snapshot(spec.parent)
    done = _typednn("train", str(spec), "--out", str(tmpfs / "run"), "--quiet")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "ERROR:absl" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and "cannot write the checkpoint of step " in lines[0], done.stderr
    assert f"{tmpfs / 'run' / 'checkpoints'}" in lines[0] and "No space left on device" in lines[0]
    assert lines[1].startswith("  hint: free some space on that disk")
    assert snapshot(spec.parent) == before
    assert os.listdir(tmpfs / "run" / "checkpoints") == []  # the partial copy is gone
