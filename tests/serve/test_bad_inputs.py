"""Bad requests get a 4xx in typednn's words, and the server logs nothing as an internal error."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import typednn as tn

from .conftest import Server, clean, serving

JSON = {"Content-Type": "application/json"}
NPY = {"Content-Type": "application/x-npy"}


def npy(array: np.ndarray[Any, Any], *, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


# (what, body, headers, status, words the error holds); the one-input model's input is named "x".
ONE_INPUT: list[tuple[str, bytes, dict[str, str], int, str]] = [
    ("wrong shape", b'{"inputs": {"x": [[1, 2, 3]]}}', JSON, 422,
     "POST /v1/predict expects features of shape (4,) (the model's input), but receives data whose features have"
     " shape (3,)"),
    ("one example, not a batch", b'{"inputs": {"x": [1, 2, 3, 4]}}', JSON, 422, "expects features of shape (4,)"),
    ("a single number", b'{"inputs": {"x": 7}}', JSON, 422, "receives a single number"),
    ("strings", b'{"inputs": {"x": [["a", "b", "c", "d"]]}}', JSON, 422,
     "request body: inputs holds text; expected a nested list of float32 numbers of shape (batch, 4)"),
    ("booleans", b'{"inputs": {"x": [[true, false, true, true]]}}', JSON, 422, "holds true/false values"),
    ("nulls", b'{"inputs": {"x": [[1, null, 2, 3]]}}', JSON, 422, "holds null"),
    ("ragged", b'{"inputs": {"x": [[1, 2, 3, 4], [1, 2]]}}', JSON, 422, "its lists differ in length"),
    ("NaN", b'{"inputs": {"x": [[1, 2, 3, 4], [1, NaN, 3, 4]]}}', JSON, 422,
     "inputs row 1, position 1: nan is not a finite number"),
    ("infinity", b'{"inputs": {"x": [[1, 2, 3, -Infinity]]}}', JSON, 422,
     "row 0, position 3: -inf is not a finite"),
    ("beyond float32", b'{"inputs": {"x": [[1e39, 2, 3, 4]]}}', JSON, 422, "inf is not a finite number"),
    ("missing input", b'{"inputs": {}}', JSON, 422,
     "Model((4,) -> (3,)) takes arrays for the inputs 'x', but the dict has no keys"),
    ("extra input", b'{"inputs": {"x": [[1, 2, 3, 4]], "other": [[1]]}}', JSON, 422,
     "but the dict has 'x', 'other'"),
    ("empty batch", b'{"inputs": {"x": []}}', JSON, 422, "POST /v1/predict: the request holds no examples"),
    ("another key", b'{"rows": [[1, 2, 3, 4]]}', JSON, 422,
     'request body: expected an object with one key, "inputs" (or "instances"), found the keys \'rows\''),
    ("a list", b"[[1, 2, 3, 4]]", JSON, 422, "found list"),
    ("inputs not an object", b'{"inputs": [[1, 2, 3, 4]]}', JSON, 422, '"inputs" must be an object keyed by input'),
    ("not JSON", b'{"inputs": {"x": [[1, 2', JSON, 400, "request body: not JSON: Expecting"),
    ("not UTF-8", b"\xff\xfe{", JSON, 400, "request body: not JSON"),
    ("form data", b"input=1", {"Content-Type": "application/x-www-form-urlencoded"}, 415,
     "request body: media type 'application/x-www-form-urlencoded' is not one the server reads"),
    ("CSV without transforms", b"a,b,c,d\n1,2,3,4\n", {"Content-Type": "text/csv"}, 415,
     "CSV rows go through the column transforms saved with a model, and this one has none"),
    ("npy of objects (pickle)", npy(np.array([[{"a": 1}] * 4], dtype=object), allow_pickle=True), NPY, 422,
     "request body holds Python objects (dtype object); loading them would run code from the file"),
    ("npy of booleans", npy(np.ones((2, 4), dtype=bool)), NPY, 422, "the .npy array holds true/false values"),
    ("npy of the wrong shape", npy(np.ones((2, 5), dtype=np.float32)), NPY, 422, "expects features of shape (4,)"),
    ("npy truncated", npy(np.ones((2, 4), dtype=np.float32))[:-3], NPY, 422, "not a NumPy .npy array"),
    ("not npy", b"hello", NPY, 422, "request body: not a NumPy .npy array"),
]  # fmt: skip

TWO_INPUTS: list[tuple[str, bytes, dict[str, str], int, str]] = [
    ("token id out of the vocab", b'{"inputs": {"image": [[[[0, 0], [0, 0], [0, 0]], [[0, 0], [0, 0], [0, 0]],'
     b' [[0, 0], [0, 0], [0, 0]]]], "ids": [[1, 2, 25, 3, 4]]}}', JSON, 422,
     "input 'ids' row 0, position 2: token id 25 is not in [0, 20), the vocab of embedding"),
    ("floats for token ids", b'{"inputs": {"image": [], "ids": [[1.5, 2, 3, 4, 5]]}}', JSON, 422,
     "request body: input 'ids' holds numbers that are not whole; token ids are a nested list of int32 numbers"),
    ("inputs of different lengths", b'{"inputs": {"image": [], "ids": [[1, 2, 3, 4, 5]]}}', JSON, 422,
     "POST /v1/predict: the inputs differ in length: image 0, ids 1"),
    ("instances for two inputs", b'{"instances": [[1]]}', JSON, 422,
     '"instances" are the examples of a model with one input, but this one has 2 (image, ids)'),
    ("npy for two inputs", npy(np.ones((1, 5), dtype=np.float32)), NPY, 415,
     "one .npy array is the inputs of a model with one input, but this one has 2 (image, ids)"),
    ("over the body limit", b'{"inputs": {"ids": [' + b"[1, 2, 3, 4, 5], " * 300 + b"[1, 2, 3, 4, 5]]}}", JSON, 413,
     "request body: over the server's limit of 2000 bytes (--max-body-bytes)"),
]  # fmt: skip


def check(server: Server, cases: list[tuple[str, bytes, dict[str, str], int, str]]) -> None:
    with httpx.Client(timeout=60) as client:
        for what, body, headers, status, words in cases:
            response = client.post(f"{server.url}/v1/predict", content=body, headers=headers)
            assert response.status_code == status, (what, response.text)
            found = response.json()
            assert set(found) == {"error", "hint"}, (what, found)
            assert words in found["error"], (what, found["error"])
            assert found["hint"], what


@pytest.mark.slow
def test_a_table_of_bad_inputs_gets_4xx_in_typednns_words(mlp_server: Server) -> None:
    check(mlp_server, ONE_INPUT)
    metrics = httpx.get(f"{mlp_server.url}/metrics", timeout=60).text
    assert 'typednn_serve_errors_total{status="422"}' in metrics
    assert 'typednn_serve_errors_total{status="415"}' in metrics
    clean(mlp_server.log())


def chunks(body: bytes) -> Iterator[bytes]:
    """A body sent in pieces without a Content-Length: the server counts what it reads."""
    for start in range(0, len(body), 500):
        yield body[start : start + 500]


@pytest.mark.slow
def test_bad_inputs_of_a_model_with_a_token_input_and_a_body_limit(models: dict[str, Path], tmp_path: Path) -> None:
    assert tn.load(models["pair"])[0].input_names == ("image", "ids")
    with serving(models["pair"], tmp_path, "--max-body-bytes", "2000") as server:
        check(server, TWO_INPUTS)
        response = httpx.post(f"{server.url}/v1/predict", content=chunks(TWO_INPUTS[-1][1]), headers=JSON, timeout=60)
        assert response.status_code == 413 and "limit of 2000 bytes" in response.json()["error"]
        assert httpx.get(f"{server.url}/healthz", timeout=60).status_code == 200  # it still serves
        clean(server.log())
