"""File-backed datasets: subsets stay indices into the file, and the Trainer feeds them per chunk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn
from typednn.train import _feed


def memmapped(tmp_path: Path, examples: int = 96) -> tn.data.Dataset[Any, Any]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(examples, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    return tn.data.npy(tmp_path / "x.npy", tmp_path / "y.npy")


def test_subsets_of_a_file_stay_lazy(tmp_path: Path) -> None:
    data = memmapped(tmp_path)
    assert isinstance(data.features, np.memmap) and data.file_backed
    train, validation, test = data.partition(validation=0.25, test=0.25, seed=1)
    assert validation is not None and test is not None
    for part in (train, validation, test):
        assert part.file_backed  # indices into the file, not a copy
    index = np.array([[3, 0], [1, 2]])
    x, y = validation.take(index)
    rows = np.random.default_rng(1).permutation(96)[48:72]
    np.testing.assert_array_equal(x, np.asarray(data.features)[rows[index]])
    np.testing.assert_array_equal(y, data.targets[rows[index]])
    # A subset of a subset composes the indices.
    np.testing.assert_array_equal(validation.subset(np.array([5, 1])).features, data.features[rows[[5, 1]]])
    assert validation.nbytes == 24 * (4 * 4 + 4)
    assert validation.schema("x.npy") == tn.data.Schema("x.npy", tn._shapes.Shape((4,)), 3, None, 24)


def test_a_file_backed_dataset_trains_fed_per_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = memmapped(tmp_path)
    train, validation = data.split(0.25, seed=0)
    assert not _feed.fits_on_device(train, None) and not _feed.fits_on_device(train, 10**12)
    put_on_device = []
    monkeypatch.setattr(_feed.OnDevice, "__init__", lambda self, d: put_on_device.append(d))
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(3))
    fitted = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), seed=0)
    history = fitted.fit(train, epochs=3, batch_size=16, validation=validation, verbose=0)
    assert put_on_device == []
    assert len(history.epochs) == 3 and all(np.isfinite(e["loss"]) for e in history.epochs)
    assert history["loss"][-1] < history["loss"][0]
    monkeypatch.undo()
    # The same batches from memory give the same training.
    in_memory = tn.data.from_arrays(np.asarray(train.features), train.targets, classes=3)
    again = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), seed=0)
    same = again.fit(in_memory, epochs=3, batch_size=16, verbose=0)
    np.testing.assert_allclose(same["loss"], history["loss"], rtol=1e-5)
