"""What an installed typednn gives mypy users: typed package, plugin, optax stubs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_the_package_marker_plugin_and_optax_stubs(tmp_path: Path) -> None:
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path)]
    subprocess.run([*build, str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("typednn-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"typednn/py.typed", "typednn/mypy.py", "optax-stubs/__init__.pyi"} <= names
    assert not any(name.startswith(("tests/", "bench/", "stubs/")) for name in names)


@pytest.mark.slow
def test_optax_type_checks_strictly_outside_the_project(tmp_path: Path) -> None:
    user = tmp_path / "user.py"
    user.write_text(
        "import optax\n"
        "tx: optax.GradientTransformation = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(1e-3))\n"
        "bad = optax.adam('fast')\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--show-error-codes", str(user)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, done.stdout
    assert "user.py:3:" in errors[0]
    assert "import-untyped" not in done.stdout
