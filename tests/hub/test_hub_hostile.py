"""Hostile registries and references: each refused by name, nothing written outside the cache or half-written in it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

import typednn as tn
from tests.hub.conftest import files_under, serve
from typednn.hub._manifest import MANIFEST_LIMIT


def blob(registry: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    path = registry / "blobs" / "sha256" / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return digest


def tag(registry: Path, digest: str, name: str = "evil", version: str = "v1") -> None:
    path = registry / "tags" / name / version
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"sha256:{digest}\n")


def entry(registry: Path, data: bytes) -> dict[str, Any]:
    return {"sha256": blob(registry, data), "size": len(data)}


def card(registry: Path) -> dict[str, Any]:
    document = {
        "format": "typednn-hub-card",
        "version": 1,
        "name": "evil",
        "tag": "v1",
        "typednn_version": "0.1.0",
        "created": "2026-01-01T00:00:00Z",
        "metrics": {},
        "data": "",
        "text": "",
        "spec": {},
    }
    return entry(registry, json.dumps(document).encode())


def manifest(registry: Path, files: dict[str, Any], /, **changes: Any) -> str:
    document = {"format": "typednn-hub-manifest", "version": 1, "name": "evil", "tag": "v1", "card": card(registry)}
    document["files"] = files
    document.update(changes)
    digest = blob(registry, json.dumps(document).encode())
    tag(registry, digest)
    return digest


def refused(registry: Path, cache: Path, *parts: str) -> str:
    """Pull evil:v1: a TypednnError holding `parts`, and no file at all left in the cache."""
    with pytest.raises(tn.TypednnError) as caught:
        tn.hub.pull("evil:v1", registry=registry, cache=cache)
    message = str(caught.value)
    for part in parts:
        assert part in message, message
    assert not cache.exists() or files_under(cache) == []
    return message


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../escaped", "holds a path separator"),
        ("/tmp/escaped-absolute", "holds a path separator (an absolute path)"),
        ("sub/file", "holds a path separator"),
        ("sub\\file", "holds a path separator"),
        ("..", "is not a file name"),
        (".hidden", "starts with '.' or '-'"),
        ("", "is not a file name"),
    ],
)
def test_a_manifest_naming_a_path_is_refused(tmp_path: Path, name: str, problem: str) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "work" / "cache"
    manifest(registry, {name: entry(registry, b"payload"), "spec.json": entry(registry, b"{}")})
    message = refused(registry, cache, f"the file name {name!r}", problem, "refusing to write outside")
    assert message.startswith(str(registry / "blobs" / "sha256"))
    assert not (tmp_path / "work" / "escaped").exists() and not Path("/tmp/escaped-absolute").exists()


def test_a_tampered_blob_is_refused(tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    weights = entry(registry, b"the real weights")
    (registry / "blobs" / "sha256" / weights["sha256"]).write_bytes(b"the evil weights")
    manifest(registry, {"weights.safetensors": weights})
    refused(registry, cache, "sha256 mismatch", "evil:v1: weights.safetensors", f"expected {weights['sha256']}")


def test_a_truncated_or_longer_blob_is_refused(tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    weights = entry(registry, b"0123456789")
    path = registry / "blobs" / "sha256" / weights["sha256"]
    manifest(registry, {"weights.safetensors": weights})
    path.write_bytes(b"01234")
    refused(registry, cache, "truncated (evil:v1: weights.safetensors): 5 bytes of the 10")
    path.write_bytes(b"0123456789 and more")
    refused(registry, cache, "larger than the 10 bytes expected; stopped reading")


def test_a_tampered_manifest_or_card_is_refused(tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    digest = manifest(registry, {"spec.json": entry(registry, b"{}")})
    path = registry / "blobs" / "sha256" / digest
    document = json.loads(path.read_text())
    card_path = registry / "blobs" / "sha256" / document["card"]["sha256"]
    original = card_path.read_bytes()
    card_path.write_bytes(original.replace(b'"created": "2026', b'"created": "2027'))
    refused(registry, cache, "sha256 mismatch in the model card of evil:v1")
    card_path.write_bytes(original + b" ")
    refused(registry, cache, "larger than the", "(the model card of evil:v1)")
    card_path.write_bytes(original)
    path.write_bytes(path.read_bytes().replace(b"spec.json", b"spec.jsox"))
    refused(registry, cache, "sha256 mismatch in the manifest of evil:v1")


def test_a_manifest_past_its_bound_is_refused(tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    big = b'{"format": "typednn-hub-manifest", "pad": "' + b"x" * MANIFEST_LIMIT + b'"}'
    tag(registry, blob(registry, big))
    refused(registry, cache, "larger than the 1.0 MiB expected; stopped reading")
    # Over HTTP too, where the server states the size first.
    with serve(registry) as url, pytest.raises(tn.TypednnError, match=r"larger than the 1\.0 MiB expected"):
        tn.hub.pull("evil:v1", registry=url, cache=cache)
    assert not cache.exists() or files_under(cache) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "other"}, "the manifest is for 'other':'v1', not evil:v1"),
        ({"version": 2}, "manifest version 2; this typednn reads version 1"),
        ({"format": "zip"}, "not a typednn hub manifest"),
        ({"extra": 1}, "unknown key 'extra'"),
        ({"files": {}}, '"files" must be an object naming at least one file'),
        ({"files": {"a": {"sha256": "ab", "size": 1}}}, '"sha256" must be 64 lowercase hex digits'),
        ({"files": {"a": {"sha256": "a" * 64, "size": -1}}}, '"size" must be a whole number'),
        ({"files": {"a": {"sha256": "a" * 64, "size": True}}}, '"size" must be a whole number'),
        ({"files": {"a": {"sha256": "a" * 64, "size": 10**20}}}, '"size" must be a whole number'),
        ({"files": {f"f{i}": {"sha256": "a" * 64, "size": 1} for i in range(65)}}, "65 files, more than 64"),
    ],
)
def test_a_malformed_manifest_is_refused(tmp_path: Path, changes: dict[str, Any], message: str) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    manifest(registry, {"spec.json": entry(registry, b"{}")}, **changes)
    refused(registry, cache, message)


def test_a_bad_tag_file_or_duplicate_keys_are_refused(tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    (registry / "tags" / "evil").mkdir(parents=True)
    (registry / "tags" / "evil" / "v1").write_text("sha256:../../etc/passwd\n")
    refused(registry, cache, "expected one line 'sha256:<64 hex digits>'")
    duplicated = b'{"format": "typednn-hub-manifest", "format": "typednn-hub-manifest"}'
    tag(registry, blob(registry, duplicated))
    refused(registry, cache, "the key 'format' appears twice")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tiny", "no ':TAG'"),
        ("tiny:", "the TAG '' is empty"),
        (":v1", "the NAME '' is empty"),
        ("../up:v1", "holds '/'"),
        ("a/b:v1", "holds '/'"),
        ("tiny:v1/../../x", "holds '/'"),
        ("tiny:v 1", "holds ' '"),
        ("tïny:v1", "holds 'ï'"),
        (".hidden:v1", "starts with '.'"),
        ("-rf:v1", "starts with '-'"),
        ("tiny:a:b", "holds ':'"),
        ("x" * 200 + ":v1", "200 characters long, more than 128"),
    ],
)
def test_a_bad_reference_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(tn.TypednnError, match="model reference") as caught:
        tn.hub.pull(text, registry=tmp_path / "registry", cache=tmp_path / "cache")
    assert message in str(caught.value)
    assert "hint: name a model NAME:TAG" in str(caught.value)
    assert list(tmp_path.iterdir()) == [] or not any(tmp_path.rglob("*"))


def test_stray_names_in_a_registry_are_not_listed(export: Path, tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    tn.hub.push(export, "tiny:v1", registry=registry)
    (registry / "tags" / "tiny" / ".v2.1234.tmp").write_text("half")
    (registry / "tags" / ".hidden").mkdir()
    assert tn.hub.list(registry) == ["tiny:v1"]
