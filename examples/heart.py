"""Keras's structured-data example in typed Python: raw columns -> transforms -> a classifier -> raw rows.

The twin of `examples/heart.yaml`, on the same table (`examples/data/heart.csv`:
numeric, integer-coded and text columns). The categorical columns' vocabularies are
given up front, so the mypy plugin knows every width: `prep(train)` is a
`Dataset[Tensor[L[15]], Any]`, and a model whose input is not 15 wide is an error on
the line of `fit`. Run it with `python examples/heart.py [RUN_DIR]`: it trains, saves
the model with its fitted transforms, loads it back, and predicts on the raw rows of
the CSV file, equal bit for bit to the trained model on the transformed rows.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from typing import Literal as L

import numpy as np
import optax

import typednn as tn
from typednn import nn
from typednn.data.transforms import Columns, clip, log, one_hot, standardize

DATA = Path(__file__).resolve().parent / "data" / "heart.csv"
Patient = tn.Tensor[L[15]]
Scores = tn.Tensor[L[2]]


def transforms() -> Columns[Patient]:
    """What each column becomes: 6 numbers, `cp` one-hot (1 + 4), `thal` one-hot (1 + 3), `sex` as it is."""
    return Columns(
        {
            "age": standardize(),
            "sex": None,
            "cp": one_hot(vocabulary=[0, 1, 2, 3]),
            "trestbps": standardize(),
            "chol": [clip(0, 600), log(), standardize()],
            "thalach": standardize(),
            "oldpeak": [log(), standardize()],
            "thal": one_hot(vocabulary=["fixed", "normal", "reversible"]),
        }
    )


def build() -> tn.Model[Patient, Scores]:
    x = tn.Input(15)
    return tn.Model(x, x >> nn.Dense(16) >> nn.relu >> nn.Dropout(0.2) >> nn.Dense(2), name="heart")


def main(run: Path) -> float:
    """Train, save with the transforms, reload, predict on raw rows; returns the validation accuracy."""
    raw = tn.data.table(DATA, label="target")
    train, validation = raw.split(0.2, seed=0)
    prep = transforms().fit(train)  # statistics from the training rows alone
    data: tn.data.Dataset[Patient, Any] = prep(train)
    trainer = tn.Trainer(
        build(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), metrics=["accuracy"], seed=0
    )
    trainer.fit(data, epochs=30, batch_size=16, validation=prep(validation), verbose=0)
    accuracy = trainer.evaluate(prep(validation))["accuracy"]
    print(f"validation accuracy {accuracy:.4f}")
    tn.save(trainer.model, trainer.params, run / "model", transform=prep)
    loaded = tn.load(run / "model")
    assert loaded.transform is not None
    model, params = loaded
    rows = tn.data.table(DATA)  # raw rows, as `typednn predict --model DIR heart.csv` reads them
    served = np.asarray(model.apply(params, loaded.transform.features(rows)))
    trained = np.asarray(trainer.model.apply(trainer.params, prep.features(rows)))
    print(f"saved to {run / 'model'}; predictions on raw rows identical: {np.array_equal(served, trained)}")
    return accuracy


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs/heart"))
