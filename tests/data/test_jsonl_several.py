"""JSON Lines files feeding several inputs and outputs: `features` and `label` as dicts by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import typednn as tn
from typednn.data import schema

LINES = (
    '{"pos": [[1, 2], [3, 4]], "u": 1, "v": 2.5, "kind": "cat", "size": 0.5}\n'
    '{"pos": [[5, 6], [7, 8]], "u": 3, "v": 4, "kind": "dog", "size": 1.5}\n'
    '{"pos": [[0, 0], [0, 1]], "u": 0, "v": 1, "kind": "cat", "size": 2}\n'
)
FEATURES = {"image": "pos", "meta": ["u", "v"]}
LABEL = {"kind": "kind", "size": "size"}


def write(tmp_path: Path, text: str = LINES) -> Path:
    path = tmp_path / "x.jsonl"
    path.write_text(text)
    return path


def test_keys_feed_named_inputs_and_outputs(tmp_path: Path) -> None:
    data = tn.data.jsonl(write(tmp_path), features=FEATURES, label=LABEL)
    image, meta = data.features
    kind, size = data.targets
    assert image.shape == (3, 2, 2) and image.dtype == np.float32
    assert meta.tolist() == [[1.0, 2.5], [3.0, 4.0], [0.0, 1.0]]
    assert kind.tolist() == [0, 1, 0] and size.tolist() == [[0.5], [1.5], [2.0]]
    assert data.feature_names == ("image", "meta") and data.target_names == ("kind", "size")
    assert data.target_class_names == (("cat", "dog"), None)


def test_the_schema_names_every_input_and_output_like_the_dataset(tmp_path: Path) -> None:
    path = write(tmp_path)
    found = schema("jsonl", path, features=FEATURES, label=LABEL)
    assert found.several == tn.data.jsonl(path, features=FEATURES, label=LABEL).schema().several
    assert found.describe().endswith("3 examples; features image (2, 2), meta (2,); targets kind 2 classes, size (1,)")


def test_classes_and_task_by_output_name(tmp_path: Path) -> None:
    path = write(tmp_path)
    data = tn.data.jsonl(
        path,
        features=FEATURES,
        label={"kind": "kind", "size": "size"},
        classes={"kind": ["dog", "cat"]},
        task={"size": "regress"},
    )
    assert data.targets[0].tolist() == [1, 0, 1] and data.target_classes == (2, None)
    assert data.targets[1].tolist() == [[0.5], [1.5], [2.0]]


def test_one_key_is_one_input_and_one_label_one_output(tmp_path: Path) -> None:
    path = write(tmp_path)
    assert tn.data.jsonl(path, features="pos", label=LABEL).several == (False, True)
    found = schema("jsonl", path, features="pos", label=LABEL)
    assert found.several is not None and found.several.feature_names == ("input",)
    assert tn.data.jsonl(path, features=FEATURES, label="kind").several == (True, False)
    found = schema("jsonl", path, features=FEATURES, label="kind")
    assert found.several is not None and found.several.target_names == ("kind",)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"features": {"a": "pos", "b": ["pos"]}, "label": LABEL},
            r"x.jsonl: key 'pos' feeds both input 'a' and input 'b'",
        ),
        (
            {"features": {"a": ["u", "size"]}, "label": LABEL},
            r"key 'size' feeds both input 'a' and the label of output 'size'",
        ),
        ({"features": {"a": []}, "label": LABEL}, r"x.jsonl: input 'a' lists no keys"),
        ({"features": {}, "label": LABEL}, r"features=\{\} names no input"),
        ({"features": FEATURES, "label": {"kind": "knd"}}, r"x.jsonl:1: no key 'knd'; did you mean 'kind'\?"),
        ({"features": {"a": "ps"}, "label": LABEL}, r"x.jsonl:1: no key 'ps'; did you mean 'pos'\?"),
        (
            {"features": FEATURES, "label": LABEL, "task": {"sise": "regress"}},
            r"task names 'sise', which is not one of the outputs; did you mean 'size'\?",
        ),
        ({"features": "pos", "label": "kind", "classes": {"kind": 2}}, r"classes= is a dict by input or output name"),
        (
            {"features": FEATURES, "label": {"kind": "kind"}, "classes": {"kind": 1}},
            r"2 class names \('cat', 'dog'\), but classes=1",
        ),
    ],
)
def test_bad_options_are_refused_by_name(tmp_path: Path, options: dict[str, Any], message: str) -> None:
    with pytest.raises(tn.TypednnError, match=message):
        tn.data.jsonl(write(tmp_path), **options)


def test_a_bad_line_is_located_for_its_input(tmp_path: Path) -> None:
    path = write(tmp_path, LINES + '{"pos": [[1, 2]], "u": 0, "v": 1, "kind": "cat", "size": 2}\n')
    with pytest.raises(tn.TypednnError, match=r"x.jsonl:4: key 'pos'\[0\]|x.jsonl:4: key 'pos' should be a list of 2"):
        tn.data.jsonl(path, features=FEATURES, label=LABEL)
    path = write(tmp_path, LINES + '{"pos": [[1, 2], [3, 4]], "u": 0, "v": 1, "kind": 3, "size": 2}\n')
    with pytest.raises(tn.TypednnError, match=r"x.jsonl:4: key 'kind' is 3, not a class name"):
        schema("jsonl", path, features=FEATURES, label=LABEL)


def test_a_key_of_the_wrong_type_from_python_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"x": [1, 2], "y": 0}\n')
    with pytest.raises(tn.TypednnError, match=r"must be a name \(or a number\), not \['y'\]"):
        tn.data.jsonl(path, features={"i": "x"}, label={"o": ["y"]})  # type: ignore[dict-item]  # the misuse tested
