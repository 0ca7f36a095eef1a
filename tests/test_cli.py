"""The `typednn` command, run as users run it: a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def typednn(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=300
    )


def test_help_lists_the_commands() -> None:
    done = typednn("--help")
    assert done.returncode == 0
    assert "check" in done.stdout


@pytest.mark.slow
def test_check_accepts_a_good_model_and_rejects_a_miswired_one(tmp_path: Path) -> None:
    good = typednn("check", str(EXAMPLES / "cnn.py"), cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = typednn("check", str(EXAMPLES / "miswired.py"), cwd=tmp_path)
    assert bad.returncode == 1
    assert "miswired.py:13: error: Dense(5408 -> 10) expects 5408 input features, but receives (4608,)" in bad.stdout
    assert "[typednn-shape]" in bad.stdout


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.py", None, "no such file"),
        ("model.yaml", "model: {}\n", "reads Python files"),
    ],
)
def test_bad_input_exits_2_without_a_traceback(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    done = typednn("check", str(path))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
