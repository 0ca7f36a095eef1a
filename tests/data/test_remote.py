"""Sources read from URLs: fsspec's `memory://` filesystem, and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import io
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import fsspec  # type: ignore[import-untyped]  # fsspec ships no type information
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import typednn as tn
from tests.conftest import fails
from typednn.data import SOURCES
from typednn.data._paths import is_url, open_binary

JSONL = b'{"x": [1, 2], "y": "cat"}\n{"x": [3, 4], "y": "dog"}\n{"x": [5, 6], "y": "cat"}\n'


@pytest.fixture
def memory() -> Iterator[object]:
    """fsspec's in-memory filesystem, emptied after the test."""
    filesystem = fsspec.filesystem("memory")
    yield filesystem
    filesystem.rm("/", recursive=True)


def test_urls_are_told_from_paths() -> None:
    assert is_url("memory://a/b.csv") and is_url("https://example.org/d.parquet") and is_url("file:///tmp/x")
    assert not is_url("data/d.csv") and not is_url("C:/data/d.csv") and not is_url(Path("s3:/x"))


def test_parquet_and_jsonl_from_memory(memory: object) -> None:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"a": [1.0, 2.0, 3.0], "y": ["b", "a", "b"]}), buffer)
    with fsspec.open("memory://bucket/d.parquet", "wb") as file:
        file.write(buffer.getvalue())
    data = tn.data.parquet("memory://bucket/d.parquet")
    assert data.features.tolist() == [[1.0], [2.0], [3.0]] and data.class_names == ("a", "b")
    assert tn.data.schema("parquet", "memory://bucket/d.parquet").examples == 3
    with fsspec.open("memory://bucket/d.jsonl", "wb") as file:
        file.write(JSONL)
    lines = tn.data.jsonl("memory://bucket/d.jsonl")
    assert lines.features.shape == (3, 2) and lines.targets.tolist() == [0, 1, 0]
    with fails("memory://bucket/gone.parquet: no such file"):
        tn.data.parquet("memory://bucket/gone.parquet")
    with fails("memory://bucket/gone.jsonl: no such file"):
        tn.data.jsonl("memory://bucket/gone.jsonl")


def test_a_spec_url_is_not_joined_to_the_spec_folder(memory: object, tmp_path: Path) -> None:
    with fsspec.open("memory://specs/d.jsonl", "wb") as file:
        file.write(JSONL)
    source = SOURCES["jsonl"]
    assert source.arguments(source.parse("memory://specs/d.jsonl"), root=tmp_path, allow_pickle=False)["path"] == (
        "memory://specs/d.jsonl"
    )
    assert len(source.load({"path": "memory://specs/d.jsonl"}, root=tmp_path, allow_pickle=False)) == 3


def test_missing_filesystems_name_their_package() -> None:
    with fails("nosuch://x/d.parquet: no filesystem reads this URL"):
        tn.data.parquet("nosuch://x/d.parquet")
    if importlib.util.find_spec("s3fs") is None:
        with fails("s3://bucket/d.jsonl: the filesystem of this URL is not installed", "s3fs"):
            tn.data.jsonl("s3://bucket/d.jsonl")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_jsonl_over_a_real_http_server(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_bytes(JSONL)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):  # the server takes a moment to listen
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        data = tn.data.jsonl(f"{url}/d.jsonl")
        assert data.features.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]] and data.class_names == ("cat", "dog")
        with fails(f"{url}/gone.jsonl: the server answers 404"):
            tn.data.jsonl(f"{url}/gone.jsonl")
        with fails(f"{url}/d.jsonl: the JSON Lines file is more than 10 bytes"):
            open_binary(f"{url}/d.jsonl", what="JSON Lines file", limit=10)
    finally:
        server.kill()
        server.wait(timeout=30)
    with fails(f"{url}/d.jsonl: the download failed"):
        tn.data.jsonl(f"{url}/d.jsonl")
