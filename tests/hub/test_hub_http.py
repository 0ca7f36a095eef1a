"""A registry served by a real HTTP server process on 127.0.0.1: pull, offline cache hit, tampering."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import typednn as tn
from tests.hub.conftest import files_under, predictions, serve


def weights_blob(registry: Path, export: Path) -> Path:
    import hashlib  # noqa: PLC0415

    digest = hashlib.sha256((export / "weights.safetensors").read_bytes()).hexdigest()
    return registry / "blobs" / "sha256" / digest


def test_pull_over_http_then_offline_from_the_cache(export: Path, tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    tn.hub.push(export, "tiny:v1", registry=registry, card=tn.hub.Card(metrics={"accuracy": 0.5}))
    with serve(registry) as url:
        assert tn.hub.list(url) == ["tiny:v1"]
        assert tn.hub.show("tiny:v1", registry=url, cache=cache).card.metrics == {"accuracy": 0.5}
        folder = tn.hub.pull("tiny:v1", registry=url, cache=cache)
        with pytest.raises(tn.TypednnError, match="no model tiny:v2 in the registry"):
            tn.hub.pull("tiny:v2", registry=url, cache=cache)
    # The server is gone: the cached model is used without contacting it.
    assert tn.hub.pull("tiny:v1", registry=url, cache=cache) == folder
    np.testing.assert_array_equal(predictions(folder), predictions(export))
    model, _ = tn.hub.load("tiny:v1", registry=url, cache=cache)
    assert repr(model) == "Model((4,) -> (3,))"
    with pytest.raises(tn.TypednnError, match="cannot reach the registry") as caught:
        tn.hub.pull("tiny:v1", registry=url, cache=tmp_path / "fresh")
    assert "works offline from the cache" in str(caught.value)
    assert not (tmp_path / "fresh").exists() or not files_under(tmp_path / "fresh")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: bytes([data[0] ^ 1]) + data[1:], "sha256 mismatch"),
        (lambda data: data[:-5], "truncated"),
        (lambda data: data + b"more", "larger than"),
    ],
    ids=["tampered", "truncated", "longer"],
)
def test_a_damaged_blob_on_the_server_is_refused_and_nothing_cached(
    export: Path, tmp_path: Path, damage: object, message: str
) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    tn.hub.push(export, "tiny:v1", registry=registry)
    blob = weights_blob(registry, export)
    assert callable(damage)
    blob.write_bytes(damage(blob.read_bytes()))
    with serve(registry) as url, pytest.raises(tn.TypednnError, match=message) as caught:
        tn.hub.pull("tiny:v1", registry=url, cache=cache)
    assert blob.name in str(caught.value) and "weights.safetensors" in str(caught.value)
    assert files_under(cache) == []  # no file, not even a temporary one
    assert not any(path.name.startswith(".") for path in cache.rglob("*"))


def test_an_http_registry_is_read_only(export: Path, tmp_path: Path) -> None:
    (tmp_path / "registry").mkdir()
    with serve(tmp_path / "registry") as url:
        with pytest.raises(tn.TypednnError, match=r"an http\(s\) registry is read-only"):
            tn.hub.push(export, "tiny:v1", registry=url)
        with pytest.raises(tn.TypednnError, match=r"index\.json: no such file; is this a typednn registry"):
            tn.hub.list(url)
    assert files_under(tmp_path / "registry") == []


@pytest.mark.parametrize(
    ("redirect", "message"),
    [
        ("file:///etc/passwd", "Redirection to url 'file:///etc/passwd' is not allowed"),  # urllib's own check
        ("ftp://127.0.0.1/x", "redirected to 'ftp://127.0.0.1/x', which is not http or https"),
        ("loop", "the server answers 302"),
    ],
)
def test_redirects_are_bounded(tmp_path: Path, redirect: str, message: str) -> None:
    with serve(tmp_path, redirect=redirect) as url, pytest.raises(tn.TypednnError) as caught:
        tn.hub.pull("tiny:v1", registry=url, cache=tmp_path / "cache")
    assert message in str(caught.value)
    assert not (tmp_path / "cache").exists() or files_under(tmp_path / "cache") == []
