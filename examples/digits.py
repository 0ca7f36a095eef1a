"""A typed CNN for the bundled 8x8 handwritten digits: train, checkpoint, export, reload.

Run it with `python examples/digits.py [RUN_DIR]`; running it again after an
interruption resumes from the last checkpoint.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal as L

import numpy as np
import optax

import typednn as tn
from typednn import nn

Digit = tn.Tensor[L[8], L[8], L[1]]
Scores = tn.Tensor[L[10]]


def build() -> tn.Model[Digit, Scores]:
    x = tn.Input(8, 8, 1)
    h = x >> nn.Conv2D(32, kernel=3, padding="same") >> nn.relu >> nn.MaxPool2D(2)  # 4 x 4 x 32
    y = h >> nn.Flatten() >> nn.Dense(64) >> nn.relu >> nn.Dropout(0.1) >> nn.Dense(10)
    return tn.Model(x, y, name="digits")


def train(data: tn.data.Dataset[Digit, tn.Classes[L[10]]], run: Path, *, epochs: int = 15) -> tn.Trainer[Digit, Scores]:
    """Fit with validation, early stopping, checkpoints and a metrics log; resumable."""
    trainer = tn.Trainer(
        build(),
        loss=tn.losses.softmax_cross_entropy,
        optimizer=optax.inject_hyperparams(optax.adam)(learning_rate=3e-3),
        metrics=["accuracy", "f1"],
        seed=0,
    )
    callbacks = [
        tn.callbacks.Checkpoint(run / "checkpoints", keep=2),
        tn.callbacks.ReduceLROnPlateau("val_loss", factor=0.5, patience=2),
        tn.callbacks.CSVLogger(run / "metrics.csv"),
        tn.callbacks.TensorBoard(run / "tensorboard"),
    ]
    trainer.fit(data, epochs=epochs, batch_size=32, validation=0.1, callbacks=callbacks, resume=True)
    return trainer


def main(run: Path) -> None:
    train_data, test_data = tn.data.digits().split(0.2, seed=0)
    trainer = train(train_data, run)
    result = trainer.evaluate(test_data)
    print("test: " + ", ".join(f"{name} {value:.4f}" for name, value in result.items()))
    trainer.save(str(run / "model"))
    model, params = tn.load(str(run / "model"))
    x = test_data.features
    same = np.array_equal(model.apply(params, x), trainer.model.apply(trainer.params, x))
    print(f"exported to {run / 'model'}: spec.json + weights.safetensors; reloaded predictions identical: {same}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs/digits"))
