"""Serving: `typednn serve` (dynamic batching) against a naive server (one `model.apply` per request).

The model is a wide MLP on 32 tabular features (32-2048-2048-2048-10, relu; 8.5M
parameters), exported into the temp folder: one example leaves a CPU's vector units
mostly idle (the weights are read for one row), which batching fills. Each server runs
in its own process on 127.0.0.1, one after the other: `typednn serve` with its defaults
(--max-batch 64, --max-wait-ms 5), and
`bench/_naive_server.py`, a FastAPI app on the same uvicorn (with httptools and uvloop, as
the serve extra installs them) whose synchronous route runs
`model.apply` on each request as it comes (FastAPI's thread pool; no batching). Both
take the same JSON body, one example per request (`{"instances": [[32 numbers]]}`).

The load comes from this process: `clients` keep-alive connections (1, 8, 64), each
sending its next request when the last is answered, for `seconds` per level after a
warm-up; a small HTTP/1.1 client on asyncio streams, so that the client costs less than
the servers. Throughput is answered requests per second; latencies are each request's,
p50 and p99. The target: typednn's throughput at 64 clients >= 3x the naive server's.

Run alone with ``python bench/serve.py [--seconds S]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import jax
import numpy as np
from _common import add_option, markdown_table

import typednn as tn
from typednn import nn

CLIENTS = (1, 8, 64)
TARGET = 3.0
HERE = Path(__file__).resolve().parent


@dataclass
class Level:
    """One server at one number of clients: answered requests, the seconds they took, each one's latency."""

    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failed: int = 0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Serving:
    """Each server's levels, and whether both answered as `model.apply` does."""

    levels: dict[str, list[Level]] = field(default_factory=dict)
    equal: bool = True

    def ratio(self, clients: int) -> float:
        """typednn's throughput / the naive server's, at `clients` clients."""
        ours, theirs = (next(x for x in self.levels[n] if x.clients == clients) for n in ("typednn", "naive"))
        return ours.throughput / theirs.throughput


FEATURES, WIDTH = 32, 2048
MODEL = f"MLP {FEATURES}-{WIDTH}-{WIDTH}-{WIDTH}-10"


def export(folder: Path) -> Path:
    x = tn.Input(FEATURES)
    y = x >> nn.Dense(WIDTH) >> nn.relu >> nn.Dense(WIDTH) >> nn.relu >> nn.Dense(WIDTH) >> nn.relu >> nn.Dense(10)
    model = tn.Model(x, y, name="wide")
    tn.save(model, model.init(jax.random.key(0)), folder / "wide")
    return folder / "wide"


def start(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    """A server process and its URL, from the ready line it prints."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.rstrip().endswith("ready"):
        process.kill()
        raise RuntimeError(f"{command[:4]} did not start: {line!r}")
    return process, line.split()[-2]


def request(url: str, body: bytes) -> bytes:
    host = url.removeprefix("http://")
    head = f"POST /v1/predict HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


async def answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 response (status, body); both servers send a Content-Length."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":")[1]) for line in lines if line.lower().startswith("content-length:"))
    return int(lines[0].split()[1]), await reader.readexactly(length)


async def load(url: str, message: bytes, clients: int, seconds: float) -> Level:
    """`clients` connections sending `message` back to back for `seconds`."""
    level = Level(clients)
    host, port = url.removeprefix("http://").split(":")

    async def client(deadline: float) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            writer.write(message)
            status, _ = await answer(reader)
            if status == 200:
                level.latencies.append(time.perf_counter() - sent)
            else:
                level.failed += 1
        writer.close()

    await asyncio.gather(*(client(time.perf_counter() + 0.5) for _ in range(clients)))  # warm-up
    level.latencies.clear()
    start_time = time.perf_counter()
    await asyncio.gather(*(client(start_time + seconds) for _ in range(clients)))
    level.seconds = time.perf_counter() - start_time
    return level


async def outputs(url: str, message: bytes) -> np.ndarray[tuple[int, ...], np.dtype[np.float32]]:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(message)
    _, body = await answer(reader)
    writer.close()
    return np.asarray(next(iter(json.loads(body)["outputs"].values())), np.float32)


def run(*, seconds: float = 4.0) -> Serving:
    """Measure each server at 1, 8 and 64 clients, `seconds` each, one server process at a time."""
    with tempfile.TemporaryDirectory(prefix="typednn-bench-serve-") as folder:
        return _run(export(Path(folder)), seconds)


def _run(directory: Path, seconds: float) -> Serving:
    model, params = tn.load(directory)
    image = np.random.default_rng(0).standard_normal((1, FEATURES)).astype(np.float32)
    expected = np.asarray(model.apply(params, image))
    body = json.dumps({"instances": image.tolist()}).encode()
    commands = {
        "typednn": [sys.executable, "-m", "typednn", "serve", "--model", str(directory), "--port", "0"],
        "naive": [sys.executable, str(HERE / "_naive_server.py"), str(directory)],
    }
    result = Serving()
    for name, command in commands.items():
        process, url = start(command)
        try:
            message = request(url, body)
            found = asyncio.run(outputs(url, message))
            result.equal &= bool(np.allclose(found, expected, rtol=1e-5, atol=1e-5))
            result.levels[name] = [asyncio.run(load(url, message, clients, seconds)) for clients in CLIENTS]
        finally:
            process.terminate()
            process.wait(timeout=60)
    return result


def table(result: Serving) -> str:
    """A Markdown table: per server and clients, requests/s, p50 and p99 latency, and typednn / naive."""
    rows = []
    for name, levels in result.levels.items():
        for level in levels:
            rows.append(
                [
                    name,
                    str(level.clients),
                    f"{level.throughput:,.0f}",
                    f"{1000 * statistics.median(level.latencies):.2f}",
                    f"{1000 * level.percentile(0.99):.2f}",
                    f"{result.ratio(level.clients):.2f}" if name == "typednn" else "",
                ]
            )
    header = ["server", "clients", "requests/s", "p50 (ms)", "p99 (ms)", "typednn / naive (requests/s)"]
    return markdown_table(header, "lrrrrr", rows)


def targets(result: Serving) -> list[str]:
    ratio = result.ratio(CLIENTS[-1])
    verdict = f">= {TARGET} met" if ratio >= TARGET else f"< {TARGET} NOT met"
    return [f"- Serving the {MODEL} at {CLIENTS[-1]} clients: typednn serve / naive = {ratio:.2f} {verdict}"]


def notes(result: Serving) -> list[str]:
    same = "equal" if result.equal else "NOT equal"
    failed = sum(level.failed for levels in result.levels.values() for level in levels)
    return [
        f"- Serving: one example of {FEATURES} features per JSON request; each server in its own process on"
        " 127.0.0.1, the client (asyncio keep-alive connections) in the bench's; both servers' outputs and"
        f" model.apply's are {same};"
        f" {failed} requests failed. typednn serve batches with --max-batch 64 --max-wait-ms 5 (a lone"
        " request runs at once).",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_option(parser, run, "seconds", "measured seconds per server and number of clients")
    args = parser.parse_args()
    result = run(seconds=args.seconds)
    print(table(result), end="\n\n")
    print("\n".join([*targets(result), *notes(result)]))


if __name__ == "__main__":
    main()
