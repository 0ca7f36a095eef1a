"""A fuzzer for `tn.load`: mutated spec.json and weights files give a model or a TypednnError, nothing else.

Two small exports are saved once; each example copies one, mutates spec.json at the JSON
level (a value or key replaced by random JSON, a key deleted, a value nested deeply, an
integer of thousands of digits, the text cut short) and the weights file at the byte
and header level (bytes flipped, the file cut short, its header JSON mutated), usually
recording the new weights' sha256 in spec.json as anyone can, so that the parsing past
the hash check is reached too.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import typednn as tn
from typednn import nn
from typednn.export import load

WEIGHTS = "weights.safetensors"
_PLACEHOLDER = "\u2603typednn-fuzz\u2603"

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.sampled_from([0, 1, -1, 2**31, 2**63, 10**20])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(
        ["dense", "relu", "input", "float32", "bfloat16", "a.b.C", "../x", "\x00", "weights.safetensors"]
    ),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def _models() -> dict[str, tn.Model[Any, Any]]:
    x = tn.Input(6)
    encoder = nn.Dense(4, name="enc")
    left = encoder(x) >> nn.relu
    shared = tn.Model(x, nn.concat(left, nn.Dense(4)(x)) >> nn.Dense(2), name="shared")
    image = tn.Input(6, 6, 1)
    conv = tn.Model(
        image,
        image >> nn.Conv2D(2, kernel=3, padding="same") >> nn.MaxPool2D(2) >> nn.Flatten() >> nn.Dense(3),
        name="conv",
    )
    return {"shared": shared, "conv": conv}


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("exports")
    rng = np.random.default_rng(0)
    found = {}
    for name, model in _models().items():
        params = {
            layer: {key: jnp.asarray(rng.standard_normal(s.shape).astype(np.float32)) for key, s in arrays.items()}
            for layer, arrays in model.param_shapes().items()
        }
        tn.save(model, params, root / name)
        found[name] = root / name
    return found


# ---------------------------------------------------------------------------- JSON-level mutations


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _mutate_json(document: Any, data: st.DataObject) -> tuple[Any, str | None]:
    """A mutated copy of `document`, and the text that replaces the placeholder in it, if any."""
    document = json.loads(json.dumps(document))
    path = data.draw(st.sampled_from(_paths(document)), label="path")
    operation = data.draw(st.sampled_from(["replace", "delete", "rename", "deepen", "huge int", "long string"]))
    replacement = None
    if operation == "replace":
        value = data.draw(JSON, label="value")
    elif operation == "deepen":
        depth = data.draw(st.sampled_from([2, 63, 64, 65, 500, 5_000, 100_000]), label="depth")
        opening = data.draw(st.sampled_from(["[", '{"k": ']))
        closing = "]" if opening == "[" else "}"
        inner = json.dumps(_get(document, path))
        value, replacement = _PLACEHOLDER, opening * depth + inner + closing * depth
    elif operation == "huge int":
        value, replacement = _PLACEHOLDER, "9" * data.draw(st.integers(4_290, 6_000), label="digits")
    elif operation == "long string":
        value = "x" * data.draw(st.sampled_from([256, 10_000, 300_000]))
    if not path:
        if operation in ("delete", "rename"):
            return [], None
        return value, replacement
    parent = _get(document, path[:-1])
    key = path[-1]
    if operation == "delete":
        del parent[key]
    elif operation == "rename" and isinstance(parent, dict):
        parent[data.draw(st.text(max_size=8), label="new key")] = parent.pop(key)
    elif operation != "rename":
        parent[key] = value
    return document, replacement


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


def _dumps(document: Any, replacement: str | None) -> bytes:
    text = json.dumps(document, indent=1)
    if replacement is not None:
        text = text.replace(json.dumps(_PLACEHOLDER), replacement, 1)
    return text.encode("utf-8", "surrogatepass")


# ---------------------------------------------------------------------------- byte-level mutations


def _mutate_weights(data: bytes, draw: st.DataObject) -> bytes:
    operation = draw.draw(st.sampled_from(["flip", "truncate", "header", "header length"]), label="weights")
    if operation == "flip":
        mutable = bytearray(data)
        for _ in range(draw.draw(st.integers(1, 5))):
            index = draw.draw(st.integers(0, len(mutable) - 1))
            mutable[index] ^= draw.draw(st.integers(1, 255))
        return bytes(mutable)
    if operation == "truncate":
        return data[: draw.draw(st.integers(0, len(data) - 1))]
    length = int.from_bytes(data[:8], "little")
    header, body = json.loads(data[8 : 8 + length]), data[8 + length :]
    if operation == "header length":
        return draw.draw(st.integers(0, 2**64 - 1)).to_bytes(8, "little") + data[8:]
    mutated, replacement = _mutate_json(header, draw)
    text = _dumps(mutated, replacement)
    return len(text).to_bytes(8, "little") + text + body


@pytest.mark.slow
@settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_load_gives_a_model_or_a_typednn_error(
    data: st.DataObject, exports: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    source = exports[data.draw(st.sampled_from(sorted(exports)), label="export")]
    target = tmp_path_factory.getbasetemp() / "fuzzed"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    spec, weights = target / "spec.json", target / "weights.safetensors"
    document = json.loads(spec.read_text())
    replacement = None
    if data.draw(st.booleans(), label="mutate weights"):
        new = _mutate_weights(weights.read_bytes(), data)
        weights.write_bytes(new)
        if data.draw(st.integers(0, 4), label="rehash") > 0:  # mostly: reach the parser past the hash
            document["weights"]["sha256"] = hashlib.sha256(new).hexdigest()
    if data.draw(st.booleans(), label="mutate spec"):
        for _ in range(data.draw(st.integers(1, 3), label="spec mutations")):
            document, replacement = _mutate_json(document, data)
            if replacement is not None:
                break
    text = _dumps(document, replacement)
    if data.draw(st.integers(0, 9), label="cut") == 0:
        text = text[: data.draw(st.integers(0, len(text)))]
    spec.write_bytes(text)
    try:
        model, params = load(target)
    except tn.TypednnError as error:
        event(f"refused: {type(error).__name__}")
        return
    event("loaded")
    assert isinstance(model, tn.Model) and isinstance(params, dict)
