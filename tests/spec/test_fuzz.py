"""Fuzzing the spec reader: whatever the file holds, the result is a spec or a located error.

Sources of cases, over ten thousand in all: random YAML documents, valid specs with one
part replaced by random data, the text of valid specs mutated character by character and
token by token, and hostile inputs: nesting up to 50,000 levels (YAML
and JSON), numbers of up to 10,000 digits, names and keys of up to 100,000 characters,
NUL and control characters, JSON-specific mutations of a JSON spec, and special files.
Every case must give a `Spec` or a `TypednnError` whose message starts with
`spec.yaml:LINE:COL` (never another exception or a traceback).
"""

from __future__ import annotations

import json
import os
import re
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import typednn as tn
from typednn._reading import SPEC_LIMIT
from typednn.spec import check_data, read
from typednn.spec._text import read_document

ROOT = Path(__file__).resolve().parents[2]
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
MANY = settings(SETTINGS, max_examples=1500)


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        (Path(name) / "data").mkdir()
        (Path(name) / "data" / "iris.csv").write_text((ROOT / "examples" / "data" / "iris.csv").read_text())
        yield Path(name)


def outcome(folder: Path, text: str, suffix: str = ".yaml") -> None:
    """Read `text` as a spec file: it must be a spec or a located TypednnError."""
    path = folder / f"spec{suffix}"
    path.write_text(text, encoding="utf-8")
    try:
        # The reader `read` will call (once `_load` is wired to it), then `read` itself.
        read_document(path)
        spec = read(path)
        if spec.data is not None:
            check_data(spec)
    except tn.TypednnError as error:
        message = str(error).replace(f"{folder}/", "")
        shown = text if len(text) < 2000 else f"{text[:1000]}\n[…]\n{text[-1000:]}"
        assert LOCATED.match(message), f"not located: {message[:2000]!r}\nfor:\n{shown}"


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


# --- hostile inputs ---------------------------------------------------------------------------

YAML_SEEDS = [index for index, path in enumerate(SEEDS) if path.suffix != ".json"]
JSON_SEED = TEXTS[[path.suffix for path in SEEDS].index(".json")]
NUMBER = re.compile(r"(?<![\w.])-?\d+(\.\d+)?(?![\w.])")
NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
depths = st.integers(0, 80) | st.integers(0, 50_000)
OPENERS = {".yaml": ["[", "{a: ", "[{a: ", "{? "], ".json": ["[", '{"a": ', '[{"units": ']}
CONTROLS = [chr(code) for code in range(32)] + ["\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff"]
JSON_WORDS = [
    "1e-3", "1E400", "-0", "-", "NaN", "Infinity", "-Infinity", "01", ".5", "1.", "0x10", "true", "false", "null",
    "True", "None", '"\\ud83d\\ude00"', '"\\ud800"', '"\\udc00\\ud800"', '"\\u0000"', '"\\q"', '"\\u12"',
    "\\", '"', "'", ",", ":", "[", "]", "{", "}", "[]", "{}", '"name": "x", ', '"model": {}, ', "\t", "\n", "\r",
    "\ufeff", "/* */", "//", "#", "- ", "&a", "*a", "!!int",
]  # fmt: skip


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [match.span() for match in pattern.finditer(text)]


def _replace_one(data: st.DataObject, pattern: re.Pattern[str], text: str, make: Callable[[], str]) -> str:
    start, end = data.draw(st.sampled_from(_spans(pattern, text)))
    return text[:start] + make() + text[end:]


@MANY
@given(data=st.data(), suffix=st.sampled_from([".yaml", ".json"]), depth=depths, balanced=st.booleans())
def test_deep_nesting(folder: Path, data: st.DataObject, suffix: str, depth: int, balanced: bool) -> None:
    text = JSON_SEED if suffix == ".json" else TEXTS[data.draw(st.sampled_from(YAML_SEEDS))]
    opener = data.draw(st.sampled_from(OPENERS[suffix]))
    closer = "".join({"[": "]", "{": "}"}[c] for c in reversed(opener) if c in "[{")
    nested = opener * depth + "1" + (closer * depth if balanced else "")
    if suffix == ".yaml" and data.draw(st.booleans()):
        # Block collections nest without brackets: `- - - 1` or one key per indented line.
        block = (
            "- " * depth + "1" if data.draw(st.booleans()) else "".join(f"{' ' * i}k:\n" for i in range(depth // 20))
        )
        text = f"{text}\nextra:\n  {block}\n"
    else:
        text = _replace_one(data, NUMBER, text, lambda: nested)
    outcome(folder, text, suffix)


@SETTINGS
@given(data=st.data(), digits=st.integers(1, 10_000), sign=st.sampled_from(["", "-", "+"]), tail=st.sampled_from(
    ["", ".5", ".25e+3", "e9", "E-400", ":59:59"]))  # fmt: skip
def test_huge_numbers(folder: Path, data: st.DataObject, digits: int, sign: str, tail: str) -> None:
    index = data.draw(st.sampled_from(range(len(TEXTS))))
    digit = data.draw(st.sampled_from("123456789"))
    text = _replace_one(data, NUMBER, TEXTS[index], lambda: sign + digit * digits + tail)
    outcome(folder, text, SEEDS[index].suffix)


@SETTINGS
@given(data=st.data(), length=st.integers(1, 100) | st.integers(1, 100_000))
def test_long_names_and_keys(folder: Path, data: st.DataObject, length: int) -> None:
    index = data.draw(st.sampled_from(range(len(TEXTS))))
    character = data.draw(st.sampled_from(["k", "_", "é", "😀", "-", " ", "9"]))
    quote = '"' if SEEDS[index].suffix == ".json" else data.draw(st.sampled_from(["", "'", '"']))
    # A name inside quotes stays one token: `"units"` -> `"kkk…k"`; in YAML also bare or quoted.
    text = _replace_one(data, NAME, TEXTS[index], lambda: f"{quote}{character * length}{quote}".strip('"'))
    outcome(folder, text, SEEDS[index].suffix)


@MANY
@given(data=st.data())
def test_control_characters(folder: Path, data: st.DataObject) -> None:
    index = data.draw(st.sampled_from(range(len(TEXTS))))
    text = TEXTS[index]
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        insert = data.draw(st.sampled_from(CONTROLS) | st.sampled_from(["\\0", "\\x00", "\\u0000", "\\e", "\\N"]))
        text = text[:at] + insert * data.draw(st.integers(1, 3)) + text[at:]
    outcome(folder, text, SEEDS[index].suffix)


@settings(SETTINGS, max_examples=2000)
@given(data=st.data())
def test_json_mutations(folder: Path, data: st.DataObject) -> None:
    text = JSON_SEED
    for _ in range(data.draw(st.integers(1, 3))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 8)))
        text = text[:start] + data.draw(st.sampled_from(JSON_WORDS) | st.text(max_size=2)) + text[end:]
    outcome(folder, text, ".json")


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "directory", "too-large", "dangling", "loop"])
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_special_files(tmp_path: Path, kind: str, suffix: str) -> None:
    path = tmp_path / f"spec{suffix}"
    if kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "too-large":
        path.write_text("#" * (SPEC_LIMIT + 1))
    elif kind == "dangling":
        path.symlink_to(tmp_path / "nowhere.yaml")
    else:
        path.symlink_to(path)

    def interrupted(signum: int, frame: object) -> None:
        raise TimeoutError("reading the spec file blocked")

    # A FIFO with no writer blocks a plain open forever: the alarm turns that into a failure.
    previous = signal.signal(signal.SIGALRM, interrupted)
    signal.alarm(10)
    try:
        with pytest.raises(tn.TypednnError, match=rf"^{re.escape(str(path))}: "):
            read_document(path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
