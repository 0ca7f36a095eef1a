"""Sources read from `s3://` URLs, served by a real S3-compatible server (moto) on 127.0.0.1.

s3fs finds the server through `AWS_ENDPOINT_URL`, as any botocore client does; objects
are uploaded with boto3, a different client from the one under test.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import typednn as tn
from tests.conftest import fails

boto3 = pytest.importorskip("boto3")
s3fs = pytest.importorskip("s3fs")

CSV = b"a,b,y\n1,2,cat\n3,4,dog\n5,6,cat\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """A `moto.server` process on 127.0.0.1: its endpoint, and the environment that points botocore there."""

    def __init__(self) -> None:
        port = _free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:  # the server takes a moment to listen
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"moto's server on port {port} did not start") from None
                time.sleep(0.05)
        self.env = {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            # One try, not botocore's default retries: a server gone fails at once.
            "AWS_MAX_ATTEMPTS": "1",
        }

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    started = Server()
    try:
        yield started
    finally:
        started.stop()


def _point_at(server: Server, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Point botocore (and so s3fs) at `server`; a boto3 client of it."""
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    # s3fs keeps its filesystems (and their listings) per process: one made for another server is dropped.
    s3fs.S3FileSystem.clear_instance_cache()
    return boto3.client("s3")


@pytest.fixture
def bucket(server: Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """A new bucket on the module's server: `(boto3 client, bucket name)`."""
    client = _point_at(server, monkeypatch)
    name = f"typednn-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    yield client, name
    s3fs.S3FileSystem.clear_instance_cache()


def _parquet() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"a": [1.0, 2.0, 3.0], "y": ["b", "a", "b"]}), buffer)
    return buffer.getvalue()


def _npy(array: np.ndarray[Any, Any]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_csv_parquet_and_npy_from_s3(bucket: tuple[Any, str]) -> None:
    client, name = bucket
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    for key, body in {
        "d.csv": CSV,
        "d.parquet": _parquet(),
        "x.npy": _npy(x),
        "y.npy": _npy(np.array([0, 1, 1])),
    }.items():
        client.put_object(Bucket=name, Key=key, Body=body)
    data = tn.data.csv(f"s3://{name}/d.csv")
    assert data.features.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]] and data.class_names == ("cat", "dog")
    assert tn.data.schema("csv", f"s3://{name}/d.csv", label="y").examples == 3
    table = tn.data.parquet(f"s3://{name}/d.parquet")
    assert table.features.tolist() == [[1.0], [2.0], [3.0]] and table.class_names == ("a", "b")
    arrays = tn.data.npy(f"s3://{name}/x.npy", f"s3://{name}/y.npy")
    assert arrays.features.tolist() == x.tolist() and arrays.classes == 2


def test_missing_objects_and_buckets_are_named(bucket: tuple[Any, str]) -> None:
    client, name = bucket
    client.put_object(Bucket=name, Key="y.npy", Body=_npy(np.array([0, 1])))
    with fails(f"s3://{name}/gone.csv: no such file", "hint: check the URL of the CSV file"):
        tn.data.csv(f"s3://{name}/gone.csv")
    with fails(f"s3://{name}/gone.parquet: no such file"):
        tn.data.parquet(f"s3://{name}/gone.parquet")
    with fails(f"s3://{name}/gone.npy: no such file"):
        tn.data.npy(f"s3://{name}/gone.npy", f"s3://{name}/y.npy")
    with fails(f"s3://{name}-none/d.csv: no such file"):
        tn.data.csv(f"s3://{name}-none/d.csv")
    with fails(f"s3://{name}-none/d.parquet: no such file"):
        tn.data.parquet(f"s3://{name}-none/d.parquet")


def test_truncated_objects_are_named(bucket: tuple[Any, str]) -> None:
    client, name = bucket
    whole = _parquet()
    client.put_object(Bucket=name, Key="cut.parquet", Body=whole[: len(whole) // 2])
    array = _npy(np.zeros((100, 100), np.float32))
    client.put_object(Bucket=name, Key="cut.npy", Body=array[: len(array) // 2])
    client.put_object(Bucket=name, Key="y.npy", Body=_npy(np.zeros(100, np.int64)))
    with fails(f"s3://{name}/cut.parquet: cannot read it as Parquet", "magic bytes not found"):
        tn.data.parquet(f"s3://{name}/cut.parquet")
    with fails(f"s3://{name}/cut.npy: not a NumPy .npy array", "truncated?"):
        tn.data.npy(f"s3://{name}/cut.npy", f"s3://{name}/y.npy")


def test_a_server_gone_is_named_in_bounded_time(monkeypatch: pytest.MonkeyPatch) -> None:
    own = Server()  # not the module's: this one is killed
    try:
        client = _point_at(own, monkeypatch)
        client.create_bucket(Bucket="gone")
        client.put_object(Bucket="gone", Key="d.csv", Body=CSV)
        client.put_object(Bucket="gone", Key="d.parquet", Body=_parquet())
    finally:
        own.stop()
    s3fs.S3FileSystem.clear_instance_cache()
    started = time.monotonic()
    with fails("s3://gone/d.csv: cannot be read: ", "Could not connect to the endpoint URL"):
        tn.data.csv("s3://gone/d.csv")
    with fails("s3://gone/d.parquet: cannot be read: ", "Could not connect to the endpoint URL"):
        tn.data.parquet("s3://gone/d.parquet")
    with fails("s3://gone/x.npy: cannot be read: "):
        tn.data.npy("s3://gone/x.npy", "s3://gone/y.npy")
    assert time.monotonic() - started < 30


SPEC = """\
model:
  input: [2]
  layers: [{dense: 2}]
data:
  source: {csv: {path: "s3://BUCKET/d.csv", label: y}}
train: {epochs: 1, batch_size: 2}
"""


def _check(spec: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(spec)],
        cwd=spec.parent,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_a_spec_names_an_s3_url(server: Server, bucket: tuple[Any, str], tmp_path: Path) -> None:
    client, name = bucket
    client.put_object(Bucket=name, Key="d.csv", Body=CSV)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.replace("BUCKET", name))
    done = _check(spec, server.env)
    assert done.returncode == 0, done.stderr
    assert f"s3://{name}/d.csv" in done.stdout
    spec.write_text(SPEC.replace("BUCKET", name).replace("d.csv", "gone.csv"))
    done = _check(spec, server.env)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"s3://{name}/gone.csv: no such file" in done.stderr.splitlines()[0]
