"""Real `typednn serve` processes on 127.0.0.1, and the small exported models they serve."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest

import typednn as tn
from typednn import nn
from typednn.data.transforms import Columns, one_hot, standardize

START_SECONDS = 90  # a cold process imports JAX and compiles every batch size


@dataclass
class Server:
    """A running server: its URL, its process, and the file its stderr goes to."""

    url: str
    process: subprocess.Popen[str]
    stderr: Path

    def log(self) -> str:
        return self.stderr.read_text()


@contextmanager
def serving(model: Path, tmp: Path, *options: str) -> Iterator[Server]:
    """`typednn serve --model MODEL --port 0 OPTIONS` until the block ends (then SIGTERM, or a kill)."""
    stderr = tmp / f"serve-{os.getpid()}-{len(list(tmp.glob('serve-*')))}.log"
    with stderr.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "typednn", "serve", "--model", str(model), "--port", "0", *options],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def read() -> None:
        for line in stdout:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        try:
            line = lines.get(timeout=START_SECONDS)
        except queue.Empty:
            raise AssertionError(f"no ready line; stderr: {stderr.read_text()}") from None
        assert line.startswith("typednn serve: http://127.0.0.1:") and line.rstrip().endswith(" ready"), line
        yield Server(line.split()[2], process, stderr)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        reader.join(timeout=10)  # it ends at the pipe's end, once the process has exited
        stdout.close()


def clean(log: str) -> None:
    """Assert that a server's log holds no internal error: no traceback, no ERROR line."""
    assert "Traceback" not in log, log
    assert "ERROR" not in log and "Internal" not in log and "internal error" not in log, log


def mlp() -> tn.Model[Any, Any]:
    x = tn.Input(4, name="x")
    return tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(3), name="mlp")


def two_inputs() -> tn.Model[Any, Any]:
    """A float input and a token input (vocab 20), one output."""
    image = tn.Input(3, 3, 2, name="image")
    ids = tn.Input(5, dtype="int32", name="ids")
    z = nn.concat(image >> nn.Flatten(), ids >> nn.Embedding(20, 4) >> nn.GlobalAvgPool1D())
    return tn.Model((image, ids), z >> nn.Dense(3), name="pair")


def two_outputs() -> tn.Model[Any, Any]:
    x = tn.Input(6, name="x")
    h = x >> nn.Dense(8) >> nn.relu
    return tn.Model(x, (h >> nn.Dense(10, name="label"), h >> nn.Dense(4, name="box")), name="heads")


def wide() -> tn.Model[Any, Any]:
    """Slow enough on one example (about a millisecond on a CPU) that requests queue behind each run."""
    x = tn.Input(32, name="x")
    h = x >> nn.Dense(2048) >> nn.relu >> nn.Dense(2048) >> nn.relu >> nn.Dense(2048) >> nn.relu
    return tn.Model(x, h >> nn.Dense(4), name="wide")


RAW = "age,city,ignored\n63,paris,x\n37,rome,y\n41,oslo,z\n58,paris,w\n"


def transforms(tmp: Path) -> Columns[Any]:
    raw_file = tmp / "train.csv"
    raw_file.write_text(RAW)
    prep = Columns({"age": standardize(), "city": one_hot(vocabulary=["oslo", "paris", "rome"])})
    return prep.fit(tn.data.table(raw_file))


def with_transform() -> tn.Model[Any, Any]:
    x = tn.Input(5, name="x")  # age, and city one-hot (1 unknown + 3)
    return tn.Model(x, x >> nn.Dense(2), name="raw")


def save(model: tn.Model[Any, Any], folder: Path, **options: Any) -> Path:
    tn.save(model, model.init(jax.random.key(1)), folder, **options)
    return folder


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each test model, exported once."""
    folder = tmp_path_factory.mktemp("models")
    return {
        "mlp": save(mlp(), folder / "mlp"),
        "pair": save(two_inputs(), folder / "pair"),
        "heads": save(two_outputs(), folder / "heads"),
        "raw": save(with_transform(), folder / "raw", transform=transforms(folder)),
    }


@pytest.fixture(scope="session")
def mlp_server(models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server of the one-input model for the tests that only send it requests."""
    with serving(models["mlp"], tmp_path_factory.mktemp("mlp-server")) as server:
        yield server


def rows(shape: tuple[int, ...], seed: int = 0) -> np.ndarray[Any, Any]:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
