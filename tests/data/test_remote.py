"""Sources read from URLs: fsspec's `memory://` filesystem, and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

import typednn as tn
from tests.conftest import fails
from typednn.data import SOURCES
from typednn.data._paths import is_url, open_binary

CSV = b"a,b,y\n1,2,cat\n3,4,dog\n5,6,cat\n"
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


@contextlib.contextmanager
def http_server(folder: Path, log: Path | None = None) -> Iterator[str]:
    """A real `python -m http.server` serving `folder` on 127.0.0.1 (its request log in `log`); its URL."""
    port = _free_port()
    with open(log or os.devnull, "wb") as requests:
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=requests,
        )
        try:
            for _ in range(200):  # the server takes a moment to listen
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.kill()
            server.wait(timeout=30)


def test_jsonl_over_a_real_http_server(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_bytes(JSONL)
    with http_server(tmp_path) as url:
        data = tn.data.jsonl(f"{url}/d.jsonl")
        assert data.features.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]] and data.class_names == ("cat", "dog")
        with fails(f"{url}/gone.jsonl: the server answers 404"):
            tn.data.jsonl(f"{url}/gone.jsonl")
        with fails(f"{url}/d.jsonl: the JSON Lines file is more than 10 bytes"):
            open_binary(f"{url}/d.jsonl", what="JSON Lines file", limit=10)
    with fails(f"{url}/d.jsonl: the download failed"):
        tn.data.jsonl(f"{url}/d.jsonl")


def test_csv_from_memory(memory: object) -> None:
    with fsspec.open("memory://bucket/d.csv", "wb") as file:
        file.write(CSV)
    data = tn.data.csv("memory://bucket/d.csv")
    assert data.features.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]] and data.class_names == ("cat", "dog")
    schema = tn.data.schema("csv", "memory://bucket/d.csv", label="y")
    assert schema.source == "memory://bucket/d.csv" and schema.examples == 3 and schema.classes == 2
    two = tn.data.csv("memory://bucket/d.csv", features={"p": ["a"], "q": ["b"]}, label={"kind": "y"})
    assert two.feature_names == ("p", "q") and two.target_names == ("kind",)
    with fsspec.open("memory://bucket/bad.csv", "wb") as file:
        file.write(CSV + b"7,x,dog\n" + b"1,1,cat\n" * 2000)
    with fails("memory://bucket/bad.csv:5:2: row 4, column 'b': expected a number, found 'x'"):
        tn.data.csv("memory://bucket/bad.csv")
    with fails("memory://bucket/gone.csv: no such file"):
        tn.data.csv("memory://bucket/gone.csv")


def test_csv_cache_is_refused_for_a_url(memory: object, tmp_path: Path) -> None:
    with fsspec.open("memory://bucket/d.csv", "wb") as file:
        file.write(CSV)
    for cache in (True, tmp_path / "cache"):
        with fails("memory://bucket/d.csv: cache= converts local files only", "hint: download the file"):
            tn.data.csv("memory://bucket/d.csv", cache=cache)
        with fails("memory://bucket/d.csv: cache= converts local files only"):
            tn.data.schema("csv", "memory://bucket/d.csv", cache=cache)
    assert not (tmp_path / "cache").exists()


def test_csv_over_a_real_http_server_is_downloaded_once(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "d.csv").write_bytes(CSV)
    (served / "bad.csv").write_bytes(CSV + b"7,8,\n")
    log = tmp_path / "requests.log"
    with http_server(served, log) as url:
        data = tn.data.csv(f"{url}/d.csv")
        assert data.features.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]] and data.class_names == ("cat", "dog")
        # The head, the rows (and the re-scan naming a bad row) read one downloaded copy.
        assert tn.data.schema("csv", f"{url}/d.csv").examples == 3
        with fails(f"{url}/bad.csv:5:3: row 4, column 'y': empty cell"):
            tn.data.csv(f"{url}/bad.csv")
        with fails(f"{url}/gone.csv: the server answers 404"):
            tn.data.csv(f"{url}/gone.csv")
    gets = [line for line in log.read_text().splitlines() if '"GET ' in line]
    assert len(gets) == 4, gets
    with fails(f"{url}/d.csv: the download failed"):
        tn.data.csv(f"{url}/d.csv")


SPEC = """\
model:
  input: [2]
  layers: [{dense: 2}]
data:
  source: {csv: {path: "URL/d.csv", label: y}}
train: {epochs: 1, batch_size: 2}
"""


def test_a_spec_names_a_csv_url(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "d.csv").write_bytes(CSV)
    with http_server(served) as url:
        spec = tmp_path / "spec.yaml"
        spec.write_text(SPEC.replace("URL", url))
        done = subprocess.run(
            [sys.executable, "-m", "typednn", "check", str(spec)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert f"{url}/d.csv" in done.stdout
        spec.write_text(SPEC.replace("URL", url).replace("d.csv", "gone.csv"))
        done = subprocess.run(
            [sys.executable, "-m", "typednn", "check", str(spec)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{url}/gone.csv: the server answers 404" in done.stderr.splitlines()[0]


def _write(url: str, data: bytes) -> None:
    with fsspec.open(url, "wb") as file:
        file.write(data)


def _saved(array: np.ndarray[Any, Any]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_npy_and_npz_from_memory(memory: object) -> None:
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    _write("memory://arrays/x.npy", _saved(x))
    _write("memory://arrays/y.npy", _saved(np.array([0, 1, 1])))
    data = tn.data.npy("memory://arrays/x.npy", "memory://arrays/y.npy")
    # Read into memory: a URL's file cannot be memory-mapped.
    assert type(data.features) is np.ndarray and data.features.tolist() == x.tolist() and data.classes == 2
    schema = tn.data.schema("npy", features="memory://arrays/x.npy", targets="memory://arrays/y.npy")
    assert schema.source == "memory://arrays/x.npy" and schema.examples == 3
    archive = io.BytesIO()
    np.savez(archive, x=x, y=np.array([0, 1, 1]))
    _write("memory://arrays/d.npz", archive.getvalue())
    assert tn.data.npz("memory://arrays/d.npz").features.tolist() == x.tolist()
    assert tn.data.schema("npz", "memory://arrays/d.npz").examples == 3
    with fails("memory://arrays/d.npz: no array 'z'"):
        tn.data.npz("memory://arrays/d.npz", features="z")
    # A header claiming more data than the file holds is refused before any allocation.
    _write("memory://arrays/cut.npy", _saved(np.zeros((1000, 1000), np.float32))[:4096])
    with fails("memory://arrays/cut.npy: not a NumPy .npy array", "truncated?"):
        tn.data.npy("memory://arrays/cut.npy", "memory://arrays/y.npy")
    with fails("memory://arrays/gone.npy: no such file"):
        tn.data.npy("memory://arrays/gone.npy", "memory://arrays/y.npy")
    with fails("memory://arrays/gone.npz: no such file"):
        tn.data.npz("memory://arrays/gone.npz")


def _png(value: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((4, 5), value, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_folders_from_memory(memory: object) -> None:
    _write("memory://pics/cat/1.png", _png(0))
    _write("memory://pics/cat/2.png", _png(255))
    _write("memory://pics/cat/notes.txt", b"not an image")
    _write("memory://pics/dog/1.png", _png(128))
    data = tn.data.images("memory://pics")
    assert data.features.shape == (3, 4, 5, 1) and data.targets.tolist() == [0, 0, 1]
    assert data.class_names == ("cat", "dog") and data.features[1].min() == 1.0
    schema = tn.data.schema("images", "memory://pics/", size=[2, 2])
    assert schema.examples == 3 and schema.classes == 2 and schema.source == "memory://pics/"
    _write("memory://pics/dog/2.png", b"\x89PNG garbage")
    with fails("memory://pics/dog/2.png: not a readable image"):
        tn.data.images("memory://pics")
    with fails("memory://nothing: no such folder"):
        tn.data.images("memory://nothing")
    _write("memory://flat/1.png", _png(0))
    with fails("memory://flat: no class folders"):
        tn.data.images("memory://flat")


def test_an_http_folder_cannot_be_listed(tmp_path: Path) -> None:
    with http_server(tmp_path) as url, fails(f"{url}/pics: an http(s):// folder cannot be listed", "hint: serve"):
        tn.data.images(f"{url}/pics")


HOSTILE = """
import http.server, sys, time
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/cut.csv":  # states 1000 bytes, sends 10, and closes
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"a,b,y\\n1,2,")
        elif self.path == "/away.csv":
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/d.csv")
            self.end_headers()
        else:  # a byte at a time, for a minute
            self.send_response(200)
            self.end_headers()
            for _ in range(300):
                self.wfile.write(b"1")
                self.wfile.flush()
                time.sleep(0.2)
        self.close_connection = True
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""
"""A server that cuts `/cut.csv` short, redirects `/away.csv` to ftp://, and drips anything else."""


@contextlib.contextmanager
def hostile_server() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", HOSTILE, str(port)])
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.kill()
        server.wait(timeout=30)


def test_http_failures_are_named_by_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from typednn import _http  # noqa: PLC0415 - the deadline is shortened for this test only

    monkeypatch.setattr(_http, "MIN_DEADLINE", 1.0)
    with hostile_server() as url:
        with fails(f"{url}/cut.csv: the download was cut: 10 of 1000 bytes", "hint: check the URL of the CSV"):
            tn.data.csv(f"{url}/cut.csv")
        with fails(f"{url}/cut.csv: the download was cut"):
            tn.data.jsonl(f"{url}/cut.csv")
        with fails(f"{url}/away.csv: redirected to 'ftp://127.0.0.1/d.csv', which is not http or https"):
            tn.data.csv(f"{url}/away.csv")
        started = time.monotonic()
        with fails(f"{url}/drip.csv: the download is too slow"):
            tn.data.csv(f"{url}/drip.csv")
        assert time.monotonic() - started < 10
    with fails("'http://[bad/d.csv': not a valid URL", "hint: name the URL as http(s)://host/path"):
        tn.data.csv("http://[bad/d.csv")
