"""A newcomer's first commands: `--version`, `check` without mypy, and files a team can read."""

from __future__ import annotations

import importlib.metadata
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from typednn._files import write_atomic

TINY = """\
name: tiny
model:
  input: [8, 8, 1]
  layers:
    - flatten
    - dense: 10
data:
  source: {builtin: digits}
  split: {validation: 0.1, test: 0.2}
train:
  epochs: 1
  batch_size: 64
  metrics: [accuracy]
"""


def typednn(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=300
    )


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, for this process and the commands it starts."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def unreadable(folder: Path) -> list[str]:
    """The files under `folder` that the group or others cannot read."""
    return [
        f"{path.relative_to(folder)}: {stat.filemode(path.stat().st_mode)}"
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.stat().st_mode & 0o044 != 0o044
    ]


def test_version_prints_the_installed_version() -> None:
    done = typednn("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"typednn {importlib.metadata.version('typednn')}\n"
    assert done.stdout == "typednn 0.1.0\n"


def test_check_of_a_python_file_without_mypy_says_how_to_get_it(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text("x = 1\n")
    # `sys.modules["mypy"] = None` makes mypy unimportable, as if it were not installed.
    blocked = "import sys; sys.modules['mypy'] = None; from typednn._command import run; run()"
    done = subprocess.run(
        [sys.executable, "-c", blocked, "check", "model.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    first, hint, *rest = done.stderr.splitlines()
    assert first.startswith("typednn: error: model.py: ")
    assert "mypy is not installed" in first
    assert hint == "  hint: pip install 'typednn[check]' (or pip install mypy); spec files are checked without it"
    assert rest == []


def test_an_atomic_write_gets_the_mode_a_plain_open_gives(tmp_path: Path, umask_022: None) -> None:
    written = tmp_path / "written.txt"
    write_atomic(written, b"data\n")
    assert stat.S_IMODE(written.stat().st_mode) == 0o644
    os.umask(0o027)  # honoured, not replaced: a team that hides its files keeps them hidden
    write_atomic(written, b"again\n")
    assert stat.S_IMODE(written.stat().st_mode) == 0o640
    assert written.read_bytes() == b"again\n"
    assert [path.name for path in tmp_path.iterdir()] == ["written.txt"]  # no temporary file left


@pytest.mark.slow
def test_every_file_a_run_writes_is_readable_by_the_team(tmp_path: Path, umask_022: None) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY)
    run = tmp_path / "run"
    done = typednn("train", str(spec), "--out", str(run), "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("metrics.csv", "training.png", "test_metrics.json", "model"):
        assert (run / name).exists(), sorted(path.name for path in run.iterdir())
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    import numpy as np  # noqa: PLC0415 - only this test needs it

    np.save(outputs / "inputs.npy", np.zeros((2, 8, 8, 1), np.float32))
    for command in (
        ["codegen", str(spec), "-o", str(outputs / "model.py")],
        ["schema", "-o", str(outputs / "schema.json")],
        ["predict", str(outputs / "inputs.npy"), "--model", str(run / "model"), "-o", str(outputs / "scores.csv")],
    ):
        done = typednn(*command, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert unreadable(run) == []
    assert unreadable(outputs) == []
    assert {path.name for path in outputs.iterdir()} == {"inputs.npy", "model.py", "schema.json", "scores.csv"}
