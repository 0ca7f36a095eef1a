"""The registry in a local folder (and an fsspec URL): push, pull, load, list, show, tags kept."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest

import typednn as tn
from tests.hub.conftest import files_under, predictions, save_tiny


def test_push_pull_load_gives_the_same_predictions(export: Path, tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    pushed = tn.hub.push(export, "tiny:v1", registry=registry, card=tn.hub.Card(metrics={"accuracy": 0.5}))
    assert pushed.changed and pushed.manifest.startswith("sha256:")
    assert str(pushed.reference) == "tiny:v1"
    folder = tn.hub.pull("tiny:v1", registry=registry, cache=cache)
    assert folder.is_relative_to(cache)
    assert sorted(path.name for path in folder.iterdir()) == ["spec.json", "weights.safetensors"]
    np.testing.assert_array_equal(predictions(folder), predictions(export))
    model, params = tn.hub.load("tiny:v1", registry=registry, cache=cache)
    assert repr(model) == "Model((4,) -> (3,))"
    assert set(params) == set(tn.load(export)[1])


def test_files_are_stored_by_content_and_the_tag_names_the_manifest(export: Path, tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    pushed = tn.hub.push(export, "tiny:v1", registry=registry)
    for blob in (registry / "blobs" / "sha256").iterdir():
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name
    assert (registry / "tags" / "tiny" / "v1").read_text() == pushed.manifest + "\n"
    manifest = json.loads((registry / "blobs" / "sha256" / pushed.manifest.removeprefix("sha256:")).read_text())
    weights = (export / "weights.safetensors").read_bytes()
    assert manifest["files"]["weights.safetensors"] == {
        "sha256": hashlib.sha256(weights).hexdigest(),
        "size": len(weights),
    }
    assert set(manifest) == {"format", "version", "name", "tag", "card", "files"}
    assert json.loads((registry / "index.json").read_text())["models"] == {"tiny": ["v1"]}


def test_list_and_show(export: Path, tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    card = tn.hub.Card(metrics={"accuracy": 0.75, "loss": 0.5}, data="four numbers", text="A tiny model.")
    tn.hub.push(export, "tiny:v1", registry=registry, card=card)
    tn.hub.push(save_tiny(tmp_path / "other", seed=1), "tiny:v2", registry=registry)
    tn.hub.push(export, "another:latest", registry=registry)
    assert tn.hub.list(registry) == ["another:latest", "tiny:v1", "tiny:v2"]
    shown = tn.hub.show("tiny:v1", registry=registry, cache=tmp_path / "cache")
    assert shown.card == card
    assert shown.spec == json.loads((export / "spec.json").read_text())
    assert shown.typednn_version and shown.created.endswith("Z")
    text = str(shown)
    assert text.startswith("tiny:v1\n") and "accuracy: 0.75" in text and "data: four numbers" in text
    assert "A tiny model." in text


def test_pushing_the_same_model_again_changes_nothing(export: Path, tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    card = tn.hub.Card(metrics={"accuracy": 0.5}, text="same")
    first = tn.hub.push(export, "tiny:v1", registry=registry, card=card)
    before = {name: (registry / name).stat().st_mtime_ns for name in files_under(registry)}
    again = tn.hub.push(export, "tiny:v1", registry=registry, card=card)
    assert not again.changed and again.manifest == first.manifest
    assert {name: (registry / name).stat().st_mtime_ns for name in files_under(registry)} == before


def test_a_tag_is_never_moved_silently(export: Path, tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    tn.hub.push(export, "tiny:v1", registry=registry)
    other = save_tiny(tmp_path / "other", seed=1)
    with pytest.raises(tn.TypednnError, match=r"tiny:v1 already names a different model \(its files differ\)") as e:
        tn.hub.push(other, "tiny:v1", registry=registry)
    assert "force=True (`--force`)" in str(e.value)
    with pytest.raises(tn.TypednnError, match="its model card differ"):
        tn.hub.push(export, "tiny:v1", registry=registry, card=tn.hub.Card(text="new words"))
    kept = tn.hub.pull("tiny:v1", registry=registry, cache=cache)
    np.testing.assert_array_equal(predictions(kept), predictions(export))
    moved = tn.hub.push(other, "tiny:v1", registry=registry, force=True)
    assert moved.changed
    fresh = tn.hub.pull("tiny:v1", registry=registry, cache=tmp_path / "cache2")
    np.testing.assert_array_equal(predictions(fresh), predictions(other))


def test_a_cache_hit_never_reads_the_registry(export: Path, tmp_path: Path) -> None:
    registry, cache = tmp_path / "registry", tmp_path / "cache"
    tn.hub.push(export, "tiny:v1", registry=registry, card=tn.hub.Card(data="d"))
    folder = tn.hub.pull("tiny:v1", registry=registry, cache=cache)
    shutil.rmtree(registry)
    assert tn.hub.pull("tiny:v1", registry=registry, cache=cache) == folder
    assert tn.hub.show("tiny:v1", registry=registry, cache=cache).card.data == "d"
    with pytest.raises(tn.TypednnError, match="no such folder"):
        tn.hub.pull("tiny:v1", registry=registry, cache=tmp_path / "elsewhere")


def test_the_default_registry_and_cache_come_from_the_environment(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(tn.TypednnError, match="no model registry named") as caught:
        tn.hub.list()
    assert "TYPEDNN_HUB" in str(caught.value)
    monkeypatch.setenv("TYPEDNN_HUB", str(tmp_path / "registry"))
    monkeypatch.setenv("TYPEDNN_CACHE", str(tmp_path / "mine"))
    tn.hub.push(export, "tiny:v1")
    assert tn.hub.list() == ["tiny:v1"]
    assert tn.hub.pull("tiny:v1").is_relative_to(tmp_path / "mine" / "hub")


def test_unknown_model_and_bad_export_are_refused(export: Path, tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    tn.hub.push(export, "tiny:v1", registry=registry)
    with pytest.raises(tn.TypednnError, match="no model tiny:v9 in the registry"):
        tn.hub.pull("tiny:v9", registry=registry, cache=tmp_path / "cache")
    (tmp_path / "empty").mkdir()
    with pytest.raises(tn.TypednnError, match=r"spec\.json"):
        tn.hub.push(tmp_path / "empty", "tiny:v2", registry=registry)
    assert tn.hub.list(registry) == ["tiny:v1"]


def test_an_fsspec_registry(export: Path, tmp_path: Path) -> None:
    url = f"memory://hub-test-{uuid.uuid4().hex}"
    tn.hub.push(export, "tiny:v1", registry=url, card=tn.hub.Card(data="memory"))
    assert tn.hub.push(export, "tiny:v1", registry=url, card=tn.hub.Card(data="memory")).changed is False
    assert tn.hub.list(url) == ["tiny:v1"]
    folder = tn.hub.pull("tiny:v1", registry=url, cache=tmp_path / "cache")
    np.testing.assert_array_equal(predictions(folder), predictions(export))
    assert tn.hub.show("tiny:v1", registry=url, cache=tmp_path / "other").card.data == "memory"


def test_file_urls_are_folders(export: Path, tmp_path: Path) -> None:
    tn.hub.push(export, "tiny:v1", registry=f"file://{tmp_path / 'registry'}")
    assert tn.hub.list(tmp_path / "registry") == ["tiny:v1"]


def test_a_missing_filesystem_package_is_named(tmp_path: Path) -> None:
    pytest.importorskip("fsspec")
    if importlib.util.find_spec("s3fs") is None:
        with pytest.raises(tn.TypednnError, match="its filesystem is not installed: Install s3fs"):
            tn.hub.list("s3://bucket/models")
    with pytest.raises(tn.TypednnError, match="Protocol not known: nope"):
        tn.hub.list("nope://bucket/models")
