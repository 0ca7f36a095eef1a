"""Fitted transforms travel with the exported model: spec.json, `tn.load`, and `typednn predict` on raw rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest

import typednn as tn
from typednn import TypednnError, nn
from typednn.data import table
from typednn.data.transforms import Columns, hashing, lookup, one_hot, standardize

HEART = Path(__file__).resolve().parents[2] / "examples" / "data" / "heart.csv"


def _export(folder: Path) -> tuple[Columns, tn.Model[Any, Any], Any]:
    train, _ = table(HEART, label="target").split(0.2, seed=0)
    prep = Columns(
        {"age": standardize(), "sex": None, "cp": one_hot(), "thal": one_hot(), "chol": lookup(), "oldpeak": hashing(4)}
    ).fit(train)
    x = tn.Input(prep.output_width)
    model = tn.Model(x, x >> nn.Dense(3))
    params = model.init(jax.random.key(0))
    tn.save(model, params, folder, transform=prep)
    return prep, model, params


def test_round_trip_gives_the_same_features_bit_for_bit(tmp_path: Path) -> None:
    prep, _, _ = _export(tmp_path / "model")
    loaded = tn.load(tmp_path / "model")
    model, params = loaded  # still unpacks as a pair
    assert loaded.transform is not None and loaded.transform.names == prep.names
    raw = table(HEART)
    np.testing.assert_array_equal(loaded.transform.features(raw), prep.features(raw))
    spec = json.loads((tmp_path / "model" / "spec.json").read_text())
    assert [column["name"] for column in spec["transform"]["columns"]] == list(prep.names)
    assert set(params) == {"dense"} and model.name


def test_an_export_without_transforms_is_unchanged(tmp_path: Path) -> None:
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(3))
    tn.save(model, model.init(jax.random.key(0)), tmp_path / "plain")
    assert "transform" not in json.loads((tmp_path / "plain" / "spec.json").read_text())
    assert tn.load(tmp_path / "plain").transform is None


def test_save_refuses_unfitted_or_mismatched_transforms(tmp_path: Path) -> None:
    x = tn.Input(5)
    model = tn.Model(x, x >> nn.Dense(3))
    params = model.init(jax.random.key(0))
    with pytest.raises(TypednnError, match="the transforms are not fitted"):
        tn.save(model, params, tmp_path / "a", transform=Columns({"thal": one_hot()}))
    prep = Columns({"age": standardize()}).fit(table(HEART, label="target"))
    with pytest.raises(TypednnError, match=r"make features of shape \(1,\), but the model takes \(5,\)"):
        tn.save(model, params, tmp_path / "b", transform=prep)


def _edit(folder: Path, change: Any) -> Path:
    spec = folder / "spec.json"
    document = json.loads(spec.read_text())
    change(document["transform"]["columns"])
    spec.write_text(json.dumps(document))
    return spec


def test_hostile_vocabularies_are_refused(tmp_path: Path) -> None:
    _export(tmp_path / "model")
    original = (tmp_path / "model" / "spec.json").read_text()

    def wrong_type(columns: list[Any]) -> None:
        columns[2]["steps"][0]["one_hot"]["vocabulary"] = [0, 1]

    _edit(tmp_path / "model", wrong_type)
    with pytest.raises(
        TypednnError, match=r"transform.columns\[2\].steps\[0\].one_hot.vocabulary must hold strings only"
    ):
        tn.load(tmp_path / "model")

    def huge(columns: list[Any]) -> None:
        columns[3]["steps"][0]["one_hot"]["vocabulary"] = [str(i) for i in range(1_000_001)]

    (tmp_path / "model" / "spec.json").write_text(original)
    _edit(tmp_path / "model", huge)
    with pytest.raises(TypednnError, match=r"vocabulary must be a list of at most 1,000,000 strings"):
        tn.load(tmp_path / "model")

    def unknown(columns: list[Any]) -> None:
        columns[0]["steps"] = [{"standardise": {}}]

    (tmp_path / "model" / "spec.json").write_text(original)
    _edit(tmp_path / "model", unknown)
    with pytest.raises(TypednnError, match=r"unknown transform \"standardise\"; did you mean 'standardize'\?"):
        tn.load(tmp_path / "model")

    def zero_std(columns: list[Any]) -> None:
        columns[0]["steps"] = [{"standardize": {"mean": [1.0], "std": [0.0]}}]

    (tmp_path / "model" / "spec.json").write_text(original)
    _edit(tmp_path / "model", zero_std)
    with pytest.raises(TypednnError, match=r"standardize.std must be positive"):
        tn.load(tmp_path / "model")


def _predict(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    command = [sys.executable, "-m", "typednn", "predict", *map(str, arguments)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=False)


@pytest.mark.slow
def test_predict_on_raw_rows_equals_the_model_on_the_transformed_features(tmp_path: Path) -> None:
    prep, model, params = _export(tmp_path / "model")
    raw = tmp_path / "raw.csv"
    lines = HEART.read_text().splitlines()
    unseen = lines[1].replace("normal", "unheard-of")  # an unknown category: the OOV bucket
    raw.write_text("\n".join([lines[0], *lines[1:20], unseen]) + "\n")
    done = _predict("--model", tmp_path / "model", raw, "-o", tmp_path / "out.csv")
    assert done.returncode == 0, done.stderr
    found = np.loadtxt(tmp_path / "out.csv", delimiter=",", skiprows=1, dtype=np.float32)
    expected = np.asarray(model.apply(params, prep.features(table(raw))))
    np.testing.assert_allclose(found, expected, rtol=1e-6, atol=1e-6)  # written with 9 digits
    assert prep.features(table(raw))[-1, 2 + prep.widths["cp"]] == 1  # thal's OOV bucket (after age, sex, cp)


@pytest.mark.slow
def test_predict_names_a_missing_column_and_a_bad_cell(tmp_path: Path) -> None:
    _export(tmp_path / "model")
    missing = tmp_path / "missing.csv"
    missing.write_text("age,sex,cp,chol,oldpeak\n63,1,3,233,2.3\n")
    done = _predict("--model", tmp_path / "model", missing)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[0] == f"{missing}:1: no column 'thal'"
    bad = tmp_path / "bad.csv"
    bad.write_text("age,sex,cp,chol,oldpeak,thal\n63,1,3,233,2.3,fixed\nold,1,3,233,2.3,fixed\n")
    done = _predict("--model", tmp_path / "model", bad)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[0] == (
        f"{bad}:3:1: row 2, column 'age': expected a number for standardize(), found 'old'"
    )
