"""A run directory under hostile conditions, with real `typednn train` processes.

Overwriting what typednn did not write, symbolic links, two runs at once, SIGINT and
SIGKILL at many moments, a full or read-only disk. Every failure is one error with
exit 1 (130 for Ctrl-C), in bounded time, and nothing outside the run directory changes.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120


def spec(folder: Path, *, epochs: int = 2, name: str = "iris") -> Path:
    shutil.copy(ROOT / "examples" / "data" / "iris.csv", folder / "iris.csv")
    text = (ROOT / "examples" / "iris.json").read_text().replace("data/iris.csv", "iris.csv")
    path = folder / f"{name}.json"
    path.write_text(text.replace('"epochs": 60', f'"epochs": {epochs}'))
    return path


def typednn(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "typednn", *map(str, args)]
    return subprocess.run(command, check=False, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)


def start(*args: object, cwd: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "typednn", *map(str, args)]
    return subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every entry under `folder` with its size and modification time (links not followed)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        status = path.lstat()
        found[str(path.relative_to(folder))] = (status.st_size, status.st_mtime_ns)
    return found


def refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert message in result.stderr.splitlines()[0], result.stderr


def epochs_logged(run: Path) -> list[int]:
    """The epochs metrics.csv holds, as indexes from 0 (the file numbers them from 1, as the console does)."""
    return [int(row["epoch"]) - 1 for row in csv.DictReader((run / "metrics.csv").read_text().splitlines())]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "notes.txt").write_text("the user's own file\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "keep.csv").write_text("a,b\n1,2\n")
    return tmp_path


# --- overwriting: only a run typednn wrote --------------------------------------------


@pytest.mark.slow
def test_overwrite_refuses_a_directory_typednn_did_not_write(project: Path) -> None:
    spec_file = spec(project)
    before = snapshot(project)
    for out in (".", "data", str(project)):
        refused(typednn("train", spec_file.name, "--out", out, "--overwrite", cwd=project), "did not write")
        refused(typednn("train", spec_file.name, "--out", out, "--resume", cwd=project), "did not write")
    assert snapshot(project) == before


@pytest.mark.slow
def test_overwrite_replaces_only_what_the_run_wrote(project: Path) -> None:
    spec_file = spec(project)
    assert typednn("train", spec_file.name, "--out", "run", "--quiet", cwd=project).returncode == 0
    run = project / "run"
    assert (run / ".typednn-run").is_file() and (run / "model").is_dir()
    (run / "my-notes.txt").write_text("kept\n")
    again = typednn("train", spec_file.name, "--out", "run", "--overwrite", "--quiet", cwd=project)
    assert again.returncode == 0, again.stderr
    assert (run / "my-notes.txt").read_text() == "kept\n"
    assert epochs_logged(run) == [0, 1]


@pytest.mark.slow
def test_a_run_of_an_earlier_version_without_the_marker_is_replaced(project: Path) -> None:
    spec_file = spec(project)
    assert typednn("train", spec_file.name, "--out", "run", "--quiet", cwd=project).returncode == 0
    (project / "run" / ".typednn-run").unlink()
    again = typednn("train", spec_file.name, "--out", "run", "--overwrite", "--quiet", cwd=project)
    assert again.returncode == 0, again.stderr
    (project / "run" / ".typednn-run").unlink()
    (project / "run" / "notes.txt").write_text("mine\n")  # not only a run's entries: not taken
    refused(typednn("train", spec_file.name, "--out", "run", "--overwrite", cwd=project), "did not write")


@pytest.mark.slow
def test_overwrite_never_deletes_through_a_symbolic_link(project: Path) -> None:
    spec_file = spec(project)
    assert typednn("train", spec_file.name, "--out", "real", "--quiet", cwd=project).returncode == 0
    (project / "link").symlink_to(project / "real")
    before = snapshot(project)
    refused(typednn("train", spec_file.name, "--out", "link", "--overwrite", cwd=project), "symbolic link")
    shutil.rmtree(project / "real" / "checkpoints")
    (project / "real" / "checkpoints").symlink_to(project / "data")
    before = snapshot(project)
    refused(typednn("train", spec_file.name, "--out", "real", "--overwrite", cwd=project), "symbolic link")
    assert snapshot(project) == before


# --- resuming a run that wrote no checkpoint --------------------------------------------


@pytest.mark.slow
def test_a_run_killed_before_its_first_checkpoint_resumes_as_a_fresh_start(project: Path) -> None:
    spec_file = spec(project)
    run = project / "run"
    run.mkdir()
    (run / ".typednn-run").write_text('{"format": "typednn-run", "version": 1}\n')
    (run / "iris.json").write_text(spec_file.read_text())
    (run / "metrics.csv").write_text("")
    refused(typednn("train", spec_file.name, "--out", "run", cwd=project), "holds an earlier run")
    resumed = typednn("train", spec_file.name, "--out", "run", "--resume", cwd=project)
    assert resumed.returncode == 0, resumed.stderr
    assert "no checkpoint to resume from yet; starting afresh" in resumed.stderr
    assert epochs_logged(run) == [0, 1]


def test_an_out_path_the_file_system_cannot_hold_is_refused(project: Path) -> None:
    spec_file = spec(project)
    refused(typednn("train", spec_file.name, "--out", "x" * 300, cwd=project), "at most 255 bytes each")


# --- two runs at once -----------------------------------------------------------------


def wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.slow
def test_a_second_run_on_the_same_directory_is_refused(project: Path) -> None:
    spec_file = spec(project, epochs=400)
    first = start("train", spec_file.name, "--out", "run", "--quiet", cwd=project)
    try:
        wait_for(project / "run" / "checkpoints", first)
        for option in ("--resume", "--overwrite"):
            second = typednn("train", spec_file.name, "--out", "run", option, cwd=project)
            refused(second, "in use by another run")
            assert f"pid {first.pid} on host" in second.stderr
    finally:
        first.kill()
        first.communicate()
    # The kernel released the dead holder's lock.
    spec(project, epochs=2)
    again = typednn("train", spec_file.name, "--out", "run", "--overwrite", "--quiet", cwd=project)
    assert again.returncode == 0, again.stderr


# --- signals --------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.2, 0.8, 1.5, 2.5, 4.0])
def test_ctrl_c_at_any_moment_exits_130_and_nothing_else(project: Path, delay: float) -> None:
    spec_file = spec(project, epochs=400)
    process = start("train", spec_file.name, "--out", "run", cwd=project)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "typednn: interrupted", stderr
    assert "Traceback" not in stderr and "Error" not in stderr


def kill_after_checkpoints(project: Path, spec_file: Path, count: int) -> None:
    """SIGKILL the run as soon as its `count`-th checkpoint folder appears."""
    process = start("train", spec_file.name, "--out", "run", "--quiet", cwd=project)
    checkpoints = project / "run" / "checkpoints"
    deadline = time.monotonic() + TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        if checkpoints.is_dir() and sum(name.name.startswith("step_") for name in checkpoints.iterdir()) >= count:
            break
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    process.communicate()


@pytest.mark.slow
@pytest.mark.parametrize("count", [1, 2, 3])
def test_a_kill_right_after_a_checkpoint_loses_no_metrics_row(project: Path, count: int) -> None:
    spec_file = spec(project, epochs=6)
    kill_after_checkpoints(project, spec_file, count)
    resumed = typednn("train", spec_file.name, "--out", "run", "--resume", "--quiet", cwd=project)
    assert resumed.returncode == 0, resumed.stderr
    assert epochs_logged(project / "run") == list(range(6))


# --- a full or read-only disk ---------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (mounting one needs root; skipped elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = (
        os.geteuid() == 0
        and not subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount], check=False).returncode
    )
    if not mounted:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", mount], check=False)


@pytest.mark.slow
def test_a_full_disk_names_the_file_and_exits_1(project: Path, small_disk: Path) -> None:
    spec_file = spec(project)
    (small_disk / "filler").write_bytes(b"\0" * (1024 * 1024 - 16 * 1024))
    result = typednn("train", spec_file.name, "--out", small_disk / "run", cwd=project)
    refused(result, "No space left on device")


@pytest.mark.slow
def test_a_read_only_disk_names_the_file_and_exits_1(project: Path, small_disk: Path) -> None:
    spec_file = spec(project)
    subprocess.run(["mount", "-o", "remount,ro", small_disk], check=True)
    result = typednn("train", spec_file.name, "--out", small_disk / "run", cwd=project)
    refused(result, "Read-only file system")


# --- imports --------------------------------------------------------------------------


def test_import_never_shadows_an_installed_package(project: Path) -> None:
    (project / "jax.py").write_text("raise SystemExit('the cwd shadowed jax')\n")
    (project / "mylayers.py").write_text("LOADED = True\n")
    spec_file = spec(project)
    result = typednn("summary", spec_file.name, "--import", "mylayers", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "Total params" in result.stdout
