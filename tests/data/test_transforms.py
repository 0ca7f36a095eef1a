"""Column transforms: each one's numbers against NumPy, fitted on the training rows alone, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from typednn import TypednnError
from typednn._shapes._columns import KINDS
from typednn.data import Table, table
from typednn.data.transforms import (
    Columns,
    clip,
    hashing,
    log,
    lookup,
    min_max,
    multi_hot,
    one_hot,
    stable_hash,
    standardize,
)
from typednn.data.transforms._kinds import CONSTRUCTORS

HEART = Path(__file__).resolve().parents[2] / "examples" / "data" / "heart.csv"


def _table(**columns: Any) -> Table:
    length = len(next(iter(columns.values())))
    return Table(columns, np.arange(length) % 2, classes=2)


def test_numeric_transforms_match_numpy() -> None:
    values = np.array([3.0, -1.0, 7.5, 0.25, 2.0])
    raw = _table(a=values, b=values, c=values, d=values, e=values)
    prep = Columns({"a": standardize(), "b": min_max(), "c": clip(0, 3), "d": [clip(0, 100), log()], "e": None}).fit(
        raw
    )
    found = prep.features(raw)
    expected = np.stack(
        [
            (values - values.mean()) / values.std(),
            (values - values.min()) / (values.max() - values.min()),
            np.clip(values, 0, 3),
            np.log1p(np.clip(values, 0, 100)),
            values,
        ],
        axis=1,
    ).astype(np.float32)
    assert found.dtype == np.float32 and found.shape == (5, 5)
    np.testing.assert_array_equal(found, expected)


def test_numbers_read_from_text_as_a_csv_file_holds_them() -> None:
    raw = _table(a=np.array(["1.5", " 2", "-3e1"], dtype=object))
    found = Columns({"a": None}).fit(raw).features(raw)
    np.testing.assert_array_equal(found[:, 0], np.array([1.5, 2.0, -30.0], np.float32))


def test_fitted_on_the_training_rows_only() -> None:
    age = np.arange(100, dtype=np.float64) ** 1.5  # the held-out rows differ from the rest
    raw = _table(age=age, thal=np.array(["a"] * 80 + ["b"] * 20, dtype=object))
    train, val = raw.split(0.2, seed=0)
    prep = Columns({"age": standardize(), "thal": one_hot()}).fit(train)
    train_age = train.column("age").astype(np.float64)
    step = prep.steps["age"][0]
    assert step.state() == {"mean": [float(train_age.mean())], "std": [float(train_age.std())]}
    val_age = val.column("age").astype(np.float64)
    assert train_age.mean() != val_age.mean()
    expected = ((val_age - train_age.mean()) / train_age.std()).astype(np.float32)
    np.testing.assert_array_equal(prep(val).features[:, 0], expected)
    assert len(train) + len(val) == 100 and prep(val).features.shape == (20, 1 + prep.widths["thal"])


def test_the_split_is_the_datasets_split() -> None:
    raw = _table(a=np.arange(10.0))
    train, val = raw.split(0.3, seed=4)
    data = Columns({"a": None}).fit(raw)(raw)
    data_train, data_val = data.split(0.3, seed=4)
    np.testing.assert_array_equal(Columns({"a": None}).fit(train).features(val), data_val.features)
    assert len(train) == len(data_train)


def test_vocabulary_by_frequency_then_sorted_with_max_tokens_and_oov() -> None:
    cells = np.array(["b", "c", "a", "c", "b", "d", "c"], dtype=object)
    raw = _table(x=cells)
    prep = Columns({"x": lookup(max_tokens=2)}).fit(raw)
    assert prep.steps["x"][0].state()["vocabulary"] == ["c", "b"]  # c thrice, b twice; a and d cut
    unseen = _table(x=np.array(["c", "b", "a", "zebra"], dtype=object))
    np.testing.assert_array_equal(prep.features(unseen)[:, 0], [1, 2, 0, 0])  # 0: the OOV bucket
    several = Columns({"x": one_hot(oov=3)}).fit(raw)
    assert several.output_width == 3 + 4  # a, b, c, d: tie of a and d sorted
    assert several.steps["x"][0].state()["vocabulary"] == ["c", "b", "a", "d"]
    found = several.features(unseen)
    assert found[0].tolist() == [0, 0, 0, 1, 0, 0, 0] and found[3, 3:].sum() == 0
    assert found[3, stable_hash("zebra") % 3] == 1


def test_oov_zero_refuses_unknown_categories() -> None:
    prep = Columns({"x": lookup(oov=0)}).fit(_table(x=np.array(["a", "b"], dtype=object)))
    with pytest.raises(TypednnError, match=r"row 2, column 'x': 'c' is not in the vocabulary of lookup\(\), and oov=0"):
        prep.features(_table(x=np.array(["a", "c"], dtype=object)))


def test_whole_numbers_are_categories_as_their_digits() -> None:
    prep = Columns({"cp": one_hot(oov=0)}).fit(_table(cp=np.array([0, 2, 1, 2])))
    as_text = prep.features(_table(cp=np.array(["2", "0"], dtype=object)))
    assert as_text.tolist() == [[1, 0, 0], [0, 1, 0]]  # vocabulary 2, 0, 1


def test_four_columns_with_a_three_category_one_hot_make_six() -> None:
    raw = _table(a=np.ones(4), b=np.ones(4), c=np.ones(4), kind=np.array(["x", "y", "z", "x"], dtype=object))
    prep = Columns({"a": None, "b": None, "c": None, "kind": one_hot(oov=0)}).fit(raw)
    data = prep(raw)
    assert prep.output_width == 6 and data.feature_shape.dims == (6,) and data.classes == 2


def test_multi_hot_and_hashing() -> None:
    raw = _table(tags=np.array(["a|b", "b", "c|a|b"], dtype=object))
    prep = Columns({"tags": multi_hot(oov=1)}).fit(raw)
    assert prep.steps["tags"][0].state()["vocabulary"] == ["b", "a", "c"]
    assert prep.features(raw).tolist() == [[0, 1, 1, 0], [0, 1, 0, 0], [0, 1, 1, 1]]
    hashed = Columns({"tags": hashing(7), "other": hashing(5, one_hot=True)})
    values = np.array(["a|b", "b"], dtype=object)
    found = hashed.fit(_table(tags=values, other=values)).features(_table(tags=values, other=values))
    assert found[:, 0].tolist() == [stable_hash("a|b") % 7, stable_hash("b") % 7]
    assert found.shape == (2, 6) and found[:, 1:].sum() == 2


def test_hashing_is_the_same_in_another_process() -> None:
    tokens = ["fixed", "normal", "reversible", "é", ""]
    here = [stable_hash(token) % 1000 for token in tokens]
    code = f"from typednn.data.transforms import stable_hash; print([stable_hash(t) % 1000 for t in {tokens!r}])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == str(here)
    assert here[0] == 2664025650 % 1000  # zlib's CRC-32: fixed by the standard, not by this process


def test_unfitted_transforms_are_refused() -> None:
    raw = _table(a=np.ones(3), b=np.array(["x", "y", "x"], dtype=object))
    prep = Columns({"a": standardize(), "b": one_hot()})
    with pytest.raises(TypednnError, match=r"not fitted: standardize\(\) of 'a', one_hot\(\) of 'b'"):
        prep(raw)
    with pytest.raises(TypednnError, match=r"one_hot\(\) is not fitted"):
        _ = prep.output_width


def test_bad_steps_are_refused() -> None:
    with pytest.raises(TypednnError, match=r"one_hot\(\) reads a raw column, but comes after clip\(\)"):
        Columns({"a": [clip(0, 1), one_hot()]})
    with pytest.raises(TypednnError, match="has 'standardize', not a transform"):
        Columns({"a": "standardize"})  # type: ignore[dict-item]  # what a user may try
    with pytest.raises(TypednnError, match="low <= high"):
        clip(2, 1)
    with pytest.raises(TypednnError, match="max_tokens=0"):
        lookup(max_tokens=0)


def test_table_keeps_text_and_types_the_label() -> None:
    raw = table(HEART, label="target")
    assert raw.names == ("age", "sex", "cp", "trestbps", "chol", "thalach", "oldpeak", "thal")
    assert raw.classes == 2 and len(raw) == 60 and raw.column("thal")[0] == "normal"
    prep = Columns({"age": standardize(), "sex": None, "cp": one_hot(), "thal": one_hot(), "oldpeak": log()})
    data = prep.fit(raw)(raw)
    assert data.features.shape == (60, 1 + 1 + 5 + 4 + 1) and data.targets.dtype == np.int32


def test_a_bad_cell_names_its_file_line_row_and_column(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("age,thal,target\n63,fixed,1\n37,normal,0\n")
    prep = Columns({"age": standardize(), "thal": one_hot()}).fit(table(good, label="target"))
    bad = tmp_path / "bad.csv"
    bad.write_text("age,thal\n63,fixed\n\n37x,normal\n")  # a blank line: the row is on line 4
    with pytest.raises(
        TypednnError, match=r"bad.csv:4:1: row 2, column 'age': expected a number for standardize\(\), found '37x'"
    ):
        prep.features(table(bad))
    empty = tmp_path / "empty.csv"
    empty.write_text("age,thal\n63,\n")
    with pytest.raises(TypednnError, match=r"empty.csv:2:2: row 1, column 'thal': empty cell"):
        table(empty)
    missing = tmp_path / "missing.csv"
    missing.write_text("age,tal\n63,fixed\n")
    with pytest.raises(TypednnError, match=r"missing.csv:1: no column 'thal'; did you mean 'tal'\?"):
        prep.features(table(missing))
    with pytest.raises(TypednnError, match=r"no column 'label' for the label"):
        table(good, label="label")
    with pytest.raises(TypednnError, match="no label column"):
        prep(table(good))


def test_non_finite_numbers_are_refused() -> None:
    raw = _table(a=np.array(["1", "nan"], dtype=object))
    with pytest.raises(TypednnError, match=r"row 2, column 'a': expected a finite number"):
        Columns({"a": standardize()}).fit(raw)


def test_a_given_vocabulary_is_kept_by_fit() -> None:
    raw = Table({"thal": ["normal", "normal", "fixed", "odd"], "n": [3, 1, 2, 3]}, np.array([0, 1, 0, 1]), classes=2)
    prep = Columns({"thal": one_hot(vocabulary=["fixed", "normal"]), "n": lookup(vocabulary=[1, 2, 3], oov=0)})
    assert prep.fitted and prep.widths == {"thal": 3, "n": 1}  # known before any row is read
    fitted = prep.fit(raw)
    assert fitted.steps["thal"][0].state()["vocabulary"] == ["fixed", "normal"]  # not refitted by frequency
    assert fitted.features(raw).tolist() == [[0, 0, 1, 2], [0, 0, 1, 0], [0, 1, 0, 1], [1, 0, 0, 2]]
    tags = multi_hot(vocabulary=["a", "b"]).fit(np.array(["a|c"], object), str)
    assert tags.apply(np.array(["a|c", "b"], object), str).tolist() == [[1, 1, 0], [0, 0, 1]]


def test_a_lookups_width_needs_no_fit() -> None:
    assert Columns({"thal": lookup(), "age": standardize()}).widths == {"thal": 1, "age": 1}
    with pytest.raises(TypednnError, match=r"one_hot\(\) is not fitted"):
        _ = Columns({"thal": one_hot()}).widths


@pytest.mark.parametrize(
    ("vocabulary", "message"),
    [
        ("fixed", "give a list of categories"),
        ([], "lists 0 categories"),
        (["a", "a"], "lists 'a' twice"),
        ([1.5], "a category is text or a whole number, not 1.5"),
        (["a", "b", "c"], "lists 3 categories: give 1 to 2"),
    ],
)
def test_a_bad_given_vocabulary_is_refused(vocabulary: Any, message: str) -> None:
    with pytest.raises(TypednnError, match=message):
        one_hot(vocabulary=vocabulary, max_tokens=2)


def test_every_transform_kind_has_the_width_rule_the_plugin_runs() -> None:
    assert set(CONSTRUCTORS) == KINDS
