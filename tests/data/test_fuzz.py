"""A fuzzer for data files: a valid small file of each source, mutated (bytes flipped,
cut, inserted), gives a Schema and a Dataset, or a TypednnError; never another exception.

Warnings are errors in tests, so a warning escaping a reader (a cast overflowing, a
decoder's complaint) fails here too.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import typednn as tn

pytestmark = pytest.mark.slow

# One mutation: flip a byte, cut the file, or insert bytes, at a place given as a fraction.
MUTATION = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.floats(0, 1), st.just(0)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    # Bytes that matter to the formats: separators, quotes, brackets, digits, NUL.
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from([b",", b'"', b"\n", b"[", b"{", b"9" * 40, b"\0"])),
)
MUTATIONS = st.lists(MUTATION, min_size=1, max_size=4)
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Each example builds a cache entry first: fewer of them.
CACHE_FUZZ = settings(FUZZ, max_examples=100)


def mutate(data: bytes, mutations: list[tuple[str, float, Any]]) -> bytes:
    """`data` after each mutation in turn."""
    out = bytearray(data)
    for kind, where, value in mutations:
        at = min(int(where * len(out)), max(len(out) - 1, 0))
        if kind == "flip" and out:
            out[at] ^= value
        elif kind == "cut":
            del out[at:]
        elif kind == "insert":
            out[at:at] = value
    return bytes(out)


def survives(*calls: Callable[[], object]) -> None:
    """Each call gives a result (a Dataset is consistent) or raises TypednnError; nothing else."""
    for call in calls:
        try:
            result = call()
        except tn.TypednnError as error:
            assert str(error).strip(), "an empty message"
            continue
        if isinstance(result, tn.data.Dataset):
            assert len(result.features) == len(result.targets)


def _npy(array: np.ndarray[Any, Any]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


CSV = b"a,b,c,label\n1.5,2,3,cat\n4,5.25,6,dog\n7,8,9e1,cat\n-1,0,1,bird\n"
JSONL = b'{"x": [[1, 2], [3, 4]], "y": 0}\n{"x": [[5, 6.5], [7, 8]], "y": 1}\n{"x": [[0, 0], [1, 1]], "y": 2}\n'
X = _npy(np.arange(12, dtype=np.float32).reshape(4, 3))
Y = _npy(np.array([0, 1, 1, 2]))


@FUZZ
@given(MUTATIONS)
def test_csv(mutations: list[tuple[str, float, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.csv"
        path.write_bytes(mutate(CSV, mutations))
        survives(
            lambda: tn.data.schema("csv", path),
            lambda: tn.data.csv(path),
            lambda: tn.data.csv(path, task="regress", label="a"),
            lambda: tn.data.csv(path, cache=Path(folder) / "cache"),
            lambda: tn.data.schema("csv", path, cache=Path(folder) / "cache"),
            lambda: tn.data.read_inputs(path),
        )


@FUZZ
@given(MUTATIONS)
def test_jsonl(mutations: list[tuple[str, float, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.jsonl"
        path.write_bytes(mutate(JSONL, mutations))
        survives(lambda: tn.data.schema("jsonl", path), lambda: tn.data.jsonl(path))


@FUZZ
@given(MUTATIONS, st.booleans())
def test_npy(mutations: list[tuple[str, float, Any]], features: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        x, y = Path(folder) / "x.npy", Path(folder) / "y.npy"
        x.write_bytes(mutate(X, mutations) if features else X)
        y.write_bytes(Y if features else mutate(Y, mutations))
        survives(
            lambda: tn.data.schema("npy", features=x, targets=y),
            lambda: tn.data.npy(x, y),
            lambda: tn.data.read_inputs(x),
        )


@FUZZ
@given(MUTATIONS, st.booleans())
def test_npz(mutations: list[tuple[str, float, Any]], compressed: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.npz"
        save = np.savez_compressed if compressed else np.savez
        save(path, x=np.arange(12, dtype=np.float64).reshape(4, 3), y=np.array(["a", "b", "b", "c"]))
        path.write_bytes(mutate(path.read_bytes(), mutations))
        survives(lambda: tn.data.schema("npz", path), lambda: tn.data.npz(path))


@FUZZ
@given(MUTATIONS, st.sampled_from(["png", "bmp", "gif", "jpeg", "tiff"]))
def test_images(mutations: list[tuple[str, float, Any]], kind: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for label, value in (("cat", 30), ("dog", 200)):
            (root / label).mkdir()
            Image.new("L", (6, 4), value).save(root / label / f"0.{kind}")
        target = root / "dog" / f"0.{kind}"
        target.write_bytes(mutate(target.read_bytes(), mutations))
        survives(
            lambda: tn.data.schema("images", root),
            lambda: tn.data.images(root),
            lambda: tn.data.images(root, size=[3, 3], channels=3),
        )


@CACHE_FUZZ
@given(MUTATIONS, st.sampled_from(["meta.json", "features.npy", "targets.npy"]))
def test_csv_cache_entries(mutations: list[tuple[str, float, Any]], name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path, cache = Path(folder) / "d.csv", Path(folder) / "cache"
        path.write_bytes(CSV)
        expected = tn.data.csv(path)
        tn.data.csv(path, cache=cache)
        (entry,) = cache.glob("csv-*")
        (entry / name).write_bytes(mutate((entry / name).read_bytes(), mutations))
        survives(lambda: tn.data.schema("csv", path, cache=cache))
        # A damaged entry is rebuilt; one still readable was not damaged where it matters.
        data = tn.data.csv(path, cache=cache)
        assert data.features.shape == expected.features.shape
        assert data.classes == expected.classes
