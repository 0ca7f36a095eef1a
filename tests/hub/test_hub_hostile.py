"""Hostile registries and references: each refused by name, nothing written outside the cache or half-written in it."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import typednn as tn
from tests.hub.conftest import files_under, free_port, serve
from typednn.hub import _cache, _http, _manifest
from typednn.hub._manifest import MANIFEST_LIMIT
from typednn.hub._registry import LocalStore


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
    manifest(registry, {"spec.json": entry(registry, b"{}"), "weights.safetensors": weights})
    refused(registry, cache, "sha256 mismatch", "evil:v1: weights.safetensors", f"expected {weights['sha256']}")


def test_a_truncated_or_longer_blob_is_refused(tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    weights = entry(registry, b"0123456789")
    path = registry / "blobs" / "sha256" / weights["sha256"]
    manifest(registry, {"spec.json": entry(registry, b"{}"), "weights.safetensors": weights})
    path.write_bytes(b"01234")
    refused(registry, cache, "truncated (evil:v1: weights.safetensors): 5 bytes of the 10")
    path.write_bytes(b"0123456789 and more")
    refused(registry, cache, "larger than the 10 bytes expected; stopped reading")


def test_a_tampered_manifest_or_card_is_refused(tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    digest = manifest(registry, {"spec.json": entry(registry, b"{}"), "weights.safetensors": entry(registry, b"w")})
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


# -- the registry's folder, the cache, the network ---------------------


def test_a_folder_of_the_users_own_files_is_never_pushed_into_or_listed(export: Path, tmp_path: Path) -> None:
    folder = tmp_path / "project"
    (folder / "tags" / "notes").mkdir(parents=True)
    (folder / "index.json").write_text('{"my": "own data"}')
    (folder / "tags" / "notes" / "v1").write_text("my notes\n")
    with pytest.raises(tn.TypednnError, match=r"holds files .* but no typednn-registry\.json.*\n  hint: name a new"):
        tn.hub.push(export, "tiny:v1", registry=folder)
    with pytest.raises(tn.TypednnError, match=r"is not a typednn registry"):
        tn.hub.list(folder)
    assert (folder / "index.json").read_text() == '{"my": "own data"}'
    assert files_under(folder) == ["index.json", "tags/notes/v1"]
    registry = tmp_path / "registry"
    tn.hub.push(export, "tiny:v1", registry=registry)
    assert (registry / "typednn-registry.json").is_file()
    tn.hub.push(export, "tiny:v2", registry=registry)  # a marked registry takes further pushes
    assert tn.hub.list(registry) == ["tiny:v1", "tiny:v2"]


def test_a_registry_pushed_before_the_marker_is_still_accepted(export: Path, tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    tn.hub.push(export, "tiny:v1", registry=registry)
    (registry / "typednn-registry.json").unlink()
    assert tn.hub.list(registry) == ["tiny:v1"]
    tn.hub.push(export, "tiny:v2", registry=registry)
    assert (registry / "typednn-registry.json").is_file()


def test_a_registry_that_is_a_file_is_refused(export: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("mine")
    with pytest.raises(tn.TypednnError, match=r"registry .*file: cannot write .*file"):
        tn.hub.push(export, "tiny:v1", registry=tmp_path / "file")
    assert (tmp_path / "file").read_text() == "mine"


def test_a_symbolic_link_inside_a_registry_is_never_written_through(export: Path, tmp_path: Path) -> None:
    registry, elsewhere = tmp_path / "registry", tmp_path / "elsewhere"
    tn.hub.push(export, "tiny:v1", registry=registry)
    elsewhere.mkdir()
    (registry / "tags" / "evil").symlink_to(elsewhere)
    with pytest.raises(tn.TypednnError, match=r"tags/evil is a symbolic link; typednn never writes through one"):
        tn.hub.push(export, "evil:v1", registry=registry)
    assert list(elsewhere.iterdir()) == []


def test_push_repairs_a_damaged_blob(export: Path, tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    tn.hub.push(export, "tiny:v1", registry=registry)
    weights = (export / "weights.safetensors").read_bytes()
    blob_path = registry / "blobs" / "sha256" / hashlib.sha256(weights).hexdigest()
    blob_path.write_bytes(weights[:-10])
    tn.hub.push(export, "tiny:v2", registry=registry)
    assert blob_path.read_bytes() == weights
    blob_path.write_bytes(b"x" * len(weights))  # the right size, the wrong content
    tn.hub.push(export, "tiny:v3", registry=registry)
    assert blob_path.read_bytes() == weights


def test_a_file_changed_while_pushed_is_never_stored(export: Path, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "registry")
    store.prepare()
    digest = hashlib.sha256(b"what was hashed").hexdigest()
    (tmp_path / "file").write_bytes(b"what is there now")
    with pytest.raises(tn.TypednnError, match=r"file: changed while it was pushed"):
        store.write(f"blobs/sha256/{digest}", tmp_path / "file", sha256=digest)
    assert files_under(tmp_path / "registry") == ["typednn-registry.json"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"spec.json": b"{}", "weights.safetensors": b"w", "run.sh": b"echo hi"}, "it also lists 'run.sh'"),
        ({"spec.json": b"{}"}, "it lacks weights.safetensors"),
    ],
)
def test_a_manifest_must_list_exactly_the_exports_files(tmp_path: Path, files: dict[str, bytes], message: str) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    manifest(registry, {name: entry(registry, data) for name, data in files.items()})
    refused(registry, cache, '"files" must list exactly the files of a typednn export', message)


def test_a_manifest_past_the_total_size_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_manifest, "TOTAL_LIMIT", 10)
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    manifest(registry, {"spec.json": entry(registry, b"{}" * 3), "weights.safetensors": entry(registry, b"w" * 5)})
    refused(registry, cache, '"files" add up to 11 bytes, more than the 10 bytes accepted')


def test_the_cache_refuses_a_file_or_a_foreign_folder_in_the_way(export: Path, tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    tn.hub.push(export, "tiny:v1", registry=registry)
    (tmp_path / "cache-file").write_text("mine")
    with pytest.raises(tn.TypednnError, match=r"cache .*cache-file: a file, where a folder belongs"):
        tn.hub.pull("tiny:v1", registry=registry, cache=tmp_path / "cache-file")
    cache = tmp_path / "cache"
    folder = tn.hub.pull("tiny:v1", registry=registry, cache=cache).parent
    shutil.rmtree(folder)
    folder.mkdir()
    (folder / "mine.txt").write_text("mine")
    with pytest.raises(tn.TypednnError, match=r"is in the way of the pull, and is not a model typednn pulled"):
        tn.hub.pull("tiny:v1", registry=registry, cache=cache)
    assert (folder / "mine.txt").read_text() == "mine"


def test_an_incomplete_pull_in_the_cache_is_replaced(export: Path, tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    tn.hub.push(export, "tiny:v1", registry=registry)
    folder = tn.hub.pull("tiny:v1", registry=registry, cache=cache).parent
    (folder / "card.json").unlink()  # a pull's folder, damaged: it holds manifest.json
    assert tn.hub.pull("tiny:v1", registry=registry, cache=cache) == folder / "model"
    assert (folder / "card.json").is_file()


def test_a_full_disk_in_the_cache_is_refused_by_name(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    tn.hub.push(export, "tiny:v1", registry=registry)

    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(_cache, "write_synced", full)
    with pytest.raises(tn.TypednnError, match=r"tiny:v1: cannot write the cache at .*: No space left on device"):
        tn.hub.pull("tiny:v1", registry=registry, cache=cache)
    assert files_under(cache) == []


def test_stale_staging_folders_of_a_killed_pull_are_removed(export: Path, tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    tn.hub.push(export, "tiny:v1", registry=registry)
    folder = tn.hub.pull("tiny:v1", registry=registry, cache=cache).parent
    shutil.rmtree(folder)
    stale, fresh, other = (folder.with_name(name) for name in (".v1.0123abcd.tmp", ".v1.89abcdef.tmp", ".v1.mine.tmp"))
    for path in (stale, fresh, other):
        (path / "model").mkdir(parents=True)
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    tn.hub.pull("tiny:v1", registry=registry, cache=cache)
    assert not stale.exists() and fresh.exists() and other.exists()


def test_a_malformed_http_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(tn.TypednnError, match=r"registry 'http://\[bad': not a valid URL"):
        tn.hub.pull("tiny:v1", registry="http://[bad/", cache=tmp_path / "cache")


DRIPPING = """
import http.server, sys, time
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        for _ in range(600):
            self.wfile.write(b"s")
            self.wfile.flush()
            time.sleep(0.2)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    """Wait until the server on `port` accepts connections."""
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the HTTP server on port {port} did not start") from None
            time.sleep(0.05)


def test_a_server_dripping_bytes_is_given_up_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_http, "MIN_DEADLINE", 1.5)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", DRIPPING, str(port)])
    try:
        wait_for(port, server)
        started = time.monotonic()
        with pytest.raises(tn.TypednnError, match=r"tags/tiny/v1: the download is too slow"):
            tn.hub.show("tiny:v1", registry=f"http://127.0.0.1:{port}", cache=tmp_path / "cache")
        assert time.monotonic() - started < 10
    finally:
        server.kill()
        server.wait(timeout=30)
