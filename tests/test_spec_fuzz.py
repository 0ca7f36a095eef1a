"""Fuzzing the spec reader: whatever the file holds, the result is a spec or a located error.

Three sources of cases, a few thousand in all: random YAML documents, valid specs with
one part replaced by random data, and the text of valid specs mutated character by
character and token by token. Every case must give a `Spec` or a `TypednnError` whose
message starts with `spec.yaml:LINE:COL` (never another exception or a traceback).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import typednn as tn
from typednn.spec import check_data, read

ROOT = Path(__file__).resolve().parents[1]
SEEDS = [ROOT / "examples" / "digits.yaml", ROOT / "examples" / "residual.yaml", ROOT / "examples" / "iris.json"]
TEXTS = [path.read_text() for path in SEEDS]
LOCATED = re.compile(r"^spec\.(yaml|json):\d+:\d+[: ]")

WORDS = [
    "model", "input", "layers", "data", "source", "split", "seed", "train", "epochs", "batch_size", "optimizer",
    "loss", "metrics", "name", "inputs", "dense", "conv2d", "relu", "flatten", "add", "concat", "units", "filters",
    "kernel", "builtin", "digits", "csv", "adam", "sgd", "accuracy", "0", "-1", "3.5", "1e9", "null", "true", "[",
    "]", "{", "}", ":", ",", "-", "- ", "\n", "  ", "'", '"', "&a", "*a", "!!str", "#", "|", "?", "%", "\t",
]  # fmt: skip

pytestmark = pytest.mark.slow
SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        (Path(name) / "data").mkdir()
        (Path(name) / "data" / "iris.csv").write_text((ROOT / "examples" / "data" / "iris.csv").read_text())
        yield Path(name)


def outcome(folder: Path, text: str, suffix: str = ".yaml") -> None:
    """Read `text` as a spec file: it must be a spec or a located TypednnError."""
    path = folder / f"spec{suffix}"
    path.write_text(text)
    try:
        spec = read(path)
        if spec.data is not None:
            check_data(spec)
    except tn.TypednnError as error:
        message = str(error).replace(f"{folder}/", "")
        assert LOCATED.match(message), f"not located: {message!r}\nfor:\n{text}"


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=8),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(WORDS) | st.text(max_size=6), inner),
    max_leaves=12,
)


@SETTINGS
@given(document=st.dictionaries(st.sampled_from(["model", "data", "train", "name"]) | st.text(max_size=6), values))
def test_random_documents(folder: Path, document: dict[str, Any]) -> None:
    outcome(folder, yaml.dump(document, Dumper=yaml.CSafeDumper))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


@SETTINGS
@given(data=st.data())
def test_valid_specs_with_one_part_replaced(folder: Path, data: st.DataObject) -> None:
    index = data.draw(st.sampled_from(range(len(TEXTS))))
    document = yaml.safe_load(TEXTS[index])
    path = data.draw(st.sampled_from(list(_paths(document))[1:]))
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        parent[path[-1]] = data.draw(values)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[data.draw(st.sampled_from(WORDS))] = data.draw(values)
    else:
        parent.insert(path[-1], data.draw(values))
    as_json = SEEDS[index].suffix == ".json"
    text = json.dumps(document) if as_json else yaml.dump(document, Dumper=yaml.CSafeDumper)
    outcome(folder, text, SEEDS[index].suffix)


@SETTINGS
@given(data=st.data())
def test_mutated_text(folder: Path, data: st.DataObject) -> None:
    index = data.draw(st.sampled_from(range(len(TEXTS))))
    text = TEXTS[index]
    for _ in range(data.draw(st.integers(1, 3))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 12)))
        insert = data.draw(st.sampled_from(WORDS) | st.text(max_size=3) | st.just(""))
        text = text[:start] + insert + text[end:]
    outcome(folder, text, SEEDS[index].suffix)
