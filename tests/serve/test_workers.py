"""`typednn serve --workers 2`: two processes on one port, each loading the model, stopped by one SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

import typednn as tn
from tests.serve.conftest import START_SECONDS, clean


@pytest.mark.slow
def test_two_workers_answer_on_one_port_and_stop_on_sigterm(models: dict[str, Path], tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with log.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "typednn", "serve", "--model", str(models["mlp"]), "--port", "0", "--workers", "2"],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("typednn serve: http://127.0.0.1:") and "starting 2 workers" in line, line
        url = line.split()[2]
        deadline = time.monotonic() + START_SECONDS
        while not _ready(url):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        model, params = tn.load(models["mlp"])
        x = np.arange(8, dtype=np.float32).reshape(2, 4)
        expected = np.asarray(model.apply(params, x))
        for _ in range(10):  # new connections, spread over the workers by the kernel
            answer = httpx.post(f"{url}/v1/predict", json={"inputs": {"x": x.tolist()}}, timeout=60)
            assert answer.status_code == 200, answer.text
            np.testing.assert_allclose(answer.json()["outputs"][model.output_names[0]], expected, rtol=1e-6)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    text = log.read_text()
    clean(text)
    assert text.count("Application shutdown complete") == 2, text


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False
