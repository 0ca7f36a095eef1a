"""CSV files feeding several inputs and outputs: `features` and `label` as dicts by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import optax
import pytest

import typednn as tn
from typednn.data import schema

ROWS = "a,b,c,d,e,species,len\n1,2,3,4,5,cat,0.5\n2,3,4,5,6,dog,1.5\n3,4,5,6,7,cat,2\n4,5,6,7,8,dog,1\n"
FEATURES = {"numbers": ["a", "b", "c"], "extra": ["d", "e"]}
LABEL = {"kind": "species", "size": "len"}


def write(tmp_path: Path, text: str = ROWS) -> Path:
    path = tmp_path / "x.csv"
    path.write_text(text)
    return path


def test_columns_feed_named_inputs_and_outputs(tmp_path: Path) -> None:
    data = tn.data.csv(write(tmp_path), features=FEATURES, label=LABEL)
    numbers, extra = data.features
    kind, size = data.targets
    assert numbers.tolist() == [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]]
    assert extra.dtype == np.float32 and extra.shape == (4, 2)
    assert kind.tolist() == [0, 1, 0, 1] and kind.dtype == np.int32
    assert size.tolist() == [[0.5], [1.5], [2.0], [1.0]]
    assert data.feature_names == ("numbers", "extra") and data.target_names == ("kind", "size")
    assert data.target_classes == (2, None) and data.target_class_names == (("cat", "dog"), None)


def test_the_schema_names_every_input_and_output_like_the_dataset(tmp_path: Path) -> None:
    path = write(tmp_path)
    found = schema("csv", path, features=FEATURES, label=LABEL)
    assert found.several is not None
    assert found.several == tn.data.csv(path, features=FEATURES, label=LABEL).schema().several
    assert found.describe().endswith("4 examples; features numbers (3,), extra (2,); targets kind 2 classes, size (1,)")


def test_given_classes_spare_the_schema_a_pass_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path)
    found = schema("csv", path, features=FEATURES, label=LABEL, classes={"kind": ["dog", "cat"]})
    assert found.examples is None  # nothing past the head was read
    assert found.several is not None and found.several.target_classes == (2, None)
    data = tn.data.csv(path, features=FEATURES, label=LABEL, classes={"kind": ["dog", "cat"]})
    assert data.targets[0].tolist() == [1, 0, 1, 0]


def test_shape_task_and_classes_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,c,d,y,z\n1,2,3,4,0,1\n5,6,7,8,1,2\n")
    data = tn.data.csv(
        path,
        features={"square": ["a", "b", "c", "d"]},
        label={"first": "y", "second": "z"},
        shape={"square": [2, 2]},
        task={"second": "regress"},
        classes={"first": 3},
    )
    assert [repr(shape) for shape in data.feature_shapes] == ["(2, 2)"]
    assert data.target_classes == (3, None) and data.targets[1].tolist() == [[1.0], [2.0]]


def test_a_list_of_features_is_one_input_and_one_label_one_output(tmp_path: Path) -> None:
    path = write(tmp_path)
    one_input = tn.data.csv(path, features=["a", "b"], label=LABEL)
    assert one_input.several == (False, True) and repr(one_input.feature_shape) == "(2,)"
    found = schema("csv", path, features=["a", "b"], label=LABEL)
    assert found.several is not None and found.several.feature_names == ("input",)
    one_output = tn.data.csv(path, features={"p": ["a"], "q": ["b"]}, label="species")
    assert one_output.several == (True, False) and one_output.classes == 2
    found = schema("csv", path, features={"p": ["a"], "q": ["b"]}, label="species")
    assert found.several is not None and found.several.target_names == ("species",)


def test_without_a_header_columns_are_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "1,2,0\n3,4,1\n")
    data = tn.data.csv(path, header=False, features={"p": [1], "q": [2]}, label={"k": 3})
    assert [x.tolist() for x in data.features] == [[[1.0], [3.0]], [[2.0], [4.0]]]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"features": {"numbers": ["a", "bb"]}, "label": LABEL},
            r"x.csv:1: no column 'bb' for the input 'numbers'; did you mean 'b'\?",
        ),
        (
            {"features": FEATURES, "label": {"kind": "specis"}},
            r"no column 'specis' for the label of output 'kind'; did you mean 'species'\?",
        ),
        (
            {"features": {"n": ["a", "b"], "m": ["b"]}, "label": LABEL},
            r"x.csv: column 'b' feeds both input 'n' and input 'm'",
        ),
        (
            {"features": {"n": ["a", "len"]}, "label": LABEL},
            r"column 'len' feeds both input 'n' and the label of output 'size'",
        ),
        ({"features": {"n": ["a"]}, "label": {"k": "species", "j": "species"}}, r"column 'species' feeds both"),
        ({"features": {"n": []}, "label": LABEL}, r"x.csv: input 'n' lists no columns"),
        ({"features": {}, "label": LABEL}, r"x.csv: features=\{\} names no input"),
        ({"features": FEATURES, "label": {}}, r"x.csv: label=\{\} names no output"),
        (
            {"features": FEATURES, "label": LABEL, "classes": {"knd": 3}},
            r"classes names 'knd', which is not one of the outputs; did you mean 'kind'\?",
        ),
        (
            {"features": FEATURES, "label": LABEL, "shape": [3]},
            r"shape=\[3\] is one shape, but features= names 2 inputs",
        ),
        (
            {"features": FEATURES, "label": LABEL, "shape": {"numbers": [2, 2]}},
            r"shape \[2, 2\] of input 'numbers' holds 4 values per example, but it has 3 columns",
        ),
        (
            {"features": ["a"], "label": "species", "task": {"kind": "regress"}},
            r"task= is a dict by input or output name",
        ),
        ({"features": FEATURES, "label": LABEL, "cache": True}, r"cache= does not yet convert"),
        (
            {"features": FEATURES, "label": {"kind": "len"}, "task": "classify"},
            r"x.csv:2:7: row 1, column 'len': expected a whole-number class id",
        ),
    ],
)
def test_bad_options_are_refused_by_name(tmp_path: Path, options: dict[str, Any], message: str) -> None:
    with pytest.raises(tn.TypednnError, match=message):
        tn.data.csv(write(tmp_path), **options)


def test_a_bad_row_past_the_head_is_located(tmp_path: Path) -> None:
    rows = ROWS + "".join(f"{i},1,1,1,1,cat,1\n" for i in range(1200)) + "1,2,3,,5,cat,1\n"
    path = write(tmp_path, rows)
    with pytest.raises(tn.TypednnError, match=r"x.csv:1206:4: row 1205, column 'd': empty cell"):
        tn.data.csv(path, features=FEATURES, label=LABEL)
    with pytest.raises(tn.TypednnError, match=r"x.csv:1206:6: row 1205, column 'species': empty cell"):
        schema("csv", write(tmp_path, rows.replace("1,2,3,,5,cat", "1,2,3,4,5,")), features=FEATURES, label=LABEL)


def test_a_dataset_of_two_inputs_is_refused_by_a_model_of_one(tmp_path: Path) -> None:
    data = tn.data.csv(write(tmp_path), features=FEATURES, label="species")
    x = tn.Input(5)
    model = tn.Model(x, x >> tn.nn.Dense(2))
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1))
    with pytest.raises(tn.TypednnError, match=r"the features are named 'numbers', 'extra', but the model's inputs are"):
        trainer.fit(data, epochs=1, batch_size=2, verbose=0)


def test_a_model_of_two_inputs_and_two_outputs_trains(tmp_path: Path) -> None:
    numbers, extra = tn.Input(3, name="numbers"), tn.Input(2, name="extra")
    joined = tn.nn.concat(numbers, extra)
    model = tn.Model((numbers, extra), (joined >> tn.nn.Dense(2, name="kind"), joined >> tn.nn.Dense(1, name="size")))
    data = tn.data.csv(write(tmp_path), features={"extra": ["d", "e"], "numbers": ["a", "b", "c"]}, label=LABEL)
    trainer = tn.Trainer(
        model,
        loss={"kind": tn.losses.softmax_cross_entropy, "size": tn.losses.mean_squared_error},
        optimizer=optax.sgd(0.1),
    )
    history = trainer.fit(data, epochs=1, batch_size=2, verbose=0)
    assert {"kind_loss", "size_loss"} <= set(history.epochs[-1])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"label": {"kind": ["a"]}}, "no column"),
        ({"shape": {"numbers": "ab"}}, "must be a list of ints, not 'ab'"),
        ({"shape": {"numbers": 2}}, "must be a list of ints, not 2"),
    ],
)
def test_options_of_the_wrong_type_from_python_are_clear_errors(
    tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    given: dict[str, Any] = {"features": FEATURES, "label": LABEL} | options
    with pytest.raises(tn.TypednnError, match=message):
        tn.data.csv(write(tmp_path), **given)
