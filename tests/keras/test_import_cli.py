"""`typednn import`: a .keras file into an export that `typednn predict` reads, and typed Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import keras  # type: ignore[import-untyped]  # Keras ships no types
import numpy as np
import pytest

from tests.keras import keras_outputs, randomize

L = keras.layers
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy:DeprecationWarning")


def _typednn(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "typednn", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, cwd=cwd)


@pytest.mark.slow
def test_import_writes_an_export_that_predict_reads_and_python_that_mypy_accepts(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((6,)), L.Dense(4, activation="relu"), L.Dense(3)], name="mlp")
    randomize(model)
    model.save(tmp_path / "mlp.keras")
    done = _typednn("import", tmp_path / "mlp.keras", "-o", tmp_path / "out", "--python", tmp_path / "mlp.py")
    assert done.returncode == 0, done.stderr
    assert "imported" in done.stdout
    x = np.random.default_rng(0).normal(size=(2, 6)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    done = _typednn("predict", "--model", tmp_path / "out", tmp_path / "x.npy", "-o", tmp_path / "pred")
    assert done.returncode == 0, done.stderr
    predicted = np.loadtxt(tmp_path / "pred", delimiter=",", ndmin=2, skiprows=1)
    np.testing.assert_allclose(predicted, keras_outputs(model, [x])[0], atol=1e-4)
    text = (tmp_path / "mlp.py").read_text()
    assert "def build_model()" in text
    mypy = Path(sys.executable).with_name("mypy")
    config = Path(__file__).resolve().parents[2] / "mypy.ini"
    checked = subprocess.run(
        [str(mypy), "--strict", "--config-file", str(config), str(tmp_path / "mlp.py")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout


def test_a_lambda_layer_is_exit_1_with_one_line_and_nothing_written(tmp_path: Path) -> None:
    x = keras.Input((3,))
    keras.Model(x, L.Lambda(lambda t: t * 2, name="double")(x)).save(tmp_path / "m.keras")
    done = _typednn("import", tmp_path / "m.keras", "-o", tmp_path / "out")
    assert done.returncode == 1
    first = done.stderr.splitlines()[0]
    assert str(tmp_path / "m.keras") in first and "layer 'double' (Lambda) holds Python code" in first
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_corrupt_file_is_exit_1(tmp_path: Path) -> None:
    (tmp_path / "m.keras").write_bytes(b"PK\x03\x04garbage")
    done = _typednn("import", tmp_path / "m.keras", "-o", tmp_path / "out")
    assert done.returncode == 1 and "not a .keras archive" in done.stderr
    assert "Traceback" not in done.stderr
