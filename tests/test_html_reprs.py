"""Jupyter's HTML reprs of Model (its summary), Dataset (its arrays) and History (its epochs)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import numpy as np

import typednn as tn
from examples.functional import two_tower
from typednn import nn
from typednn.data import from_arrays
from typednn.train import History


def cells(markup: str) -> list[list[str]]:
    """The rows of the one table in `markup`, which must parse as XML (so every text was escaped)."""
    root = ElementTree.fromstring(markup)
    return [["".join(cell.itertext()) for cell in row] for row in root.iter("tr")]


def texts(markup: str) -> str:
    return "".join(ElementTree.fromstring(markup).itertext())


def test_a_model_shows_its_summary() -> None:
    x = tn.Input(784)
    model = tn.Model(x, x >> nn.Dense(128) >> nn.relu >> nn.Dense(10), name="mlp")
    rows = cells(model._repr_html_())
    assert rows[0] == ["Layer", "Name", "Output shape", "Params"]
    assert rows[2] == ["Dense(128)", "dense", "(128,)", "100,480"]
    assert "Model 'mlp'" in texts(model._repr_html_()) and "Total params: 101,770 (397.5 KiB)" in texts(
        model._repr_html_()
    )


def test_a_model_with_merges_shows_what_each_layer_takes() -> None:
    rows = cells(two_tower()._repr_html_())
    assert rows[0][3] == "Connected to"
    assert any(row[1] == "tower_1" and row[3] == "right" for row in rows)
    assert "Outputs: score" in texts(two_tower()._repr_html_())


def test_names_are_escaped() -> None:
    x = tn.Input(4, name="<script>alert(1)</script>")
    model = tn.Model(x, x >> nn.Dense(3, name="a&b<i>"), name="<m>")
    markup = model._repr_html_()
    assert "<script>" not in markup and "<i>" not in markup
    assert ["Input", "<script>alert(1)</script>", "(4,)", "0"] in cells(markup)
    assert "a&b<i>" in texts(markup)


def test_a_dataset_shows_its_arrays() -> None:
    data = from_arrays(np.zeros((6, 4), np.float32), np.array([0, 1, 2, 0, 1, 2]))
    markup = data._repr_html_()
    assert "Dataset: 6 examples, 120 bytes in memory" in texts(markup)
    assert cells(markup)[1:] == [
        ["features", "", "(4,)", "float32", ""],
        ["targets", "", "class ids", cells(markup)[2][3], "3 classes"],
    ]


def test_a_dataset_of_several_arrays_and_named_classes() -> None:
    image, meta = np.zeros((5, 8, 8, 3), np.float32), np.zeros((5, 4), np.float32)
    label, box = np.arange(5) % 2, np.zeros((5, 4), np.float32)
    data: tn.data.Dataset[Any, Any] = tn.data.Dataset(
        (image, meta),
        (label, box),
        classes=(2, None),
        class_names=(("<cat>", "dog" * 20), None),
        feature_names=("image", "meta"),
        target_names=("label", "box"),
    )
    rows = cells(data._repr_html_())
    assert [row[:3] for row in rows[1:]] == [
        ["features", "image", "(8, 8, 3)"],
        ["features", "meta", "(4,)"],
        ["targets", "label", "class ids"],
        ["targets", "box", "(4,)"],
    ]
    assert rows[3][4].startswith("2 classes: '<cat>', 'dogdog") and "…" in rows[3][4]  # a long name is cut


def test_a_file_backed_dataset_is_not_read(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.zeros((100, 3), np.float32))
    features = np.load(tmp_path / "x.npy", mmap_mode="r")
    data = from_arrays(features, np.zeros((100, 2), np.float32))
    assert "read from a memory-mapped file" in texts(data._repr_html_())


def test_a_history_shows_its_epochs() -> None:
    history = History([{"loss": 0.912345, "val_<loss>": 1.0}, {"loss": 0.5}])
    rows = cells(history._repr_html_())
    assert rows == [["epoch", "loss", "val_<loss>"], ["1", "0.9123", "1"], ["2", "0.5", ""]]
    assert "History(2 epochs" in texts(history._repr_html_())


def test_a_long_history_shows_its_first_and_last_epochs() -> None:
    history = History([{"loss": float(n)} for n in range(1, 101)])
    rows = cells(history._repr_html_())
    assert [row[0] for row in rows[1:7]] == ["1", "2", "3", "4", "5", "…"]
    assert rows[-1] == ["100", "100"] and len(rows) == 1 + 20 + 1


def test_an_empty_history() -> None:
    assert cells(History()._repr_html_()) == [["epoch"]]
