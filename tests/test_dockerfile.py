"""The Dockerfile's install step and entry point, checked without a container runtime.

The image is not built here (CI has no Docker daemon). What can break it silently is
checked: the files it copies are all the install needs (the wheel builds from exactly
them), and its entry point's options are ones `typednn serve` takes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    """The arguments of every `name` instruction (line continuations joined)."""
    text = DOCKERFILE.replace("\\\n", " ")
    return [line.split(None, 1)[1] for line in text.splitlines() if line.split(None, 1)[:1] == [name]]


@pytest.mark.slow
def test_the_wheel_builds_from_exactly_the_files_the_image_copies(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for copy in instructions("COPY"):
        *paths, target = copy.split()
        for path in paths:
            # Relative to WORKDIR /src: into a folder when the target ends in "/", else to that name.
            origin = ROOT / path
            destination = source / target / origin.name if target.endswith("/") else source / target
            if origin.is_dir():
                shutil.copytree(origin, destination, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(origin, destination)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("typednn-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "typednn/serve/__init__.py" in names
    assert any(name.startswith("optax-stubs/") for name in names)


def test_the_entry_point_runs_typednn_serve_with_options_it_takes() -> None:
    [entry] = instructions("ENTRYPOINT")
    command = json.loads(entry)
    assert command[:2] == ["typednn", "serve"]
    helped = subprocess.run(
        [sys.executable, "-m", "typednn", "serve", "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    for option in (word for word in command if word.startswith("--")):
        assert re.search(rf"{option}\b", helped.stdout), option
    assert "[serve]" in " ".join(instructions("RUN"))
