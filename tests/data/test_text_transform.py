"""tokens(): raw text to int32 token ids, fitted on the training rows, saved with the model, served on raw rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest

import typednn as tn
from typednn import TypednnError, nn
from typednn.data import Table, table
from typednn.data.transforms import Columns, from_json, lookup, stable_hash, standardize, to_json, tokens
from typednn.data.transforms._text import Tokenize
from typednn.spec import read

ROOT = Path(__file__).resolve().parents[2]
REVIEWS = ROOT / "examples" / "data" / "reviews.csv"


def _table(texts: list[Any]) -> Table:
    return Table({"review": np.array(texts, dtype=object)}, np.arange(len(texts)) % 2, classes=2)


def _vocabulary(prep: Columns) -> tuple[str, ...]:
    return tuple(to_json(prep)["columns"][0]["steps"][0]["tokens"]["vocabulary"])


def test_ids_are_padding_oov_then_the_vocabulary_by_frequency() -> None:
    raw = _table(["The film, the FILM!", "a bad film", "a good plot"])
    prep = Columns({"review": tokens(6)}).fit(raw)
    # Counted per occurrence (film 3, the 2, a 2), ties sorted; ids start after 0 (padding) and 1 (oov).
    assert _vocabulary(prep) == ("film", "a", "the", "bad", "good", "plot")
    assert prep.dtype == "int32" and prep.widths == {"review": 6}
    found = prep.features(raw)
    assert found.dtype == np.int32
    assert found.tolist() == [[4, 2, 4, 2, 0, 0], [3, 5, 2, 0, 0, 0], [3, 6, 7, 0, 0, 0]]
    assert prep(raw).features.dtype == np.int32


def test_the_vocabulary_comes_from_the_training_rows_only() -> None:
    raw = _table(["good film", "bad film", "good plot", "unseen words here"])
    train, held = raw.subset(np.array([0, 1, 2])), raw.subset(np.array([3]))
    prep = Columns({"review": tokens(4)}).fit(train)
    assert set(_vocabulary(prep)) == {"good", "film", "bad", "plot"}
    assert prep.features(held).tolist() == [[1, 1, 1, 0]]  # every word of the held-out row is unknown


def test_rows_are_cut_to_their_first_words_or_padded_with_zero() -> None:
    raw = _table(["one two three four five", "one"])
    prep = Columns({"review": tokens(3)}).fit(raw)
    found = prep.features(raw)
    assert found.shape == (2, 3)
    assert found[1, 1:].tolist() == [0, 0]
    assert [_vocabulary(prep)[i - 2] for i in found[0]] == ["one", "two", "three"]


def test_max_tokens_keeps_the_most_frequent_and_oov_buckets_hash_the_rest() -> None:
    raw = _table(["a a a b b c", "d"])
    prep = Columns({"review": tokens(6, max_tokens=2, oov=3)}).fit(raw)
    assert _vocabulary(prep) == ("a", "b")
    [step] = prep.steps["review"]
    assert isinstance(step, Tokenize) and step.vocab_size == 1 + 3 + 2
    ids = prep.features(raw)
    assert ids[0].tolist() == [4, 4, 4, 5, 5, 1 + stable_hash("c") % 3]
    assert ids[1, 0] == 1 + stable_hash("d") % 3
    assert ids.max() < 1 + 3 + 2


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, ["hello", "world", "its", "me"]),
        ({"standardize": "lower"}, ["hello,", "world!", "it's", "me"]),
        ({"standardize": None}, ["Hello,", "WORLD!", "It's", "me"]),
        ({"split": "character", "standardize": None}, list("Hello, WORLD! It's me")[:24]),
    ],
)
def test_standardize_and_split_modes(options: dict[str, Any], expected: list[str]) -> None:
    raw = _table(["Hello, WORLD! It's me"])
    prep = Columns({"review": tokens(24, **options)}).fit(raw)
    vocabulary = _vocabulary(prep)
    ids = prep.features(raw)[0]
    assert [vocabulary[i - 2] for i in ids if i] == expected


def test_a_character_split_keeps_spaces_as_keras_does() -> None:
    prep = Columns({"review": tokens(5, split="character")}).fit(_table(["a b!"]))
    assert sorted(_vocabulary(prep)) == [" ", "a", "b"]
    assert prep.features(_table(["a b!"])).tolist()[0][:3] != [0, 0, 0]


def test_the_fitted_transform_survives_json_bit_for_bit() -> None:
    raw = _table(["Good film!", "bad, BAD film", "so-so"])
    prep = Columns({"review": tokens(5, max_tokens=3, standardize="lower", split="whitespace")}).fit(raw)
    text = json.dumps(to_json(prep))
    back = from_json(json.loads(text), "spec.json: transform")
    assert back.dtype == "int32" and repr(back) == repr(prep)
    np.testing.assert_array_equal(back.features(raw), prep.features(raw))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"length": 0}, r"tokens\(length=0\): give the ids a row holds"),
        ({"length": True}, r"tokens\(length=True\)"),
        ({"oov": 0}, r"tokens\(oov=0\): give the number of out-of-vocabulary ids"),
        ({"standardize": "upper"}, r"tokens\(standardize='upper'\): give 'lower_and_strip_punctuation'"),
        ({"split": ["x"]}, r"tokens\(split=\['x'\]\): give 'whitespace' or 'character'"),
        ({"vocabulary": ["a", "a"]}, r"vocabulary lists a category twice"),
        ({"vocabulary": [3]}, r"vocabulary must hold strings only"),
    ],
)
def test_a_hostile_saved_tokens_step_is_refused(change: dict[str, Any], message: str) -> None:
    prep = Columns({"review": tokens(5)}).fit(_table(["good film"]))
    document = to_json(prep)
    document["columns"][0]["steps"][0]["tokens"].update(change)
    with pytest.raises(TypednnError, match=r"spec.json: transform\.columns\[0\]\.steps\[0\]"):
        from_json(document, "spec.json: transform")
    with pytest.raises(TypednnError, match=message):
        from_json(document, "spec.json: transform")


def test_a_column_that_is_not_text_is_an_error_naming_row_and_column() -> None:
    numbers = Table({"review": np.array([1, 2, 3])}, np.array([0, 1, 0]), classes=2)
    with pytest.raises(TypednnError, match=r"row 1, column 'review': tokens\(\) reads text, not numbers of dtype int"):
        Columns({"review": tokens(4)}).fit(numbers)
    prep = Columns({"review": tokens(4)}).fit(_table(["good", "bad"]))
    with pytest.raises(TypednnError, match=r"row 2, column 'review': tokens\(\) reads text, found 2.5 of type float"):
        prep.features(_table(["fine", 2.5]))


def test_text_and_numbers_do_not_mix_in_one_columns() -> None:
    mixed = r"text columns \('review': int32 token ids\) and other columns \('age': float32 values\)"
    with pytest.raises(TypednnError, match=mixed) as raised:
        Columns({"review": tokens(8), "age": standardize()})
    assert raised.value.hint is not None and "two inputs" in raised.value.hint
    with pytest.raises(TypednnError, match=r"text columns"):
        Columns({"review": tokens(8), "age": None})
    with pytest.raises(TypednnError, match=r"column 'review': tokens\(\) makes token ids, so it is the column's only"):
        Columns({"review": [tokens(8), standardize()]})
    with pytest.raises(TypednnError, match=r"tokens\(\) reads a raw column, but comes after lookup\(\)"):
        Columns({"review": [lookup(), tokens(8)]})
    assert Columns({"a": tokens(2), "b": tokens(3)}).dtype == "int32"  # several text columns: one int32 array
    assert Columns({"age": standardize(), "thal": lookup()}).dtype == "float32"


def _export(folder: Path) -> tuple[Columns, tn.Model[Any, Any], Any]:
    train, _ = table(REVIEWS, label="label").split(0.2, seed=0)
    prep = Columns({"review": tokens(16, max_tokens=50)}).fit(train)
    ids = tn.Input(16, dtype="int32")
    model = tn.Model(ids, ids >> nn.Embedding(52, 8, mask_zero=True) >> nn.GlobalAvgPool1D() >> nn.Dense(2))
    params = model.init(jax.random.key(0))
    tn.save(model, params, folder, transform=prep)
    return prep, model, params


def _typednn(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_export_load_predict_on_raw_csv_equals_the_training_transform(tmp_path: Path) -> None:
    prep, model, params = _export(tmp_path / "model")
    loaded = tn.load(tmp_path / "model")
    assert loaded.transform is not None and loaded.transform.dtype == "int32"
    raw = tmp_path / "raw.csv"
    raw.write_text('review,other\n"What a GREAT film, truly!",1\nThe plot was dull.,2\nnever seen words,3\n')
    served = loaded.transform.features(table(raw))
    trained = prep.features(table(raw))
    assert served.dtype == np.int32
    np.testing.assert_array_equal(served, trained)
    expected = np.asarray(model.apply(params, trained))
    np.testing.assert_array_equal(np.asarray(loaded[0].apply(loaded[1], served)), expected)
    done = _typednn("predict", "--model", "model", "raw.csv", "--classes", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[1:] == [str(i) for i in expected.argmax(axis=1)]


def test_a_missing_column_at_predict_time_is_named(tmp_path: Path) -> None:
    _export(tmp_path / "model")
    (tmp_path / "raw.csv").write_text("text\nhello\n")
    done = _typednn("predict", "--model", "model", "raw.csv", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == "raw.csv:1: no column 'review'"
    assert "Traceback" not in done.stderr
    loaded = tn.load(tmp_path / "model")
    assert loaded.transform is not None
    with pytest.raises(TypednnError, match=r"row 1, column 'review': tokens\(\) reads text, not numbers"):
        loaded.transform.features(Table({"review": np.array([4.0])}))


def test_save_refuses_token_ids_for_a_float_input(tmp_path: Path) -> None:
    prep = Columns({"review": tokens(4)}).fit(_table(["good film"]))
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(2))
    with pytest.raises(TypednnError, match=r"make int32 features, but the model's input takes float32 values"):
        tn.save(model, model.init(jax.random.key(0)), tmp_path / "m", transform=prep)


def _spec(tmp_path: Path, transform: str) -> Path:
    (tmp_path / "reviews.csv").write_text(REVIEWS.read_text())
    path = tmp_path / "reviews.yaml"
    path.write_text(
        "name: reviews\n"
        "model:\n"
        "  input: [8]\n"
        "  dtype: int32\n"
        "  layers:\n"
        "  - embedding: {vocab: 64, features: 4, mask_zero: true}\n"
        "  - global_avg_pool1d\n"
        "  - dense: 2\n"
        "data:\n"
        "  source: {csv: {path: reviews.csv, label: label}}\n"
        f"  transform:\n{transform}"
        "  split: {validation: 0.2}\n"
    )
    return path


def test_a_spec_reads_tokens_with_a_bare_length_and_refuses_mixing_at_its_line(tmp_path: Path) -> None:
    spec = read(_spec(tmp_path, "    review: {tokens: 8}\n"))
    columns = spec.transform()
    assert columns is not None and columns.dtype == "int32" and columns.widths == {"review": 8}
    with pytest.raises(TypednnError, match=r"reviews.yaml:\d+:\d+: data.transform: Columns: text columns"):
        read(_spec(tmp_path, "    review: {tokens: 8}\n    label2: standardize\n"))


def test_typednn_check_shows_the_width_of_a_text_column() -> None:
    done = _typednn("check", str(ROOT / "examples" / "reviews.yaml"), cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "review: tokens -> 24 int32 ids (71 words + 1 oov + padding 0)" in done.stdout
    assert "ok: reviews (24,) -> (2,)" in done.stdout


def test_typednn_data_inspect_reads_a_text_column() -> None:
    done = _typednn("data", "inspect", str(ROOT / "examples" / "reviews.yaml"), cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "review: tokens -> 24 int32 ids" in done.stdout
    assert "label 'label': 2 classes" in done.stdout


def test_a_spec_feeding_token_ids_to_a_float_input_fails_at_check(tmp_path: Path) -> None:
    path = _spec(tmp_path, "    review: {tokens: {length: 8, split: character}}\n")
    embedding = "  - embedding: {vocab: 64, features: 4, mask_zero: true}\n  - global_avg_pool1d\n"
    path.write_text(path.read_text().replace(embedding, "").replace("  dtype: int32\n", ""))  # a float model
    done = _typednn("check", str(path), cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[0] == (
        f"{path}:9:5: data.transform makes int32 token ids (tokens()), but the model's input takes float32 values (8,)"
    )
    path.write_text(_spec(tmp_path, "    review: {tokens: {length: 8, split: character}}\n").read_text())
    done = _typednn("check", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "review: tokens -> 8 int32 ids (" in done.stdout and " characters + 1 oov + padding 0)" in done.stdout
