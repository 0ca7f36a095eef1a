"""Helpers of the registry tests: a tiny export, a registry folder, and a real HTTP server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import pytest

import typednn as tn
from typednn import nn


def tiny_model() -> tn.Model[Any, Any]:
    x = tn.Input(4)
    return tn.Model(x, x >> nn.Dense(3))


def save_tiny(directory: Path, seed: int = 0) -> Path:
    """A tiny export at `directory` (Dense 4 -> 3); another seed gives other weights."""
    model = tiny_model()
    tn.save(model, model.init(jax.random.key(seed)), directory)
    return directory


def predictions(directory: Path) -> jax.Array:
    model, params = tn.load(directory)
    return model.apply(params, jnp.arange(8.0).reshape(2, 4))


def files_under(folder: Path) -> list[str]:
    """Every file (not folder) under `folder`, relative, sorted."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if not path.is_dir())


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return save_tiny(tmp_path / "export")


@pytest.fixture(autouse=True)
def no_default_registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A developer's own $TYPEDNN_HUB or cache must never be read or written by a test.
    monkeypatch.delenv("TYPEDNN_HUB", raising=False)
    monkeypatch.setenv("TYPEDNN_CACHE", str(tmp_path / "default-cache"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


REDIRECTING = """
import http.server, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", self.path + "x" if sys.argv[2] == "loop" else sys.argv[2])
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""
"""A server answering every GET with a redirect: to argv[2], or ever onwards for "loop"."""


@contextmanager
def serve(folder: Path, *, redirect: str | None = None) -> Iterator[str]:
    """Serve `folder` over HTTP on 127.0.0.1 in a real `http.server` process; yields its URL.

    With `redirect`, the server answers every request with a redirect there instead.
    """
    port = free_port()
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(folder), str(port)]
    if redirect is not None:
        command = [sys.executable, "-c", REDIRECTING, str(port), redirect]
    server = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the HTTP server on port {port} did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.kill()
        server.wait(timeout=30)
