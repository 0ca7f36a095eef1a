"""`typednn hub push|pull|list|show`, run as users run it: real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.hub.conftest import predictions, save_tiny

pytestmark = pytest.mark.slow  # each run imports JAX in a new process


def typednn(*args: str, cache: Path, registry: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "TYPEDNN_HUB"}
    env["TYPEDNN_CACHE"] = str(cache)
    if registry is not None:
        env["TYPEDNN_HUB"] = str(registry)
    return subprocess.run(
        [sys.executable, "-m", "typednn", "hub", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def failed(done: subprocess.CompletedProcess[str], first_line: str) -> None:
    """Exit 1, no traceback, one line (and a hint line) whose first line holds `first_line`."""
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert 1 <= len(lines) <= 2 and (len(lines) == 1 or lines[1].startswith("  hint: ")), done.stderr
    assert first_line in lines[0], done.stderr


def test_push_list_show_pull(export: Path, tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    (tmp_path / "metrics.json").write_text(json.dumps({"accuracy": 0.875}))
    pushed = typednn(
        "push",
        str(export),
        "tiny:v1",
        "--registry",
        str(registry),
        "--card-text",
        "A tiny model.",
        "--data",
        "four numbers",
        "--metrics",
        str(tmp_path / "metrics.json"),
        cache=cache,
    )
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.startswith("tiny:v1: pushed sha256:")
    again = typednn(
        "push",
        str(export),
        "tiny:v1",
        "--card-text",
        "A tiny model.",
        "--data",
        "four numbers",
        "--metrics",
        str(tmp_path / "metrics.json"),
        cache=cache,
        registry=registry,
    )
    assert again.returncode == 0 and "unchanged (the tag already holds this model)" in again.stdout, again.stderr
    listed = typednn("list", "--registry", str(registry), cache=cache)
    assert (listed.returncode, listed.stdout) == (0, "tiny:v1\n")
    shown = typednn("show", "tiny:v1", cache=cache, registry=registry)
    assert shown.returncode == 0 and "accuracy: 0.875" in shown.stdout and "A tiny model." in shown.stdout
    pulled = typednn("pull", "tiny:v1", "--registry", str(registry), cache=cache)
    assert pulled.returncode == 0, pulled.stderr
    folder = Path(pulled.stdout.strip())
    assert folder.is_relative_to(cache / "hub")
    np.testing.assert_array_equal(predictions(folder), predictions(export))


def test_errors_exit_1_with_one_line(export: Path, tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    failed(typednn("list", cache=cache), "no model registry named")
    failed(typednn("pull", "../x:v1", "--registry", str(registry), cache=cache), "model reference '../x:v1'")
    assert typednn("push", str(export), "tiny:v1", cache=cache, registry=registry).returncode == 0
    other = save_tiny(tmp_path / "other", seed=1)
    failed(typednn("push", str(other), "tiny:v1", cache=cache, registry=registry), "already names a different model")
    assert typednn("push", str(other), "tiny:v1", "--force", cache=cache, registry=registry).returncode == 0
    failed(typednn("pull", "tiny:v9", cache=cache, registry=registry), "no model tiny:v9 in the registry")
    (tmp_path / "metrics.json").write_text('{"accuracy": "high"}')
    done = typednn(
        "push", str(export), "tiny:v2", "--metrics", str(tmp_path / "metrics.json"), cache=cache, registry=registry
    )
    failed(done, "metrics.json: the metric 'accuracy' is 'high', not a finite number")


def test_help_and_usage(tmp_path: Path) -> None:
    done = typednn("--help", cache=tmp_path)
    assert done.returncode == 0 and "push" in done.stdout and "pull" in done.stdout
    missing = typednn("push", str(tmp_path / "nope"), "tiny:v1", cache=tmp_path)
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr
    assert "Traceback" not in missing.stderr
