"""examples/transfer.py: import the bundled Keras MobileNetV2, fine-tune a head, push and pull it back."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KERAS_FILE = ROOT / "examples" / "data" / "mobilenet_v2.keras"


def test_the_bundled_keras_file_is_small_and_a_keras_archive() -> None:
    assert KERAS_FILE.stat().st_size < 2_000_000  # committed to the repository
    with zipfile.ZipFile(KERAS_FILE) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]


@pytest.mark.slow
def test_the_transfer_example_runs_to_the_end(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TYPEDNN_HUB": str(tmp_path / "registry"),
        "TYPEDNN_CACHE": str(tmp_path / "cache"),
    }
    env.pop("KERAS_BACKEND", None)
    # The example must run without Keras: a module named `keras` that fails on import,
    # first on the path, keeps the real one out of its reach.
    (tmp_path / "no_keras").mkdir()
    (tmp_path / "no_keras" / "keras.py").write_text("raise ImportError('examples/transfer.py must not import keras')\n")
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "no_keras"), str(ROOT)])
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "transfer.py"), str(tmp_path / "run")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("test accuracy ")
    # The backbone was pretrained on the digits 0-4 only; its head, on held-out 5-9, scores
    # about 0.59 where chance is 0.2 (random backbone weights gave about 0.15): transfer.
    assert float(lines[0].split()[2]) > 0.4, lines[0]
    assert lines[1].startswith(f"pushed digits-mnv2:v1 to {tmp_path / 'registry'}: sha256:")
    assert lines[2] == "pulled digits-mnv2:v1 back: predictions identical: True"
    assert (tmp_path / "run" / "model" / "spec.json").is_file()
    assert (tmp_path / "registry" / "tags" / "digits-mnv2" / "v1").is_file()
    assert list((tmp_path / "cache" / "hub").glob("*/digits-mnv2/v1/model/weights.safetensors"))
