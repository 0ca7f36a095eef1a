"""Under load: concurrent requests share batches, and SIGTERM answers every request in flight before exit 0."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

import typednn as tn

from .conftest import clean, rows, save, serving, wide
from .test_endpoints import metric

REQUESTS = 400
JSON = {"Content-Type": "application/json"}
CLIENTS = 32


async def load(url: str, x: np.ndarray[tuple[int, int], np.dtype[np.float32]]) -> list[tuple[int, list[float]]]:
    """`REQUESTS` requests of one example each (row i of `x`), from `CLIENTS` clients at once."""
    found: list[tuple[int, list[float]]] = [(0, [])] * REQUESTS
    todo = iter(range(REQUESTS))

    async def client(http: httpx.AsyncClient) -> None:
        for i in todo:  # each client takes the next request when its last is answered
            response = await http.post(f"{url}/v1/predict", json={"instances": x[i : i + 1].tolist()})
            outputs = response.json().get("outputs", {}) if response.status_code == 200 else {}
            found[i] = (response.status_code, next(iter(outputs.values()), [[]])[0])

    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
    return found


@pytest.mark.slow
def test_a_bounded_load_is_answered_in_batches(tmp_path: Path) -> None:
    folder = save(wide(), tmp_path / "wide")
    model, params = tn.load(folder)
    x = rows((REQUESTS, 32), seed=2)
    expected = np.asarray(model.apply(params, x))
    with serving(folder, tmp_path, "--max-wait-ms", "20") as server:
        before = httpx.get(f"{server.url}/metrics", timeout=60).text
        start = time.perf_counter()
        found = asyncio.run(load(server.url, x))
        seconds = time.perf_counter() - start
        after = httpx.get(f"{server.url}/metrics", timeout=60).text
        clean(server.log())
    assert seconds < 60, f"{REQUESTS} requests took {seconds:.1f} s"
    assert [status for status, _ in found] == [200] * REQUESTS
    np.testing.assert_allclose(np.array([row for _, row in found]), expected, rtol=1e-5, atol=1e-5)
    batches = metric(after, "typednn_serve_batch_size_count") - metric(before, "typednn_serve_batch_size_count")
    examples = metric(after, "typednn_serve_batch_size_sum") - metric(before, "typednn_serve_batch_size_sum")
    assert examples == REQUESTS
    assert examples / batches > 2, f"{REQUESTS} examples in {batches:.0f} batches: no batching"
    print(f"{REQUESTS} requests from {CLIENTS} clients in {seconds:.1f} s, {batches:.0f} batches")


@pytest.mark.slow
def test_sigterm_under_load_answers_every_request_in_flight_and_exits_0(
    models: dict[str, Path], tmp_path: Path
) -> None:
    # The first clients send their bodies slowly: they are mid-request when SIGTERM comes.
    in_flight, late = 16, 16
    results: list[object] = [None] * (in_flight + late)
    sent = threading.Event()

    def slowly() -> Iterator[bytes]:
        yield b'{"instances": [[1.0, 2.0, '
        sent.wait(timeout=30)
        time.sleep(0.5)
        yield b"3.0, 4.0]]}"

    def client(i: int, url: str) -> None:
        body: Iterator[bytes] | bytes = slowly() if i < in_flight else b'{"instances": [[1.0, 2.0, 3.0, 4.0]]}'
        try:  # a connection per request: nothing is reused across the shutdown
            with httpx.Client(timeout=60) as http:
                results[i] = http.post(f"{url}/v1/predict", content=body, headers=JSON).status_code
        except httpx.TransportError:  # refused, reset or closed before the request was read
            results[i] = "no connection"

    with serving(models["mlp"], tmp_path) as server:
        threads = [threading.Thread(target=client, args=(i, server.url)) for i in range(in_flight + late)]
        for thread in threads[:in_flight]:
            thread.start()
        deadline = time.monotonic() + 30  # a loaded machine starts 16 threads slowly
        while time.monotonic() < deadline:
            text = httpx.get(f"{server.url}/metrics", timeout=60).text
            if metric(text, "typednn_serve_requests_in_flight") == in_flight:
                break
        else:
            raise AssertionError("the requests never were in flight together")
        server.process.send_signal(signal.SIGTERM)
        sent.set()
        for thread in threads[in_flight:]:  # clients keep coming while it shuts down
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        code = server.process.wait(timeout=30)
        log = server.log()
    assert code == 0, log
    assert results[:in_flight] == [200] * in_flight, results
    # A late client is answered, or refused a connection: never another status, never a hang.
    assert {str(result) for result in results[in_flight:]} <= {"200", "no connection"}, results
    clean(log)
    assert "Shutting down" in log and "Application shutdown complete" in log
