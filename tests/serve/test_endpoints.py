"""/healthz, /readyz, /metrics, /openapi.json and /v1/model of a real server; `typednn serve`'s refusals."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import Server, clean


def metric(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert found, f"{name} not in the metrics"
    return float(found.group(1))


@pytest.mark.slow
def test_health_readiness_and_metrics_that_move(mlp_server: Server) -> None:
    url = mlp_server.url
    assert httpx.get(f"{url}/healthz", timeout=60).json() == {"status": "alive"}
    assert httpx.get(f"{url}/readyz", timeout=60).json() == {"status": "ready"}  # compiled before the ready line
    before = httpx.get(f"{url}/metrics", timeout=60)
    assert before.headers["content-type"].startswith("text/plain")
    for _ in range(3):
        assert httpx.post(f"{url}/v1/predict", json={"instances": [[1, 2, 3, 4]]}, timeout=60).status_code == 200
    assert httpx.post(f"{url}/v1/predict", json={"instances": [[1, 2]]}, timeout=60).status_code == 422
    after = httpx.get(f"{url}/metrics", timeout=60).text
    for name, grown in [
        ("typednn_serve_request_seconds_count", 4),
        ('typednn_serve_requests_total{status="200"}', 3),
        ('typednn_serve_errors_total{status="422"}', 1),
        ("typednn_serve_batch_size_count", 3),
    ]:
        old = metric(before.text, name) if name in before.text else 0.0
        assert metric(after, name) >= old + grown, name
    assert metric(after, "typednn_serve_requests_in_flight") == 0
    assert 'typednn_serve_batch_size_bucket{le="64.0"}' in after  # the compiled sizes are its buckets
    clean(mlp_server.log())


@pytest.mark.slow
def test_the_openapi_schema_holds_the_inputs_names_and_shapes(mlp_server: Server) -> None:
    schema = httpx.get(f"{mlp_server.url}/openapi.json", timeout=60).json()
    body = schema["paths"]["/v1/predict"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "application/x-npy"}  # no CSV: the model has no transforms
    inputs = schema["components"]["schemas"]["PredictInputs"]["properties"]
    assert inputs["x"]["x-shape"] == ["batch", 4] and inputs["x"]["x-dtype"] == "float32"
    assert inputs["x"]["items"]["minItems"] == inputs["x"]["items"]["maxItems"] == 4
    outputs = schema["components"]["schemas"]["PredictOutputs"]["properties"]
    assert [spec["x-shape"] for spec in outputs.values()] == [["batch", 3]]
    assert httpx.get(f"{mlp_server.url}/docs", timeout=60).status_code == 200
    described = httpx.get(f"{mlp_server.url}/v1/model", timeout=60).json()
    assert described["inputs"] == [{"name": "x", "shape": [4], "dtype": "float32"}]


def test_a_directory_that_is_not_an_export_exits_1_before_serving(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "serve", "--model", str(tmp_path), "--port", "0"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""  # no ready line: nothing was served
    first = done.stderr.splitlines()[0]
    assert str(tmp_path) in first and "spec.json" in first, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) <= 2


def test_bad_batching_options_exit_1_with_the_option_named(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "serve", "--model", str(tmp_path), "--max-wait-ms", "-1"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("typednn: error: serve: max_wait_ms must be from 0 to 10000, not -1.0")
    assert "hint: pass --max-wait-ms 5" in done.stderr and "Traceback" not in done.stderr
